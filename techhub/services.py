"""Start, stop and inspect the course's background services (local LangSmith server, agent server).

Why this exists: a learner types ``make workshop`` (or a notebook calls :func:`up`) and both servers
must be there, once, on the ports the settings name, whatever ran before. So each service we start
leaves a small JSON record (pid, port, url) in ``<home>/run/`` and writes its output to
``<home>/logs/<name>.log``. With those we can tell "ours, already running" from "a stale record"
from "the port is taken by something that is not ours", and every failure names the log to read.

Services run in their own process group (``start_new_session``) so that they outlive the notebook
kernel or shell that started them and can be stopped as a whole. POSIX only (Linux, macOS, WSL).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import httpx

from techhub.config import PORTS_FILE, REPO_ROOT, Settings, get_settings
from techhub.localsmith.launcher import free_port

LOCALSMITH = "localsmith"
AGENT_SERVER = "agent-server"
HOST = "127.0.0.1"
GRAPH_CONFIG = REPO_ROOT / "langgraph.json"
# The marker that lets `reset` delete a TECHHUB_HOME that is not named `.techhub`.
HOME_MARKER = ".techhub-home"

State = Literal["running", "stopped", "unhealthy", "port busy"]


class ServiceError(RuntimeError):
    """A service could not be started or stopped; the message says why and where to look."""


class PortBusyError(ServiceError):
    """The service's port is taken by a process that techhub did not start."""


@dataclass(frozen=True)
class ServiceSpec:
    """How to run one service: the command, its environment, and where it answers."""

    name: str
    command: list[str]
    port: int
    port_env: str  # the variable a learner sets to move the service to another port
    env: dict[str, str] = field(default_factory=dict)
    cwd: Path = REPO_ROOT
    host: str = HOST
    ready_path: str = "/ok"
    ready_timeout: float = 60.0

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


@dataclass(frozen=True)
class ServiceStatus:
    """What :func:`status` found for one service."""

    name: str
    state: State
    url: str
    pid: int | None
    log: Path
    detail: str = ""

    def line(self) -> str:
        """One human line for ``techhub status``."""
        pid = f"pid {self.pid}" if self.pid else "no pid"
        extra = f"  ({self.detail})" if self.detail else ""
        return f"{self.name:<13} {self.state:<10} {self.url:<24} {pid:<10} log: {self.log}{extra}"


# ---------------------------------------------------------------------------------------------
# Paths and records


def log_path(home: Path, name: str) -> Path:
    return home / "logs" / f"{name}.log"


def record_path(home: Path, name: str) -> Path:
    return home / "run" / f"{name}.json"


def ensure_home(home: Path) -> Path:
    """Create the state folder with its marker, so that ``reset`` knows it may delete it."""
    (home / "run").mkdir(parents=True, exist_ok=True)
    (home / "logs").mkdir(parents=True, exist_ok=True)
    (home / HOME_MARKER).touch()
    return home


def _read_record(home: Path, name: str) -> dict | None:
    path = record_path(home, name)
    try:
        record = json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    return record if isinstance(record, dict) and isinstance(record.get("pid"), int) else None


def _write_record(home: Path, spec: ServiceSpec, pid: int) -> None:
    record = {"pid": pid, "port": spec.port, "url": spec.url, "command": spec.command}
    path = record_path(home, spec.name)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(record, indent=2))
    tmp.replace(path)


