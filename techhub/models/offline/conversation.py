"""Reading a LangChain conversation the way the offline model needs to: the system prompt, the
current request in the light of the conversation so far, and the tool calls and results of the
current turn.

A follow-up ("and the other one?", "when did that ship?", "how much is it?") names nothing of its
own: it inherits the topic, the order ids, the products and the kind of product of the request
before it, and the order ids the agent's last answer mentioned. An email-only message (the answer to
the verification question) is not a request: the request is the one it answers.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage

from techhub.agent.catalogue import load_catalogue
from techhub.agent.retrieval import search_documents
from techhub.models.offline.language import (
    ACCOUNT_INTENTS,
    OUT_OF_SCOPE,
    POLICY_INTENTS,
    PRODUCT_INTENTS,
    SOCIAL_INTENTS,
    Ranking,
    Reading,
    foreign_subjects,
    mostly_ours,
    read_message,
)
from techhub.models.offline.synonyms import expand

ORDER = re.compile(r"ORD-\d{4}-\d{4}")
TOPICAL = ("orders", "products", "policies")
UNPLACED_SCORE = 4.0
"""An on-topic message nothing else places still matches a store document at least this well (BM25):
it gets an answer from that document, not the out-of-scope reply."""
SHORT_MESSAGE_WORDS = 6
"""A short message nothing places ("you there?", "lol ok") is conversation, not an unrelated request."""
ABOUT_THE_ASSISTANT = re.compile(r"\b(?:you|your|you're|yourself|u)\b")
TASK = re.compile(
    r"\b(?:solve|write|translate|calculate|compute|book|find me|tell me a|make me|draw|code|recipe|weather|"
    r"plan|itinerary)\b"
)
"""A short message to the assistant ("do you like your job?") is conversation, unless it asks for a task
the store has nothing to do with ("write me a poem")."""
STORE_WORDS = re.compile(
    r"\b(?:techhub|store|shop|buy|bought|purchase\w*|order\w*|item|items|product\w*|deliver\w*|"
    r"package|parcel|account|money|receipt|invoice|support|service|problem|issue|question)\b"
)
"""Words that say a message is about the store even when nothing more specific can be read from it."""


@dataclass(frozen=True)
class ToolStep:
    """One tool call of the current turn and its result (None while it has not run)."""

    name: str
    args: dict
    result: str | None


@dataclass(frozen=True)
class Turn:
    system: str
    request: Reading
    """What the customer is asking now, with what it inherits from the conversation (its topic is
    always one of the five topics)."""
    latest: Reading
    """The latest human message itself."""
    steps: tuple[ToolStep, ...]
    history: tuple[BaseMessage, ...]
    context: str = ""
    """For a follow-up: what it refers to ("order ORD-2025-0047", "the Vantor Aerobook 13"), so the
    specialists' tasks are self-contained."""
    unplaced: bool = False
    """On topic, but nothing says what exactly: answer from the documents or ask a short question."""

    @property
    def topic(self) -> str:
        return self.request.topic or "chitchat"

    def called(self, name: str) -> list[ToolStep]:
        return [s for s in self.steps if s.name == name]

    def results(self, name: str) -> list[str]:
        return [s.result for s in self.steps if s.name == name and s.result is not None]

    def previous_ai_texts(self) -> list[str]:
        return [m.text for m in self.history if isinstance(m, AIMessage) and m.text.strip()]


def _named(reading: Reading) -> bool:
    return bool(reading.products or reading.brands or reading.groups or reading.order_ids)


