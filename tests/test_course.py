"""``techhub.course.start()``, the notebooks' first cell: opened cold, run again, in a real kernel
(papermill), and with a configuration mistake."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import TYPE_CHECKING

import langsmith
import nbformat
import papermill
import pytest
from langsmith import utils as ls_utils

from techhub import course, services
from techhub.config import LOCAL_API_KEY, TRACING_PROJECT

if TYPE_CHECKING:
    from conftest import TechhubInstance

SDK_VARIABLES = ("LANGSMITH_ENDPOINT", "LANGSMITH_API_KEY", "LANGSMITH_PROJECT", "LANGSMITH_TRACING")


@pytest.fixture
def sdk_environment(monkeypatch: pytest.MonkeyPatch):
    """Whatever ``start()`` exports is put back afterwards, and the SDK forgets what it read."""
    for name in SDK_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    yield
    ls_utils.get_env_var.cache_clear()
    ls_utils.get_tracer_project.cache_clear()


def test_opened_cold_it_starts_the_services_and_a_bare_client_reaches_the_local_server(
    techhub_instance: TechhubInstance, monkeypatch, capsys, sdk_environment
) -> None:
    techhub_instance.apply(monkeypatch)
    settings = course.start()
    first = capsys.readouterr().out.splitlines()
    assert first[0] == (
        "OFFLINE mode: model=offline (gpt-4o-mini); "
        f"langsmith=local ({techhub_instance.localsmith_url}); project={TRACING_PROJECT}; "
        f"deployment=local agent server at {techhub_instance.agent_url}"
    )
    assert first[1] == f"Started now: localsmith, agent-server (logs in {techhub_instance.home / 'logs'})."
    assert len(first) == 2
    assert services.answers(techhub_instance.agent_url + "/ok")
    assert settings.langsmith_endpoint == techhub_instance.localsmith_url

    # A bare Client(), as a learner writes it in a later cell, talks to the local server.
    client = langsmith.Client()
    assert client.api_url == techhub_instance.localsmith_url and client.api_key == LOCAL_API_KEY
    dataset = client.create_dataset("course-start-check")
    assert client.read_dataset(dataset_name="course-start-check").id == dataset.id
    assert ls_utils.get_tracer_project() == TRACING_PROJECT
    assert not ls_utils.tracing_is_enabled()  # the kernel itself does not trace

    # Run again (the next notebook): the same single line, nothing started.
    again = course.start()
    assert capsys.readouterr().out.splitlines() == first[:1]
    assert again == settings


def test_a_client_made_before_start_does_not_leave_a_stale_endpoint(
    techhub_services: TechhubInstance, monkeypatch, capsys, sdk_environment
) -> None:
    monkeypatch.setenv("LANGSMITH_ENDPOINT", "http://127.0.0.1:9")
    assert ls_utils.get_env_var("ENDPOINT") == "http://127.0.0.1:9"  # cached by the SDK now
    techhub_services.apply(monkeypatch)
    course.start()
    assert capsys.readouterr().out.count("\n") == 1
    assert langsmith.Client().api_url == techhub_services.localsmith_url


def test_a_configuration_mistake_is_one_clear_message(monkeypatch, techhub_instance, sdk_environment) -> None:
    techhub_instance.apply(monkeypatch)
    monkeypatch.delenv("TECHHUB_OFFLINE")
    monkeypatch.setenv("TECHHUB_MODEL_BACKEND", "openai")
    with pytest.raises(course.CourseSetupError) as caught:
        course.start()
    assert "OPENAI_API_KEY" in str(caught.value) and "re-run this cell" in str(caught.value)
    shown = caught.value._render_traceback_()
    assert len(shown) == 1 and "CourseSetupError: configuration:" in shown[0]
    assert not (techhub_instance.home / "run").exists()  # nothing was started


def _notebook(path: Path, source: str) -> Path:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source)]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, path)
    return path


def test_in_a_kernel_under_papermill_it_prints_the_line_and_a_mistake_is_no_traceback_wall(
    techhub_services: TechhubInstance, monkeypatch, tmp_path: Path
) -> None:
    techhub_services.apply(monkeypatch)  # the kernel inherits this environment
    source = (
        "import techhub.course\nsettings = techhub.course.start()\n"
        "import langsmith\nprint(langsmith.Client().api_url)"
    )
    done = papermill.execute_notebook(
        _notebook(tmp_path / "cold.ipynb", source), tmp_path / "out.ipynb", kernel_name="python3",
        progress_bar=False, cwd=tmp_path,
    )  # fmt: skip
    text = "".join(o.get("text", "") for o in done.cells[0].outputs)
    assert re.fullmatch(
        r"OFFLINE mode: .*deployment=local agent server at http://127\.0\.0\.1:\d+\n"
        r"http://127\.0\.0\.1:\d+\n",
        text,
    ), text
    assert text.splitlines()[1] == techhub_services.localsmith_url

    monkeypatch.delenv("TECHHUB_OFFLINE")
    monkeypatch.setenv("TECHHUB_LANGSMITH_BACKEND", "cloud")
    with pytest.raises(papermill.PapermillExecutionError) as caught:
        papermill.execute_notebook(
            _notebook(tmp_path / "broken.ipynb", "import techhub.course\ntechhub.course.start()"),
            tmp_path / "broken-out.ipynb", kernel_name="python3", progress_bar=False, cwd=tmp_path,
        )  # fmt: skip
    error = caught.value
    assert error.ename == "CourseSetupError" and "LANGSMITH_API_KEY" in error.evalue
    assert len(error.traceback) == 1, error.traceback  # the message, not a wall of frames


def test_services_a_kernel_started_stop_promptly_from_a_shell(tmp_path: Path) -> None:
    """A service started by a notebook kernel is the kernel's child: once stopped by `techhub down`
    in a shell it stays a zombie until the kernel reaps it, and must count as stopped meanwhile."""
    import subprocess
    import sys

    parent = subprocess.Popen(
        [sys.executable, "-c",
         "import subprocess, sys, time\n"
         "child = subprocess.Popen([sys.executable, '-c', 'pass'])\n"
         "print(child.pid, flush=True)\n"
         "time.sleep(60)\n"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        child = int(parent.stdout.readline())
        deadline = time.monotonic() + 15
        while Path(f"/proc/{child}/stat").read_text().rpartition(")")[2].split()[0] != "Z":
            assert time.monotonic() < deadline, "the child never exited"
            time.sleep(0.05)
        assert not services.pid_alive(child)  # a zombie of someone else's
        assert services.pid_alive(parent.pid)
    finally:
        parent.kill()
        parent.wait()
