"""Response caching (the seed's ``enable_caching``): LangChain's model cache, and what it saves.

LangChain's chat models look up a process-wide cache (``langchain_core.globals.set_llm_cache``)
before calling the provider; the key is the exact prompt (messages, bound tools) and the model's
parameters, so gpt-4o and gpt-4o-mini never share an entry. We use ``InMemoryCache``: no extra
dependency, nothing stale on disk between sessions; it lives in the process that runs the agent
(the agent server for deployed traffic, the kernel for in-notebook calls).

What a cache can save in an agent: only calls whose whole prompt repeats. The first call of a
conversation (system prompt + the customer's question) repeats when customers ask the same thing;
later calls carry tool-call ids that are new in every conversation, so they never hit. Caching is
exact-match and needs a deterministic model: a temperature above 0 would freeze one sample.

How a cached call is costed: at $0. LangChain marks a cache hit by adding ``total_cost: 0`` to the
message's ``usage_metadata`` (its input and output token counts stay as they were), which
:func:`is_cache_hit` recognises; :class:`UsageMeter` and the trace reader count those tokens as
cached, not billed. (Servers that price runs from tokens alone, as the local LangSmith server does,
still show a price on such runs.) The offline model goes through the same cache path as ChatOpenAI.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import pandas as pd
from langchain_core.caches import BaseCache, InMemoryCache
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.globals import get_llm_cache, set_llm_cache
from langchain_core.runnables import Runnable

from techhub.models.pricing import cost_of
from techhub.rollout.configs import ModelConfig


def is_cache_hit(usage_metadata: Mapping[str, Any] | None) -> bool:
    """True for the usage LangChain reports on a cache hit (``total_cost`` set to 0)."""
    return bool(usage_metadata) and "total_cost" in usage_metadata and usage_metadata["total_cost"] == 0


def enable_model_cache(cache: BaseCache | None = None) -> BaseCache:
    """Turn LangChain's model cache on for this process (a fresh ``InMemoryCache`` by default)."""
    cache = cache if cache is not None else InMemoryCache()
    set_llm_cache(cache)
    return cache


def disable_model_cache() -> None:
    set_llm_cache(None)


def apply_caching(config: ModelConfig) -> BaseCache | None:
    """Switch the process-wide cache as ``config.enable_caching`` says; returns the cache, if on."""
    if config.enable_caching:
        current = get_llm_cache()
        return current if current is not None else enable_model_cache()
    disable_model_cache()
    return None


@contextmanager
def model_cache(cache: BaseCache | None) -> Iterator[BaseCache | None]:
    """Use ``cache`` (``None``: no cache) inside the block, then restore whatever was there before."""
    previous = get_llm_cache()
    set_llm_cache(cache)
    try:
        yield cache
    finally:
        set_llm_cache(previous)


@dataclass
class LLMCall:
    model: str | None
    input_tokens: int
    output_tokens: int
    cached: bool

    @property
    def cost(self) -> float:
        return 0.0 if self.cached else cost_of(self.model, self.input_tokens, self.output_tokens)


@dataclass(eq=False)  # LangChain keeps handlers in sets: hashable by identity
class UsageMeter(BaseCallbackHandler):
    """A callback that records every chat-model call's model, tokens and whether the cache answered."""

    calls: list[LLMCall] = field(default_factory=list)
    _models: dict[UUID, str | None] = field(default_factory=dict, repr=False)

    def on_chat_model_start(
        self, serialized: dict, messages: list, *, run_id: UUID, metadata: dict | None = None, **kwargs: Any
    ) -> None:
        self._models[run_id] = (metadata or {}).get("ls_model_name")

    def on_llm_end(self, response: Any, *, run_id: UUID, **kwargs: Any) -> None:
        model = self._models.pop(run_id, None)
        for generations in response.generations:
            for generation in generations:
                usage = getattr(getattr(generation, "message", None), "usage_metadata", None) or {}
                self.calls.append(
                    LLMCall(
                        model,
                        int(usage.get("input_tokens", 0)),
                        int(usage.get("output_tokens", 0)),
                        is_cache_hit(usage),
                    )
                )

    @property
    def cost(self) -> float:
        return sum(call.cost for call in self.calls)


@dataclass(frozen=True)
class CachePass:
    """One pass over the questions: with or without the cache."""

    label: str
    invocations: int
    llm_calls: int
    cached_calls: int
    billed_tokens: int
    cost: float
    latency_s: float

    @property
    def latency_per_invocation_s(self) -> float:
        return self.latency_s / self.invocations if self.invocations else 0.0


@dataclass(frozen=True)
class CacheEffect:
    without_cache: CachePass
    with_cache: CachePass

    @property
    def cost_saving(self) -> float:
        """Fraction of the cost the cache saved."""
        base = self.without_cache.cost
        return 1 - self.with_cache.cost / base if base else 0.0

    @property
    def hit_rate(self) -> float:
        calls = self.with_cache.llm_calls
        return self.with_cache.cached_calls / calls if calls else 0.0

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {
                    "pass": p.label,
                    "invocations": p.invocations,
                    "model calls": p.llm_calls,
                    "cache hits": p.cached_calls,
                    "billed tokens": p.billed_tokens,
                    "cost ($)": p.cost,
                    "latency (s)": p.latency_s,
                }
                for p in (self.without_cache, self.with_cache)
            ]
        )


def _one_pass(
    label: str, runnable: Runnable, questions: Sequence[str], repeats: int, to_input: Callable[[str], Any]
) -> CachePass:
    meter = UsageMeter()
    started = time.perf_counter()
    invocations = 0
    for _ in range(repeats):
        for question in questions:
            runnable.invoke(to_input(question), config={"callbacks": [meter]})
            invocations += 1
    latency = time.perf_counter() - started
    billed = [c for c in meter.calls if not c.cached]
    return CachePass(
        label,
        invocations,
        len(meter.calls),
        len(meter.calls) - len(billed),
        sum(c.input_tokens + c.output_tokens for c in billed),
        meter.cost,
        latency,
    )


def measure_cache_effect(
    runnable: Runnable,
    questions: Sequence[str],
    *,
    repeats: int = 3,
    to_input: Callable[[str], Any] | None = None,
) -> CacheEffect:
    """Ask ``questions`` ``repeats`` times without a cache, then with a fresh one; compare cost and time.

    ``runnable`` is anything LangChain can invoke (a chat model, a chain, a compiled graph);
    ``to_input`` turns a question into its input (default: the question itself). The process's cache
    setting is restored afterwards. Latency is wall-clock time and varies from run to run.
    """
    to_input = to_input or (lambda question: question)
    with model_cache(None):
        without = _one_pass("without cache", runnable, questions, repeats, to_input)
    with model_cache(InMemoryCache()):
        cached = _one_pass("with cache", runnable, questions, repeats, to_input)
    return CacheEffect(without, cached)
