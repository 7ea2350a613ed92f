"""The smoke test (the seed's Day 1-2 ``smoke_test_traced.py``): 8 fixed conversations against an assistant.

``run_smoke(assistant="techhub-staging")`` plays the 8 conversations of :data:`SMOKE_CASES` on the
deployment, 8 at a time, traces them into the staging project (``langsmith_tracing``), reads their
root runs back from LangSmith, and checks the production thresholds of ``rollout.toml``
(``[production.thresholds]``: the seed's "8/8 passing, latency < 2 s p95, cost < $0.003 per query"):

* success: every conversation got a reply containing what it must (its facts), and every turn's
  root run succeeded;
* latency p95 of the turns' root runs (the agent's own time, from the traces);
* cost per turn, from the traces' tokens at the package's prices (cache hits are free).

``techhub smoke`` prints the table and exits :data:`EXIT_THRESHOLDS` (3) when a threshold fails; 0
when all pass; 1 and 2 keep their CLI meaning (a service problem, bad arguments or configuration).
Each run has its own batch id in the runs' metadata (``smoke_batch``): the figures are this run's.
Its runs are tagged ``smoke`` and never ``production`` (also when it verifies the production
assistant), so dashboards filtered on ``has(tags, "production")`` never count test traffic.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from langgraph_sdk.client import SyncLangGraphClient

from techhub.deployment import (
    Conversation,
    DeploymentError,
    get_deployment_client,
    resolve_assistant,
)
from techhub.rollout.assistants import STAGING_ASSISTANT, STAGING_PROJECT, ensure_rollout_assistants
from techhub.rollout.configs import RolloutConfig, Thresholds, load_rollout_config
from techhub.rollout.records import QueryRecord
from techhub.rollout.traces import metadata_filter, wait_for_records

EXIT_THRESHOLDS = 3
"""``techhub smoke`` exit code when the deployment answered but a threshold failed."""

SMOKE_BATCH_KEY = "smoke_batch"
SMOKE_CASE_KEY = "smoke_case"
SMOKE_TAG = "smoke"


@dataclass(frozen=True)
class SmokeCase:
    """One scripted conversation: the customer's messages, the email given when asked, and the words
    (any of them, case-insensitive) the agent's last reply must contain."""

    name: str
    messages: tuple[str, ...]
    expect: tuple[str, ...]
    email: str | None = None


SMOKE_CASES: tuple[SmokeCase, ...] = (
    SmokeCase("order status", ("What's the status of my order ORD-2025-0030?",), ("processing",),
              "gregory.harris@yahoo.com"),
    SmokeCase("return policy", ("How long do I have to return headphones?",), ("30 days", "30-day")),
    SmokeCase("greeting", ("Hi there!",), ("help",)),
    SmokeCase("product spec", ("Does the Vantor Aerobook 13 have a Thunderbolt port?",), ("thunderbolt",)),
    SmokeCase("spending", ("How much did I spend in total this year?",), ("$",), "sarah.chen@gmail.com"),
    SmokeCase("cancellation (refused)", ("Please cancel my order ORD-2025-0030.",),
              ("support@techhub.com", "1-800-techhub"), "gregory.harris@yahoo.com"),
    SmokeCase("warranty", ("What does the TechHub warranty cover?",), ("warranty",)),
    SmokeCase("out of scope", ("What's the weather like in Paris today?",), ("techhub",)),
)  # fmt: skip
"""The 8 conversations: orders (with verification), products, policies, chit-chat, a refusal, off topic."""


@dataclass
class CaseResult:
    case: SmokeCase
    thread_id: str | None = None
    turns: int = 0
    reply: str = ""
    error: str | None = None

    @property
    def passed(self) -> bool:
        text = self.reply.lower()
        return self.error is None and any(word.lower() in text for word in self.case.expect)

    @property
    def problem(self) -> str:
        if self.error:
            return self.error
        if not self.passed:
            return f"the reply names none of {', '.join(self.case.expect)}"
        return ""


@dataclass(frozen=True)
class Check:
    name: str
    value: float | None
    limit: float
    passed: bool
    shown: str
    limit_shown: str


@dataclass
class SmokeResult:
    """The smoke test's cases, the records of their turns, and the threshold checks."""

    assistant: str
    project: str
    batch_id: str
    cases: list[CaseResult]
    records: list[QueryRecord]
    checks: list[Check] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)

    @property
    def exit_code(self) -> int:
        return 0 if self.passed else EXIT_THRESHOLDS

    def cases_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {"conversation": c.case.name, "turns": c.turns, "passed": "yes" if c.passed else "NO",
                 "problem": c.problem}
                for c in self.cases
            ]
        )  # fmt: skip

    def to_frame(self) -> pd.DataFrame:
        """One row per threshold: the measured value, the limit, PASS or FAIL."""
        return pd.DataFrame(
            [
                {"check": c.name, "value": c.shown, "threshold": c.limit_shown,
                 "result": "PASS" if c.passed else "FAIL"}
                for c in self.checks
            ]
        )  # fmt: skip

    def table(self) -> str:
        verdict = "PASS" if self.passed else f"FAIL (exit {EXIT_THRESHOLDS})"
        head = (
            f"smoke test of {self.assistant}: {sum(c.passed for c in self.cases)}/{len(self.cases)} "
            f"conversations, {len(self.records)} turns traced in {self.project}: {verdict}"
        )
        failed = [f"  {c.case.name}: {c.problem}" for c in self.cases if not c.passed]
        return "\n".join([head, self.to_frame().to_string(index=False), *failed])

    def __str__(self) -> str:
        return self.table()


