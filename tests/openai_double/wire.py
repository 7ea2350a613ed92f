"""A Chat Completions request body, checked as OpenAI checks it and read into LangChain terms.

:func:`read_chat_request` is the double's only reader of request bodies. It rejects what OpenAI would
reject (with OpenAI's wording and ``param``) and returns a :class:`ChatRequest`: the conversation as
LangChain messages, the offered tools in OpenAI's tool format (what ``OfflineChatModel`` is bound
with), and the ``json_schema`` a structured-output request asks for.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage

from .errors import InvalidRequest, UnsupportedByDouble

NAME_PATTERN = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
ROLES = ("system", "developer", "user", "assistant", "tool")
# Parameters OpenAI's Chat Completions endpoint accepts; anything else is "Unrecognized request argument".
KNOWN_PARAMETERS = frozenset({
    "model", "messages", "tools", "tool_choice", "parallel_tool_calls", "response_format", "stream",
    "stream_options", "temperature", "top_p", "n", "stop", "max_tokens", "max_completion_tokens",
    "presence_penalty", "frequency_penalty", "logit_bias", "logprobs", "top_logprobs", "seed", "user",
    "metadata", "store", "service_tier", "prompt_cache_key", "prompt_cache_retention", "safety_identifier",
    "reasoning_effort", "modalities", "audio", "prediction", "verbosity", "web_search_options",
})  # fmt: skip


@dataclass(frozen=True)
class ChatRequest:
    """What one ``POST /v1/chat/completions`` asks for."""

    model: str
    messages: list[BaseMessage]
    tools: list[dict]
    """The tools the model may call now (``tool_choice`` applied), in OpenAI's tool format."""
    parallel_tool_calls: bool
    response_schema: dict | None
    """``response_format.json_schema`` (``name``, ``schema``, ...) of a structured-output request."""
    stream: bool
    include_usage: bool


def _invalid_type(param: str, expected: str, value: Any) -> InvalidRequest:
    got = "null" if value is None else type(value).__name__
    return InvalidRequest(
        f"Invalid type for '{param}': expected {expected}, but got {got} instead.",
        param=param,
        code="invalid_type",
    )


def _missing(param: str) -> InvalidRequest:
    return InvalidRequest(
        f"Missing required parameter: '{param}'.", param=param, code="missing_required_parameter"
    )


def _text(content: Any, param: str, *, part_types: tuple[str, ...] = ("text",)) -> str:
    """The text of a message's ``content``: a string or a list of ``{"type": "text", "text"}`` parts."""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        raise _invalid_type(param, "one of a string or array of objects", content)
    texts = []
    for i, part in enumerate(content):
        kind = part.get("type") if isinstance(part, dict) else None
        if kind not in part_types:
            if kind in ("image_url", "input_audio", "file"):
                raise UnsupportedByDouble(f"content parts of type {kind!r}", param=f"{param}[{i}]")
            raise InvalidRequest(
                f"Invalid value: {kind!r}. Supported values are: {', '.join(repr(t) for t in part_types)}.",
                param=f"{param}[{i}].type",
                code="invalid_value",
            )
        text = part.get(kind)
        if not isinstance(text, str):
            raise _invalid_type(f"{param}[{i}].{kind}", "a string", text)
        texts.append(text)
    return "".join(texts)


def _tool_calls(calls: Any, param: str) -> list[dict]:
    if not isinstance(calls, list):
        raise _invalid_type(param, "an array", calls)
    checked = []
    for i, call in enumerate(calls):
        where = f"{param}[{i}]"
        if not isinstance(call, dict):
            raise _invalid_type(where, "an object", call)
        if not isinstance(call.get("id"), str):
            raise _missing(f"{where}.id")
        if call.get("type") != "function":
            raise InvalidRequest(
                f"Invalid value: {call.get('type')!r}. Supported values are: 'function'.",
                param=f"{where}.type",
                code="invalid_value",
            )
        function = call.get("function")
        if not isinstance(function, dict) or not isinstance(function.get("name"), str):
            raise _missing(f"{where}.function.name")
        if not isinstance(function.get("arguments"), str):
            raise _invalid_type(f"{where}.function.arguments", "a string", function.get("arguments"))
        checked.append(call)
    return checked


def _to_ai_message(text: str, calls: list[dict]) -> AIMessage:
    """An assistant turn as LangChain holds it; arguments that are not JSON stay an invalid call."""
    tool_calls, invalid = [], []
    for call in calls:
        name, raw = call["function"]["name"], call["function"]["arguments"]
        try:
            args = json.loads(raw)
        except json.JSONDecodeError as error:
            invalid.append({"name": name, "args": raw, "id": call["id"], "error": str(error)})
            continue
        if isinstance(args, dict):
            tool_calls.append({"name": name, "args": args, "id": call["id"], "type": "tool_call"})
        else:
            error = "arguments are not an object"
            invalid.append({"name": name, "args": raw, "id": call["id"], "error": error})
    return AIMessage(content=text, tool_calls=tool_calls, invalid_tool_calls=invalid)


