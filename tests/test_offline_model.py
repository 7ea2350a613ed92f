"""The offline model as a LangChain chat model, and how it reads customers' phrasings."""

from __future__ import annotations

import pytest
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

from techhub.agent.graph import RouteDecision
from techhub.agent.prompts import ROUTER_PROMPT, supervisor_prompt
from techhub.agent.tools import SUPERVISOR_TOOLS
from techhub.models import OfflineChatModel, get_chat_model
from techhub.models.offline.language import normalize, read_message
from techhub.models.offline.supervisor import stated_limits

SQL, DOCS, TEXT = "transfer_to_sql_agent", "transfer_to_docs_agent", None

# (message, needs identity, the supervisor's first move for a verified customer)
PHRASINGS = [
    ("Where is my order?", True, SQL),
    ("wheres my ordr??", True, SQL),
    ("What's the status of ORD-2025-0030?", True, SQL),
    ("has my package shipped yet", True, SQL),
    ("When will order ORD-2025-0012 arrive?", True, SQL),
    ("track my order please", True, SQL),
    ("WHERE IS MY STUFF", True, SQL),
    ("Show me my order history", True, SQL),
    ("how many orders have I placed?", True, SQL),
    ("list my past orders", True, SQL),
    ("What did I order last time?", True, SQL),
    ("what was in order ORD-2025-0030", True, SQL),
    ("How much have I spent at TechHub?", True, SQL),
    ("what's my total spending this year", True, SQL),
    ("It's been weeks and I still haven't got my order!", True, SQL),
    ("I need to cancel order ORD-2025-0030 immediately. make it happen fast.", True, SQL),
    ("please refund my last order", True, SQL),
    ("can you change the shipping address on my order?", True, SQL),
    ("cancel my order now", True, SQL),
    ("Where is my order ORD-2025-0030 and what is your return policy?", True, SQL),
    ("How much is the Vantor Aerobook 13?", False, DOCS),
    ("Is the Sonique Hush 700 in stock?", False, DOCS),
    ("is the lumora vista in stok", False, DOCS),
    ("does the Nimbrix Thunderdock work with a MacBook?", False, DOCS),
    ("what are the specs of the Calder Slate 14", False, DOCS),
    ("can you recommend a monitor for photo editing?", False, DOCS),
    ("battery life of the sonique pebble buds?", False, DOCS),
    ("do you sell gaming mice", False, DOCS),
    ("hi, how much is the ferrow loft stand", False, DOCS),
    ("What's your return policy?", False, DOCS),
    ("waht is the retrun polcy", False, DOCS),
    ("how long is the warranty on laptops", False, DOCS),
    ("How long does shipping take?", False, DOCS),
    ("Do you offer free shipping?", False, DOCS),
    ("How do I cancel an order?", False, DOCS),
    ("can I return an opened item?", False, DOCS),
    ("what's your phone number?", False, DOCS),
    ("What are your support hours?", False, DOCS),
    ("I want to talk to a human", False, DOCS),
    ("hi", False, TEXT),
    ("Hello there!", False, TEXT),
    ("thanks so much!", False, TEXT),
    ("bye", False, TEXT),
    ("What's the weather like today?", False, TEXT),
    ("tell me a joke", False, TEXT),
]

BAD_INPUTS = [
    "",
    "   ",
    "x" * 10_000,
    "¿Dónde está mi pedido? Gracias",
    "😀🔥🙏",
    "'; DROP TABLE orders; --",
    "SELECT * FROM customers WHERE '1'='1'",
    "\x00\x01 binary \x7f",
]


def test_there_are_at_least_forty_phrasings():
    assert len(PHRASINGS) >= 40


@pytest.mark.parametrize(("message", "needs_identity", "_"), PHRASINGS)
def test_router_decides_whether_identity_is_needed(message, needs_identity, _):
    router = OfflineChatModel().with_structured_output(RouteDecision)
    decision = router.invoke([SystemMessage(ROUTER_PROMPT), HumanMessage(message)])
    assert decision.needs_identity is needs_identity, decision.reason


