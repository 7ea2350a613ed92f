"""Run the course unattended (CI's ``pytest --nbval``, ``make notebooks``) the way a fresh learner would.

The committed notebook outputs are the oracle nbval compares against, so the runs that produce them
and the runs that check them must start from the same place: offline whatever keys are around, a
throw-away state folder (so nothing a learner did earlier leaks in), free loopback ports, and the
services started before the first notebook and stopped after the last.

The environment is applied only while course code runs (:meth:`OfflineCourse.environment`): under
pytest the same process also runs the unit tests, which set their own.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from techhub import services
from techhub.config import Settings, get_settings
from techhub.localsmith.launcher import free_port

LIVE_VARIABLES = (
    "OPENAI_API_KEY", "LANGSMITH_API_KEY", "LANGCHAIN_API_KEY", "LANGSMITH_ENDPOINT", "LANGCHAIN_ENDPOINT",
    "LANGGRAPH_DEPLOYMENT_URL", "TECHHUB_MODEL_BACKEND", "TECHHUB_LANGSMITH_BACKEND", "LANGSMITH_PROJECT",
    "TECHHUB_LOCALSMITH_API_KEY", "WANDB_API_KEY", "OPENAI_BASE_URL", "OPENAI_API_BASE",
)  # fmt: skip
"""What could send an unattended run to the network or to a learner's own set-up."""


def offline_environment(home: Path) -> dict[str, str]:
    """The variables of an isolated offline run in ``home`` (what to set; what to remove is
    :data:`LIVE_VARIABLES`)."""
    return {
        "TECHHUB_HOME": str(home),
        "TECHHUB_OFFLINE": "1",
        "TECHHUB_ENV_FILE": str(home / "no.env"),
        "TECHHUB_LOCALSMITH_PORT": str(free_port()),
        "TECHHUB_AGENT_PORT": str(free_port()),
        "LANGSMITH_TRACING": "false",
    }


class OfflineCourse:
    """A fresh offline learner: a throw-away home, free ports, and the services of that home."""

    def __init__(self, home: Path | None = None) -> None:
        self.home = home or Path(tempfile.mkdtemp(prefix="techhub-course-"))
        self.variables = offline_environment(self.home)
        self.settings: Settings | None = None

    @contextmanager
    def environment(self) -> Iterator[None]:
        """This process sees the learner's environment inside the block (kernels started in it too)."""
        saved = dict(os.environ)
        for name in LIVE_VARIABLES:
            os.environ.pop(name, None)
        os.environ.update(self.variables)
        try:
            yield
        finally:
            os.environ.clear()
            os.environ.update(saved)

    def start(self) -> Settings:
        """Start the services (idempotent)."""
        with self.environment():
            self.settings = get_settings()
            services.up(self.settings)
        return self.settings

    def stop(self) -> None:
        """Stop the services this course started."""
        if self.settings is not None:
            with self.environment():
                services.down(self.settings)


@contextmanager
def offline_course(home: Path | None = None) -> Iterator[Settings]:
    """Be a fresh offline learner inside the block, services running; stopped and restored after."""
    course = OfflineCourse(home)
    with course.environment():
        try:
            yield course.start()
        finally:
            course.stop()
