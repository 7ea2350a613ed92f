"""``techhub.widgets.ChatPanel`` against the real local agent server (``techhub up``), no browser.

The seed's demo conversations run through the panel's Python interface and through the messages its
front end sends (Enter in the input box, a click on Send, a choice in the assistant dropdown), and
the view is read back from the widgets' state: the bubbles, the verification question's badge, the
thread id field, the busy line and the errors shown in the panel. ``tests/test_browser.py`` checks
the same panel in a real browser.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import ipywidgets
import pytest
from langgraph_sdk import get_sync_client
from langgraph_sdk.client import SyncLangGraphClient

from techhub.agent.prompts import ASK_EMAIL, RETRY_EMAIL
from techhub.deployment import DeploymentError, get_deployment_client
from techhub.widgets import ChatPanel

if TYPE_CHECKING:
    from conftest import TechhubInstance

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
CANCEL = (
    "I need to cancel order ORD-2025-0030 immediately. my email is gregory.harris@yahoo.com. "
    "make it happen fast."
)


@pytest.fixture(scope="module")
def client(techhub_services: TechhubInstance) -> Iterator[SyncLangGraphClient]:
    with pytest.MonkeyPatch.context() as patch:
        techhub_services.apply(patch)
        yield get_deployment_client()


def _press_enter(box: ipywidgets.Text, text: str) -> None:
    """What the front end sends when the learner types ``text`` and presses Enter: the value, then
    the ``submit`` event, through the widget's comm message handler."""
    box.value = text
    message = {"content": {"data": {"method": "custom", "content": {"event": "submit"}}}, "buffers": []}
    box._handle_msg(message)


def _bubbles(panel: ChatPanel, kind: str) -> list[str]:
    """The texts of the bubbles of one kind (``user``, ``assistant`` or ``question``) in the view."""
    pattern = (
        rf'class="techhub-turn[^"]*techhub-turn-{kind}[^"]*"[^>]*>.*?'
        r'<div class="techhub-turn-text">(.*?)</div>'
    )
    return [html.unescape(text) for text in re.findall(pattern, panel._log.value, flags=re.S)]


def _watch(widget: ipywidgets.Widget, name: str) -> list[Any]:
    seen: list[Any] = []
    widget.observe(lambda change: seen.append(change["new"]), names=name)
    return seen


def test_the_seed_frustrated_customer_through_the_python_interface(client):
    panel = ChatPanel(client=client)
    assert panel.assistant == "techhub-v1" and UUID.fullmatch(panel.thread_id)
    assert f'value="{panel.thread_id}"' in panel._thread.value and "readonly" in panel._thread.value
    assert "No messages yet" in panel._log.value

    assert panel.send("Where is my order?! It's been weeks!") == ASK_EMAIL
    assert panel.waiting_for_answer
    assert panel.send("sarah.chen@gamil.com") == RETRY_EMAIL  # the seed's typo
    answer = panel.send("sarah.chen@gmail.com")
    assert "ORD-2025-0047" in answer and not panel.waiting_for_answer
    panel.send("This is ridiculous. I want a refund NOW!")

    assert [role for role, _ in panel.transcript] == ["user", "assistant"] * 4
    assert panel.transcript[0] == ("user", "Where is my order?! It's been weeks!")
    assert panel.transcript[1] == ("assistant", ASK_EMAIL)
    # The view: customer on one side, agent on the other, both verification questions marked.
    assert _bubbles(panel, "user")[1] == "sarah.chen@gamil.com"
    assert len(_bubbles(panel, "assistant")) == 4
    assert _bubbles(panel, "question") == [ASK_EMAIL, RETRY_EMAIL]
    assert panel._log.value.count("verification question") == 2
    assert "ORD-2025-0047" in _bubbles(panel, "assistant")[2]
    assert panel.error is None and not panel.busy and panel._status.value == ""


def test_the_cancellation_demo_on_v1_then_v2_from_the_dropdown(client):
    panel = ChatPanel("v1", client=client)
    claim = panel.send(CANCEL)
    assert "successfully initiated the cancellation" in claim  # v1 claims an action it has no tool for
    panel.send("I never received an email and my order hasn't been cancelled. What the heck??")
    v1_thread = panel.thread_id

    panel._assistant_choice.value = "techhub-v2"  # what the front end syncs when v2 is chosen
    assert panel.assistant == "techhub-v2"
    assert panel.thread_id != v1_thread and panel.transcript == []  # a thread belongs to one assistant
    refusal = panel.send(CANCEL)
    assert "don't have the ability to cancel" in refusal and "support@techhub.com" in refusal
    assert "Agent · techhub-v2" in panel._log.value

    panel.assistant = "v1"  # the Python way; the dropdown follows
    assert panel._assistant_choice.value == "techhub-v1" and panel.transcript == []


