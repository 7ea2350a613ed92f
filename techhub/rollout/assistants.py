"""The rollout's configurations as assistants of the deployment, their versions, and the manual rollback.

One deployed graph, one assistant per configuration and environment (a LangGraph assistant is a
graph plus a saved ``config`` and ``metadata``; both reach every run it serves):

``techhub-production``  the production configuration (gpt-4o-mini), tagged ``production``
``techhub-fallback``    the fallback configuration (gpt-4o): the questions the router escalates
``techhub-baseline``    gpt-4o for every question: what production ran before the rollout (the
                        seed's "current config"), the control of the staged rollout and the A/B test
``techhub-staging``     the production configuration before it ships, tagged ``staging``; the smoke
                        test runs against it and traces into the staging project

Each assistant's ``config`` carries :meth:`ModelConfig.assistant_config` (the agent reads the model,
the prompt, temperature, timeout, retries and caching from it; the tags go on every root run) and its
``metadata`` :meth:`ModelConfig.run_metadata` (``rollout_config``, ``strategy``, ``model``,
``environment``, on every root run too).

The staging project: a run started with ``langsmith_tracing={"project_name": ...}`` is traced into
that project by the Agent Server, AND into the deployment's own project (a replica with the same
run ids; the staging copy gets ids of its own). So staging traffic also appears in
``techhub-workshop-deployment``, tagged ``staging``: production figures filter on
``has(tags, "production")``, never on "everything in the project".

Every change of an assistant's configuration is a new version of it (``assistants.update``); the
deployment keeps the old ones (``assistants.get_versions``) and serves the one marked latest
(``assistants.set_latest``). That is the seed's manual rollback, step 1 ("revert config to previous
version"), as one SDK call: :func:`rollback_assistant`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from langgraph_sdk.client import SyncLangGraphClient
from langgraph_sdk.schema import Assistant

from techhub.deployment import GRAPH_ID, DeploymentError, _explained, find_assistant
from techhub.rollout.configs import ModelConfig, RolloutConfig, load_rollout_config

PRODUCTION_ASSISTANT = "techhub-production"
FALLBACK_ASSISTANT = "techhub-fallback"
BASELINE_ASSISTANT = "techhub-baseline"
STAGING_ASSISTANT = "techhub-staging"
STAGING_PROJECT = "techhub-workshop-staging"
"""The tracing project of the staging environment (the deployment's own is the workshop's)."""
ROLLOUT_ASSISTANTS = (PRODUCTION_ASSISTANT, FALLBACK_ASSISTANT, BASELINE_ASSISTANT, STAGING_ASSISTANT)


ASSISTANT_OF_CONFIG = {
    "production": PRODUCTION_ASSISTANT,
    "fallback": FALLBACK_ASSISTANT,
    "baseline": BASELINE_ASSISTANT,
}


def baseline_config(config: RolloutConfig) -> ModelConfig:
    """The configuration before the rollout: the fallback's model for every question, as its own
    strategy (``baseline``), so its queries never count as routed to the fallback."""
    return config.fallback.model_copy(update={"name": "baseline", "strategy": "baseline"})


def assistant_for(config: ModelConfig) -> str:
    """The assistant that serves ``config`` in production (``techhub-production``, ``techhub-fallback``)."""
    try:
        return ASSISTANT_OF_CONFIG[config.name]
    except KeyError:
        raise ValueError(f"no production assistant for configuration {config.name!r}") from None


def _wanted(
    config: ModelConfig, environment: str, overrides: Mapping[str, Any] | None, cache_scope: str | None
) -> tuple[dict, dict]:
    assistant_config = config.assistant_config(environment, cache_scope)
    if overrides:
        assistant_config["configurable"] = {**assistant_config["configurable"], **overrides}
    return assistant_config, config.run_metadata(environment)


def _same(assistant: Assistant, config: dict, metadata: dict) -> bool:
    current = assistant.get("config") or {}
    return (
        current.get("configurable") == config["configurable"]
        and list(current.get("tags") or []) == config["tags"]
        and {k: (assistant.get("metadata") or {}).get(k) for k in metadata} == metadata
    )


def ensure_config_assistant(
    client: SyncLangGraphClient,
    name: str,
    config: ModelConfig,
    *,
    environment: str = "production",
    overrides: Mapping[str, Any] | None = None,
    cache_scope: str | None = None,
) -> Assistant:
    """The assistant ``name`` serving ``config`` in ``environment``: created if missing, updated (a new
    version) if its configuration differs, left alone otherwise (re-running never adds versions).

    ``overrides`` replace keys of ``configurable`` (e.g. ``{"version": "v3"}``: a prompt revision);
    ``cache_scope`` names the response cache of a configuration with caching (see
    :meth:`ModelConfig.configurable`).
    """
    assistant_config, metadata = _wanted(config, environment, overrides, cache_scope)
    with _explained(client):
        found = find_assistant(client, name, GRAPH_ID)
        if found is None:
            return client.assistants.create(GRAPH_ID, config=assistant_config, metadata=metadata, name=name)
        if _same(found, assistant_config, metadata):
            return found
        return client.assistants.update(found["assistant_id"], config=assistant_config, metadata=metadata)


def ensure_rollout_assistants(
    client: SyncLangGraphClient, config: RolloutConfig | None = None, *, cache_scope: str | None = None
) -> dict[str, Assistant]:
    """``techhub-production``, ``techhub-fallback``, ``techhub-baseline`` and ``techhub-staging``."""
    config = config or load_rollout_config()
    scope = {"cache_scope": cache_scope}
    return {
        PRODUCTION_ASSISTANT: ensure_config_assistant(
            client, PRODUCTION_ASSISTANT, config.production, **scope
        ),
        FALLBACK_ASSISTANT: ensure_config_assistant(client, FALLBACK_ASSISTANT, config.fallback, **scope),
        BASELINE_ASSISTANT: ensure_config_assistant(
            client, BASELINE_ASSISTANT, baseline_config(config), **scope
        ),
        STAGING_ASSISTANT: ensure_config_assistant(
            client, STAGING_ASSISTANT, config.production, environment="staging", **scope
        ),
    }


def describe(assistant: Assistant | Mapping[str, Any]) -> str:
    """``gpt-4o-mini, prompt v2, caching on, tags production/gpt-4o-mini/standard``: what a version serves."""
    config = assistant.get("config") or {}
    configurable = config.get("configurable") or {}
    caching = {True: "caching on", False: "caching off"}.get(configurable.get("enable_caching"), "")
    parts = [
        str(configurable.get("model") or "default model"),
        f"prompt {configurable.get('version') or 'default'}",
        caching,
        f"tags {'/'.join(config.get('tags') or []) or '-'}",
    ]
    return ", ".join(part for part in parts if part)


@dataclass(frozen=True)
class Rollback:
    """What :func:`rollback_assistant` did."""

    assistant: str
    from_version: int
    to_version: int
    from_config: str
    to_config: str

    def __str__(self) -> str:
        return (
            f"{self.assistant}: version {self.from_version} ({self.from_config}) -> "
            f"version {self.to_version} ({self.to_config})"
        )


def assistant_versions(client: SyncLangGraphClient, name: str) -> tuple[Assistant, list[dict]]:
    """The assistant called ``name`` (its latest version) and all its versions, newest first."""
    with _explained(client):
        assistant = find_assistant(client, name, GRAPH_ID)
        if assistant is None:
            raise DeploymentError(f"no assistant called {name!r} on the deployment")
        versions = client.assistants.get_versions(assistant["assistant_id"], limit=1000)
    return assistant, sorted(versions, key=lambda v: v["version"], reverse=True)


def _fingerprint(version: Mapping[str, Any]) -> tuple:
    config = version.get("config") or {}
    metadata = {k: v for k, v in (version.get("metadata") or {}).items() if k != "assistant_id"}
    return (repr(sorted((config.get("configurable") or {}).items())), tuple(config.get("tags") or []),
            repr(sorted(metadata.items())))  # fmt: skip


def rollback_assistant(
    client: SyncLangGraphClient, name: str = PRODUCTION_ASSISTANT, *, to_version: int | None = None
) -> Rollback:
    """Serve an earlier version of assistant ``name`` (``assistants.set_latest``).

    Default target: the newest version older than the one served whose configuration differs from
    it (versions identical to the bad one, e.g. the same bad change made twice, are skipped).
    Nothing has to be restarted: every new conversation uses the restored version. A conversation
    under way keeps the configuration its thread started with (the agent server pins a thread's
    configuration at its first run). Raises :class:`DeploymentError` when there is nothing to roll
    back to.
    """
    assistant, versions = assistant_versions(client, name)
    current = next(v for v in versions if v["version"] == assistant["version"])
    if to_version is None:
        served = _fingerprint(current)
        earlier = [v for v in versions if v["version"] < current["version"] and _fingerprint(v) != served]
        if not earlier:
            raise DeploymentError(
                f"{name} has no earlier version with another configuration to roll back to "
                f"(it serves version {current['version']})"
            )
        target = earlier[0]
    else:
        target = next((v for v in versions if v["version"] == to_version), None)
        if target is None:
            known = ", ".join(str(v["version"]) for v in versions)
            raise DeploymentError(f"{name} has no version {to_version} (versions: {known})")
    with _explained(client):
        client.assistants.set_latest(assistant["assistant_id"], target["version"])
    return Rollback(name, current["version"], target["version"], describe(current), describe(target))
