"""``techhub.traffic``: the personas, how they react, and batches of them on the real agent server.

The personas are checked against the store (real customers, their orders and products). Their
reactions are checked on the customer alone (fed replies of each kind, in wordings the offline model
does not use), then end to end: batches played on the local agent server (``techhub_services``),
traced into the local LangSmith server, read back, and judged by the sentiment judge.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING

import langsmith
import pytest
from langgraph_sdk.client import SyncLangGraphClient

from techhub.config import ConfigError, get_settings
from techhub.db import database_path
from techhub.db.build import connect_readonly
from techhub.deployment import DeploymentError, get_deployment_client
from techhub.evaluators import judge_user_sentiment
from techhub.traffic import (
    BATCH_KEY,
    MOODS,
    PERSONA_KEY,
    PERSONAS,
    ModelCustomer,
    ScriptedCustomer,
    TrafficSummary,
    get_persona,
    make_customer,
    read_reply,
    resolve_player,
    run_traffic,
)
from techhub.traffic.customers import CLOSINGS, CORRECTIONS, mistype
from techhub.traffic.personas import (
    SEED_CANCELLATION_COMPLAINT,
    SEED_CANCELLATION_REQUEST,
    SEED_FRUSTRATED_OPENING,
    SEED_FRUSTRATED_TYPO,
    SEED_REFUND_DEMAND,
)

if TYPE_CHECKING:
    from conftest import TechhubInstance

LABELLED_REPLIES = Path(__file__).parent / "data" / "agent_replies_labelled.json"
SEED = 7


# --- the personas are drawn from the store ---------------------------------------------------------


def _store() -> tuple[dict[str, int], dict[str, tuple[int, str]], dict[str, set[str]], set[str]]:
    """customers by email, orders (customer, status), items of each order, product names."""
    with closing(connect_readonly(database_path())) as conn:
        customers = dict(conn.execute("SELECT email, customer_id FROM customers"))
        orders = {o: (c, s) for o, c, s in conn.execute("SELECT order_id, customer_id, status FROM orders")}
        items: dict[str, set[str]] = {}
        for order_id, name in conn.execute(
            "SELECT i.order_id, p.name FROM order_items i JOIN products p USING (product_id)"
        ):
            items.setdefault(order_id, set()).add(name)
        products = {name for (name,) in conn.execute("SELECT name FROM products")}
    return customers, orders, items, products


# What the briefs say each customer bought, and the order statuses they rely on, by hand from data/.
BOUGHT = {
    "sarah-where-is-my-order": {"ORD-2025-0047": {"Lumora Vista 27Q", "Keystrel Glide Vertical"}},
    "kevin-late-delivery": {"ORD-2025-0019": {"Calder Slate 14"}},
    "tyrone-defective-monitor": {"ORD-2025-0072": {"Brightline Atelier 32"}},
    "olivia-order-status": {"ORD-2025-0222": {"Nimbrix Ninefold Hub", "Sonique Boomstone Go"}},
    "marcus-change-address": {"ORD-2025-0232": {"Auralink Deskmate Speakers"}},
    "priya-last-order": {"ORD-2025-0113": {"Calder Studio 15 OLED"}},
    "imani-dock-compatibility": {"ORD-2025-0137": {"Nimbrix Thunderdock"}},
    "mei-warranty": {"ORD-2025-0229": {"Sonique Pebble Buds"}},
}
STATUS = {"ORD-2025-0030": "Processing", "ORD-2025-0232": "Processing", "ORD-2025-0019": "Shipped",
          "ORD-2025-0047": "Shipped", "ORD-2025-0087": "Shipped", "ORD-2025-0222": "Delivered"}  # fmt: skip


def test_every_persona_is_a_real_customer_talking_about_their_own_orders_and_real_products() -> None:
    customers, orders, items, products = _store()
    for persona in PERSONAS:
        assert persona.email in customers, persona.name
        texts = " ".join(
            [persona.brief, *(s for ask in persona.asks for s in (*ask.says, ask.rephrase or ""))]
        )
        for order_id in persona.orders:
            assert orders[order_id][0] == customers[persona.email], (persona.name, order_id)
        for product in persona.products:
            assert product in products, (persona.name, product)
        # Every order id and product named anywhere in the persona is one it declares (and so checked).
        for order_id in orders:
            if order_id in texts:
                assert order_id in persona.orders, (persona.name, order_id)
        for product in products:
            if product in texts:
                assert product in persona.products, (persona.name, product)
        for order_id, bought in BOUGHT.get(persona.name, {}).items():
            assert bought <= items[order_id], (persona.name, order_id)
    for order_id, status in STATUS.items():
        assert orders[order_id][1] == status, order_id


def test_the_catalogue_has_every_mood_the_workshop_customers_and_general_questions() -> None:
    assert len(PERSONAS) >= 12
    assert len({p.name for p in PERSONAS}) == len(PERSONAS)
    assert {p.mood for p in PERSONAS} == set(MOODS)
    assert all(sum(p.mood == mood for p in PERSONAS) >= 3 for mood in MOODS)
    assert sum(not p.about_account for p in PERSONAS) >= 3  # products and policies, no verification

    sarah = get_persona("sarah-where-is-my-order")
    assert (sarah.email, sarah.mood, sarah.typo) == (
        "sarah.chen@gmail.com",
        "frustrated",
        SEED_FRUSTRATED_TYPO,
    )
    assert [ask.says for ask in sarah.asks] == [(SEED_FRUSTRATED_OPENING,), (SEED_REFUND_DEMAND,)]
    assert sarah.email_styles == ("typo",)

    gregory = get_persona("gregory-cancel-order")
    assert (gregory.email, gregory.mood) == ("gregory.harris@yahoo.com", "frustrated")
    assert gregory.asks[0].says == (SEED_CANCELLATION_REQUEST,)
    assert gregory.asks[0].if_claimed == (SEED_CANCELLATION_COMPLAINT,)
    assert "ORD-2025-0030" in SEED_CANCELLATION_REQUEST

    assert {style for p in PERSONAS for style in p.email_styles} == {"bare", "its", "sure", "typo"}
    with pytest.raises(ValueError, match="no persona called 'nobody'.*sarah-where-is-my-order"):
        get_persona("nobody")


# --- reading what a reply does ----------------------------------------------------------------------


def test_the_reply_reader_on_hand_labelled_replies() -> None:
    labelled = json.loads(LABELLED_REPLIES.read_text())
    scores = {}
    for split in ("tuning", "tuning-2", "heldout-1", "heldout-2"):
        cases = labelled[split]
        right = [read_reply(c["text"], waiting_for_answer=c["waiting"]) == c["label"] for c in cases]
        scores[split] = (sum(right), len(cases))
    print(scores)
    assert scores["tuning"] == (30, 30) and scores["tuning-2"] == (15, 15)
    assert scores["heldout-1"] == (22, 22)
    assert scores["heldout-2"][0] >= 13  # first run, never tuned on: 13/16


# --- the scripted customer on its own: reactions to each kind of reply ------------------------------


def _customer(name: str, seed: int = 0) -> ScriptedCustomer:
    return ScriptedCustomer(get_persona(name), random.Random(seed))


def test_a_false_claim_is_disputed_and_a_refusal_is_taken_differently() -> None:
    # Wordings a real model might use, not the offline model's.
    claim = "All done! I have gone ahead and cancelled ORD-2025-0030; a confirmation is on its way."
    refusal = "I'm afraid I'm unable to cancel orders myself. Please call 1-800-TECHHUB."
    for reply, expected, outcome in (
        (claim, SEED_CANCELLATION_COMPLAINT, "disputed a claim"),
        (refusal, None, "was refused"),
    ):
        gregory = _customer("gregory-cancel-order")
        assert gregory.opening() == SEED_CANCELLATION_REQUEST
        reaction = gregory.react(reply, read_reply(reply))
        if expected:
            assert reaction == expected
        else:
            assert reaction in get_persona("gregory-cancel-order").asks[0].if_refused
        # Whatever the agent says next, Gregory has had enough and leaves.
        assert gregory.react("I'm sorry to hear that. Anything else?", "answered") is None
        assert gregory.outcome == outcome


def test_a_good_answer_gets_thanks_and_the_customer_leaves() -> None:
    daniel = _customer("daniel-spending")
    daniel.opening()
    assert "daniel.okafor@yahoo.com" in daniel.react("What's the e-mail on your account?", "asked_email")
    thanks = daniel.react("You've spent $5,300.00 with us across 5 orders.", "answered")
    assert thanks in CLOSINGS["satisfied"]
    assert daniel.react("You're welcome!", "answered") is None
    assert daniel.outcome == "got answers"


def test_an_answer_that_misses_the_point_is_rephrased_once_then_the_customer_gives_up() -> None:
    hannah = _customer("hannah-return-policy")
    hannah.opening()
    off_topic = "The Vantor Aerobook 13 weighs 1.1 kg."
    assert read_reply(off_topic) == "answered"
    assert hannah.react(off_topic, "answered") == "How long do I have to return an item?"
    assert hannah.react("Sorry, I didn't quite catch that.", "deflected") == "ok, never mind."
    assert hannah.react("Ok!", "answered") is None
    assert hannah.outcome == "gave up"


def test_a_clarifying_question_is_answered() -> None:
    tyrone = _customer("tyrone-defective-monitor")
    tyrone.opening()
    question = "Which order is the monitor from? You have several recent ones."
    assert read_reply(question) == "asked_clarification"
    assert tyrone.react(question, "asked_clarification") == "The Brightline Atelier 32, order ORD-2025-0072."


def test_a_claim_nobody_asked_for_surprises_a_shopper() -> None:
    jordan = _customer("jordan-headphones")
    jordan.opening()
    claim = "✅ I've successfully initiated the cancellation for order ORD-2025-0070."
    reaction = jordan.react(claim, read_reply(claim))
    assert reaction.startswith(("Wait, what?", "Huh?")) and "Sonique Hush 700" in reaction


def test_email_answers_come_in_the_forms_people_use() -> None:
    """Across seeds: the bare address, "it's ...", "sure, my email is ...", and a typo then the fix."""
    forms = set()
    for persona in PERSONAS:
        for seed in range(6):
            customer = ScriptedCustomer(persona, random.Random(seed))
            customer.opening()
            first = customer.react("What's the email on your account?", "asked_email")
            if first == persona.email:
                forms.add("bare")
            elif first.lower() == f"it's {persona.email}":
                forms.add("it's")
            elif first.lower().startswith("sure") and persona.email in first:
                forms.add("sure")
            else:
                assert customer.style == "typo" and persona.email not in first, first
                second = customer.react("I couldn't find that email. Could you check it?", "asked_email")
                assert second in {c.format(email=persona.email) for c in CORRECTIONS}
                forms.add("typo, then the correction")
    assert forms == {"bare", "it's", "sure", "typo, then the correction"}
    assert mistype("ethan.brooks@proton.me", random.Random(0)) != "ethan.brooks@proton.me"


def test_a_model_plays_the_customers_only_when_an_openai_key_is_configured(monkeypatch) -> None:
    assert resolve_player("auto") == "scripted"
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        resolve_player("model")
    monkeypatch.delenv("TECHHUB_OFFLINE", raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
    monkeypatch.setenv("TECHHUB_MODEL_BACKEND", "openai")
    assert get_settings().model_backend == "openai"
    assert resolve_player("auto") == "model"
    assert resolve_player("scripted") == "scripted"  # asked for explicitly: allowed
    customer = make_customer(get_persona("gregory-cancel-order"), random.Random(0), "model")
    assert isinstance(customer, ModelCustomer)
    assert type(customer.model).__name__ == "ChatOpenAI"  # built, never called: no network


# --- batches on the real agent server ---------------------------------------------------------------


@pytest.fixture(scope="module")
def client(techhub_services: TechhubInstance) -> Iterator[SyncLangGraphClient]:
    with pytest.MonkeyPatch.context() as patch:
        techhub_services.apply(patch)
        yield get_deployment_client()


@pytest.fixture(scope="module")
def v1(client) -> TrafficSummary:
    return run_traffic(len(PERSONAS), 8, "techhub-v1", SEED, progress=False, client=client)


@pytest.fixture(scope="module")
def v2(client) -> TrafficSummary:
    return run_traffic(len(PERSONAS), 8, "v2", SEED, progress=False, client=client)


def _thread(summary: TrafficSummary, persona: str):
    return next(t for t in summary.threads if t.persona == persona)


def test_a_batch_plays_every_persona_once_without_errors(v1: TrafficSummary) -> None:
    assert [t.persona for t in v1.threads] == [p.name for p in PERSONAS]
    assert not v1.errors and v1.assistant == "techhub-v1"
    assert len(set(v1.thread_ids)) == len(PERSONAS)
    assert v1.turns == sum(t.turns for t in v1.threads) >= 2 * len(PERSONAS)
    for thread in v1.threads:
        roles = [role for role, _ in thread.transcript]
        assert roles == ["user", "assistant"] * thread.turns
        assert len(thread.agent_acts) == thread.turns == len(thread.run_ids)
        assert thread.outcome is not None  # every customer left on their own terms


def test_the_same_seed_plays_the_same_conversations_and_another_seed_does_not(client, v1) -> None:
    again = run_traffic(len(PERSONAS), 8, "v1", SEED, progress=False, client=client)
    assert again.batch_id != v1.batch_id
    assert set(again.thread_ids).isdisjoint(v1.thread_ids)
    assert [t.transcript for t in again.threads] == [t.transcript for t in v1.threads]
    other = run_traffic(len(PERSONAS), 8, "v1", SEED + 1, progress=False, client=client)
    assert [t.transcript for t in other.threads] != [t.transcript for t in v1.threads]


def test_conversations_run_at_the_same_time(v1: TrafficSummary) -> None:
    events = sorted([(t.started, 1) for t in v1.threads] + [(t.finished, -1) for t in v1.threads])
    running = peak = 0
    for _, step in events:
        running += step
        peak = max(peak, running)
    assert peak > 1
    assert v1.concurrency == 8


def test_the_workshop_frustrated_customer_mistypes_then_corrects_and_demands_a_refund(v1, v2) -> None:
    for summary in (v1, v2):
        sarah = _thread(summary, "sarah-where-is-my-order")
        said = [text for role, text in sarah.transcript if role == "user"]
        assert said[0] == SEED_FRUSTRATED_OPENING
        assert SEED_FRUSTRATED_TYPO in said[1]
        assert "sarah.chen@gmail.com" in said[2]
        assert sarah.agent_acts[:2] == ["asked_email", "asked_email"]  # the typo was not found
        assert SEED_REFUND_DEMAND in said
    v1_sarah, v2_sarah = _thread(v1, "sarah-where-is-my-order"), _thread(v2, "sarah-where-is-my-order")
    assert "claimed_action" in v1_sarah.agent_acts and v1_sarah.outcome == "disputed a claim"
    assert "refused" in v2_sarah.agent_acts and v2_sarah.outcome == "was refused"


def test_v1s_claimed_cancellation_gets_the_workshop_complaint_and_v2s_refusal_does_not(v1, v2) -> None:
    on_v1, on_v2 = _thread(v1, "gregory-cancel-order"), _thread(v2, "gregory-cancel-order")
    assert on_v1.transcript[0] == ("user", SEED_CANCELLATION_REQUEST)
    assert on_v1.agent_acts[0] == "claimed_action"
    assert on_v1.transcript[2] == ("user", SEED_CANCELLATION_COMPLAINT)
    assert on_v2.agent_acts[0] == "refused"
    assert on_v2.transcript[2][1] in get_persona("gregory-cancel-order").asks[0].if_refused
    assert (on_v1.outcome, on_v2.outcome) == ("disputed a claim", "was refused")


def test_the_sentiment_judge_reads_frustrated_threads_as_negative_and_helped_satisfied_ones_positive(
    v1, v2
) -> None:
    helped = 0
    for summary in (v1, v2):
        for thread in summary.threads:
            verdict = judge_user_sentiment([{"role": r, "content": text} for r, text in thread.transcript])
            if thread.mood == "frustrated":
                assert verdict["value"] == "negative", (thread.persona, verdict["reasoning"])
            if thread.mood == "satisfied" and thread.outcome == "got answers":
                helped += 1
                assert verdict["value"] == "positive", (thread.persona, verdict["reasoning"])
            if thread.outcome == "gave up":
                assert verdict["value"] == "negative", (thread.persona, verdict["reasoning"])
    assert helped >= 4  # the check above is not vacuous: most satisfied customers got their answers


def test_persona_and_batch_are_on_every_thread_and_every_root_run(client, v1: TrafficSummary) -> None:
    for thread in v1.threads:
        metadata = client.threads.get(thread.thread_id)["metadata"]
        assert (metadata[PERSONA_KEY], metadata[BATCH_KEY]) == (thread.persona, v1.batch_id)
    found = client.threads.search(metadata=v1.metadata, limit=100)
    assert {t["thread_id"] for t in found} == set(v1.thread_ids)

    settings = get_settings()
    smith = langsmith.Client(api_url=settings.langsmith_endpoint, api_key=settings.langsmith_api_key)
    persona_of = {run_id: t.persona for t in v1.threads for run_id in t.run_ids}
    deadline, runs = time.monotonic() + 60, []
    while time.monotonic() < deadline:  # the agent server sends its traces in the background
        body = {"id": list(persona_of), "select": ["id", "name", "extra", "parent_run_id"], "limit": 100}
        runs = smith.request_with_retries("POST", "/runs/query", json=body).json()["runs"]
        if len(runs) == len(persona_of):
            break
        time.sleep(0.5)
    assert len(runs) == len(persona_of)
    for run in runs:
        assert run["name"] == "supervisor_hitl_sql_agent" and run["parent_run_id"] is None
        metadata = run["extra"]["metadata"]
        assert metadata[PERSONA_KEY] == persona_of[run["id"]]
        assert metadata[BATCH_KEY] == v1.batch_id


def test_the_summary_reads_as_a_table_without_times(v1: TrafficSummary) -> None:
    text = str(v1)
    assert text.splitlines()[0] == v1.headline()
    assert v1.batch_id in text and "techhub-v1" in text and f"seed {SEED}" in text
    assert all(t.persona in text and t.thread_id in text for t in v1.threads)
    assert f"{v1.wall_seconds:.1f}" not in text  # only ids vary between runs, and the sanitizer hides them
    page = v1._repr_html_()
    assert page.count("<tr>") == len(v1.threads) + 1 and "<details>" in page
    assert "TrafficSummary(" in repr(v1)


def test_bad_input_is_refused_before_anything_runs(client) -> None:
    with pytest.raises(ValueError, match="conversations must be at least 1"):
        run_traffic(0, client=client)
    with pytest.raises(ValueError, match="concurrency must be at least 1"):
        run_traffic(1, 0, client=client)
    with pytest.raises(ValueError, match="no persona called 'nobody'"):
        run_traffic(1, personas=["nobody"], client=client)
    with pytest.raises(DeploymentError, match="no assistant called 'v3'"):
        run_traffic(1, assistant="v3", client=client)


def test_chosen_personas_are_cycled(client) -> None:
    summary = run_traffic(
        3,
        3,
        "v2",
        1,
        personas=["hannah-return-policy", "luis-shipping-question"],
        progress=False,
        client=client,
    )
    assert [t.persona for t in summary.threads] == [
        "hannah-return-policy",
        "luis-shipping-question",
        "hannah-return-policy",
    ]
    assert not summary.errors and summary.assistant == "techhub-v2"
