"""LangSmith's trace and thread pages, inside the notebook: :class:`TraceView` and :class:`ThreadView`.

Offline there is no LangSmith UI, so the course shows traces with these two views. They read through
the SDK's current API (:mod:`techhub.smith`: ``runs.retrieve_v2``, ``traces.list_runs``,
``runs.query_v2``) and the classic ``Client.list_feedback``, so the same code shows a trace of
LangSmith cloud or of the local server.

* ``TraceView(run_or_trace_id)``: the tree of one trace's runs (name, run type, status, start offset
  from the trace's start, latency, tokens, cost), each run's inputs and outputs folded, and the
  feedback on the root run (key, value or score, comment, source).
* ``ThreadView(thread_id)`` (or ``ThreadView(conversation)``): the conversation turn by turn, the
  customer's messages and the agent's replies, each turn's trace folded, and the thread's feedback
  (the ``user_sentiment`` verdict with its reasoning, the reviewer's scores).

Both display as HTML in Jupyter (``_repr_html_``: ``<details>`` folds, inline styles that read in
light and dark themes, no JavaScript, so it also shows on GitHub and nbviewer) and as text
(``repr``, ``str``, IPython's ``text/plain``). Both also hold the data they show (``.runs``,
``.root``, ``.feedback``, ``.turns``) for tests and further analysis.

Notebook outputs are compared by nbval after ``notebooks/sanitize.cfg`` rewrites what changes run to
run: ids (UUIDs, 32-hex ids, tool-call ids), ISO timestamps, and durations. Every duration the views
print (latencies, start offsets) has the one form ``1.234 s`` (seconds, three decimals) that the
``durations`` sanitizer rewrites; column padding never depends on a duration, so the sanitized text
lines up the same way every run. Token counts and costs are the offline model's, deterministic.

Tokens and cost of a run are those of the LLM calls in its subtree (a chain shows what its steps
used, as in LangSmith's tree; the root shows the whole trace). A node that paused the graph for the
customer's answer (LangGraph's ``GraphInterrupt``) is shown as ``interrupted``, not as an error.

Traces reach LangSmith a moment after the run ends (the SDK sends them in batches): a view waits up
to ``wait`` seconds for the trace to arrive and end, then raises :class:`TraceNotFound` saying what
to check.
"""

from __future__ import annotations

import html
import json
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

import langsmith
from langsmith.schemas import Feedback
from langsmith.types import Run
from langsmith.utils import LangSmithConnectionError, LangSmithNotFoundError

from techhub import smith
from techhub.config import TRACING_PROJECT
from techhub.deployment import message_text
from techhub.evaluators.threads import extend_conversation

DEFAULT_WAIT_SECONDS = 5.0
"""How long a view waits for a trace to arrive and end before it gives up."""
POLL_SECONDS = 0.25
MAX_PAYLOAD_CHARS = 3000
"""Inputs and outputs longer than this are cut in the HTML (the view's ``.runs`` keep them whole)."""


class TraceNotFound(LookupError):
    """The trace or thread did not reach the tracing project in time; the message says what to check."""


def unreachable(client: langsmith.Client, error: Exception) -> ConnectionError:
    """The error for a LangSmith that does not answer, saying what to do."""
    local = client.api_url.startswith(("http://127.0.0.1", "http://localhost"))
    hint = (
        "Start it with `techhub up`; `techhub status` shows what runs."
        if local
        else "Check LANGSMITH_ENDPOINT, LANGSMITH_API_KEY and your network."
    )
    return ConnectionError(f"cannot reach LangSmith at {client.api_url}. {hint} ({type(error).__name__})")


class ConversationLike(Protocol):
    """What :class:`ThreadView` takes besides a thread id: a :class:`techhub.deployment.Conversation`."""

    thread_id: str

    @property
    def run_ids(self) -> list[str]: ...


# ------------------------------------------------------------------------------------------- formats


def format_seconds(seconds: float | None) -> str:
    """A duration as the views print it, ``0.084 s``: the form the ``durations`` sanitizer rewrites."""
    return "" if seconds is None else f"{seconds:.3f} s"


def format_offset(seconds: float | None) -> str:
    """A start offset from the trace's start, ``+0.040 s``."""
    return "" if seconds is None else f"+{max(seconds, 0.0):.3f} s"


def format_tokens(tokens: int) -> str:
    return f"{tokens:,}" if tokens else ""


def format_cost(cost: float | None) -> str:
    return "" if not cost else f"${cost:.6f}"


def _lower(value: str | None) -> str:
    return (value or "").lower()


def _float(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]}\n… ({len(text) - limit:,} more characters)"


