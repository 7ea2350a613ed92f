"""Feedback through the SDK: create (also before the run exists), read, list, update, delete,
categorical configs, sources, corrections, and ``feedback_stats`` on runs."""

from __future__ import annotations

import uuid

import httpx
import pytest
from langsmith.schemas import FeedbackSourceType
from langsmith.utils import LangSmithError, LangSmithNotFoundError

pytestmark = [
    # v1 contract: feedback_stats on runs as read_run (GET /runs/{id}) returns them.
    pytest.mark.filterwarnings("ignore:.*is deprecated and will be removed:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Creating feedback for a run without session_id"),
]

SENTIMENT = {"type": "categorical", "categories": [{"value": 1, "label": "positive"},
                                                   {"value": 0, "label": "negative"}]}
TOPICS = [{"value": 0, "label": "billing"}, {"value": 1, "label": "shipping"},
          {"value": 2, "label": "returns"}]


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


# ------------------------------------------------------------------ malformed input is a 400, never a 500


@pytest.mark.parametrize("bounds", [{"min": "a"}, {"max": [1]}, {"min": True}, {"min": 5, "max": 1}])
def test_continuous_bounds_are_checked_when_the_config_is_given(http, ls_client, bounds):
    # Bounds that are not numbers were once stored, then every score of the key was a 500.
    key = f"rating-{uuid.uuid4().hex[:6]}"
    config = {"type": "continuous", **bounds}
    with_feedback = http.post("/feedback", json={"run_id": str(uuid.uuid4()), "key": key, "score": 0.5,
                                                 "feedback_config": config})
    assert with_feedback.status_code == 400 and "continuous" in with_feedback.json()["detail"]
    with pytest.raises(LangSmithError, match="feedback_config: continuous"):
        ls_client.create_feedback_config(key, feedback_config=config)
    assert list(ls_client.list_feedback_configs(feedback_key=[key])) == []
    scored = http.post("/feedback", json={"run_id": str(uuid.uuid4()), "key": key, "score": 0.5})
    assert scored.status_code == 200, scored.text


def test_continuous_bounds_are_enforced(http, ls_client):
    key = f"rating-{uuid.uuid4().hex[:6]}"
    ls_client.create_feedback_config(key, feedback_config={"type": "continuous", "min": 0, "max": 5})
    assert ls_client.create_feedback(str(uuid.uuid4()), key, score=5).score == 5
    response = http.post("/feedback", json={"run_id": str(uuid.uuid4()), "key": key, "score": 7})
    assert response.status_code == 400 and "outside [0, 5]" in response.json()["detail"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"remove_categories": ["x"]}, "remove_categories"),
        ({"remove_categories": 5}, "remove_categories"),
        ({"remove_categories": [{}]}, "remove_categories"),
        ({"feedback_key": {"a": 1}}, "feedback_key"),
        ({"feedback_key": [1]}, "feedback_key"),
        ({"feedback_key": 18446744073709551615}, "feedback_key"),
        ({"id": "not-a-uuid"}, "id"),
        ({"is_lower_score_better": "false"}, "is_lower_score_better"),
        ({"feedback_config": {"type": "continuous", "max": "high"}}, "feedback_config"),
    ],
)
def test_malformed_config_updates_are_400_and_change_nothing(http, ls_client, change, field):
    key = f"topics-{uuid.uuid4().hex[:6]}"
    categories = [dict(c) for c in TOPICS]
    ls_client.create_feedback_config(key, feedback_config={"type": "categorical", "categories": categories})
    response = http.patch("/feedback-configs", json={"feedback_key": key, **change})
    assert response.status_code == 400, response.text
    assert response.json()["detail"].startswith(field)
    (config,) = ls_client.list_feedback_configs(feedback_key=[key])
    assert config.feedback_config["categories"] == categories and config.is_lower_score_better is False


