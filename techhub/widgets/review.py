"""Review an annotation queue inside the notebook: :class:`QueueReviewer`, LangSmith's queue page offline.

Workshop section 5, step 2: open the queue, read the flagged conversation (2a), score it on the
queue's rubric with a comment (2b), replace the agent's answer with what it should have said (2c),
add the example to the queue's dataset (2d, LangSmith's ``D`` key), then mark the item done and go
to the next one. Every button is also a method, so a notebook (and CI) drives the same review
without clicking::

    reviewer = QueueReviewer(QUEUE_NAME, thread_ids=[chat.thread_id])   # only this notebook's item
    reviewer.current.conversation                                        # 2a
    reviewer.score("correctness", 0, comment="Agent hallucinated ...")   # 2b
    reviewer.correct_output(CORRECTED_ANSWER)                            # 2c
    reviewer.add_to_dataset()                                            # 2d
    reviewer.done()                                                      # next item, or None

Each step is one of the SDK calls in :mod:`techhub.flywheel.review` (feedback, correction, example,
item status), so the reviewer works the same against LangSmith cloud. A learner's queue may hold
items from earlier runs: ``run_ids=`` / ``thread_ids=`` scope the reviewer to the items a notebook's
own conversations produced, and every count it shows (``remaining``) is within that scope.

Errors: methods raise :class:`ReviewError` with what to do; the buttons show the same message in the
widget. The text form (``repr``, Jupyter's ``text/plain``) is deterministic once ids are sanitized.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import ipywidgets as widgets
import langsmith
from langsmith.schemas import Example, Feedback
from langsmith.types import Run
from langsmith.types.annotation_queues import ItemListResponse
from langsmith.utils import LangSmithConnectionError

from techhub import smith
from techhub.config import TRACING_PROJECT
from techhub.flywheel.configure import QUEUE_NAME, find_queue
from techhub.flywheel.review import (
    RubricScale,
    add_review_feedback,
    add_reviewed_example,
    complete_item,
    queue_items,
    record_correction,
    rubric_scales,
)
from techhub.widgets.traces import DEFAULT_WAIT_SECONDS, ThreadView, TraceNotFound, message_html, unreachable

HELP_TEXT = (
    "Read the conversation and its traces, score each rubric key (with a comment), replace the agent's "
    "answer with what it should have said, then <b>Submit feedback</b> (scores and correction go on the "
    "production trace) and <b>Add to dataset</b> (LangSmith's UI: the <b>D</b> key) to turn it into a "
    "test case. <b>Done</b> marks the item reviewed and opens the next one; <b>Next</b> skips it for now."
)


class ReviewError(RuntimeError):
    """A review step cannot be done; the message says why and what to do."""


@dataclass
class ReviewItem:
    """The queue item under review: the run, its conversation, and what this review has done so far."""

    item_id: str
    run_id: str
    thread_id: str | None
    project: str
    run: Run
    thread: ThreadView
    answer: str
    """The agent's answer in the queued run (what the editable output starts from)."""
    output: str
    """The output as the reviewer has it now (the corrected answer once edited)."""
    feedback: dict[str, Feedback] = field(default_factory=dict)
    """The scores this review gave, by rubric key."""
    correction: Feedback | None = None
    example: Example | None = None
    completed: bool = False

    @property
    def conversation(self) -> list[dict]:
        """The whole thread, ``{"role": "user" | "assistant", "content": text}``, oldest first."""
        return self.thread.conversation

    @property
    def corrected(self) -> bool:
        return self.output != self.answer


