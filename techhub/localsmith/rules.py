"""Run rules: online evaluators and automations, stored and validated with LangSmith's field names.

A rule watches one tracing project (``session_id``) or dataset (``dataset_id``) and, for each finished
run that passes its filters and its sampling rate, runs its ``evaluators`` (LLM-as-judge, writing
feedback) and its actions (add to an annotation queue, add to a dataset). With
``group_by="thread_id"`` (or ``"THREAD_ID"``, as the SDK's types spell it; a rule keeps the casing
it was given) it acts once per conversation thread, after the thread has been idle.
This module only stores rules; :mod:`techhub.localsmith.rule_engine` applies them, on every pass, so
a rule is checked in full when it is stored: each filter is compiled and prepared by SQLite with its
values bound, and ``backfill_from`` must be a time in UTC's range (it is stored in UTC).

Rules on a dataset (``dataset_id``, LangSmith's evaluators of experiments) are stored and listed but
not run here: the course runs its offline evaluations with ``evaluate()``. Fields LangSmith has but
the local engine does not act on (``code_evaluators, alerts, webhooks,
use_corrections_dataset, num_few_shot_examples, extend_only, transient, thread_filter``) are stored
and returned so that a rule round-trips unchanged.

Our one extension: ``thread_idle_seconds``, how long a thread must be quiet before a thread rule
evaluates it (LangSmith sets this in its UI). When it is null, the project's
``extra.metadata.thread_idle_seconds`` applies, then ``TECHHUB_THREAD_IDLE_SECONDS``, then 60 s.
"""

from __future__ import annotations

import json
import os
import sqlite3
import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from techhub.localsmith import feedback as _feedback  # noqa: F401 - its tables must exist before our triggers
from techhub.localsmith import runs as _runs  # noqa: F401
from techhub.localsmith.exceptions import BadRequest, NotFound
from techhub.localsmith.filters import filter_sql
from techhub.localsmith.ids import as_uuid
from techhub.localsmith.projects import TENANT_ID
from techhub.localsmith.projects import find_project as _find_project
from techhub.localsmith.queues import find_dataset, now_iso, parse_model, queue_exists, queue_name
from techhub.localsmith.store import Database, register_schema
from techhub.localsmith.times import parse_time
from techhub.localsmith.values import check_depth, json_text

# Every write that can make a run newly match a rule (a run posted, a run finishing, feedback given)
# appends an event; the engine reads events in order, each rule from its own cursor. The cursor is set
# when the rule is created, so the rule sees exactly the runs written after it. (Triggers, because
# the runs and feedback modules need not know that rules exist.)
register_schema(
    """
CREATE TABLE IF NOT EXISTS run_rules (
    id TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS rule_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    run_id TEXT
);
CREATE TRIGGER IF NOT EXISTS rule_events_run_insert AFTER INSERT ON runs
BEGIN INSERT INTO rule_events (kind, run_id) VALUES ('run', NEW.id); END;
CREATE TRIGGER IF NOT EXISTS rule_events_run_update AFTER UPDATE OF end_time ON runs
BEGIN INSERT INTO rule_events (kind, run_id) VALUES ('run', NEW.id); END;
CREATE TRIGGER IF NOT EXISTS rule_events_feedback_insert AFTER INSERT ON feedback WHEN NEW.run_id IS NOT NULL
BEGIN INSERT INTO rule_events (kind, run_id) VALUES ('feedback', NEW.run_id); END;
CREATE TRIGGER IF NOT EXISTS rule_events_feedback_update AFTER UPDATE ON feedback WHEN NEW.run_id IS NOT NULL
BEGIN INSERT INTO rule_events (kind, run_id) VALUES ('feedback', NEW.run_id); END;
CREATE TABLE IF NOT EXISTS rule_cursors (
    rule_id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    backfilled INTEGER NOT NULL DEFAULT 1
);
"""
)

DEFAULT_THREAD_IDLE_SECONDS = 60.0
_FLAGS = ("extend_only", "include_extended_stats", "transient", "use_corrections_dataset")
IDLE_ENV = "TECHHUB_THREAD_IDLE_SECONDS"


def find_project(db: Database, project_id: str) -> dict | None:
    return _find_project(db, project_id=project_id)


def project_metadata(db: Database, project_id: str) -> dict:
    """The project's ``extra.metadata`` (where a per-project ``thread_idle_seconds`` may live)."""
    project = find_project(db, project_id) or {}
    metadata = (project.get("extra") or {}).get("metadata")
    return metadata if isinstance(metadata, dict) else {}