@pytest.mark.parametrize(("message", "_", "first_tool"), PHRASINGS)
def test_supervisor_delegates_to_the_right_specialist(message, _, first_tool):
    model = OfflineChatModel().bind_tools(SUPERVISOR_TOOLS)
    system = SystemMessage(supervisor_prompt("v2", "Sarah Chen (customer id 7)"))
    reply = model.invoke([system, HumanMessage(message)])
    if first_tool is None:
        assert not reply.tool_calls and reply.content.strip()
    else:
        assert [c["name"] for c in reply.tool_calls] == [first_tool]
        assert reply.tool_calls[0]["args"]["task"]


@pytest.mark.parametrize("message", BAD_INPUTS)
def test_bad_input_gets_a_sensible_text_reply(message):
    model = OfflineChatModel().bind_tools(SUPERVISOR_TOOLS)
    reply = model.invoke([SystemMessage(supervisor_prompt("v1", None)), HumanMessage(message)])
    assert isinstance(reply.content, str) and len(reply.content) > 20


def test_same_input_same_output():
    model = OfflineChatModel().bind_tools(SUPERVISOR_TOOLS)
    messages = [SystemMessage(supervisor_prompt("v1", None)), HumanMessage("What's your return policy?")]
    first, second = model.invoke(messages), model.invoke(messages)
    assert first.tool_calls[0]["args"] == second.tool_calls[0]["args"]
    assert first.id != second.id  # fresh message ids, like a real model


def test_usage_metadata_and_model_name_are_reported():
    reply = OfflineChatModel(model_name="gpt-4o").invoke("hello")
    usage = reply.usage_metadata
    assert usage["input_tokens"] > 0 and usage["output_tokens"] > 0
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
    assert reply.response_metadata["model_name"] == "gpt-4o"


def test_streaming_yields_the_same_text_in_chunks():
    model = OfflineChatModel()
    chunks = list(model.stream("thanks!"))
    assert len(chunks) > 2 and all(isinstance(c, AIMessageChunk) for c in chunks)
    assert "".join(c.content for c in chunks) == model.invoke("thanks!").content
    assert sum(c.usage_metadata["output_tokens"] for c in chunks if c.usage_metadata) > 0


def test_streaming_a_tool_call_reassembles_into_the_call():
    model = OfflineChatModel().bind_tools(SUPERVISOR_TOOLS)
    messages = [SystemMessage(supervisor_prompt("v1", None)), HumanMessage("What's your return policy?")]
    merged = None
    for chunk in model.stream(messages):
        merged = chunk if merged is None else merged + chunk
    assert merged.tool_calls[0]["name"] == DOCS
    assert merged.tool_calls[0]["args"] == model.invoke(messages).tool_calls[0]["args"]


def test_structured_output_with_an_unknown_schema_fails_clearly():
    from pydantic import BaseModel

    class Poem(BaseModel):
        verses: list[str]

    reply = OfflineChatModel().bind_tools([Poem], tool_choice="any").invoke("write a poem")
    assert isinstance(reply, AIMessage) and not reply.tool_calls


def test_limits_are_read_from_the_prompt():
    assert stated_limits(supervisor_prompt("v1", None)) == set()
    assert stated_limits(supervisor_prompt("v2", None)) == {
        "cancel",
        "refund",
        "change_order",
        "change_address",
    }


def test_factory_returns_the_offline_model_without_a_key(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("TECHHUB_MODEL_BACKEND", "auto")
    assert isinstance(get_chat_model("gpt-4o"), OfflineChatModel)
    assert get_chat_model("gpt-4o").model_name == "gpt-4o"


def test_forcing_openai_without_a_key_is_an_error_not_a_fallback(monkeypatch):
    from techhub.config import ConfigError

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("TECHHUB_MODEL_BACKEND", "openai")
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        get_chat_model()


# --- reading what learners type: typos, products named loosely, topics ---------------------------


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("ordr", "order"), ("stok", "stock"), ("mose", "mouse"), ("waht", "what"), ("laptp", "laptop"),
     ("retrun", "return"), ("polcy", "policy"), ("warrenty", "warranty"), ("lumra", "lumora")],
)  # fmt: skip
def test_typos_are_corrected_towards_the_store_vocabulary_short_words_too(typed, meant):
    assert normalize(f"the {typed} please") == f"the {meant} please"


