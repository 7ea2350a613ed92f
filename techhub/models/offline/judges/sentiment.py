"""The offline sentiment judge: the workshop's "User Sentiment" rubric, applied to the conversation.

A real judge model reads the whole conversation; this one reads what the conversation shows, turn by
turn, in four small modules:

* :mod:`.sentiment_acts`: what the agent did in each turn, read from what each sentence of the reply
  does for what the customer asked: asked to verify (never held against it), could not find the
  account and asked again, repeated itself, claimed an action, refused, sent the customer elsewhere,
  asked a question, answered, closed politely. An informative answer that also gives the support
  contact is an answer; the contact instead of an answer is a redirect;
* :mod:`.sentiment_cues`: what each sentence of a customer message says, by kind of cue: gratitude,
  resolution, relief, acceptance, a plan to move on, a decision to buy (positive); anger,
  dissatisfaction, confusion, implied negativity, churn, a problem that continues, exasperation at
  the agent's limits, a consequence of the failure, sarcasm (negative). Some kinds are read only
  after the agent answered: a problem stated before any answer is why the customer writes, not a
  complaint;
* :mod:`.sentiment_turns`: how the message reads in its context: praise after a real failure is
  sarcasm (after an answer it is praise), a question asked again is the problem continuing, a turn
  from politeness to a complaint, pushback after a refusal or a claimed action, a problem that only
  sets the scene for the customer's own question, and the label of the message;
* here: across the conversation, the last customer message with a cue decides (the final messages
  weigh most); earlier turns only say how the tone moved; with no cue the conversation is neutral,
  which counts as positive.

The reasoning names the turn, the agent's act before it, the kind of signal that decided and its cues,
and quotes the deciding message: "Turn 3 of 3: the customer says they will take their business
elsewhere after the agent refused or said it could not help (churn): ...".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Literal

from techhub.models.offline.judges.sentiment_acts import AgentAct, classify_agent_turn
from techhub.models.offline.judges.sentiment_cues import CONTINUING
from techhub.models.offline.judges.sentiment_turns import Context, CustomerTurn, read_customer_turn


@dataclass(frozen=True)
class Verdict:
    sentiment: Literal["positive", "negative"]
    reasoning: str
    deciding_message: str | None


def _quote(text: str, limit: int = 200) -> str:
    flat = " ".join(text.split())
    return f'"{flat if len(flat) <= limit else flat[: limit - 3] + "..."}"'


def _after(turn: CustomerTurn) -> str:
    return f"after the agent {turn.after.value}" if turn.after else "in the opening message"


def _describe(turn: CustomerTurn, total: int) -> str:
    """ "Turn 3 of 3: the customer says ... after the agent refused (churn): "..." (cues: ...)." """
    kinds = turn.kinds
    lead = kinds[0]
    says = lead.says
    if lead is CONTINUING and turn.after is AgentAct.CLAIM:
        says = "says the action the agent claimed did not happen, so the problem continues"
    if turn.relieved_worry:
        says, names = "is relieved after a worry and thanks the agent", ["relief", *(k.name for k in kinds)]
    else:
        names = [k.name for k in kinds]
    cues = ", ".join(_quote(e, 60) for e in turn.evidence)
    return (
        f"Turn {turn.number} of {total}: the customer {says} {_after(turn)} ({'; '.join(names)}): "
        f"{_quote(turn.text)} (cues: {cues})."
    )


_DETAILS = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+|\bORD[-\s]?\d{4}[-\s]?\d{4}\b", re.IGNORECASE)


_FILLER = frozenset(
    "its it is my the email address e-mail here sure yes yeah ok okay order id number this that hi hello "
    "oops sorry typo i mean try again use used account on a of for thanks thank you please".split()
)


def _only_details(text: str) -> bool:
    """The message only gives the email or an order id ("it's jo@mail.com", "oops, typo: jo@mail.com"):
    an answer to the agent's question, not a new request ("cancel ORD-2025-0030" is one)."""
    rest = re.findall(r"[a-z-]+", _DETAILS.sub(" ", text.lower()).replace("'", ""))
    return bool(_DETAILS.search(text)) and all(word in _FILLER for word in rest)


def judge_conversation(turns: list[tuple[str, str]]) -> Verdict:
    """Apply the rubric to ``[("human" | "ai", text), ...]`` (the parsed ``human_ai_pairs``)."""
    customer: list[CustomerTurn] = []
    agent_replies: list[str] = []
    context = Context()
    verification_asked = False
    asked = ""  # what the customer last asked for (not a message that only gives their email)
    for speaker, text in turns:
        if speaker == "ai":
            act = classify_agent_turn(text, agent_replies, asked)
            agent_replies.append(text)
            verification_asked |= act in (AgentAct.VERIFY, AgentAct.VERIFY_AGAIN)
            context = replace(
                context,
                after=act,
                answered=context.answered or act is not AgentAct.VERIFY,
                unresolved=context.unresolved or act.failed,
                reply=text,
            )
            continue
        if not _only_details(text):
            asked = text
        turn = read_customer_turn(len(customer) + 1, text, context)
        customer.append(turn)
        unresolved = turn.label == "negative" or (context.unresolved and turn.label == "neutral")
        context = replace(context, unresolved=unresolved, earlier=(*context.earlier, text))
    notes = [
        "The agent's request for email verification is expected and not held against it."
    ] * verification_asked
    if not customer:
        return Verdict(
            "positive",
            "The conversation has no customer message, so no sentiment is shown: neutral, "
            "which counts as positive.",
            None,
        )
    total = len(customer)
    deciding = next((t for t in reversed(customer) if t.label != "neutral"), None)
    if deciding is None:
        last = customer[-1]
        reason = (
            f"Turn {last.number} of {total}: no customer message shows gratitude or dissatisfaction; the "
            f"last one, {_quote(last.text)}, {_after(last)}, is neutral, and neutral counts as positive."
        )
        return Verdict("positive", " ".join([reason, *notes]), last.text)
    reason = _describe(deciding, total)
    later = [t for t in customer if t.number > deciding.number]
    if later:
        reason += (
            f" The customer's later messages (from turn {later[0].number}) show no sentiment of their own."
        )
    earlier = [
        t for t in customer if t.number < deciding.number and t.label not in ("neutral", deciding.label)
    ]
    if deciding.label == "positive":
        if earlier:
            notes.insert(
                0,
                f"The tone moved: turn {earlier[-1].number} showed {earlier[-1].kinds[0].name} "
                f"({_quote(earlier[-1].text)}), resolved by the end.",
            )
        conclusion = "The final messages weigh most, so the overall sentiment is positive."
    else:
        if earlier:
            notes.insert(
                0,
                f"Earlier {earlier[-1].kinds[0].name} (turn {earlier[-1].number}, "
                f"{_quote(earlier[-1].text)}) does not outweigh it.",
            )
        conclusion = "The customer ends dissatisfied, so the overall sentiment is negative."
    return Verdict(deciding.label, " ".join([reason, *notes, conclusion]), deciding.text)