def _play(conversation: Conversation, case: SmokeCase) -> CaseResult:
    result = CaseResult(case, thread_id=conversation.thread_id)
    try:
        for message in case.messages:
            result.reply = conversation.send(message)
            result.turns += 1
            if conversation.waiting_for_answer:
                if case.email is None:
                    result.error = "the agent asked for an email this conversation does not give"
                    break
                result.reply = conversation.send(case.email)
                result.turns += 1
    except DeploymentError as error:
        result.error = str(error)
    return result


def check_thresholds(
    cases: Sequence[CaseResult], records: Sequence[QueryRecord], limits: Thresholds
) -> list[Check]:
    """Success (the share of conversations that passed with no failed turn), latency p95, cost per turn."""
    failed_threads = {record.thread_id for record in records if not record.succeeded}
    ok = [case.passed and case.thread_id not in failed_threads for case in cases]
    success = sum(ok) / len(ok) if ok else 0.0
    latencies = [record.latency_s for record in records]
    p95 = float(np.percentile(latencies, 95)) if latencies else None
    cost = sum(record.cost for record in records) / len(records) if records else None
    latency_ok = p95 is not None and p95 <= limits.latency_p95_max_s
    cost_ok = cost is not None and cost <= limits.cost_per_query_max
    return [
        Check("success rate", success, limits.success_rate_min, success >= limits.success_rate_min,
              f"{success:.0%}", f">= {limits.success_rate_min:.0%}"),
        Check("latency p95", p95, limits.latency_p95_max_s, latency_ok,
              "n/a" if p95 is None else f"{p95:.2f} s", f"<= {limits.latency_p95_max_s:.2f} s"),
        Check("cost per query", cost, limits.cost_per_query_max, cost_ok,
              "n/a" if cost is None else f"${cost:.5f}", f"<= ${limits.cost_per_query_max:.5f}"),
    ]  # fmt: skip


def run_smoke(
    assistant: str = STAGING_ASSISTANT,
    *,
    project: str = STAGING_PROJECT,
    config: RolloutConfig | None = None,
    cases: Sequence[SmokeCase] = SMOKE_CASES,
    run_config: dict[str, Any] | None = None,
    client: SyncLangGraphClient | None = None,
    timeout: float = 60.0,
    ensure_assistants: bool = True,
) -> SmokeResult:
    """Play ``cases`` against ``assistant`` (traced into ``project``) and check the production thresholds.

    With ``ensure_assistants`` the rollout's assistants are created first if missing (so
    ``techhub-staging`` exists). ``run_config`` is passed to every run.
    Raises :class:`DeploymentError` when the deployment cannot be reached.
    """
    config = config or load_rollout_config()
    client = client or get_deployment_client()
    try:
        served = resolve_assistant(client, assistant)
    except DeploymentError as error:
        if error.__cause__ is not None or not ensure_assistants:  # unreachable, or unknown on purpose
            raise
        ensure_rollout_assistants(client, config)
        served = resolve_assistant(client, assistant)
    batch_id = str(uuid.uuid4())
    tracing = {"project_name": project}
    # A run's own tags replace its assistant's: smoke traffic keeps them but never counts as production.
    tags = [SMOKE_TAG, *(t for t in (served.get("config") or {}).get("tags") or [] if t != "production")]
    run_config = {**(run_config or {}), "tags": tags}

    def one(case: SmokeCase) -> CaseResult:
        metadata = {SMOKE_BATCH_KEY: batch_id, SMOKE_CASE_KEY: case.name}
        conversation = Conversation(
            assistant, client=client, metadata=metadata, config=run_config, langsmith_tracing=tracing
        )
        return _play(conversation, case)

    # The first Conversation resolves the assistant (and fails fast when the server is down).
    with ThreadPoolExecutor(max_workers=8, thread_name_prefix="smoke") as pool:
        results = list(pool.map(one, cases))
    turns = sum(result.turns for result in results)
    records = wait_for_records(
        turns, project_name=project, filter=metadata_filter(SMOKE_BATCH_KEY, batch_id), timeout=timeout
    )
    return SmokeResult(
        assistant=assistant,
        project=project,
        batch_id=batch_id,
        cases=results,
        records=records,
        checks=check_thresholds(results, records, config.production.thresholds),
    )