# Each filter is checked where the engine applies it (``runs.FILTER_SCOPES``). ``thread_filter`` is
# only stored; it is checked as a filter on the run.
_FILTER_SCOPES = {**_runs.FILTER_SCOPES, "thread_filter": _runs.FILTER_SCOPES["filter"]}


def check_filter(db: Database, expression: str, field: str = "filter") -> None:
    """Parse and compile a filter, then have SQLite prepare it with its values bound.

    Compiling catches type errors such as ``gt(name, 1)``; preparing (``EXPLAIN``: nothing is read)
    catches what only SQLite refuses, such as a value it cannot bind or an expression too deep for
    it. A rule is checked once, here, because the engine applies it on every pass: a filter that
    fails there would fail forever. Raises :class:`BadRequest` naming ``field``.
    """
    alias, scope = _FILTER_SCOPES[field]
    try:
        sql, params = filter_sql(expression, alias)
        db.read().execute(f"EXPLAIN SELECT r.id FROM runs r WHERE {scope.format(sql)}", params)
    except RecursionError:
        raise BadRequest(f"{field}: invalid filter: nested too deeply") from None
    except BadRequest as error:
        why = error.message.removeprefix("invalid filter: ")
        raise BadRequest(f"{field}: invalid filter {expression!r}: {why}") from None
    except (sqlite3.Error, OverflowError, ValueError) as error:  # ValueError: UnicodeEncodeError
        raise BadRequest(f"{field}: invalid filter {expression!r}: {error}") from None


def check_backfill_from(value: datetime | None) -> datetime | None:
    """``backfill_from`` in UTC; a time outside the range of a timestamp once in UTC is a 400.

    (``0001-01-01T00:00:00+05:00`` is a valid ISO string but no UTC time: the engine could never
    compare runs with it.)
    """
    if value is None:
        return None
    moment = parse_time(value.isoformat(), "backfill_from")
    return moment.replace(tzinfo=UTC) if moment is not None else None


MAX_IDLE_SECONDS = 7 * 24 * 3600  # a conversation quiet for a week is over; more is a mistake