class QueueReviewer:
    """Work through the annotation queue ``queue_name`` (default: the course's queue).

    ``run_ids`` / ``thread_ids``: review only the queue items holding those runs or threads (a
    learner's queue may hold older items). ``project``: the tracing project when an item does not
    name its own. Raises :class:`ReviewError` when the queue does not exist.

    Python interface (each button calls the same method): :attr:`current`, :attr:`remaining`,
    :meth:`score`, :meth:`correct_output`, :meth:`submit`, :meth:`add_to_dataset`, :meth:`done`,
    :meth:`next`, :meth:`select`, :meth:`refresh`. :attr:`widget` is the ipywidgets panel; displaying
    the reviewer shows it (with a text and a static HTML fallback where widgets do not run).
    """

    def __init__(
        self,
        queue_name: str = QUEUE_NAME,
        *,
        run_ids: Iterable[str | uuid.UUID] | None = None,
        thread_ids: Iterable[str | uuid.UUID] | None = None,
        project: str = TRACING_PROJECT,
        client: langsmith.Client | None = None,
        wait: float = DEFAULT_WAIT_SECONDS,
    ) -> None:
        self.client = client or smith.get_client()
        try:
            queue = find_queue(self.client, queue_name)
        except LangSmithConnectionError as error:
            raise ReviewError(str(unreachable(self.client, error))) from error
        if queue is None:
            raise ReviewError(
                f"there is no annotation queue called {queue_name!r}: create it first "
                "(techhub.flywheel.create_review_queue(client), notebook 03)"
            )
        self.queue: dict = queue
        self.queue_name = queue_name
        self.project = project
        self.wait = wait
        self.run_ids = None if run_ids is None else {str(r) for r in run_ids}
        self.thread_ids = None if thread_ids is None else {str(t) for t in thread_ids}
        self.scales: list[RubricScale] = rubric_scales(self.client, queue)
        self.dataset_name = self._dataset_name()
        self._projects: dict[str, str] = {}
        self._items: list[ItemListResponse] = []
        self.current: ReviewItem | None = None
        self.reviewed: list[ReviewItem] = []
        """The items marked done through this reviewer, in order."""
        self._widget: ReviewPanel | None = None
        self.refresh()
        self.current = self._open(self._items[0]) if self._items else None

    # ---------------------------------------------------------------------------------- reading

    def _dataset_name(self) -> str | None:
        dataset_id = self.queue.get("default_dataset")
        if not dataset_id:
            return None
        return self.client.read_dataset(dataset_id=dataset_id).name

    def _in_scope(self, item: ItemListResponse) -> bool:
        if self.run_ids is None and self.thread_ids is None:
            return True
        return bool(
            (self.run_ids is not None and item.run_id in self.run_ids)
            or (self.thread_ids is not None and item.thread_id in self.thread_ids)
        )

    def refresh(self) -> list[ItemListResponse]:
        """Read the queue's waiting items again (in scope); returns them."""
        self._items = [i for i in queue_items(self.client, self.queue["id"]) if self._in_scope(i)]
        return list(self._items)

    @property
    def items(self) -> list[ItemListResponse]:
        """The waiting items in scope, as last read (:meth:`refresh` reads again)."""
        return list(self._items)

    @property
    def remaining(self) -> int:
        """How many items in scope still wait for review (read from the queue now)."""
        return len(self.refresh())

    def _project_name(self, item: ItemListResponse) -> str:
        if not item.project_id:
            return self.project
        if item.project_id not in self._projects:
            self._projects[item.project_id] = self.client.read_project(project_id=item.project_id).name
        return self._projects[item.project_id]

    def _open(self, item: ItemListResponse) -> ReviewItem:
        """Read what the reviewer shows for ``item``: its run, its thread and the agent's answer."""
        project = self._project_name(item)
        try:
            if item.thread_id:
                thread = ThreadView(item.thread_id, project=project, client=self.client, wait=self.wait)
            else:
                thread = ThreadView(_thread_of_run(self.client, item.run_id, project), project=project,
                                    client=self.client, wait=self.wait)
        except TraceNotFound as error:
            raise ReviewError(f"queue item {item.id}: {error}") from error
        run_id = item.run_id or thread.turns[-1].run_id  # a THREAD item: review its latest turn
        try:
            turn = thread.turn_of(run_id)
        except LookupError as error:
            raise ReviewError(f"queue item {item.id}: {error} (only root runs are reviewed here)") from None
        run = smith.get_run(run_id, project=project, client=self.client)
        return ReviewItem(
            item_id=str(item.id),
            run_id=str(run_id),
            thread_id=item.thread_id or thread.thread_id,
            project=project,
            run=run,
            thread=thread,
            answer=turn.reply,
            output=turn.reply,
        )

    def _require(self) -> ReviewItem:
        if self.current is None:
            raise ReviewError(f"nothing to review: no item of {self._scope_text()} is waiting in the queue")
        return self.current

    def _nothing_left(self) -> str:
        if self.reviewed:
            count = len(self.reviewed)
            return f"All reviewed: {count} item{'' if count == 1 else 's'} done here."
        return ("Nothing to review: no item is waiting (has the automation queued it yet? "
                "techhub.flywheel.wait_for_rules waits for it).")

    def _scope_text(self) -> str:
        parts = []
        if self.run_ids is not None:
            parts.append(f"runs {', '.join(sorted(self.run_ids))}")
        if self.thread_ids is not None:
            parts.append(f"threads {', '.join(sorted(self.thread_ids))}")
        return " or ".join(parts) if parts else f"queue {self.queue_name!r}"

    def scale(self, key: str) -> RubricScale:
        """The rubric key's scale; :class:`ReviewError` naming the rubric's keys if it has no such key."""
        for scale in self.scales:
            if scale.key == key:
                return scale
        keys = ", ".join(s.key for s in self.scales) or "none"
        raise ReviewError(f"{key!r} is not in the rubric of queue {self.queue_name!r} (its keys: {keys})")

    # ---------------------------------------------------------------------------------- review steps

    def _source(self) -> dict:
        return {"annotation_queue": self.queue_name, "annotation_queue_id": str(self.queue["id"])}

    def score(self, key: str, answer: Any, comment: str | None = None) -> Feedback:
        """Give rubric key ``key`` the answer ``answer`` (a category's label or score, or a number)
        on the production trace (workshop step 2b); a second call changes it."""
        item = self._require()
        scale = self.scale(key)
        try:
            score, value = scale.feedback(answer)
        except ValueError as error:
            raise ReviewError(str(error)) from None
        feedback = add_review_feedback(self.client, item.run, key, score, comment, value=value,
                                       source_info=self._source())
        item.feedback[key] = feedback
        self._refresh_feedback(item)
        if self._widget is not None:
            self._widget.show_score(key, answer, comment)
        return feedback

    def correct_output(self, text: str) -> Feedback:
        """Replace the agent's answer with ``text``, recorded as a ``correction`` on the trace (2c)."""
        item = self._require()
        if not text or not text.strip():
            raise ReviewError("the corrected output is empty: write what the agent should have said")
        item.output = text
        item.correction = record_correction(self.client, item.run, text, source_info=self._source())
        self._refresh_feedback(item)
        if self._widget is not None:
            self._widget.show_output(text)
        return item.correction

    @property
    def output(self) -> str:
        """The output as it stands: the agent's answer, or the reviewer's correction."""
        return self._require().output

    def submit(self, scores: dict[str, Any], comment: str | None = None, output: str | None = None) -> None:
        """What the Submit feedback button does: every score given, and the output if it was edited."""
        item = self._require()
        if not scores and (output is None or output == item.output):
            raise ReviewError("nothing to submit: choose a value for a rubric key or edit the output")
        for key in scores:
            self.scale(key)  # every key checked before anything is written
        for key, answer in scores.items():
            self.score(key, answer, comment)
        if output is not None and output != item.output:
            self.correct_output(output)

    def add_to_dataset(self) -> Example:
        """Add the conversation, with the output as it stands as the reference answer, to the queue's
        dataset (2d; LangSmith's "Add to Dataset", key ``D``). A second call updates that example."""
        item = self._require()
        if not self.queue.get("default_dataset"):
            raise ReviewError(f"queue {self.queue_name!r} has no default dataset to add the example to")
        item.example = add_reviewed_example(self.client, self.queue, item.run, item.output)
        self._update_widget()
        return item.example

    def done(self) -> ReviewItem | None:
        """Mark the item reviewed (LangSmith's "Done") and open the next waiting one (None when none)."""
        item = self._require()
        complete_item(self.client, self.queue["id"], item.run_id)
        item.completed = True
        self.reviewed.append(item)
        return self._move(after=item.item_id)

    def next(self) -> ReviewItem | None:
        """Leave the item waiting and open the next one (the first again after the last)."""
        item = self._require()
        return self._move(after=item.item_id)

    def select(self, run_or_thread_id: str | uuid.UUID) -> ReviewItem:
        """Open the waiting item holding this run (or thread)."""
        wanted = str(run_or_thread_id)
        for candidate in self.refresh():
            if wanted in (candidate.run_id, candidate.thread_id, str(candidate.id)):
                self.current = self._open(candidate)
                self._update_widget(reset_inputs=True)
                return self.current
        raise ReviewError(
            f"{wanted} is not waiting in queue {self.queue_name!r} (within {self._scope_text()})"
        )

    def _move(self, after: str) -> ReviewItem | None:
        waiting = self.refresh()
        ids = [str(i.id) for i in waiting]
        if not waiting:
            self.current = None
        elif after in ids:
            self.current = self._open(waiting[(ids.index(after) + 1) % len(waiting)])
        else:  # the item left the list (done): the one that took its place, or the first
            self.current = self._open(waiting[0])
        self._update_widget(reset_inputs=True)
        return self.current

    def _refresh_feedback(self, item: ReviewItem) -> None:
        """Show the new feedback in the thread view without reading the traces again."""
        root_ids = [str(r.id) for r in item.thread.runs]
        item.thread.feedback = sorted(
            self.client.list_feedback(run_ids=root_ids), key=lambda f: (f.key, f.created_at, str(f.id))
        )
        for turn in item.thread.turns:
            turn.trace.feedback = [f for f in item.thread.feedback if str(f.run_id) == turn.run_id]
        self._update_widget()

    # ---------------------------------------------------------------------------------- display

    @property
    def widget(self) -> widgets.Widget:
        """The ipywidgets panel (made on first use)."""
        if self._widget is None:
            self._widget = ReviewPanel(self)
        return self._widget.box

    def _update_widget(self, *, reset_inputs: bool = False) -> None:
        if self._widget is not None:
            self._widget.update(reset_inputs=reset_inputs)

    def to_text(self) -> str:
        """The reviewer's state as plain text (what ``repr`` and Jupyter's ``text/plain`` show)."""
        left = len(self._items)
        scoped = self.run_ids is not None or self.thread_ids is not None
        lines = [f"QueueReviewer · {self.queue_name} · {left} item{'' if left == 1 else 's'} left"
                 + (" (in this notebook's scope)" if scoped else "")]
        if self.queue.get("description"):
            lines.append(f"  {self.queue['description']}")
        if self.queue.get("rubric_instructions"):
            lines.append(f"Instructions: {self.queue['rubric_instructions']}")
        lines.append("Rubric:")
        lines.extend(f"  {s.key} ({s.describe()}): {s.description or ''}".rstrip(": ") for s in self.scales)
        lines.append(f"Dataset: {self.dataset_name or '(none)'}")
        item = self.current
        if item is None:
            lines.append(self._nothing_left())
            return "\n".join(lines)
        position = next((i + 1 for i, it in enumerate(self._items) if str(it.id) == item.item_id), 0)
        lines.append(f"Item {position} of {left} · run {item.run_id} · thread {item.thread_id}")
        for message in item.conversation:
            who = "customer" if message["role"] == "user" else "agent   "
            text = (message["content"] or "").splitlines() or [""]
            lines.append(f"  {who} │ {text[0]}")
            lines.extend(f"           │ {line}" for line in text[1:])
        lines.append("Output (corrected):" if item.corrected else "Output (the agent's answer):")
        lines.extend(f"  {line}" for line in item.output.splitlines())
        lines.append("This review: " + review_summary(item, self.dataset_name))
        return "\n".join(lines)

    def to_html(self) -> str:
        """A static picture of the reviewer (for GitHub and nbviewer, where widgets do not run)."""
        return render_header(self) + (render_item(self.current) if self.current else "")

    def __repr__(self) -> str:
        return self.to_text()

    __str__ = __repr__

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(self.to_text())

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict:
        bundle = dict(self.widget._repr_mimebundle_(include=include, exclude=exclude) or {})
        bundle["text/plain"] = self.to_text()
        bundle["text/html"] = self.to_html()
        return bundle


