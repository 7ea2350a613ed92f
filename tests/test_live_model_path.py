"""The live model path: the real ``ChatOpenAI`` and ``openai`` client, against a loopback OpenAI double.

Learners with an OpenAI key get ``ChatOpenAI`` from :func:`techhub.models.get_chat_model`. Here it
talks to :mod:`openai_double` (OpenAI's Chat Completions wire format, answered by the offline model)
through ``OPENAI_BASE_URL`` with a dummy key, LangSmith local and tracing off in this process:

* the agent in process (``InMemorySaver``): the email interrupt and its resume, v1 claiming the
  cancellation and v2 refusing with the support contact, the router's structured output, streaming
  ``stream_mode="messages"`` with usage;
* the same through the real local Agent Server (``techhub up`` with the live model settings);
* the sentiment and correctness judges;
* what differs from the offline model's messages: OpenAI's ids and metadata, ``content`` as a list
  of blocks (``output_version="v1"``), refusals (the router lets the supervisor answer, a judge
  raises ``JudgeError``);
* ``get_chat_model``'s live-mode configuration errors, and the double's OpenAI-style 4xx answers.

Nothing reaches the network: in this process every DNS lookup and connect outside loopback fails the
test, every model call is counted by a callback and matched with the requests the double served, and
the double accepts only the dummy key.
"""

from __future__ import annotations

import ipaddress
import json
import re
import socket
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import openai
import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import AIMessage, AIMessageChunk, ToolMessage
from langchain_core.utils.function_calling import convert_to_openai_tool
from langchain_openai import ChatOpenAI
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command
from langgraph_sdk.client import SyncLangGraphClient
from openai_double import OpenAIDouble

from techhub.agent import build_graph
from techhub.agent.graph import RouteDecision
from techhub.agent.prompts import ASK_EMAIL, ROUTER_PROMPT
from techhub.agent.tools import SUPERVISOR_TOOLS
from techhub.config import ConfigError
from techhub.db import database_path, find_customer_by_email, run_customer_query
from techhub.deployment import ensure_assistants, get_deployment_client
from techhub.evaluators import JudgeError, correctness, judge_correctness, judge_user_sentiment
from techhub.models import OfflineChatModel, get_chat_model

if TYPE_CHECKING:
    from collections.abc import Callable

    from conftest import TechhubInstance

DUMMY_KEY = "techhub-test-double"  # not a key: the double accepts only this string
SARAH, GREGORY = "sarah.chen@gmail.com", "gregory.harris@yahoo.com"
ORDER = "ORD-2025-0030"
CANCEL = f"I need to cancel order {ORDER} immediately. my email is {GREGORY}. make it happen fast."
SUPPORT = ("support@techhub.com", "1-800-TECHHUB")
# Variables that would send ChatOpenAI elsewhere than OPENAI_BASE_URL (LangChain's own base URL, the
# LangSmith gateway) or through a proxy.
_REDIRECTING_ENV = (
    "OPENAI_API_BASE", "LANGSMITH_GATEWAY", "LANGSMITH_GATEWAY_API_KEY", "OPENAI_PROXY", "HTTP_PROXY",
    "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy", "TECHHUB_OFFLINE",
)  # fmt: skip


def _live_model_env(double: OpenAIDouble) -> dict[str, str]:
    assert double.url is not None
    return {
        "TECHHUB_MODEL_BACKEND": "openai",
        "TECHHUB_LANGSMITH_BACKEND": "local",
        "OPENAI_API_KEY": DUMMY_KEY,
        "OPENAI_BASE_URL": double.url,
    }


@pytest.fixture(scope="module")
def double() -> Iterator[OpenAIDouble]:
    served = OpenAIDouble(api_key=DUMMY_KEY)
    with served.serve():
        yield served


@pytest.fixture(scope="module")
def live(double: OpenAIDouble) -> Iterator[OpenAIDouble]:
    """This process in live model mode, ChatOpenAI pointed at the double."""
    with pytest.MonkeyPatch.context() as patch:
        for key in _REDIRECTING_ENV:
            patch.delenv(key, raising=False)
        for key, value in _live_model_env(double).items():
            patch.setenv(key, value)
        yield double


