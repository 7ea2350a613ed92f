"""Mode detection, settings and paths.

The course runs in two modes with one code path. Two switches decide them independently:

* the **model backend**: ``openai`` (``ChatOpenAI``) when ``OPENAI_API_KEY`` is set, otherwise
  ``offline`` (the deterministic offline model in :mod:`techhub.models`);
* the **LangSmith backend**: ``cloud`` when ``LANGSMITH_API_KEY`` is set, otherwise ``local``
  (the LangSmith-compatible server in :mod:`techhub.localsmith`).

``TECHHUB_MODEL_BACKEND`` and ``TECHHUB_LANGSMITH_BACKEND`` force a backend (``auto`` is the
default). Forcing a live backend without its key is an error, never a silent fallback.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from dotenv import load_dotenv

ModelBackend = Literal["openai", "offline"]
LangSmithBackend = Literal["cloud", "local"]

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent

TRACING_PROJECT = "techhub-workshop-deployment"
ROOT_RUN_NAME = "supervisor_hitl_sql_agent"
DEFAULT_MODEL = "gpt-4o-mini"
DEFAULT_JUDGE_MODEL = "gpt-4o-mini"
LOCALSMITH_PORT = 1984
# The store's fixed "today": every order date lies before it, and prompts and the offline model use it.
STORE_TODAY = "2025-11-20"
AGENT_SERVER_PORT = 2024
# A dummy key: the SDK's generated v2 client refuses to send requests without one.
LOCAL_API_KEY = "techhub-local"


class ConfigError(RuntimeError):
    """A setting is missing or contradicts another one."""


@lru_cache(maxsize=1)
def load_env() -> Path | None:
    """Load ``.env`` from the repository root (once). Existing variables win over the file."""
    env_file = Path(os.environ.get("TECHHUB_ENV_FILE", REPO_ROOT / ".env"))
    if env_file.is_file():
        load_dotenv(env_file, override=False)
        return env_file
    return None


def _env(name: str, default: str | None = None) -> str | None:
    """An environment variable, with empty or blank values treated as unset (as in ``.env.example``)."""
    value = os.environ.get(name, "").strip()
    return value or default


PORTS_FILE = "run/ports.json"
"""Ports ``techhub up`` chose because a default port was taken (see :func:`techhub.services.up`)."""


def _port(name: str, default: int, home: Path, service: str) -> int:
    """An explicit port wins; else the one ``techhub up`` recorded for this home; else the default."""
    explicit = _env(name)
    if explicit is not None:
        try:
            return int(explicit)
        except ValueError:
            raise ConfigError(f"{name} must be a port number, not {explicit!r}") from None
    try:
        recorded = json.loads((home / PORTS_FILE).read_text()).get(service)
    except (OSError, ValueError, AttributeError):
        recorded = None
    return recorded if isinstance(recorded, int) else default


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    """Everything the package reads from the environment, resolved once."""

    model_backend: ModelBackend
    langsmith_backend: LangSmithBackend
    model_name: str
    judge_model_name: str
    langsmith_endpoint: str
    langsmith_api_key: str
    langsmith_project: str
    deployment_url: str | None
    localsmith_port: int
    agent_server_port: int
    home: Path
    data_dir: Path

    @property
    def offline(self) -> bool:
        """True when neither the model nor LangSmith leaves this machine."""
        return self.model_backend == "offline" and self.langsmith_backend == "local"

    @property
    def database_file(self) -> Path:
        return self.home / "techhub.db"

    @property
    def mode(self) -> Literal["offline", "live", "mixed"]:
        """``offline`` (nothing leaves the machine), ``live`` (OpenAI model) or ``mixed`` (offline model,
        LangSmith cloud)."""
        return "offline" if self.offline else "live" if self.model_backend == "openai" else "mixed"

    def summary(self) -> str:
        """One line naming the active mode, without secrets."""
        model = f"model={self.model_backend} ({self.model_name})"
        smith = f"langsmith={self.langsmith_backend} ({self.langsmith_endpoint})"
        deployment = f"deployment={self.deployment_url or 'local agent server'}"
        return f"{self.mode.upper()} mode: {model}; {smith}; project={self.langsmith_project}; {deployment}"


def _model_backend() -> ModelBackend:
    forced = (_env("TECHHUB_MODEL_BACKEND") or "auto").lower()
    has_key = _env("OPENAI_API_KEY") is not None
    if forced == "offline" or _flag(os.environ.get("TECHHUB_OFFLINE")):
        return "offline"
    if forced == "openai":
        if not has_key:
            raise ConfigError("TECHHUB_MODEL_BACKEND=openai but OPENAI_API_KEY is not set (see .env.example)")
        return "openai"
    if forced != "auto":
        raise ConfigError(f"TECHHUB_MODEL_BACKEND must be auto, offline or openai, not {forced!r}")
    return "openai" if has_key else "offline"


def _langsmith_backend() -> LangSmithBackend:
    forced = (_env("TECHHUB_LANGSMITH_BACKEND") or "auto").lower()
    has_key = _env("LANGSMITH_API_KEY") not in (None, LOCAL_API_KEY)
    if forced == "local" or _flag(os.environ.get("TECHHUB_OFFLINE")):
        return "local"
    if forced == "cloud":
        if not has_key:
            raise ConfigError("TECHHUB_LANGSMITH_BACKEND=cloud but LANGSMITH_API_KEY is not set")
        return "cloud"
    if forced != "auto":
        raise ConfigError(f"TECHHUB_LANGSMITH_BACKEND must be auto, local or cloud, not {forced!r}")
    return "cloud" if has_key else "local"


def get_settings() -> Settings:
    """Resolve the settings from the environment (after loading ``.env``)."""
    load_env()
    home = Path(_env("TECHHUB_HOME") or REPO_ROOT / ".techhub").resolve()
    localsmith_port = _port("TECHHUB_LOCALSMITH_PORT", LOCALSMITH_PORT, home, "localsmith")
    langsmith_backend = _langsmith_backend()
    if langsmith_backend == "cloud":
        endpoint = _env("LANGSMITH_ENDPOINT") or "https://api.smith.langchain.com"
        api_key = os.environ["LANGSMITH_API_KEY"].strip()
    else:
        endpoint = f"http://127.0.0.1:{localsmith_port}"
        api_key = _env("TECHHUB_LOCALSMITH_API_KEY") or LOCAL_API_KEY
    return Settings(
        model_backend=_model_backend(),
        langsmith_backend=langsmith_backend,
        model_name=_env("TECHHUB_MODEL") or DEFAULT_MODEL,
        judge_model_name=_env("TECHHUB_JUDGE_MODEL") or DEFAULT_JUDGE_MODEL,
        langsmith_endpoint=endpoint.rstrip("/"),
        langsmith_api_key=api_key,
        langsmith_project=_env("LANGSMITH_PROJECT") or TRACING_PROJECT,
        deployment_url=_env("LANGGRAPH_DEPLOYMENT_URL"),
        localsmith_port=localsmith_port,
        agent_server_port=_port("TECHHUB_AGENT_PORT", AGENT_SERVER_PORT, home, "agent-server"),
        home=home,
        data_dir=Path(_env("TECHHUB_DATA_DIR") or REPO_ROOT / "data").resolve(),
    )