def _thread_of_run(client: langsmith.Client, run_id: str | None, project: str) -> str:
    if run_id is None:
        raise ReviewError("a queue item with neither a run nor a thread cannot be reviewed")
    run = smith.get_run(run_id, project=project, selects=("ID", "THREAD_ID", "METADATA"), client=client)
    thread_id = run.thread_id or (run.metadata or {}).get("thread_id")
    if not thread_id:
        raise ReviewError(f"run {run_id} belongs to no thread: open it with techhub.widgets.TraceView")
    return str(thread_id)


def review_summary(item: ReviewItem, dataset_name: str | None) -> str:
    """What this review has done so far, in one line."""
    done = []
    for key, feedback in sorted(item.feedback.items()):
        result = feedback.value if feedback.value is not None else f"{feedback.score:g}"
        comment = f' "{feedback.comment}"' if feedback.comment else ""
        done.append(f"{key} = {result}{comment}")
    if item.correction is not None:
        done.append("correction recorded")
    if item.example is not None:
        done.append(f"added to {dataset_name} as example {item.example.id}")
    if item.completed:
        done.append("done")
    return "; ".join(done) if done else "nothing yet"


# ------------------------------------------------------------------------------------------- HTML

# JupyterLab's widgets mark the chosen toggle with a shade of grey close to the others': the reviewer's
# answer must be plain to see, in the light theme and the dark one alike.
_FORM_STYLE = (
    "<style>.techhub-review .widget-toggle-button.mod-active {"
    "background-color: var(--jp-brand-color1, #1976d2); color: #ffffff; font-weight: 600;}</style>"
)
_BOX = "font-family: inherit; font-size: 13px; line-height: 1.45; color: inherit; text-align: left;"
_MUTED = "opacity: 0.72;"