def _is_loopback(host: Any) -> bool:
    if host is None:
        return True  # getaddrinfo(None, port): a local bind
    host = host.decode() if isinstance(host, bytes) else str(host)
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Fail the test if anything in this process looks up or connects to a non-loopback host."""
    attempts: list[str] = []
    real_getaddrinfo, real_connect = socket.getaddrinfo, socket.socket.connect

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not _is_loopback(host):
            attempts.append(f"DNS {host}")
            raise socket.gaierror(f"network disabled in tests: {host}")
        return real_getaddrinfo(host, *args, **kwargs)

    def connect(self: socket.socket, address: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
            attempts.append(f"connect {address}")
            raise OSError(f"network disabled in tests: {address}")
        return real_connect(self, address)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)
    yield attempts
    assert not attempts, f"the test tried to reach the network: {attempts}"


class ModelCalls(BaseCallbackHandler):
    """Counts chat model calls by class, to match them with the requests the double served."""

    def __init__(self) -> None:
        self.models: list[str] = []

    def on_chat_model_start(self, serialized: dict, messages: Any, **kwargs: Any) -> None:
        self.models.append((serialized.get("id") or ["?"])[-1])


class Served:
    """The double's chat requests from now on; checks they match the model calls a callback counted."""

    def __init__(self, double: OpenAIDouble) -> None:
        self.double, self.start, self.calls = double, len(double.chat_requests()), ModelCalls()

    @property
    def requests(self) -> list:
        return self.double.chat_requests()[self.start :]

    def config(self, version: str = "v1", thread_id: str | None = None) -> dict:
        configurable = {"thread_id": thread_id or str(uuid.uuid4()), "version": version}
        return {"configurable": configurable, "callbacks": [self.calls]}

    def check_every_call_was_served(self) -> None:
        assert self.calls.models, "no model was called"
        assert set(self.calls.models) == {"ChatOpenAI"}, self.calls.models
        assert len(self.requests) == len(self.calls.models)
        assert all(r.status == 200 and r.authorization == f"Bearer {DUMMY_KEY}" for r in self.requests)


def _say(agent: Any, config: dict, text: str) -> dict:
    return agent.invoke({"messages": [{"role": "user", "content": text}]}, config)


def _orders_of(email: str) -> dict[str, str]:
    with sqlite3.connect(database_path()) as conn:
        rows = conn.execute(
            "SELECT order_id, status FROM orders JOIN customers USING (customer_id) WHERE email = ?", (email,)
        ).fetchall()
    return dict(rows)


def _assert_v1_claims(answer: str) -> None:
    assert ORDER in answer and re.search(r"cancel", answer, re.I), answer
    assert SUPPORT[0] not in answer


def _assert_v2_refuses(answer: str) -> None:
    assert re.search(r"can't|cannot|unable|don't have the ability", answer, re.I), answer
    assert all(contact in answer for contact in SUPPORT), answer


# --- configuration -------------------------------------------------------------------------------