STRONG_FOLLOW_UP = re.compile(
    r"^(?:and|also|what about|how about|which|even|except|but)\b|\b(?:it|they|them|that one|this one)\b"
)
"""A follow-up for sure, whatever else it names ("what about hawaii", "which is louder")."""
GENERAL_QUESTION = re.compile(
    r"\bpolic(?:y|ies)\b|\bin general\b|\busually\b|\bnormally\b|\bdo you\b|\bcan (?:i|you)\b|"
    r"\bhow (?:do|can|long|much does)\b|\bis it possible\b|\bwhat if\b"
)
"""A question about how the store works in general, not about the order just discussed."""
ABOUT_IT = re.compile(r"^(?:and |so |ok |okay )?(?:does|do|is|are|can|will|has|have) (?:it|they|this|that)\b")
"""A yes/no question about the thing just discussed, even when it names a kind ("does it have speakers?")."""
COMPARES = re.compile(r"\b(?:compare|compared|comparison|vs|versus|against|better than|difference)\b")
"""A comparison with the product just discussed ("compare it with the Sprint 24")."""
REFERS_BACK = re.compile(r"\b(?:it|them|that one|this one|that order|this order|those|the other|the rest)\b")
"""Words that point at what the previous turn was about, even inside a general question ("can I still
cancel it?")."""


ONE_WITH = re.compile(r"\b(?:the|that) (?:one|ones|order|orders) (?:with|for|that had|containing)\b")
"""'And the one with the OLED laptop?': one of the customer's orders, picked by what is in it."""


def _listed_orders(answer: str) -> tuple[str, ...]:
    """The order ids the agent's last answer gave (not the policy text's example id)."""
    return tuple(dict.fromkeys(ORDER.findall(re.sub(r"for example ORD-\d{4}-\d{4}", "", answer))))


def _in_answer(reading: Reading, answer: str) -> bool:
    """Whether the products the message names are among those the last answer named ("send the calder
    back" after "ORD-2025-0022 (Vantor Aerobook 13 and Calder Slate 14) was delivered")."""
    names = [*reading.products, *reading.brands]
    if names:
        return all(name.lower() in answer.lower() for name in names)
    kinds = {p.kind for p in load_catalogue().products if p.name in read_message(answer[:2000]).products}
    return bool(reading.groups) and set(reading.groups) <= kinds  # "the trackball": their Trackstone


def _inherits(reading: Reading, previous: Reading, answer: str = "") -> bool:
    """Whether a message continues the previous request rather than starting its own."""
    if reading.emails or reading.topic in ("chitchat", "out_of_scope"):
        return False
    about_orders = previous.topic == "orders" or bool(_listed_orders(answer))
    if about_orders and not reading.order_ids and reading.topic != "orders":
        if _in_answer(reading, answer) or ONE_WITH.search(reading.normalized):
            return True  # "i want to send the calder back", "and the one with the OLED laptop?"
        if (
            reading.follow_up
            and REFERS_BACK.search(reading.normalized)
            and not (reading.products or reading.brands)
        ):
            return True  # "is it still under warranty then?" about the order just given
    if previous.topic == "orders" and reading.follow_up and not reading.order_ids:
        # "which one was cancelled?", "can I still cancel it?": still about their orders
        general = GENERAL_QUESTION.search(reading.normalized) and not REFERS_BACK.search(reading.normalized)
        if not (reading.products or reading.brands) and not general:
            return True
    if (
        previous.topic == "policies"
        and STRONG_FOLLOW_UP.search(reading.normalized)
        and not (
            reading.products
            or reading.brands
            or reading.order_ids
            or reading.ranking
            or (reading.groups and "price" in reading.intents)  # "how much are the laptops?"
            or reading.intents & {"stock", "specs", "compatibility"}
        )
    ):
        return True  # "what's your return policy?" -> "and for opened laptops?", "how much does it cost?"
    answer_products = read_message(answer[:2000]).products if previous.topic == "products" else ()
    if (previous.products or len(answer_products) == 1) and ABOUT_IT.search(reading.normalized):
        return True  # "does it have speakers built in?": a question about the product just given
    if previous.products and reading.products and COMPARES.search(reading.normalized):
        return REFERS_BACK.search(reading.normalized) is not None  # "compare it with the Sprint 24"
    if previous.topic not in TOPICAL or _named(reading):
        return False
    if reading.topic is None:
        words = len(reading.normalized.split())
        if (
            foreign_subjects(reading.normalized)
            and words > 4
            and not STRONG_FOLLOW_UP.search(reading.normalized)
        ):
            return False  # "ok now write me a haiku": a new, unrelated request
        return reading.follow_up or len(reading.normalized.split()) <= 6
    if reading.topic in ("chitchat", "out_of_scope"):
        return False
    if reading.topic == previous.topic == "products" and reading.extra.get("topic_source") == "intent":
        return True  # "in stock?", "how much?": a product question with no product of its own
    if not reading.follow_up:
        return False
    if reading.topic == previous.topic or reading.extra.get("topic_source") == "documents":
        return True
    return previous.topic == "orders" and reading.topic == "products"  # "how much was it?"


