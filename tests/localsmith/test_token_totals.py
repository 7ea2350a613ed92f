"""Token and cost totals against an oracle, for random traces sent every way a client may send them.

A run's totals are the sum over its subtree (itself included); a root's, over its whole trace; an
LLM run's own come from its ``usage_metadata``, priced by ``ls_model_name``. The server computes
them three ways (in Python for a whole fresh trace, in SQL for the ancestors of what changed, and
again as late links arrive): whatever the arrival order, every run must match the oracle.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from techhub.models.pricing import cost_of

MODELS = ("gpt-4o", "gpt-4o-mini", "mystery-model")
BASE = datetime(2025, 11, 20, 10, 0, tzinfo=UTC)


@dataclass
class Tree:
    runs: list[dict] = field(default_factory=list)  # parents before children
    own: dict[str, tuple[int, int, float]] = field(default_factory=dict)  # id -> (prompt, completion, $)
    parent: dict[str, str | None] = field(default_factory=dict)


def _random_tree(rng: random.Random, project: str, size: int) -> Tree:
    tree = Tree()
    for i in range(size):
        run_id = str(uuid.uuid4())
        parent = rng.choice(tree.runs) if tree.runs else None
        start = BASE + timedelta(milliseconds=i)
        segment = start.strftime("%Y%m%dT%H%M%S%fZ") + run_id
        run = {"id": run_id, "trace_id": parent["trace_id"] if parent else run_id,
               "parent_run_id": parent["id"] if parent else None,
               "dotted_order": f"{parent['dotted_order']}.{segment}" if parent else segment,
               "session_name": project, "name": f"run-{i}", "run_type": "chain",
               "start_time": start.isoformat(), "end_time": (start + timedelta(seconds=1)).isoformat()}
        if parent and rng.random() < 0.5:
            prompt, completion, model = rng.randint(1, 500), rng.randint(1, 200), rng.choice(MODELS)
            run.update(run_type="llm", extra={"metadata": {"ls_model_name": model}},
                       outputs={"usage_metadata": {"input_tokens": prompt, "output_tokens": completion,
                                                   "total_tokens": prompt + completion}})
            tree.own[run_id] = (prompt, completion, cost_of(model, prompt, completion))
        tree.runs.append(run)
        tree.parent[run_id] = parent["id"] if parent else None
    return tree


def _expected(tree: Tree) -> dict[str, tuple[int, int, float]]:
    totals = {run["id"]: [0, 0, 0.0] for run in tree.runs}
    for run_id, (prompt, completion, dollars) in tree.own.items():
        node: str | None = run_id
        while node is not None:
            totals[node][0] += prompt
            totals[node][1] += completion
            totals[node][2] += dollars
            node = tree.parent[node]
    return {run_id: tuple(values) for run_id, values in totals.items()}


def _linkless(run: dict) -> dict:
    return {k: v for k, v in run.items() if k not in ("trace_id", "dotted_order")}


def _send(http, tree: Tree, mode: str, rng: random.Random) -> None:
    runs = list(tree.runs)
    if mode == "whole":
        batches = [runs]
    elif mode == "shuffled, one per request":
        rng.shuffle(runs)
        batches = [[run] for run in runs]
    elif mode == "parents first, in batches of 7":
        batches = [runs[k:k + 7] for k in range(0, len(runs), 7)]
    else:  # create_run style: no links, children first
        for run in reversed(runs):
            response = http.post("/runs", json=_linkless(run))
            assert response.status_code == 202, response.text
        return
    for batch in batches:
        response = http.post("/runs/batch", json={"post": batch})
        assert response.status_code == 202, response.text


@pytest.mark.parametrize("mode", ["whole", "shuffled, one per request", "parents first, in batches of 7",
                                  "without links, children first"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_totals_match_the_oracle(http, project_name, mode, seed):
    rng = random.Random(seed)
    tree = _random_tree(rng, project_name, size=rng.randint(15, 40))
    _send(http, tree, mode, rng)
    expected = _expected(tree)
    for run in tree.runs:
        got = http.get(f"/runs/{run['id']}").json()
        prompt, completion, dollars = expected[run["id"]]
        assert (got["prompt_tokens"], got["completion_tokens"], got["total_tokens"]) == (
            prompt, completion, prompt + completion), run["name"]
        assert (got["total_cost"] or 0) == pytest.approx(dollars, abs=1e-12), run["name"]
        assert got["trace_id"] == tree.runs[0]["id"] and got["dotted_order"] == run["dotted_order"]


def test_a_patch_that_takes_usage_away_re_sums_the_trace(http, project_name):
    root, llm = str(uuid.uuid4()), str(uuid.uuid4())
    usage = {"usage_metadata": {"input_tokens": 10, "output_tokens": 5, "total_tokens": 15}}
    common = {"session_name": project_name, "start_time": BASE.isoformat()}
    assert http.post("/runs/batch", json={"post": [
        {"id": root, "name": "root", "run_type": "chain", **common},
        {"id": llm, "parent_run_id": root, "name": "llm", "run_type": "llm", "outputs": usage, **common},
    ]}).status_code == 202
    assert http.get(f"/runs/{root}").json()["total_tokens"] == 15
    assert http.patch(f"/runs/{llm}", json={"outputs": {"text": "no usage any more"}}).status_code == 202
    assert [http.get(f"/runs/{r}").json()["total_tokens"] for r in (root, llm)] == [0, 0]
    # Usage back, then the run re-posted as a chain (not an LLM call): it no longer counts.
    assert http.patch(f"/runs/{llm}", json={"outputs": usage}).status_code == 202
    assert http.get(f"/runs/{root}").json()["total_tokens"] == 15
    assert http.post("/runs", json={"id": llm, "parent_run_id": root, "name": "llm", "run_type": "chain",
                                    "outputs": usage, **common}).status_code == 202
    assert [http.get(f"/runs/{r}").json()["total_tokens"] for r in (root, llm)] == [0, 0]


def test_a_post_that_arrives_after_its_patch_does_not_undo_it(http, project_name):
    """The SDK sends batches from several threads: a run's patch (with metadata added while it ran)
    can land before its post. The late post fills what is missing and changes nothing else."""
    run = str(uuid.uuid4())
    common = {"id": run, "session_name": project_name, "name": "agent", "run_type": "chain",
              "start_time": BASE.isoformat()}
    patch = {**common, "end_time": (BASE + timedelta(seconds=2)).isoformat(),
             "outputs": {"answer": "42"}, "extra": {"metadata": {"thread_id": "t-1", "topic": "orders"}}}
    assert http.patch(f"/runs/{run}", json=patch).status_code == 202
    late = {**common, "inputs": {"question": "?"}, "extra": {"metadata": {"thread_id": "t-1"}}}
    assert http.post("/runs/batch", json={"post": [late]}).status_code == 202
    got = http.get(f"/runs/{run}").json()
    assert got["extra"]["metadata"]["topic"] == "orders" and got["outputs"] == {"answer": "42"}
    assert got["inputs"] == {"question": "?"} and got["status"] == "success"
