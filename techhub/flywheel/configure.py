"""Set up the flywheel through the API: the online evaluator, the review queue, the automation.

What the workshop does by clicking in LangSmith's UI, done with the ``langsmith`` Client, idempotently
(each function finds what an earlier call created and brings it up to date instead of adding a
copy). Rules (online evaluators and automations) are listed with the SDK
(``evaluators.list_v2`` of its generated client, :func:`list_rules`). The SDK has no call that
creates one with an inline judge prompt (``online_evaluators.create`` takes a prompt from the Hub),
so creating and updating a rule goes through the REST API LangSmith's UI uses
(``POST`` / ``PATCH /api/v1/runs/rules``) with ``client.request_with_retries``: the same call works
against LangSmith cloud and against the local server.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from langsmith import Client
from langsmith.types import Rule

from techhub import smith
from techhub.config import ROOT_RUN_NAME, TRACING_PROJECT
from techhub.evaluators.prompts import SENTIMENT_EVALUATOR_NAME, SENTIMENT_FEEDBACK_KEY
from techhub.evaluators.sentiment import sentiment_evaluator_config
from techhub.golden import GOLDEN_DATASET, ensure_golden_dataset  # noqa: F401 (GOLDEN_DATASET re-exported)

QUEUE_NAME = "Techhub Workshop Continuous Improvement"
QUEUE_DESCRIPTION = "Human review on production traces for techhub workshop"
QUEUE_INSTRUCTIONS = (
    "Review traces flagged for negative sentiment. Validate failures, assign feedback, "
    "and add them to our golden dataset."
)
RUBRIC_ITEMS = [
    {"feedback_key": "correctness", "description": "Is the agent's answer correct? 1 = correct, 0 = wrong."},
    {"feedback_key": SENTIMENT_FEEDBACK_KEY, "description": "User sentiment from a multi-turn interaction"},
]
AUTOMATION_NAME = "Annotate traces with negative sentiment"

SENTIMENT_FILTER = f'and(eq(status, "success"), eq(name, "{ROOT_RUN_NAME}"))'
NEGATIVE_SENTIMENT_FILTER = (
    f'and(eq(name, "{ROOT_RUN_NAME}"), eq(feedback_key, "{SENTIMENT_FEEDBACK_KEY}"), '
    'eq(feedback_value, "negative"))'
)

RULES_PATH = "/api/v1/runs/rules"
QUEUES_PATH = "/api/v1/annotation-queues"


def is_local_server(client: Client) -> bool:
    """True when ``client`` talks to a server on this machine (the local LangSmith stand-in)."""
    return (urlsplit(client.api_url).hostname or "") in {"127.0.0.1", "localhost", "::1"}


def _json(client: Client, method: str, path: str, **kwargs: Any) -> Any:
    response = client.request_with_retries(method, path, **kwargs)
    return response.json() if response.content else None


def ensure_project(client: Client, project_name: str) -> str:
    """The id of the tracing project ``project_name``, created if it has no traces yet."""
    if client.has_project(project_name):
        return str(client.read_project(project_name=project_name).id)
    return str(client.create_project(project_name, description="Production traces of the TechHub agent").id)


def list_rules(
    client: Client, *, session_id: str | None = None, name_contains: str | None = None
) -> list[Rule]:
    """Rules (online evaluators and automations), of one project when ``session_id`` is given
    (``evaluators.list_v2``, every page)."""
    filters = {k: v for k, v in {"project_id": session_id, "name_contains": name_contains}.items() if v}
    return list(smith.api_for(client).evaluators.list_v2(**filters))


def upsert_rule(client: Client, body: dict) -> dict:
    """Create the rule, or update the one with the same ``display_name`` on the same project."""
    existing = [
        rule
        for rule in list_rules(client, session_id=body.get("session_id"))
        if rule.display_name == body["display_name"]
    ]
    if existing:
        return _json(client, "PATCH", f"{RULES_PATH}/{existing[0].id}", json=body)
    return _json(client, "POST", RULES_PATH, json=body)


def user_sentiment_rule(
    client: Client,
    project_name: str = TRACING_PROJECT,
    idle_seconds: float | None = None,
    sampling_rate: float = 1.0,
    model: str | None = None,
) -> dict:
    """The request body that creates the ``User Sentiment`` online evaluator (what LangSmith's UI sends).

    A thread-level rule (``group_by="thread_id"``) on successful ``supervisor_hitl_sql_agent`` root
    runs, with the workshop's prompt and a categorical ``user_sentiment`` (positive / negative) answer
    with reasoning. ``idle_seconds``: how long a thread must be quiet before it is judged. The local
    server reads it from the rule (``thread_idle_seconds``, its extension); ``None`` leaves it to the
    server: ``TECHHUB_THREAD_IDLE_SECONDS``, else 60 s, the workshop's "1 minute". In live mode the
    rule schema has no field for it: ``idle_seconds`` is not sent, and the thread idle time is set in
    LangSmith's UI.
    """
    body: dict[str, Any] = {
        "display_name": SENTIMENT_EVALUATOR_NAME,
        "session_id": ensure_project(client, project_name),
        "is_enabled": True,
        "sampling_rate": sampling_rate,
        "filter": SENTIMENT_FILTER,
        "group_by": "thread_id",
        "evaluators": [sentiment_evaluator_config(model)],
    }
    if is_local_server(client):
        body["thread_idle_seconds"] = idle_seconds  # None: back to the server's default
    return body


def create_user_sentiment_evaluator(
    client: Client,
    project_name: str = TRACING_PROJECT,
    idle_seconds: float | None = None,
    sampling_rate: float = 1.0,
    model: str | None = None,
) -> dict:
    """Create or update the ``User Sentiment`` online evaluator (:func:`user_sentiment_rule`)."""
    return upsert_rule(client, user_sentiment_rule(client, project_name, idle_seconds, sampling_rate, model))


def find_queue(client: Client, name: str = QUEUE_NAME) -> dict | None:
    """The annotation queue called ``name`` (with rubric and default dataset), or None."""
    queues = _json(client, "GET", QUEUES_PATH, params={"name": name, "limit": 1})
    if not queues:
        return None
    return _json(client, "GET", f"{QUEUES_PATH}/{queues[0]['id']}")


def create_review_queue(client: Client) -> dict:
    """The ``Techhub Workshop Continuous Improvement`` queue; reviewed examples go to the golden dataset
    (created with its examples if missing, :func:`techhub.golden.ensure_golden_dataset`)."""
    body = {
        "name": QUEUE_NAME,
        "description": QUEUE_DESCRIPTION,
        "rubric_instructions": QUEUE_INSTRUCTIONS,
        "rubric_items": RUBRIC_ITEMS,
        "default_dataset": str(ensure_golden_dataset(client).id),
    }
    queue = find_queue(client)
    if queue is None:
        created = _json(client, "POST", QUEUES_PATH, json=body)
        return _json(client, "GET", f"{QUEUES_PATH}/{created['id']}")
    _json(client, "PATCH", f"{QUEUES_PATH}/{queue['id']}", json=body)
    return _json(client, "GET", f"{QUEUES_PATH}/{queue['id']}")


def negative_sentiment_rule(
    client: Client, queue_id: str | None = None, project_name: str = TRACING_PROJECT
) -> dict:
    """The request body of ``Annotate traces with negative sentiment``: root runs the judge scored
    negative go to the review queue (by default the one :func:`create_review_queue` makes)."""
    if queue_id is None:
        queue = find_queue(client)
        if queue is None:
            raise LookupError(
                f"annotation queue {QUEUE_NAME!r} not found: call create_review_queue(client) first"
            )
        queue_id = queue["id"]
    return {
        "display_name": AUTOMATION_NAME,
        "session_id": ensure_project(client, project_name),
        "is_enabled": True,
        "sampling_rate": 1.0,
        "filter": NEGATIVE_SENTIMENT_FILTER,
        "add_to_annotation_queue_id": str(queue_id),
    }


def create_negative_sentiment_automation(
    client: Client, queue_id: str | None = None, project_name: str = TRACING_PROJECT
) -> dict:
    """Create or update the negative-sentiment automation (:func:`negative_sentiment_rule`)."""
    return upsert_rule(client, negative_sentiment_rule(client, queue_id, project_name))
