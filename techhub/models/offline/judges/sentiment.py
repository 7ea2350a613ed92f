"""The offline sentiment judge: the workshop's "User Sentiment" rubric, applied to the conversation.

A real judge model reads the whole conversation; this one reads what the conversation shows, turn by
turn (agent acts in :mod:`.sentiment_acts`, customer cues in :mod:`.sentiment_cues`):

* what the agent did in each turn: asked to verify, asked a question, refused, sent the customer
  elsewhere, claimed an action, repeated itself, answered;
* what each customer message says, sentence by sentence, by kind of cue: gratitude, resolution,
  relief (positive); anger, dissatisfaction, confusion, implied negativity, churn, a problem that
  continues, exasperation at the agent's limits, a consequence of the failure, sarcasm (negative).
  The same words read differently after different acts: praise with nothing else ("wonderful.") is
  sarcasm after a refusal; a question repeated after an answer is the problem continuing; a problem
  stated before any answer is why the customer writes, not a complaint;
* inside a message, a negative cue outweighs politeness ("thanks, but I'll shop elsewhere") unless a
  later sentence says the problem is solved ("I was worried, but it arrived, thanks");
* across the conversation, the last customer message with a cue decides (the final messages weigh
  most), earlier turns only explain how the tone moved; with no cue the conversation is neutral,
  which counts as positive; the agent asking for an email to verify identity is never held against it.

The reasoning names the turn, the agent's act before it, the kind of signal that decided and the cues,
and quotes the deciding message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Literal

from techhub.models.offline.judges.sentiment_acts import AgentAct, classify_agent_turn
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
    CONFUSION,
    IMPLIED,
    DISSATISFACTION,
    DEADLINE,
    PUSHBACK,
    POLITE_COMPLAINT,
    RESIGNED_THANKS,
    WORRY,
)


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


@dataclass(frozen=True)
class Verdict:
    sentiment: Literal["positive", "negative"]
    reasoning: str
    deciding_message: str | None


def _combine(
    number: int, text: str, after: AgentAct | None, per_sentence: list[list[Signal]], *, answered: bool
) -> CustomerTurn:
    """A message's label from its sentences' cues (see the module docstring for the rules)."""
    found = [s for sentence in per_sentence for s in sentence]
    # A problem inferred from the wording counts unless the customer moves on to something positive.
    found = [
        s
        for s in found
        if s.kind is not INFERRED_PROBLEM
        or not any(p.polarity == "positive" and p.position > s.position for p in found)
    ]
    negative = [
        s for s in found if s.polarity == "negative" and (not s.kind.weak or s.kind is INFERRED_PROBLEM)
    ]
    positive = [s for s in found if s.polarity == "positive"]
    worry = [s for s in found if s.kind.weak and s.kind is not INFERRED_PROBLEM]
    if negative:
        last_negative = max(s.position for s in negative)
        turnaround = [
            s for s in positive if s.kind in (RESOLUTION, RELIEF, ACCEPTANCE) and s.position > last_negative
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
    r"already|again|twice|times|even|literally|still|right here|right there|cheaper|elsewhere|weird|strange|"
    r"odd|apparently|supposedly|obviously|clearly)\b"
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
    sarcasm = open_problem and (sarcastic_praise(text, flat_counts=just_failed) or (irony and irony.group(0)))
    if sarcasm:
        per_sentence = [[s for s in sentence if s.polarity == "negative"] for sentence in per_sentence]
        per_sentence[last].append(Signal(SARCASM, (sarcasm,), last))
    if context.answered and text.rstrip().endswith("?") and _asks_again(text, context):
        per_sentence[last].append(Signal(CONTINUING, ("the same question again",), last))
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


def judge_conversation(turns: list[tuple[str, str]]) -> Verdict:
    """Apply the rubric to ``[("human" | "ai", text), ...]`` (the parsed ``human_ai_pairs``)."""
    customer: list[CustomerTurn] = []
    agent_replies: list[str] = []
    context = Context()
    verification_asked = False
    for speaker, text in turns:
        if speaker == "ai":
            act = classify_agent_turn(text, agent_replies)
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
