"""The rollout's typed configurations and thresholds, read from ``rollout.toml`` and validated.

The seed kept its ``PRODUCTION_CONFIG`` and ``FALLBACK_CONFIG`` as Python dicts, where a typo
(``temprature``) or a bad value (``temperature = 7``) only shows up in production. Here both are
pydantic models loaded from a file in the repository: an unknown key or a bad value is a
:class:`RolloutConfigError` that names the field (``production.temperature: ...``).

Offline, each configuration runs on the offline model standing in for its model
(``get_chat_model("gpt-4o")`` returns ``OfflineChatModel(model_name="gpt-4o")``), so its runs are
priced as that model. Two caveats hold wherever offline numbers appear: the offline token counts are
approximate (about four characters per token), and the two configurations give the same answers
offline by construction, so quality differences between them can only be measured live.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from langchain_core.language_models import BaseChatModel
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from techhub.models import get_chat_model
from techhub.models.pricing import price_of

DEFAULT_CONFIG_FILE = Path(__file__).with_name("rollout.toml")

Metric = Literal[
    "success_rate",
    "error_rate",
    "latency_p50_s",
    "latency_p95_s",
    "cost_per_query",
    "positive_sentiment_rate",
    "correctness",
    "routing_rate",
]
"""The metrics a gate can check: fields of :class:`techhub.rollout.metrics.WindowMetrics`."""

Fraction = Annotated[float, Field(ge=0.0, le=1.0)]


class RolloutConfigError(ValueError):
    """``rollout.toml`` is unreadable or a value in it is invalid; the message names the field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Thresholds(_Strict):
    """What a configuration must achieve in the smoke test (the seed's Day 1-2 expected results)."""

    success_rate_min: Fraction
    latency_p95_max_s: float = Field(gt=0)
    cost_per_query_max: float = Field(gt=0)


class ModelConfig(_Strict):
    """One configuration of the agent: the seed's ``PRODUCTION_CONFIG`` or ``FALLBACK_CONFIG``.

    ``configurable()`` is what a LangGraph assistant (or a run) carries, ``tags()`` and
    ``run_metadata()`` what its traces carry, so the seed's dashboard filters
    (``has(tags, "production")``, ``has(tags, "gpt-4o-mini")``) work in LangSmith and locally.
    """

    name: str
    model: str
    temperature: float = Field(ge=0.0, le=2.0)
    timeout_seconds: float = Field(gt=0, le=600)
    max_retries: int = Field(ge=0, le=10)
    enable_caching: bool
    prompt_version: Literal["v1", "v2"]
    strategy: str = Field(min_length=1)
    thresholds: Thresholds

    @field_validator("model")
    @classmethod
    def _priced(cls, model: str) -> str:
        if price_of(model) is None:
            raise ValueError(f"no price for model {model!r} in techhub.models.pricing")
        return model

    def chat_model(self) -> BaseChatModel:
        """The chat model of this configuration in the active mode.

        Offline it is the offline model standing in for ``model`` and priced as it (token counts
        approximate; answers identical for every configuration). Without ``enable_caching`` the
        model bypasses LangChain's process-wide cache (``cache=False``); with it, it uses that cache
        when one is set (:func:`techhub.rollout.caching.apply_caching`). ``timeout_seconds`` and
        ``max_retries`` apply to the live client only and travel in :meth:`configurable`.
        """
        model = get_chat_model(self.model, temperature=self.temperature)
        return model if self.enable_caching else model.model_copy(update={"cache": False})

    def configurable(self) -> dict[str, Any]:
        """``config["configurable"]`` for an assistant running this configuration.

        The agent reads ``model`` and ``version``; the other keys are recorded in each run's
        metadata, which is how a trace says which configuration and strategy served it.
        """
        return {
            "model": self.model,
            "version": self.prompt_version,
            "temperature": self.temperature,
            "timeout_seconds": self.timeout_seconds,
            "max_retries": self.max_retries,
            "rollout_config": self.name,
            "strategy": self.strategy,
        }

    def tags(self, environment: str = "production") -> list[str]:
        """The tags the seed's dashboards filter on: environment, model, strategy."""
        return [environment, self.model, self.strategy]

    def run_metadata(self) -> dict[str, Any]:
        """Metadata for the runs this configuration serves."""
        return {"rollout_config": self.name, "strategy": self.strategy, "ls_model_name": self.model}


