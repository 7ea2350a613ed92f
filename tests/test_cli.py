"""``techhub up | status | down | reset`` against real processes, in a temporary state folder."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from techhub import services
from techhub.config import LOCAL_API_KEY, TRACING_PROJECT, get_settings

if TYPE_CHECKING:
    from conftest import TechhubInstance


def _pid(home: Path, name: str) -> int:
    return json.loads(services.record_path(home, name).read_text())["pid"]


def _wait_dead(pid: int, timeout: float = 15) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not services.pid_alive(pid):
            return True
        time.sleep(0.05)
    return False


# --- the running services (shared, started once by `techhub up`) ----------------------------------


def test_up_prints_mode_and_urls_and_both_services_answer(techhub_services: TechhubInstance) -> None:
    out = techhub_services.up_output
    assert out.startswith("OFFLINE mode:")
    assert techhub_services.localsmith_url in out and techhub_services.agent_url in out
    assert str(techhub_services.home / "techhub.db") in out
    assert (techhub_services.home / "techhub.db").stat().st_size > 0

    info = httpx.get(techhub_services.localsmith_url + "/info", timeout=10).json()
    assert "version" in info
    assistants = httpx.post(techhub_services.agent_url + "/assistants/search", json={}, timeout=10).json()
    assert "supervisor_hitl_sql_agent" in {a["graph_id"] for a in assistants}


def test_second_up_reuses_the_running_services(techhub_services: TechhubInstance) -> None:
    pids = {name: _pid(techhub_services.home, name) for name in (services.LOCALSMITH, services.AGENT_SERVER)}
    result = techhub_services.cli("up")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("already running") == 2
    assert {name: _pid(techhub_services.home, name) for name in pids} == pids


def test_status_shows_both_running(techhub_services: TechhubInstance) -> None:
    result = techhub_services.cli("status")
    assert result.returncode == 0, result.stderr
    lines = {line.split()[0]: line.split() for line in result.stdout.splitlines()[1:]}
    assert lines[services.LOCALSMITH][1] == "running"
    assert lines[services.AGENT_SERVER][1] == "running"
    assert lines[services.AGENT_SERVER][2] == techhub_services.agent_url


def test_status_json_names_the_mode_and_each_service(techhub_services: TechhubInstance) -> None:
    result = techhub_services.cli("status", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["mode"] == "offline" and report["summary"].startswith("OFFLINE mode:")
    assert report["langsmith_endpoint"] == techhub_services.localsmith_url
    assert report["deployment_url"] is None
    found = {s["name"]: s for s in report["services"]}
    assert set(found) == {services.LOCALSMITH, services.AGENT_SERVER}
    for name, url in ((services.LOCALSMITH, techhub_services.localsmith_url),
                      (services.AGENT_SERVER, techhub_services.agent_url)):  # fmt: skip
        assert found[name]["state"] == "running" and found[name]["url"] == url and found[name]["needed"]
        assert found[name]["pid"] == _pid(techhub_services.home, name)
        assert services.pid_alive(found[name]["pid"])


def test_logs_live_in_the_state_folder(techhub_services: TechhubInstance) -> None:
    log = services.log_path(techhub_services.home, services.AGENT_SERVER).read_text()
    assert "langgraph dev" in log and "--no-reload" in log and "--no-browser" in log
    # The agent server's pickled threads stay under TECHHUB_HOME, not in the repository.
    assert (techhub_services.home / "agent-server").is_dir()


# --- lifecycle on a fresh state folder ------------------------------------------------------------


def test_down_stops_a_crashed_or_running_service_and_reset_removes_state(
    techhub_instance: TechhubInstance,
) -> None:
    home = techhub_instance.home
    # Two `up` at once (say, two notebooks): one starts the services, the other finds them running.
    racing = [
        subprocess.Popen([sys.executable, "-m", "techhub.cli", "up"], env=techhub_instance.env, text=True,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]  # fmt: skip
    outputs = [p.communicate(timeout=180) for p in racing]
    assert [p.returncode for p in racing] == [0, 0], outputs
    assert sorted(out.count("already running") for out, _ in outputs) == [0, 2]
    first = _pid(home, services.LOCALSMITH)

    # A crashed service is reported stopped and restarted by the next `up`; the other one is reused.
    agent_pid = _pid(home, services.AGENT_SERVER)
    os.killpg(first, signal.SIGKILL)
    assert _wait_dead(first)
    assert " stopped " in techhub_instance.cli("status").stdout
    again = techhub_instance.cli("up")
    assert again.returncode == 0, again.stderr
    assert "started" in again.stdout and "already running" in again.stdout
    second = _pid(home, services.LOCALSMITH)
    assert second != first and _pid(home, services.AGENT_SERVER) == agent_pid

    down = techhub_instance.cli("down")
    assert down.returncode == 0 and "localsmith" in down.stdout and "agent-server" in down.stdout
    assert _wait_dead(second) and _wait_dead(agent_pid)
    for url in (techhub_instance.localsmith_url, techhub_instance.agent_url):
        assert not services.answers(url + "/ok")
    assert techhub_instance.cli("status").stdout.count(" stopped ") == 2
    assert techhub_instance.cli("down").stdout.strip() == "nothing was running"

    assert (home / "techhub.db").exists() and (home / "localsmith.db").exists()
    reset = techhub_instance.cli("reset")
    assert reset.returncode == 0, reset.stderr
    assert not home.exists()


def test_busy_port_gives_a_clear_error(techhub_instance: TechhubInstance) -> None:
    port = int(techhub_instance.overrides["TECHHUB_LOCALSMITH_PORT"])
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        result = techhub_instance.cli("up")
        status = techhub_instance.cli("status")
    assert result.returncode == 1
    assert f"port {port}" in result.stderr
    assert "did not start" in result.stderr and "TECHHUB_LOCALSMITH_PORT" in result.stderr
    assert "Traceback" not in result.stderr
    assert "port busy" in status.stdout
    assert not services.record_path(techhub_instance.home, services.LOCALSMITH).exists()
    assert not services.record_path(techhub_instance.home, services.AGENT_SERVER).exists()


def test_a_busy_default_port_moves_the_service_and_everyone_finds_it(
    techhub_instance: TechhubInstance, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Port 2024 is often taken; a port the learner did not choose is replaced and remembered."""
    import techhub.config

    techhub_instance.apply(monkeypatch)
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        default = squatter.getsockname()[1]
        monkeypatch.setattr(techhub.config, "LOCALSMITH_PORT", default)
        monkeypatch.delenv("TECHHUB_LOCALSMITH_PORT")
        try:
            results = services.up()
            moved = get_settings()
            assert moved.localsmith_port != default
            assert moved.langsmith_endpoint == f"http://127.0.0.1:{moved.localsmith_port}"
            assert [s.url for s, _ in results][0] == moved.langsmith_endpoint
            assert httpx.get(moved.langsmith_endpoint + "/ok").status_code == 200
            agent_env = services.agent_server_env(moved)
            assert agent_env["LANGSMITH_ENDPOINT"] == moved.langsmith_endpoint
        finally:
            stopped = services.down()
    # Long state paths (pytest's here) once made `ps` cut the command line and `down` lose track.
    assert stopped == [services.LOCALSMITH, services.AGENT_SERVER]
    assert all(not services.pid_alive(s.pid) for s, _ in results if s.pid)


