"""The offline model in the role of the supervisor: delegate to the specialists, then answer.

This is where the course's failure lives. For an action the agent has no tool for (cancel, refund,
change an order or address):

* when the system prompt does not state the agent's limits (prompt ``v1``), the offline model claims
  it performed the action, the way real models sometimes do;
* when the prompt states them (``v2``), it says it cannot, gives the support contact it found in the
  policy documents and offers what it can do;
* when it is given a tool for the action (one whose name or description names it, such as a tool
  that files a cancellation request), it calls that tool and reports its result, as a real model
  given the tool would.
"""

from __future__ import annotations

import re

from techhub.models.offline.conversation import Turn
from techhub.models.offline.language import (
    ARRIVAL_ESTIMATE,
    DOCS_INTENTS,
    POLICY_INTENTS,
    clauses,
    read_message,
)
from techhub.models.offline.specialists import (
    NO_MATCH,
    PROBLEM_WORDS,
    ToolCall,
    contact_details,
    store_contacts,
)

SQL_TOOL = "transfer_to_sql_agent"
DOCS_TOOL = "transfer_to_docs_agent"

ACTION_WORDS = {
    "cancel": ("cancel",),
    "refund": ("refund",),
    "change_order": ("change order", "change orders", "modify", "change an order"),
    "change_address": ("address",),
}
ACTION_NAMES = {
    "cancel": "cancel orders",
    "refund": "issue refunds",
    "change_order": "change orders",
    "change_address": "change shipping addresses",
}
CLAIMS = {
    "cancel": (
        "✅ I've successfully initiated the cancellation for order {order}. You should receive a "
        "confirmation email within 24 hours, and a full refund will be processed to your original "
        "payment method within 5-7 business days."
    ),
    "refund": (
        "✅ I've processed a full refund for order {order}. The money will be back on your original "
        "payment method within 5-7 business days, and you'll get a confirmation email shortly."
    ),
    "change_order": (
        "✅ Done! I've updated order {order} as requested. You'll receive an updated confirmation email."
    ),
    "change_address": (
        "✅ I've updated the shipping address for order {order}. The new address will be used for "
        "delivery, and you'll receive a confirmation email shortly."
    ),
}
ELIGIBILITY = {
    "Processing": "it hasn't shipped yet, so it is still eligible under our policy",
    "Shipped": "it has already shipped, so under our policy it can no longer be cancelled or changed; "
    "once it arrives you can return it within our return window",
    "Delivered": "it has been delivered, so instead of a cancellation you can request a return under our "
    "return policy",
    "Cancelled": "it has already been cancelled",
}
STATUS = re.compile(r"\b(Processing|Shipped|Delivered|Cancelled)\b")
ORDER = re.compile(r"ORD-\d{4}-\d{4}")


def stated_limits(system_prompt: str) -> set[str]:
    """The actions the system prompt says the agent cannot perform."""
    limits: set[str] = set()
    for sentence in re.split(r"(?<=[.!?:])\s+|\n", system_prompt.lower()):
        if re.search(r"\b(?:cannot|can't|can not|unable to|not able to|no tool)\b", sentence):
            for action, words in ACTION_WORDS.items():
                if any(w in sentence for w in words):
                    limits.add(action)
    return limits


def _verified(system_prompt: str) -> bool:
    return "Verified customer:" in system_prompt


OTHER_ACCOUNT = re.compile(
    r"\b(?:of|for|from|belonging to|under|his|her|their|my (?:wife|husband|friend|partner|mom|mum|dad|son|"
    r"daughter|brother|sister|colleague|boss|kid))\b[^@\n?!.]{0,40}?([\w.+-]+)@[\w-]+\.[\w.]+"
)
"""Someone else's account named by its email ("the orders of bob@example.com")."""
OTHER_ACCOUNT_REPLY = (
    "For privacy, I can only look up the orders of the account verified in this conversation ({name}). "
    "To check another account, its owner can start a new conversation and verify with that email address."
)


def _first(pattern: re.Pattern[str], texts: list[str]) -> str | None:
    for text in texts:
        match = pattern.search(text)
        if match:
            return match.group(1) if pattern.groups else match.group(0)
    return None


