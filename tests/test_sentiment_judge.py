"""The "User Sentiment" judge: prompt and schema, the human_ai_pairs format, the offline rubric.

Runs the judge through ``techhub.models.get_chat_model`` (the offline model in these tests), the same
path the local server's rule engine and a live run with ChatOpenAI take.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from langchain_core.load import dumpd
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

from techhub.agent import build_graph
from techhub.evaluators import (
    HUMAN_AI_PAIRS,
    SENTIMENT_FEEDBACK_KEY,
    SENTIMENT_HUMAN_PROMPT,
    SENTIMENT_PROMPT,
    SENTIMENT_SCHEMA,
    SENTIMENT_SYSTEM_PROMPT,
    format_human_ai_pairs,
    judge_structured,
    judge_user_sentiment,
    model_name_from_config,
    parse_human_ai_pairs,
    render_prompt,
    sentiment_evaluator_config,
)
from techhub.models.offline.judges.sentiment_acts import AgentAct, classify_agent_turn
from techhub.models.offline.judges.sentiment_text import normalize
from techhub.models.offline.structured import find_structured_handler

DATA = Path(__file__).parent / "data" / "sentiment_labelled.json"
LABELLED = json.loads(DATA.read_text())["conversations"]
BY_ID = {c["id"]: c for c in LABELLED}
# Floors the held-out splits must not fall below (as last measured, see benchmarks/README.md); the
# target, 92% on each split, is checked by benchmarks/sentiment_judge.py. heldout-3 and heldout-4 are
# under it.
HELD_OUT_FLOORS = {"heldout-1": 0.95, "heldout-2": 0.90, "heldout-3": 0.70, "heldout-4": 0.89}


@pytest.fixture(autouse=True)
def offline_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """Judge with the offline model even on a machine with an OpenAI key: tests never leave loopback."""
    monkeypatch.setenv("TECHHUB_MODEL_BACKEND", "offline")


# --- prompt, schema, evaluator config -------------------------------------------------------------


def test_prompt_is_the_workshop_text() -> None:
    assert SENTIMENT_SYSTEM_PROMPT.startswith("You are an expert conversation evaluator.")
    assert "**Identity verification is expected**" in SENTIMENT_SYSTEM_PROMPT
    assert SENTIMENT_SYSTEM_PROMPT.endswith("- **Neutral responses** - should be classified as positive.")
    assert '"Sure, whatever.", "I\'ll figure it out myself."' in SENTIMENT_SYSTEM_PROMPT
    assert SENTIMENT_HUMAN_PROMPT.endswith("<conversation>\n{{{human_ai_pairs}}}\n</conversation>")


def test_schema_puts_reasoning_before_a_two_way_verdict() -> None:
    assert SENTIMENT_SCHEMA["title"] == SENTIMENT_FEEDBACK_KEY == "user_sentiment"
    assert SENTIMENT_SCHEMA["description"] == "User sentiment from a multi-turn interaction"
    assert list(SENTIMENT_SCHEMA["properties"]) == ["reasoning", "user_sentiment"]
    assert SENTIMENT_SCHEMA["properties"]["user_sentiment"]["enum"] == ["positive", "negative"]
    assert SENTIMENT_SCHEMA["required"] == ["reasoning", "user_sentiment"]


def test_evaluator_config_carries_prompt_schema_and_model() -> None:
    structured = sentiment_evaluator_config("gpt-4o")["structured"]
    assert structured["prompt"] == [["system", SENTIMENT_SYSTEM_PROMPT], ["human", SENTIMENT_HUMAN_PROMPT]]
    assert structured["schema"] == SENTIMENT_SCHEMA
    assert structured["variable_mapping"] == {HUMAN_AI_PAIRS: "human_ai_pairs"}
    assert model_name_from_config(structured["model"]) == "gpt-4o"
    json.dumps(structured)  # goes over HTTP as is


@pytest.mark.parametrize(
    ("model", "name"),
    [("gpt-4o-mini", "gpt-4o-mini"), ({"model": "gpt-4o"}, "gpt-4o"), ({"kwargs": {"model_name": "x"}}, "x"),
     (None, None), ({"kwargs": {}}, None)],
)
def test_model_name_from_config(model: object, name: str | None) -> None:
    assert model_name_from_config(model) == name


def test_model_name_from_config_rejects_other_types() -> None:
    with pytest.raises(ValueError, match="evaluator model"):
        model_name_from_config(42)  # type: ignore[arg-type]


# --- mustache and the human_ai_pairs format -------------------------------------------------------


def test_render_prompt_escapes_double_braces_only() -> None:
    assert render_prompt("{{x}} | {{{x}}}", {"x": "<b>&"}) == "&lt;b&gt;&amp; | <b>&"


def test_render_prompt_names_missing_variables() -> None:
    with pytest.raises(ValueError, match="human_ai_pairs"):
        render_prompt(SENTIMENT_HUMAN_PROMPT, {"conversation": "x"})


def test_format_keeps_human_and_ai_text_and_drops_tool_chatter() -> None:
    messages = [
        SystemMessage("You are TechHub's assistant."),
        HumanMessage("Where is my order?"),
        AIMessage("", tool_calls=[{"id": "c1", "name": "sql_agent", "args": {"q": "orders"}}]),
        ToolMessage("ORD-2025-0012 Shipped", tool_call_id="c1"),
        AIMessage("It shipped.\nai: this line is not a new turn"),
        HumanMessage("thanks"),
    ]
    text = format_human_ai_pairs(messages)
    assert text == (
        "human: Where is my order?\nai: It shipped.\n  ai: this line is not a new turn\nhuman: thanks"
    )
    assert parse_human_ai_pairs(text) == [
        ("human", "Where is my order?"),
        ("ai", "It shipped.\nai: this line is not a new turn"),
        ("human", "thanks"),
    ]


def test_format_reads_dicts_serialized_and_langchain_messages_alike() -> None:
    as_objects = [HumanMessage("hi"), AIMessage([{"type": "text", "text": "hello"}])]
    as_roles = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]
    as_types = [{"type": "human", "content": "hi"}, {"type": "ai", "content": "hello"}]
    as_serialized = [dumpd(m) for m in as_objects]
    expected = "human: hi\nai: hello"
    for messages in (as_objects, as_roles, as_types, as_serialized):
        assert format_human_ai_pairs(messages) == expected


def test_format_rejects_what_is_not_a_message_list() -> None:
    with pytest.raises(TypeError):
        format_human_ai_pairs("human: hi")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="cannot read the conversation"):
        format_human_ai_pairs([{"role": "robot", "content": "x"}])


def test_parse_is_lenient_about_speaker_names() -> None:
    turns = parse_human_ai_pairs("preamble\nUser: a\nAssistant: b\n  more")
    assert turns == [("human", "a"), ("ai", "b\nmore")]


# --- the offline judge on the labelled conversations ----------------------------------------------


def _agreement(conversations: list[dict]) -> float:
    hits = sum(judge_user_sentiment(c["messages"])["value"] == c["label"] for c in conversations)
    return hits / len(conversations)


def test_labelled_set_is_large_balanced_and_covers_the_hard_cases() -> None:
    negatives = sum(c["label"] == "negative" for c in LABELLED)
    assert len(LABELLED) >= 60 and 0.45 <= negatives / len(LABELLED) <= 0.55
    cases = {c["case"] for c in LABELLED}
    for case in ("workshop demo", "verification request", "frustrated start, happy end", "sarcasm-lite",
                 "polite start, 'whatever' end", "thanks then new unresolved complaint",
                 "neutral info exchange", "typos and lower case", "emoji", "non-English greeting"):
        assert case in cases


@pytest.mark.parametrize("split", ["dev", "fresh", "fresh-2"])
def test_offline_judge_agrees_with_the_labels_it_was_tuned_on(split: str) -> None:
    """``fresh`` and ``fresh-2`` were written before the judge ran on them (first runs 91/108 and 73/100),
    then tuned on."""
    assert _agreement([c for c in LABELLED if c["split"] == split]) >= 0.97


@pytest.mark.parametrize("split", sorted(HELD_OUT_FLOORS))
def test_offline_judge_on_conversations_never_tuned_on(split: str) -> None:
    """A floor, not the target: held-out splits are measured in aggregate only (the 92% target and the
    figures are in ``benchmarks/sentiment_judge.py``); their conversations are never read to fix a rule."""
    held_out = [c for c in LABELLED if c["split"] == split]
    assert len(held_out) >= (60 if split == "heldout-4" else 20)
    assert _agreement(held_out) >= HELD_OUT_FLOORS[split]


# Per-conversation checks run on the splits tuned on only: held-out splits are measured in aggregate, so
# a failing held-out conversation is never read and patched one by one.
@pytest.mark.parametrize(
    "conversation",
    [c for c in LABELLED if c.get("decides") and c["split"] in ("dev", "fresh")],
    ids=lambda c: c["id"],
)
def test_reasoning_quotes_the_deciding_message(conversation: dict) -> None:
    verdict = judge_user_sentiment(conversation["messages"])
    assert verdict["value"] == conversation["label"]
    assert f'"{conversation["decides"]}"' in verdict["reasoning"]


def test_sarah_demo_thread_is_negative_because_of_the_refund_demand() -> None:
    verdict = judge_user_sentiment(BY_ID["demo-sarah"]["messages"])
    assert verdict["value"] == "negative" and verdict["score"] == 0
    assert '"This is ridiculous. I want a refund NOW!"' in verdict["reasoning"]
    assert "ridiculous" in verdict["reasoning"]
    assert "verification is expected" in verdict["reasoning"]  # asking for the email is not the fault


def test_gregory_demo_thread_is_negative_because_the_cancellation_did_not_happen() -> None:
    verdict = judge_user_sentiment(BY_ID["demo-gregory"]["messages"])
    assert (verdict["value"], verdict["score"]) == ("negative", 0)
    quoted = '"I never received an email and my order hasn\'t been cancelled. What the heck??"'
    assert quoted in verdict["reasoning"] and "a problem that continues" in verdict["reasoning"]


def test_final_messages_weigh_most() -> None:
    frustrated = [{"role": "user", "content": "This is ridiculous, my order is late!"},
                  {"role": "assistant", "content": "It arrives tomorrow."}]
    happy_end = {"role": "user", "content": "ok great, thank you"}
    assert judge_user_sentiment([*frustrated, happy_end])["value"] == "positive"
    polite = [{"role": "user", "content": "Thanks so much for the help!"},
              {"role": "assistant", "content": "You're welcome."}]
    whatever_end = {"role": "user", "content": "Sure, whatever."}
    assert judge_user_sentiment([*polite, whatever_end])["value"] == "negative"


def test_verdicts_are_deterministic() -> None:
    messages = BY_ID["neg-sarcasm-just-great"]["messages"]
    assert judge_user_sentiment(messages) == judge_user_sentiment(messages)


def test_a_conversation_without_text_is_an_error() -> None:
    with pytest.raises(ValueError, match="no human or AI text"):
        judge_user_sentiment([{"role": "tool", "content": "x", "tool_call_id": "1"}])


# --- the generic entry the rule engine uses -------------------------------------------------------


def test_judge_structured_with_the_evaluator_config_grades_a_thread() -> None:
    structured = sentiment_evaluator_config()["structured"]
    pairs = format_human_ai_pairs(BY_ID["neg-polite-then-whatever"]["messages"])
    answer = judge_structured(structured["prompt"], structured["schema"], {"human_ai_pairs": pairs})
    assert list(answer) == ["reasoning", "user_sentiment"]
    assert answer["user_sentiment"] == "negative" and '"Sure, whatever."' in answer["reasoning"]


def test_offline_judge_recognises_a_sentiment_schema_by_its_shape() -> None:
    schema = {
        "title": "customer_mood",
        "description": "Mood",
        "type": "object",
        "properties": {
            "why": {"type": "string"},
            "mood": {"type": "string", "enum": ["negative", "positive"]},
        },
        "required": ["why", "mood"],
    }
    pairs = format_human_ai_pairs(BY_ID["pos-thanks-simple"]["messages"])
    answer = judge_structured(SENTIMENT_PROMPT, schema, {"human_ai_pairs": pairs})
    assert answer["mood"] == "positive" and "Thank you" in answer["why"]


def test_handler_matching_is_by_enum_or_name_only() -> None:
    other = {"type": "function", "function": {"name": "grade", "parameters": {"properties": {
        "label": {"type": "string", "enum": ["positive", "neutral", "negative"]}}}}}
    assert find_structured_handler(other) is None or find_structured_handler(other).name != "user_sentiment"
    by_name = {"type": "function", "function": {"name": "user_sentiment", "parameters": {"properties": {}}}}
    assert find_structured_handler(by_name).name == "user_sentiment"


def test_a_double_brace_template_reads_the_same_as_the_triple_brace_one() -> None:
    escaped_prompt = [("system", SENTIMENT_SYSTEM_PROMPT),
                      ("human", SENTIMENT_HUMAN_PROMPT.replace("{{{human_ai_pairs}}}", "{{human_ai_pairs}}"))]
    pairs = format_human_ai_pairs(BY_ID["neg-typos-still"]["messages"])
    escaped = judge_structured(escaped_prompt, SENTIMENT_SCHEMA, {"human_ai_pairs": pairs + ' "x" <y>'})
    raw = judge_structured(SENTIMENT_PROMPT, SENTIMENT_SCHEMA, {"human_ai_pairs": pairs + ' "x" <y>'})
    assert escaped == raw and raw["user_sentiment"] == "negative"


def test_prompt_without_conversation_block_is_a_clear_error() -> None:
    prompt = [("system", SENTIMENT_SYSTEM_PROMPT), ("human", "Grade this: {{{human_ai_pairs}}}")]
    with pytest.raises(ValueError, match="<conversation>"):
        judge_structured(prompt, SENTIMENT_SCHEMA, {"human_ai_pairs": "human: hi"})


@pytest.mark.parametrize(
    ("prompt", "message"),
    [([("robot", "x")], "unknown prompt role"), ([("system",)], "pair"), ([], "empty")],
)
def test_judge_structured_rejects_malformed_prompts(prompt: list, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        judge_structured(prompt, SENTIMENT_SCHEMA, {})


def test_judge_structured_rejects_a_schema_without_title() -> None:
    with pytest.raises(ValueError, match="title"):
        judge_structured(SENTIMENT_PROMPT, {"properties": {}}, {"human_ai_pairs": "human: hi"})


# --- the mechanisms of the offline judge, on conversations written here ----------------------------
# Each kind of signal the judge reads, with a conversation written for this test (not taken from the
# labelled set), and where it matters a twin with similar words that reads the other way.

SUPPORT = "Please contact support at support@techhub.com or 1-800-TECHHUB, Monday to Friday, 9am to 6pm ET."
VERIFY = "To look up your account, could you please share the email address you used for your orders?"


def _conversation(*turns: str) -> list[dict]:
    """Alternating customer and agent turns, the customer first."""
    return [{"role": "user" if i % 2 == 0 else "assistant", "content": t} for i, t in enumerate(turns)]


KINDS = [
    # (label, kind named in the reasoning, turns)
    ("negative", "sarcasm", ("Can you move my delivery to Saturday?",
                             "I'm sorry, I can't change delivery dates.", "wonderful.")),
    ("negative", "sarcasm", ("I need the address changed today, the courier comes tomorrow.",
                             f"I can't change shipping addresses myself. {SUPPORT}",
                             "It's 7pm, they closed an hour ago.",
                             "Support is open Monday to Friday, 9am to 6pm ET.",
                             "very useful, thanks a lot")),
    ("negative", "sarcasm", ("cancel ORD-2025-0101 please, ben.ito@mail.com",
                             "I've cancelled order ORD-2025-0101 and emailed you a confirmation.",
                             "It still shows Processing and there is no email.",
                             "I've cancelled order ORD-2025-0101. You will receive a confirmation shortly.",
                             "Fantastic.")),
    ("negative", "sarcasm", ("cheapest keyboard?", "The Sonique Boomstone Go at $99.00.",
                             "that's a speaker. 10/10 service")),
    ("positive", "gratitude", ("Does the mouse work with a Mac?", "Yes, it works with macOS 12 and later.",
                               "wonderful, thank you")),
    ("positive", "satisfaction", ("Is the kettle cordless?", "Yes, it lifts off a 360-degree base.",
                                  "Brilliant.")),
    ("negative", "a complaint after politeness", (
        "Hi there, thanks for being available! Is the Pixel case in stock?",
        "It is out of stock and I don't have a restock date.",
        "Thanks for checking. I expected a store this size to carry them though.")),
    ("negative", "churn", ("Any discount on the Galaxy Tab for students?",
                           "We don't offer student discounts.", "Ok then I'll get it from Best Buy.")),
    ("negative", "churn", ("is there faster shipping to Alaska", "Only standard shipping, 7-10 days.",
                           "guess I'll be ordering somewhere else then")),
    ("negative", "churn", ("Why was I charged a fee?", f"I can't see account fees. {SUPPORT}",
                           "Please just close my account.")),
    ("positive", "gratitude", ("How do I close my account?", "Settings > Account > Close account.",
                               "Done, thank you.")),
    ("negative", "a problem that continues", (
        "My earbuds only charge on one side.", "Clean the charging contacts with a dry cloth.",
        "I already cleaned them twice yesterday, the left one is dead as before.")),
    ("negative", "a problem that continues", (
        "Does the Aerobook have a backlit keyboard?", "The Vantor Aerobook 13 weighs 1.1 kg.",
        "ok but is the keyboard backlit?")),
    ("negative", "exasperation at the agent's limits", (
        "Can you check if my warranty claim was approved?", "I can't look up warranty claims.",
        "Then what exactly can you do?")),
    ("negative", "exasperation at the agent's limits", (
        "Why was I charged twice?", f"I can't see payment details. {SUPPORT}",
        "You're a store assistant who can't see payments?")),
    ("negative", "a consequence", (
        "Can I still return the speaker?", "Returns are accepted within 30 days; yours came 34 days ago.",
        "So the return window closed while I was waiting on your team.")),
    ("negative", "a consequence", ("Where is the gift I ordered?", "It will be delivered tomorrow.",
                                   "The birthday was yesterday, so now I have to find something else.")),
    ("positive", "relief", ("Did my payment go through? I got an error.", VERIFY, "ida.berg@mail.se",
                            "Yes, order ORD-2025-0200 was placed and paid.",
                            "Oh thank goodness, I was really worried. Thanks!")),
    ("positive", "gratitude", ("Did my order go through?", VERIFY, "umar@mail.com",
                               "Yes: ORD-2025-0205 was placed and is Processing.",
                               "Great, I was worried I'd have to order it again. Cheers!")),
    ("negative", "implied negativity", ("Is the Flipnote back before Christmas?",
                                        "It is out of stock and I don't have a restock date.",
                                        "ok. guess I'll look around then.")),
    ("positive", "a plan to move on", ("please cancel ORD-2025-0118",
                                       f"It can be cancelled, but I can't cancel orders myself. {SUPPORT}",
                                       "ok, I'll give them a call tomorrow")),
    ("negative", "pushback", ("do you sell phone cases", "I couldn't find phone cases in our catalogue.",
                              "A phone case IS an electronics accessory.")),
    ("negative", "pushback", ("has my refund been sent", f"I can't see refund details. {SUPPORT}",
                              "They told me to ask here, not them.")),
    ("positive", "no customer message shows", ("can you change my delivery address",
                                                f"I can't change addresses myself. {SUPPORT}", "ok")),
    ("positive", "no customer message shows", ("Do you have the Pixel 8 in blue?", "Only in black.",
                                                "I have a black case anyway, my sister gave me hers.")),
    ("positive", "satisfaction", ("can the Trackstone work without the dongle", "Yes, over Bluetooth.",
                                  "not bad at all")),
    ("positive", "gratitude", ("hw do i reset my watch", "Settings > System > Reset.", "thx, very helpfull")),
    ("negative", "a problem that continues", ("my laptop wont turn on", "Hold the power button for 15 s.",
                                              "its stil not wroking and i did everyting u said")),
]


@pytest.mark.parametrize(
    ("label", "kind", "turns"), KINDS, ids=[f"{k[0]}-{k[1]}-{i}" for i, k in enumerate(KINDS)]
)
def test_each_kind_of_signal(label: str, kind: str, turns: tuple[str, ...]) -> None:
    verdict = judge_user_sentiment(_conversation(*turns))
    assert verdict["value"] == label, verdict["reasoning"]
    assert kind in verdict["reasoning"]


def test_the_reasoning_names_the_turn_the_agent_act_and_the_signal() -> None:
    verdict = judge_user_sentiment(_conversation(
        "Do you price match?", VERIFY, "li@mail.com", "We don't offer price matching.",
        "Fine, I'll shop elsewhere."))
    assert verdict["value"] == "negative"
    assert verdict["reasoning"].startswith("Turn 3 of 3: the customer says they will take their business")
    assert "after the agent refused or said it could not help (churn" in verdict["reasoning"]
    assert '"Fine, I\'ll shop elsewhere."' in verdict["reasoning"]
    assert "verification is expected" in verdict["reasoning"]


def test_a_late_positive_message_outweighs_early_anger_and_says_so() -> None:
    verdict = judge_user_sentiment(_conversation(
        "WHERE IS MY REFUND?? It's been two weeks!", VERIFY, "raj@mail.com",
        "The refund of $329.00 was issued on November 15.", "Found it on my statement, thank you!"))
    assert verdict["value"] == "positive"
    assert "Turn 3 of 3" in verdict["reasoning"] and "The tone moved: turn 1" in verdict["reasoning"]


def test_the_same_praise_reads_by_what_the_agent_did_before_it() -> None:
    after_answer = judge_user_sentiment(_conversation("Is the Hush 700 noise cancelling?", "Yes, adaptive.",
                                                      "perfect."))
    after_refusal = judge_user_sentiment(_conversation("Is the Trackstone in stock?",
                                                       "I couldn't find a product called 'Trackstone'.",
                                                       "perfect."))
    assert after_answer["value"] == "positive" and after_refusal["value"] == "negative"
    assert "after the agent refused or said it could not help (sarcasm)" in after_refusal["reasoning"]


def test_a_problem_stated_before_any_answer_is_why_the_customer_writes() -> None:
    verdict = judge_user_sentiment(_conversation("My order still hasn't arrived and it's been a week.",
                                                 "It is out for delivery today."))
    assert verdict["value"] == "positive"


SHIPPING_ANSWER = (
    "From our Shipping Policy page: Orders placed before 2pm ET on a business day are prepared the same "
    "day; processing normally takes 1 to 2 business days before the order ships. Standard: delivery time "
    "after shipping 3 to 5 business days; cost $5.99, free on orders over $50. If a shipped order has not "
    "arrived 7 business days after its shipping date, contact support at support@techhub.com or "
    "1-800-TECHHUB (1-800-832-4482) and we will open a carrier investigation.\n\n"
    "Is there anything else I can help you with?"
)
RETURNS_ANSWER = (
    "From our Returns and Refunds Policy page: You can return most items within 30 days of delivery for a "
    "full refund. Refunds are issued within 5 to 7 business days; original shipping costs are refunded only "
    "if the item arrived faulty or we sent the wrong item. Support contact: support@techhub.com or "
    "1-800-TECHHUB."
)
NO_MORE = ("Our product pages and policies don't say more about that. Our support team can help: "
           "support@techhub.com or 1-800-TECHHUB (1-800-832-4482).")


@pytest.mark.parametrize(
    ("text", "asked", "act"),
    [
        # Information is an answer, whatever else the reply says: the contact is part of it.
        (SHIPPING_ANSWER, "How long does shipping usually take?", AgentAct.ANSWER),
        (RETURNS_ANSWER, "what's your return policy?", AgentAct.ANSWER),  # "only if we sent": no claim
        ("Thanks, Pedro. ORD-2025-0075 shipped on 2025-11-12. If it hasn't arrived within 7 business days, "
         "contact support@techhub.com.", "the tracking for my order hasn't moved", AgentAct.ANSWER),
        (f"You can reach TechHub support: {SUPPORT}", "what's your phone number?", AgentAct.ANSWER),
        # The contact instead of an answer, or a policy page for the customer's own late order.
        (NO_MORE, "Can I pay with PayPal?", AgentAct.REDIRECT),
        (f"You can reach TechHub support: {SUPPORT}", "Is the Hush 700 waterproof?", AgentAct.REDIRECT),
        (SHIPPING_ANSWER, "my order ORD-2025-0047 shipped on Nov 1 and still isn't here", AgentAct.REDIRECT),
        ("Screens can crack during delivery. Please check our returns policy.", "my screen is cracked",
         AgentAct.REDIRECT),
        (f"Address changes are possible only before the order ships. {SUPPORT}",
         "please change the address on ORD-2025-0118", AgentAct.REDIRECT),
        # Asked to act and told it cannot; asked something it has nothing on.
        ('I can see your order ORD-2025-0030 is currently in "Processing" status. However, I don\'t have the '
         f"ability to cancel orders. {SUPPORT}", "cancel ORD-2025-0030 please", AgentAct.REFUSE),
        ("I couldn't find a product like that in our catalogue. TechHub sells Laptops, Monitors, Keyboards & "
         "Mice, Audio, Accessories: can I help you find something there?", "do you sell iPhones?",
         AgentAct.REFUSE),
        ("I'm sorry, I wasn't able to verify your account, so I can't share order details.",
         "where is my order", AgentAct.REFUSE),
    ],
)
def test_an_agent_turn_is_read_by_what_it_does_for_what_was_asked(
    text: str, asked: str, act: AgentAct
) -> None:
    assert classify_agent_turn(text, [], asked) is act


@pytest.mark.parametrize(
    ("text", "earlier", "act"),
    [
        (VERIFY, [], AgentAct.VERIFY),
        ("I couldn't find an account with that email. Could you double-check the email you used?", [],
         AgentAct.VERIFY_AGAIN),
        (f"I can't cancel orders myself. {SUPPORT}", [], AgentAct.REFUSE),
        ("I've successfully initiated the cancellation for order ORD-2025-0030.", [], AgentAct.CLAIM),
        ("Please reach out to your bank about the charge.", [], AgentAct.REDIRECT),
        ("Orders usually ship within 2 business days.", ["Orders usually ship within 2 business days."],
         AgentAct.REPEAT),
        ("What budget do you have in mind?", [], AgentAct.QUESTION),
        ("The Dell XPS 13 comes with a one-year warranty.", [], AgentAct.ANSWER),
        ("You're welcome! Anything else?", [], AgentAct.CLOSE),
    ],
)
def test_agent_turns_are_classified_by_what_the_agent_did(
    text: str, earlier: list[str], act: AgentAct
) -> None:
    assert classify_agent_turn(text, earlier) is act


@pytest.mark.parametrize(
    ("typed", "read"),
    [("its stil not wroking", "its still not working"), ("i dont understnad", "i dont understand"),
     ("thx, very helpfull", "thx, very helpful"),
     ("wasting my brother's time", "wasting my brothers time"),
     ("no worries", "no worries"), ("Thaaanks", "thanks")],
)
def test_typos_are_corrected_only_in_words_english_does_not_know(typed: str, read: str) -> None:
    assert normalize(typed) == read


# --- the offline agent's own replies, as it writes them today ---------------------------------------
# The acts are read from what a reply does, so they must hold for the agent's real wording (policy
# passages that end with the support contact, catalogue lists, order lists, v1 claims, v2 refusals),
# whatever that wording becomes.


@pytest.fixture(scope="module")
def agent():
    return build_graph(checkpointer=InMemorySaver())


def _talk(agent, version: str, *messages: str) -> list[dict]:
    """Play ``messages`` in a new thread (an email interrupt is resumed with the next message)."""
    config = {"configurable": {"thread_id": str(uuid.uuid4()), "version": version}}
    transcript: list[dict] = []
    state: dict = {}
    for text in messages:
        transcript.append({"role": "user", "content": text})
        payload = Command(resume=text) if "__interrupt__" in state else {"messages": [("user", text)]}
        state = agent.invoke(payload, config)
        transcript.append({"role": "assistant", "content": state["messages"][-1].text})
    return transcript


def _acts(transcript: list[dict]) -> list[AgentAct]:
    acts, replies, asked = [], [], ""
    for message in transcript:
        if message["role"] == "user":
            asked = message["content"] if "@" not in message["content"] else asked
            continue
        acts.append(classify_agent_turn(message["content"], replies, asked))
        replies.append(message["content"])
    return acts


FAILED = {AgentAct.REFUSE, AgentAct.REDIRECT}


@pytest.mark.parametrize(
    ("version", "messages", "acts"),
    [
        ("v2", ["How long does shipping usually take?"], [{AgentAct.ANSWER}]),
        ("v2", ["What is your return policy?"], [{AgentAct.ANSWER}]),
        ("v2", ["What are your customer service hours?"], [{AgentAct.ANSWER}]),
        ("v2", ["What's the cheapest monitor?"], [{AgentAct.ANSWER}]),
        ("v2", ["Is the Lumora Vista 27Q in stock?"], [{AgentAct.ANSWER}]),
        ("v2", ["What's the weather today?"], [{AgentAct.REFUSE}]),
        ("v1", ["Where is my order?", "sarah.chen@gmail.com"], [{AgentAct.VERIFY}, {AgentAct.ANSWER}]),
        ("v1", ["Please cancel ORD-2025-0030", "gregory.harris@yahoo.com"],
         [{AgentAct.VERIFY}, {AgentAct.CLAIM}]),
        ("v2", ["Please cancel ORD-2025-0030", "gregory.harris@yahoo.com"], [{AgentAct.VERIFY}, FAILED]),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_the_agents_real_replies_are_read_by_what_they_do(agent, version, messages, acts) -> None:
    transcript = _talk(agent, version, *messages)
    found = _acts(transcript)
    assert all(act in expected for act, expected in zip(found, acts, strict=True)), (found, transcript)


def test_thanks_after_an_informative_answer_that_gives_the_contact_is_praise_not_sarcasm(agent) -> None:
    """Notebook 02's false negative: the shipping answer mentions the support contact; "Great, thanks!"
    after it is a satisfied customer. Sarcasm needs a real failure: the same words after v2's refusal
    to cancel, said flatly, read as sarcasm."""
    answered = _talk(agent, "v2", "How long does shipping usually take?")
    assert "support@techhub.com" in answered[-1]["content"]  # the case this test is about
    for thanks in ("Great, thanks!", "Perfect, thank you so much!", "Great, thanks."):
        verdict = judge_user_sentiment([*answered, {"role": "user", "content": thanks}])
        assert verdict["value"] == "positive", verdict["reasoning"]
        assert "sarcas" not in verdict["reasoning"]
    refused = _talk(agent, "v2", "Please cancel ORD-2025-0030", "gregory.harris@yahoo.com")
    verdict = judge_user_sentiment([*refused, {"role": "user", "content": "Great."}])
    assert verdict["value"] == "negative" and "sarcastically" in verdict["reasoning"]
