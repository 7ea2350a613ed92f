"""Token counts and cost of an LLM run, read from what the SDK and LangChain send.

LangChain puts ``usage_metadata`` (``input_tokens``, ``output_tokens``, ``total_tokens``) on the
generated message inside ``outputs.generations[i][j].message.kwargs``; ``@traceable(run_type="llm")``
functions may return it at ``outputs.usage_metadata`` or send it in ``extra.metadata.usage_metadata``;
OpenAI-style ``llm_output.token_usage`` uses ``prompt_tokens`` / ``completion_tokens``. Cost is what
``usage_metadata`` reports (``input_cost`` / ``output_cost`` / ``total_cost``) when it reports one;
otherwise it comes from the package's one price table (:mod:`techhub.models.pricing`) keyed by the
``ls_model_name`` metadata (0 for unknown models), like LangSmith's own model price map. The
per-category breakdowns (``input_token_details``, ``output_cost_details``, ...) are kept as sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from techhub.models.pricing import price_of


@dataclass
class Usage:
    """Tokens and USD cost of one LLM call (its own, not its children's)."""

    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    prompt_cost: float
    completion_cost: float
    # Per-category breakdowns as ``usage_metadata`` sent them (summed over its messages).
    prompt_token_details: dict[str, int] = field(default_factory=dict)
    completion_token_details: dict[str, int] = field(default_factory=dict)
    prompt_cost_details: dict[str, float] = field(default_factory=dict)
    completion_cost_details: dict[str, float] = field(default_factory=dict)


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


def _as_cost(value: Any) -> float | None:
    """A reported cost in USD, or ``None`` when it is absent or not a plausible one."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1e9:
        return None
    return float(value)


def _add_details(total: dict, details: Any, number: Any) -> None:
    """Sum a breakdown (``{"audio": 1, ...}``) into ``total``, skipping what is not a number."""
    for key, value in _dict(details).items():
        amount = number(value)
        if amount is not None:
            total[str(key)] = total.get(str(key), 0) + amount


def extract_usage(outputs: dict | None, extra: dict | None) -> Usage | None:
    """The usage of an LLM run, or ``None`` when it reports none."""
    metadata = _dict(_dict(extra).get("metadata"))
    found: list[dict] = []
    _collect_usage_dicts(outputs or {}, found)
    if not found and isinstance(metadata.get("usage_metadata"), dict):
        found.append(metadata["usage_metadata"])
    invocation = _dict(_dict(extra).get("invocation_params"))
    model = metadata.get("ls_model_name") or invocation.get("model") or invocation.get("model_name")
    price = price_of(_model_name(model if isinstance(model, str) else None))
    result = Usage(0, 0, 0, 0.0, 0.0)
    if not found:
        token_usage = _dict(_dict(outputs).get("llm_output")).get("token_usage")
        if not isinstance(token_usage, dict):
            return None
        found = [{"input_tokens": token_usage.get("prompt_tokens"),
                  "output_tokens": token_usage.get("completion_tokens"),
                  "total_tokens": token_usage.get("total_tokens")}]
    for usage in found:
        p, c = _as_int(usage.get("input_tokens")), _as_int(usage.get("output_tokens"))
        result.prompt_tokens += p
        result.completion_tokens += c
        result.total_tokens += _as_int(usage.get("total_tokens")) or p + c
        reported = [_as_cost(usage.get(k)) for k in ("input_cost", "output_cost", "total_cost")]
        if any(cost is not None for cost in reported):  # the run's own costs win over our price table
            input_cost, output_cost, total_cost = reported
            if output_cost is None and total_cost is not None:
                output_cost = max(total_cost - (input_cost or 0.0), 0.0)
            if input_cost is None and total_cost is not None:
                input_cost = max(total_cost - (output_cost or 0.0), 0.0)
            result.prompt_cost += input_cost or 0.0
            result.completion_cost += output_cost or 0.0
        elif price:
            result.prompt_cost += price.cost(p, 0)
            result.completion_cost += price.cost(0, c)
        _add_details(result.prompt_token_details, usage.get("input_token_details"), _count)
        _add_details(result.completion_token_details, usage.get("output_token_details"), _count)
        _add_details(result.prompt_cost_details, usage.get("input_cost_details"), _as_cost)
        _add_details(result.completion_cost_details, usage.get("output_cost_details"), _as_cost)
    return result


def _count(value: Any) -> int | None:
    """A token count in a breakdown, or ``None`` when it is not one."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= MAX_TOKENS:
        return None
    return int(value)


def first_token_time(events: list | None) -> str | None:
    """The time of the first ``new_token`` event of a streamed LLM run, as sent (ISO text)."""
    for event in events or []:
        if isinstance(event, dict) and event.get("name") == "new_token" and event.get("time"):
            return str(event["time"])
    return None