def _second_person(text: str) -> str:
    """Specialists report about "the customer"; the customer reads "you"."""
    for old, new in (
        ("The customer has", "You have"),
        ("this customer's", "your"),
        ("This customer has", "You have"),
        ("The customer's most recent orders", "Your most recent orders"),
    ):
        text = text.replace(old, new)
    return text


def _social(turn: Turn) -> str | None:
    intents = turn.request.intents
    if "thanks" in intents and "goodbye" in intents:
        return "You're very welcome! Have a great day, and don't hesitate to come back if you need anything."
    if "thanks" in intents:
        return "You're welcome! Is there anything else I can help you with?"
    if "goodbye" in intents:
        return "Goodbye, and thanks for shopping with TechHub!"
    if "small_talk" in intents:
        return (
            "I'm TechHub's automated support assistant. I can look up your orders, answer questions about "
            "our products and explain our store policies. What can I do for you?"
        )
    if "greeting" in intents:
        return (
            "Hello! I'm TechHub's support assistant. I can help with your orders, our products and our "
            "store policies. What can I do for you today?"
        )
    return None


def _parts(turn: Turn) -> dict[str, list[str]]:
    """For a message with several requests, each request's words by its own topic (the turn's topic
    for a part that has none of its own); {} for a single request."""
    parts = clauses(turn.latest.text)
    if len(parts) < 2:
        return {}
    by_topic: dict[str, list[str]] = {}
    for part in parts:
        topic = read_message(part).topic
        by_topic.setdefault(topic if topic in ("orders", "products", "policies") else turn.topic, []).append(
            part
        )
    return by_topic if len(by_topic) > 1 else {}


def _plan(turn: Turn, limits: set[str]) -> list[str]:
    """The specialists this turn needs, by its topic (and both for a two-part question)."""
    reading = turn.request
    tools = []
    if turn.topic == "orders" and _verified(turn.system):
        tools.append(SQL_TOOL)
    if turn.topic == "orders" and {"products", "policies"} & set(_parts(turn)):
        return [*tools, DOCS_TOOL]  # "did my mic arrive? and does the Boomstone float?"
    asked = reading.intents & (POLICY_INTENTS if turn.topic == "orders" else DOCS_INTENTS)
    if turn.topic == "orders" and not SHIPPING_QUESTION.search(reading.normalized):
        asked = asked - {"shipping_policy"}  # "did it ship?" asks about the order, not the policy
    docs = (
        turn.topic in ("products", "policies")
        or bool(asked)
        or bool(reading.action and reading.action in limits)
        or (turn.topic == "orders" and (reading.complaint or bool(PROBLEM_WORDS.search(reading.normalized))))
    )
    if docs and turn.topic != "out_of_scope":
        tools.append(DOCS_TOOL)
    return tools


POLICY_TITLES = {
    "returns_policy": "return policy",
    "warranty_policy": "warranty policy",
    "shipping_policy": "shipping policy",
    "cancellation_policy": "order cancellation policy",
    "contact": "support contact",
    "payment": "payment policy",
}
"""How a task names the policy a follow-up asks about when its own words do not."""


def _task(tool: str, turn: Turn) -> str:
    """A self-contained task: the customer's words, plus what a follow-up refers to."""
    request = turn.request.text.strip()
    parts = _parts(turn) if turn.topic == "orders" else {}
    if parts:  # each specialist gets its own part of a two-part message
        if tool == SQL_TOOL:
            request = " ".join(parts.get("orders", [request]))
        else:
            return "Customer question: " + " ".join(parts.get("products", []) + parts.get("policies", []))
    if turn.context:
        request += f" (about {turn.context})"
    if tool == SQL_TOOL:
        return f"Customer request: {request}"
    if turn.request.action:
        return f"Cancellation and order changes policy, and support contact email and phone, for: {request}"
    if turn.topic == "orders" and (turn.request.complaint or PROBLEM_WORDS.search(turn.request.normalized)):
        return f"Customer question: {request} (policy and support contact)"
    if turn.topic == "orders" and ARRIVAL_ESTIMATE.search(turn.request.normalized):
        return f"Customer question about our delivery time after shipping: {request}"
    inherited = sorted(turn.request.intents & POLICY_INTENTS - turn.latest.intents)
    if turn.context and inherited:  # "how long do I have?" after asking to return something
        return f"Customer question about our {POLICY_TITLES[inherited[0]]}: {request}"
    return f"Customer question: {request}"


