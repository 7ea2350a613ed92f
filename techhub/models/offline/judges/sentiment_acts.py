"""What the agent did in a turn, as the offline sentiment judge reads it: by what the reply does.

The same customer words read differently after different acts of the agent: "wonderful." after an
answer is praise, after a refusal it is sarcasm; "what can you do then?" after a refusal is
exasperation. So each agent turn gets one act: asked the customer to verify their identity (never
held against the agent), could not find the account, repeated an earlier reply, claimed an action
("I've cancelled your order"), refused or could not help, sent the customer elsewhere, asked a
question, answered, or only closed politely.

A reply is read sentence by sentence, each sentence by its function (a courtesy, a verification
request, a claimed action, a refusal, "we don't have more on that", the support contact, a question,
or information), and the act comes from what the reply does for what the customer asked:

* information is an answer, whatever else the reply says: a shipping-policy answer that ends with
  "contact support at support@techhub.com" answered the question; the contact is part of it;
* the support contact *instead of* an answer (nothing else, or after "we don't say more about that")
  sends the customer elsewhere, unless the contact was what they asked for;
* a general policy passage given to a customer who reported a problem with their own order (late,
  missing, broken, a refund that has not come), without a word about that order, sends them
  elsewhere too: it answers a question they did not ask;
* a refusal decides when the customer asked the agent to do something, when the reply leads with it,
  or when little else is said; a "the assistant cannot issue refunds" inside a long policy answer is
  part of the information.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
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


# --- what one sentence of a reply does ------------------------------------------------------------
# Patterns run on normalised text (lower case, apostrophes dropped: "dont", "im", "ive").

# The agent asks for the email (or identity): "could you share the email on your account?".
_VERIFICATION_REQUEST = re.compile(
    r"\b(?:share|provide|confirm|give me|tell me|send me|what(?:s| is)|which|need|double-check|double check|"
    r"verify|may i have|reply with)\b.{0,50}\b(?:e-?mail|identity)\b"
    r"|\b(?:e-?mail|identity)\b[^.!]{0,60}\?"
)
_LOOKUP_FAILED = re.compile(
    r"\b(?:couldnt|could not|cant|cannot|was unable to|wasnt able to|unable to|didnt) "
    r"(?:find|locate|verify|match)\b.{0,40}\b(?:account|e-?mail|customer|you)\b"
    r"|\bno (?:account|customer)\b.{0,30}\b(?:e-?mail|address)\b"
)
_ACTION_VERBS = (
    r"cancell?ed|processed|initiated|issued|refunded|updated|changed|modified|sent|escalated|submitted|"
    r"arranged|scheduled|reset|applied|added|removed|credited|reversed|requested|filed|placed|booked|"
    r"reported|flagged|opened|created|fixed|corrected|raised|forwarded|expedited|upgraded|replaced|"
    r"reshipped|logged|emailed|notified|approved|waived|extended|rerouted|redirected|gone ahead"
)
# A claimed action: the agent, in the first person and the past, did something to the customer's
# order or account ("I've cancelled", "we have issued a refund"), or says it is done ("your order has
# been cancelled", "done!", "you'll receive a confirmation email"). Generic policy sentences ("refunds
# are issued within 5 to 7 days", "only if we sent the wrong item") are not claims: see _CONDITIONAL.
_CLAIM = re.compile(
    rf"\b(?:ive|i have|weve|we have|i just|i went ahead and|ive gone ahead and|i|we)\s+(?:\w+ly\s+)?"
    rf"(?:{_ACTION_VERBS})\b"
    rf"|\byour\b[^.]{{0,50}}\b(?:has|have) been (?:{_ACTION_VERBS}|completed)\b"
    r"|\b(?:cancellation|refund|change|update|return)\b[^.]{0,20}\b(?:is|has been) "
    r"(?:complete|completed|done|confirmed|processed)\b"
    r"|^\W*(?:done|all done)\b"
    r"|\byou (?:will|should|ll) (?:receive|get) (?:a|an|the|your) "
    r"(?:confirmation|refund|replacement|credit)\b"
)
_CONDITIONAL = re.compile(r"\b(?:if|unless|only|once|when|whether|until|after|before)\b")
_CHECKMARK = "\u2705"
# "I can't", "I don't have the ability to", "I couldn't find a product like that", "I can only help with".
_REFUSAL = re.compile(
    r"\b(?:i|we) (?:cant|cannot|can not|am unable|are unable|am not able|are not able|arent able|"
    r"wont be able|will not be able|do not|dont) (?:\w+ )?(?:able|access|have (?:access|the ability|a way|"
    r"any way|information|details|more|that|any|a restock|visibility)|offer|support|provide|sell|carry|"
    r"handle|allow|price match)\b"
    r"|\b(?:i|we) (?:cant|cannot|can not|am unable to|are unable to|wont be able to)\b"
    r"|\bim (?:unable|not able|afraid (?:not|i cant|we cant|that isnt|i dont|there is no|theres no|"
    r"thats not))\b"
    r"|\bunable to\b|\bnot (?:possible|something (?:i|we) can)\b|\bisnt possible\b|\bno way (?:to|for me)\b"
    r"|\bcan only (?:help|assist) with\b|\boutside (?:of )?(?:what i|my|the scope)\b"
    r"|\bthere (?:is|s) nothing (?:more )?(?:i|we) can\b|\bi dont (?:know|have)\b|\bi (?:have"
    r"|ve) no (?:way|access)\b"
    r"|\b(?:i|we) (?:couldnt|could not|was unable to|wasnt able to|were unable to) (?:find|locate|see|"
    r"access|get)\b"
    r"|\bim not (?:sure|aware)\b"
    r"|\b(?:the |this )?(?:chat )?(?:assistant|bot|chatbot) (?:cannot|cant|is not able to|isnt able to)\b"
)
# The agent has nothing on the question: "our pages don't say more about that", "I don't have
# information on that": a non-answer, said politely.
_NO_INFORMATION = re.compile(
    r"\b(?:dont|do not|doesnt|does not) (?:say|mention|cover|list|include|specify|show) "
    r"(?:more|anything|that|this|it)\b"
    r"|\b(?:dont|do not) have (?:any )?(?:information|details|data|a date|an update|more)\b"
    r"|\bno (?:information|details|data) (?:on|about|for)\b"
)
_CONTACT = re.compile(
    r"[\w.+-]+@[\w-]+\.[a-z]+|\b1-800-\w+|\(\d-\d{3}-\d{3}-\d{4}\)"
    r"|\b(?:contact|reach out to|reach|call|email|get in touch with|speak (?:to|with)|ask|write to|visit)\b"
    r".{0,40}\b(?:support|bank|carrier|manufacturer|store|team|customer service|department|courier|"
    r"retailer|website|help ?center|brand)\b"
    r"|\bsupport contact\b|\byou can reach\b"
    # A pointer to somewhere else to look: "please check our returns policy", "you could browse the
    # monitors section of our website", "firmware updates are described in the product manual".
    r"|\b(?:check|see|read|review|look at|visit|browse|consult|refer to|go to|search)\b.{0,30}"
    r"\b(?:policy|policies|website|site|faq|manual|help ?center|page|terms|section|documentation)\b"
    r"|\b(?:described|explained|covered|found|listed|detailed) (?:in|on) (?:the"
    r"|our) (?:\w+ )?(?:manual|guide|"
    r"documentation|website|site|faq|help ?center|page)\b"
)
# What the agent says around an answer: greetings, thanks, sympathy, offers of more help.
_COURTESY = re.compile(
    r"^\W*(?:(?:hi|hello|hey|thanks|thank you|great|sure|certainly|of course|absolutely|ok|okay|got it)"
    r"(?:\W+\w+){0,3}"
    r"|youre welcome|you are welcome|glad (?:i could|to help|it|that)[^.!?]*|happy to help|my pleasure"
    r"|(?:im|i am|we are|were) (?:so |very |really )?sorry\b[^.!?]*|i (?:apologi[sz]e|understand)\b[^.!?]*"
    r"|(?:is there )?anything else\b[^.!?]*|(?:is there )?something (?:else|along those lines)\b[^.!?]*"
    r"|let me know if\b[^.!?]*|feel free\b[^.!?]*|hope (?:this|that) helps\b[^.!?]*"
    r"|(?:in the meantime, )?(?:im|i am) happy to\b[^.!?]*|have a (?:great|good|nice|lovely) \w+[^.!?]*"
    r"|enjoy\b[^.!?]*|no problem\b[^.!?]*|they (?:can|will|ll) (?:help|be happy to help)\b[^.!?]*)\W*$"
)
_GREETING = re.compile(r"\b(?:hello|hi|hey)\b.{0,40}\b(?:assistant|help|here)\b")

# --- what the customer asked ------------------------------------------------------------------------
# The agent is asked to DO something: cancel, refund, change, return, speed up, waive ...
_ACTION_REQUEST = re.compile(
    r"(?:^\W*|\b(?:can|could|would|will) you (?:please |pls )?|\b(?:please|pls|plz|need you to|want you to|"
    r"i want to|i need to|id like to|i would like to|i wish to)\s+)"
    r"(?:cancel|refund|change|update|modify|edit|return|exchange|replace|expedite|upgrade|waive|"
    r"reship|resend|redirect|reroute|add|remove|switch|move|apply|price ?match|match|send|start|process|"
    r"open|escalate|fix|credit|reverse)\b"
    r"(?=.{0,60}\b(?:order|ord|it|them|this|that|address|item|items|refund|return|fee|shipping|delivery|"
    r"please|for me|my)\b)"
    r"|\b(?:i want|i need|i would like|id like|i demand|give me|get me) (?:a |my |the |to get )?"
    r"(?:refund|money back|replacement|return|cancell?ation)\b"
)
# "I don't have the ability to cancel orders": the agent says it cannot do what customers ask it to do.
_ACTION_WORD = re.compile(
    r"\b(?:cancel|cancell?ing|refund|refunding|change|changing|modify|update|process|issue|expedite|waive|"
    r"create a return|start a return|reship|redirect|price match)\b"
)
# The customer asks about the state of their own order, delivery or refund, or reports it late or
# missing: what only their order data answers, not a policy page. (A fault report, "my earbuds stopped
# charging", is answered by the warranty policy itself.)
_OWN_STATUS = re.compile(
    r"\b(?:my|our|ord)\b.{0,60}\b(?:late|delayed|missing|lost|not (?:arrived|here|received|delivered"
    r"|shipped)|"
    r"hasnt|havent|isnt here|never (?:came|arrived|showed)|still|taking so long|so long|yet|charged|double|"
    r"twice|status|come through|gone through|went through)\b"
    r"|\bwhere(?:s| is| are|re)? (?:my|our)\b|\b(?:hasnt|havent|didnt|never) (?:arrived|come|came|shipped|"
    r"got|received)\b|\bwhy is my\b|\b(?:status|progress) of (?:my|our)\b"
    r"|\b(?:my|our|the) refund\b"
)
_ASKS_FOR_CONTACT = re.compile(
    r"\b(?:contact|phone|number|call|e-?mail|reach|hours|open|opening|closed|talk to|"
    r"speak to|human|person|who do i|who should i|how do i get in touch)\b"
)
_ORDER_DETAIL = re.compile(r"\bord-?\d{4}-?\d{4}\b|\b(?:your|the) order\b.{0,60}\b(?:processing|shipped|"
                           r"delivered|cancelled|placed)\b")
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+\s*(?:[-*\u2022]\s+|\d+\.\s+)?|(?<=:)\s+(?=-\s)")


class Function(Enum):
    """What one sentence of a reply does."""

    COURTESY = "courtesy"
    VERIFY = "verification request"
    LOOKUP_FAILED = "account not found"
    CLAIM = "claimed action"
    REFUSAL = "refusal"
    NO_INFORMATION = "no information"
    CONTACT = "support contact"
    QUESTION = "question"
    INFORMATION = "information"


@dataclass(frozen=True)
class ReplySentence:
    text: str
    function: Function


def reply_sentences(reply: str) -> list[ReplySentence]:
    """The sentences of an agent reply, each with its function."""
    found = []
    for part in _SENTENCE.split(reply.strip()):
        if not part or not part.strip(" -*\u2022"):
            continue
        found.append(ReplySentence(part.strip(), _function(part)))
    return found


def _function(sentence: str) -> Function:
    text = normalize(sentence)
    if _VERIFICATION_REQUEST.search(text):
        return Function.LOOKUP_FAILED if _LOOKUP_FAILED.search(text) else Function.VERIFY
    if _LOOKUP_FAILED.search(text):
        return Function.LOOKUP_FAILED
    claim = _CLAIM.search(text)
    if _CHECKMARK in sentence or (claim and not _CONDITIONAL.search(text[: claim.end()])):
        return Function.CLAIM
    if _REFUSAL.search(text):
        return Function.REFUSAL
    if _NO_INFORMATION.search(text):
        return Function.NO_INFORMATION
    if _COURTESY.search(text) and not re.search(r"\d", text):
        return Function.COURTESY
    if _CONTACT.search(text):
        return Function.CONTACT
    if sentence.rstrip().endswith("?"):
        return Function.QUESTION
    return Function.INFORMATION


def _information_words(sentences: list[ReplySentence]) -> int:
    """How much information the reply gives: its informative words, a fact with a figure (a price, a
    date, an order id) counting as a sentence's worth."""
    informative = [s.text for s in sentences if s.function is Function.INFORMATION]
    return sum(len(text.split()) + 8 * bool(re.search(r"\d", text)) for text in informative)


