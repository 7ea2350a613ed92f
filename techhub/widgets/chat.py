"""``ChatPanel``: LangSmith Studio's chat, inside the notebook.

In the workshop text the learner chats with the deployment in Studio. Offline there is no Studio, so
this panel plays its part: the conversation with the agent on the deployment (the local agent server
or a LangSmith Deployment, through :class:`techhub.deployment.Conversation`), a box to write as the
customer, a choice of assistant (v1 or v2), a New thread button and the thread id to copy.

Two ways to drive it, same conversation:

* by hand: type and press Enter (or Send). The click runs the agent in the kernel and blocks it for
  the run (about a second offline); the busy line shows meanwhile and the controls are disabled, so
  messages cannot pile up. Errors appear in the panel: a callback has nobody to raise to.
* from code (notebooks, tests, CI): ``panel.send(text)`` returns the reply and updates the view,
  ``panel.new_thread()``, ``panel.thread_id``, ``panel.transcript``, ``panel.assistant = "v2"``.
  Synchronous and deterministic; errors are shown in the panel and raised as
  :class:`~techhub.deployment.DeploymentError`.

The text fallback (``text/plain``, what nbval compares) holds the assistant, the thread id (a UUID
the notebooks' sanitizer replaces) and the transcript, nothing else that varies.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

import ipywidgets as widgets
from langgraph_sdk.client import SyncLangGraphClient

from techhub.deployment import (
    ASSISTANT_VERSIONS,
    DEFAULT_ASSISTANT,
    SHORT_NAMES,
    Conversation,
    DeploymentError,
    Role,
    Turn,
)
from techhub.widgets import _chat_html as html

_ROLE_LABEL = {"user": "customer", "assistant": "agent"}


def _full_name(assistant: str) -> str:
    return SHORT_NAMES.get(assistant, assistant)


def _option_label(name: str) -> str:
    version = ASSISTANT_VERSIONS.get(name)
    return f"{version} · {name}" if version else name


class ChatPanel(widgets.VBox):
    """Chat with the deployed agent as a customer would: Studio's chat, in the notebook.

    ``assistant`` is ``techhub-v1`` (default) or ``techhub-v2`` (``v1`` / ``v2`` for short) or any
    assistant of the deployment. ``client``, ``metadata`` and ``config`` go to every
    :class:`~techhub.deployment.Conversation` the panel opens (``metadata`` lands on the thread and
    on each root trace). ``thread_id`` picks up an existing thread instead of starting one.
    Raises :class:`~techhub.deployment.DeploymentError` if the deployment cannot be reached.
    """

    def __init__(
        self,
        assistant: str = DEFAULT_ASSISTANT,
        *,
        client: SyncLangGraphClient | None = None,
        metadata: Mapping[str, Any] | None = None,
        config: Mapping[str, Any] | None = None,
        thread_id: str | None = None,
    ) -> None:
        self._client = client
        self._metadata = dict(metadata or {})
        self._config = dict(config) if config else None
        self._conversation = self._open(assistant, thread_id)
        self._pending: str | None = None
        self._busy = False
        self._switching = False

        full = self._conversation.assistant_name
        names = list(ASSISTANT_VERSIONS) + ([full] if full not in ASSISTANT_VERSIONS else [])
        self._assistant_choice = widgets.Dropdown(
            options=[(_option_label(name), name) for name in names],
            value=full,
            description="Assistant",
            layout=widgets.Layout(width="240px"),
            style={"description_width": "68px"},
        )
        self._new_thread_button = widgets.Button(
            description="New thread", icon="plus", tooltip="Start a new conversation (a new thread)"
        )
        self._thread = widgets.HTML()
        self._log = widgets.HTML(layout=widgets.Layout(width="100%"))
        self._status = widgets.HTML()
        self._error = widgets.HTML()
        self._input = widgets.Text(
            placeholder="Write as the customer… (Enter sends)", layout=widgets.Layout(flex="1 1 auto")
        )
        self._send_button = widgets.Button(
            description="Send", icon="paper-plane", button_style="primary", tooltip="Send (Enter)"
        )
        for widget, name in (
            (self._assistant_choice, "assistant"),
            (self._new_thread_button, "new-thread"),
            (self._thread, "thread"),
            (self._log, "log-view"),
            (self._status, "status"),
            (self._error, "error-view"),
            (self._input, "input"),
            (self._send_button, "send"),
        ):
            widget.add_class(f"techhub-chat-{name}")

        self._assistant_choice.observe(self._on_assistant_chosen, names="value")
        self._new_thread_button.on_click(lambda _: self._run_from_ui(self.new_thread))
        self._send_button.on_click(lambda _: self._send_from_ui())
        self._input.on_msg(self._on_input_message)

        header = widgets.HBox(
            [
                widgets.HTML(html.title_html(), layout=widgets.Layout(flex="1 1 auto")),
                self._assistant_choice,
                self._new_thread_button,
            ],
            layout=widgets.Layout(justify_content="space-between", align_items="center"),
        )
        footer = widgets.HBox([self._input, self._send_button], layout=widgets.Layout(align_items="center"))
        super().__init__(
            [header, self._thread, self._log, self._status, self._error, footer],
            layout=widgets.Layout(
                max_width="760px", padding="8px", border="1px solid var(--jp-border-color2, #e0e0e0)"
            ),
        )
        self.add_class("techhub-chat")
        self._render()

    # --- the Python interface ---------------------------------------------------------------------

    @property
    def conversation(self) -> Conversation:
        """The conversation shown now (a new one after :meth:`new_thread` or a change of assistant)."""
        return self._conversation

    @property
    def thread_id(self) -> str:
        return self._conversation.thread_id

    @property
    def transcript(self) -> list[tuple[Role, str]]:
        """The conversation so far as ``(role, text)`` pairs, ``role`` being ``user`` or ``assistant``."""
        return self._conversation.transcript

    @property
    def turns(self) -> list[Turn]:
        """The messages with their run ids and which one is the verification question."""
        return list(self._conversation.turns)

    @property
    def waiting_for_answer(self) -> bool:
        """True while the agent waits for the customer's answer to its verification question."""
        return self._conversation.waiting_for_answer

    @property
    def busy(self) -> bool:
        """True while a message is being answered."""
        return self._busy

    @property
    def error(self) -> str | None:
        """The error shown in the panel, if any (cleared by the next successful action)."""
        return self._error_message

    @property
    def assistant(self) -> str:
        """The assistant's name (``techhub-v1`` ...). Setting it starts a new thread on that assistant."""
        return self._conversation.assistant_name

    @assistant.setter
    def assistant(self, name: str) -> None:
        self._switch_assistant(name)

    def send(self, text: str) -> str:
        """Send the customer's message (or their answer to the verification question); return the reply.

        The message shows at once with the busy line; the reply replaces them when the run ends. A
        :class:`~techhub.deployment.DeploymentError` is shown in the panel, then raised.
        """
        with self._showing_errors(), self._running(text):
            return self._conversation.send(text)

    def new_thread(self) -> str:
        """Start a new conversation with the same assistant; returns its thread id."""
        with self._showing_errors():
            self._conversation = self._open(self.assistant, None)
        self._render()
        return self.thread_id

    # --- text fallback ----------------------------------------------------------------------------

    def as_text(self) -> str:
        """The panel as plain text: assistant, thread id and transcript (nothing else that varies)."""
        waiting = ", waiting for the customer's answer" if self.waiting_for_answer else ""
        lines = [f"ChatPanel: {self.assistant}, thread {self.thread_id}{waiting}"]
        for turn in self._conversation.turns:
            label = _ROLE_LABEL[turn.role] + (" (verification question)" if turn.is_question else "")
            lines.append(f"  {label}: {turn.text}")
        if len(lines) == 1:
            lines.append("  (no messages yet)")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.as_text()

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = super()._repr_mimebundle_(**kwargs) or {}
        bundle["text/plain"] = self.as_text()
        # A static snapshot for places without a kernel (GitHub, nbviewer); the live widget wins in Lab.
        bundle["text/html"] = self._snapshot_html()
        return bundle

    def _snapshot_html(self) -> str:
        return (
            '<div class="techhub-chat-snapshot" style="max-width:760px">'
            + html.title_html()
            + f"<div>Assistant: {self.assistant}</div>"
            + html.thread_html(self.thread_id)
            + html.conversation_html(self._conversation.turns, self.assistant)
            + "</div>"
        )

    # --- internals --------------------------------------------------------------------------------

    _error_message: str | None = None

    def _open(self, assistant: str, thread_id: str | None) -> Conversation:
        return Conversation(
            _full_name(assistant),
            client=self._client,
            thread_id=thread_id,
            metadata=self._metadata,
            config=self._config,
        )

    def _render(self) -> None:
        name = self.assistant
        self._thread.value = html.thread_html(self.thread_id)
        self._log.value = html.conversation_html(self._conversation.turns, name, pending=self._pending)
        self._status.value = html.busy_html(name) if self._busy else ""
        self._error.value = html.error_html(self._error_message) if self._error_message else ""
        for control in (self._input, self._send_button, self._assistant_choice, self._new_thread_button):
            control.disabled = self._busy
        if self._assistant_choice.value != name:
            self._switching = True
            try:
                self._assistant_choice.value = name
            finally:
                self._switching = False

    def _show_error(self, message: str | None) -> None:
        self._error_message = message
        self._render()

    @contextlib.contextmanager
    def _showing_errors(self) -> Iterator[None]:
        """Show a failure in the panel (then let it raise); clear the last error on success."""
        try:
            yield
        except Exception as error:
            known = isinstance(error, DeploymentError)
            self._show_error(str(error) if known else f"{type(error).__name__}: {error}")
            raise
        self._error_message = None

    @contextlib.contextmanager
    def _running(self, text: str) -> Iterator[None]:
        """The message on screen and the busy line while the run is in flight."""
        if self._busy:
            raise DeploymentError("a message is still being answered: wait for the reply")
        self._busy, self._pending, self._error_message = True, text, None
        self._render()
        try:
            yield
        finally:
            self._busy, self._pending = False, None
            self._render()

    def _switch_assistant(self, name: str) -> None:
        with self._showing_errors():
            self._conversation = self._open(name, None)
            full = self._conversation.assistant_name
            options = list(self._assistant_choice.options)
            if full not in dict(options).values():
                self._assistant_choice.options = [*options, (_option_label(full), full)]
        self._render()

    # --- the UI's callbacks: never raise (there is nobody to catch), the panel shows what went wrong ---

    def _run_from_ui(self, action: Any, *args: Any) -> bool:
        try:
            action(*args)
        except Exception:  # already shown in the panel by _showing_errors
            return False
        return True

    def _send_from_ui(self) -> None:
        if self._busy:
            return
        text = self._input.value
        if self._run_from_ui(self.send, text):
            self._input.value = ""  # kept on failure: nothing the learner typed is lost

    def _on_input_message(self, _widget: widgets.Widget, content: dict[str, Any], _buffers: Any) -> None:
        if content.get("event") == "submit":
            self._send_from_ui()

    def _on_assistant_chosen(self, change: dict[str, Any]) -> None:
        if self._switching or change["new"] == self.assistant:
            return
        if not self._run_from_ui(self._switch_assistant, change["new"]):
            self._render()  # back to the assistant still in use
