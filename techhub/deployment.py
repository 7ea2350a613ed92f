"""Reach the deployed agent: a LangSmith Deployment when live, the local agent server offline.

Thin on purpose: notebooks call ``langgraph_sdk`` themselves (``client.threads.create()``,
``client.runs.wait(...)``) when that is the lesson. These helpers pick the URL, make sure the two
assistants the course compares exist, and hold a :class:`Conversation`, the object the chat panel,
the simulated customers and the demos talk through. The two assistants run the same graph and
differ only by ``config["configurable"]["version"]``: ``v1`` (the prompt that does not state the
agent's limits) and ``v2`` (the prompt that does).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

import httpx
from langgraph_sdk import get_sync_client
from langgraph_sdk.client import SyncLangGraphClient
from langgraph_sdk.schema import Assistant

from techhub.config import ROOT_RUN_NAME, Settings, get_settings

GRAPH_ID = ROOT_RUN_NAME
ASSISTANT_VERSIONS = {"techhub-v1": "v1", "techhub-v2": "v2"}
SHORT_NAMES = {"v1": "techhub-v1", "v2": "techhub-v2"}
DEFAULT_ASSISTANT = "techhub-v1"
RUN_TIMEOUT_SECONDS = 120.0

Role = Literal["user", "assistant"]


class DeploymentError(RuntimeError):
    """Talking to the deployed agent failed; the message says what to do about it."""


def deployment_url(settings: Settings | None = None) -> str:
    """``LANGGRAPH_DEPLOYMENT_URL`` when set, else the local agent server started by ``techhub up``."""
    settings = settings or get_settings()
    return settings.deployment_url or f"http://127.0.0.1:{settings.agent_server_port}"


def get_deployment_client(settings: Settings | None = None) -> SyncLangGraphClient:
    """A synchronous ``langgraph_sdk`` client for the deployment.

    A remote deployment needs the LangSmith key (sent as ``x-api-key``). The local server needs
    none, and we send none: the SDK would otherwise pick up whatever key is in the environment.
    Runs may take up to :data:`RUN_TIMEOUT_SECONDS`.
    """
    settings = settings or get_settings()
    timeout = httpx.Timeout(RUN_TIMEOUT_SECONDS, connect=5.0)
    if settings.deployment_url:
        key = settings.langsmith_api_key
        return get_sync_client(url=settings.deployment_url, api_key=key, timeout=timeout)
    # The SDK's own client retries a refused connection 5 times with backoff (~10 s): right for a
    # remote deployment, but on loopback a refusal means the server is down, and the learner should
    # hear so at once. Idle connections are dropped before the server's own keep-alive timeout
    # (uvicorn: 5 s), so a request never goes out on a connection the server is closing.
    local = httpx.Client(
        base_url=deployment_url(settings),
        transport=httpx.HTTPTransport(retries=1, limits=httpx.Limits(keepalive_expiry=2.0)),
        timeout=timeout,
    )
    return SyncLangGraphClient(local)


def ensure_assistants(client: SyncLangGraphClient, graph_id: str = GRAPH_ID) -> dict[str, Assistant]:
    """Create ``techhub-v1`` and ``techhub-v2`` for ``graph_id`` if missing; fix their config if not.

    Idempotent: found by exact name (the server's name filter matches substrings), so running a
    notebook twice never makes duplicates. Returns ``{name: assistant}``.
    """
    result: dict[str, Assistant] = {}
    for name, version in ASSISTANT_VERSIONS.items():
        config = {"configurable": {"version": version}}
        assistant = find_assistant(client, name, graph_id)
        if assistant is None:
            result[name] = client.assistants.create(graph_id, config=config, name=name)
            continue
        if (assistant.get("config") or {}).get("configurable", {}).get("version") != version:
            assistant = client.assistants.update(assistant["assistant_id"], config=config)
        result[name] = assistant
    return result


def find_assistant(client: SyncLangGraphClient, name: str, graph_id: str = GRAPH_ID) -> Assistant | None:
    """The assistant of ``graph_id`` called exactly ``name``, or None."""
    matches = client.assistants.search(graph_id=graph_id, name=name, limit=100)
    return next((a for a in matches if a["name"] == name), None)


def resolve_assistant(client: SyncLangGraphClient, name: str) -> Assistant:
    """The assistant called ``name`` (``v1`` / ``v2`` are short for ``techhub-v1`` / ``techhub-v2``).

    The course's two assistants are created on first use; any other name must exist already.
    Raises :class:`DeploymentError` naming the assistants that do exist.
    """
    full = SHORT_NAMES.get(name, name)
    with _explained(client):
        if full in ASSISTANT_VERSIONS:
            return ensure_assistants(client)[full]
        found = find_assistant(client, full)
        if found is not None:
            return found
        known = sorted({a["name"] for a in client.assistants.search(graph_id=GRAPH_ID, limit=100)})
    raise DeploymentError(
        f"no assistant called {name!r} on the deployment; known assistants: {', '.join(known) or 'none'} "
        "(v1 and v2 are short for techhub-v1 and techhub-v2)"
    )


def _base_url(client: SyncLangGraphClient) -> str:
    return str(client.http.client.base_url).rstrip("/")


@contextmanager
def _explained(client: SyncLangGraphClient) -> Iterator[None]:
    """Turn the HTTP errors a learner can cause into a :class:`DeploymentError` that says what to do."""
    url = _base_url(client)
    try:
        yield
    except httpx.ConnectError as error:
        local = url.startswith(("http://127.0.0.1", "http://localhost"))
        hint = (
            "Start it with `techhub up` (or `make workshop`); `techhub status` shows what runs."
            if local
            else "Check LANGGRAPH_DEPLOYMENT_URL and that the deployment is up in LangSmith."
        )
        raise DeploymentError(f"cannot reach the agent server at {url}. {hint}") from error
    except httpx.TimeoutException as error:
        raise DeploymentError(
            f"the agent server at {url} did not answer in time; `techhub status` shows whether it is "
            "healthy and where its log is."
        ) from error
    except httpx.TransportError as error:  # the connection broke mid-request (reset, protocol error)
        raise DeploymentError(
            f"the connection to the agent server at {url} broke ({error}); try again, and if it keeps "
            "happening `techhub status` shows whether the server is healthy and where its log is."
        ) from error
    except httpx.HTTPStatusError as error:
        response = error.response
        detail = response.text[:300] if response is not None else str(error)
        status = response.status_code if response is not None else "?"
        hint = {
            401: "check LANGSMITH_API_KEY (a remote deployment needs it).",
            403: "check LANGSMITH_API_KEY (a remote deployment needs it).",
            404: "the thread or assistant is gone (was the agent server reset?): start a new conversation.",
        }.get(status, "`techhub status` shows the agent server and its log.")
        raise DeploymentError(f"the agent server at {url} answered {status}: {detail}. {hint}") from error


@dataclass(frozen=True)
class Turn:
    """One message of a conversation, as the customer or the agent wrote it."""

    role: Role
    text: str
    run_id: str | None = None
    """The run that produced an agent message (also the id of its root trace in LangSmith)."""
    is_question: bool = False
    """True for the agent's verification question (the run is waiting for the customer's answer)."""


def message_text(message: Mapping[str, Any]) -> str:
    """The text of a serialized LangChain message (a string, or a list of content blocks)."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            block if isinstance(block, str) else str(block.get("text", ""))
            for block in content
            if isinstance(block, str) or (isinstance(block, dict) and block.get("type") == "text")
        )
    return ""