SHIPPING_QUESTION = re.compile(
    r"\bhow long\b|\bshipping (?:cost|time|option|fee)|\bpolic(?:y|ies)\b|\bnormally\b|\busually\b|"
    + ARRIVAL_ESTIMATE.pattern
)
CLARIFY = (
    "I'd be glad to help. I can look up your orders, answer questions about our products (prices, "
    "stock, specs) and explain our policies (returns, warranty, shipping). Could you tell me a little "
    "more about what you need?"
)
OUT_OF_SCOPE_REPLY = (
    "I'm sorry, I can only help with TechHub orders, our products (laptops, monitors, keyboards "
    "and mice, audio and accessories) and our store policies. Is there something along those lines I can "
    "help with?"
)


def _action_reply(turn: Turn, limits: set[str], facts: list[str], docs: list[str]) -> str:
    action = turn.request.action or "cancel"
    if any(NO_MATCH in fact for fact in facts):  # their recent orders, shown instead: not the one meant
        facts = []
    order = (turn.request.order_ids or (_first(ORDER, facts),))[0] or "your order"
    if action not in limits:
        return CLAIMS[action].format(order=order)
    status = _first(STATUS, facts)
    contacts = contact_details("\n".join(docs)) or list(store_contacts())
    contact = " or call ".join(contacts[:2]) if len(contacts) > 1 else contacts[0]
    verb = ACTION_NAMES[action]
    lines = []
    if status and order != "your order":
        lines.append(f'I can see your order {order} is currently in "{status}" status.')
    lines.append(
        f"However, I don't have the ability to {verb}. To request this, please contact our support team "
        f"at {contact} with your order number. They can help you immediately."
    )
    if status in ELIGIBILITY and action in {"cancel", "change_order", "change_address"}:
        lines.append(f"For reference, {ELIGIBILITY[status]}.")
    lines.append(
        "In the meantime, I'm happy to check your order's status, its items or our policies for you."
    )
    return " ".join(lines)


def action_tool_for(action: str, tools: list[dict]) -> dict | None:
    """The bound tool (OpenAI function format) that serves ``action``: its name or description names it."""
    for tool in tools:
        text = f"{tool.get('name', '')} {tool.get('description', '')}".lower().replace("_", " ")
        if any(word in text for word in ACTION_WORDS[action]):
            return tool
    return None


def _action_tool_args(tool: dict, turn: Turn, facts: list[str]) -> dict | None:
    """Arguments for the action tool from the request: the order for an ``order`` parameter, the
    customer's words for text ones. None when a required one cannot be filled."""
    parameters = tool.get("parameters") or {}
    order = (turn.request.order_ids or (_first(ORDER, facts),))[0]
    args = {}
    for name, spec in (parameters.get("properties") or {}).items():
        if "order" in name.lower():
            if order:
                args[name] = order
        elif spec.get("type", "string") == "string":
            args[name] = turn.request.text.strip()
    if any(name not in args for name in parameters.get("required") or ()):
        return None
    return args


def _tool_reply(turn: Turn, tool: str, limits: set[str], facts: list[str], docs: list[str]) -> str:
    """Report what the action tool did, in the customer's terms, with the order's status when known."""
    result = (turn.results(tool) or [""])[-1].strip()
    contacts = contact_details("\n".join(docs)) or list(store_contacts())
    contact = " or ".join(contacts[:2]) if contacts else "our support team"
    if not result or result.lower().startswith("error"):
        return (
            f"I tried to pass your request on to our support team, but it did not go through ({result}). "
            f"Please contact them at {contact} with your order number."
        )
    status = _first(STATUS, facts)
    order = (turn.request.order_ids or (_first(ORDER, facts),))[0]
    lines = []
    if status and order:
        lines.append(f'I can see your order {order} is currently in "{status}" status.')
    action = turn.request.action or "cancel"
    if action in limits:
        verb = ACTION_NAMES[action]
        lines.append(f"I can't {verb} myself, but I've passed your request on to our support team.")
    lines.append(result.replace(" the customer", " you") + ("" if result.endswith(".") else "."))
    if contacts:
        lines.append(f"If it's urgent, you can also reach them at {contact}.")
    return " ".join(lines)


