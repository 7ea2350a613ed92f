"""Simulated customers for the rollout: split traffic between two assistants, and routed traffic.

:class:`SplitTraffic` is the ``send(share, conversations)`` of the staged rollout and the traffic of
an A/B test: ``conversations`` simulated customers (:mod:`techhub.traffic`; conversation ``j`` plays
persona ``j`` modulo the 15 personas, each a real customer of the store) are split by a stable hash of
the customer's email (:func:`techhub.rollout.split.assign_arm`): the candidate's customers talk to the
candidate assistant, the others to the control. A customer on the candidate at 10% is still on it at
50% and 100%. Each arm is one traffic batch (its id in every root run's metadata, ``traffic_batch``);
the records of a call are read back from the traces and carry their ``arm``.

:func:`run_routed_traffic` plays customers through :class:`RoutedConversation`, which routes every
customer message with the complexity router: the hard ones to the fallback assistant, the rest to
production, with ``complexity`` and ``strategy`` in the run's metadata.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from langgraph_sdk.client import SyncLangGraphClient

from techhub import smith
from techhub.config import TRACING_PROJECT
from techhub.deployment import Conversation, get_deployment_client, resolve_assistant
from techhub.flywheel.waiting import engine_status, wait_for_rules
from techhub.rollout.assistants import assistant_for
from techhub.rollout.records import QueryRecord
from techhub.rollout.routing import ComplexityRouter, RoutingDecision
from techhub.rollout.split import Arm, assign_arm
from techhub.rollout.traces import any_of, metadata_filter, wait_for_records
from techhub.traffic import BATCH_KEY, PERSONAS, Persona, SimulatedThread, TrafficSummary, play, run_traffic

RUN_FAILED = "run failed"
"""How :class:`techhub.deployment.DeploymentError` says that the agent's run failed (and was traced)."""


def population(conversations: int, personas: Sequence[Persona] = PERSONAS) -> list[Persona]:
    """Who the ``conversations`` customers are: the personas in turn (conversation ``j`` plays ``j % n``)."""
    return [personas[j % len(personas)] for j in range(conversations)]


def expected_runs(summary: TrafficSummary) -> int:
    """Root runs a batch left: one per customer message answered, plus the failed run that ended a
    conversation (a failed run is traced but not in the transcript)."""
    failed = sum(1 for thread in summary.threads if thread.error and RUN_FAILED in thread.error)
    return summary.turns + failed


@dataclass(frozen=True)
class ArmBatch:
    """One arm of one call: which assistant, which customers, which traffic batch."""

    step: int
    share: float
    arm: Arm
    assistant: str
    customers: tuple[str, ...]
    summary: TrafficSummary


@dataclass
class SplitTraffic:
    """``send(share, conversations)``: one stage of simulated traffic split between two assistants.

    ``salt`` names the split (``rollout`` for the staged rollout; an A/B test uses its own, so the two
    split customers independently). ``seed`` + the call's number seeds the customers' wording.
    Every call is kept in ``batches`` and its records in ``records``: figures scoped to this object's
    traffic, whatever else the project holds.

    ``wait_for_sentiment``: before returning, wait until the local server's online evaluator has
    judged the conversations (each once it has been idle for the rule's idle time), so the records
    carry their ``user_sentiment`` and the sentiment trigger sees it. LangSmith cloud has no way to
    ask whether its evaluators are done: there the records come back as soon as the traces are in,
    and sentiment follows later.
    """

    control: str
    candidate: str
    salt: str = "rollout"
    seed: int = 0
    concurrency: int = 8
    project: str = TRACING_PROJECT
    personas: Sequence[Persona] = PERSONAS
    client: SyncLangGraphClient | None = None
    wait_for_sentiment: bool = False
    batches: list[ArmBatch] = field(default_factory=list)
    records: list[QueryRecord] = field(default_factory=list)
    records_by_step: dict[int, list[QueryRecord]] = field(default_factory=dict)

    def arm_of(self, persona: Persona, share: float) -> Arm:
        return assign_arm(persona.email, share, salt=self.salt)

    def __call__(self, share: float, conversations: int) -> list[QueryRecord]:
        return self.send(share, conversations)

    def send(self, share: float, conversations: int) -> list[QueryRecord]:
        """Play ``conversations`` customers, ``share`` of them (by customer) on the candidate."""
        client = self.client or get_deployment_client()
        step = 1 + len({batch.step for batch in self.batches})
        cast = population(conversations, self.personas)
        arms: dict[Arm, list[Persona]] = {"control": [], "candidate": []}
        for persona in cast:
            arms[self.arm_of(persona, share)].append(persona)
        assistants = {"control": self.control, "candidate": self.candidate}

        def one(arm: Arm) -> ArmBatch:
            summary = run_traffic(
                conversations=len(arms[arm]),
                concurrency=self.concurrency,
                assistant=assistants[arm],
                seed=self.seed * 1000 + step,
                personas=arms[arm],
                progress=False,
                customers="auto",
                client=client,
            )
            customers = tuple(dict.fromkeys(p.email for p in arms[arm]))
            return ArmBatch(step, share, arm, assistants[arm], customers, summary)

        used: list[Arm] = [arm for arm in ("candidate", "control") if arms[arm]]
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="arm") as pool:
            batches = list(pool.map(one, used))
        self.batches.extend(batches)
        expected = sum(expected_runs(batch.summary) for batch in batches)
        scope = any_of([metadata_filter(BATCH_KEY, batch.summary.batch_id) for batch in batches])
        records = wait_for_records(expected, project_name=self.project, filter=scope)
        if self.wait_for_sentiment and wait_for_judges():
            records = wait_for_records(expected, project_name=self.project, filter=scope)
        arm_of_batch = {batch.summary.batch_id: batch.arm for batch in batches}
        thread_batch = {
            thread.thread_id: batch.summary.batch_id for batch in batches for thread in batch.summary.threads
        }
        tagged = [
            record.model_copy(update={"arm": arm_of_batch[thread_batch[record.thread_id]]})
            for record in records
            if record.thread_id in thread_batch
        ]
        self.records.extend(tagged)
        self.records_by_step[step] = tagged
        return tagged

    @property
    def batch_ids(self) -> list[str]:
        return [batch.summary.batch_id for batch in self.batches]


