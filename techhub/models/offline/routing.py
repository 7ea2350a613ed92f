"""The offline model's answer to the router's structured question: what is the latest message about,
and does answering it need the customer's identity?"""

from __future__ import annotations

from langchain_core.messages import BaseMessage

from techhub.models.offline.conversation import parse_turn
from techhub.models.offline.structured import register_structured_handler

ROUTE_SCHEMA_NAME = "RouteDecision"

REASONS = {
    "orders": "the customer asks about their own orders or an action on one",
    "products": "a question about the products we sell needs no account",
    "policies": "a question about store policies needs no account",
    "chitchat": "small talk needs no account",
    "out_of_scope": "nothing in the message is about TechHub's orders, products or policies",
}


def _matches(tool: dict) -> bool:
    return tool.get("function", {}).get("name") == ROUTE_SCHEMA_NAME


def _answer(messages: list[BaseMessage], tool: dict) -> dict:
    turn = parse_turn(messages)
    answer = {"needs_identity": turn.topic == "orders", "reason": REASONS[turn.topic]}
    if "topic" in tool.get("function", {}).get("parameters", {}).get("properties", {}):
        answer = {"topic": turn.topic, **answer}
    return answer


register_structured_handler(ROUTE_SCHEMA_NAME, _matches, _answer)