def _unanswered(pending: dict[str, str], param: str) -> InvalidRequest:
    return InvalidRequest(
        "An assistant message with 'tool_calls' must be followed by tool messages responding to each "
        f"'tool_call_id'. The following tool_call_ids did not have response messages: {', '.join(pending)}",
        param=param,
    )


def read_messages(messages: Any) -> list[BaseMessage]:
    """The conversation as LangChain messages, after OpenAI's checks on roles and tool-call pairing."""
    if not isinstance(messages, list):
        raise _invalid_type("messages", "an array", messages)
    if not messages:
        raise InvalidRequest(
            "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty "
            "array instead.",
            param="messages",
            code="empty_array",
        )
    converted: list[BaseMessage] = []
    pending: dict[str, str] = {}  # tool_call_id -> name, of the last assistant turn's unanswered calls
    for i, message in enumerate(messages):
        where = f"messages[{i}]"
        if not isinstance(message, dict):
            raise _invalid_type(where, "an object", message)
        role = message.get("role")
        if role not in ROLES:
            supported = ", ".join(repr(r) for r in ROLES)
            raise InvalidRequest(
                f"Invalid value: {role!r}. Supported values are: {supported}.",
                param=f"{where}.role",
                code="invalid_value",
            )
        if role != "tool" and pending:
            raise _unanswered(pending, f"{where}.role")
        content = message.get("content")
        if role == "assistant":
            calls = (
                _tool_calls(message["tool_calls"], f"{where}.tool_calls") if message.get("tool_calls") else []
            )
            if content is None and not calls:
                raise _missing(f"{where}.content")
            parts = ("text", "refusal")
            text = "" if content is None else _text(content, f"{where}.content", part_types=parts)
            converted.append(_to_ai_message(text, calls))
            pending = {call["id"]: call["function"]["name"] for call in calls}
            continue
        if content is None:
            raise _missing(f"{where}.content")
        text = _text(content, f"{where}.content")
        if role == "tool":
            call_id = message.get("tool_call_id")
            if not isinstance(call_id, str):
                raise _missing(f"{where}.tool_call_id")
            if call_id not in pending:
                raise InvalidRequest(
                    "Invalid parameter: messages with role 'tool' must be a response to a preceeding "
                    "message with 'tool_calls'.",
                    param=f"{where}.role",
                )
            converted.append(ToolMessage(text, tool_call_id=call_id, name=pending.pop(call_id)))
        elif role == "user":
            converted.append(HumanMessage(text))
        else:
            converted.append(SystemMessage(text))
    if pending:
        raise _unanswered(pending, "messages")
    return converted


def strict_schema_problem(schema: Any, context: tuple[str, ...] = ()) -> str | None:
    """Why ``schema`` breaks OpenAI's strict mode (every object closed and fully required), or None."""
    if not isinstance(schema, dict):
        return None
    where = f"In context={context}"
    if schema.get("type") == "object" or "properties" in schema:
        if schema.get("additionalProperties") is not False:
            return f"{where}, 'additionalProperties' is required to be supplied and to be false."
        properties = schema.get("properties") or {}
        required = schema.get("required") or []
        missing = [key for key in properties if key not in required]
        if missing:
            return (
                f"{where}, 'required' is required to be supplied and to be an array including every key "
                f"in properties. Missing '{missing[0]}'."
            )
        for key, sub in properties.items():
            if problem := strict_schema_problem(sub, (*context, "properties", key)):
                return problem
    for key in ("items",):
        if problem := strict_schema_problem(schema.get(key), (*context, key)):
            return problem
    for key in ("anyOf", "allOf"):
        for i, sub in enumerate(schema.get(key) or []):
            if problem := strict_schema_problem(sub, (*context, key, str(i))):
                return problem
    for key in ("$defs", "definitions"):
        for name, sub in (schema.get(key) or {}).items():
            if problem := strict_schema_problem(sub, (*context, key, name)):
                return problem
    return None


def read_tools(tools: Any) -> list[dict]:
    """The offered function tools, checked (names, parameters, strict schemas)."""
    if tools is None:
        return []
    if not isinstance(tools, list):
        raise _invalid_type("tools", "an array", tools)
    for i, tool in enumerate(tools):
        where = f"tools[{i}]"
        if not isinstance(tool, dict) or tool.get("type") != "function":
            raise InvalidRequest(
                f"Invalid value for '{where}.type': only 'function' tools are served by the double.",
                param=f"{where}.type",
                code="invalid_value",
            )
        function = tool.get("function")
        if not isinstance(function, dict):
            raise _missing(f"{where}.function")
        name = function.get("name")
        if not isinstance(name, str) or not NAME_PATTERN.match(name):
            raise InvalidRequest(
                f"Invalid '{where}.function.name': string does not match pattern. Expected a string that "
                "matches the pattern '^[a-zA-Z0-9_-]+$'.",
                param=f"{where}.function.name",
                code="invalid_value",
            )
        parameters = function.get("parameters", {})
        if not isinstance(parameters, dict):
            raise _invalid_type(f"{where}.function.parameters", "an object", parameters)
        if function.get("strict") and (problem := strict_schema_problem(parameters)):
            raise InvalidRequest(
                f"Invalid schema for function '{name}': {problem}",
                param=f"{where}.function.parameters",
                code="invalid_function_parameters",
            )
    return tools