def wait_for_judges(timeout: float = 180.0) -> bool:
    """Wait until the local server's rule engine has judged every finished thread; False (at once) on
    LangSmith cloud, which cannot say when its evaluators are done."""
    client = smith.get_client()
    if engine_status(client) is None:
        return False
    wait_for_rules(client, timeout=timeout, progress=False)
    return True


class RoutedConversation(Conversation):
    """A conversation whose every new customer message is routed by the complexity router.

    The thread lives on the production assistant. Before each message the router scores the text,
    and the run carries the chosen configuration in its own ``config`` (``configurable``: model,
    prompt, options; ``tags``) and the decision in its metadata (``complexity``, ``strategy``,
    ``rollout_config``, ``complexity_signals``). A run's own configuration is the one that wins: the
    agent server pins a thread's configuration at its first run, so switching assistants mid-thread
    would not switch the model. An answer to the verification question resumes the interrupted run
    with the configuration that asked it.
    """

    def __init__(
        self,
        router: ComplexityRouter,
        *,
        client: SyncLangGraphClient | None = None,
        metadata: dict | None = None,
    ) -> None:
        super().__init__(assistant_for(router.production), client=client, metadata=metadata)
        self.router = router
        self.base_metadata = dict(self.metadata)
        self.decisions: list[RoutingDecision] = []

    def send(self, text: str) -> str:
        if not self.waiting_for_answer:
            decision = self.router.route(text)
            self.decisions.append(decision)
            chosen = decision.config
            self.config = {"configurable": chosen.configurable(), "tags": chosen.tags()}
            self.metadata = {**self.base_metadata, **chosen.run_metadata(), **decision.metadata()}
        return super().send(text)


@dataclass
class RoutedTraffic:
    """What :func:`run_routed_traffic` did: the batch, its threads and every routing decision."""

    batch_id: str
    threads: list[SimulatedThread]
    decisions: list[RoutingDecision]
    records: list[QueryRecord]

    @property
    def routing_rate(self) -> float | None:
        return sum(d.escalated for d in self.decisions) / len(self.decisions) if self.decisions else None


def run_routed_traffic(
    conversations: int = 15,
    *,
    router: ComplexityRouter | None = None,
    seed: int = 0,
    concurrency: int = 8,
    personas: Sequence[Persona] = PERSONAS,
    project: str = TRACING_PROJECT,
    client: SyncLangGraphClient | None = None,
) -> RoutedTraffic:
    """Play ``conversations`` simulated customers, every message routed; returns their records."""
    router = router or ComplexityRouter.from_config()
    client = client or get_deployment_client()
    resolve_assistant(client, assistant_for(router.production))  # created before the threads start
    batch_id = str(uuid.uuid4())
    cast = population(conversations, personas)

    def one(index: int) -> tuple[SimulatedThread, list[RoutingDecision]]:
        persona = cast[index]
        record = SimulatedThread(index=index, persona=persona.name, mood=persona.mood)
        conversation = RoutedConversation(
            router, client=client, metadata={BATCH_KEY: batch_id, "persona": persona.name}
        )
        play(persona, conversation, random.Random(f"{seed}:{index}:{persona.name}"), record=record)
        return record, conversation.decisions

    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="routed") as pool:
        results = list(pool.map(one, range(conversations)))
    threads = [thread for thread, _ in results]
    decisions = [d for _, ds in results for d in ds]
    failed = sum(1 for t in threads if t.error and RUN_FAILED in t.error)
    expected = sum(t.turns for t in threads) + failed
    records = wait_for_records(expected, project_name=project, filter=metadata_filter(BATCH_KEY, batch_id))
    return RoutedTraffic(batch_id, threads, decisions, records)
