"""The smoke test's checks on crafted results, and how a configuration's options reach the model."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from langchain_core.caches import InMemoryCache

from techhub.models import OfflineChatModel, configured_chat_model, get_chat_model, response_cache
from techhub.rollout import load_rollout_config, priced_record
from techhub.rollout.smoke import SMOKE_CASES, CaseResult, SmokeResult, check_thresholds

CONFIG = load_rollout_config()
LIMITS = CONFIG.production.thresholds  # success 100%, p95 <= 2 s, cost <= $0.003
T0 = datetime(2025, 11, 20, 9, tzinfo=UTC)


def turn(thread: str, latency: float = 0.1, tokens: int = 1000, error: str | None = None):
    return priced_record(
        model="gpt-4o-mini", input_tokens=tokens, output_tokens=100, run_id=f"{thread}-{latency}-{tokens}",
        thread_id=thread, start_time=T0, latency_s=latency, error=error,
    )  # fmt: skip


def cases(replies: dict[str, str]) -> list[CaseResult]:
    return [
        CaseResult(case, thread_id=case.name, turns=1, reply=replies.get(case.name, " ".join(case.expect)))
        for case in SMOKE_CASES
    ]


def smoke(results: list[CaseResult], records) -> SmokeResult:
    checks = check_thresholds(results, records, LIMITS)
    return SmokeResult("techhub-staging", "staging", "b", results, records, checks)


def verdicts(checks) -> dict[str, bool]:
    return {check.name: check.passed for check in checks}


def test_eight_cases_cover_orders_products_policies_chitchat_and_a_refusal():
    assert len(SMOKE_CASES) == 8 and len({c.name for c in SMOKE_CASES}) == 8
    assert sum(c.email is not None for c in SMOKE_CASES) == 3  # verification is exercised


def test_all_pass_then_each_threshold_fails_alone():
    good = cases({})
    records = [turn(c.case.name) for c in good]
    assert verdicts(check_thresholds(good, records, LIMITS)) == {
        "success rate": True, "latency p95": True, "cost per query": True,
    }  # fmt: skip
    slow = records[:-1] + [turn("greeting", latency=30.0)]
    assert verdicts(check_thresholds(good, slow, LIMITS)) == {
        "success rate": True, "latency p95": False, "cost per query": True,
    }  # fmt: skip
    dear = [turn(c.case.name, tokens=40_000) for c in good]  # 40k tokens at $0.15/M + 100 out: $0.00606
    assert verdicts(check_thresholds(good, dear, LIMITS))["cost per query"] is False
    wrong = cases({"return policy": "I can help with that."})
    checks = check_thresholds(wrong, records, LIMITS)
    assert verdicts(checks) == {"success rate": False, "latency p95": True, "cost per query": True}
    assert checks[0].shown == "88%"


def test_a_failed_turn_fails_its_conversation_even_if_the_reply_looked_right():
    good = cases({})
    records = [turn(c.case.name) for c in good] + [turn("warranty", error="ValueError: boom")]
    success = check_thresholds(good, records, LIMITS)[0]
    assert success.value == pytest.approx(7 / 8) and not success.passed


def test_exit_code_and_table():
    good = cases({})
    records = [turn(c.case.name) for c in good]
    result = smoke(good, records)
    assert result.passed and result.exit_code == 0 and ": PASS" in result.table()
    broken = cases({"greeting": ""})
    result = smoke(broken, records)
    assert result.exit_code == 3 and "FAIL (exit 3)" in result.table()
    assert "greeting: the reply names none of help" in result.table()
    assert list(result.cases_frame()["passed"]).count("NO") == 1


def test_a_configuration_reaches_the_model():
    production = configured_chat_model("gpt-4o-mini", CONFIG.production.configurable(cache_scope="s1"))
    fallback = configured_chat_model("gpt-4o", CONFIG.fallback.configurable())
    assert isinstance(production, OfflineChatModel) and production.model_name == "gpt-4o-mini"
    assert production.cache is response_cache("s1") and isinstance(production.cache, InMemoryCache)
    assert response_cache("s1") is not response_cache("s2")  # a new scope starts empty
    assert fallback.cache is False  # caching off
    plain = configured_chat_model("gpt-4o-mini", {"version": "v1"})  # the course's plain assistants
    assert plain.cache is None and plain is get_chat_model("gpt-4o-mini")


def test_the_cache_scope_only_travels_with_caching():
    assert CONFIG.production.configurable(cache_scope="run-1")["cache_scope"] == "run-1"
    assert "cache_scope" not in CONFIG.fallback.configurable(cache_scope="run-1")  # caching off
    assert CONFIG.production.assistant_config("staging")["tags"] == ["staging", "gpt-4o-mini", "standard"]
    assert CONFIG.production.run_metadata("staging")["environment"] == "staging"
