"""``techhub.widgets.TraceView`` and ``ThreadView`` on real traces: the agent server's, in the local server.

Why: offline, these views are the course's LangSmith UI. They must show the tree LangGraph traces
(supervisor, sql_agent, the tool), the feedback with its source, the conversation turn by turn, and
render the same text and HTML for the same conversation once ``notebooks/sanitize.cfg`` has rewritten
ids, times and durations: that is what nbval compares in the committed notebooks.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import langsmith as ls
import pytest
from langgraph_sdk.client import SyncLangGraphClient
from nbval.plugin import get_sanitize_patterns

from techhub import smith
from techhub.config import ROOT_RUN_NAME, TRACING_PROJECT
from techhub.deployment import Conversation, get_deployment_client
from techhub.flywheel import wait_for_rules
from techhub.widgets import ThreadView, TraceNotFound, TraceView

if TYPE_CHECKING:
    from conftest import TechhubInstance

SANITIZE = get_sanitize_patterns((Path(__file__).parents[1] / "notebooks" / "sanitize.cfg").read_text())
GREGORY = [
    "I need to cancel order ORD-2025-0030 immediately. my email is gregory.harris@yahoo.com. make it "
    "happen fast.",
    "I never received an email and my order hasn't been cancelled. What the heck??",
]
SARAH = [  # the seed's frustrated customer, typo first
    "Where is my order?! It's been weeks!",
    "sarah.chen@gamil.com",
    "sarah.chen@gmail.com",
    "This is ridiculous. I want a refund NOW!",
]


def sanitized(text: str) -> str:
    """What nbval compares: the output after every regex of ``notebooks/sanitize.cfg``."""
    for regex, replacement in SANITIZE:
        text = re.sub(regex, replacement, text)
    return text


class Services:
    def __init__(self, client: ls.Client, deployment: SyncLangGraphClient) -> None:
        self.client = client
        self.deployment = deployment

    def chat(self, messages: list[str], assistant: str = "v1") -> Conversation:
        conversation = Conversation(assistant, client=self.deployment)
        for message in messages:
            conversation.send(message)
        return conversation


@pytest.fixture(scope="module")
def services(techhub_services: TechhubInstance) -> Iterator[Services]:
    with pytest.MonkeyPatch.context() as patch:
        techhub_services.apply(patch)
        yield Services(smith.get_client(), get_deployment_client())


@pytest.fixture(scope="module")
def gregory(services: Services) -> Conversation:
    return services.chat(GREGORY)


def test_the_trace_tree_has_the_agent_s_steps_usage_and_the_feedback_on_the_root(
    services: Services, gregory: Conversation
) -> None:
    first_run = gregory.run_ids[0]
    view = TraceView(first_run, client=services.client)

    assert view.root.id == first_run and view.root.name == ROOT_RUN_NAME
    assert view.thread_id == gregory.thread_id and view.status == "success"
    names = [node.run.name for node in view.nodes]
    assert {"supervisor", "sql_agent", "run_sql_query"} <= set(names)
    depth = {node.run.name: node.depth for node in view.nodes}
    assert depth[ROOT_RUN_NAME] == 0 and depth["sql_agent"] == 1 and depth["run_sql_query"] == 2
    # Every run comes after its parent, and starts no earlier than the trace.
    seen: set[str] = set()
    for node in view.nodes:
        assert smith.parent_id(node.run) in seen | {None}
        assert node.offset_seconds is not None and node.offset_seconds >= 0
        seen.add(node.run.id)
    # Tokens and cost: the LLM calls' own, summed up the tree.
    llm_tokens = sum(int(n.run.total_tokens or 0) for n in view.nodes if n.run_type == "llm")
    assert llm_tokens > 0 and view.total_tokens == llm_tokens
    sql_agent = next(n for n in view.nodes if n.run.name == "sql_agent")
    assert 0 < sql_agent.tokens < view.total_tokens
    assert view.total_cost is not None and view.total_cost > 0
    assert view.feedback == []

    services.client.create_feedback(
        key="user_sentiment", score=0, value="negative", comment="The customer is angry.",
        run_id=first_run, session_id=view.root.project_id, start_time=view.root.start_time,
    )
    view = TraceView(first_run, client=services.client)
    (feedback,) = view.feedback
    assert (feedback.key, feedback.value, feedback.comment) == ("user_sentiment", "negative",
                                                                 "The customer is angry.")

    html = view._repr_html_()
    for expected in ("<details", "supervisor", "sql_agent", "run_sql_query", "user_sentiment",
                     "negative (score 0)", "The customer is angry.", "→ run_sql_query(", "[human]"):
        assert expected in html, expected
    assert "<script" not in html
    text = repr(view)
    assert text.splitlines()[0].startswith(f"Trace {ROOT_RUN_NAME} · success · ")
    assert "  │  └─ run_sql_query" in text or "  │  ├─ run_sql_query" in text
    assert "user_sentiment: negative (score 0)  [api]" in text and "The customer is angry." in text


def test_any_run_of_a_trace_opens_the_whole_trace_with_that_run_marked(
    services: Services, gregory: Conversation
) -> None:
    whole = TraceView(gregory.run_ids[0], client=services.client)
    tool = next(n.run for n in whole.nodes if n.run.name == "run_sql_query")
    view = TraceView(tool.id, client=services.client)
    assert [r.id for r in view.runs] == [r.id for r in whole.runs]
    assert view.selected == tool.id
    assert "◀ selected" in repr(view) and ">selected<" in view.to_html()


def test_the_thread_view_shows_the_conversation_turn_by_turn_with_traces_and_feedback(
    services: Services,
) -> None:
    sarah = services.chat(SARAH)
    view = ThreadView(sarah, client=services.client)

    assert view.thread_id == sarah.thread_id
    assert [t.run_id for t in view.turns] == sarah.run_ids
    assert [(m["role"], m["content"]) for m in view.conversation] == sarah.transcript
    assert [t.customer for t in view.turns] == [[message] for message in SARAH]
    assert view.turns[1].reply == sarah.transcript[3][1]  # the retry after the typo
    assert all(turn.trace.root.id == turn.run_id for turn in view.turns)
    # The node that asked for the email paused the graph: shown as interrupted, not as an error.
    statuses = {n.run.name: n.status for n in view.turns[0].trace.nodes}
    assert "interrupted" in statuses.values() and "error" not in statuses.values()
    # the interrupt's error is shown without LangChain's traceback (this machine's file paths)
    assert "GraphInterrupt" in view.to_html() and "site-packages" not in view.to_html()

    last = view.turns[-1]
    services.client.create_feedback(
        key="user_sentiment", score=0, value="negative", comment="Angry at the end.",
        run_id=last.run_id, session_id=last.run.project_id, start_time=last.run.start_time,
    )
    view = ThreadView(sarah.thread_id, client=services.client)
    assert [(f.key, f.value) for f in view.feedback] == [("user_sentiment", "negative")]
    assert view.turns[-1].trace.feedback[0].comment == "Angry at the end."
    text = repr(view)
    assert f"Thread {sarah.thread_id} · 4 turns" in text
    assert "  customer │ sarah.chen@gamil.com" in text
    assert "turn 4  user_sentiment: negative (score 0)" in text and "Angry at the end." in text
    html = view._repr_html_()
    assert html.count(">Customer<") == 4 and html.count(">Agent<") == 4
    assert html.count("<details") >= 4 and "sql_agent" in html and "Angry at the end." in html


def test_the_same_conversation_renders_the_same_text_and_html_once_sanitized(services: Services) -> None:
    first, second = services.chat(GREGORY), services.chat(GREGORY)
    shy, bold = services.chat(SARAH), services.chat(SARAH)
    # Rules from other tests may still be judging threads: let them finish, so both sides see the same.
    wait_for_rules(services.client, timeout=60, progress=False)

    for one, two in ((first, second), (shy, bold)):
        a, b = ThreadView(one, client=services.client), ThreadView(two, client=services.client)
        assert repr(a) != repr(b)  # the ids differ...
        assert sanitized(repr(a)) == sanitized(repr(b))  # ...and nothing else
        assert sanitized(a._repr_html_()) == sanitized(b._repr_html_())
        trace_a, trace_b = a.turns[0].trace, b.turns[0].trace
        assert sanitized(trace_a.to_text()) == sanitized(trace_b.to_text())
        assert sanitized(trace_a.to_html()) == sanitized(trace_b.to_html())
    # Durations are shown, in the one form the sanitizer rewrites.
    text = repr(TraceView(first.run_ids[0], client=services.client))
    assert re.search(r"\+\d+\.\d{3} s · \d+\.\d{3} s", text)
    assert "+N.NNN s · N.NNN s" in sanitized(text)


def test_the_project_is_part_of_the_address(services: Services) -> None:
    client = ls.Client(api_url=services.client.api_url, api_key=services.client.api_key)

    @ls.traceable(name="elsewhere")
    def elsewhere(question: str) -> str:
        return "answer"

    with ls.tracing_context(enabled=True, client=client, project_name="views-other-project"):
        elsewhere("question?", langsmith_extra={"run_id": (run_id := uuid.uuid4())})
    client.flush()

    view = TraceView(run_id, project="views-other-project", client=services.client)
    assert view.root.name == "elsewhere" and view.project == "views-other-project"
    with pytest.raises(TraceNotFound, match=f"not in project '{TRACING_PROJECT}'"):
        TraceView(run_id, client=services.client, wait=0)


def test_a_trace_that_is_on_its_way_is_waited_for(services: Services) -> None:
    client = ls.Client(api_url=services.client.api_url, api_key=services.client.api_key,
                       auto_batch_tracing=False)
    run_id = uuid.uuid4()
    start = datetime.now(UTC)

    def arrive() -> None:
        client.create_run("late", {"question": "?"}, "chain", id=run_id, project_name=TRACING_PROJECT,
                          start_time=start, end_time=start + timedelta(seconds=0.25), outputs={"answer": "!"})

    threading.Timer(1.0, arrive).start()
    view = TraceView(run_id, client=services.client, wait=10)
    assert view.root.name == "late" and view.root.outputs == {"answer": "!"}


def test_a_trace_that_never_arrives_says_what_to_check(services: Services) -> None:
    missing = uuid.uuid4()
    started = time.monotonic()
    with pytest.raises(TraceNotFound) as raised:
        TraceView(missing, client=services.client, wait=0.6)
    assert time.monotonic() - started >= 0.6  # it did wait
    message = str(raised.value)
    assert str(missing) in message and f"'{TRACING_PROJECT}'" in message and "wait=" in message
    with pytest.raises(TraceNotFound, match="thread no-such-thread"):
        ThreadView("no-such-thread", client=services.client, wait=0)


def test_a_langsmith_that_does_not_answer_says_to_start_it() -> None:
    from techhub.localsmith.launcher import free_port

    nobody = ls.Client(api_url=f"http://127.0.0.1:{free_port()}", api_key="test",
                       info={"version": "0.16.0"})
    with pytest.raises(ConnectionError, match=r"cannot reach LangSmith at http://127\.0\.0\.1:\d+\. .*up"):
        TraceView(uuid.uuid4(), client=nobody, wait=0)


def test_a_view_without_feedback_reads_none_and_shows_no_section(
    services: Services, gregory: Conversation
) -> None:
    """Notebook 01 shows traces before any judge ran: its views leave the feedback out entirely."""
    from techhub.flywheel import add_review_feedback

    add_review_feedback(services.client, gregory.run_ids[-1], "note", None, comment="present")
    assert TraceView(gregory.run_ids[-1], client=services.client).feedback  # there is some to leave out
    thread = ThreadView(gregory.thread_id, client=services.client, feedback=False)
    trace = TraceView(gregory.run_ids[-1], client=services.client, feedback=False)
    for view in (thread, trace):
        assert view.feedback == []
        assert "Feedback on the" not in view.to_text() and "Feedback on the" not in view.to_html()
    assert all("Feedback on the" not in turn.trace.to_html(header=False) for turn in thread.turns)


def test_an_error_is_shown_without_its_traceback() -> None:
    from techhub.widgets.traces import error_summary

    trace = 'Traceback (most recent call last):\n  File "/x/y.py", line 1\n'
    assert error_summary('ValueError("bad")\n\n' + trace + "ValueError: bad") == 'ValueError("bad")'
    assert error_summary(trace + "KeyError: 'k'") == "KeyError: 'k'"
    assert error_summary(None) is None