ACTION_POLICY = {
    "refund": "returns_policy",
    "cancel": "cancellation_policy",
    "change_order": "cancellation_policy",
    "change_address": "cancellation_policy",
}
"""The policy page a question about a requested action is answered from."""

ORDINALS = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "last": -1}
SELECTORS = re.compile(
    r"\bcancel+ed\b|\bpending\b|\bprocessing\b|\bjanuary|\bfebruary|\bmarch\b|\bapril|\bmay\b|\bjune|"
    r"\bjuly|\baugust|\bseptember|\boctober|\bnovember|\bdecember|\bbig|\blarge|\bexpensive|"
    r"\bhas(?:n'?t| not) (?:\w+ )?(?:shipped|been sent|gone out)|\bnot (?:yet )?shipped\b|\bunshipped\b|"
    r"\b(?:smallest|cheapest|oldest|earliest|priciest|biggest|largest|most expensive)\b"
)
"""Words that pick orders by what they are (status, month, size): the SQL agent filters on them."""
BEFORE_THAT = re.compile(r"\b(?:before (?:that|this|it)|(?:previous|earlier|older) one|one before)\b")
"""'And the one before that?': the order placed just before the one discussed."""
COMPARED = re.compile(r"\b(?:bigger|larger|more expensive|pricier|smaller|cheaper|older|newer)\b")
"""'What was in the bigger one?': one of the orders just listed, picked by comparing them."""


OTHERS = re.compile(r"\b(?:other|another|rest|remaining)\b")


