"""The offline model's answer to the router's structured question: does this need the customer's identity?"""

from __future__ import annotations

from langchain_core.messages import BaseMessage

from techhub.models.offline.conversation import parse_turn
from techhub.models.offline.structured import register_structured_handler

ROUTE_SCHEMA_NAME = "RouteDecision"


def _matches(tool: dict) -> bool:
    return tool.get("function", {}).get("name") == ROUTE_SCHEMA_NAME


def _answer(messages: list[BaseMessage], tool: dict) -> dict:
    reading = parse_turn(messages).request
    if reading.needs_identity:
        reason = "the customer asks about their own orders or an action on one"
    elif reading.intents:
        reason = "a question about products, policies or small talk needs no account"
    else:
        reason = "nothing in the message refers to the customer's account"
    return {"needs_identity": reading.needs_identity, "reason": reason}


register_structured_handler(ROUTE_SCHEMA_NAME, _matches, _answer)
