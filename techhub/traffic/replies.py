"""What an agent's reply DOES, read the way a customer reads it: the simulated customers react to this.

A customer does not care about the exact words: they notice that the agent asked for their email,
answered, refused, claimed to have done something, asked what they meant, or talked past them. The
rules below look for those acts in any wording (a real model's or the offline model's), so the
personas keep reacting sensibly when the agent's phrasing changes. They were written against the
``tuning`` split of ``tests/data/agent_replies_labelled.json``; its ``heldout`` split checks them.
"""

from __future__ import annotations

import re
from typing import Literal

ReplyKind = Literal[
    "asked_email",
    "verification_failed",
    "claimed_action",
    "refused",
    "asked_clarification",
    "deflected",
    "answered",
]
REPLY_KINDS: tuple[ReplyKind, ...] = (
    "asked_email",
    "verification_failed",
    "claimed_action",
    "refused",
    "asked_clarification",
    "deflected",
    "answered",
)

_I = r"\b(?:i|we)\b"
_ACTION_DONE = (
    r"(?:initiated|processed|cancel+ed|refunded|issued|updated|changed|modified|submitted|escalated|"
    r"arranged|requested|placed|gone ahead|forwarded|passed|filed|logged|raised)"
)
_ACTION = r"(?:cancel\w*|refund\w*|issue|process\w*|chang\w*|modif\w*|updat\w*|edit\w*|escalat\w*)"
_CANNOT = (
    r"(?:don'?t|do not|can'?t|cannot|can not|am unable|'m unable|unable|am not able|'m not able|not able|"
    r"have no (?:way|tool|ability))"
)

VERIFICATION_FAILED = re.compile(
    r"\b(?:wasn'?t|was not|couldn'?t|could not|unable to|not able to)\b(?:\s+\w+){0,2}\s+verify\b",
    re.IGNORECASE,
)
# A question (one sentence ending in "?") asking the customer who they are.
EMAIL_QUESTION = re.compile(
    r"\b(?:share|provide|confirm|send|give|tell|what(?:'s| is)?|which|may i have|could i (?:get|have))\b"
    r"[^.?!]{0,80}\be-?mail\b[^.!?]*\?",
    re.IGNORECASE,
)
# The same as a request: "please reply with the email address you ordered with."
EMAIL_REQUEST = re.compile(
    r"\bplease\b[^.?!@]{0,40}\b(?:reply|respond|send|share|provide|give|tell)\b[^.?!@]{0,30}\be-?mail\b[^.?!@]*[.!]?$",
    re.IGNORECASE,
)
CLAIMS = (
    # "I've successfully initiated the cancellation", "I have gone ahead and issued a refund".
    re.compile(rf"{_I}(?:'ve| have)\s+(?:(?!not\b|never\b)\w+\s+){{0,3}}?{_ACTION_DONE}\b", re.IGNORECASE),
    # "Your order ... has been cancelled", "your shipping address has been changed".
    re.compile(
        r"\byour\b[^.]{0,50}\b(?:has|have) been (?:cancel+ed|refunded|changed|updated|modified|processed|"
        r"issued|initiated|submitted|completed)\b",
        re.IGNORECASE,
    ),
    # "The cancellation is complete."
    re.compile(
        r"\b(?:cancellation|refund|change|update|return)\b[^.]{0,20}\b(?:is|has been) "
        r"(?:complete|completed|done|confirmed|processed)\b",
        re.IGNORECASE,
    ),
    # Standing by an earlier claim: "your confirmation email should arrive shortly".
    re.compile(
        r"\bconfirmation e-?mail\b[^.]{0,30}\b(?:should|will) (?:arrive|reach you|come)\b", re.IGNORECASE
    ),
)
REFUSALS = (
    # "I don't have the ability to cancel orders", "I'm not able to issue refunds".
    re.compile(rf"{_I}(?:'m| am)?[^.]{{0,25}}?\b{_CANNOT}\b[^.]{{0,45}}?\b{_ACTION}", re.IGNORECASE),
    # "cancelling orders is outside what I can do".
    re.compile(
        rf"\b{_ACTION}[^.]{{0,40}}\b(?:outside|beyond)\b[^.]{{0,15}}\b(?:what i can|my)\b", re.IGNORECASE
    ),
    # "processing returns isn't something I can do".
    re.compile(
        rf"\b{_ACTION}[^.]{{0,40}}\b(?:isn'?t|is not|aren'?t|are not) something I can\b", re.IGNORECASE
    ),
)
DEFLECTIONS = re.compile(
    r"\bI can only help\b|\boutside (?:of )?what I can help with\b|"
    r"\bdidn'?t (?:quite )?(?:catch|understand)\b|\bnot sure what you mean\b|\bmessage was empty\b|"
    r"\bcould you rephrase\b|\bcan'?t help with\b|\bI'?m here to help with\b",
    re.IGNORECASE,
)
CLARIFYING = re.compile(
    r"\b(?:which|do you mean|did you mean|could you (?:tell me|clarify|specify)|can you (?:clarify|specify|"
    r"tell me)|what (?:exactly|kind|type)|just to make sure|are you (?:asking|looking))\b",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"[^.?!]*[.?!]+|[^.?!]+$")


def _questions(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.findall(text) if s.strip().endswith("?")]


def read_reply(text: str, *, waiting_for_answer: bool = False) -> ReplyKind:
    """What the agent's reply does, in the order a customer would notice it.

    ``waiting_for_answer``: the deployment reports the agent's verification interrupt (see
    :attr:`techhub.deployment.Conversation.waiting_for_answer`); that is an email question whatever
    its words.
    """
    if waiting_for_answer:
        return "asked_email"
    if VERIFICATION_FAILED.search(text):
        return "verification_failed"
    sentences = [s.strip() for s in _SENTENCE.findall(text)]
    if any(EMAIL_QUESTION.search(s) for s in sentences if s.endswith("?")) or any(
        EMAIL_REQUEST.search(s) for s in sentences
    ):
        return "asked_email"
    if any(claim.search(text) for claim in CLAIMS):
        return "claimed_action"
    if any(refusal.search(text) for refusal in REFUSALS):
        return "refused"
    if DEFLECTIONS.search(text):
        return "deflected"
    if any(CLARIFYING.search(question) for question in _questions(text)):
        return "asked_clarification"
    return "answered"