def _choose_tools(tools: list[dict], choice: Any) -> list[dict]:
    """The tools ``tool_choice`` leaves the model: all (``auto``, ``required``), none, or the named one."""
    if choice is None or choice in ("auto", "required"):
        return tools
    if not tools:
        raise InvalidRequest(
            "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.",
            param="tool_choice",
        )
    if choice == "none":
        return []
    name = choice.get("function", {}).get("name") if isinstance(choice, dict) else None
    if not (isinstance(choice, dict) and choice.get("type") == "function" and isinstance(name, str)):
        raise InvalidRequest(
            "Invalid value for 'tool_choice': expected 'none', 'auto', 'required' or a function.",
            param="tool_choice",
            code="invalid_value",
        )
    chosen = [t for t in tools if t["function"]["name"] == name]
    if not chosen:
        raise InvalidRequest(
            f"Invalid value for 'tool_choice': tool '{name}' was not found in 'tools'.", param="tool_choice"
        )
    return chosen


def read_response_format(value: Any) -> dict | None:
    """The ``json_schema`` object of a structured-output request; None for plain text."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise _invalid_type("response_format", "an object", value)
    kind = value.get("type")
    if kind == "text":
        return None
    if kind == "json_object":
        raise UnsupportedByDouble("response_format of type 'json_object'", param="response_format.type")
    if kind != "json_schema":
        raise InvalidRequest(
            f"Invalid value: {kind!r}. Supported values are: 'text', 'json_object', and 'json_schema'.",
            param="response_format.type",
            code="invalid_value",
        )
    spec = value.get("json_schema")
    if not isinstance(spec, dict):
        raise _missing("response_format.json_schema")
    name = spec.get("name")
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise _missing("response_format.json_schema.name")
    schema = spec.get("schema", {})
    if not isinstance(schema, dict):
        raise _invalid_type("response_format.json_schema.schema", "an object", schema)
    if spec.get("strict") and (problem := strict_schema_problem(schema)):
        raise InvalidRequest(
            f"Invalid schema for response_format '{name}': {problem}",
            param="response_format",
            code="invalid_json_schema",
        )
    return spec


def _number(body: dict, key: str, low: float, high: float) -> None:
    value = body.get(key)
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _invalid_type(key, "a decimal", value)
    if not low <= value <= high:
        bound = "above maximum" if value > high else "below minimum"
        limit = f"<= {high}" if value > high else f">= {low}"
        raise InvalidRequest(
            f"Invalid '{key}': decimal {bound} value. Expected a value {limit}, but got {value} instead.",
            param=key,
            code="decimal_above_max_value" if value > high else "decimal_below_min_value",
        )


def read_chat_request(body: Any) -> ChatRequest:
    """Check a ``POST /v1/chat/completions`` body as OpenAI does; raise :class:`InvalidRequest` if bad."""
    if not isinstance(body, dict):
        raise InvalidRequest(
            "We could not parse the JSON body of your request. (HINT: This likely means you aren't using "
            "your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not "
            "valid JSON.)"
        )
    unknown = sorted(set(body) - KNOWN_PARAMETERS)
    if unknown:
        raise InvalidRequest(f"Unrecognized request argument supplied: {unknown[0]}", param=unknown[0])
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise InvalidRequest("you must provide a model parameter")
    if body.get("n", 1) != 1:
        raise UnsupportedByDouble("n other than 1", param="n")
    _number(body, "temperature", 0, 2)
    _number(body, "top_p", 0, 1)
    stream = body.get("stream") or False
    if not isinstance(stream, bool):
        raise _invalid_type("stream", "a boolean", stream)
    options = body.get("stream_options")
    if options is not None and not stream:
        raise InvalidRequest(
            "The 'stream_options' parameter is only allowed when 'stream' is enabled.", param="stream_options"
        )
    if options is not None and not isinstance(options, dict):
        raise _invalid_type("stream_options", "an object", options)
    tools = _choose_tools(read_tools(body.get("tools")), body.get("tool_choice"))
    return ChatRequest(
        model=model,
        messages=read_messages(body.get("messages")),
        tools=tools,
        parallel_tool_calls=body.get("parallel_tool_calls", True) is not False,
        response_schema=read_response_format(body.get("response_format")),
        stream=stream,
        include_usage=bool((options or {}).get("include_usage")),
    )
