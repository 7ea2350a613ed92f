"""Run a batch of simulated conversations against the deployment, several at a time.

Concurrency matters: the in-memory Agent Server picks queued runs up every 0.5 s, so a turn waits
0.5 to 1 s before it starts however fast the agent is; conversations one after another spend most of
their time waiting, while queued runs of different threads are served back to back.

Each conversation is a :class:`techhub.deployment.Conversation` whose metadata names the persona
and the batch (``{"persona": ..., "persona_mood": ..., "traffic_batch": ...}``): it lands on the
thread and on every root run, so a notebook finds exactly the threads it created.
"""

from __future__ import annotations

import html
import random
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field

from langgraph_sdk.client import SyncLangGraphClient
from tqdm.auto import tqdm

from techhub.deployment import (
    DEFAULT_ASSISTANT,
    Conversation,
    DeploymentError,
    Role,
    get_deployment_client,
    resolve_assistant,
)
from techhub.traffic.customers import Outcome, Player, make_customer, resolve_player
from techhub.traffic.personas import PERSONAS, Mood, Persona, get_persona
from techhub.traffic.replies import ReplyKind, read_reply

PERSONA_KEY = "persona"
MOOD_KEY = "persona_mood"
BATCH_KEY = "traffic_batch"


@dataclass
class SimulatedThread:
    """One simulated conversation: who played it, what was said, and what the agent's replies did."""

    index: int
    persona: str
    mood: Mood
    thread_id: str | None = None
    transcript: list[tuple[Role, str]] = field(default_factory=list)
    agent_acts: list[ReplyKind] = field(default_factory=list)
    """What each reply of the agent did (asked_email, answered, claimed_action, ...), in order."""
    run_ids: list[str] = field(default_factory=list)
    """The runs of the thread: one root trace each in LangSmith."""
    outcome: Outcome | None = None
    """How the customer left (got answers, gave up, disputed a claim, was refused, ...)."""
    error: str | None = None
    started: float = 0.0
    finished: float = 0.0
    """``time.monotonic()`` at the start and end (for overlap checks, not for display)."""

    @property
    def turns(self) -> int:
        """Messages the customer sent."""
        return sum(1 for role, _ in self.transcript if role == "user")

    @property
    def last_customer_message(self) -> str:
        return next((text for role, text in reversed(self.transcript) if role == "user"), "")