def reply_of(state: Mapping[str, Any]) -> str:
    """The agent's reply in a run's final state: its last non-empty message after the customer's."""
    messages = state.get("messages") or []
    for message in reversed(messages):
        if message.get("type") == "human":
            break
        if message.get("type") == "ai" and message_text(message).strip():
            return message_text(message)
    return ""


class Conversation:
    """One conversation with the deployed agent: a thread on one assistant.

    ``send(text)`` returns the agent's reply. When the agent asks for the customer's email (the
    graph's verification ``interrupt``), :attr:`waiting_for_answer` is True and the next ``send``
    resumes that interrupt with ``Command(resume=text)`` instead of starting a new turn, as LangSmith
    Studio does. Same code against the local agent server and a LangSmith Deployment.

    ``metadata`` goes on the thread and on every run (so it reaches each root trace in LangSmith);
    ``config`` is passed to every run (``{"configurable": {"model": ...}}`` for instance);
    ``langsmith_tracing`` (``{"project_name": ...}``) traces every run into that project too.
    Every failure a learner can cause raises :class:`DeploymentError`.
    """

    def __init__(
        self,
        assistant: str = DEFAULT_ASSISTANT,
        *,
        client: SyncLangGraphClient | None = None,
        thread_id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        config: Mapping[str, Any] | None = None,
        langsmith_tracing: Mapping[str, Any] | None = None,
    ) -> None:
        self.client = client or get_deployment_client()
        self.assistant = resolve_assistant(self.client, assistant)
        self.metadata = dict(metadata or {})
        self.config = dict(config) if config else None
        self.langsmith_tracing = dict(langsmith_tracing) if langsmith_tracing else None
        self.turns: list[Turn] = []
        self.waiting_for_answer = False
        with _explained(self.client):
            if thread_id is None:
                thread_id = self.client.threads.create(metadata=self.metadata)["thread_id"]
            else:
                self.waiting_for_answer = self.client.threads.get(thread_id)["status"] == "interrupted"
        self.thread_id: str = thread_id

    @property
    def assistant_name(self) -> str:
        return self.assistant["name"]

    @property
    def transcript(self) -> list[tuple[Role, str]]:
        """The conversation so far as ``(role, text)`` pairs, ``role`` being ``user`` or ``assistant``."""
        return [(turn.role, turn.text) for turn in self.turns]

    @property
    def run_ids(self) -> list[str]:
        """The runs of this conversation, oldest first: one root trace each in LangSmith."""
        return list(dict.fromkeys(t.run_id for t in self.turns if t.run_id))

    def send(self, text: str) -> str:
        """Send the customer's message (or their answer to the verification question); return the reply."""
        if not text or not text.strip():
            raise DeploymentError("the message is empty: type what the customer says")
        payload: dict[str, Any] = (
            {"command": {"resume": text}}
            if self.waiting_for_answer
            else {"input": {"messages": [{"role": "user", "content": text}]}}
        )
        created: dict[str, str] = {}
        with _explained(self.client):
            state = self.client.runs.wait(
                self.thread_id,
                self.assistant["assistant_id"],
                metadata=self.metadata or None,
                config=self.config,
                langsmith_tracing=self.langsmith_tracing,
                raise_error=False,
                on_run_created=lambda meta: created.update(run_id=str(meta["run_id"])),
                **payload,
            )
        if not isinstance(state, dict):
            raise DeploymentError(f"unexpected answer from the agent server: {state!r:.200}")
        error = state.get("__error__")
        if error:
            message = error.get("message", error) if isinstance(error, dict) else error
            raise DeploymentError(
                f"the agent's run failed: {message}. The agent server's log has the traceback "
                "(`techhub status` shows where it is)."
            )
        interrupts = state.get("__interrupt__") or []
        self.waiting_for_answer = bool(interrupts)
        question = None
        if interrupts:
            value = interrupts[0].get("value")
            question = value.get("question") if isinstance(value, dict) else str(value)
        reply = question or reply_of(state)
        run_id = created.get("run_id")
        self.turns.append(Turn("user", text))
        self.turns.append(Turn("assistant", reply, run_id=run_id, is_question=bool(question)))
        return reply

    def __repr__(self) -> str:
        waiting = ", waiting for an answer" if self.waiting_for_answer else ""
        return (
            f"Conversation(assistant={self.assistant_name!r}, thread_id={self.thread_id!r}, "
            f"turns={len(self.turns)}{waiting})"
        )