def _esc(text: Any) -> str:
    import html

    return html.escape(str(text), quote=True)


def render_header(reviewer: QueueReviewer) -> str:
    """The queue's name, description, instructions, rubric and the count left."""
    left = len(reviewer.items)
    rubric = "".join(
        f"<li><b>{_esc(s.key)}</b> <span style=\"{_MUTED}\">({_esc(s.describe())})</span>"
        f"{': ' + _esc(s.description) if s.description else ''}</li>"
        for s in reviewer.scales
    )
    description = reviewer.queue.get("description") or ""
    instructions = reviewer.queue.get("rubric_instructions") or ""
    return (
        f'<div style="{_BOX}">'
        f'<div style="font-size: 14px; font-weight: 600;">Annotation queue · {_esc(reviewer.queue_name)} '
        f'<span style="font-weight: 400; {_MUTED}">· {left} item{"" if left == 1 else "s"} left</span></div>'
        f'<div style="{_MUTED}">{_esc(description)}</div>'
        f'<div style="margin: 6px 0; padding: 6px 10px; border-left: 3px solid #d29922; '
        f'background: rgba(210, 153, 34, 0.10);"><b>Instructions</b><br>{_esc(instructions)}'
        f'<ul style="margin: 4px 0 0 0; padding-left: 18px;">{rubric}</ul>'
        f'<div style="{_MUTED} margin-top: 4px;">Reviewed examples go to dataset '
        f"<b>{_esc(reviewer.dataset_name or '(none)')}</b>.</div></div>"
        f'<div style="{_MUTED} font-size: 12px; margin: 4px 0;">{HELP_TEXT}</div></div>'
    )