def feedback_source(feedback: Feedback) -> str:
    """Who gave the feedback: the source type, and the rule or queue it came from when known."""
    source = feedback.feedback_source
    kind = (source.type if source is not None else None) or "api"
    metadata = (source.metadata if source is not None else None) or {}
    origin = metadata.get("rule_name") or metadata.get("annotation_queue")
    return f"{kind}: {origin}" if origin else str(kind)


def feedback_result(feedback: Feedback) -> str:
    """The verdict of a feedback as one short string: ``negative (score 0)``, ``0``, ``(correction)``."""
    score = _float(feedback.score)
    score_text = None if score is None else f"{score:g}"
    value = feedback.value
    if value is not None and not isinstance(value, str):
        value = json.dumps(value, ensure_ascii=False, default=str)
    if value and score_text is not None:
        return f"{value} (score {score_text})"
    if value or score_text is not None:
        return str(value or score_text)
    return ""


def correction_text(correction: Any) -> str:
    """A correction as text: the corrected answer (its messages' text), else its JSON."""
    messages = correction.get("messages") if isinstance(correction, dict) else None
    if isinstance(messages, list) and messages and all(_as_message(m) for m in messages):
        return "\n".join(message_text(m) for m in messages)
    return json.dumps(correction, ensure_ascii=False, default=str)


def _sorted_feedback(feedback: Iterable[Feedback]) -> list[Feedback]:
    def key(f: Feedback) -> tuple:
        return (f.key, f.created_at or datetime.min, str(f.id))

    return sorted(feedback, key=key)


# ------------------------------------------------------------------------------------------ reading

T = TypeVar("T")


def _poll(
    client: langsmith.Client, fetch: Callable[[], T | None], ready: Callable[[T], bool], wait: float
) -> T | None:
    """``fetch()`` until ``ready`` (or ``wait`` seconds pass); the last result, None if nothing came.

    A project or run that does not exist yet reads as nothing (it may be on its way). A LangSmith
    that does not answer is a ``ConnectionError`` saying what to do.
    """
    deadline = time.monotonic() + max(wait, 0.0)
    result: T | None = None
    while True:
        try:
            result = fetch()
        except (langsmith.NotFoundError, LangSmithNotFoundError):
            result = None
        except (LangSmithConnectionError, langsmith.APIConnectionError) as error:
            raise unreachable(client, error) from error
        if result is not None and ready(result):
            return result
        if time.monotonic() >= deadline:
            return result
        time.sleep(POLL_SECONDS)


def _not_found(what: str, project: str, wait: float) -> TraceNotFound:
    return TraceNotFound(
        f"{what} is not in project {project!r} after waiting {wait:g} s. Traces arrive a moment after "
        "the run ends: try again (or pass a longer wait=). Check the id, the project name, and that the "
        "agent traces to this LangSmith (`techhub status` shows where)."
    )


def _list_feedback(client: langsmith.Client, run_ids: Sequence[str]) -> list[Feedback]:
    if not run_ids:
        return []
    return _sorted_feedback(client.list_feedback(run_ids=list(run_ids)))


def _ended(run: Run) -> bool:
    return run.end_time is not None


# ---------------------------------------------------------------------------------------- the tree


@dataclass(frozen=True)
class TraceNode:
    """One run of a trace as the tree shows it."""

    run: Run
    depth: int
    prefix: str
    """Tree guides for the text view (``├─ ``, ``│  └─ ``...)."""
    offset_seconds: float | None
    """When the run started, counted from the trace's start."""
    tokens: int
    """Tokens of the LLM calls in this run's subtree."""
    cost: float | None
    """Cost of the LLM calls in this run's subtree (None when none is priced)."""

    @property
    def status(self) -> str:
        """``success``, ``error``, ``pending``, or ``interrupted`` for a node that paused the graph."""
        if (self.run.error or "").startswith("GraphInterrupt"):
            return "interrupted"
        return _lower(self.run.status) or ("success" if self.run.end_time else "pending")

    @property
    def run_type(self) -> str:
        return _lower(self.run.run_type)