@pytest.mark.parametrize("word", ["nice", "house", "shopping", "stuck", "lost", "mice", "hub"])
def test_real_words_are_never_corrected_into_store_words(word):
    assert normalize(word) == word


def test_products_and_kinds_are_recognised_through_typos_and_generic_names():
    assert read_message("is the lumra vsta 27q in stok?").products == ("Lumora Vista 27Q",)
    assert read_message("do you sell a powerbank?").groups == ("power bank",)
    assert read_message("any good earphones?").groups == ("earbuds",)
    assert read_message("the lightest notebook you have").ranking.sort_by == "weight"


@pytest.mark.parametrize(
    ("message", "topic"),
    [
        ("wheres my pakage, its been ages", "orders"),
        ("can I pay with a credit card?", "policies"),
        ("how many days do I have to send something back", "policies"),
        ("do you sell a powerbank?", "products"),
        ("how are you today?", "chitchat"),
        ("what's the capital of France?", "out_of_scope"),
    ],
)
def test_router_names_the_topic(message, topic):
    router = OfflineChatModel().with_structured_output(RouteDecision)
    decision = router.invoke([SystemMessage(ROUTER_PROMPT), HumanMessage(message)])
    assert decision.topic == topic, decision.reason
    assert decision.needs_identity is (topic == "orders")


def test_a_follow_up_inherits_the_topic_of_the_conversation():
    router = OfflineChatModel().with_structured_output(RouteDecision)
    conversation = [
        SystemMessage(ROUTER_PROMPT),
        HumanMessage("where is my order ORD-2025-0047?"),
        AIMessage("Order ORD-2025-0047 is currently Shipped."),
        HumanMessage("and the other one?"),
    ]
    assert router.invoke(conversation).topic == "orders"
    assert router.invoke([SystemMessage(ROUTER_PROMPT), HumanMessage("and the other one?")]).topic != "orders"


# --- issue 11, second rework: mechanisms that generalise (kinds of message, not phrasings) -------


def _topic(message: str, *history: BaseMessage) -> str:
    router = OfflineChatModel().with_structured_output(RouteDecision)
    return router.invoke([SystemMessage(ROUTER_PROMPT), *history, HumanMessage(message)]).topic


@pytest.mark.parametrize(
    ("message", "topic"),
    [
        # an event of one of their orders, whatever product it names
        ("forge laptop tracking", "orders"),
        ("when was the aerobook delivered", "orders"),
        ("the keyboard I bought in july, it was delivered which day?", "orders"),
        # the same words in general form are a policy question
        ("how long does delivery take?", "policies"),
        ("what if a parcel never shows up?", "policies"),
        # the customer's situation is context for a policy answer
        ("I dropped my laptop and the screen cracked, is that covered by your warranty?", "policies"),
        ("refund to original card?", "policies"),
        ("can you change the address after shipping", "policies"),
        ("cancel my order", "orders"),
        # another shop's order, and thanks that ask nothing
        ("my amazon package is late, can you check where it is?", "out_of_scope"),
        ("you've saved me a phone call, appreciate it", "chitchat"),
        # everyday words reach the documents' words
        ("what time cutoff for same day processing", "policies"),
        ("everyone in the office complains about how loud my typing is", "products"),
    ],
)
def test_topics_come_from_what_the_message_is_about(message, topic):
    assert _topic(message) == topic


def test_a_follow_up_that_points_back_keeps_the_order_even_in_general_form():
    history = (
        HumanMessage("what's the status of my laptop order"),
        AIMessage("Your order ORD-2025-0030 is Processing."),
    )
    assert _topic("can i still cancel it", *history) == "orders"
    assert _topic("can i cancel an order?") == "policies"


