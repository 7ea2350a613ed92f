"""The rule engine: a background thread that applies run rules to finished runs, as LangSmith does.

For each enabled rule, in a loop:

1. **Scan** the rule's events since its cursor (see :mod:`.rules`: a run posted, a run patched with
   its end time, feedback given; in commit order, so a root run that finishes late is seen again).
   Only finished runs of the rule's project count. A run-level rule checks ``filter`` (on the run),
   ``trace_filter`` (on its root run) and ``tree_filter`` (on any run of its trace) and the sampling
   rate, then applies its evaluators and actions. A thread rule (``group_by="thread_id"``) records
   the run's thread as pending, due once the thread has been idle for the rule's idle time (see
   :func:`rules.thread_idle_seconds`), measured from the end time of its latest root run.
2. **Re-check on feedback**: a rule whose filters read feedback also rescans runs whose feedback
   changed, so an automation filtering on ``feedback_key`` / ``feedback_value`` picks up a run after
   the evaluator scored it.
3. **Evaluate due threads**: the thread's root runs in order give the judge its
   ``{{human_ai_pairs}}``; the verdict becomes feedback on the thread's latest root run. A new root
   run reopens the thread; its later verdict replaces the earlier feedback of the same rule.

Each effect is committed in the same transaction as a row in ``rule_applications`` whose key is
(rule, run) or (rule, thread, latest root run), so a restart (even after SIGKILL) never applies a
rule twice; cursors and pending threads live in SQLite too. Sampling is deterministic: the sha256
of the run id (thread id for thread rules) as a fraction of 2**64, compared with the rate.

**A rule that fails.** A failing judge or action costs one run or thread: it is recorded in
``rule_applications`` (or on the thread) and the rule moves on. A rule whose whole pass fails (its
stored filter or ``backfill_from`` cannot be used, the database refused a read, a bug) keeps its
cursor, so that nothing is skipped if the failure was transient, and:

- its error is recorded on the rule in :meth:`RuleEngine.status` (``error``, ``failing_passes``) and
  in ``last_error``; the traceback is logged once per distinct error of the rule, and a line when it
  works again (a failure repeated on every pass once filled the log at 18 KB/s);
- it is retried with exponential backoff, from ``poll_seconds`` up to ``max_backoff_seconds``, and
  at once after any change of the rule (``PATCH``), which is how a user fixes it;
- after ``stuck_after`` failing passes in a row it is *stuck*: it no longer holds back the pruning
  of ``rule_events`` (else the table would grow for as long as the rule is broken) nor
  ``caught_up`` (the engine has done all it can; the error says why). Events pruned meanwhile are
  lost to it: once it works again it goes on from the events still there.

Other rules are never held back: each rule's pass fails alone.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from techhub.localsmith import feedback as feedback_store
from techhub.localsmith import runs as runs_store
from techhub.localsmith.examples import insert_examples
from techhub.localsmith.queues import ItemSpec, add_item
from techhub.localsmith.rules import enabled_rules, thread_idle_seconds
from techhub.localsmith.store import Database, register_schema
from techhub.localsmith.times import normalize_time, parse_stored

log = logging.getLogger(__name__)

register_schema(
    """
CREATE TABLE IF NOT EXISTS rule_applications (
    rule_id TEXT NOT NULL,
    target TEXT NOT NULL,
    run_id TEXT,
    outcome TEXT,
    applied_at TEXT NOT NULL,
    PRIMARY KEY (rule_id, target)
);
CREATE TABLE IF NOT EXISTS rule_threads (
    rule_id TEXT NOT NULL,
    thread_id TEXT NOT NULL,
    last_run_id TEXT NOT NULL,
    last_run_start TEXT NOT NULL,
    last_activity REAL NOT NULL,
    due_at REAL NOT NULL,
    state TEXT NOT NULL,
    evaluated_run_id TEXT,
    feedback_id TEXT,
    error TEXT,
    PRIMARY KEY (rule_id, thread_id)
);
CREATE INDEX IF NOT EXISTS rule_threads_due ON rule_threads (state, due_at);
"""
)

_ID_NAMESPACE = uuid.UUID("0b7b0c1e-6c1d-4b55-9a8e-51e0b3d0c7a2")
_NEGATIVE = {"negative", "no", "false", "fail", "failed", "incorrect", "bad", "wrong"}
_POSITIVE = {"positive", "yes", "true", "pass", "passed", "correct", "good", "right"}

Judge = Callable[[list, dict, dict, str | None], dict]
_RUN_FIELDS = ("id", "start_time", "end_time", "thread_id", "inputs", "outputs")


def sample_fraction(key: str) -> float:
    """A stable number in [0, 1) for ``key``: the first 8 bytes of its sha256."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") / 2**64