def test_removing_categories_through_the_sdk(ls_client):
    key = f"topics-{uuid.uuid4().hex[:6]}"
    categories = [dict(c) for c in TOPICS]
    ls_client.create_feedback_config(key, feedback_config={"type": "categorical", "categories": categories})
    updated = ls_client.remove_feedback_categories(key, [2])
    assert [c["label"] for c in updated.feedback_config["categories"]] == ["billing", "shipping"]
    with pytest.raises(LangSmithError, match="at least two categories"):  # well-formed, impossible: 422
        ls_client.remove_feedback_categories(key, [1])
    rating = f"rating-{uuid.uuid4().hex[:6]}"
    ls_client.create_feedback_config(rating, feedback_config={"type": "continuous", "min": 0, "max": 1})
    with pytest.raises(LangSmithError, match="only categorical"):
        ls_client.remove_feedback_categories(rating, [1])


def test_adding_categories_and_listing_enforced_configs_through_the_sdk(ls_client):
    key = f"topics-{uuid.uuid4().hex[:6]}"
    ls_client.create_feedback_config(key, feedback_config={"type": "categorical", "categories": TOPICS})
    updated = ls_client.add_feedback_categories(key, [{"value": 7, "label": "warranty"}])
    assert [c["value"] for c in updated.feedback_config["categories"]] == [c["value"] for c in TOPICS] + [7]
    with pytest.raises(LangSmithError, match="already in the config"):
        ls_client.add_feedback_categories(key, [{"value": 7, "label": "again"}])
    with pytest.raises(LangSmithError, match="add_categories"):
        ls_client.add_feedback_categories(key, [{"label": "no value"}])
    strict = f"strict-{uuid.uuid4().hex[:6]}"
    ls_client.create_feedback_config(strict, feedback_config={"type": "continuous", "min": 0, "max": 1},
                                     is_enforced=True)
    enforced = {c.feedback_key for c in ls_client.list_feedback_configs(feedback_key=[key, strict],
                                                                        is_enforced=True)}
    loose = {c.feedback_key for c in ls_client.list_feedback_configs(feedback_key=[key, strict],
                                                                     is_enforced=False)}
    assert (enforced, loose) == ({strict}, {key})


@pytest.mark.parametrize("path", ["/feedback", "/feedback-configs"])
@pytest.mark.parametrize(
    "params", [{"limit": -5}, {"limit": 0}, {"limit": 2**64}, {"offset": -1}, {"offset": 2**64},
               {"offset": 2**63}],
)
def test_pages_out_of_range_are_400(http, path, params):
    response = http.get(path, params=params)
    assert response.status_code == 400 and "limit" in response.json()["detail"]


def test_a_key_with_two_configs_updates_the_same_one_and_shares_its_direction(ls_client):
    """Without a config id, updates go to the key's enforced config, else its first: always the same
    one. The score direction belongs to the key: set on one config, every config shows it."""
    key = f"grade-{uuid.uuid4().hex[:6]}"
    first = ls_client.create_feedback_config(
        key, feedback_config={"type": "categorical", "categories": [{"value": 0}, {"value": 1}]},
        is_lower_score_better=True)
    second = ls_client.create_feedback_config(
        key, feedback_config={"type": "categorical",
                              "categories": [{"value": 0}, {"value": 0.5}, {"value": 1}]})
    assert second.id != first.id and second.is_lower_score_better is True
    for value in (10, 11, 12):
        updated = ls_client.add_feedback_categories(key, [{"value": value, "label": str(value)}])
        assert updated.id == first.id
    configs = {c.id: c for c in ls_client.list_feedback_configs(feedback_key=[key])}
    assert [c["value"] for c in configs[first.id].feedback_config["categories"]] == [0, 1, 10, 11, 12]
    assert (configs[first.id].is_first, configs[second.id].is_first) == (True, False)
    ls_client.update_feedback_config(key, is_lower_score_better=False)
    assert {c.is_lower_score_better for c in ls_client.list_feedback_configs(feedback_key=[key])} == {False}


def test_a_categorical_config_with_a_repeated_value_is_refused(ls_client):
    key = f"dup-{uuid.uuid4().hex[:6]}"
    with pytest.raises(LangSmithError, match="same value"):
        ls_client.create_feedback_config(key, feedback_config={
            "type": "categorical", "categories": [{"value": 0, "label": "a"}, {"value": 0.0, "label": "b"}]})
    assert list(ls_client.list_feedback_configs(feedback_key=[key])) == []