def _referred_orders(reading: Reading, previous: Reading, answer: str) -> tuple[str, ...]:
    """The orders a follow-up points at: by position in the last answer ("the first one"), the others,
    all of them when it picks by status, month or product, else the previous request's."""
    listed = _listed_orders(answer)
    words = reading.normalized.split()
    if listed and "middle" in words:
        return (listed[len(listed) // 2],)
    if len(listed) > 1 and COMPARED.search(reading.normalized):
        return listed  # the SQL agent compares them
    for word, index in ORDINALS.items():
        if word in words and listed and -len(listed) <= index < len(listed):
            return (listed[index],)
    if SELECTORS.search(reading.normalized) or reading.groups or ONE_WITH.search(reading.normalized):
        return ()
    if listed and re.search(
        r"\b(?:those|these|them|all|both|altogether|together|combined)\b", reading.normalized
    ):
        return listed  # "can you add those up?"
    if re.search(r"\b(?:other|another|second|rest|remaining)\b", reading.normalized):
        named = previous.order_ids or listed[:1]
        return tuple(oid for oid in listed if oid not in named)  # none listed: look at all their orders
    return previous.order_ids or listed[:1]


def _referred_products(reading: Reading, answer: str) -> tuple[str, ...]:
    """The product a follow-up points at among those the last answer named: the one its words describe
    ("the quiet one" -> Keystrel Quietboard), else the first named."""
    named = read_message(answer[:2000]).products
    if len(named) <= 1:
        return named
    words = [w for w in re.findall(r"[a-z]+", reading.normalized) if len(w) >= 4]
    catalogue = {p.name: p for p in load_catalogue().products}

    def describes(name: str) -> int:
        text = f"{name} {catalogue[name].description}".lower() if name in catalogue else name.lower()
        return sum(1 for w in words if re.search(rf"\b{re.escape(w)}", text))

    best = max(named, key=describes)
    return (best,) if describes(best) else named[:1]


def _inherit(reading: Reading, previous: Reading, answer: str) -> tuple[Reading, str]:
    """The follow-up with the previous request's topic and subjects; and the context in words."""
    intents = set(reading.intents - SOCIAL_INTENTS) or set(previous.intents - SOCIAL_INTENTS)
    if previous.topic == "orders":
        if not GENERAL_QUESTION.search(reading.normalized):  # "when did that ship?" asks about the order
            intents -= (POLICY_INTENTS | PRODUCT_INTENTS) - (reading.intents & {"shipping_policy"})
        elif previous.action in ACTION_POLICY and not reading.intents - SOCIAL_INTENTS:
            intents = {ACTION_POLICY[previous.action], "order_status"}  # "how long do I have?" to return it
        if not intents & ACCOUNT_INTENTS:
            intents.add("order_status")
    order_ids = _referred_orders(reading, previous, answer) if previous.topic == "orders" else ()
    others = previous.topic == "orders" and bool(OTHERS.search(reading.normalized))
    if others and not order_ids:  # "and my other orders?": all of them but the one discussed
        discussed = previous.order_ids or tuple(dict.fromkeys(ORDER.findall(answer)))[:1]
        merged = replace(
            reading,
            topic="orders",
            intents=frozenset({"order_history"}),
            order_ids=(),
            products=(),
            brands=(),
            groups=(),
            ranking=None,
            out_of_scope=False,
        )
        return merged, ("orders other than " + ", ".join(discussed)) if discussed else "all their orders"
    groups = reading.groups or previous.groups
    ranking = reading.ranking
    if ranking is not None and not ranking.group and groups:
        ranking = replace(ranking, group=groups[0])
    products = previous.products
    if reading.products and COMPARES.search(reading.normalized):
        products = tuple(dict.fromkeys(previous.products + reading.products))
    if previous.topic == "products" and not products and not reading.ranking:
        products = _referred_products(reading, answer)
    merged = replace(
        reading,
        topic=previous.topic,
        intents=frozenset(intents),
        order_ids=order_ids,
        products=products,
        brands=previous.brands,
        groups=groups,
        ranking=ranking,
        action=reading.action,
        out_of_scope=False,
    )
    anchor = (previous.order_ids or _listed_orders(answer)[:1]) if previous.topic == "orders" else ()
    if anchor and BEFORE_THAT.search(reading.normalized):
        merged = replace(merged, order_ids=())
        context = f"the order placed before {anchor[0]}"
    elif order_ids:
        context = "order " + ", ".join(order_ids)
    elif previous.topic == "orders":  # picked by what the message says ("and the smallest?"), among all
        context = "all their orders"
    elif previous.topic == "policies":
        context = previous.text.strip()
    elif ranking is not None and groups:
        context = ", ".join(groups)
    elif products:
        context = "the " + " and the ".join(products)
    elif groups:
        context = ", ".join(groups)
    else:
        context = previous.text.strip()
    return merged, context


def _place(reading: Reading) -> tuple[Reading, bool]:
    """A topic for a message nothing placed. About the store but unclear: the best matching
    document's topic, or a clarifying question; short and unclear: chit-chat; else out of scope."""
    if reading.topic is not None:
        return reading, False
    if reading.intents & SOCIAL_INTENTS:
        return replace(reading, topic="chitchat"), False
    hits = search_documents(expand(reading.normalized), k=1)
    on_topic = STORE_WORDS.search(reading.normalized) and not OUT_OF_SCOPE.search(reading.normalized)
    if TASK.search(reading.normalized) and not on_topic:  # "can you book me a flight"
        return replace(reading, topic="out_of_scope", out_of_scope=True), False
    if hits and hits[0].score >= UNPLACED_SCORE and (on_topic or mostly_ours(reading.normalized)):
        topic = "policies" if hits[0].document.kind == "policy" else "products"
        return replace(reading, topic=topic), True
    short = len(reading.normalized.split()) <= SHORT_MESSAGE_WORDS
    to_the_assistant = ABOUT_THE_ASSISTANT.search(reading.normalized) and not TASK.search(reading.normalized)
    unrelated = foreign_subjects(reading.normalized) or OUT_OF_SCOPE.search(reading.normalized)
    if TASK.search(reading.normalized) and not on_topic:  # "can you book me a flight"
        return replace(reading, topic="out_of_scope", out_of_scope=True), False
    if on_topic or not unrelated or (short and to_the_assistant):
        return replace(reading, topic="chitchat"), bool(on_topic)
    return replace(reading, topic="out_of_scope", out_of_scope=True), False


def resolve_requests(messages: list[BaseMessage]) -> list[tuple[Reading, str, bool]]:
    """Each customer request of the conversation with its resolved topic: (reading, context, unplaced).

    Email-only messages answer the verification question and are folded into the request before.
    """
    resolved: list[tuple[Reading, str, bool]] = []
    answer = ""
    for message in messages:
        if isinstance(message, AIMessage) and message.text.strip() and not message.tool_calls:
            answer = message.text
        if not isinstance(message, HumanMessage):
            continue
        reading = read_message(message.text)
        if reading.only_email and resolved:
            continue
        previous = resolved[-1][0] if resolved else None
        context, unplaced = "", False
        if previous is not None and _inherits(reading, previous, answer):
            if previous.topic != "orders" and _listed_orders(answer):
                previous = replace(previous, topic="orders")  # the answer gave their orders
            reading, context = _inherit(reading, previous, answer)
        elif reading.ranking is not None and not reading.ranking.group and previous and previous.groups:
            reading = replace(
                reading,
                ranking=Ranking(previous.groups[0], *_ranking_rest(reading.ranking)),
                groups=previous.groups,
            )
            context = ", ".join(previous.groups)
        reading, unplaced = _place(reading)
        resolved.append((reading, context, unplaced))
        answer = ""
    return resolved


def _ranking_rest(ranking: Ranking) -> tuple:
    return ranking.sort_by, ranking.descending, ranking.in_stock_only


def parse_turn(messages: list[BaseMessage]) -> Turn:
    """Split a conversation into the system prompt, the current request and this turn's tool steps."""
    system = "\n".join(m.text for m in messages if isinstance(m, SystemMessage))
    human_indexes = [i for i, m in enumerate(messages) if isinstance(m, HumanMessage)]
    if not human_indexes:
        empty = replace(read_message(""), topic="chitchat")
        return Turn(system, empty, empty, (), tuple(messages))
    last = human_indexes[-1]
    latest = read_message(messages[last].text)
    request, context, unplaced = resolve_requests(messages[: last + 1])[-1]
    results = {m.tool_call_id: m.text for m in messages[last:] if isinstance(m, ToolMessage)}
    steps = []
    for m in messages[last:]:
        if isinstance(m, AIMessage):
            for call in m.tool_calls:
                steps.append(
                    ToolStep(call["name"], dict(call.get("args") or {}), results.get(call.get("id")))
                )
    return Turn(system, request, latest, tuple(steps), tuple(messages[:last]), context, unplaced)


def load_json(text: str | None) -> dict | list | None:
    """A tool result as JSON, or None when it is not JSON (e.g. an error message)."""
    if not text:
        return None
    try:
        return json.loads(text)
    except (ValueError, TypeError):
        return None
