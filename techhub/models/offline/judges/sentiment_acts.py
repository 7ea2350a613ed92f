"""What the agent did in a turn, as the offline sentiment judge reads it.

The same customer words read differently after different acts of the agent: "wonderful." after an
answer is praise, after a refusal it is sarcasm; "what can you do then?" after a refusal is
exasperation. So each agent turn is classified by its act: asked the customer to verify their
identity (never held against the agent), repeated an earlier reply, claimed an action ("I've
cancelled your order"), refused or could not help, sent the customer elsewhere, asked a question,
answered, or only closed politely.
"""

from __future__ import annotations

import re
from enum import Enum

from techhub.models.offline.judges.sentiment_text import normalize, similarity


class AgentAct(Enum):
    """What the agent did in one turn, as the reasoning names it."""

    VERIFY = "asked the customer to verify their identity"
    VERIFY_AGAIN = "could not find the account and asked for the email again"
    REPEAT = "repeated an earlier reply"
    CLAIM = "claimed an action"
    REFUSE = "refused or said it could not help"
    REDIRECT = "sent the customer elsewhere"
    QUESTION = "asked a question"
    ANSWER = "answered"
    CLOSE = "closed politely"

    @property
    def failed(self) -> bool:
        """The customer got nothing they asked for from this turn."""
        return self in (AgentAct.REFUSE, AgentAct.REDIRECT, AgentAct.REPEAT)


# The agent asks for the email (or identity): "could you share the email on your account?", "what's
# your email?". Saying it could not verify the customer is a failure, not a request.
_VERIFICATION_REQUEST = re.compile(
    r"\b(?:share|provide|confirm|give me|tell me|send me|what(?:s| is)|which|need|double-check|"
    r"verify)\b.{0,50}"
    r"\b(?:e-?mail|identity)\b|\b(?:e-?mail|identity)\b[^.!]{0,60}\?",
    re.IGNORECASE | re.DOTALL,
)
_REFUSAL = re.compile(
    r"\b(?:i|we) (?:cant|cannot|can not|am unable|are unable|am not able|are not able|arent able|"
    r"wont be able|"
    r"will not be able|do not|dont) (?:\w+ )?(?:able|access|have (?:access|the ability|a way|any way|"
    r"information|"
    r"details|more|that|any|a restock|visibility)|offer|support|provide|sell|carry|handle|allow|"
    r"price match)\b"
    r"|\b(?:i|we) (?:cant|cannot|can not|am unable to|are unable to|wont be able to)\b"
    r"|\bim (?:unable|not able|afraid (?:not|i cant|we cant|that isnt|i dont|there is no|theres no|"
    r"thats not))\b"
    r"|\bunable to\b|\bnot (?:possible|something (?:i|we) can)\b|\bisnt possible\b|\bno way (?:to|for me)\b"
    r"|\bcan only (?:help|assist) with\b|\boutside (?:of )?(?:what i|my|the scope)\b"
    r"|\bthere (?:is|s) nothing (?:more )?(?:i|we) can\b|\bi dont (?:know|have)\b|\bi (?:have|ve) no (?:way|"
    r"access)\b"
    r"|\b(?:i|we) (?:couldnt|could not|was unable to|wasnt able to|were unable to) (?:find|locate|see|"
    r"access|get)\b"
    r"|\bim not (?:sure|aware)\b|\bdont have (?:any )?(?:information|details|data|access|a date|an update)\b"
)
_REDIRECT = re.compile(
    r"\b(?:contact|reach out to|call|email|get in touch with|speak (?:to|with)|ask|write to|visit)\b.{0,40}"
    r"(?:\bsupport\b|\bbank\b|\bcarrier\b|\bmanufacturer\b|\bstore\b|\bteam\b|\bcustomer service\b|"
    r"\bdepartment\b|"
    r"\bcourier\b|\bretailer\b|@|\b\d{3}\b|\bwebsite\b|\bpolicy\b|\bfaq\b|\bhelp ?center\b|\bbrand\b)"
    r"|\bcheck (?:our|the) (?:website|returns policy|faq|help ?center|manual)\b"
)
_CLAIM = re.compile(
    r"\b(?:ive|i have|weve|we have|i just|i went ahead and|ive gone ahead and|i|we)\s+(?:\w+ly\s+)?"
    r"(?:cancell?ed|processed|initiated|issued|refunded|updated|changed|sent|escalated|submitted|arranged|"
    r"scheduled|reset|applied|added|removed|credited|reversed|requested|filed|placed|booked|reported|flagged|"
    r"opened|created|fixed|corrected|raised|forwarded|expedited|upgraded|replaced|reshipped|logged|emailed|"
    r"notified|approved|waived|extended|rerouted|redirected)\b"
    r"|^\W*(?:done|all done)\b|\byou (?:will|should|ll) (?:receive|get) (?:a|an|the|your) "
    r"(?:confirmation|email|replacement|call|credit)\b"
)
_CLOSING = re.compile(
    r"\b(?:youre welcome|you are welcome|glad (?:i could|to help|it|that)|happy to help|anything else|"
    r"my pleasure|have a (?:great|good|nice|lovely) (?:day|one|evening|weekend)|enjoy|no problem|"
    r"let me know if|feel free)\b[^.!?]*[.!?]*"
)


def classify_agent_turn(text: str, earlier: list[str]) -> AgentAct:
    """What the agent did in this turn; ``earlier`` are its previous replies (to spot a repeat)."""
    normalized = normalize(text)
    if _VERIFICATION_REQUEST.search(text):
        return AgentAct.VERIFY_AGAIN if _REFUSAL.search(normalized) else AgentAct.VERIFY
    if len(normalized.split()) >= 4 and any(similarity(text, before) >= 0.85 for before in earlier):
        return AgentAct.REPEAT
    if _CLAIM.search(normalized):
        return AgentAct.CLAIM
    if _REFUSAL.search(normalized):
        return AgentAct.REFUSE
    if _REDIRECT.search(normalized):
        return AgentAct.REDIRECT
    substance = _CLOSING.sub(" ", normalized).strip(" .!?,")
    if not substance:
        return AgentAct.CLOSE
    asks = text.rstrip().endswith("?") and len(substance.split()) < 20
    return AgentAct.QUESTION if asks else AgentAct.ANSWER