def test_each_specialist_gets_its_own_part_of_a_two_part_message():
    model = OfflineChatModel().bind_tools(SUPERVISOR_TOOLS)
    system = SystemMessage(supervisor_prompt("v2", "Hannah Lindqvist"))
    message = HumanMessage("did my podcast mic arrive? and does the Sonique Boomstone Go float?")
    first = model.invoke([system, message]).tool_calls[0]
    assert first["name"] == "transfer_to_sql_agent"
    assert "Boomstone" not in first["args"]["task"] and "mic arrive" in first["args"]["task"]
    answered = AIMessage("", tool_calls=[first])
    result = ToolMessage("Order ORD-2025-0177 is Delivered.", tool_call_id=first["id"])
    second = model.invoke([system, message, answered, result])
    assert second.tool_calls[0]["name"] == "transfer_to_docs_agent"
    assert "Boomstone" in second.tool_calls[0]["args"]["task"]
    assert "mic arrive" not in second.tool_calls[0]["args"]["task"]


def test_typos_prefer_a_dropped_letter_and_reach_everyday_words():
    assert normalize("brokn") == "broken"  # not the switches' "brown"
    assert normalize("translte") == "translate"


def test_correctness_judge_contradiction_is_another_value_for_the_same_order():
    from techhub.models.offline.judges.correctness import grade_answer

    reference = "Order ORD-2025-0030 is Processing. Contact support@techhub.com or 1-800-TECHHUB."
    extra = (
        "Order ORD-2025-0030 is Processing. Order ORD-2025-0095 is Delivered. Contact support@techhub.com "
        "or 1-800-TECHHUB (1-800-832-4482). Shipped: the order has left the warehouse."
    )
    assert grade_answer(extra, reference).correct  # other orders, the number's digits, a policy's words
    wrong = "Order ORD-2025-0030 is Shipped. Contact support@techhub.com or 1-800-TECHHUB."
    grade = grade_answer(wrong, reference)
    assert not grade.correct and "contradicting" in grade.comment and "Shipped" in grade.comment


# --- issue 11, third rework (tuned on agent_phrasings_fresh2.json): kinds, in words of their own ------