def sampled(key: str, rate: float) -> bool:
    """Whether a run or thread falls in the sample (same answer on every call and every server)."""
    return rate >= 1.0 or (rate > 0.0 and sample_fraction(key) < rate)


def _epoch(stored: str | None) -> float:
    return parse_stored(stored).timestamp() if stored else 0.0


def _now_text() -> str:
    return datetime.now(UTC).replace(tzinfo=None).strftime("%Y-%m-%dT%H:%M:%S.%f")


def _default_judge(prompt: list, schema: dict, variables: dict, model: str | None) -> dict:
    import langsmith

    from techhub.evaluators.structured import judge_structured

    # The judge's own LLM call is not a production trace: never send it to a tracing project.
    with langsmith.tracing_context(enabled=False):
        return judge_structured(prompt, schema, variables, model=model)


def verdict_feedback(schema: dict, answer: dict) -> list[dict]:
    """Feedback entries from a judge's answer: one per scored property of the schema.

    A property with an ``enum`` is categorical (value = the category; score 1 for a positive word such
    as ``positive``/``yes``/``pass``, 0 for a negative one); a boolean scores 1/0; a number is the
    score. The free-text property (``reasoning`` or ``comment``) becomes every entry's comment.
    """
    reasoning = next(
        (answer[k] for k in ("reasoning", "comment", "explanation") if isinstance(answer.get(k), str)), None
    )
    entries = []
    for key, spec in (schema.get("properties") or {}).items():
        if key not in answer or key in ("reasoning", "comment", "explanation"):
            continue
        value = answer[key]
        if "enum" in spec:
            word = str(value).lower()
            score = 0 if word in _NEGATIVE else 1 if word in _POSITIVE else None
            entries.append({"key": key, "value": value, "score": score, "comment": reasoning})
        elif isinstance(value, bool):
            entries.append({"key": key, "score": int(value), "comment": reasoning})
        elif isinstance(value, int | float):
            entries.append({"key": key, "score": value, "comment": reasoning})
    return entries


@dataclass
class RuleFailure:
    """A rule whose passes fail: the latest error, how many passes in a row, when to retry it.

    ``version`` is the rule's version when it failed: a changed rule starts afresh. ``logged``: the
    errors whose traceback is already in the log.
    """

    version: int
    error: str
    count: int
    retry_at: float
    logged: set[str] = field(default_factory=set)


def _model_name(model: Any) -> str | None:
    from techhub.evaluators.sentiment import model_name_from_config

    return model_name_from_config(model)