def _substance(reply: str) -> str:
    """The reply without its courtesies: what a repeat is measured on."""
    return " ".join(s.text for s in reply_sentences(reply) if s.function is not Function.COURTESY)


def classify_agent_turn(text: str, earlier: list[str], asked: str = "") -> AgentAct:
    """What the agent did in this turn.

    ``earlier``: its previous replies (to spot a repeat); ``asked``: what the customer asked it (their
    last message with content, "" if unknown), since the same reply answers one question and sidesteps
    another.
    """
    sentences = reply_sentences(text)
    functions = [s.function for s in sentences]
    if Function.VERIFY in functions:
        return AgentAct.VERIFY_AGAIN if Function.LOOKUP_FAILED in functions else AgentAct.VERIFY
    substance = _substance(text)
    if len(substance.split()) >= 4 and any(similarity(substance, _substance(e)) >= 0.85 for e in earlier):
        return AgentAct.REPEAT
    if Function.CLAIM in functions:
        return AgentAct.CLAIM
    request = normalize(asked)
    wants_action = bool(_ACTION_REQUEST.search(request))
    information = _information_words(sentences)
    lead = next((f for f in functions if f is not Function.COURTESY), None)
    refuses_to_act = any(  # in the first person: "the assistant cannot issue refunds" is policy
        s.function is Function.REFUSAL and _ACTION_WORD.search(text) and re.search(r"\b(?:i|im|we)\b", text)
        for s in sentences
        for text in [normalize(s.text)]
    )
    if Function.REFUSAL in functions or Function.LOOKUP_FAILED in functions:
        leads = lead in (Function.REFUSAL, Function.LOOKUP_FAILED)
        if wants_action or refuses_to_act or leads or information < 25:
            return AgentAct.REFUSE
    if Function.NO_INFORMATION in functions and information < 25:
        return AgentAct.REDIRECT if Function.CONTACT in functions else AgentAct.REFUSE
    if Function.CONTACT in functions:
        if wants_action:  # asked to do something, given who to ask instead
            return AgentAct.REDIRECT
        if information < 8 and not _ASKS_FOR_CONTACT.search(request):  # little but a pointer elsewhere
            return AgentAct.REDIRECT
        # A policy passage and the contact, to a customer whose own order has a problem: sidestepped.
        if _OWN_STATUS.search(request) and not _ORDER_DETAIL.search(normalize(text)) and not wants_action:
            return AgentAct.REDIRECT
    if information or Function.CONTACT in functions:
        questions = [s for s in sentences if s.function is Function.QUESTION]
        if questions and sentences[-1].function is Function.QUESTION and information < 20:
            return AgentAct.QUESTION
        return AgentAct.ANSWER
    if Function.QUESTION in functions:
        return AgentAct.QUESTION
    if _GREETING.search(normalize(text)):
        return AgentAct.ANSWER
    return AgentAct.CLOSE