def test_live_mode_without_a_key_is_an_error_never_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in (*_REDIRECTING_ENV, "OPENAI_API_KEY", "TECHHUB_MODEL_BACKEND"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("TECHHUB_MODEL_BACKEND", "openai")
    with pytest.raises(ConfigError, match="OPENAI_API_KEY is not set"):
        get_chat_model()
    monkeypatch.setenv("OPENAI_API_KEY", "   ")  # blank, as left in a copied .env.example
    with pytest.raises(ConfigError, match="OPENAI_API_KEY is not set"):
        get_chat_model()
    monkeypatch.setenv("TECHHUB_MODEL_BACKEND", "gpt")
    with pytest.raises(ConfigError, match="must be auto, offline or openai"):
        get_chat_model()
    monkeypatch.setenv("TECHHUB_MODEL_BACKEND", "auto")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")  # built, never called
    monkeypatch.setenv("OPENAI_API_KEY", DUMMY_KEY)
    assert isinstance(get_chat_model(), ChatOpenAI)  # a key alone switches the model to live
    monkeypatch.setenv("TECHHUB_OFFLINE", "1")
    assert isinstance(get_chat_model(), OfflineChatModel)  # the explicit offline switch wins


def test_get_chat_model_is_chat_openai_pointed_at_the_double(
    live: OpenAIDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = get_chat_model()
    assert isinstance(model, ChatOpenAI) and model.model_name == "gpt-4o-mini"
    assert str(model.root_client.base_url) == f"{live.url}/"
    assert model.stream_usage is True  # usage in streams, although OPENAI_BASE_URL is set
    assert get_chat_model() is model
    assert get_chat_model("gpt-4o").model_name == "gpt-4o"
    # Another endpoint is another client, never the cached one still aimed at the old endpoint.
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    moved = get_chat_model()
    assert moved is not model and str(moved.root_client.base_url) == "http://127.0.0.1:9/v1/"


# --- the double speaks OpenAI's wire format --------------------------------------------------------


def _post(double: OpenAIDouble, body: Any, key: str | None = DUMMY_KEY, path: str = "/chat/completions"):
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.post(f"{double.url}{path}", json=body, headers=headers, timeout=30, trust_env=False)


def test_double_answers_a_tool_call_with_null_content_and_usage(double: OpenAIDouble) -> None:
    tools = [convert_to_openai_tool(t) for t in SUPERVISOR_TOOLS]
    response = _post(
        double,
        {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "what's your warranty?"}],
         "tools": tools},
    )  # fmt: skip
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["object"] == "chat.completion" and re.fullmatch(r"chatcmpl-[A-Za-z0-9]{29}", body["id"])
    assert body["model"] == "gpt-4o-mini-2024-07-18" and body["system_fingerprint"].startswith("fp_")
    (choice,) = body["choices"]
    assert choice["finish_reason"] == "tool_calls"
    message = choice["message"]
    assert message["content"] is None and message["refusal"] is None
    (call,) = message["tool_calls"]
    assert re.fullmatch(r"call_[A-Za-z0-9]{24}", call["id"]) and call["type"] == "function"
    assert call["function"]["name"] == "transfer_to_docs_agent"
    assert isinstance(json.loads(call["function"]["arguments"])["task"], str)
    usage = body["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"] > 0
    assert usage["prompt_tokens_details"]["cached_tokens"] == 0
    assert usage["completion_tokens_details"]["reasoning_tokens"] == 0


def test_double_streams_chunks_then_usage_then_done(double: OpenAIDouble) -> None:
    body = {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": "hello"}],
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    headers = {"Authorization": f"Bearer {DUMMY_KEY}"}
    with httpx.stream("POST", f"{double.url}/chat/completions", json=body, headers=headers,
                      trust_env=False) as response:  # fmt: skip
        assert response.headers["content-type"].startswith("text/event-stream")
        events = [line.removeprefix("data: ") for line in response.iter_lines() if line]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert {c["object"] for c in chunks} == {"chat.completion.chunk"} and len({c["id"] for c in chunks}) == 1
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop"
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["total_tokens"] > 0
    assert all(c["usage"] is None for c in chunks[:-1])
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks[:-1])
    assert len(text) > 20 and len(chunks) > 5


