"""Token counts and cost of an LLM run, read from what the SDK and LangChain send.

LangChain puts ``usage_metadata`` (``input_tokens``, ``output_tokens``, ``total_tokens``) on the
generated message inside ``outputs.generations[i][j].message.kwargs``; ``@traceable(run_type="llm")``
functions may return it at ``outputs.usage_metadata`` or send it in ``extra.metadata.usage_metadata``;
OpenAI-style ``llm_output.token_usage`` uses ``prompt_tokens`` / ``completion_tokens``. Cost comes
from the package's one price table (:mod:`techhub.models.pricing`) keyed by the ``ls_model_name``
metadata (0 for unknown models), like LangSmith's own model price map.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from techhub.models.pricing import price_of


@dataclass(frozen=True)
class Usage:
    """Tokens and USD cost of one LLM call (its own, not its children's)."""

    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    prompt_cost: float
    completion_cost: float


def _model_name(model: str | None) -> str | None:
    """The bare model name: provider prefixes (``openai/gpt-4o``) price like the model itself."""
    return model.rsplit("/", 1)[-1] if model else None


# A count beyond this is no LLM's: ignored, so sums over a project stay within SQLite's 64-bit integers.
MAX_TOKENS = 1 << 40


def _as_int(value: Any) -> int:
    """A token count as sent, or 0 when it is not a plausible count (wrong type, negative, huge)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= MAX_TOKENS:
        return 0
    return int(value)


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _collect_usage_dicts(node: Any, found: list[dict], depth: int = 0) -> None:
    if depth > 8:
        return
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "usage_metadata" and isinstance(value, dict):
                found.append(value)
            else:
                _collect_usage_dicts(value, found, depth + 1)
    elif isinstance(node, list):
        for item in node:
            _collect_usage_dicts(item, found, depth + 1)


def extract_usage(outputs: dict | None, extra: dict | None) -> Usage | None:
    """The usage of an LLM run, or ``None`` when it reports none."""
    metadata = _dict(_dict(extra).get("metadata"))
    found: list[dict] = []
    _collect_usage_dicts(outputs or {}, found)
    if not found and isinstance(metadata.get("usage_metadata"), dict):
        found.append(metadata["usage_metadata"])
    prompt = completion = total = 0
    if found:
        for usage in found:
            p, c = _as_int(usage.get("input_tokens")), _as_int(usage.get("output_tokens"))
            prompt, completion = prompt + p, completion + c
            total += _as_int(usage.get("total_tokens")) or p + c
    else:
        token_usage = _dict(_dict(outputs).get("llm_output")).get("token_usage")
        if not isinstance(token_usage, dict):
            return None
        prompt = _as_int(token_usage.get("prompt_tokens"))
        completion = _as_int(token_usage.get("completion_tokens"))
        total = _as_int(token_usage.get("total_tokens")) or prompt + completion
    invocation = _dict(_dict(extra).get("invocation_params"))
    model = metadata.get("ls_model_name") or invocation.get("model") or invocation.get("model_name")
    price = price_of(_model_name(model if isinstance(model, str) else None))
    return Usage(
        prompt_tokens=prompt,
        completion_tokens=completion,
        total_tokens=total,
        prompt_cost=price.cost(prompt, 0) if price else 0.0,
        completion_cost=price.cost(0, completion) if price else 0.0,
    )


def first_token_time(events: list | None) -> str | None:
    """The time of the first ``new_token`` event of a streamed LLM run, as sent (ISO text)."""
    for event in events or []:
        if isinstance(event, dict) and event.get("name") == "new_token" and event.get("time"):
            return str(event["time"])
    return None