def render_item(item: ReviewItem, *, with_output: bool = True) -> str:
    """The item under review: the thread (traces folded) and, unless the widget's editable box shows
    it, the output as it stands."""
    output = ""
    if with_output:
        label = "Output (corrected)" if item.corrected else "Output (the agent's answer)"
        output = (f'<div style="font-weight: 600; margin-top: 6px;">{label}</div>'
                  f"{message_html('assistant', item.output)}")
    return (
        f'<div style="{_BOX}"><div style="{_MUTED} font-size: 12px;">run {_esc(item.run_id)}</div>'
        f"{item.thread.to_html()}{output}</div>"
    )


# ---------------------------------------------------------------------------------------- widgets


class ReviewPanel:
    """The ipywidgets panel of a :class:`QueueReviewer`: every button calls the reviewer's method and
    shows the outcome (or the error) in the panel instead of raising it into a callback."""

    def __init__(self, reviewer: QueueReviewer) -> None:
        self.reviewer = reviewer
        self.header = widgets.HTML()
        self.conversation = widgets.HTML()
        self.inputs: dict[str, widgets.ValueWidget] = {
            scale.key: _input_for(scale) for scale in reviewer.scales
        }
        rubric_rows = [
            widgets.HBox([widgets.HTML(f"<b>{_esc(key)}</b>", layout=widgets.Layout(width="140px")), control])
            for key, control in self.inputs.items()
        ]
        self.comment = widgets.Textarea(placeholder="Why these scores?",
                                        layout=widgets.Layout(width="100%", height="3.5em"))
        self.output = widgets.Textarea(layout=widgets.Layout(width="100%", height="8em"))
        self.output_label = widgets.HTML()
        self.submit_button = widgets.Button(description="Submit feedback", button_style="primary",
                                            icon="check", tooltip="Scores and correction on the trace")
        self.dataset_button = widgets.Button(description="Add to dataset", icon="database",
                                             tooltip="LangSmith's UI: the D key")
        self.done_button = widgets.Button(description="Done", button_style="success", icon="flag-checkered",
                                          tooltip="Mark reviewed and open the next item")
        self.next_button = widgets.Button(description="Next", icon="forward", tooltip="Skip for now")
        self.status = widgets.HTML()
        self.submit_button.on_click(lambda _: self._run(self._submit))
        self.dataset_button.on_click(lambda _: self._run(self._add_to_dataset))
        self.done_button.on_click(lambda _: self._run(self.reviewer.done, "Marked done."))
        self.next_button.on_click(lambda _: self._run(self.reviewer.next, "Skipped."))
        self.form = widgets.VBox([
            widgets.HTML(f"<b>Your review</b>{_FORM_STYLE}"),
            *rubric_rows,
            widgets.HTML(f'<b>Comment</b> <span style="{_MUTED}">(saved with the scores)</span>'),
            self.comment,
            self.output_label,
            self.output,
            widgets.HBox([self.submit_button, self.dataset_button, self.done_button, self.next_button]),
            self.status,
        ])
        self.box = widgets.VBox([self.header, self.conversation, self.form],
                                layout=widgets.Layout(width="100%"))
        for widget, name in (
            (self.box, "review"), (self.header, "review-header"), (self.conversation, "review-conversation"),
            (self.form, "review-form"), (self.comment, "review-comment"), (self.output, "review-output"),
            (self.submit_button, "review-submit"), (self.dataset_button, "review-add-to-dataset"),
            (self.done_button, "review-done"), (self.next_button, "review-next"),
            (self.status, "review-status"),
            *((control, f"review-score-{key}") for key, control in self.inputs.items()),
        ):  # fmt: skip
            widget.add_class(f"techhub-{name}")  # what tests and learners' CSS can select on
        self.update(reset_inputs=True)

    def _run(self, action: Callable[[], Any], success: str | None = None) -> None:
        busy = [self.submit_button, self.dataset_button, self.done_button, self.next_button]
        for button in busy:
            button.disabled = True
        try:
            action()
        except Exception as error:  # noqa: BLE001 - shown in the panel, where the learner looks
            self.status.value = f'<span style="color: #e5534b;">⚠ {_esc(error)}</span>'
        else:
            if success:
                self.status.value = f'<span style="color: #2da44e;">{_esc(success)}</span>'
        finally:
            for button in busy:
                button.disabled = self.reviewer.current is None

    def _submit(self) -> None:
        scores = {}
        for key, control in self.inputs.items():
            answer = control.value
            if isinstance(answer, str):
                answer = _typed(answer.strip(), self.reviewer.scale(key))
            if answer is not None and answer != "":
                scores[key] = answer
        self.reviewer.submit(scores, self.comment.value.strip() or None, self.output.value)
        self.status.value = '<span style="color: #2da44e;">Feedback saved on the trace.</span>'

    def _add_to_dataset(self) -> None:
        item = self.reviewer._require()
        if self.output.value != item.output:
            self.reviewer.correct_output(self.output.value)
        example = self.reviewer.add_to_dataset()
        self.status.value = (f'<span style="color: #2da44e;">Added to {_esc(self.reviewer.dataset_name)} '
                             f"(example {_esc(example.id)}).</span>")

    def show_score(self, key: str, answer: Any, comment: str | None) -> None:
        control = self.inputs[key]
        scale = self.reviewer.scale(key)
        score, _ = scale.feedback(answer)
        control.value = str(answer) if isinstance(control, widgets.Text) else score
        if comment:
            self.comment.value = comment

    def show_output(self, text: str) -> None:
        self.output.value = text

    def update(self, *, reset_inputs: bool = False) -> None:
        self.header.value = render_header(self.reviewer)
        item = self.reviewer.current
        self.form.layout.display = "none" if item is None else None
        if item is None:
            message = _esc(self.reviewer._nothing_left())
            self.conversation.value = f'<div style="{_BOX} {_MUTED}">{message}</div>'
            return
        self.conversation.value = render_item(item, with_output=False)
        turn = item.thread.turn_of(item.run_id).number  # the run under review; the box holds its answer
        hint = f"the agent's answer in turn {turn}: edit it into what the agent should have said"
        self.output_label.value = f'<b>Output</b> <span style="{_MUTED}">({_esc(hint)})</span>'
        if reset_inputs:
            for key, control in self.inputs.items():
                given = item.feedback.get(key)
                if isinstance(control, widgets.Text):
                    control.value = _answer_text(given)
                else:
                    control.value = given.score if given else None
            self.comment.value = ""
            self.output.value = item.output
            self.status.value = ""


