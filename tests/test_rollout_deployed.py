"""The rollout on the real services (``techhub up``): assistants per configuration, traces read back with
the v2 query API, tags and the staging project, the agent server's response cache, routed and split
simulated traffic, the staged rollout, the smoke test and the rollback command with their exit codes.

Everything runs against the session's local LangSmith server and agent server; each test scopes
what it reads to the threads or batches it created (the services are shared).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from langgraph_sdk.client import SyncLangGraphClient

from techhub import smith
from techhub.deployment import Conversation, get_deployment_client
from techhub.models.pricing import cost_of
from techhub.rollout import ComplexityRouter, Stage, load_rollout_config, run_staged_rollout
from techhub.rollout.assistants import (
    PRODUCTION_ASSISTANT,
    STAGING_ASSISTANT,
    STAGING_PROJECT,
    assistant_versions,
    ensure_config_assistant,
    ensure_rollout_assistants,
)
from techhub.rollout.configs import DEFAULT_CONFIG_FILE
from techhub.rollout.simulation import RoutedConversation, SplitTraffic
from techhub.rollout.smoke import EXIT_THRESHOLDS
from techhub.rollout.traces import load_records, metadata_filter, wait_for_records
from techhub.traffic import get_persona

if TYPE_CHECKING:
    from conftest import TechhubInstance

CONFIG = load_rollout_config()
BATCH = "rollout_test_batch"
FALLBACK = "techhub-fallback"
BROKEN_PROMPT = {"version": "v3"}  # a prompt revision the deployed graph does not have: every run fails


@pytest.fixture(scope="module")
def client(techhub_services: TechhubInstance) -> Iterator[SyncLangGraphClient]:
    with pytest.MonkeyPatch.context() as patch:
        techhub_services.apply(patch)
        deployment = get_deployment_client()
        ensure_rollout_assistants(deployment, CONFIG)
        yield deployment


def _talk(
    client: SyncLangGraphClient, assistant: str, batch: str, messages: list[str], **options
) -> Conversation:
    conversation = Conversation(assistant, client=client, metadata={BATCH: batch}, **options)
    for message in messages:
        conversation.send(message)
    return conversation


def test_records_of_a_conversation_come_from_its_traces(client):
    batch = str(uuid.uuid4())
    conversation = _talk(
        client, PRODUCTION_ASSISTANT, batch,
        ["What's the status of my order ORD-2025-0030?", "gregory.harris@yahoo.com"],
    )  # fmt: skip
    records = wait_for_records(2, filter=metadata_filter(BATCH, batch))
    assert [r.run_id for r in records] == conversation.run_ids  # oldest first, one per turn
    for record in records:
        assert record.thread_id == conversation.thread_id and record.succeeded
        assert record.model == "gpt-4o-mini" and record.config_name == "production"
        assert record.strategy == "standard"
        assert set(record.tags) == {"production", "gpt-4o-mini", "standard"}
        assert record.input_tokens > 0 and record.output_tokens > 0 and record.latency_s > 0
        # the cost is ours: every LLM run priced as gpt-4o-mini (no cache hit in a fresh conversation)
        assert record.cost == pytest.approx(cost_of("gpt-4o-mini", record.input_tokens, record.output_tokens))
    # the same turns priced from the roots' subtree totals agree
    totals = load_records(filter=metadata_filter(BATCH, batch), with_llm_runs=False)
    assert [(r.input_tokens, r.output_tokens) for r in totals] == [
        (r.input_tokens, r.output_tokens) for r in records
    ]


def test_has_tags_production_separates_production_from_staging_through_the_v2_api(client):
    batch = str(uuid.uuid4())
    production = _talk(client, PRODUCTION_ASSISTANT, batch, ["How long do I have to return headphones?"])
    staging = _talk(client, STAGING_ASSISTANT, batch, ["How long do I have to return headphones?"])
    wait_for_records(2, filter=metadata_filter(BATCH, batch))
    scope = metadata_filter(BATCH, batch)
    api = smith.api_for(smith.get_client())
    found = api.runs.query_v2(
        project_ids=[smith.project_id()],
        is_root=True,
        filter=f'and(has(tags, "production"), {scope})',
        min_start_time=datetime.now(UTC) - smith.LOOKBACK,
        selects=["ID", "TAGS", "THREAD_ID"],
    )
    runs = list(found)
    assert [str(r.id) for r in runs] == production.run_ids
    assert all("production" in r.tags for r in runs)
    staged = load_records(filter=f'and(has(tags, "staging"), {scope})')
    assert [r.thread_id for r in staged] == [staging.thread_id]


def test_a_run_traced_into_the_staging_project_is_also_in_the_deployment_project(client):
    batch = str(uuid.uuid4())
    conversation = _talk(
        client, STAGING_ASSISTANT, batch, ["Hi there!"], langsmith_tracing={"project_name": STAGING_PROJECT}
    )
    scope = metadata_filter(BATCH, batch)
    staged = wait_for_records(1, project_name=STAGING_PROJECT, filter=scope)
    replica = wait_for_records(1, filter=scope)
    assert [r.thread_id for r in staged] == [r.thread_id for r in replica] == [conversation.thread_id]
    assert replica[0].run_id == conversation.run_ids[0]  # the deployment's copy keeps the run id
    assert staged[0].run_id != replica[0].run_id  # the staging copy has ids of its own
    tokens = [(r.input_tokens, r.output_tokens) for r in (staged[0], replica[0])]
    assert tokens[0] == tokens[1]


def test_the_production_configuration_caches_responses_inside_the_agent_server(client):
    question = "Does the Vantor Aerobook 13 have a Thunderbolt port?"
    scope = {"configurable": {"cache_scope": str(uuid.uuid4())}}
    costs = {}
    for assistant in (PRODUCTION_ASSISTANT, "techhub-fallback"):
        batch = str(uuid.uuid4())
        for _ in range(2):  # the same question twice, in two conversations
            _talk(client, assistant, batch, [question], config=scope)
        first, second = wait_for_records(2, filter=metadata_filter(BATCH, batch))
        costs[assistant] = (first.cost, second.cost, first.input_tokens, second.input_tokens)
    first, second, tokens_first, tokens_second = costs[PRODUCTION_ASSISTANT]
    assert second < first and tokens_second < tokens_first  # the repeated call was answered by the cache
    first, second, tokens_first, tokens_second = costs["techhub-fallback"]
    assert (second, tokens_second) == (first, tokens_first)  # caching is off in the fallback configuration


def test_the_router_sends_the_hard_message_to_the_fallback_and_says_so_on_the_run(client):
    router = ComplexityRouter.from_config(CONFIG)
    batch = str(uuid.uuid4())
    conversation = RoutedConversation(router, client=client, metadata={BATCH: batch})
    conversation.send("Hi there!")
    hard = (
        "First, can you compare the Vantor Aerobook 13 and the Calder Slate 14? Then, which one is better "
        "for travel, maybe under $1200? And what if I need it before Friday?"
    )
    conversation.send(hard)
    assert [d.escalated for d in conversation.decisions] == [False, True]
    easy, escalated = wait_for_records(2, filter=metadata_filter(BATCH, batch))
    assert (easy.strategy, easy.model, easy.complexity) == ("standard", "gpt-4o-mini", 0.0)
    assert (escalated.strategy, escalated.model) == ("fallback", "gpt-4o")
    assert escalated.complexity == conversation.decisions[1].score >= router.threshold
    assert {easy.thread_id, escalated.thread_id} == {conversation.thread_id}  # one conversation, two routes


def test_a_staged_rollout_on_simulated_traffic_completes_and_a_broken_candidate_is_rolled_back(client):
    personas = [get_persona(name) for name in ("mei-warranty", "jordan-headphones", "luis-shipping-question")]
    stages = (Stage(0.1, 3), Stage(1.0, 3))
    healthy = SplitTraffic(control=FALLBACK, candidate=PRODUCTION_ASSISTANT, personas=personas, seed=3)
    outcome = run_staged_rollout(healthy, stages, gate=CONFIG.gates.stage)
    assert outcome.completed and outcome.final_share == 1.0, outcome.table()
    first, last = healthy.batches[0:2], healthy.batches[2:]
    # mei.tanaka is the only one of the three on the candidate at 10%, and stays there
    assert [b.customers for b in first if b.arm == "candidate"] == [("mei.tanaka@icloud.com",)]
    assert [b.arm for b in last] == ["candidate"]
    assert {r.arm for r in healthy.records} == {"candidate", "control"}
    assert {r.model for r in healthy.records if r.arm == "control"} == {"gpt-4o"}

    ensure_config_assistant(client, "techhub-candidate-broken", CONFIG.production, overrides=BROKEN_PROMPT)
    broken = SplitTraffic(control=FALLBACK, candidate="techhub-candidate-broken", personas=personas)
    outcome = run_staged_rollout(broken, stages, gate=CONFIG.gates.stage)
    assert outcome.rolled_back and outcome.final_share == 0.0 and len(outcome.log) == 1
    assert "Error rate spike: 100.00% > 5.00% (n=1)" in outcome.reason
    assert [r.error is not None for r in broken.records if r.arm == "candidate"] == [True]


def test_techhub_smoke_exit_codes(techhub_services: TechhubInstance, client, tmp_path: Path):
    passed = techhub_services.cli("smoke", "--json")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert '"passed": true' in passed.stdout and passed.stdout.count('"passed": true') == 1 + 3 + 8

    strict = tmp_path / "strict.toml"
    toml = DEFAULT_CONFIG_FILE.read_text()
    strict.write_text(toml.replace("cost_per_query_max = 0.003", "cost_per_query_max = 0.0000001", 1))
    failed = techhub_services.cli("smoke", "--config", str(strict))
    assert failed.returncode == EXIT_THRESHOLDS == 3, failed.stdout + failed.stderr
    assert "cost per query" in failed.stdout and "FAIL" in failed.stdout

    unknown = techhub_services.cli("smoke", "--assistant", "techhub-nobody")
    assert unknown.returncode == 2 and "no assistant called 'techhub-nobody'" in unknown.stderr


def test_techhub_smoke_without_an_agent_server_exits_1(techhub_instance: TechhubInstance):
    result = techhub_instance.cli("smoke")
    assert result.returncode == 1 and "cannot reach the agent server" in result.stderr


def test_techhub_rollout_rollback_restores_the_previous_configuration(techhub_services, client):
    ensure_config_assistant(client, PRODUCTION_ASSISTANT, CONFIG.production)
    bad = ensure_config_assistant(client, PRODUCTION_ASSISTANT, CONFIG.production, overrides=BROKEN_PROMPT)
    assert bad["config"]["configurable"]["version"] == "v3"

    result = techhub_services.cli("rollout", "rollback")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "prompt v3" in result.stdout and "-> version" in result.stdout and "PASS" in result.stdout
    assistant, versions = assistant_versions(client, PRODUCTION_ASSISTANT)
    assert assistant["config"]["configurable"]["version"] == "v2" and len(versions) >= 2

    status = techhub_services.cli("rollout", "status")
    assert status.returncode == 0 and "techhub-production" in status.stdout and "prompt v2" in status.stdout
    missing = techhub_services.cli("rollout", "rollback", "--to-version", "999", "--no-verify")
    assert missing.returncode == 1 and "has no version 999" in missing.stderr