def test_a_record_whose_pid_now_runs_something_else_is_never_killed(
    techhub_instance: TechhubInstance,
) -> None:
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        record = services.record_path(techhub_instance.home, services.LOCALSMITH)
        record.parent.mkdir(parents=True)
        port = int(techhub_instance.overrides["TECHHUB_LOCALSMITH_PORT"])
        command = [sys.executable, "-m", "techhub.localsmith", "--host", "127.0.0.1", "--port", str(port)]
        record.write_text(json.dumps({"pid": bystander.pid, "port": port, "command": command}))
        status = techhub_instance.cli("status")
        assert f"{services.LOCALSMITH:<13} stopped" in status.stdout
        assert techhub_instance.cli("down").stdout.strip() == "nothing was running"
        assert bystander.poll() is None
    finally:
        bystander.kill()
        bystander.wait()


def test_db_build_and_foreground_localsmith(techhub_instance: TechhubInstance, tmp_path: Path) -> None:
    built = techhub_instance.cli("db", "build")
    assert built.returncode == 0, built.stderr
    assert Path(built.stdout.strip()) == techhub_instance.home / "techhub.db"
    assert Path(built.stdout.strip()).stat().st_size > 0

    port = techhub_instance.overrides["TECHHUB_LOCALSMITH_PORT"]
    db = tmp_path / "foreground.db"
    server = subprocess.Popen(
        [sys.executable, "-m", "techhub.cli", "localsmith", "--port", port, "--db", str(db)],
        env=techhub_instance.env,
    )
    try:
        deadline = time.monotonic() + 30
        while not services.answers(techhub_instance.localsmith_url + "/ok") and time.monotonic() < deadline:
            assert server.poll() is None, "techhub localsmith exited"
            time.sleep(0.1)
        assert services.answers(techhub_instance.localsmith_url + "/ok")
        assert db.exists()
    finally:
        server.terminate()
        server.wait(timeout=15)


