"""The first code cell of every notebook: ``techhub.course.start()``.

A notebook must work however it is opened: cold after a reboot, in sequence after the previous one,
under papermill and nbval, on Binder. So its first cell does what ``make workshop`` would have done
and says where it stands:

* builds the TechHub store if needed and makes sure the services the active mode needs run
  (:func:`techhub.services.up`: the local LangSmith server offline, the local agent server unless a
  LangSmith Deployment is configured), starting them if not;
* exports what the SDKs read, so a bare ``langsmith.Client()`` in a later cell talks to the right
  LangSmith: ``LANGSMITH_ENDPOINT``, ``LANGSMITH_API_KEY`` (the local server's dummy key offline)
  and ``LANGSMITH_PROJECT``. It never sets ``LANGSMITH_TRACING``: whether the kernel itself traces
  stays the learner's choice (the deployment traces on its own);
* prints one line naming the mode and the URLs, the same on every run (ports vary between machines
  and are replaced by the notebooks' sanitizer); a second line only when it had to start services.

A configuration mistake (say ``TECHHUB_MODEL_BACKEND=openai`` without a key) or a service that will
not start fails the cell with a short message saying what to fix, not a wall of traceback.
"""

from __future__ import annotations

import os
import sqlite3

from techhub import services
from techhub.config import ConfigError, Settings, get_settings
from techhub.deployment import deployment_url


class CourseSetupError(RuntimeError):
    """The course cannot start: a setting is wrong or a service will not run. The message says why."""

    def _render_traceback_(self) -> list[str]:
        """What IPython shows instead of the traceback: the message, in red, nothing else."""
        red, reset = "\x1b[31m", "\x1b[0m"
        first, *rest = str(self).splitlines() or [""]
        return [f"{red}{type(self).__name__}: {first}{reset}", *rest]


def export_sdk_environment(settings: Settings) -> None:
    """Point the ``langsmith`` SDK (and LangChain) of this process at the LangSmith of ``settings``.

    The SDK caches what it read from the environment, so the caches are cleared too: a ``Client()``
    made after this call sees the new values even if one was made before it.
    """
    os.environ["LANGSMITH_ENDPOINT"] = settings.langsmith_endpoint
    os.environ["LANGSMITH_API_KEY"] = settings.langsmith_api_key
    os.environ["LANGSMITH_PROJECT"] = settings.langsmith_project
    from langsmith import utils

    utils.get_env_var.cache_clear()
    utils.get_tracer_project.cache_clear()


def mode_line(settings: Settings) -> str:
    """The mode and where each part runs, on one line (``Settings.summary`` plus the agent server)."""
    line = settings.summary()
    return line if settings.deployment_url else f"{line} at {deployment_url(settings)}"


def start() -> Settings:
    """Make the course ready in this kernel: store built, services up, SDK environment set.

    Idempotent and quick when everything already runs. Prints the mode line (and which services it
    started, if any) and returns the resolved :class:`~techhub.config.Settings`. Raises
    :class:`CourseSetupError` with a message that says what to fix.
    """
    try:
        settings = get_settings()
        _build_store()
        started = [status for status, started_now in services.up(settings) if started_now]
        settings = get_settings()  # `up` may have moved a service off a busy default port
    except ConfigError as error:
        raise CourseSetupError(
            f"configuration: {error}. Fix it in .env (or your shell) and re-run this cell."
        ) from None
    except services.ServiceError as error:
        raise CourseSetupError(f"{error}\n`techhub status` shows the services and their logs.") from None
    export_sdk_environment(settings)
    print(mode_line(settings))
    if started:
        names = ", ".join(status.name for status in started)
        print(f"Started now: {names} (logs in {settings.home / 'logs'}).")
    return settings


def _build_store() -> None:
    from techhub.db import database_path  # the data layer is imported only when it is needed

    try:
        database_path()
    except (OSError, ValueError, sqlite3.Error) as error:
        raise CourseSetupError(f"could not build the TechHub database: {error}") from None