def _verified_answer(message: str, email: str, *history: BaseMessage) -> tuple[str, str]:
    """(topic, answer) of one turn of the v2 agent, on a thread whose customer already verified."""
    from langgraph.checkpoint.memory import InMemorySaver

    from techhub.agent import build_graph
    from techhub.db import find_customer_by_email

    agent = build_graph(checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": f"t-{abs(hash((message, email)))}", "version": "v2"}}
    customer = find_customer_by_email(email)
    values = {
        "messages": list(history),
        "customer_id": customer.customer_id,
        "customer_name": customer.full_name,
    }
    agent.update_state(config, values, as_node="router")
    state = agent.invoke({"messages": [("user", message)]}, config)
    return state["topic"], state["messages"][-1].content


@pytest.mark.parametrize(
    ("message", "topic"),
    [
        ("r u a bot or a human", "chitchat"),  # "bot" is not corrected into "both"
        ("lol ok fair enough", "chitchat"),  # an acknowledgement is never refused
        ("u have any smartwatches?", "products"),  # what we sell, even "no", is answered
        ("do you sell tablets? also what's the weather in Paris", "products"),
        ("You can send to Mexico?", "policies"),  # shipping, asked with a place
        ("what does processing mean", "policies"),
        ("which orders had a keyboard in them", "orders"),
        ("could you check if my speakers went out yet? and how long is the return window", "orders"),
        # tuned on agent_phrasings_fresh3.json
        ("heyyyy", "chitchat"),
        ("got any tablets?", "products"),
        ("refund how long", "policies"),  # a question about refunds, not a request for one
        ("I knocked my monitor off the desk and the panel is cracked", "policies"),  # accidental damage
        ("the charge for a cancelled order is still pending on my card", "policies"),  # payment hold
        ("cheap hotels in denver", "out_of_scope"),  # cheap, but not our prices
        ("please help me write a wedding speech", "out_of_scope"),
        ("which keyboard do you recommend, and can I return it if it doesn't suit me?", "products"),
        ("thanks for earlier! how long is the warranty btw", "policies"),
    ],
)
def test_third_rework_topics(message, topic):
    assert _topic(message) == topic


def test_an_item_of_the_order_just_listed_is_about_that_order():
    history = (
        HumanMessage("did both my laptops get delivered?"),
        AIMessage("Yes, ORD-2025-0022 (Vantor Aerobook 13 and Calder Slate 14) was delivered on 2025-11-08."),
    )
    assert _topic("cool, can i still send the aerobook back?", *history) == "orders"
    assert _topic("cool, can i still send the aerobook back?") == "policies"


def test_not_wanting_what_they_bought_is_a_return_request():
    reading = read_message("The Sonique Pebble Buds I ordered were a mistake, they are not for me.")
    assert reading.topic == "orders" and reading.action == "refund"
    assert read_message("Are the Sonique Pebble Buds a mistake for running?").action is None


def test_an_action_the_agent_cannot_take_always_names_the_support_contact():
    topic, answer = _verified_answer("please cancel my order ORD-2025-0118", "sarah.chen@gmail.com")
    assert topic == "orders"
    assert "support@techhub.com" in answer and "support team at our support team" not in answer


def test_a_need_told_as_a_situation_gets_the_product_for_it():
    topic, answer = _verified_answer(
        "My posture is terrible from hunching over my laptop all day.", "sarah.chen@gmail.com"
    )
    assert topic == "products" and "Ferrow Loft Stand" in answer
    # a plain question about a kind still lists the kind
    assert "Vantor Aerobook 13" in _verified_answer("what laptops do you have?", "sarah.chen@gmail.com")[1]


def test_adding_up_the_orders_just_listed_sums_those_orders_only():
    history = (
        HumanMessage("which of my orders are not cancelled?"),
        AIMessage("ORD-2025-0014 (Delivered), ORD-2025-0047 (Shipped) and ORD-2025-0118 (Processing)."),
    )
    topic, answer = _verified_answer("can you add those up for me", "sarah.chen@gmail.com", *history)
    assert topic == "orders"
    assert "$865.00" in answer  # 348 + 388 + 129, not every order of hers


def test_a_yes_no_question_about_the_product_just_given_stays_on_it():
    history = (
        HumanMessage("how much is the Lumora Panorama 34?"),
        AIMessage("The Lumora Panorama 34 costs $549.00 and is 9 in stock."),
    )
    topic, answer = _verified_answer("does it have speakers built in?", "sarah.chen@gmail.com", *history)
    assert topic == "products" and "Lumora Panorama 34" in answer
    assert "Sonique Boomstone Go" not in answer  # not a listing of our speakers


def test_orders_that_match_nothing_show_the_recent_ones_and_claim_none():
    ask = "please refund the monitor I bought"  # jordan.price has bought no monitor
    topic, answer = _verified_answer(ask, "jordan.price@gmail.com")
    assert topic == "orders" and "support@techhub.com" in answer
    assert "I can see your order" not in answer  # no other order passed off as the one meant
    topic, answer = _verified_answer("which orders had a monitor in them?", "jordan.price@gmail.com")
    assert "couldn't find any matching orders" in answer and "Your most recent orders:" in answer
    assert "ORD-2025-0172" in answer  # the Pebble Buds order is among them


def test_a_question_about_a_requested_return_gets_the_return_policy():
    history = (
        HumanMessage("I want to return the Sonique Pebble Buds I bought"),
        AIMessage("However, I don't have the ability to issue refunds. Please contact support@techhub.com."),
    )
    topic, answer = _verified_answer("how long do i have?", "jordan.price@gmail.com", *history)
    assert topic == "orders" and "30 days" in answer


def test_a_way_to_pay_no_page_names_is_not_answered_from_another_page():
    topic, answer = _verified_answer("can I pay with paypal?", "sarah.chen@gmail.com")
    assert topic == "policies" and "paypal" in answer.lower() and "support@techhub.com" in answer
    assert "Shipping Policy" not in answer
    # the other part of the message is still answered
    _, answer = _verified_answer(
        "Do you take Klarna? and how much is express shipping?", "sarah.chen@gmail.com"
    )
    assert "klarna" in answer.lower() and "$19.99" in answer


def test_a_budget_without_a_dollar_sign_still_caps_the_price():
    _, answer = _verified_answer("looking for a laptop, budget around 1200", "sarah.chen@gmail.com")
    assert "Vantor Aerobook 13" in answer and "Calder Slate 14" not in answer  # $1,099 in, $1,349 out


def test_compare_it_with_another_product_describes_both():
    history = (
        HumanMessage("Is the Lumora Vista 27Q good for gaming?"),
        AIMessage("The Lumora Vista 27Q costs $329.00: a 27-inch QHD gaming monitor at 165 Hz."),
    )
    _, answer = _verified_answer("compare it with the Brightline Sprint 24", "sarah.chen@gmail.com", *history)
    assert "165 Hz" in answer and "240 Hz" in answer


def test_a_yes_no_question_follows_the_single_product_the_answer_named():
    history = (
        HumanMessage("best monitor for photo editing?"),
        AIMessage("The Brightline Atelier 32 is our photo and video monitor: 4K, factory calibrated."),
    )
    topic, answer = _verified_answer("does it have usb-c?", "sarah.chen@gmail.com", *history)
    assert topic == "products" and "Brightline Atelier 32" in answer


def test_someone_elses_account_gets_a_privacy_reply_their_own_email_does_not():
    _, answer = _verified_answer("show me the orders of gregory.harris@yahoo.com", "sarah.chen@gmail.com")
    assert answer.startswith("For privacy") and "Sarah Chen" in answer and "ORD-" not in answer
    _, answer = _verified_answer("status of ORD-2025-0047? I'm sarah.chen@gmail.com", "sarah.chen@gmail.com")
    assert "ORD-2025-0047" in answer and "Shipped" in answer


def test_relative_references_to_orders_pick_the_right_one():
    email = "sarah.chen@gmail.com"  # 0014 Delivered $348 (Aug), 0047 Shipped $388 (Oct), 0118 $129 (Nov)
    latest = (HumanMessage("what's my latest order?"), AIMessage("Your latest order is ORD-2025-0118."))
    _, answer = _verified_answer("and the one before that?", email, *latest)
    assert "ORD-2025-0047" in answer and "ORD-2025-0118" not in answer
    listed = (
        HumanMessage("what did I order before October?"),
        AIMessage("ORD-2025-0014 (August) and ORD-2025-0047 (October 30)."),
    )
    _, answer = _verified_answer("what was in the cheaper one?", email, *listed)
    assert "ORD-2025-0014" in answer and "Sonique Hush 700" in answer and "ORD-2025-0047" not in answer
    biggest = (HumanMessage("what was my biggest order?"), AIMessage("ORD-2025-0186, $1,899.00."))
    _, answer = _verified_answer("and the smallest?", email, *biggest)
    assert "ORD-2025-0118" in answer and "ORD-2025-0186" not in answer


def test_when_an_order_will_arrive_gets_its_status_and_the_delivery_times():
    shipped = (
        HumanMessage("where's my monitor order?"),
        AIMessage("Order ORD-2025-0047 is currently Shipped (shipped on November 1, 2025)."),
    )
    topic, answer = _verified_answer(
        "ok so roughly when should it get here", "sarah.chen@gmail.com", *shipped
    )
    assert topic == "orders" and "ORD-2025-0047" in answer and "3 to 5 business days" in answer
    _, answer = _verified_answer("did my order ORD-2025-0047 ship?", "sarah.chen@gmail.com")
    assert "Shipping Policy" not in answer  # asking whether it shipped is about the order only