def test_reset_refuses_a_home_techhub_did_not_make(tmp_path: Path, techhub_instance: TechhubInstance) -> None:
    precious = tmp_path / "precious"
    (precious / "keep.txt").parent.mkdir()
    (precious / "keep.txt").write_text("mine")
    techhub_instance.env["TECHHUB_HOME"] = str(precious)
    result = techhub_instance.cli("reset")
    assert result.returncode == 1
    assert "refusing to delete" in result.stderr
    assert (precious / "keep.txt").read_text() == "mine"


def test_missing_data_is_reported_without_traceback(
    tmp_path: Path, techhub_instance: TechhubInstance
) -> None:
    techhub_instance.env["TECHHUB_DATA_DIR"] = str(tmp_path / "no-data")
    result = techhub_instance.cli("up")
    assert result.returncode == 1
    assert "could not build the TechHub database" in result.stderr and "customers.csv" in result.stderr
    assert "Traceback" not in result.stderr
    assert not services.record_path(techhub_instance.home, services.LOCALSMITH).exists()


def test_status_json_of_stopped_services_and_of_a_remote_set_up(techhub_instance: TechhubInstance) -> None:
    stopped = json.loads(techhub_instance.cli("status", "--json").stdout)
    assert [(s["state"], s["pid"]) for s in stopped["services"]] == [("stopped", None), ("stopped", None)]

    techhub_instance.env.pop("TECHHUB_OFFLINE")
    techhub_instance.env["LANGSMITH_API_KEY"] = "lsv2-learner-key"
    techhub_instance.env["LANGGRAPH_DEPLOYMENT_URL"] = "https://techhub.example.invalid"
    result = techhub_instance.cli("status", "--json")
    assert result.returncode == 0, result.stderr
    live = json.loads(result.stdout)
    assert live["mode"] == "mixed" and live["langsmith_backend"] == "cloud"  # offline model, cloud LangSmith
    assert live["deployment_url"] == "https://techhub.example.invalid"
    assert [s["needed"] for s in live["services"]] == [False, False]
    assert "lsv2-learner-key" not in result.stdout  # no secrets in the report


def test_config_error_is_reported_without_traceback(techhub_instance: TechhubInstance) -> None:
    techhub_instance.env.pop("TECHHUB_OFFLINE")
    techhub_instance.env["TECHHUB_MODEL_BACKEND"] = "openai"
    result = techhub_instance.cli("status")
    assert result.returncode == 2
    assert "OPENAI_API_KEY" in result.stderr and "Traceback" not in result.stderr
    as_json = techhub_instance.cli("status", "--json")
    assert as_json.returncode == 2 and as_json.stdout == "" and "OPENAI_API_KEY" in as_json.stderr


# --- services.py: readiness failures name the log ---------------------------------------------------


def _spec(tmp_path: Path, code: str, timeout: float) -> services.ServiceSpec:
    from techhub.localsmith.launcher import free_port

    return services.ServiceSpec(
        "probe", [sys.executable, "-c", code], free_port(), "PROBE_PORT", cwd=tmp_path, ready_timeout=timeout
    )


def test_service_that_never_answers_times_out_is_stopped_and_log_is_named(tmp_path: Path) -> None:
    spec = _spec(tmp_path, "print('warming up', flush=True); import time; time.sleep(60)", timeout=1.5)
    with pytest.raises(services.ServiceError) as caught:
        services.start(spec, tmp_path / "home")
    message = str(caught.value)
    log = services.log_path(tmp_path / "home", "probe")
    assert "did not answer" in message and str(log) in message and "warming up" in message
    assert not services.record_path(tmp_path / "home", "probe").exists()
    assert services.status(spec, tmp_path / "home").state == "stopped"


