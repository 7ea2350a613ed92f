"""The double's backend: answer a :class:`ChatRequest` with the offline model, in OpenAI's wire format.

No HTTP here (see :mod:`openai_double.server`). :func:`answer` asks ``OfflineChatModel`` exactly
what ``ChatOpenAI`` asked: the conversation and the offered tools; a ``json_schema`` request is offered
to it as its one bound tool, the way the offline model receives ``with_structured_output`` (its
structured handlers key on that tool), and the tool call's arguments become the JSON text of
``message.content``, as OpenAI returns structured output. :func:`completion_body` and
:func:`completion_chunks` write a ``chat.completion`` and the ``chat.completion.chunk`` stream.
"""

from __future__ import annotations

import json
import random
import re
import string
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from langsmith import tracing_context

from techhub.models.offline import OfflineChatModel
from techhub.models.offline.structured import find_structured_handler

from .errors import ModelNotFound, UnsupportedByDouble
from .wire import ChatRequest

# What OpenAI answers in ``model`` when asked for an alias: the dated snapshot serving it.
SNAPSHOTS = {
    "gpt-4o-mini": "gpt-4o-mini-2024-07-18",
    "gpt-4o": "gpt-4o-2024-08-06",
    "gpt-4.1": "gpt-4.1-2025-04-14",
    "gpt-4.1-mini": "gpt-4.1-mini-2025-04-14",
}
_ALNUM = string.ascii_letters + string.digits
_random = random.SystemRandom()


def _token(size: int, alphabet: str = _ALNUM) -> str:
    return "".join(_random.choices(alphabet, k=size))


def served_model(name: str) -> str:
    """The snapshot that answers ``name``; an unknown name is OpenAI's 404 ``model_not_found``."""
    if name in SNAPSHOTS:
        return SNAPSHOTS[name]
    if name in SNAPSHOTS.values():
        return name
    raise ModelNotFound(name)


def openai_usage(prompt_tokens: int, completion_tokens: int) -> dict:
    """``usage`` as OpenAI sends it for a text model, details objects included."""
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


@dataclass(frozen=True)
class Completion:
    """One answer: the assistant message's fields, its finish reason and usage, and OpenAI's ids."""

    model: str
    content: str | None
    tool_calls: list[dict]
    refusal: str | None
    finish_reason: str
    usage: dict
    id: str = field(default_factory=lambda: f"chatcmpl-{_token(29)}")
    created: int = field(default_factory=lambda: int(time.time()))
    system_fingerprint: str = field(default_factory=lambda: f"fp_{_token(10, '0123456789abcdef')}")


def _schema_as_tool(spec: dict) -> dict:
    function = {"name": spec["name"], "parameters": spec.get("schema", {})}
    if spec.get("description"):
        function["description"] = spec["description"]
    return {"type": "function", "function": function}


def answer(request: ChatRequest, *, refusal: str | None = None) -> Completion:
    """The offline model's answer to ``request`` (or ``refusal``, when a test scripts one)."""
    model = served_model(request.model)
    offline = OfflineChatModel(model_name=request.model)
    structured = request.response_schema is not None and not request.tools
    tools = [_schema_as_tool(request.response_schema)] if structured else request.tools
    if structured and find_structured_handler(tools[0]) is None:
        raise UnsupportedByDouble(
            f"a json_schema named {request.response_schema['name']!r}: the offline model has no handler "
            "for it", param="response_format.json_schema",
        )  # fmt: skip
    try:
        with tracing_context(enabled=False):  # the double is not part of the traced application
            reply = offline.invoke(request.messages, tools=tools)
    except ValueError as error:  # e.g. a judge prompt without the block its handler reads
        raise UnsupportedByDouble(f"a request the offline model cannot read: {error}") from error
    usage = openai_usage(reply.usage_metadata["input_tokens"], reply.usage_metadata["output_tokens"])
    if refusal is not None:
        return Completion(model, None, [], refusal, "stop", usage)
    if structured:
        (call,) = reply.tool_calls
        content = json.dumps(call["args"], separators=(",", ":"), ensure_ascii=False)
        return Completion(model, content, [], None, "stop", usage)
    calls = reply.tool_calls if request.parallel_tool_calls else reply.tool_calls[:1]
    wire_calls = [
        {
            "id": f"call_{_token(24)}",
            "type": "function",
            "function": {"name": c["name"], "arguments": json.dumps(c["args"], ensure_ascii=False)},
        }
        for c in calls
    ]
    content = reply.text or None if wire_calls else reply.text
    return Completion(model, content, wire_calls, None, "tool_calls" if wire_calls else "stop", usage)


def completion_body(completion: Completion) -> dict:
    """The ``chat.completion`` object; ``content`` is null when the model only calls tools."""
    message: dict = {
        "role": "assistant",
        "content": completion.content,
        "refusal": completion.refusal,
        "annotations": [],
    }
    if completion.tool_calls:
        message["tool_calls"] = completion.tool_calls
    return {
        "id": completion.id,
        "object": "chat.completion",
        "created": completion.created,
        "model": completion.model,
        "choices": [
            {"index": 0, "message": message, "logprobs": None, "finish_reason": completion.finish_reason}
        ],
        "usage": completion.usage,
        "service_tier": "default",
        "system_fingerprint": completion.system_fingerprint,
    }


def _pieces(text: str) -> list[str]:
    """Token-sized pieces (a word with its leading space, long words cut), as deltas arrive."""
    return re.findall(r"\s*\S{1,6}|\s+", text)


def completion_chunks(completion: Completion, *, include_usage: bool) -> Iterator[dict]:
    """The ``chat.completion.chunk`` stream: role, deltas, the finish reason, then usage if asked.

    With ``stream_options.include_usage`` every chunk carries ``"usage": null`` and a last chunk
    with no choices carries the usage, as OpenAI streams it.
    """

    def chunk(delta: dict, finish_reason: str | None = None) -> dict:
        body = {
            "id": completion.id,
            "object": "chat.completion.chunk",
            "created": completion.created,
            "model": completion.model,
            "service_tier": "default",
            "system_fingerprint": completion.system_fingerprint,
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}],
        }
        if include_usage:
            body["usage"] = None
        return body

    if completion.tool_calls:
        for index, call in enumerate(completion.tool_calls):
            opening = {
                "index": index,
                "id": call["id"],
                "type": "function",
                "function": {"name": call["function"]["name"], "arguments": ""},
            }
            first = {"role": "assistant", "content": None, "refusal": None} if index == 0 else {}
            yield chunk({**first, "tool_calls": [opening]})
            for piece in _pieces(call["function"]["arguments"]):
                yield chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
    elif completion.refusal is not None:
        yield chunk({"role": "assistant", "content": None, "refusal": ""})
        for piece in _pieces(completion.refusal):
            yield chunk({"refusal": piece})
    else:
        yield chunk({"role": "assistant", "content": "", "refusal": None})
        for piece in _pieces(completion.content or ""):
            yield chunk({"content": piece})
    yield chunk({}, completion.finish_reason)
    if include_usage:
        last = chunk({})
        last["choices"], last["usage"] = [], completion.usage
        yield last
