"""Weights & Biases beside LangSmith, as the seed does: per-query metrics and the daily report.

W&B runs in OFFLINE mode unless ``WANDB_API_KEY`` is set: the run is written under the state folder
(``<TECHHUB_HOME>/wandb``) and nothing leaves the machine; ``wandb sync <run dir>`` uploads it later
if you want. Everything W&B would otherwise send or collect by itself is off: error reporting and
telemetry of its ``wandb-core`` service (``WANDB_ERROR_REPORTING=false``, set before the service
starts), code and git capture, system metrics and machine metadata (which probe cloud metadata
endpoints). Its settings and caches live under the state folder too, not in the home directory.
It prints nothing (``silent``, console capture off), so a notebook's outputs are the same whether
or not a run is logged or synced.

``wandb`` is an optional dependency (the ``monitoring`` extra, installed by ``make``); importing
this module does not import it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from techhub.config import get_settings, load_env
from techhub.rollout.configs import ModelConfig
from techhub.rollout.records import QueryRecord
from techhub.rollout.report import DailyReport

WandbMode = Literal["offline", "online"]
DEFAULT_PROJECT = "techhub-rollout"


def wandb_dir(home: Path | None = None) -> Path:
    """Where W&B writes runs, settings and caches: ``<state folder>/wandb``."""
    return (home or get_settings().home) / "wandb"


def wandb_mode() -> WandbMode:
    """``online`` only when ``WANDB_API_KEY`` is set (``.env`` included); ``offline`` otherwise."""
    load_env()
    return "online" if os.environ.get("WANDB_API_KEY", "").strip() else "offline"


def wandb_environment(directory: Path, mode: WandbMode) -> dict[str, str]:
    """The environment W&B reads at start-up (its ``wandb-core`` service reads it once per process).

    W&B puts runs in a ``wandb`` folder inside ``WANDB_DIR``: its parent is the state folder.
    """
    return {
        "WANDB_MODE": mode,
        "WANDB_DIR": str(directory.parent),
        "WANDB_CONFIG_DIR": str(directory / "config"),
        "WANDB_CACHE_DIR": str(directory / "cache"),
        "WANDB_DATA_DIR": str(directory / "data"),
        "WANDB_ARTIFACT_DIR": str(directory / "artifacts"),
        "WANDB_ERROR_REPORTING": "false",
        "WANDB_DISABLE_CODE": "true",
        "WANDB_DISABLE_GIT": "true",
        "WANDB_SILENT": "true",
        "WANDB_CONSOLE": "off",
    }


def _settings(directory: Path, mode: WandbMode) -> Any:
    import wandb

    return wandb.Settings(
        mode=mode,
        root_dir=str(directory.parent),
        silent=True,
        quiet=True,
        console="off",
        show_info=False,
        show_warnings=False,
        disable_code=True,
        disable_git=True,
        save_code=False,
        x_disable_stats=True,
        x_disable_meta=True,
        x_disable_machine_info=True,
    )


def query_metrics(record: QueryRecord) -> dict[str, Any]:
    """The seed's ``log_query_metrics`` fields for one turn (our metrics instead of its confidences)."""
    return {
        "success": int(record.succeeded),
        "cost": record.cost,
        "latency_ms": record.latency_s * 1000,
        "input_tokens": record.input_tokens,
        "output_tokens": record.output_tokens,
        "topic": record.topic or "unknown",
        "model": record.model or "unknown",
        "strategy": record.strategy or "unknown",
        "positive_sentiment": None if record.sentiment is None else int(record.sentiment == "positive"),
        "timestamp": record.start_time.timestamp(),
    }


class WandbMonitor:
    """One W&B run of production monitoring; a context manager that finishes the run on exit.

    ``mode``: ``offline`` (default without ``WANDB_API_KEY``) or ``online``. ``home``: the state
    folder (default: the active one).
    """

    def __init__(
        self,
        config: ModelConfig,
        *,
        name: str | None = None,
        project: str = DEFAULT_PROJECT,
        tags: Iterable[str] = ("production", "cost-optimized"),
        mode: WandbMode | None = None,
        home: Path | None = None,
    ) -> None:
        self.mode: WandbMode = mode or wandb_mode()
        self.directory = wandb_dir(home)
        for sub in ("", "config", "cache", "data", "artifacts"):
            (self.directory / sub).mkdir(parents=True, exist_ok=True)
        os.environ.update(wandb_environment(self.directory, self.mode))
        import wandb

        self.run = wandb.init(
            project=project,
            name=name or f"{config.name}-{config.model}",
            config={
                "model": config.model,
                "strategy": config.strategy,
                "temperature": config.temperature,
                "prompt_version": config.prompt_version,
                "enable_caching": config.enable_caching,
            },
            tags=list(tags),
            settings=_settings(self.directory, self.mode),
            reinit="create_new",
        )

    @property
    def run_dir(self) -> Path:
        """The run's folder (``.../wandb/offline-run-<time>-<id>`` offline)."""
        return Path(self.run.dir).parent

    def log_query(self, record: QueryRecord) -> None:
        self.run.log(query_metrics(record))

    def log_queries(self, records: Iterable[QueryRecord]) -> int:
        count = 0
        for record in records:
            self.log_query(record)
            count += 1
        return count

    def log_daily_report(self, report: DailyReport) -> None:
        """The report's figures in the run summary and its top topics as a table."""
        import wandb

        figures = {k: v for k, v in report.as_dict().items() if k not in ("top_topics", "note")}
        self.run.summary.update({f"daily/{key}": value for key, value in figures.items()})
        table = wandb.Table(
            columns=["topic", "cost", "share", "queries"],
            data=[[t.topic, t.cost, t.share, t.queries] for t in report.top_topics],
        )
        self.run.log({"daily/top_topics": table})

    def finish(self) -> None:
        self.run.finish()

    def __enter__(self) -> WandbMonitor:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.finish()