def _answer_text(feedback: Feedback | None) -> str:
    if feedback is None:
        return ""
    if feedback.value is not None:
        return str(feedback.value)
    return "" if feedback.score is None else f"{feedback.score:g}"


def _typed(text: str, scale: RubricScale) -> Any:
    """A typed answer as the scale takes it: a number for a continuous key."""
    if scale.kind != "continuous" or not text:
        return text
    try:
        return float(text)
    except ValueError:
        raise ReviewError(f"{scale.key} takes {scale.describe()}; got {text!r}") from None


def _input_for(scale: RubricScale) -> widgets.ValueWidget:
    """A control for one rubric key: buttons for categories and small integer ranges, else a box."""
    if scale.kind == "categorical":
        return widgets.ToggleButtons(
            options=list(scale.categories),
            value=None,
            tooltips=[f"{label} = {score:g}" for label, score in scale.categories],
        )
    if scale.kind == "freeform":
        return widgets.Text(placeholder="your answer")
    low, high = scale.minimum, scale.maximum
    if low is not None and high is not None and float(low).is_integer() and float(high).is_integer() \
            and 0 < high - low <= 10:
        options = [(f"{v:g}", float(v)) for v in range(int(low), int(high) + 1)]
        return widgets.ToggleButtons(options=options, value=None)
    return widgets.Text(placeholder=scale.describe())