def test_service_that_exits_reports_its_code_and_last_log_lines(tmp_path: Path) -> None:
    spec = _spec(tmp_path, "import sys; print('boom: missing graph'); sys.exit(3)", timeout=30)
    with pytest.raises(services.ServiceError, match=r"exited with code 3(.|\n)*boom: missing graph"):
        services.start(spec, tmp_path / "home")


# --- what the services are started with ------------------------------------------------------------


def test_agent_server_offline_env_keeps_everything_on_loopback(
    monkeypatch: pytest.MonkeyPatch, techhub_instance: TechhubInstance
) -> None:
    techhub_instance.apply(monkeypatch)
    monkeypatch.setenv("TECHHUB_THREAD_IDLE_SECONDS", "7")
    settings = get_settings()
    agent = services.agent_server_spec(settings)
    assert agent.env["LANGGRAPH_CLI_NO_ANALYTICS"] == "1"
    assert agent.env["LANGGRAPH_NO_VERSION_CHECK"] == "true"
    assert agent.env["LANGSMITH_CONTROL_PLANE_API_KEY"] == ""
    assert agent.env["LANGSMITH_TRACING"] == "true"
    assert agent.env["LANGSMITH_ENDPOINT"] == techhub_instance.localsmith_url
    assert agent.env["LANGSMITH_API_KEY"] == LOCAL_API_KEY
    assert agent.env["LANGSMITH_PROJECT"] == TRACING_PROJECT
    assert agent.command[1:3] == ["dev", "--host"] and "--no-browser" in agent.command
    assert services.localsmith_spec(settings).env["TECHHUB_THREAD_IDLE_SECONDS"] == "7"
    assert [s.name for s in services.specs(settings)] == [services.LOCALSMITH, services.AGENT_SERVER]


def test_live_mode_traces_to_the_cloud_and_starts_nothing_for_a_remote_deployment(
    monkeypatch: pytest.MonkeyPatch, techhub_instance: TechhubInstance
) -> None:
    techhub_instance.apply(monkeypatch)
    monkeypatch.delenv("TECHHUB_OFFLINE")
    monkeypatch.setenv("LANGSMITH_API_KEY", "lsv2-learner-key")
    settings = get_settings()
    env = services.agent_server_spec(settings).env
    assert env["LANGSMITH_API_KEY"] == "lsv2-learner-key"
    assert env["LANGSMITH_ENDPOINT"] == "https://api.smith.langchain.com"
    assert [s.name for s in services.specs(settings)] == [services.AGENT_SERVER]

    monkeypatch.setenv("LANGGRAPH_DEPLOYMENT_URL", "https://techhub.example.invalid")
    assert services.specs(get_settings()) == []


# --- techhub traffic --------------------------------------------------------------------------------


def test_traffic_plays_conversations_and_prints_the_summary(techhub_services: TechhubInstance) -> None:
    result = techhub_services.cli("traffic", "-n", "3", "--concurrency", "3", "--assistant", "v2")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("traffic batch ") and "3 conversations with techhub-v2 (seed 0" in lines[0]
    for persona in ("sarah-where-is-my-order", "gregory-cancel-order", "kevin-late-delivery"):
        assert persona in result.stdout
    assert lines[-1].startswith("wall time ") and lines[-1].endswith("customer messages")
    assert "conv" in result.stderr  # the progress bar, on stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--conversations", "0"), "--conversations must be at least 1, not 0"),
        (("--concurrency", "0"), "--concurrency must be at least 1, not 0"),
        (("--assistant", "v3"), "no assistant called 'v3'"),
    ],
)
def test_traffic_bad_arguments_exit_2_with_one_line(
    techhub_services: TechhubInstance, args: tuple[str, ...], message: str
) -> None:
    result = techhub_services.cli("traffic", *args)
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert result.stdout == ""


def test_traffic_without_the_agent_server_exits_1_and_says_to_run_up(
    techhub_instance: TechhubInstance,
) -> None:
    result = techhub_instance.cli("traffic", "--conversations", "1")
    assert result.returncode == 1
    assert result.stderr.startswith("error: cannot reach the agent server")
    assert "`techhub up`" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