def _tree(runs: Sequence[Run]) -> list[TraceNode]:
    """The runs as a depth-first tree (the order of ``dotted_order``), with subtree usage."""
    ids = {run.id for run in runs}
    children: dict[str | None, list[Run]] = {}
    for run in runs:
        parent = smith.parent_id(run)
        children.setdefault(parent if parent in ids else None, []).append(run)
    for siblings in children.values():
        siblings.sort(key=lambda r: (r.dotted_order or "", r.start_time or datetime.min, r.id or ""))
    starts = [run.start_time for run in runs if run.start_time is not None]
    trace_start = min(starts) if starts else None

    usage: dict[str | None, tuple[int, float | None]] = {}

    def total(run: Run) -> tuple[int, float | None]:
        tokens, cost = 0, None
        if _lower(run.run_type) == "llm":
            tokens, cost = int(run.total_tokens or 0), _float(run.total_cost)
        for child in children.get(run.id, []):
            child_tokens, child_cost = total(child)
            tokens += child_tokens
            if child_cost is not None:
                cost = (cost or 0.0) + child_cost
        usage[run.id] = (tokens, cost)
        return tokens, cost

    nodes: list[TraceNode] = []

    def walk(run: Run, depth: int, guides: str, last: bool) -> None:
        tokens, cost = usage[run.id]
        branch = "" if depth == 0 else ("└─ " if last else "├─ ")
        offset = (
            (run.start_time - trace_start).total_seconds()
            if run.start_time is not None and trace_start is not None
            else None
        )
        nodes.append(TraceNode(run, depth, guides + branch, offset, tokens, cost))
        kids = children.get(run.id, [])
        below = guides + ("" if depth == 0 else ("   " if last else "│  "))
        for i, child in enumerate(kids):
            walk(child, depth + 1, below, i == len(kids) - 1)

    for root in children.get(None, []):
        total(root)
        walk(root, 0, "", True)
    return nodes


# ------------------------------------------------------------------------------------------- styles

_FONT = (
    "font-family: -apple-system, BlinkMacSystemFont, 'Segoe UI', Helvetica, Arial, sans-serif; "
    "font-size: 13px; line-height: 1.45; color: inherit; text-align: left;"
)
_MONO = "font-family: SFMono-Regular, Menlo, Consolas, 'Liberation Mono', monospace; font-size: 12px;"
_RULE = "rgba(127, 127, 127, 0.35)"
_MUTED = "opacity: 0.72;"
# Cells inherit the font from their table (JupyterLab's own table style would otherwise apply).
_TABLE = f"border-collapse: collapse; width: 100%; margin: 2px 0; {_FONT}"
_CELL = (
    "padding: 3px 8px; border-bottom: 1px solid rgba(127, 127, 127, 0.18); vertical-align: top; "
    "text-align: left;"
)
_NUM = (
    "padding: 3px 8px; border-bottom: 1px solid rgba(127, 127, 127, 0.18); text-align: right; "
    "white-space: nowrap; vertical-align: top;"
)
_HEAD = f"padding: 3px 8px; border-bottom: 1px solid {_RULE}; font-weight: 600; {_MUTED} text-align: left;"
_PRE = (
    f"{_MONO} white-space: pre-wrap; word-break: break-word; max-height: 22em; overflow: auto; "
    "margin: 4px 0 8px; padding: 6px 8px; background: rgba(127, 127, 127, 0.10); border-radius: 4px; "
    "color: inherit; text-align: left;"
)
# Mid-tone colours: readable on white and on JupyterLab's dark background alike.
_TONES = {
    "success": "#2da44e", "error": "#e5534b", "pending": "#d29922", "interrupted": "#d29922",
    "negative": "#e5534b", "positive": "#2da44e", "customer": "#4493f8", "agent": "#2da44e",
}  # fmt: skip


def error_summary(error: str | None) -> str | None:
    """A run's error without the traceback LangChain appends (its file paths are this machine's, and
    the server's log has it): the exception and its message."""
    if not error:
        return error
    return error.split("Traceback (most recent call last):", 1)[0].strip() or error.strip().splitlines()[-1]


def _esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _badge(text: str, tone: str | None = None) -> str:
    colour = _TONES.get(tone or text, "#8b949e")
    return (
        f'<span style="display: inline-block; padding: 0 6px; border-radius: 9px; font-size: 11px; '
        f"font-weight: 600; color: {colour}; border: 1px solid {colour}; white-space: nowrap;\">"
        f"{_esc(text)}</span>"
    )


def _fold(label: str, body: str, *, open_: bool = False) -> str:
    opened = " open" if open_ else ""
    return (
        f'<details{opened} style="margin: 2px 0;"><summary style="cursor: pointer;">{label}</summary>'
        f"{body}</details>"
    )


def _as_message(item: Any) -> dict | None:
    """A chat message in any of the shapes traces hold (LangChain's serialized constructor, its
    ``dict`` form, OpenAI's ``role``/``content``), as one ``dict``; None for anything else."""
    if not isinstance(item, dict):
        return None
    if item.get("lc") == 1 and item.get("type") == "constructor" and isinstance(item.get("kwargs"), dict):
        kind = str((item.get("id") or ["?"])[-1]).removesuffix("MessageChunk").removesuffix("Message")
        item = {"type": kind.lower(), **item["kwargs"]}
    if "content" not in item or not isinstance(item.get("type") or item.get("role"), str):
        return None
    return item