def test_enter_and_send_from_the_front_end_show_the_busy_line_and_clear_the_box(client):
    panel = ChatPanel(client=client)
    busy_lines = _watch(panel._status, "value")
    disabled = _watch(panel._input, "disabled")
    pending = _watch(panel._log, "value")

    _press_enter(panel._input, "Where is my order?! It's been weeks!")
    assert panel.transcript[-1] == ("assistant", ASK_EMAIL)
    assert panel._input.value == ""
    # While the run was in flight: the busy line, the controls disabled, the message shown pending.
    assert "techhub-chat-busy" in busy_lines[0] and "techhub-v1 is answering" in busy_lines[0]
    assert busy_lines[-1] == "" and disabled == [True, False]
    assert "techhub-turn-pending" in pending[0] and "techhub-turn-pending" not in pending[-1]

    panel._input.value = "sarah.chen@gmail.com"
    panel._send_button.click()
    assert "ORD-2025-0047" in panel.transcript[-1][1] and panel._input.value == ""


def test_errors_from_the_front_end_are_shown_in_the_panel_and_nothing_typed_is_lost(client):
    panel = ChatPanel(client=client, config={"configurable": {"version": "v9"}})
    _press_enter(panel._input, "   ")
    assert "the message is empty" in panel.error and "techhub-chat-error" in panel._error.value

    _press_enter(panel._input, "hello there")  # the run fails on the server: no raise out of a callback
    assert "run failed" in panel.error and "unknown agent version 'v9'" in html.unescape(panel._error.value)
    assert panel._input.value == "hello there" and panel.transcript == []
    assert not panel.busy and not panel._input.disabled and "pending" not in panel._log.value

    with pytest.raises(DeploymentError, match="run failed"):  # the Python interface raises (and shows)
        panel.send("hello again")
    assert "run failed" in panel.error


def test_an_error_clears_on_the_next_success_and_new_thread_starts_afresh(client):
    panel = ChatPanel(client=client)
    _press_enter(panel._input, "")
    assert panel.error is not None
    panel.send("what did I order last time?")
    assert panel.error is None and panel._error.value == ""

    first = panel.thread_id
    panel._new_thread_button.click()
    assert panel.thread_id != first and UUID.fullmatch(panel.thread_id)
    assert panel.transcript == [] and not panel.waiting_for_answer and "No messages yet" in panel._log.value
    assert panel.new_thread() not in (first, None)


def test_an_unknown_assistant_is_refused_and_the_panel_keeps_its_conversation(client):
    panel = ChatPanel(client=client)
    thread = panel.thread_id
    with pytest.raises(DeploymentError, match="no assistant called 'v3'"):
        panel.assistant = "v3"
    assert panel.assistant == "techhub-v1" and panel.thread_id == thread
    assert "no assistant called" in panel._error.value


def test_a_waiting_thread_is_picked_up_by_id(client):
    first = ChatPanel(client=client)
    first.send("what did I order last time?")
    again = ChatPanel(client=client, thread_id=first.thread_id)
    assert again.waiting_for_answer and "waiting for the customer's answer" in repr(again)
    assert "ORD-2025-0118" in again.send("sarah.chen@gmail.com")


def test_the_text_fallback_is_the_transcript_and_only_the_thread_id_varies(client):
    texts, pages = [], []
    for _ in range(2):
        panel = ChatPanel(client=client)
        panel.send("Where is my order?! It's been weeks!")
        bundle = panel._repr_mimebundle_()
        assert bundle["text/plain"] == (
            f"ChatPanel: techhub-v1, thread {panel.thread_id}, waiting for the customer's answer\n"
            "  customer: Where is my order?! It's been weeks!\n"
            f"  agent (verification question): {ASK_EMAIL}"
        )
        assert "application/vnd.jupyter.widget-view+json" in bundle  # the live widget in JupyterLab
        texts.append(UUID.sub("UUID", bundle["text/plain"]))
        pages.append(UUID.sub("UUID", bundle["text/html"]))
        # No other id (the widget's model id is only in the widget-view entry, which nbval skips).
        assert panel.model_id not in bundle["text/plain"] + bundle["text/html"]
    assert texts[0] == texts[1] and pages[0] == pages[1]
    assert "techhub-turn-question" in pages[0] and "Where is my order?! It&#x27;s been weeks!" in pages[0]


def test_html_in_a_message_is_shown_as_text(client):
    panel = ChatPanel(client=client)
    panel.send("<b>hi</b> <script>alert(1)</script> what are your opening hours?")
    assert "<script>" not in panel._log.value and "&lt;script&gt;" in panel._log.value


def test_a_server_that_is_down_says_to_run_techhub_up():
    from techhub.localsmith.launcher import free_port

    down = get_sync_client(url=f"http://127.0.0.1:{free_port()}", api_key=None)
    with pytest.raises(DeploymentError, match=r"cannot reach the agent server .*`techhub up`"):
        ChatPanel(client=down)
