"""LangChain's model cache with the offline model: hits are free, the effect is measured."""

from __future__ import annotations

import pytest
from langchain_core.caches import InMemoryCache
from langchain_core.globals import get_llm_cache, set_llm_cache

from techhub.agent import build_graph
from techhub.models import get_chat_model
from techhub.models.pricing import cost_of
from techhub.rollout.caching import (
    UsageMeter,
    apply_caching,
    is_cache_hit,
    measure_cache_effect,
    model_cache,
)
from techhub.rollout.configs import load_rollout_config

CONFIG = load_rollout_config()
QUESTIONS = ["How long do I have to return headphones?", "Do you ship to Canada?"]


@pytest.fixture(autouse=True)
def no_cache_leaks():
    set_llm_cache(None)
    yield
    set_llm_cache(None)


def test_a_cache_hit_keeps_its_tokens_and_costs_nothing():
    model = get_chat_model("gpt-4o-mini")
    meter = UsageMeter()
    with model_cache(InMemoryCache()):
        first = model.invoke("Do you ship to Canada?", config={"callbacks": [meter]})
        second = model.invoke("Do you ship to Canada?", config={"callbacks": [meter]})
    assert second.content == first.content
    assert not is_cache_hit(first.usage_metadata) and is_cache_hit(second.usage_metadata)
    assert second.usage_metadata["input_tokens"] == first.usage_metadata["input_tokens"] > 0
    miss, hit = meter.calls
    assert (miss.model, miss.cached, hit.cached) == ("gpt-4o-mini", False, True)
    assert miss.cost == pytest.approx(cost_of("gpt-4o-mini", miss.input_tokens, miss.output_tokens))
    assert hit.cost == 0 and meter.cost == miss.cost


def test_measure_on_a_chat_model():
    effect = measure_cache_effect(get_chat_model("gpt-4o-mini"), QUESTIONS, repeats=3)
    assert (effect.without_cache.invocations, effect.without_cache.llm_calls) == (6, 6)
    assert effect.without_cache.cached_calls == 0
    assert effect.with_cache.cached_calls == 4  # each question answered once, then from the cache twice
    assert effect.with_cache.cost == pytest.approx(effect.without_cache.cost / 3)
    assert effect.cost_saving == pytest.approx(2 / 3) and effect.hit_rate == pytest.approx(2 / 3)
    assert list(effect.to_frame()["pass"]) == ["without cache", "with cache"]
    assert get_llm_cache() is None  # the process's setting is restored


def test_measure_on_the_agent_graph():
    effect = measure_cache_effect(
        build_graph(version="v2"), QUESTIONS, repeats=2, to_input=lambda q: {"messages": [("user", q)]}
    )
    assert effect.with_cache.llm_calls == effect.without_cache.llm_calls > 4
    # Calls whose whole prompt repeats (router, first supervisor call, specialist task) hit the second time.
    assert 0 < effect.with_cache.cached_calls < effect.with_cache.llm_calls
    assert 0 < effect.with_cache.cost < effect.without_cache.cost


def test_the_configurations_switch_the_cache():
    assert CONFIG.production.enable_caching and not CONFIG.fallback.enable_caching
    cache = apply_caching(CONFIG.production)
    assert isinstance(cache, InMemoryCache) and get_llm_cache() is cache
    assert apply_caching(CONFIG.production) is cache  # idempotent: the same cache stays
    meter = UsageMeter()
    fallback = CONFIG.fallback.chat_model()
    for _ in range(2):
        fallback.invoke("Do you ship to Canada?", config={"callbacks": [meter]})
    assert [c.cached for c in meter.calls] == [False, False]  # the fallback bypasses the cache
    assert apply_caching(CONFIG.fallback) is None and get_llm_cache() is None
