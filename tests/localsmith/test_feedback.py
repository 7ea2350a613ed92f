"""Feedback through the SDK: create (also before the run exists), read, list, update, delete,
categorical configs, sources, corrections, and ``feedback_stats`` on runs."""

from __future__ import annotations

import uuid

import httpx
import pytest
from langsmith.schemas import FeedbackSourceType
from langsmith.utils import LangSmithError, LangSmithNotFoundError

pytestmark = [
    pytest.mark.filterwarnings("ignore:.*is deprecated and will be removed:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Creating feedback for a run without session_id"),
]

SENTIMENT = {"type": "categorical", "categories": [{"value": 1, "label": "positive"},
                                                   {"value": 0, "label": "negative"}]}


def _post_run(http: httpx.Client, project: str, run_id: str | None = None) -> dict:
    run_id = run_id or str(uuid.uuid4())
    run = {"id": run_id, "trace_id": run_id, "dotted_order": f"20251120T100000000000Z{run_id}",
           "session_name": project, "name": "supervisor_hitl_sql_agent", "run_type": "chain",
           "start_time": "2025-11-20T10:00:00Z", "end_time": "2025-11-20T10:00:01Z"}
    assert http.post("/runs/batch", json={"post": [run]}).status_code == 202
    return run


def test_feedback_for_a_run_not_ingested_yet(http, ls_client, project_name):
    run_id = str(uuid.uuid4())
    feedback = ls_client.create_feedback(run_id, "user_sentiment", score=0, value="negative",
                                         comment="customer was upset", feedback_config=SENTIMENT)
    stored = ls_client.read_feedback(feedback.id)
    assert str(stored.run_id) == run_id and stored.session_id is None
    _post_run(http, project_name, run_id)
    stored = ls_client.read_feedback(feedback.id)
    project = ls_client.read_project(project_name=project_name)
    assert stored.session_id == project.id and str(stored.trace_id) == run_id  # learned from the run
    run = ls_client.read_run(run_id)
    assert run.feedback_stats == {"user_sentiment": {"n": 1, "avg": 0.0, "stdev": 0.0,
                                                     "values": {"negative": 1},
                                                     "comments": ["customer was upset"]}}


def test_read_list_update_delete(http, ls_client, project_name):
    run = _post_run(http, project_name)
    project = ls_client.read_project(project_name=project_name)
    human = ls_client.create_feedback(run["id"], "correctness", score=0.5, session_id=project.id,
                                      correction={"answer": "ORD-2025-0030 is Processing"})
    judge = ls_client.create_feedback(run["id"], "user_sentiment", score=1, value="positive",
                                      session_id=project.id, feedback_source_type="model",
                                      source_info={"judge": "User Sentiment"})
    stored = ls_client.read_feedback(human.id)
    assert stored.correction == {"answer": "ORD-2025-0030 is Processing"}
    assert stored.feedback_source.type == "api"
    assert ls_client.read_feedback(judge.id).feedback_source.metadata == {"judge": "User Sentiment"}

    assert {f.key for f in ls_client.list_feedback(run_ids=[run["id"]])} == {"correctness", "user_sentiment"}
    by_key = ls_client.list_feedback(run_ids=[run["id"]], feedback_key=["correctness"])
    assert [f.id for f in by_key] == [human.id]
    by_source = ls_client.list_feedback(run_ids=[run["id"]], feedback_source_type=["model"])
    assert [f.id for f in by_source] == [judge.id]
    by_enum = ls_client.list_feedback(run_ids=[run["id"]], feedback_source_type=[FeedbackSourceType.API])
    assert [f.id for f in by_enum] == [human.id]

    ls_client.update_feedback(human.id, score=1, comment="fixed after review")
    updated = ls_client.read_feedback(human.id)
    assert (updated.score, updated.comment) == (1, "fixed after review")
    assert updated.correction == {"answer": "ORD-2025-0030 is Processing"}  # untouched
    ls_client.update_feedback(human.id, comment=None)
    assert ls_client.read_feedback(human.id).comment is None

    stats = ls_client.read_run(run["id"]).feedback_stats
    assert stats["correctness"]["avg"] == 1 and stats["user_sentiment"]["values"] == {"positive": 1}

    ls_client.delete_feedback(human.id)
    with pytest.raises(LangSmithNotFoundError):
        ls_client.read_feedback(human.id)
    assert [f.id for f in ls_client.list_feedback(run_ids=[run["id"]])] == [judge.id]


def test_feedback_stats_average_several_scores(http, ls_client, project_name):
    run = _post_run(http, project_name)
    for score in (0, 1, 1, 1):
        ls_client.create_feedback(run["id"], "helpfulness", score=score)
    stats = ls_client.read_run(run["id"]).feedback_stats["helpfulness"]
    assert stats["n"] == 4 and stats["avg"] == pytest.approx(0.75)
    assert stats["values"] == {}


def test_categorical_config_is_enforced(http, ls_client, project_name):
    run = _post_run(http, project_name)
    key = f"sentiment-{uuid.uuid4().hex[:6]}"
    ls_client.create_feedback(run["id"], key, score=1, value="positive", feedback_config=SENTIMENT)
    with pytest.raises(LangSmithError, match="not one of the categories"):
        ls_client.create_feedback(run["id"], key, score=0.5, stop_after_attempt=1)
    response = http.post("/feedback", json={"run_id": run["id"], "key": key, "score": 3})
    assert response.status_code == 400 and "not one of the categories" in response.json()["detail"]
    (config,) = ls_client.list_feedback_configs(feedback_key=[key])
    assert config.feedback_config["type"] == "categorical"
    assert [c["label"] for c in config.feedback_config["categories"]] == ["positive", "negative"]


def test_feedback_configs_crud(ls_client):
    key = f"rating-{uuid.uuid4().hex[:6]}"
    created = ls_client.create_feedback_config(key, feedback_config={"type": "continuous", "min": 0,
                                                                     "max": 5})
    assert created.feedback_key == key and created.feedback_config["max"] == 5
    assert [c.feedback_key for c in ls_client.list_feedback_configs(feedback_key=[key])] == [key]
    ls_client.delete_feedback_config(key)
    assert list(ls_client.list_feedback_configs(feedback_key=[key])) == []


def test_feedback_needs_a_target_and_a_valid_source(http):
    no_target = http.post("/feedback", json={"key": "x", "score": 1})
    assert no_target.status_code == 400 and "run_id" in no_target.json()["detail"]
    bad_source = http.post("/feedback", json={"run_id": str(uuid.uuid4()), "key": "x",
                                              "feedback_source": {"type": "telepathy"}})
    assert bad_source.status_code == 400 and "feedback_source.type" in bad_source.json()["detail"]
    bad_score = http.post("/feedback", json={"run_id": str(uuid.uuid4()), "key": "x", "score": "high"})
    assert bad_score.status_code == 400 and "score" in bad_score.json()["detail"]