class StructuredEvaluator(BaseModel):
    """An LLM-as-judge: a mustache prompt, a JSON schema for the answer, the model to ask."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    prompt: list[list[str]] = Field(min_length=1)
    json_schema: dict[str, Any] = Field(alias="schema")
    model: dict[str, Any] | str | None = None
    variable_mapping: dict[str, str] | None = None
    template_format: Literal["mustache", "f-string"] | None = "mustache"
    include_reasoning: bool | None = None
    hub_ref: str | None = None
    playground_settings_id: str | None = None


class EvaluatorSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    structured: StructuredEvaluator


class RuleFields(BaseModel):
    """The body of ``POST /runs/rules`` (and, all fields optional, of ``PATCH``)."""

    model_config = ConfigDict(extra="forbid")
    display_name: str | None = Field(default=None, min_length=1)
    session_id: uuid.UUID | None = None
    dataset_id: uuid.UUID | None = None
    is_enabled: bool = True
    sampling_rate: float = Field(default=1.0, ge=0.0, le=1.0, allow_inf_nan=False)
    filter: str | None = None
    trace_filter: str | None = None
    tree_filter: str | None = None
    thread_filter: str | None = None
    # The REST API's casing, and the one the SDK's types use (``langsmith.types.rule.Rule``).
    group_by: Literal["thread_id", "THREAD_ID"] | None = None
    evaluators: list[EvaluatorSpec] | None = None
    add_to_annotation_queue_id: uuid.UUID | None = None
    add_to_dataset_id: uuid.UUID | None = None
    add_to_dataset_prefer_correction: bool = False
    backfill_from: datetime | None = None
    thread_idle_seconds: float | None = Field(default=None, gt=0, le=MAX_IDLE_SECONDS, allow_inf_nan=False)
    # Stored, returned, not acted on by the local engine.
    code_evaluators: list[dict[str, Any]] | None = None
    alerts: list[dict[str, Any]] | None = None
    webhooks: list[dict[str, Any]] | None = None
    use_corrections_dataset: bool | None = None
    num_few_shot_examples: int | None = Field(default=None, ge=0)
    extend_only: bool | None = None
    transient: bool | None = None
    include_extended_stats: bool | None = None


def _validate(db: Database, rule: RuleFields) -> RuleFields:
    """Cross-field and reference checks; each error names the field. Returns the rule to store
    (``backfill_from`` in UTC)."""
    if not rule.display_name:
        raise BadRequest("display_name: field required")
    if (rule.session_id is None) == (rule.dataset_id is None):
        raise BadRequest(
            "session_id / dataset_id: give exactly one (the project or dataset the rule watches)"
        )
    if rule.session_id is not None and find_project(db, str(rule.session_id)) is None:
        raise NotFound(f"session_id: project {rule.session_id} not found")
    for field in ("dataset_id", "add_to_dataset_id"):
        value = getattr(rule, field)
        if value is not None and find_dataset(db, str(value)) is None:
            raise NotFound(f"{field}: dataset {value} not found")
    if rule.add_to_annotation_queue_id is not None and not queue_exists(
        db, str(rule.add_to_annotation_queue_id)
    ):
        raise NotFound(
            f"add_to_annotation_queue_id: annotation queue {rule.add_to_annotation_queue_id} not found"
        )
    for field in _FILTER_SCOPES:
        expression = getattr(rule, field)
        if expression is not None and expression.strip():
            check_filter(db, expression, field)
    for index, evaluator in enumerate(rule.evaluators or []):
        schema = evaluator.structured.json_schema
        if not isinstance(schema.get("properties"), dict) or not schema["properties"]:
            raise BadRequest(f"evaluators[{index}].structured.schema: needs a non-empty 'properties' object")
        for position, message in enumerate(evaluator.structured.prompt):
            if len(message) != 2:
                raise BadRequest(
                    f"evaluators[{index}].structured.prompt[{position}]: expected [role, template]"
                )
    if rule.add_to_dataset_prefer_correction and rule.add_to_dataset_id is None:
        raise BadRequest("add_to_dataset_prefer_correction: needs add_to_dataset_id")
    has_action = rule.evaluators or rule.add_to_annotation_queue_id or rule.add_to_dataset_id
    if not (has_action or rule.code_evaluators or rule.webhooks or rule.alerts):
        raise BadRequest(
            "evaluators / add_to_annotation_queue_id / add_to_dataset_id: a rule needs an action"
        )
    return rule.model_copy(update={"backfill_from": check_backfill_from(rule.backfill_from)})


def _stored(rule: RuleFields) -> dict:
    return json.loads(rule.model_dump_json(by_alias=True))


def rule_v2(rule: dict) -> dict:
    """A rule as ``GET /api/v2/runs/rules`` lists it (``langsmith.types.rule.Rule``): the project as
    ``project_id`` / ``project_name`` too, ``group_by`` in upper case."""
    group_by = rule.get("group_by")
    return {**rule, "project_id": rule.get("session_id"), "project_name": rule.get("session_name"),
            "group_by": group_by.upper() if group_by else None}


def rule_dict(db: Database, row: sqlite3.Row) -> dict:
    """A rule as LangSmith returns it (its ``Evaluator`` schema), names of linked objects included."""
    body = json.loads(row["body"])
    project = find_project(db, body["session_id"]) if body.get("session_id") else None
    queue_id = body.get("add_to_annotation_queue_id")
    target = find_dataset(db, body["add_to_dataset_id"]) if body.get("add_to_dataset_id") else None
    source = find_dataset(db, body["dataset_id"]) if body.get("dataset_id") else None
    return {
        "id": row["id"],
        "tenant_id": TENANT_ID,
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "evaluator_version": row["version"],
        **body,
        "session_name": project["name"] if project else None,
        "add_to_annotation_queue_name": queue_name(db, queue_id) if queue_id else None,
        "add_to_dataset_name": target["name"] if target else None,
        "dataset_name": source["name"] if source else None,
        # LangSmith's booleans, never null in its responses (the generated client requires them).
        **{flag: bool(body.get(flag)) for flag in _FLAGS},
        "is_managed_evaluator": False,
        "is_tracing_disabled": False,
    }


def create_rule(db: Database, body: Any) -> dict:
    """Validate and store a rule; it applies to runs that finish from now on (or since ``backfill_from``)."""
    check_depth(body, "rule")
    rule: RuleFields = _validate(db, parse_model(RuleFields, body, "rule"))
    rule_id = str(uuid.uuid4())
    stamp = now_iso()
    with db.write() as conn:
        conn.execute(
            "INSERT INTO run_rules (id, body, created_at, updated_at) VALUES (?,?,?,?)",
            (rule_id, json_text(_stored(rule), "rule"), stamp, stamp),
        )
        conn.execute(
            "INSERT INTO rule_cursors (rule_id, seq, backfilled)"
            " SELECT ?, coalesce(max(seq), 0), ? FROM rule_events",
            (rule_id, int(rule.backfill_from is None)),
        )
    return get_rule(db, rule_id)


def _row(db: Database, rule_id: str) -> sqlite3.Row:
    row = db.read().execute("SELECT * FROM run_rules WHERE id = ?", (as_uuid(rule_id, "rule id"),)).fetchone()
    if row is None:
        raise NotFound(f"rule {rule_id} not found")
    return row


def get_rule(db: Database, rule_id: str) -> dict:
    return rule_dict(db, _row(db, rule_id))


def list_rules(
    db: Database,
    *,
    session_id: str | None = None,
    dataset_id: str | None = None,
    ids: list[str] | None = None,
    name_contains: str | None = None,
    type: str | None = None,  # noqa: A002 - LangSmith's query parameter
) -> list[dict]:
    """Rules, oldest first, filtered like ``GET /runs/rules``."""
    rules = [
        rule_dict(db, row) for row in db.read().execute("SELECT * FROM run_rules ORDER BY created_at, id")
    ]
    if session_id:
        rules = [r for r in rules if r.get("session_id") == str(session_id)]
    if dataset_id:
        rules = [r for r in rules if r.get("dataset_id") == str(dataset_id)]
    if ids:
        wanted = {str(i) for i in ids}
        rules = [r for r in rules if r["id"] in wanted]
    if name_contains:
        rules = [r for r in rules if name_contains.lower() in r["display_name"].lower()]
    if type in ("session", "PROJECT"):
        rules = [r for r in rules if r.get("session_id")]
    elif type in ("dataset", "DATASET"):
        rules = [r for r in rules if r.get("dataset_id")]
    return rules


def update_rule(db: Database, rule_id: str, body: Any) -> dict:
    """Apply the fields given to the stored rule and validate the result as a whole."""
    row = _row(db, rule_id)
    if not isinstance(body, dict):
        raise BadRequest(f"rule update must be a JSON object, got {type(body).__name__}")
    check_depth(body, "rule update")
    parse_model(RuleFields, body, "rule update")  # names unknown or ill-typed fields
    stored = json.loads(row["body"])
    merged: RuleFields = _validate(db, parse_model(RuleFields, {**stored, **body}, "rule"))
    with db.write() as conn:
        conn.execute(
            "UPDATE run_rules SET body = ?, updated_at = ?, version = version + 1 WHERE id = ?",
            (json_text(_stored(merged), "rule"), now_iso(), str(rule_id)),
        )
        if merged.is_enabled and not stored.get("is_enabled", True):
            # Re-enabled: like a new rule, it acts on what is written from now on.
            conn.execute(
                "UPDATE rule_cursors SET seq = (SELECT coalesce(max(seq), 0) FROM rule_events)"
                " WHERE rule_id = ?",
                (str(rule_id),),
            )
    return get_rule(db, rule_id)


def delete_rule(db: Database, rule_id: str) -> None:
    _row(db, rule_id)
    with db.write() as conn:
        conn.execute("DELETE FROM run_rules WHERE id = ?", (str(rule_id),))
        conn.execute("DELETE FROM rule_cursors WHERE rule_id = ?", (str(rule_id),))


def enabled_rules(db: Database) -> list[dict]:
    """The rules the engine should apply, as stored (plus ``id``, ``created_at`` and ``version``,
    which every change of the rule increments)."""
    rows = db.read().execute("SELECT * FROM run_rules ORDER BY created_at, id").fetchall()
    rules = []
    for row in rows:
        body = json.loads(row["body"])
        if body.get("is_enabled", True) and body.get("session_id"):
            group_by = (body.get("group_by") or "").lower() or None  # the engine reads one casing
            rules.append({**body, "id": row["id"], "created_at": row["created_at"],
                          "version": row["version"], "group_by": group_by})
    return rules


def server_idle_seconds() -> float:
    """The server-wide default thread idle time (``TECHHUB_THREAD_IDLE_SECONDS``, else 60 s)."""
    raw = os.environ.get(IDLE_ENV, "").strip()
    if not raw:
        return DEFAULT_THREAD_IDLE_SECONDS
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{IDLE_ENV} must be a number of seconds, got {raw!r}") from None
    if value < 0:
        raise ValueError(f"{IDLE_ENV} must be >= 0, got {value}")
    return value


def thread_idle_seconds(db: Database, rule: dict) -> float:
    """How long a thread must be idle before this rule evaluates it: rule, then project, then server."""
    if rule.get("thread_idle_seconds") is not None:
        return float(rule["thread_idle_seconds"])
    value = project_metadata(db, rule["session_id"]).get("thread_idle_seconds")
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= MAX_IDLE_SECONDS:
        return float(value)
    return server_idle_seconds()
