"""Experiments end to end: ``evaluate``, ``aevaluate``, comparative experiments, experiment results.

The real ``langsmith`` evaluation runner talks to the real server (on its v1 paths); what landed
(the experiment project, target runs with ``reference_example_id``, evaluator feedback) is read back
afterwards through the Client and the v2 runs API.
"""

from __future__ import annotations

import asyncio
import uuid

import langsmith
import pytest
from langsmith.evaluation import aevaluate, evaluate
from langsmith.types import Run

from techhub import smith

QUESTIONS = {"2+2": "4", "capital of France": "Paris", "3*3": "9"}


def _answer(question: str) -> str:
    # Deterministic "model": right on two questions, wrong on the third.
    return {"2+2": "4", "capital of France": "Paris"}.get(question, "I don't know")


def target(inputs: dict) -> dict:
    return {"answer": _answer(inputs["question"])}


async def async_target(inputs: dict) -> dict:
    await asyncio.sleep(0)
    return {"answer": _answer(inputs["question"])}


def exact_match(outputs: dict, reference_outputs: dict) -> dict:
    return {"key": "exact_match", "score": int(outputs["answer"] == reference_outputs["answer"])}


def answer_length(outputs: dict) -> int:
    return len(outputs["answer"])


@pytest.fixture
def dataset(ls_client: langsmith.Client) -> langsmith.schemas.Dataset:
    ds = ls_client.create_dataset(f"exp-{uuid.uuid4()}", description="arithmetic and geography")
    ls_client.create_examples(
        dataset_id=ds.id,
        examples=[
            {"inputs": {"question": q}, "reference_outputs": {"answer": a}} for q, a in QUESTIONS.items()
        ],
    )
    return ds


def _root_runs(client: langsmith.Client, project_id: str) -> list[Run]:
    """An experiment's root runs (``runs.query_v2``), with what the checks read."""
    return list(smith.api_for(client).runs.query_v2(
        project_ids=[str(project_id)], is_root=True, selects=["INPUTS", "OUTPUTS", "REFERENCE_EXAMPLE_ID"]))


def _check_experiment_landed(client: langsmith.Client, dataset, experiment_name: str) -> list:
    """Read back what an experiment wrote and check it; returns its root runs."""
    client.flush()
    projects = list(client.list_projects(reference_dataset_id=dataset.id))
    assert experiment_name in [p.name for p in projects]
    project = client.read_project(project_name=experiment_name)
    assert project.reference_dataset_id == dataset.id
    # PATCH /sessions/{id} at the end records the dataset version the experiment saw
    assert project.metadata.get("dataset_version")
    assert project.end_time is None or project.end_time >= project.start_time

    example_ids = {str(e.id) for e in client.list_examples(dataset_id=dataset.id)}
    runs = _root_runs(client, project.id)
    assert len(runs) == len(QUESTIONS)
    assert {r.reference_example_id for r in runs} == example_ids
    scores = {}
    for run in runs:
        feedback = {f.key: f for f in client.list_feedback(run_ids=[run.id])}
        assert set(feedback) >= {"exact_match", "answer_length"}
        scores[run.inputs["question"]] = feedback["exact_match"].score
        assert feedback["exact_match"].session_id == project.id
    assert scores == {"2+2": 1, "capital of France": 1, "3*3": 0}
    read_back = client.read_dataset(dataset_id=dataset.id)
    assert read_back.session_count >= 1
    assert read_back.last_session_start_time is not None
    return runs


def test_evaluate_end_to_end(ls_client, dataset):
    results = evaluate(
        target,
        data=dataset.name,
        evaluators=[exact_match, answer_length],
        client=ls_client,
        experiment_prefix="sync-eval",
        max_concurrency=2,
    )
    rows = list(results)
    assert len(rows) == len(QUESTIONS)
    for row in rows:
        keys = {r.key for r in row["evaluation_results"]["results"]}
        assert keys == {"exact_match", "answer_length"}
        assert row["run"].reference_example_id == row["example"].id
    assert results.experiment_name.startswith("sync-eval")
    _check_experiment_landed(ls_client, dataset, results.experiment_name)