_ROLES = {"user": "human", "assistant": "ai", "humanmessage": "human", "aimessage": "ai"}


def _message_text(message: dict) -> str:
    role = str(message.get("type") or message.get("role"))
    role = _ROLES.get(role.lower(), role.lower())
    if role == "tool" and message.get("name"):
        role = f"tool {message['name']}"
    lines = [f"[{role}]"]
    text = message_text(message)
    if text:
        lines.append(text)
    for call in message.get("tool_calls") or []:
        if isinstance(call, dict):
            args = json.dumps(call.get("args", {}), ensure_ascii=False, default=str)
            lines.append(f"→ {call.get('name')}({args})")
    return "\n".join(lines)


def _messages(value: Any) -> list[dict] | None:
    """The messages of a list (or LangChain's list of lists, for a chat model's inputs), if all are."""
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], list):
        value = value[0]
    if not isinstance(value, list) or not value:
        return None
    messages = [_as_message(item) for item in value]
    return None if any(m is None for m in messages) else messages  # type: ignore[return-value]


def payload_text(value: Any) -> str:
    """Inputs or outputs as a reader wants them: chat messages one by one (role, text, tool calls),
    everything else as indented JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        generations = value.get("generations")
        if isinstance(generations, list) and generations and isinstance(generations[0], list):
            found = [g.get("message") or {"type": "ai", "content": g.get("text", "")}
                     for g in generations[0] if isinstance(g, dict)]
            messages = _messages(found)
            if messages:
                return "\n\n".join(_message_text(m) for m in messages)
        key = "messages" if "messages" in value else next(iter(value)) if len(value) == 1 else None
        messages = _messages(value.get(key)) if key else None
        single = _as_message(value[key]) if key and len(value) == 1 else None
        if messages is not None or single is not None:
            rest = {k: v for k, v in value.items() if k != key}
            blocks = [_message_text(m) for m in (messages or [single])]
            if rest:
                blocks.append(_json(rest))
            return "\n\n".join(blocks)
    return _json(value)


def _payload(label: str, value: Any, limit: int) -> str:
    if value is None:
        return ""
    text = payload_text(value)
    return (
        f'<div style="{_MUTED} font-size: 12px;">{_esc(label)}</div>'
        f'<pre style="{_PRE}">{_esc(_cut(text, limit))}</pre>'
    )


def _meta_line(parts: Iterable[str]) -> str:
    return " · ".join(p for p in parts if p)


def _feedback_html(feedback: Sequence[Feedback], *, turn_of: Mapping[str, int] | None = None) -> str:
    if not feedback:
        return f'<div style="{_MUTED} {_FONT}">No feedback yet.</div>'
    head = ["key", "value / score", "comment", "source"]
    if turn_of is not None:
        head.insert(0, "turn")
    rows = []
    for item in feedback:
        result = feedback_result(item)
        tone = item.value if isinstance(item.value, str) else None
        comment = _esc(item.comment or "")
        if item.correction is not None:
            comment += message_html("assistant", correction_text(item.correction), who="Corrected answer")
        cells = [
            f'<td style="{_CELL} font-weight: 600;">{_esc(item.key)}</td>',
            f'<td style="{_CELL} white-space: nowrap;">{_badge(result, tone) if tone else _esc(result)}</td>',
            f'<td style="{_CELL} white-space: pre-wrap;">{comment}</td>',
            f'<td style="{_CELL} white-space: nowrap; {_MUTED}">{_esc(feedback_source(item))}</td>',
        ]
        if turn_of is not None:
            cells.insert(0, f'<td style="{_NUM}">{turn_of.get(str(item.run_id), "")}</td>')
        rows.append(f"<tr>{''.join(cells)}</tr>")
    header = "".join(f'<th style="{_HEAD}">{h}</th>' for h in head)
    return (
        f'<table style="{_TABLE}">'
        f"<thead><tr>{header}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _feedback_text(feedback: Sequence[Feedback], *, turn_of: Mapping[str, int] | None = None) -> list[str]:
    if not feedback:
        return ["  (no feedback yet)"]
    lines = []
    for item in feedback:
        turn = f"turn {turn_of.get(str(item.run_id), '?')}  " if turn_of is not None else ""
        result = feedback_result(item)
        lines.append(f"  {turn}{item.key}{': ' + result if result else ''}  [{feedback_source(item)}]")
        indent = "    " + " " * len(turn)
        if item.comment:
            lines.extend(indent + line for line in item.comment.splitlines())
        if item.correction is not None:
            lines.extend(indent + "→ " + line for line in correction_text(item.correction).splitlines())
    return lines


# -------------------------------------------------------------------------------------- TraceView


class Rendered:
    """Shown as its HTML in Jupyter, as its text everywhere else (``print``, IPython's pretty printer,
    nbval's ``text/plain``). Subclasses write ``to_text`` and ``to_html``."""

    def to_text(self) -> str:
        raise NotImplementedError

    def to_html(self) -> str:
        raise NotImplementedError

    def __repr__(self) -> str:
        return self.to_text()

    __str__ = __repr__

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(self.to_text())

    def _repr_html_(self) -> str:
        return self.to_html()


class TraceView(Rendered):
    """One trace as LangSmith's trace page shows it: the run tree and the feedback on the root.

    ``TraceView(run_or_trace_id, project=..., client=..., wait=...)`` reads the trace that contains
    the run (any run of the trace, or the trace id, which is its root run's id), waiting up to
    ``wait`` seconds for it to arrive and end. ``selected`` is the run asked for (marked in the tree).
    Raises :class:`TraceNotFound` when nothing arrived in time.

    Data: ``.runs`` (the SDK's v2 ``Run`` objects, tree order), ``.nodes`` (:class:`TraceNode`),
    ``.root``, ``.feedback`` (on the root, ``langsmith.schemas.Feedback``).
    """

    def __init__(
        self,
        run_or_trace_id: str | uuid.UUID,
        *,
        project: str = TRACING_PROJECT,
        client: langsmith.Client | None = None,
        wait: float = DEFAULT_WAIT_SECONDS,
        max_payload_chars: int = MAX_PAYLOAD_CHARS,
        feedback: bool = True,
    ) -> None:
        """``feedback=False`` leaves the feedback out (a view shown before the judges had their say
        would otherwise depend on whether they already had)."""
        client = client or smith.get_client()
        wanted = str(run_or_trace_id)

        def fetch() -> list[Run] | None:
            run = smith.get_run(wanted, project=project, selects=("ID", "TRACE_ID"), client=client)
            return smith.trace_runs(run.trace_id or wanted, project=project, client=client) or None

        def complete(runs: list[Run]) -> bool:
            roots = [r for r in runs if smith.parent_id(r) is None]
            return bool(roots) and all(_ended(r) for r in roots)

        runs = _poll(client, fetch, complete, wait)
        if not runs:
            raise _not_found(f"run or trace {wanted}", project, wait)
        root_ids = [r.id for r in runs if smith.parent_id(r) is None]
        read = _list_feedback(client, root_ids) if feedback else []
        self._setup(runs, read, project, wanted, max_payload_chars)
        self.show_feedback = feedback

    @classmethod
    def from_runs(
        cls,
        runs: Sequence[Run],
        feedback: Sequence[Feedback] = (),
        *,
        project: str = TRACING_PROJECT,
        selected: str | None = None,
        max_payload_chars: int = MAX_PAYLOAD_CHARS,
    ) -> TraceView:
        """A view of runs already read (with :data:`techhub.smith.TRACE_TREE_FIELDS`)."""
        view = cls.__new__(cls)
        view._setup(list(runs), list(feedback), project, selected, max_payload_chars)
        view.show_feedback = True
        return view

    def _setup(
        self, runs: list[Run], feedback: list[Feedback], project: str, selected: str | None, limit: int
    ) -> None:
        self.project = project
        self.nodes: list[TraceNode] = _tree(runs)
        self.runs: list[Run] = [node.run for node in self.nodes]
        self.root: Run = self.runs[0]
        self.selected = selected if selected != self.root.id else None
        root_id = str(self.root.id)
        self.feedback: list[Feedback] = _sorted_feedback(f for f in feedback if str(f.run_id) == root_id)
        self._limit = limit

    # ------------------------------------------------------------------------------ summaries

    @property
    def trace_id(self) -> str:
        return str(self.root.trace_id or self.root.id)

    @property
    def thread_id(self) -> str | None:
        metadata = self.root.metadata or {}
        return self.root.thread_id or metadata.get("thread_id")

    @property
    def status(self) -> str:
        return self.nodes[0].status

    @property
    def latency_seconds(self) -> float | None:
        return _float(self.root.latency_seconds)

    @property
    def total_tokens(self) -> int:
        return self.nodes[0].tokens

    @property
    def total_cost(self) -> float | None:
        return self.nodes[0].cost

    def summary(self) -> str:
        """One line: status, tokens, cost, latency."""
        return _meta_line([self.status, _tokens_label(self.total_tokens), format_cost(self.total_cost),
                           format_seconds(self.latency_seconds)])

    # ------------------------------------------------------------------------------ text

    def to_text(self) -> str:
        """The trace as plain text (what ``repr`` and Jupyter's ``text/plain`` show)."""
        lines = [f"Trace {self.root.name} · {self.summary()}"]
        ids = [f"trace {self.trace_id}", f"thread {self.thread_id}" if self.thread_id else "",
               f"project {self.project}"]
        lines.append("  " + _meta_line(ids))
        lines.extend(self._tree_text())
        if self.show_feedback:
            lines.append("Feedback on the root run")
            lines.extend(_feedback_text(self.feedback))
        return "\n".join(lines)

    def _tree_text(self) -> list[str]:
        names = [node.prefix + (node.run.name or "?") for node in self.nodes]
        name_width = max(len("run"), *(len(n) for n in names)) + 2
        type_width = max(len("type"), *(len(n.run_type) for n in self.nodes)) + 2
        status_width = max(len("status"), *(len(n.status) for n in self.nodes)) + 2
        token_texts = [format_tokens(n.tokens) for n in self.nodes]
        token_width = max(len("tokens"), *(len(t) for t in token_texts))
        cost_texts = [format_cost(n.cost) for n in self.nodes]
        cost_width = max(len("cost"), *(len(c) for c in cost_texts))
        lines = [
            "  " + "run".ljust(name_width) + "type".ljust(type_width) + "status".ljust(status_width)
            + "tokens".rjust(token_width) + "  " + "cost".ljust(cost_width) + "  start · latency"
        ]
        for node, name, tokens, cost in zip(self.nodes, names, token_texts, cost_texts, strict=True):
            mark = "  ◀ selected" if self.selected and str(node.run.id) == self.selected else ""
            error = ""
            if node.run.error and node.status != "interrupted":
                error = "  ! " + node.run.error.strip().splitlines()[0].split("(")[0].split(":")[0]
            # Durations come last, unpadded: their width never shifts another column.
            lines.append(
                "  " + name.ljust(name_width) + node.run_type.ljust(type_width)
                + node.status.ljust(status_width) + tokens.rjust(token_width) + "  " + cost.ljust(cost_width)
                + "  " + format_offset(node.offset_seconds) + " · " + format_seconds(
                    _float(node.run.latency_seconds)) + error + mark
            )
        return lines

    # ------------------------------------------------------------------------------ HTML

    def to_html(self, *, header: bool = True) -> str:
        """The trace as HTML: a header, the run tree (inputs and outputs folded) and the feedback."""
        parts = [f'<div style="{_FONT} max-width: 100%;">']
        if header:
            parts.append(
                f'<div style="font-size: 14px; font-weight: 600; margin-bottom: 2px;">Trace · '
                f"{_esc(self.root.name)} {_badge(self.status)}</div>"
                f'<div style="{_MUTED} margin-bottom: 6px;">'
                + _esc(_meta_line([_tokens_label(self.total_tokens), format_cost(self.total_cost),
                                   format_seconds(self.latency_seconds), f"project {self.project}"]))
                + f'<br><span style="{_MONO}">trace {_esc(self.trace_id)}'
                + (f" · thread {_esc(self.thread_id)}" if self.thread_id else "")
                + "</span></div>"
            )
        parts.append(self._tree_html())
        if self.show_feedback:
            parts.append('<div style="font-weight: 600; margin: 8px 0 2px;">Feedback on the root run</div>')
            parts.append(_feedback_html(self.feedback))
        parts.append("</div>")
        return "".join(parts)

    def _tree_html(self) -> str:
        numeric = ("start", "latency", "tokens", "cost")
        head = "".join(
            f'<th style="{_HEAD}{" text-align: right;" if h in numeric else ""}">{h}</th>'
            for h in ("run", "type", "status", *numeric)
        )
        rows = []
        for node in self.nodes:
            run = node.run
            body = (
                _payload("inputs", run.inputs, self._limit)
                + _payload("outputs", run.outputs, self._limit)
                + _payload("error", error_summary(run.error), self._limit)
            ) or f'<div style="{_MUTED}">no inputs or outputs recorded</div>'
            selected = self.selected and str(run.id) == self.selected
            name = f"<b>{_esc(run.name)}</b>" if node.depth == 0 or selected else _esc(run.name)
            if selected:
                name += " " + _badge("selected", "customer")
            indent = f"padding-left: {8 + 16 * node.depth}px;"
            tone = "color: #4493f8; font-weight: 600;" if node.run_type == "llm" else _MUTED
            rows.append(
                "<tr>"
                f'<td style="{_CELL} {indent} border-left: 0;">{_fold(name, body)}</td>'
                f'<td style="{_CELL} {tone} font-size: 11px; text-transform: uppercase;">'
                f"{_esc(node.run_type)}</td>"
                f'<td style="{_CELL}">{_badge(node.status)}</td>'
                f'<td style="{_NUM}">{format_offset(node.offset_seconds)}</td>'
                f'<td style="{_NUM}">{format_seconds(_float(run.latency_seconds))}</td>'
                f'<td style="{_NUM}">{format_tokens(node.tokens)}</td>'
                f'<td style="{_NUM}">{format_cost(node.cost)}</td>'
                "</tr>"
            )
        return (
            f'<table style="{_TABLE} font-variant-numeric: tabular-nums;">'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        )


def _tokens_label(tokens: int) -> str:
    return f"{tokens:,} tokens" if tokens else "no tokens"


# ------------------------------------------------------------------------------------- ThreadView


@dataclass(frozen=True)
class ThreadTurn:
    """One turn of a conversation: a root run, the messages it added, and its trace."""

    number: int
    run: Run
    messages: list[dict]
    """The messages this turn added, ``{"role": "user" | "assistant", "content": text}``."""
    trace: TraceView

    @property
    def run_id(self) -> str:
        return str(self.run.id)

    @property
    def customer(self) -> list[str]:
        return [m["content"] for m in self.messages if m["role"] == "user"]

    @property
    def agent(self) -> list[str]:
        return [m["content"] for m in self.messages if m["role"] == "assistant"]

    @property
    def reply(self) -> str:
        """The agent's answer in this turn (its last message; empty when the run failed)."""
        return self.agent[-1] if self.agent else ""


def _turn_messages(runs: Sequence[Run]) -> list[list[dict]]:
    """The messages each root run added to the conversation (see :mod:`techhub.evaluators.threads`)."""
    conversation: list[tuple[str, str]] = []
    added = []
    for run in runs:
        before = len(conversation)
        conversation = extend_conversation(conversation, run.inputs, run.outputs)
        added.append([
            {"role": "user" if who == "human" else "assistant", "content": text}
            for who, text in conversation[before:]
        ])
    return added


class ThreadView(Rendered):
    """A conversation as LangSmith's thread page shows it: turn by turn, each with its trace, and the
    thread's feedback.

    ``ThreadView(thread_id)`` reads the thread's root runs (``runs.query_v2`` filtered on
    ``thread_id``) and waits up to ``wait`` seconds for at least one to arrive and for all to end.
    ``ThreadView(conversation)`` (a :class:`techhub.deployment.Conversation`) also waits for every run
    the conversation made, so a cell right after a chat shows all of it. ``run_ids`` does the same
    with ids. Raises :class:`TraceNotFound` when nothing arrived in time.

    Data: ``.turns`` (:class:`ThreadTurn`), ``.runs`` (root runs, oldest first), ``.conversation``
    (every message), ``.feedback`` (on any of the thread's root runs; LangSmith puts a thread
    evaluator's verdict on the thread's latest run).
    """

    def __init__(
        self,
        thread: str | uuid.UUID | ConversationLike,
        *,
        project: str = TRACING_PROJECT,
        client: langsmith.Client | None = None,
        wait: float = DEFAULT_WAIT_SECONDS,
        run_ids: Sequence[str] | None = None,
        max_payload_chars: int = MAX_PAYLOAD_CHARS,
        feedback: bool = True,
    ) -> None:
        client = client or smith.get_client()
        if isinstance(thread, str | uuid.UUID):
            thread_id = str(thread)
        else:
            thread_id = str(thread.thread_id)
            run_ids = run_ids if run_ids is not None else list(thread.run_ids)
        expected = {str(r) for r in run_ids or ()}

        def fetch() -> list[Run] | None:
            return smith.thread_root_runs(thread_id, project=project, client=client) or None

        def complete(runs: list[Run]) -> bool:
            return expected <= {str(r.id) for r in runs} and all(_ended(r) for r in runs)

        runs = _poll(client, fetch, complete, wait)
        if not runs:
            raise _not_found(f"thread {thread_id}", project, wait)
        missing = expected - {str(r.id) for r in runs}
        if missing:
            raise _not_found(f"run {sorted(missing)[0]} of thread {thread_id}", project, wait)
        self.show_feedback = feedback
        feedback = _list_feedback(client, [str(r.id) for r in runs]) if feedback else []
        traces = [
            TraceView.from_runs(smith.trace_runs(run.id, project=project, client=client), feedback,
                                project=project, max_payload_chars=max_payload_chars)
            for run in runs
        ]
        for trace in traces:
            trace.show_feedback = self.show_feedback
        self.thread_id = thread_id
        self.project = project
        self.runs: list[Run] = list(runs)
        self.feedback: list[Feedback] = feedback
        self.turns: list[ThreadTurn] = [
            ThreadTurn(i + 1, run, messages, trace)
            for i, (run, messages, trace) in enumerate(zip(runs, _turn_messages(runs), traces, strict=True))
        ]

    @property
    def conversation(self) -> list[dict]:
        """Every message of the thread, oldest first (``{"role", "content"}``; no tool traffic)."""
        return [m for turn in self.turns for m in turn.messages]

    def turn_of(self, run_id: str | uuid.UUID) -> ThreadTurn:
        """The turn whose root run is ``run_id``."""
        for turn in self.turns:
            if turn.run_id == str(run_id):
                return turn
        raise LookupError(f"run {run_id} is not a turn of thread {self.thread_id}")

    def _turn_numbers(self) -> dict[str, int]:
        return {turn.run_id: turn.number for turn in self.turns}

    # ------------------------------------------------------------------------------ text

    def to_text(self) -> str:
        """The thread as plain text (what ``repr`` and Jupyter's ``text/plain`` show)."""
        lines = [f"Thread {self.thread_id} · {_turns_label(len(self.turns))} · project {self.project}"]
        for turn in self.turns:
            lines.append(f"Turn {turn.number} · trace {turn.trace.trace_id} · {turn.trace.summary()}")
            for message in turn.messages:
                who = "customer" if message["role"] == "user" else "agent   "
                text_lines = (message["content"] or "").splitlines() or [""]
                lines.append(f"  {who} │ {text_lines[0]}")
                lines.extend(f"           │ {line}" for line in text_lines[1:])
        if self.show_feedback:
            lines.append("Feedback on the thread")
            lines.extend(_feedback_text(self.feedback, turn_of=self._turn_numbers()))
        return "\n".join(lines)

    # ------------------------------------------------------------------------------ HTML

    def to_html(self, *, traces_folded: bool = True) -> str:
        """The thread as HTML: the turns (messages, folded trace) and the thread's feedback."""
        parts = [
            f'<div style="{_FONT} max-width: 100%;">',
            f'<div style="font-size: 14px; font-weight: 600;">Thread · {_turns_label(len(self.turns))}</div>',
            f'<div style="{_MUTED} margin-bottom: 6px;"><span style="{_MONO}">thread {_esc(self.thread_id)}'
            f"</span> · project {_esc(self.project)}</div>",
        ]
        for turn in self.turns:
            parts.append(self._turn_html(turn, traces_folded))
        if self.show_feedback:
            parts.append('<div style="font-weight: 600; margin: 10px 0 2px;">Feedback on the thread</div>')
            parts.append(_feedback_html(self.feedback, turn_of=self._turn_numbers()))
        parts.append("</div>")
        return "".join(parts)

    def _turn_html(self, turn: ThreadTurn, folded: bool) -> str:
        bubbles = "".join(message_html(m["role"], m["content"]) for m in turn.messages)
        if not turn.messages:
            bubbles = f'<div style="{_MUTED}">(no messages recorded in this turn)</div>'
        usage = _meta_line([_tokens_label(turn.trace.total_tokens), format_cost(turn.trace.total_cost),
                            format_seconds(turn.trace.latency_seconds)])
        label = (
            f"trace {_esc(turn.trace.root.name)} {_badge(turn.trace.status)} "
            f'<span style="{_MUTED}">{_esc(usage)}</span>'
        )
        return (
            f'<div style="margin: 8px 0; padding: 4px 10px; border-left: 3px solid {_RULE};">'
            f'<div style="{_MUTED} font-size: 12px; margin-bottom: 2px;">Turn {turn.number}</div>'
            f"{bubbles}{_fold(label, turn.trace.to_html(header=False), open_=not folded)}</div>"
        )


def message_html(role: str, text: str, *, who: str | None = None) -> str:
    """One chat message as a bubble: the customer's in blue, the agent's in green."""
    speaker, tone = ("Customer", "customer") if role == "user" else ("Agent", "agent")
    who = who or speaker
    colour = _TONES[tone]
    return (
        f'<div style="margin: 3px 0; padding: 4px 8px; border-left: 3px solid {colour}; '
        f'background: rgba(127, 127, 127, 0.07); border-radius: 0 4px 4px 0;">'
        f'<div style="font-size: 11px; font-weight: 600; color: {colour};">{who}</div>'
        f'<div style="white-space: pre-wrap;">{_esc(text)}</div></div>'
    )


def _turns_label(count: int) -> str:
    return f"{count} turn" + ("" if count == 1 else "s")
