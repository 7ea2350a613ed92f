"""Shared fixtures: an isolated, offline ``techhub`` installation and its running services.

``techhub_instance`` (function) / :class:`TechhubInstance`
    A fresh state folder in ``tmp_path`` with free ports, forced offline, ignoring any ``.env``.
    ``.env`` is the environment for subprocesses, ``.apply(monkeypatch)`` gives this process the same
    view (for in-process calls such as ``get_settings()``), ``.cli("up")`` runs
    ``python -m techhub.cli up`` with it.
``techhub_services`` (session)
    One such instance after ``techhub up``: the local LangSmith server and the agent server running
    for the whole session (``.localsmith_url``, ``.agent_url``). Stopped with ``techhub down`` at the
    end. Shared: isolate tests by thread, never by restarting it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from techhub import services
from techhub.localsmith.launcher import free_port

# Variables that could send a test to the network or to a learner's own set-up.
_LIVE_ENV = (
    "OPENAI_API_KEY", "LANGSMITH_API_KEY", "LANGCHAIN_API_KEY", "LANGSMITH_ENDPOINT", "LANGCHAIN_ENDPOINT",
    "LANGGRAPH_DEPLOYMENT_URL", "TECHHUB_MODEL_BACKEND", "TECHHUB_LANGSMITH_BACKEND", "LANGSMITH_PROJECT",
    "TECHHUB_LOCALSMITH_API_KEY",
)  # fmt: skip


def _isolate_the_test_process() -> None:
    """Tests never read a learner's ``.env`` or keys, never trace by accident, never share their
    state folder: the offline model, the local server and a throw-away ``TECHHUB_HOME``."""
    import tempfile

    for key in _LIVE_ENV:
        os.environ.pop(key, None)
    os.environ["TECHHUB_ENV_FILE"] = os.path.join(tempfile.gettempdir(), "techhub-tests-no.env")
    os.environ["TECHHUB_HOME"] = tempfile.mkdtemp(prefix="techhub-tests-")
    os.environ["LANGSMITH_TRACING"] = "false"


_isolate_the_test_process()


@dataclass
class TechhubInstance:
    home: Path
    overrides: dict[str, str]
    env: dict[str, str] = field(repr=False)
    up_output: str = ""  # stdout of the `techhub up` that started the services, if any

    @property
    def localsmith_url(self) -> str:
        return f"http://127.0.0.1:{self.overrides['TECHHUB_LOCALSMITH_PORT']}"

    @property
    def agent_url(self) -> str:
        return f"http://127.0.0.1:{self.overrides['TECHHUB_AGENT_PORT']}"

    def apply(self, patch: pytest.MonkeyPatch) -> None:
        """Make this process see the same environment as the instance (for in-process calls)."""
        for key in _LIVE_ENV:
            patch.delenv(key, raising=False)
        for key, value in self.overrides.items():
            patch.setenv(key, value)

    def cli(self, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        """Run the real CLI in a child process (as ``make workshop`` does)."""
        return subprocess.run(
            [sys.executable, "-m", "techhub.cli", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )


def make_instance(root: Path) -> TechhubInstance:
    home = root / ".techhub"
    overrides = {
        "TECHHUB_HOME": str(home),
        "TECHHUB_OFFLINE": "1",
        "TECHHUB_ENV_FILE": str(root / "absent.env"),
        "TECHHUB_LOCALSMITH_PORT": str(free_port()),
        "TECHHUB_AGENT_PORT": str(free_port()),
    }
    env = {k: v for k, v in os.environ.items() if k not in _LIVE_ENV}
    env.update(overrides)
    return TechhubInstance(home, overrides, env)


@pytest.fixture(scope="session", autouse=True)
def _no_service_outlives_the_test_session() -> Iterator[None]:
    """The session's own state folder (set above) must end with nothing running: a test that starts the
    services there (a notebook's ``course.start()``, say) and leaves them is a failure, not a stray
    process on a learner's machine or CI's."""
    home = Path(os.environ["TECHHUB_HOME"])
    yield
    names = (services.LOCALSMITH, services.AGENT_SERVER)
    left = [name for name in names if services.record_path(home, name).exists()]
    if left:
        down = [sys.executable, "-m", "techhub.cli", "down"]
        subprocess.run(down, env={**os.environ, "TECHHUB_HOME": str(home)}, capture_output=True, timeout=60)
        pytest.fail(f"the test session left {', '.join(left)} running in {home} (stopped now)")


@pytest.fixture(scope="session")
def techhub_instance_factory() -> Callable[[Path], TechhubInstance]:
    """:func:`make_instance` for a module that needs its own instance with other settings (e.g. the
    live model path); test modules cannot import ``conftest`` (several conftest modules share the name)."""
    return make_instance


@pytest.fixture
def techhub_instance(tmp_path: Path) -> Iterator[TechhubInstance]:
    instance = make_instance(tmp_path)
    try:
        yield instance
    finally:
        instance.cli("down")


@pytest.fixture(scope="session")
def techhub_services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TechhubInstance]:
    instance = make_instance(tmp_path_factory.mktemp("techhub-services"))
    result = instance.cli("up")
    try:
        assert result.returncode == 0, f"techhub up failed:\n{result.stdout}\n{result.stderr}"
        instance.up_output = result.stdout
        yield instance
    finally:
        instance.cli("down")