@dataclass
class TrafficSummary:
    """What :func:`run_traffic` did: the batch id, every thread, turns, wall time and errors.

    The text and HTML views leave out the wall time (it differs between runs; read
    :attr:`wall_seconds`); ids are UUIDs, which the notebooks' sanitizer normalises.
    """

    batch_id: str
    assistant: str
    seed: int
    concurrency: int
    threads: list[SimulatedThread]
    wall_seconds: float

    @property
    def turns(self) -> int:
        """Messages the customers sent, all threads together (one agent run each)."""
        return sum(thread.turns for thread in self.threads)

    @property
    def errors(self) -> list[SimulatedThread]:
        return [thread for thread in self.threads if thread.error]

    @property
    def thread_ids(self) -> list[str]:
        return [thread.thread_id for thread in self.threads if thread.thread_id]

    @property
    def metadata(self) -> dict[str, str]:
        """The metadata every thread and root run of this batch carries (filter on it)."""
        return {BATCH_KEY: self.batch_id}

    def headline(self) -> str:
        errors = len(self.errors)
        return (
            f"traffic batch {self.batch_id}: {len(self.threads)} conversations with {self.assistant} "
            f"(seed {self.seed}, {self.concurrency} at a time), {self.turns} customer messages, "
            f"{errors} error{'' if errors == 1 else 's'}"
        )

    def __str__(self) -> str:
        width = max((len(t.persona) for t in self.threads), default=7)
        lines = [self.headline(), f"{'#':>3}  {'persona':<{width}}  {'mood':<10}  msgs  thread / error"]
        for t in self.threads:
            where = f"ERROR {t.error}" if t.error else (t.thread_id or "")
            lines.append(f"{t.index + 1:>3}  {t.persona:<{width}}  {t.mood:<10}  {t.turns:>4}  {where}")
            lines.append(f"{'':>5}agent: {' > '.join(t.agent_acts) or '-'}; customer {t.outcome or 'left'}")
            lines.append(f"{'':>5}last customer message: {t.last_customer_message!r}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"TrafficSummary(batch_id={self.batch_id!r}, assistant={self.assistant!r}, "
            f"threads={len(self.threads)}, turns={self.turns}, errors={len(self.errors)})"
        )

    def _repr_html_(self) -> str:
        esc = html.escape
        rows = []
        for t in self.threads:
            chat = "".join(
                f"<div><b>{'customer' if role == 'user' else 'agent'}:</b> {esc(text)}</div>"
                for role, text in t.transcript
            )
            status = f"<span style='color:#b00'>{esc(t.error)}</span>" if t.error else esc(t.thread_id or "")
            rows.append(
                f"<tr><td>{t.index + 1}</td><td>{esc(t.persona)}</td><td>{esc(t.mood)}</td>"
                f"<td>{t.turns}</td><td>{esc(' › '.join(t.agent_acts))}</td><td>{esc(t.outcome or '')}</td>"
                f"<td><details><summary>{status}</summary>{chat}</details></td></tr>"
            )
        return (
            f"<p><b>{esc(self.headline())}</b></p>"
            "<table><thead><tr><th>#</th><th>persona</th><th>mood</th><th>msgs</th>"
            "<th>what the agent did</th><th>customer</th><th>thread (click for the conversation)</th>"
            "</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>"
        )


def pick_personas(personas: Sequence[str | Persona] | None) -> list[Persona]:
    """The personas to cycle through: all of them (catalogue order) unless names or personas are given."""
    if personas is None:
        return list(PERSONAS)
    chosen = [p if isinstance(p, Persona) else get_persona(p) for p in personas]
    if not chosen:
        raise ValueError("personas is empty: give at least one persona name, or None for all")
    return chosen


def play(
    persona: Persona,
    conversation: Conversation,
    rng: random.Random,
    *,
    player: Player = "scripted",
    record: SimulatedThread | None = None,
) -> SimulatedThread:
    """Play one conversation to its end on ``conversation``; returns (and fills) ``record``.

    The customer speaks first; after each reply it reacts to what the reply does, until it leaves.
    A :class:`DeploymentError` is recorded in ``record.error`` (the transcript so far is kept).
    """
    record = record or SimulatedThread(index=0, persona=persona.name, mood=persona.mood)
    record.thread_id = conversation.thread_id
    customer = make_customer(persona, rng, resolve_player(player))
    message: str | None = customer.opening()
    try:
        while message is not None:
            reply = conversation.send(message)
            kind = read_reply(reply, waiting_for_answer=conversation.waiting_for_answer)
            record.agent_acts.append(kind)
            message = customer.react(reply, kind)
    except DeploymentError as error:
        record.error = str(error)
    finally:
        record.outcome = customer.outcome
        record.transcript = conversation.transcript
        record.run_ids = conversation.run_ids
    return record


def run_traffic(
    conversations: int = 12,
    concurrency: int = 8,
    assistant: str = DEFAULT_ASSISTANT,
    seed: int = 0,
    personas: Sequence[str | Persona] | None = None,
    progress: bool = True,
    *,
    customers: Player = "auto",
    client: SyncLangGraphClient | None = None,
) -> TrafficSummary:
    """Simulate ``conversations`` customers talking to ``assistant``, ``concurrency`` at a time.

    Conversation ``i`` plays the ``i``-th persona (cycling through ``personas``, all by default) with
    a ``random.Random`` seeded by ``(seed, i)``: offline, the same seed plays the same conversations.
    ``customers``: ``auto`` (a model plays them when an OpenAI key is configured, else the scripted
    players), ``scripted`` or ``model``. A progress bar shows conversations as they finish
    (``progress=False`` hides it). A conversation that fails is recorded in the summary's ``errors``;
    a deployment that cannot be reached, or an unknown assistant, raises :class:`DeploymentError`
    before anything starts.
    """
    if conversations < 1:
        raise ValueError(f"conversations must be at least 1, not {conversations}")
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, not {concurrency}")
    cast = pick_personas(personas)
    player = resolve_player(customers)
    client = client or get_deployment_client()
    # Resolved once, before the threads start: the first use creates techhub-v1/v2, and parallel
    # first uses could create duplicates.
    name = resolve_assistant(client, assistant)["name"]
    batch_id = str(uuid.uuid4())
    threads = [
        SimulatedThread(index=i, persona=cast[i % len(cast)].name, mood=cast[i % len(cast)].mood)
        for i in range(conversations)
    ]

    def one(record: SimulatedThread) -> SimulatedThread:
        persona = cast[record.index % len(cast)]
        record.started = time.monotonic()
        try:
            metadata = {PERSONA_KEY: persona.name, MOOD_KEY: persona.mood, BATCH_KEY: batch_id}
            conversation = Conversation(name, client=client, metadata=metadata)
        except DeploymentError as error:
            record.error = str(error)
        else:
            rng = random.Random(f"{seed}:{record.index}:{persona.name}")
            play(persona, conversation, rng, player=player, record=record)
        record.finished = time.monotonic()
        return record

    start = time.perf_counter()
    bar = tqdm(total=conversations, desc=f"conversations with {name}", unit="conv", disable=not progress)
    with bar, ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="traffic") as pool:
        futures = [pool.submit(one, record) for record in threads]
        for future in as_completed(futures):
            future.result()
            bar.update(1)
    return TrafficSummary(batch_id, name, seed, concurrency, threads, time.perf_counter() - start)