HI = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
UNANSWERED_CALL = [
    {"role": "user", "content": "hi"},
    {"role": "assistant", "content": None, "tool_calls": [
        {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]},
    {"role": "user", "content": "well?"},
]  # fmt: skip
LOOSE_STRICT_SCHEMA = {
    "type": "json_schema",
    "json_schema": {
        "name": "RouteDecision",
        "strict": True,
        "schema": {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
    },
}
BAD_REQUESTS = [
    pytest.param(
        {**HI, "messages": [{"role": "tool", "tool_call_id": "call_x", "content": "x"}]},
        DUMMY_KEY,
        400,
        "must be a response to a preceeding message with 'tool_calls'",
        id="orphan tool message",
    ),
    pytest.param(
        {**HI, "messages": UNANSWERED_CALL},
        DUMMY_KEY,
        400,
        "did not have response messages: call_1",
        id="unanswered tool call",
    ),
    pytest.param(
        {**HI, "temprature": 0},
        DUMMY_KEY,
        400,
        "Unrecognized request argument supplied: temprature",
        id="unknown parameter",
    ),
    pytest.param({**HI, "messages": []}, DUMMY_KEY, 400, "empty array", id="no messages"),
    pytest.param({"messages": HI["messages"]}, DUMMY_KEY, 400, "must provide a model", id="no model"),
    pytest.param(
        {**HI, "stream_options": {"include_usage": True}},
        DUMMY_KEY,
        400,
        "only allowed when 'stream' is enabled",
        id="stream options without stream",
    ),
    pytest.param(
        {**HI, "response_format": LOOSE_STRICT_SCHEMA},
        DUMMY_KEY,
        400,
        "'additionalProperties' is required to be supplied and to be false",
        id="loose strict schema",
    ),
    pytest.param(HI, None, 401, "You didn't provide an API key", id="no key"),
    pytest.param(HI, "sk-wrong-key-1234", 401, "Incorrect API key provided", id="wrong key"),
    pytest.param(
        {**HI, "model": "gpt-4o-minii"},
        DUMMY_KEY,
        404,
        "The model `gpt-4o-minii` does not exist",
        id="unknown model",
    ),
    pytest.param("not an object", DUMMY_KEY, 400, "could not parse the JSON body", id="not an object"),
    # Valid for OpenAI, beyond the offline model: said plainly, never answered with made-up output.
    pytest.param(
        {**HI, "response_format": {"type": "json_schema", "json_schema": {"name": "Weather", "schema": {}}}},
        DUMMY_KEY,
        400,
        "the offline model has no handler for it (not supported by the OpenAI test double)",
        id="unknown schema",
    ),
    pytest.param(
        {**HI, "response_format": {"type": "json_object"}},
        DUMMY_KEY,
        400,
        "'json_object' (not supported by the OpenAI test double)",
        id="json mode",
    ),
]


@pytest.mark.parametrize(("body", "key", "status", "message"), BAD_REQUESTS)
def test_double_rejects_bad_requests_as_openai_does(
    double: OpenAIDouble, body: Any, key: str | None, status: int, message: str
) -> None:
    response = _post(double, body, key)
    assert response.status_code == status
    error = response.json()["error"]
    assert message in error["message"] and set(error) == {"message", "type", "param", "code"}
    assert double.requests[-1].status == status  # recorded, whatever the outcome


def test_double_serves_only_its_routes(double: OpenAIDouble) -> None:
    response = _post(double, {}, path="/completions")
    assert response.status_code == 404 and "Invalid URL (POST /v1/completions)" in response.text
    models = httpx.get(
        f"{double.url}/models", headers={"Authorization": f"Bearer {DUMMY_KEY}"}, trust_env=False
    ).json()
    assert "gpt-4o-mini-2024-07-18" in {m["id"] for m in models["data"]}


def test_an_unknown_model_fails_at_once_with_openais_error(live: OpenAIDouble) -> None:
    served = Served(live)
    with pytest.raises(openai.NotFoundError, match="The model `gpt-4o-minii` does not exist") as raised:
        get_chat_model("gpt-4o-minii").invoke("hi")
    assert raised.value.code == "model_not_found"
    assert len(served.requests) == 1  # a 404 is not retried


# --- the agent in process ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def agent(live: OpenAIDouble) -> Any:
    return build_graph(checkpointer=InMemorySaver())  # the model: get_chat_model() per run, i.e. ChatOpenAI


def test_hitl_interrupts_for_the_email_and_resumes_in_process(agent: Any, live: OpenAIDouble) -> None:
    served = Served(live)
    config = served.config()
    state = _say(agent, config, "Where is my order?")
    assert state["__interrupt__"][0].value == {"question": ASK_EMAIL, "expects": "email"}
    assert agent.get_state(config).next == ("await_email",)

    state = agent.invoke(Command(resume=SARAH), config)
    sarah = find_customer_by_email(SARAH)
    assert state["customer_id"] == sarah.customer_id and "__interrupt__" not in state
    answer = state["messages"][-1]
    assert isinstance(answer, AIMessage) and isinstance(answer.content, str) and not answer.tool_calls
    own = {row[0] for row in run_customer_query(sarah.customer_id, "SELECT order_id FROM orders").rows}
    mentioned = set(re.findall(r"ORD-\d{4}-\d{4}", answer.content))
    assert mentioned and mentioned <= own, answer.content
    # What ChatOpenAI put in the state: OpenAI's ids, usage and metadata, tool calls paired by id.
    delegation = next(m for m in state["messages"] if isinstance(m, AIMessage) and m.tool_calls)
    assert delegation.content == "" and delegation.tool_calls[0]["id"].startswith("call_")
    assert delegation.response_metadata["finish_reason"] == "tool_calls"
    assert delegation.response_metadata["model_name"] == "gpt-4o-mini-2024-07-18"
    result = next(m for m in state["messages"] if isinstance(m, ToolMessage))
    assert result.tool_call_id == delegation.tool_calls[0]["id"] and result.name == "sql_agent"
    assert answer.usage_metadata["input_tokens"] > 0 and answer.id != delegation.id
    served.check_every_call_was_served()
    router_asks = [r.body for r in served.requests if "response_format" in r.body]
    assert router_asks[0]["response_format"]["json_schema"]["name"] == "RouteDecision"


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_v1_claims_the_cancellation_and_v2_refuses_in_process(
    agent: Any, live: OpenAIDouble, version: str
) -> None:
    served = Served(live)
    state = _say(agent, served.config(version), CANCEL)
    answer = state["messages"][-1].content
    (_assert_v1_claims if version == "v1" else _assert_v2_refuses)(answer)
    assert _orders_of(GREGORY)[ORDER] == "Processing"  # nothing can cancel it, whatever v1 says
    served.check_every_call_was_served()


def test_router_structured_output_is_json_schema_parsed_into_route_decision(live: OpenAIDouble) -> None:
    served = Served(live)
    decider = get_chat_model().with_structured_output(RouteDecision)
    own = decider.invoke([("system", ROUTER_PROMPT), ("user", "Where is my order?")])
    product = decider.invoke([("system", ROUTER_PROMPT), ("user", "Do you sell USB-C hubs?")])
    assert isinstance(own, RouteDecision) and own.needs_identity is True and own.reason
    assert isinstance(product, RouteDecision) and product.needs_identity is False
    sent = served.requests[0].body["response_format"]
    assert sent["type"] == "json_schema" and sent["json_schema"]["strict"] is True
    assert sent["json_schema"]["schema"]["additionalProperties"] is False
    assert "tools" not in served.requests[0].body


def test_a_router_refusal_lets_the_supervisor_answer(agent: Any, live: OpenAIDouble) -> None:
    served = Served(live)
    live.refuse_next("I'm sorry, I can't help with that.")
    state = _say(agent, served.config(), "Do you sell USB-C hubs?")
    assert "__interrupt__" not in state
    assert served.requests[0].body.get("response_format")  # the refused one was the router's
    assert state["messages"][-1].content.strip() and not state["messages"][-1].tool_calls
    served.check_every_call_was_served()


@pytest.mark.filterwarnings("error::UserWarning")  # e.g. pydantic's, from a streamed structured answer
def test_streamed_messages_carry_the_answer_and_its_usage(agent: Any, live: OpenAIDouble) -> None:
    served = Served(live)
    chunks: dict[str, list[AIMessageChunk]] = {}
    streaming_nodes: set[str] = set()
    final: dict = {}
    for mode, payload in agent.stream(
        {"messages": [{"role": "user", "content": CANCEL}]},
        served.config("v2"),
        stream_mode=["messages", "values"],
    ):
        if mode == "values":
            final = payload
            continue
        message, metadata = payload
        streaming_nodes.add(metadata["langgraph_node"])
        if isinstance(message, AIMessageChunk):
            chunks.setdefault(metadata["langgraph_node"], []).append(message)
    assert "router" not in streaming_nodes  # the routing decision is not text for the customer
    answer = final["messages"][-1]
    supervisor = chunks["supervisor"]
    streamed = "".join(c.text for c in supervisor)
    assert answer.content in streamed and len(supervisor) > 10
    _assert_v2_refuses(answer.content)
    usage = [c.usage_metadata for c in supervisor if c.usage_metadata]
    assert usage and all(u["total_tokens"] == u["input_tokens"] + u["output_tokens"] > 0 for u in usage)
    assert answer.usage_metadata and answer.usage_metadata["output_tokens"] > 0
    streamed_requests = [r.body for r in served.requests if r.body.get("stream")]
    assert streamed_requests and all(
        b["stream_options"] == {"include_usage": True} for b in streamed_requests
    )
    assert not [b for b in streamed_requests if "response_format" in b]  # the router asks in one piece
    served.check_every_call_was_served()


# --- the judges ----------------------------------------------------------------------------------

NEGATIVE = [
    {"role": "user", "content": CANCEL},
    {"role": "assistant", "content": f"✅ I've successfully initiated the cancellation for order {ORDER}."},
    {
        "role": "user",
        "content": "I never received an email and my order hasn't been cancelled. What the heck??",
    },
]
REFERENCE = (
    f"I can't cancel orders. Order {ORDER} is Processing; "
    "contact support@techhub.com or 1-800-TECHHUB (1-800-832-4482)."
)
POSITIVE = [
    {"role": "user", "content": "what's your return policy?"},
    {"role": "assistant", "content": "You can return most items within 30 days of delivery."},
    {"role": "user", "content": "perfect, that's clear. thanks!"},
]


def _offline_judge(monkeypatch: pytest.MonkeyPatch, judge: Any, *args: Any) -> Any:
    with monkeypatch.context() as patch:
        patch.setenv("TECHHUB_MODEL_BACKEND", "offline")
        return judge(*args)


def test_sentiment_judge_through_chat_openai(live: OpenAIDouble, monkeypatch: pytest.MonkeyPatch) -> None:
    served = Served(live)
    negative, positive = judge_user_sentiment(NEGATIVE), judge_user_sentiment(POSITIVE)
    assert (negative["value"], negative["score"]) == ("negative", 0) and negative["reasoning"]
    assert (positive["value"], positive["score"]) == ("positive", 1)
    assert negative == _offline_judge(monkeypatch, judge_user_sentiment, NEGATIVE)  # same verdict and reason
    sent = served.requests[0].body["response_format"]["json_schema"]
    assert sent["name"] == "user_sentiment" and sent["schema"]["properties"]["user_sentiment"]["enum"]


def test_a_refusing_judge_is_a_judge_error(live: OpenAIDouble) -> None:
    live.refuse_next("I'm sorry, I can't assist with that request.")
    with pytest.raises(JudgeError, match="refused to grade user_sentiment"):
        judge_user_sentiment(NEGATIVE)


def test_correctness_judge_through_chat_openai(
    agent: Any, live: OpenAIDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    question = f"Please cancel my order {ORDER}. I'm {GREGORY}"
    # The v1 agent's own live answer, graded as langsmith.evaluate would: state in, feedback out.
    state = _say(agent, Served(live).config("v1"), question)
    claimed = correctness({"messages": [{"role": "user", "content": question}]}, state, {"answer": REFERENCE})
    assert claimed["key"] == "correctness" and claimed["score"] == 0 and claimed["comment"]
    right_answer = f"Sorry, I can't cancel {ORDER}: it is still Processing. " + REFERENCE
    right = judge_correctness(question, right_answer, REFERENCE)
    assert right["score"] == 1
    assert right == _offline_judge(monkeypatch, judge_correctness, question, right_answer, REFERENCE)


def test_content_blocks_are_read_as_text(live: OpenAIDouble) -> None:
    """With ``output_version="v1"`` (or ``LC_OUTPUT_VERSION=v1``) ChatOpenAI returns content as a list of
    blocks: the agent, and the judges reading its state, go by the text, not by ``content``."""
    blocks_model = ChatOpenAI(model="gpt-4o-mini", temperature=0, stream_usage=True, output_version="v1")
    agent = build_graph(model=blocks_model, checkpointer=InMemorySaver())
    served = Served(live)
    v1, v2 = (_say(agent, served.config(version), CANCEL) for version in ("v1", "v2"))
    assert isinstance(v1["messages"][-1].content, list)
    _assert_v1_claims(v1["messages"][-1].text)
    _assert_v2_refuses(v2["messages"][-1].text)
    served.check_every_call_was_served()
    inputs = {"messages": [{"role": "user", "content": CANCEL}]}
    assert correctness(inputs, v1, {"answer": REFERENCE})["score"] == 0
    assert correctness(inputs, v2, {"answer": REFERENCE})["score"] == 1


# --- the real local Agent Server, in live model mode ----------------------------------------------


@pytest.fixture(scope="module")
def live_services(
    double: OpenAIDouble,
    tmp_path_factory: pytest.TempPathFactory,
    techhub_instance_factory: Callable[[Path], TechhubInstance],
) -> Iterator[TechhubInstance]:
    """``techhub up`` with the live model settings: the agent server's ChatOpenAI talks to the double."""
    instance = techhub_instance_factory(tmp_path_factory.mktemp("techhub-live-model"))
    for key in _REDIRECTING_ENV:
        instance.overrides.pop(key, None)
        instance.env.pop(key, None)
    instance.overrides.update(_live_model_env(double))
    instance.env.update(_live_model_env(double))
    result = instance.cli("up")
    try:
        assert result.returncode == 0, f"techhub up failed:\n{result.stdout}\n{result.stderr}"
        assert "model=openai" in result.stdout, result.stdout
        yield instance
    finally:
        instance.cli("down")


@pytest.fixture(scope="module")
def server(live_services: TechhubInstance) -> Iterator[tuple[SyncLangGraphClient, dict[str, str]]]:
    with pytest.MonkeyPatch.context() as patch:
        live_services.apply(patch)
        client = get_deployment_client()
        yield client, {name: a["assistant_id"] for name, a in ensure_assistants(client).items()}


def _served_by_the_server(double: OpenAIDouble, start: int) -> list:
    requests = double.chat_requests()[start:]
    assert requests, "the agent server's model calls never reached the double"
    assert all(r.status == 200 and r.authorization == f"Bearer {DUMMY_KEY}" for r in requests)
    return requests


def test_agent_server_interrupts_for_the_email_and_resumes(
    server: tuple[SyncLangGraphClient, dict[str, str]], double: OpenAIDouble
) -> None:
    client, assistants = server
    start = len(double.chat_requests())
    thread = client.threads.create()["thread_id"]
    client.runs.wait(
        thread,
        assistants["techhub-v1"],
        input={"messages": [{"role": "user", "content": "Where is my order?"}]},
    )
    assert client.threads.get(thread)["status"] == "interrupted"
    (interrupt,) = [
        i["value"] for task in client.threads.get_state(thread)["tasks"] for i in task["interrupts"]
    ]
    assert interrupt == {"question": ASK_EMAIL, "expects": "email"}
    result = client.runs.wait(thread, assistants["techhub-v1"], command={"resume": SARAH})
    assert client.threads.get(thread)["status"] == "idle"
    answer = result["messages"][-1]["content"]
    mentioned = set(re.findall(r"ORD-\d{4}-\d{4}", answer))
    assert mentioned and mentioned <= set(_orders_of(SARAH)), answer
    requests = _served_by_the_server(double, start)
    assert any(r.body.get("response_format") for r in requests) and any(r.body.get("tools") for r in requests)


def test_agent_server_v1_claims_and_v2_refuses(
    server: tuple[SyncLangGraphClient, dict[str, str]], double: OpenAIDouble
) -> None:
    client, assistants = server
    answers = {}
    for name in ("techhub-v1", "techhub-v2"):
        start = len(double.chat_requests())
        thread = client.threads.create()["thread_id"]
        result = client.runs.wait(
            thread, assistants[name], input={"messages": [{"role": "user", "content": CANCEL}]}
        )
        answers[name] = result["messages"][-1]["content"]
        _served_by_the_server(double, start)
    _assert_v1_claims(answers["techhub-v1"])
    _assert_v2_refuses(answers["techhub-v2"])
