"""Start the server as a child process on a free loopback port (tests, benchmarks, the CLI).

``python -m techhub.localsmith`` is the one way the server runs; this module starts that exact
command, waits until ``/ok`` answers, and stops it again. Tests and benchmarks use it so they
exercise the real process (uvicorn, SQLite file, signals), not an in-process app.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class RunningServer:
    """A server child process: where it listens, its SQLite file, the process and its stderr log."""

    url: str
    port: int
    db_path: Path
    process: subprocess.Popen
    log_path: Path

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10.0) -> None:
        """Send ``sig`` (SIGKILL to simulate a crash) and wait for the process to exit."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=timeout)


def start_server(
    db_path: str | Path,
    *,
    port: int | None = None,
    api_key: str | None = None,
    max_body_bytes: int | None = None,
    timeout: float = 30.0,
) -> RunningServer:
    """Start ``python -m techhub.localsmith`` and return once ``GET /ok`` succeeds.

    ``api_key`` sets ``TECHHUB_LOCALSMITH_API_KEY`` for the child (requests then need ``x-api-key``).
    Raises ``RuntimeError`` with the child's stderr if it exits or does not answer in ``timeout``.
    """
    port = port or free_port()
    cmd = [sys.executable, "-m", "techhub.localsmith", "--host", "127.0.0.1", "--port", str(port),
           "--db", str(db_path)]
    if max_body_bytes is not None:
        cmd += ["--max-body-bytes", str(max_body_bytes)]
    env = {k: v for k, v in os.environ.items() if k != "TECHHUB_LOCALSMITH_API_KEY"}
    if api_key:
        env["TECHHUB_LOCALSMITH_API_KEY"] = api_key
    # stderr goes to a file next to the database: a pipe nobody reads would block the server.
    log_path = Path(f"{db_path}.log")
    with open(log_path, "ab") as log:
        process = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=log)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            err = log_path.read_text(errors="replace")
            raise RuntimeError(f"localsmith exited with {process.returncode}: {err[-2000:]}")
        try:
            if httpx.get(f"{url}/ok", timeout=1.0).status_code == 200:
                return RunningServer(url=url, port=port, db_path=Path(db_path), process=process,
                                     log_path=log_path)
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"localsmith did not answer on {url}/ok within {timeout}s")


@contextmanager
def running_server(db_path: str | Path, **kwargs) -> Iterator[RunningServer]:
    """:func:`start_server` as a context manager that stops the process on exit."""
    server = start_server(db_path, **kwargs)
    try:
        yield server
    finally:
        server.stop()