@contextlib.contextmanager
def _locked(home: Path) -> Iterator[None]:
    """Serialize up/down across processes (two notebooks starting services at once)."""
    (home / "run").mkdir(parents=True, exist_ok=True)
    with open(home / "run" / "services.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# ---------------------------------------------------------------------------------------------
# Processes and ports


def pid_alive(pid: int) -> bool:
    """True while ``pid`` runs. Reaps it first if it is our own exited child (a zombie looks alive).

    An exited process whose parent is still alive but not us (a service started by a notebook
    kernel, stopped by ``techhub down`` in a shell) stays a zombie until that parent reaps it: it
    counts as dead, or ``down`` would wait for it in vain.
    """
    with contextlib.suppress(ChildProcessError, OSError):
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    """True if ``pid`` has exited and waits for its parent to reap it (Linux; False where unknown)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[:1] == ["Z"]


def port_is_free(host: str, port: int) -> bool:
    """True if nothing listens on ``host:port`` (a bind test, as the servers themselves will do)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def answers(url: str, timeout: float = 2.0) -> bool:
    """True if ``GET url`` returns 2xx. Loopback only in practice: our services bind 127.0.0.1."""
    try:
        return httpx.get(url, timeout=timeout, trust_env=False).is_success
    except httpx.HTTPError:
        return False


def _is_ours(record: dict) -> bool:
    """True if the record's pid is alive and still runs the command we started (pids get reused)."""
    pid = record["pid"]
    if not pid_alive(pid):
        return False
    try:
        args = subprocess.run(
            ["ps", "-ww", "-o", "args=", "-p", str(pid)], capture_output=True, text=True, timeout=5
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return True  # cannot tell: trust the record rather than lose track of a running server
    return " ".join(record.get("command", [])[1:]) in args


def _log_tail(path: Path, lines: int = 15) -> str:
    try:
        text = path.read_text(errors="replace").rstrip().splitlines()
    except FileNotFoundError:
        return "(no log written)"
    return "\n".join("    " + line for line in text[-lines:]) or "    (log is empty)"


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, sig)


def _terminate(pid: int, timeout: float) -> None:
    """SIGTERM the process group (servers save their state on it), SIGKILL after ``timeout``."""
    _signal_group(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not pid_alive(pid):
            return
        time.sleep(0.05)
    _signal_group(pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)


# ---------------------------------------------------------------------------------------------
# One service


def status(spec: ServiceSpec, home: Path) -> ServiceStatus:
    """Look at the record, the process and the port; change nothing."""
    record = _read_record(home, spec.name)
    log = log_path(home, spec.name)
    if record is not None and _is_ours(record):
        pid = record["pid"]
        url = record.get("url", spec.url)
        if record.get("port") != spec.port:
            detail = f"running on port {record.get('port')}, settings say {spec.port}"
            return ServiceStatus(spec.name, "unhealthy", url, pid, log, detail)
        if answers(url + spec.ready_path):
            return ServiceStatus(spec.name, "running", url, pid, log)
        return ServiceStatus(spec.name, "unhealthy", url, pid, log, f"not answering {spec.ready_path}")
    if not port_is_free(spec.host, spec.port):
        detail = f"port {spec.port} is used by a process techhub did not start"
        return ServiceStatus(spec.name, "port busy", spec.url, None, log, detail)
    return ServiceStatus(spec.name, "stopped", spec.url, None, log)


def start(spec: ServiceSpec, home: Path) -> tuple[ServiceStatus, bool]:
    """Start ``spec`` unless it already runs; wait until it answers. Returns (status, started_now).

    Raises :class:`PortBusyError` when the port belongs to someone else, and :class:`ServiceError`
    when the service exits or does not answer within ``spec.ready_timeout`` (the message quotes the
    end of the log and names the log file).
    """
    ensure_home(home)
    current = status(spec, home)
    if current.state == "running":
        return current, False
    if current.state == "unhealthy":  # ours but wrong port or hung: restart it cleanly
        stop(spec, home)
    elif current.state == "port busy":
        raise PortBusyError(
            f"{spec.name}: port {spec.port} on {spec.host} is already in use by a process that techhub "
            f"did not start. Stop that process, or choose a free port with {spec.port_env}=<port> "
            f"(in your shell or in .env)."
        )
    log = log_path(home, spec.name)
    spec.cwd.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        out.write(f"\n--- techhub: starting {spec.name} on {spec.url}: {' '.join(spec.command)}\n".encode())
        out.flush()
        process = subprocess.Popen(
            spec.command,
            cwd=spec.cwd,
            env=spec.env or None,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    _write_record(home, spec, process.pid)
    try:
        _wait_until_ready(spec, process, log)
    except ServiceError:
        record_path(home, spec.name).unlink(missing_ok=True)
        raise
    return ServiceStatus(spec.name, "running", spec.url, process.pid, log), True


def _wait_until_ready(spec: ServiceSpec, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + spec.ready_timeout
    url = spec.url + spec.ready_path
    while time.monotonic() < deadline:
        code = process.poll()
        if code is not None:
            raise ServiceError(
                f"{spec.name} exited with code {code} before answering {url}.\n"
                f"Last lines of {log}:\n{_log_tail(log)}"
            )
        if answers(url, timeout=1.0):
            return
        time.sleep(0.1)
    _terminate(process.pid, timeout=5)
    raise ServiceError(
        f"{spec.name} did not answer {url} within {spec.ready_timeout:.0f} s and was stopped.\n"
        f"Last lines of {log}:\n{_log_tail(log)}"
    )


def stop(spec: ServiceSpec, home: Path, timeout: float = 10.0) -> bool:
    """Stop the service if we started it. Returns True if a process was stopped."""
    record = _read_record(home, spec.name)
    record_path(home, spec.name).unlink(missing_ok=True)
    if record is None or not _is_ours(record):
        return False
    _terminate(record["pid"], timeout)
    return True


# ---------------------------------------------------------------------------------------------
# The course's two services


def localsmith_spec(settings: Settings) -> ServiceSpec:
    """The local LangSmith-compatible server, storing into ``<home>/localsmith.db``."""
    env = dict(os.environ)
    env["TECHHUB_HOME"] = str(settings.home)
    # The rule engine's idle time before a thread counts as finished: passed through on purpose.
    if "TECHHUB_THREAD_IDLE_SECONDS" in os.environ:
        env["TECHHUB_THREAD_IDLE_SECONDS"] = os.environ["TECHHUB_THREAD_IDLE_SECONDS"]
    command = [
        sys.executable, "-m", "techhub.localsmith",
        "--host", HOST, "--port", str(settings.localsmith_port),
        "--db", str(settings.home / "localsmith.db"),
    ]  # fmt: skip
    return ServiceSpec(
        LOCALSMITH, command, settings.localsmith_port, "TECHHUB_LOCALSMITH_PORT", env, ready_timeout=30
    )


def agent_server_env(settings: Settings) -> dict[str, str]:
    """The environment of ``langgraph dev``: no analytics, no version check, traces to our LangSmith.

    Offline, traces go to the local server with its dummy key; live, to LangSmith cloud with the
    learner's key. The model and LangSmith backends are pinned so the server resolves the same mode
    as the process that started it.
    """
    env = dict(os.environ)
    env.setdefault("LOG_COLOR", "false")  # plain text in the log file
    env.update(
        LANGGRAPH_CLI_NO_ANALYTICS="1",
        LANGGRAPH_NO_VERSION_CHECK="true",
        LANGSMITH_CONTROL_PLANE_API_KEY="",
        LANGSMITH_TRACING="true",
        LANGSMITH_ENDPOINT=settings.langsmith_endpoint,
        LANGSMITH_API_KEY=settings.langsmith_api_key,
        LANGSMITH_PROJECT=settings.langsmith_project,
        TECHHUB_HOME=str(settings.home),
        TECHHUB_MODEL_BACKEND=settings.model_backend,
        TECHHUB_LANGSMITH_BACKEND=settings.langsmith_backend,
        TECHHUB_LOCALSMITH_PORT=str(settings.localsmith_port),
        TECHHUB_AGENT_PORT=str(settings.agent_server_port),
    )
    return env


def agent_server_spec(settings: Settings) -> ServiceSpec:
    """``langgraph dev`` for ``langgraph.json``, run from ``<home>/agent-server/``.

    The working folder matters: the in-memory runtime pickles its threads to ``./.langgraph_api/``,
    so running from the state folder keeps that state under ``TECHHUB_HOME`` (one per home, removed
    by ``reset``) and out of the repository.
    """
    langgraph = Path(sys.executable).with_name("langgraph")
    command = [
        str(langgraph) if langgraph.exists() else "langgraph", "dev",
        "--host", HOST, "--port", str(settings.agent_server_port),
        "--no-browser", "--no-reload", "--config", str(GRAPH_CONFIG),
    ]  # fmt: skip
    return ServiceSpec(
        AGENT_SERVER,
        command,
        settings.agent_server_port,
        "TECHHUB_AGENT_PORT",
        agent_server_env(settings),
        cwd=settings.home / "agent-server",
        ready_timeout=90,
    )


def specs(settings: Settings) -> list[ServiceSpec]:
    """The services this mode needs: localsmith unless LangSmith is the cloud, the agent server
    unless a remote deployment (``LANGGRAPH_DEPLOYMENT_URL``) is configured."""
    needed = []
    if settings.langsmith_backend == "local":
        needed.append(localsmith_spec(settings))
    if not settings.deployment_url:
        needed.append(agent_server_spec(settings))
    return needed


def all_specs(settings: Settings) -> list[ServiceSpec]:
    """Both services whatever the mode (``down``, ``status`` and ``reset`` look at both)."""
    return [localsmith_spec(settings), agent_server_spec(settings)]


def _move_off_busy_ports(settings: Settings) -> Settings:
    """Give a service whose default port another program holds a free port, and remember it.

    Only ports the learner did not choose: an explicit ``TECHHUB_*_PORT`` that is busy stays an
    error. The choice goes to ``<home>/run/ports.json``, which :func:`techhub.config.get_settings`
    reads, so notebooks and the CLI find the service wherever it landed.
    """
    ports_file = settings.home / PORTS_FILE
    chosen = json.loads(ports_file.read_text()) if ports_file.is_file() else {}
    for spec in specs(settings):
        if os.environ.get(spec.port_env, "").strip() or status(spec, settings.home).state != "port busy":
            continue
        chosen[spec.name] = free_port()
        if spec.name == LOCALSMITH:
            port = chosen[spec.name]
            endpoint = f"http://{HOST}:{port}" if settings.langsmith_backend == "local" else None
            settings = replace(
                settings, localsmith_port=port, langsmith_endpoint=endpoint or settings.langsmith_endpoint
            )
        else:
            settings = replace(settings, agent_server_port=chosen[spec.name])
        ports_file.write_text(json.dumps(chosen, indent=2))
    return settings


def up(
    settings: Settings | None = None, report: Callable[[ServiceStatus, bool], None] | None = None
) -> list[tuple[ServiceStatus, bool]]:
    """Make sure every needed service runs (idempotent; safe from several processes at once).

    A default port held by another program is replaced by a free one (see
    :func:`_move_off_busy_ports`). ``report(status, started_now)`` is called as each service becomes
    ready, to show progress.
    """
    settings = settings or get_settings()
    ensure_home(settings.home)
    results = []
    with _locked(settings.home):
        settings = _move_off_busy_ports(settings)
        for spec in specs(settings):
            results.append(start(spec, settings.home))
            if report is not None:
                report(*results[-1])
    return results


def down(settings: Settings | None = None) -> list[str]:
    """Stop every service we started; returns the names of those that were running."""
    settings = settings or get_settings()
    if not (settings.home / "run").is_dir():
        return []
    with _locked(settings.home):
        return [spec.name for spec in all_specs(settings) if stop(spec, settings.home)]
