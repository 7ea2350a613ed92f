"""Reach the deployed agent: a LangSmith Deployment when live, the local agent server offline.

Thin on purpose: notebooks call ``langgraph_sdk`` themselves (``client.threads.create()``,
``client.runs.wait(...)``); these helpers only pick the URL and make sure the two assistants the
course compares exist. The two assistants run the same graph and differ only by
``config["configurable"]["version"]``: ``v1`` (the prompt that does not state the agent's limits)
and ``v2`` (the prompt that does).
"""

from __future__ import annotations

from langgraph_sdk import get_sync_client
from langgraph_sdk.client import SyncLangGraphClient
from langgraph_sdk.schema import Assistant

from techhub.config import ROOT_RUN_NAME, Settings, get_settings

GRAPH_ID = ROOT_RUN_NAME
ASSISTANT_VERSIONS = {"techhub-v1": "v1", "techhub-v2": "v2"}


def deployment_url(settings: Settings | None = None) -> str:
    """``LANGGRAPH_DEPLOYMENT_URL`` when set, else the local agent server started by ``techhub up``."""
    settings = settings or get_settings()
    return settings.deployment_url or f"http://127.0.0.1:{settings.agent_server_port}"


def get_deployment_client(settings: Settings | None = None) -> SyncLangGraphClient:
    """A synchronous ``langgraph_sdk`` client for the deployment.

    A remote deployment needs the LangSmith key (sent as ``x-api-key``). The local server needs
    none, and we send none: the SDK would otherwise pick up whatever key is in the environment.
    """
    settings = settings or get_settings()
    if settings.deployment_url:
        return get_sync_client(url=settings.deployment_url, api_key=settings.langsmith_api_key)
    return get_sync_client(url=deployment_url(settings), api_key=None)


def ensure_assistants(client: SyncLangGraphClient, graph_id: str = GRAPH_ID) -> dict[str, Assistant]:
    """Create ``techhub-v1`` and ``techhub-v2`` for ``graph_id`` if missing; fix their config if not.

    Idempotent: found by exact name (the server's name filter matches substrings), so running a
    notebook twice never makes duplicates. Returns ``{name: assistant}``.
    """
    result: dict[str, Assistant] = {}
    for name, version in ASSISTANT_VERSIONS.items():
        config = {"configurable": {"version": version}}
        matches = client.assistants.search(graph_id=graph_id, name=name, limit=100)
        found = [a for a in matches if a["name"] == name]
        if not found:
            result[name] = client.assistants.create(graph_id, config=config, name=name)
            continue
        assistant = found[0]
        if (assistant.get("config") or {}).get("configurable", {}).get("version") != version:
            assistant = client.assistants.update(assistant["assistant_id"], config=config)
        result[name] = assistant
    return result
