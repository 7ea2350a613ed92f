"""Run the course unattended (CI's ``pytest --nbval``, ``make notebooks``) the way a fresh learner would.

The committed notebook outputs are the oracle nbval compares against, so the runs that produce them
and the runs that check them must start from the same place: offline whatever keys are around, a
throw-away state folder (so nothing a learner did earlier leaks in), free loopback ports, and the
services started before the first notebook and stopped after the last.
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
    "TECHHUB_LOCALSMITH_API_KEY", "WANDB_API_KEY",
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


@contextmanager
def offline_course(home: Path | None = None) -> Iterator[Settings]:
    """Set this process (and the kernels it starts) up as a fresh offline learner, services running.

    Yields the settings; on exit stops the services it started and restores the environment.
    """
    saved = dict(os.environ)
    home = home or Path(tempfile.mkdtemp(prefix="techhub-course-"))
    for name in LIVE_VARIABLES:
        os.environ.pop(name, None)
    os.environ.update(offline_environment(home))
    settings = get_settings()
    try:
        services.up(settings)
        yield settings
    finally:
        services.down(settings)
        os.environ.clear()
        os.environ.update(saved)