def test_aevaluate_end_to_end(ls_client, dataset):
    async def run():
        results = await aevaluate(
            async_target,
            data=dataset.name,
            evaluators=[exact_match, answer_length],
            client=ls_client,
            experiment_prefix="async-eval",
        )
        return results, [row async for row in results]

    results, rows = asyncio.run(run())
    assert len(rows) == len(QUESTIONS)
    assert all(row["evaluation_results"]["results"] for row in rows)
    _check_experiment_landed(ls_client, dataset, results.experiment_name)


def test_evaluate_on_a_tagged_version_and_split(ls_client, dataset):
    first = ls_client.read_dataset_version(dataset_id=dataset.id, tag="latest")
    ls_client.update_dataset_tag(dataset_id=dataset.id, as_of=first.as_of, tag="v1")
    ls_client.create_example(
        inputs={"question": "later"}, reference_outputs={"answer": "x"}, dataset_id=dataset.id
    )
    examples = list(ls_client.list_examples(dataset_id=dataset.id, as_of="v1"))
    results = evaluate(
        target, data=examples, evaluators=[exact_match], client=ls_client, experiment_prefix="v1"
    )
    assert len(list(results)) == len(QUESTIONS)


def test_comparative_evaluation(ls_client, dataset):
    first = evaluate(
        target, data=dataset.name, evaluators=[exact_match], client=ls_client, experiment_prefix="a"
    )
    second = evaluate(
        lambda inputs: {"answer": "Paris"}, data=dataset.name, client=ls_client, experiment_prefix="b"
    )
    ls_client.flush()

    def prefer_shorter(runs: list, example) -> dict:
        lengths = [len(r.outputs["answer"]) for r in runs]
        return {
            "key": "shorter",
            "scores": {r.id: int(n == min(lengths)) for r, n in zip(runs, lengths, strict=True)},
        }

    comparison = evaluate(
        (first.experiment_name, second.experiment_name),
        evaluators=[prefer_shorter],
        client=ls_client,
        randomize_order=False,
    )
    rows = list(comparison)
    assert len(rows) == len(QUESTIONS)
    assert all(row["evaluation_results"]["feedback.shorter"].key == "shorter" for row in rows)
    assert comparison.comparative_experiment.reference_dataset_id == dataset.id
    ls_client.flush()

    comparatives = ls_client.request_with_retries("GET", f"/datasets/{dataset.id}/comparative").json()
    assert len(comparatives) == 1
    assert {e["id"] for e in comparatives[0]["experiments_info"]} == {
        str(ls_client.read_project(project_name=first.experiment_name).id),
        str(ls_client.read_project(project_name=second.experiment_name).id),
    }
    runs = _root_runs(ls_client, ls_client.read_project(project_name=second.experiment_name).id)
    feedback = [f for f in ls_client.list_feedback(run_ids=[r.id for r in runs]) if f.key == "shorter"]
    assert len(feedback) == len(QUESTIONS)


def test_experiment_results_with_runs(ls_client, dataset):
    results = evaluate(
        target, data=dataset.name, evaluators=[exact_match], client=ls_client, experiment_prefix="r"
    )
    ls_client.flush()
    project = ls_client.read_project(project_name=results.experiment_name)
    with pytest.warns(DeprecationWarning):
        experiment = ls_client.get_experiment_results(project_id=project.id)
    rows = list(experiment["examples_with_runs"])
    assert len(rows) == len(QUESTIONS)
    for row in rows:
        assert len(row.runs) == 1
        assert row.runs[0].reference_example_id == row.id
        assert row.runs[0].outputs == {"answer": _answer(row.inputs["question"])}
    assert experiment["run_stats"]["run_count"] == len(QUESTIONS)


@pytest.mark.filterwarnings("ignore:Function get_test_results is in beta")
def test_test_results_and_dataframe(ls_client, dataset):
    results = evaluate(
        target, data=dataset.name, evaluators=[exact_match], client=ls_client, experiment_prefix="df"
    )
    frame = results.to_pandas()
    assert sorted(frame["feedback.exact_match"]) == [0, 1, 1]
    ls_client.flush()

    table = ls_client.get_test_results(project_name=results.experiment_name)
    assert len(table) == len(QUESTIONS)
    rows = {row["input.question"]: row for row in table.to_dict(orient="records")}
    assert rows["3*3"]["reference.answer"] == "9"
    assert rows["3*3"]["outputs.answer"] == "I don't know"
    assert rows["3*3"]["feedback.exact_match"] == 0
    assert rows["2+2"]["feedback.exact_match"] == 1