class Trigger(_Strict):
    """``metric op limit``: fires when the metric crosses the limit. ``seed`` keeps the seed's wording."""

    metric: Metric
    op: Literal["<", ">"]
    limit: float
    seed: str = ""

    def fires(self, value: float | None) -> bool:
        """True when ``value`` crosses the limit; a metric with no data (``None``) never fires."""
        if value is None:
            return False
        return value < self.limit if self.op == "<" else value > self.limit

    def describe(self) -> str:
        return f"{self.metric} {self.op} {self.limit:g}"


class Gate(_Strict):
    """A named list of triggers: what a stage check, the rollback monitor or the alerts look at."""

    name: str
    description: str
    triggers: tuple[Trigger, ...] = Field(min_length=1)


class Gates(_Strict):
    """The seed's three threshold lists, which disagree, kept apart and labelled.

    ``stage``: Day 3-4 ``ROLLBACK_TRIGGERS``, checked on the candidate at each rollout stage.
    ``rollback``: the risk section's ``ROLLBACK_CONDITIONS``, checked on production once rolled out.
    ``alerts``: Week 3 ``ProductionAlerts.THRESHOLDS``, sent to the alert sink.
    """

    stage: Gate
    rollback: Gate
    alerts: Gate


class RoutingSettings(_Strict):
    threshold: Fraction


class KPITargets(_Strict):
    """The seed's KPI targets (HRM confidence -> positive sentiment, TRM -> correctness, MCTS -> routing)."""

    cost_per_query: float = Field(gt=0)
    success_rate: Fraction
    positive_sentiment_rate: Fraction
    correctness: Fraction
    latency_p95_s: float = Field(gt=0)
    monthly_savings: float = Field(ge=0)
    routing_rate: Fraction
    alerts_per_day: float = Field(ge=0)


class ABSettings(_Strict):
    confidence: float = Field(gt=0.5, lt=1.0)
    non_inferiority_margin: Fraction


class RolloutConfig(_Strict):
    """Everything in ``rollout.toml``."""

    production: ModelConfig
    fallback: ModelConfig
    routing: RoutingSettings
    gates: Gates
    kpi: KPITargets
    ab: ABSettings


def _field_errors(error: ValidationError) -> str:
    lines = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "(file)"
        got = "" if item["type"] == "missing" else f" (got {item['input']!r})"
        lines.append(f"{where}: {item['msg']}{got}")
    return "; ".join(lines)


def parse_rollout_config(data: dict[str, Any], *, source: str = "rollout.toml") -> RolloutConfig:
    """Validate already-parsed TOML; the sections' names become the configurations' and gates' names."""
    data = {key: dict(value) if isinstance(value, dict) else value for key, value in data.items()}
    for section in ("production", "fallback"):
        if isinstance(data.get(section), dict):
            data[section].setdefault("name", section)
    if isinstance(data.get("gates"), dict):
        data["gates"] = {
            key: {"name": key, **value} if isinstance(value, dict) else value
            for key, value in data["gates"].items()
        }
    try:
        return RolloutConfig.model_validate(data)
    except ValidationError as error:
        raise RolloutConfigError(f"{source}: {_field_errors(error)}") from None


def load_rollout_config(path: str | Path | None = None) -> RolloutConfig:
    """Read and validate the rollout configuration (default: ``techhub/rollout/rollout.toml``)."""
    path = Path(path) if path is not None else DEFAULT_CONFIG_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise RolloutConfigError(f"{path}: cannot read the rollout configuration: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise RolloutConfigError(f"{path}: not valid TOML: {error}") from None
    return parse_rollout_config(data, source=str(path))
