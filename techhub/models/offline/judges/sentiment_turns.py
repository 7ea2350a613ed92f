"""How one customer message reads in its context: the labelled reading the conversation judge weighs.

The cues of each sentence come from :mod:`.sentiment_cues`; this module adds what only the
conversation shows (:class:`Context`):

* praise with nothing else, right after the agent failed ("wonderful." after a refusal, "Fantastic."
  after a claimed action the customer already disputed) or with an intensifier while the problem is
  still open ("very useful, thanks a lot"), is sarcasm; after a real answer it is praise;
* ironic praise closing a message that first states a problem ("Rent is due Monday ... Great timing.")
  is sarcasm, whatever the agent did;
* a question asked again that the agent's reply did not address is the problem continuing, and so is
  a denial ("nope.") answering the agent's own "did that work?";
* capitals and runs of "!" or "?" only say how strongly the customer feels: with anything positive in
  the message ("IT SHIPPED!!! THANK YOU!!", "$59?? insane deal") they are excitement, not anger;
* a clause that turns from politeness with a contrast ("Thanks for checking. Honestly, ...") and says
  nothing positive is the complaint (a polite start with a negative end);
* a statement that insists after the agent's reply ("I called them twice already", "a laptop IS a
  product") is pushback: after a refusal or a claimed action any insistence counts, after a real
  answer only a firm denial ("No charger.", "It doesn't.");
* inside a message, a negative cue outweighs politeness unless a later clause says the problem is
  solved, the customer is relieved, or accepts ("... but fair enough"); a problem inferred from the
  wording gives way to any later positive cue; a worry the answer did not settle is negative; a bare
  acknowledgement after the complaint ("so you can't help me. got it.") is resignation, not a turnaround;
* a problem with "my old ..." only sets the scene for a question, except after a claimed action, where
  it is what the customer found instead ("the order page still shows my old address").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from techhub.models.offline.judges.sentiment_acts import AgentAct
from techhub.models.offline.judges.sentiment_cues import (
    ACCEPTANCE,
    ACRONYMS,
    ANGER,
    BENIGN_NEGATIONS,
    CHURN,
    COMPETITOR,
    CONFUSION,
    CONSEQUENCE,
    CONTINUING,
    DEADLINE,
    DECISION,
    DISSATISFACTION,
    EXASPERATION,
    GRATITUDE,
    IMPLIED,
    INFERRED_PROBLEM,
    IRONY,
    LEAVING,
    POLITE_COMPLAINT,
    PUSHBACK,
    RELIEF,
    RESIGNED_THANKS,
    RESOLUTION,
    SARCASM,
    SHOUTING,
    WORRY,
    CueKind,
    Signal,
    read_sentences,
    sarcastic_praise,
)
from techhub.models.offline.judges.sentiment_text import (
    CONTRAST,
    content_words,
    is_english_word,
    normalize,
    sentences,
    similarity,
)

Label = Literal["positive", "negative", "neutral"]

# When a message shows several negative kinds, the reasoning leads with the most telling one.
_NEGATIVE_PRIORITY = (
    CHURN,
    LEAVING,
    COMPETITOR,
    SARCASM,
    CONSEQUENCE,
    EXASPERATION,
    CONTINUING,
    INFERRED_PROBLEM,
    ANGER,
    SHOUTING,
    CONFUSION,
    IMPLIED,
    DISSATISFACTION,
    DEADLINE,
    PUSHBACK,
    POLITE_COMPLAINT,
    RESIGNED_THANKS,
    WORRY,
)


# Positive kinds that, later in a message, outweigh its complaint: "..., but fine", "insane. sold."
_TURNAROUND = (RESOLUTION, RELIEF, ACCEPTANCE, DECISION)


@dataclass(frozen=True)
class CustomerTurn:
    """One customer message as the judge read it."""

    number: int
    text: str
    after: AgentAct | None
    label: Label
    signals: tuple[Signal, ...] = ()
    relieved_worry: bool = False

    @property
    def kinds(self) -> tuple[CueKind, ...]:
        found = dict.fromkeys(s.kind for s in self.signals)
        if self.label == "negative":
            return tuple(sorted(found, key=_NEGATIVE_PRIORITY.index))
        return tuple(found)

    @property
    def evidence(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(e for s in self.signals for e in s.evidence))


def _combine(
    number: int, text: str, after: AgentAct | None, per_sentence: list[list[Signal]], *, answered: bool
) -> CustomerTurn:
    """A message's label from its sentences' cues (see the module docstring for the rules)."""
    found = [s for sentence in per_sentence for s in sentence]
    # A problem inferred from the wording counts unless the customer moves on to something positive,
    # or to a question of their own ("my old one broke, so: does it come with batteries?").
    sentence_texts = sentences(text)
    questions = [i for i, (t, cues) in enumerate(zip(sentence_texts, per_sentence, strict=True))
                 if _asks_plainly(t, cues)]
    found = [
        s
        for s in found
        if not (questions and after is not AgentAct.CLAIM and _background(s, sentence_texts[s.sentence]))
        and (
            s.kind is not INFERRED_PROBLEM
            or not any(p.polarity == "positive" and p.position > s.position for p in found)
        )
    ]
    negative = [
        s for s in found if s.polarity == "negative" and (not s.kind.weak or s.kind is INFERRED_PROBLEM)
    ]
    positive = [s for s in found if s.polarity == "positive"]
    worry = [s for s in found if s.kind.weak and s.kind is not INFERRED_PROBLEM]
    if negative:
        last_negative = max(s.position for s in negative)
        # A bare acknowledgement after the complaint ("so you can't help me. got it.") is resignation.
        turnaround = [
            s
            for s in positive
            if s.kind in _TURNAROUND
            and s.position > last_negative
            and not _ACKNOWLEDGEMENT.search(normalize(sentence_texts[s.sentence]))
        ]
        if turnaround:
            return CustomerTurn(number, text, after, "positive", tuple(turnaround))
        return CustomerTurn(number, text, after, "negative", tuple(negative))
    if positive:
        return CustomerTurn(
            number,
            text,
            after,
            "positive",
            tuple(positive),
            relieved_worry=any(s.kind is WORRY for s in worry),
        )
    if worry and answered:  # a worry or a deadline the agent's answer did not settle
        return CustomerTurn(number, text, after, "negative", tuple(worry))
    return CustomerTurn(number, text, after, "neutral")


# A sentence that only acknowledges: "got it.", "understood.", "ok.", "noted.".
_ACKNOWLEDGEMENT = re.compile(r"^\W*(?:ok|got it|understood|noted|i see|right|alright|roger|sure)\W*$")

# Another thing than what the customer is asking about now: "my old one", "my current mouse",
# "another brand", "died, so I'm getting a new one": a problem with it is why they shop, not a
# complaint about the answer.
_OTHER_THING = re.compile(
    r"\b(?:my|the|our) (?:old|current|previous|last|other|existing|present|former) \w+"
    r"|\b(?:another|a different|other) (?:brand|store|shop|company|model|laptop|mouse|keyboard)\b"
    r"|\b(?:a|the) new one\b|\ba replacement anyway\b|\bso (?:i|im|i am|we) (?:need|getting|buying|"
    r"looking for|shopping for) (?:a|another|a new)\b"
)


def _asks_plainly(sentence: str, signals: list[Signal]) -> bool:
    """The sentence is a question with no negative cue of its own: the customer moves on to ask."""
    return sentence.rstrip().endswith("?") and not any(s.polarity == "negative" for s in signals)


def _background(signal: Signal, sentence: str) -> bool:
    """A negative cue that only sets the scene for a question the customer asks: a problem with
    another thing than the one asked about, which is why they are shopping."""
    if signal.polarity != "negative" or sentence.rstrip().endswith("?"):
        return False
    # "It didn't work. Any other ideas?" is the problem continuing: only another thing sets a scene.
    return bool(_OTHER_THING.search(normalize(sentence)))


@dataclass(frozen=True)
class Context:
    """What the conversation shows before a customer message."""

    after: AgentAct | None = None  # the agent's act just before it
    answered: bool = False  # the agent gave a real answer (anything but a verification request) before
    unresolved: bool = False  # since the customer last sounded positive, the agent failed or they complained
    earlier: tuple[str, ...] = ()  # the customer's earlier messages
    reply: str = ""  # the agent's last reply


# What makes a reply to a refusal insist rather than move on: a negation, "already", "literally",
# "even", a comparison, surprise ("weird"), a word in capitals ("a laptop IS a product").
_INSISTENCE = re.compile(
    r"\b(?:not|no|never|nothing|nobody|none|nt|doesnt|dont|didnt|isnt|arent|wasnt|hasnt|havent|cant|cannot|wont|"
    r"already|again|twice|times|even|only|literally|still|right here|right there|cheaper|elsewhere|weird|"
    r"strange|odd|apparently|supposedly|obviously|clearly)\b"
    # The customer holds the proof of what the agent could not find: "I'm looking at the confirmation".
    r"|\bim (?:literally )?(?:looking at|staring at|holding)\b"
    r"|\b(?:i|we) (?:have|got|received|can see) (?:\w+ )?(?:orders?|e-?mails?|confirmations?|receipts?|"
    r"tracking|invoices?|charges?)\b"
)
# After a real answer the bar is higher: a sentence that opens with a denial ("No charger.", "It
# doesn't."), or "already", "literally", "even", "again".
_FIRM_INSISTENCE = re.compile(
    r"(?:^|[.!,;]\s+)(?:no|nope|not|nothing|nobody|never|it (?:doesnt|didnt|isnt|wasnt|hasnt|wont|cant))\b"
    r"|\b(?:already|literally|even|again|twice)\b"
)
_CORRECTION = re.compile(r"^\W*(?:thats|that is|its|it is|this is|those are) (?:a|an|the) \w+(?: \w+)?\W*$")
_CAPITALS = re.compile(r"\b[A-Z]{2,}\b")
_DETAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+|\bORD[-\s]?\d{4}[-\s]?\d{4}\b|\b\d{3,}\b", re.IGNORECASE)
# The agent asks whether the problem is gone: "Is it behaving now?", "Did that fix it?", "Any better?".
_ASKS_IF_FIXED = re.compile(
    r"\b(?:is it|is that|is the \w+|does it|did (?:that|it|this)|has (?:that|it|this)|are you|any)\b"
    r"[^.?!]{0,30}\b(?:work\w*|behav\w*|fix\w*|help\w*|solv\w*|resolv\w*|better|sort\w*|stopp?\w*)\b[^.!]*\?"
)
# The customer's message opens with a denial: "nope.", "no, it ...", "not really", "still no".
_DENIAL = re.compile(r"^\W*(?:no|nope|nah|negative|not really|not at all|still no|still not)\b(?!\W+thank)")
_ANOTHER_QUESTION = re.compile(r"\b(?:one more|another|also a|quick) (?:question|thing)\b", re.IGNORECASE)


def _asks_again(question: str, context: Context) -> bool:
    """The customer asks again what they asked before, and the agent's reply did not address it.

    Either the same question almost word for word, or one whose subject (most of its content words)
    was already asked about, while the agent's last reply mentions none of those words.
    """
    if any(similarity(question, e) >= 0.8 for e in context.earlier):
        return True
    words = content_words(question)
    asked = frozenset().union(*(content_words(e) for e in context.earlier))
    overlap = words & asked
    return (
        bool(words)
        and len(overlap) >= max(2, 0.6 * len(words))
        and not overlap & content_words(context.reply)
    )


def read_customer_turn(number: int, text: str, context: Context) -> CustomerTurn:
    """Read one customer message in its context (see :class:`Context`)."""
    per_sentence = read_sentences(text, answered=context.answered)
    last = len(per_sentence) - 1
    # Capitals and "??" only say how strongly: with anything positive in the message, it is excitement.
    if any(s.polarity == "positive" for sentence in per_sentence for s in sentence):
        per_sentence = [[s for s in sentence if s.kind is not SHOUTING] for sentence in per_sentence]
    # Praise right after a failure, or praise with an intensifier while the problem is still open,
    # is sarcasm: "wonderful." after a refusal, "very useful, thanks a lot" after a useless answer.
    after = context.after
    just_failed = after is not None and (
        after.failed or (context.unresolved and after in (AgentAct.CLAIM, AgentAct.REPEAT))
    )
    # "that's a laptop stand. 10/10 service": the customer corrects the answer, then praises it.
    corrected = any(_CORRECTION.search(normalize(clause)) for clause in sentences(text)[:-1])
    just_failed = just_failed or corrected
    open_problem = just_failed or context.unresolved
    # "oh great, not too late then. thanks!" is glad, not ironic: an exclamation with thanks is sincere.
    sincere = text.rstrip().endswith("!") and any(
        s.kind is GRATITUDE for sentence in per_sentence for s in sentence
    )
    irony = None if sincere else IRONY.search(normalize(text))
    # Right after a failure even "Perfect, thank you so much!" can be bitter; with only an earlier
    # complaint open (the agent answered since), an exclamation with thanks is sincere.
    praise = None if sincere and not just_failed else sarcastic_praise(text, flat_counts=just_failed)
    # Ironic praise closing a message that first states a problem ("Rent is due Monday ... Great
    # timing.") is sarcasm too, whatever the agent did.
    complained = any(s.polarity == "negative" for sentence in per_sentence[:last] for s in sentence)
    ironic = irony and irony.group(0)
    sarcasm = (open_problem and (praise or ironic)) or (complained and ironic)
    if sarcasm:
        per_sentence = [[s for s in sentence if s.polarity == "negative"] for sentence in per_sentence]
        per_sentence[last].append(Signal(SARCASM, (sarcasm,), last))
    if context.answered and text.rstrip().endswith("?") and _asks_again(text, context):
        per_sentence[last].append(Signal(CONTINUING, ("the same question again",), last))
    # The agent asked whether its fix worked, and the customer says no: the problem continues.
    denial = _DENIAL.search(normalize(text))
    if after is AgentAct.QUESTION and denial and _ASKS_IF_FIXED.search(normalize(context.reply)):
        per_sentence[0].append(Signal(CONTINUING, (denial.group(0).strip(),), 0))
    _mark_polite_complaint(text, per_sentence)
    replied = after is not None and after not in (AgentAct.VERIFY, AgentAct.VERIFY_AGAIN, AgentAct.QUESTION)
    if replied and _pushes_back(text, per_sentence, firm=not (after.failed or after is AgentAct.CLAIM)):
        per_sentence[last].append(Signal(PUSHBACK, (sentences(text)[-1].strip(),), last))
    return _combine(number, text, context.after, per_sentence, answered=context.answered)


def _mark_polite_complaint(text: str, per_sentence: list[list[Signal]]) -> None:
    """ "Thanks for checking. Honestly, this has been ..." : a clause that turns from politeness with a
    contrast ("but", "though", "honestly") and says nothing positive itself is the complaint."""
    polite = False
    for index, (clause, signals) in enumerate(zip(sentences(text), per_sentence, strict=True)):
        positive = any(s.polarity == "positive" for s in signals)
        plain = not signals and not clause.rstrip().endswith("?") and not _ANOTHER_QUESTION.search(clause)
        if polite and plain and CONTRAST.search(normalize(clause)):
            signals.append(Signal(POLITE_COMPLAINT, (clause.strip(),), index))
        polite |= positive


def _pushes_back(text: str, per_sentence: list[list[Signal]], *, firm: bool) -> bool:
    """After the agent's reply, a statement that neither accepts it nor asks something new, and insists:
    "I called them twice already", "a laptop IS a product", "I got the shipping email, not a
    cancellation", "Checked. Unpacked everything. No charger." Details the customer gives (an email,
    an order id) are not pushback, nor an answer to the agent's own question. ``firm``: the agent gave
    a real answer, so only a firm denial counts (see ``_FIRM_INSISTENCE``)."""
    if any(per_sentence) or text.rstrip().endswith("?"):
        return False
    if _DETAIL.search(text) and len(text.split()) <= 8:
        return False
    plain = BENIGN_NEGATIONS.sub(" ", normalize(text))
    return bool((_FIRM_INSISTENCE if firm else _INSISTENCE).search(plain) or _stressed_word(text))


def _stressed_word(text: str) -> bool:
    """An ordinary word in capitals inside a normal sentence ("a laptop IS a product"); not an
    acronym ("AAA", "USB") and not a message typed all in capitals."""
    words = _CAPITALS.findall(text)
    return 0 < len(words) < len(text.split()) / 2 and any(
        w not in ACRONYMS and is_english_word(w.lower()) for w in words
    )