class RuleEngine:
    """Applies every enabled rule to new runs, in a background thread or one pass at a time.

    ``judge(prompt, schema, variables, model)`` answers structured evaluators (default:
    :func:`techhub.evaluators.judge_structured`); ``clock`` gives epoch seconds (tests may fake it).
    ``stuck_after`` and ``max_backoff_seconds``: how failing rules are retried (see the module
    docstring).
    """

    def __init__(
        self,
        db: Database,
        *,
        poll_seconds: float = 0.25,
        batch_size: int = 500,
        judge: Judge | None = None,
        judge_workers: int = 4,
        clock: Callable[[], float] = time.time,
        stuck_after: int = 5,
        max_backoff_seconds: float = 60.0,
    ) -> None:
        self.db = db
        self.poll_seconds = poll_seconds
        self.batch_size = batch_size
        self.judge = judge or _default_judge
        self.clock = clock
        self.judge_workers = judge_workers
        self._judges: ThreadPoolExecutor | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.counts = {"events_scanned": 0, "applications": 0, "threads_evaluated": 0, "errors": 0}
        self._passes = 0
        self.last_error: str | None = None
        self.stuck_after = stuck_after
        self.max_backoff_seconds = max_backoff_seconds
        self.failures: dict[str, RuleFailure] = {}  # by rule id
        self._pass_failures = 0  # passes in a row that failed as a whole, and the latest error
        self._pass_error: str | None = None

    # ------------------------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Run :meth:`run_once` every ``poll_seconds`` in a daemon thread until :meth:`stop`."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="localsmith-rule-engine", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        if self._judges is not None:
            self._judges.shutdown(wait=False, cancel_futures=True)
            self._judges = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                busy = self.run_once()
            except Exception as error:  # noqa: BLE001 - the engine must outlive a bad pass
                message = f"{type(error).__name__}: {error}"
                if message != self._pass_error:  # the traceback once, not on every pass
                    log.exception("rule engine pass failed (retrying with backoff)")
                self.counts["errors"] += 1
                self.last_error = self._pass_error = message
                self._pass_failures += 1
                self._stop.wait(self._backoff(self._pass_failures))
                continue
            self._pass_failures, self._pass_error = 0, None
            if not busy:
                self._stop.wait(self.poll_seconds)

    def _backoff(self, failures: int) -> float:
        """Seconds to wait after ``failures`` failures in a row: doubling, capped."""
        return min(self.poll_seconds * 2 ** min(failures - 1, 32), self.max_backoff_seconds)

    # ------------------------------------------------------------------------------------- one pass

    def run_once(self) -> int:
        """One pass over every enabled rule; returns how much work it did (0: nothing to do)."""
        with self._lock:
            work = 0
            rules = enabled_rules(self.db)
            for rule in rules:
                if self._stop.is_set():
                    break
                failure = self._failure(rule)
                if failure is None:
                    self.failures.pop(rule["id"], None)  # a failure of an earlier version of the rule
                elif self.clock() < failure.retry_at:
                    continue  # backing off
                try:
                    work += self._scan_events(rule)
                    if rule.get("group_by") == "thread_id":
                        work += self._evaluate_due_threads(rule)
                except Exception as error:  # noqa: BLE001 - one broken rule must not starve the others
                    self._rule_failed(rule, error)
                    continue
                if failure is not None:
                    del self.failures[rule["id"]]
                    log.info("rule %r works again after %d failed passes", rule["display_name"],
                             failure.count)
            live = {rule["id"] for rule in rules}
            for rule_id in [r for r in self.failures if r not in live]:  # deleted or disabled meanwhile
                del self.failures[rule_id]
            self._passes += 1
            if self._passes % 20 == 0:
                self._prune_events()
            return work

    def _failure(self, rule: dict) -> RuleFailure | None:
        """The rule's current failure; None if it has not failed since it last changed."""
        failure = self.failures.get(rule["id"])
        return failure if failure is not None and failure.version == rule.get("version") else None

    def stuck(self, rule: dict) -> bool:
        """Whether the rule has failed ``stuck_after`` passes in a row (see the module docstring)."""
        failure = self._failure(rule)
        return failure is not None and failure.count >= self.stuck_after

    def _rule_failed(self, rule: dict, error: Exception) -> None:
        """Record a failed pass of ``rule``, schedule its retry, log the traceback of a new error."""
        message = f"{type(error).__name__}: {error}"
        now = self.clock()
        failure = self._failure(rule)
        if failure is None:
            failure = RuleFailure(rule.get("version", 0), message, 0, now)
            self.failures[rule["id"]] = failure
        failure.error = message
        failure.count += 1
        failure.retry_at = now + self._backoff(failure.count)
        self.counts["errors"] += 1
        self.last_error = f"rule {rule['display_name']!r}: {message}"
        if message not in failure.logged:
            failure.logged.add(message)
            log.warning(
                "rule %r failed (retried with backoff; this error is logged once)",
                rule["display_name"],
                exc_info=error,
            )
        if failure.count == self.stuck_after:
            log.warning(
                "rule %r is stuck after %d failed passes: it no longer holds back pruning; fix it"
                " (PATCH /runs/rules/%s) and it is retried at once",
                rule["display_name"],
                failure.count,
                rule["id"],
            )

    def _cursor(self, rule: dict) -> int:
        """The last event this rule has seen (set when the rule was created, see :mod:`.rules`).

        With ``backfill_from``, the rule first considers the project's runs that started since then.
        """
        row = self.db.read().execute("SELECT * FROM rule_cursors WHERE rule_id = ?", (rule["id"],)).fetchone()
        if row is None:  # a rule stored before cursors existed: start from now
            with self.db.write() as conn:
                conn.execute(
                    "INSERT OR IGNORE INTO rule_cursors (rule_id, seq)"
                    " SELECT ?, coalesce(max(seq), 0) FROM rule_events",
                    (rule["id"],),
                )
            return self._cursor(rule)
        if not row["backfilled"]:
            since = normalize_time(rule["backfill_from"], "backfill_from")
            ids = [
                r["id"]
                for r in self.db.read().execute(
                    "SELECT id FROM runs WHERE session_id = ? AND start_time >= ? ORDER BY start_time, id",
                    (rule["session_id"], since),
                )
            ]
            self._consider(rule, ids)
            with self.db.write() as conn:
                conn.execute("UPDATE rule_cursors SET backfilled = 1 WHERE rule_id = ?", (rule["id"],))
        return int(row["seq"])

    def _scan_events(self, rule: dict) -> int:
        """Consider the runs written (or, for feedback filters, scored) since the rule's cursor."""
        cursor = self._cursor(rule)
        kinds = ("run", "feedback") if _mentions_feedback(rule) else ("run",)
        rows = (
            self.db.read()
            .execute(
                "SELECT seq, kind, run_id FROM rule_events WHERE seq > ? ORDER BY seq LIMIT ?",
                (cursor, self.batch_size),
            )
            .fetchall()
        )
        if not rows:
            return 0
        run_ids = list(dict.fromkeys(row["run_id"] for row in rows if row["kind"] in kinds))
        if run_ids:
            self._consider(rule, run_ids)
        with self.db.write() as conn:
            conn.execute("UPDATE rule_cursors SET seq = ? WHERE rule_id = ?", (rows[-1]["seq"], rule["id"]))
        self.counts["events_scanned"] += len(rows)
        return len(rows)

    def _prune_events(self) -> None:
        """Forget events every enabled rule has seen (all of them when there is no rule); a stuck
        rule does not count (see the module docstring)."""
        ids = [rule["id"] for rule in enabled_rules(self.db) if not self.stuck(rule)]
        with self.db.write() as conn:
            if ids:
                floor = conn.execute(
                    f"SELECT min(seq) FROM rule_cursors WHERE rule_id IN ({','.join('?' * len(ids))})", ids
                ).fetchone()[0]
                if floor is None:
                    return
            else:
                floor = conn.execute("SELECT coalesce(max(seq), 0) FROM rule_events").fetchone()[0]
            conn.execute("DELETE FROM rule_events WHERE seq <= ?", (floor,))

    # ------------------------------------------------------------------------------------- matching

    def _matching(self, rule: dict, run_ids: list[str]) -> list[dict]:
        """The finished runs among ``run_ids`` that pass the rule's three filters, oldest first.

        The runs store's own query applies ``filter`` to the run, ``trace_filter`` to its root and
        ``tree_filter`` to any run of its trace, exactly as ``POST /runs/query`` does.
        """
        threads = rule.get("group_by") == "thread_id"
        found: list[dict] = []
        cursor = None
        while True:
            page, cursor = runs_store.query_runs(
                self.db,
                run_ids=run_ids,
                session_ids=[rule["session_id"]],
                is_root=True if threads else None,
                filter=rule.get("filter") or None,
                trace_filter=rule.get("trace_filter") or None,
                tree_filter=rule.get("tree_filter") or None,
                select=list(_RUN_FIELDS),
                order="asc",
                cursor=cursor,
            )
            found += [r for r in page if r["end_time"] and (r["thread_id"] or not threads)]
            if cursor is None:
                return found

    def _consider(self, rule: dict, run_ids: list[str]) -> None:
        rate = float(rule.get("sampling_rate", 1.0))
        for start in range(0, len(run_ids), 400):
            matching = self._matching(rule, run_ids[start : start + 400])
            if rule.get("group_by") == "thread_id":
                idle = thread_idle_seconds(self.db, rule)
                with self.db.write() as conn:
                    for run in matching:
                        if sampled(run["thread_id"], rate):
                            self._touch_thread(conn, rule, run, idle)
            else:
                for run in matching:
                    if sampled(run["id"], rate):
                        self._apply_to_run(rule, run)

    # ------------------------------------------------------------------------------------- run rules

    def _apply_to_run(self, rule: dict, run: dict) -> None:
        target = f"run:{run['id']}"
        if self._applied(rule["id"], target):
            return
        try:
            entries = self._judge(rule, self._run_variables(run))
            self._commit(rule, target, run["id"], entries, source={"run_id": run["id"]})
        except Exception as error:  # noqa: BLE001 - a failing judge or action must not stop other runs
            self._record_error(rule, target, run["id"], error)

    def _run_variables(self, run: dict) -> dict:
        from techhub.evaluators.threads import thread_human_ai_pairs

        inputs, outputs = run["inputs"], run["outputs"]
        return {
            "input": json.dumps(inputs, ensure_ascii=False),
            "output": json.dumps(outputs, ensure_ascii=False),
            "inputs": inputs,
            "outputs": outputs,
            "human_ai_pairs": thread_human_ai_pairs([(inputs, outputs)]),
        }

    # ---------------------------------------------------------------------------------- thread rules

    @staticmethod
    def _touch_thread(conn: sqlite3.Connection, rule: dict, run: dict, idle: float) -> None:
        """Record activity in a thread: due ``idle`` seconds after its latest finished root run.

        A root run newer than the one last judged reopens the thread (state back to pending).
        """
        activity = max(_epoch(run["end_time"]), _epoch(run["start_time"]))
        row = conn.execute(
            "SELECT * FROM rule_threads WHERE rule_id = ? AND thread_id = ?", (rule["id"], run["thread_id"])
        ).fetchone()
        if row is None:
            conn.execute(
                "INSERT INTO rule_threads (rule_id, thread_id, last_run_id, last_run_start, last_activity,"
                " due_at, state) VALUES (?,?,?,?,?,?, 'pending')",
                (rule["id"], run["thread_id"], run["id"], run["start_time"], activity, activity + idle),
            )
            return
        newer = (run["start_time"], run["id"]) > (row["last_run_start"], row["last_run_id"])
        last_id = run["id"] if newer else row["last_run_id"]
        last_start = run["start_time"] if newer else row["last_run_start"]
        last_activity = max(row["last_activity"], activity)
        reopened = last_id != row["evaluated_run_id"]
        conn.execute(
            "UPDATE rule_threads SET last_run_id = ?, last_run_start = ?, last_activity = ?, due_at = ?,"
            " state = ? WHERE rule_id = ? AND thread_id = ?",
            (
                last_id,
                last_start,
                last_activity,
                last_activity + idle,
                "pending" if reopened else row["state"],
                rule["id"],
                run["thread_id"],
            ),
        )

    def _evaluate_due_threads(self, rule: dict) -> int:
        """Judge the threads whose idle time is over: the judge calls run in parallel (a live model
        is slow to answer), reads and commits stay on the engine thread."""
        now = self.clock()
        due = (
            self.db.read()
            .execute(
                "SELECT * FROM rule_threads WHERE rule_id = ? AND state = 'pending' AND due_at <= ?"
                " ORDER BY due_at, thread_id LIMIT ?",
                (rule["id"], now, self.batch_size),
            )
            .fetchall()
        )
        jobs = [job for thread in due if (job := self._prepare_thread(rule, thread)) is not None]
        if self._judges is None:
            self._judges = ThreadPoolExecutor(self.judge_workers, thread_name_prefix="localsmith-judge")
        verdicts = self._judges.map(lambda job: self._judge_safely(rule, {"human_ai_pairs": job[2]}), jobs)
        for (thread, target, _), (judged, error) in zip(jobs, verdicts, strict=True):
            if self._stop.is_set():
                break
            try:
                if error is not None:
                    raise error
                committed = self._commit(
                    rule,
                    target,
                    thread["last_run_id"],
                    judged,
                    source={"thread_id": thread["thread_id"]},
                    thread=thread,
                )
            except Exception as failure:  # noqa: BLE001 - one bad thread must not stop the others
                self._record_error(rule, target, thread["last_run_id"], failure, thread=thread)
                continue
            if committed:
                self.counts["threads_evaluated"] += 1
        return len(due)

    def _prepare_thread(self, rule: dict, thread: sqlite3.Row) -> tuple[sqlite3.Row, str, str] | None:
        """``(thread, application key, human_ai_pairs)``, or None when there is nothing to judge."""
        from techhub.evaluators.threads import thread_human_ai_pairs

        target = f"thread:{thread['thread_id']}:{thread['last_run_id']}"
        if self._applied(rule["id"], target):
            self._mark_thread(rule, thread, "done", None)
            return None
        try:
            roots = self._thread_root_runs(rule, thread["thread_id"])
            pairs = thread_human_ai_pairs([(r["inputs"], r["outputs"]) for r in roots])
            if not pairs and rule.get("evaluators"):  # a rule with actions only needs nothing to judge
                raise ValueError(f"thread {thread['thread_id']} has no human or AI text to judge")
        except Exception as error:  # noqa: BLE001 - one unreadable thread must not stop the others
            self._record_error(rule, target, thread["last_run_id"], error, thread=thread)
            return None
        return thread, target, pairs

    def _judge_safely(self, rule: dict, variables: dict) -> tuple[list, Exception | None]:
        try:
            return self._judge(rule, variables), None
        except Exception as error:  # noqa: BLE001 - reported by the caller, per thread
            return [], error

    def _thread_root_runs(self, rule: dict, thread_id: str) -> list[dict]:
        """The thread's finished root runs, oldest first."""
        runs: list[dict] = []
        cursor = None
        while True:
            page, cursor = runs_store.query_runs(
                self.db,
                thread_id=thread_id,
                session_ids=[rule["session_id"]],
                is_root=True,
                select=list(_RUN_FIELDS),
                order="asc",
                cursor=cursor,
            )
            runs += [run for run in page if run["end_time"]]
            if cursor is None:
                return runs

    def _mark_thread(self, rule: dict, thread: sqlite3.Row, state: str, error: str | None) -> None:
        with self.db.write() as conn:
            conn.execute(
                "UPDATE rule_threads SET state = ?, evaluated_run_id = ?, error = ?"
                " WHERE rule_id = ? AND thread_id = ? AND last_run_id = ?",
                (state, thread["last_run_id"], error, rule["id"], thread["thread_id"], thread["last_run_id"]),
            )

    # -------------------------------------------------------------------------------------- effects

    def _judge(self, rule: dict, variables: dict) -> list[tuple[dict, list[dict]]]:
        """Each structured evaluator's feedback entries: ``[(evaluator, entries), ...]``."""
        results = []
        for spec in rule.get("evaluators") or []:
            structured = spec["structured"]
            mapping = structured.get("variable_mapping") or {}
            values = dict(variables)
            for name, source in mapping.items():
                if source in variables:
                    values[name] = variables[source]
            prompt = [list(message) for message in structured["prompt"]]
            answer = self.judge(prompt, structured["schema"], values, _model_name(structured.get("model")))
            results.append((structured, verdict_feedback(structured["schema"], answer)))
        return results

    def _applied(self, rule_id: str, target: str) -> bool:
        return (
            self.db.read()
            .execute("SELECT 1 FROM rule_applications WHERE rule_id = ? AND target = ?", (rule_id, target))
            .fetchone()
            is not None
        )

    def _commit(
        self,
        rule: dict,
        target: str,
        run_id: str,
        judged: list[tuple[dict, list[dict]]],
        *,
        source: dict,
        thread: sqlite3.Row | None = None,
    ) -> bool:
        """Write feedback, queue item, dataset example and application in one transaction; False if
        already applied. Any failure (an unknown queue or dataset, an example too deep to store)
        writes nothing: the caller records it as the rule's error on this run or thread."""
        example = self._dataset_example(rule, run_id)
        with self.db.write() as conn:
            if thread is not None:
                current = conn.execute(
                    "SELECT last_run_id FROM rule_threads WHERE rule_id = ? AND thread_id = ?",
                    (rule["id"], thread["thread_id"]),
                ).fetchone()
                if current is None or current["last_run_id"] != thread["last_run_id"]:
                    return False  # the thread moved on while the judge was thinking: evaluate again later
            inserted = conn.execute(
                "INSERT INTO rule_applications (rule_id, target, run_id, outcome, applied_at)"
                " VALUES (?,?,?,?,?) ON CONFLICT DO NOTHING",
                (rule["id"], target, run_id, "ok", _now_text()),
            ).rowcount
            if not inserted:
                return False
            feedback_ids = self._write_feedback(conn, rule, run_id, judged, source, thread)
            if rule.get("add_to_annotation_queue_id"):
                add_item(conn, rule["add_to_annotation_queue_id"], ItemSpec(run_id=uuid.UUID(run_id)))
            if example is not None:
                insert_examples(conn, rule["add_to_dataset_id"], [example])
            if thread is not None:
                conn.execute(
                    "UPDATE rule_threads SET state = 'done', evaluated_run_id = ?, feedback_id = ?,"
                    " error = NULL WHERE rule_id = ? AND thread_id = ?",
                    (run_id, json.dumps(feedback_ids), rule["id"], thread["thread_id"]),
                )
        self.counts["applications"] += 1
        return True

    def _write_feedback(
        self,
        conn: sqlite3.Connection,
        rule: dict,
        run_id: str,
        judged: list,
        source: dict,
        thread: sqlite3.Row | None,
    ) -> list[str]:
        if thread is not None and thread["feedback_id"]:
            # The thread was judged before a new message reopened it: the new verdict replaces the old.
            old = json.loads(thread["feedback_id"])
            if old:
                conn.execute(f"DELETE FROM feedback WHERE id IN ({','.join('?' * len(old))})", old)
        bodies = []
        for _structured, entries in judged:
            for entry in entries:
                bodies.append(
                    {
                        "id": str(uuid.uuid5(_ID_NAMESPACE, f"{rule['id']}:{run_id}:{entry['key']}")),
                        "run_id": run_id,
                        "key": entry["key"],
                        "score": entry.get("score"),
                        "value": entry.get("value"),
                        "comment": entry.get("comment"),
                        "feedback_source": {
                            "type": "model",
                            "metadata": {"rule_id": rule["id"], "rule_name": rule["display_name"], **source},
                        },
                    }
                )
        return feedback_store.insert_feedback(conn, bodies) if bodies else []

    def _dataset_example(self, rule: dict, run_id: str) -> dict | None:
        """The example an ``add_to_dataset`` rule adds for ``run_id`` (id derived from rule and run)."""
        if not rule.get("add_to_dataset_id"):
            return None
        run = runs_store.read_run(self.db, run_id)
        outputs = run["outputs"]
        if rule.get("add_to_dataset_prefer_correction"):
            corrections = [
                f
                for f in feedback_store.list_feedback(self.db, run_ids=[run_id], limit=1000)
                if f["correction"]
            ]
            if corrections:
                outputs = max(corrections, key=lambda f: (f["modified_at"], f["id"]))["correction"]
        return {
            "id": str(uuid.uuid5(_ID_NAMESPACE, f"example:{rule['id']}:{run_id}")),
            "inputs": run["inputs"] or {},
            "outputs": outputs,
            "source_run_id": run_id,
            "metadata": {"source_run_id": run_id, "rule_id": rule["id"]},
        }

    def _record_error(
        self, rule: dict, target: str, run_id: str, error: Exception, *, thread: sqlite3.Row | None = None
    ) -> None:
        message = f"{type(error).__name__}: {error}"
        log.warning("rule %s on %s failed: %s", rule["display_name"], target, message)
        self.counts["errors"] += 1
        self.last_error = message
        if thread is not None:
            self._mark_thread(rule, thread, "error", message)
        else:
            with self.db.write() as conn:
                conn.execute(
                    "INSERT INTO rule_applications (rule_id, target, run_id, outcome, applied_at)"
                    " VALUES (?,?,?,?,?) ON CONFLICT DO NOTHING",
                    (rule["id"], target, run_id, f"error: {message}", _now_text()),
                )

    # --------------------------------------------------------------------------------------- status

    def status(self) -> dict:
        """What is left to do, per rule and in total (``caught_up`` when nothing is)."""
        now = self.clock()
        conn = self.db.read()
        latest = conn.execute("SELECT coalesce(max(seq), 0) FROM rule_events").fetchone()[0]
        rules = []
        for rule in enabled_rules(self.db):
            cursor = conn.execute("SELECT * FROM rule_cursors WHERE rule_id = ?", (rule["id"],)).fetchone()
            unseen = conn.execute(
                "SELECT count(*) FROM rule_events WHERE seq > ?", (cursor["seq"] if cursor else latest,)
            ).fetchone()[0]
            if cursor is not None and not cursor["backfilled"]:
                unseen += 1
            pending = conn.execute(
                "SELECT thread_id, due_at FROM rule_threads WHERE rule_id = ? AND state = 'pending'"
                " ORDER BY due_at, thread_id",
                (rule["id"],),
            ).fetchall()
            applied = conn.execute(
                "SELECT count(*) FROM rule_applications WHERE rule_id = ?", (rule["id"],)
            ).fetchone()[0]
            failed = conn.execute(
                "SELECT count(*) FROM rule_threads WHERE rule_id = ? AND state = 'error'", (rule["id"],)
            ).fetchone()[0]
            failure = self._failure(rule)
            rules.append(
                {
                    "id": rule["id"],
                    "display_name": rule["display_name"],
                    "unseen_events": unseen,
                    "pending_thread_count": len(pending),
                    "pending_threads": [
                        {"thread_id": p["thread_id"], "due_in_seconds": round(max(0.0, p["due_at"] - now), 3)}
                        for p in pending[:20]
                    ],
                    "applications": applied,
                    "failed_threads": failed,
                    "error": failure.error if failure else None,
                    "failing_passes": failure.count if failure else 0,
                    "stuck": self.stuck(rule),
                }
            )
        dues = [p["due_in_seconds"] for r in rules for p in r["pending_threads"]]
        return {
            "running": self._thread is not None and self._thread.is_alive(),
            "caught_up": all(
                r["stuck"] or (not r["unseen_events"] and not r["pending_thread_count"]) for r in rules
            ),
            "pending_threads": sum(r["pending_thread_count"] for r in rules),
            "next_due_in_seconds": min(dues) if dues else None,
            "rules": rules,
            "counts": dict(self.counts),
            "last_error": self.last_error,
        }


def _mentions_feedback(rule: dict) -> bool:
    """Whether a rule's filters read feedback (then feedback changes re-trigger it)."""
    return any("feedback_" in (rule.get(field) or "") for field in ("filter", "trace_filter", "tree_filter"))


@asynccontextmanager
async def engine_lifespan(app: Any) -> AsyncIterator[None]:
    """FastAPI lifespan: run the engine over ``app.state.db`` while the server is up."""
    engine = app.state.rule_engine = RuleEngine(app.state.db)
    engine.start()
    try:
        yield
    finally:
        engine.stop()
