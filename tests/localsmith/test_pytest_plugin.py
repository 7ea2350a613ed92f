"""The ``langsmith`` pytest plugin against the local server.

A small test module (``plugin_case/suite_case.py``) runs in a subprocess pytest with
``LANGSMITH_ENDPOINT`` on the server and ``LANGSMITH_TEST_SUITE`` set. The plugin turns the suite
into a dataset, each test case into an example (it reads ``GET /examples/{id}`` first and creates on
404), the session into an experiment with one root run per test, and ``pass``/logged/expect scores
into feedback. Afterwards everything is read back through the Client.

The case runs in its own folder (a fresh git repository with an empty ``pytest.ini``) so that it
does not pick up this repository's conftest files, and so that the plugin tags the dataset version
with the commit, as it does in CI.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from techhub import smith

CASE = Path(__file__).parent / "plugin_case" / "suite_case.py"


def _git(folder: Path, *args: str) -> str:
    command = ["git", "-c", "user.name=test", "-c", "user.email=test@example.invalid", *args]
    return subprocess.run(command, cwd=folder, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def case_folder(tmp_path: Path) -> Path:
    shutil.copy(CASE, tmp_path / CASE.name)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    _git(tmp_path, "init", "-q", "-b", "main")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-q", "-m", "case")
    return tmp_path


def _run_suite(folder: Path, server_url: str, suite: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LANGSMITH_", "LANGCHAIN_"))}
    env.update(
        LANGSMITH_ENDPOINT=server_url,
        LANGSMITH_API_KEY="test",
        LANGSMITH_TEST_SUITE=suite,
        LANGSMITH_TRACING="true",
    )
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", CASE.name],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_pytest_plugin_records_dataset_experiment_runs_and_feedback(
    localsmith_server, ls_client, case_folder
):
    suite = f"plugin-suite-{uuid.uuid4()}"
    result = _run_suite(case_folder, localsmith_server.url, suite)
    assert result.returncode == 1, result.stdout + result.stderr  # one test fails on purpose
    assert "1 failed, 2 passed" in result.stdout

    dataset = ls_client.read_dataset(dataset_name=suite)
    assert dataset.metadata["__ls_runner"] == "pytest"
    examples = list(ls_client.list_examples(dataset_id=dataset.id))
    # the example inputs are the test arguments merged with what the test logged
    additions = sorted((e for e in examples if "a" in e.inputs), key=lambda e: e.inputs["a"])
    assert [(e.inputs, e.outputs) for e in additions] == [
        ({"a": 1, "b": 2, "total": 3}, {"sum": 3}),
        ({"a": 2, "b": 2, "total": 4}, {"sum": 4}),
    ]
    assert len(examples) == 3

    [experiment] = list(ls_client.list_projects(reference_dataset_id=dataset.id))
    assert experiment.metadata["__ls_runner"] == "pytest"
    assert experiment.metadata["dataset_version"]  # written by the PATCH at the end of the session
    selects = ["INPUTS", "OUTPUTS", "REFERENCE_EXAMPLE_ID"]
    runs = list(smith.api_for(ls_client).runs.query_v2(project_ids=[str(experiment.id)], is_root=True,
                                                       selects=selects))
    assert {r.reference_example_id for r in runs} == {str(e.id) for e in examples}

    feedback = {r.id: {f.key: f for f in ls_client.list_feedback(run_ids=[r.id])} for r in runs}
    assert sorted(fb["pass"].score for fb in feedback.values()) == [0, 1, 1]
    assert all(fb["pass"].session_id == experiment.id for fb in feedback.values())
    for run in runs:
        if "a" in run.inputs:
            assert feedback[run.id]["exact"].score == 1
            assert feedback[run.id]["confidence"].score == 0.9
        else:
            assert feedback[run.id]["pass"].score == 0 and run.outputs == {"answer": "Lyon"}

    # the plugin tags the dataset version it tested with the git commit and branch
    commit = _git(case_folder, "rev-parse", "HEAD")
    tagged = ls_client.read_dataset_version(dataset_id=dataset.id, tag=f"git:commit:{commit}")
    assert ls_client.read_dataset_version(dataset_id=dataset.id, tag="git:branch:main").as_of == tagged.as_of
    assert len(list(ls_client.list_examples(dataset_id=dataset.id, as_of=f"git:commit:{commit}"))) == 3

    # a second session reuses the dataset and its examples (found by id) and adds an experiment
    again = _run_suite(case_folder, localsmith_server.url, suite)
    assert "1 failed, 2 passed" in again.stdout, again.stdout + again.stderr
    assert len(list(ls_client.list_examples(dataset_id=dataset.id))) == 3
    assert len(list(ls_client.list_projects(reference_dataset_id=dataset.id))) == 2