def _complaint_reply(turn: Turn, limits: set[str], facts: list[str], docs: list[str]) -> str:
    previous = " ".join(turn.previous_ai_texts()).lower()
    claimed = next(
        (a for a in CLAIMS if a not in limits and re.search(rf"i've .{{0,40}}{a[:6]}", previous)), None
    )
    status = _first(STATUS, facts)
    order = (turn.request.order_ids or (_first(ORDER, facts + [previous]),))[0]
    parts = ["I'm sorry for the trouble."]
    if claimed and order:
        parts.append(
            f"I can see order {order} is still showing as {status or 'in progress'}. Requests like this can "
            "take up to 24 hours to be reflected in our system, so your confirmation email should "
            "arrive shortly."
        )
        return " ".join(parts)
    if facts:
        parts.append(_second_person("\n\n".join(facts)))
    parts.extend(docs)
    contacts = contact_details("\n".join(docs)) or list(store_contacts())
    if limits and not (contacts and contacts[0] in " ".join(parts)):
        contact = " or ".join(contacts[:2]) if contacts else "our support team"
        parts.append(
            f"If you'd like a person to look into this, you can reach our support team at {contact}."
        )
    return "\n\n".join(parts[:1] + ["\n\n".join(parts[1:])]) if len(parts) > 1 else parts[0]


def supervisor(turn: Turn, action_tools: list[dict] | None = None) -> ToolCall | str:
    """Delegate what the request needs, once per specialist, then write the customer's answer.

    ``action_tools``: the other tools bound besides the two handoffs (OpenAI function format).
    """
    reading = turn.request
    if not reading.text.strip():
        return (
            "It looks like your message was empty. How can I help you with your TechHub orders or products?"
        )
    if reading.foreign:
        return (
            "I'm sorry, I can only help in English at the moment. I can answer questions about your TechHub "
            "orders, our products and our store policies."
        )
    limits = stated_limits(turn.system)
    other = OTHER_ACCOUNT.search(turn.latest.text) if _verified(turn.system) else None
    name = turn.system.split("Verified customer:", 1)[-1].split("\n")[0].split(" (")[0].strip(" .")
    if other and not set(re.findall(r"[a-z]+", other.group(1).lower())) & set(name.lower().split()):
        return OTHER_ACCOUNT_REPLY.format(name=name)  # the SQL is scoped anyway; say so plainly
    for tool in _plan(turn, limits):
        if not turn.called(tool):
            return (tool, {"task": _task(tool, turn)})
    facts, docs = turn.results(SQL_TOOL), turn.results(DOCS_TOOL)
    if reading.action:
        tool = action_tool_for(reading.action, action_tools or [])
        args = _action_tool_args(tool, turn, facts) if tool else None
        if tool is not None and args is not None:
            if not turn.called(tool["name"]):
                return (tool["name"], args)
            return _tool_reply(turn, tool["name"], limits, facts, docs)
        return _action_reply(turn, limits, facts, docs)
    if reading.complaint and turn.topic == "orders":
        return _complaint_reply(turn, limits, facts, docs)
    answer = "\n\n".join(_second_person(t) for t in facts + docs)
    social = _social(turn)
    if answer:
        if "thanks" in reading.intents:
            answer = "Thanks! " + answer
        return answer + "\n\nIs there anything else I can help you with?"
    if social:
        return social
    if turn.topic == "orders" and not _verified(turn.system):
        return "I need to verify your account before I can look up orders. What email address did you use?"
    if turn.topic == "out_of_scope":
        return OUT_OF_SCOPE_REPLY
    return CLARIFY
