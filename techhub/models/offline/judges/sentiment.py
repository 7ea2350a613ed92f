"""The offline sentiment judge: the workshop's "User Sentiment" rubric, made deterministic.

A real judge model reads the conversation and weighs it; this one applies the rubric of the prompt:

* each customer message is split into clauses and each clause read for cues: gratitude or resolution
  (positive); dissatisfaction, confusion, anger or demands, implied negativity, sarcasm (negative); a
  problem that continues after the agent answered, including the customer saying that something is
  not so ("it doesn't apply", "nothing has changed"; benign negations such as "no problem" aside)
  (negative);
* a message's sentiment is its last clause with a cue, except that a continuing problem outweighs
  politeness ("thanks, but it still doesn't work" is negative);
* the conversation's sentiment is that of the last customer message with a cue (the final messages
  weigh most); with no cue at all it is neutral, which counts as positive;
* the agent asking for an email to verify identity, and the customer giving it, count for nothing;
  a problem stated in the opening request (before any real answer) is the reason for contacting
  support, not dissatisfaction.

Text is lower-cased, accents folded and near-miss spellings of cue words corrected, so typos and
lower case read like the intended words. The reasoning quotes the deciding message and names its cues.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

Label = Literal["positive", "negative", "neutral"]


@dataclass(frozen=True)
class Cue:
    """A rule of the rubric: what it looks for, and the words the reasoning uses for it."""

    kind: str
    label: Label
    pattern: re.Pattern[str]


def _cue(kind: str, label: Label, *alternatives: str) -> Cue:
    return Cue(kind, label, re.compile(r"(?:" + "|".join(alternatives) + r")"))


# Patterns run on normalised text: lower case, apostrophes removed ("doesnt", "im", "ill").
NEGATIVE_CUES = (
    _cue(
        "sarcasm",
        "negative",
        r"\bthanks? (?:a lot )?for nothing\b",
        r"\bjust great\b",
        r"\boh (?:great|perfect|wonderful)\b",
        r"\byeah right\b",
        r"\bthanks? anyway\b",
        r"\bthanks? for trying\b",
        r"\bbig help\b",
    ),
    _cue(
        "implied negativity",
        "negative",
        r"\bwhatever\b",
        r"\bfigure it out (?:myself|on my own)\b",
        r"\bforget (?:it|about it)\b",
        r"\bnever ?mind\b",
        r"\bnvm\b",
        r"\bdont bother\b",
        r"\b(?:buy|order|ordered|shop|go|going)\b.{0,20}\b(?:elsewhere|somewhere else)\b",
        r"\bi give up\b",
        r"\bdoesnt matter anymore\b",
        r"\blive with it\b",
        r"\bif you say so\b",
        r"\bisnt going anywhere\b",
        r"\bgoing (?:nowhere|in circles)\b",
        r"^\W*fine\W*$",
        r"\b(?:ill|i will) (?:just )?(?:call|email|ask|try|go|look|shop|buy)\b.{0,20}"
        r"\b(?:instead|elsewhere)\b",
        r"\bnever (?:shopping|ordering|buying|coming back|using)\b.{0,15}\bagain\b",
        r"\b(?:last time i|take my business)\b",
    ),
    _cue(
        "confusion",
        "negative",
        r"\bconfus(?:ed|ing)\b",
        r"\b(?:dont|do not|didnt) (?:understand|get it)\b",
        r"\b(?:makes|made) no sense\b",
        r"\bdoesnt make (?:any )?sense\b",
        r"\bwhat do you mean\b",
        r"\bim lost\b",
        r"\bunclear\b",
        r"\bsaid two different things\b",
        r"\bwhich one is it\b",
    ),
    _cue(
        "anger or a demand",
        "negative",
        r"\bridiculous\b",
        r"\bunacceptable\b",
        r"\bwhat the (?:heck|hell|fuck)\b",
        r"\bwtf\b",
        r"\bwth\b",
        r"\bare you (?:kidding|serious|joking)\b",
        r"\bseriously\s*\?",
        r"\b(?:i want|give me) (?:a |my )?(?:refund|money back)\b",
        r"\b(?:get me|talk to|speak (?:to|with)|want) (?:a |an |your )?"
        r"(?:manager|supervisor|human|real person)\b",
        r"\bright now\b",
        r"\bfurious\b",
        r"\bangry\b",
        r"\bfed up\b",
        r"\bsick of\b",
        r"\bscam\b",
        r"\brip ?off\b",
        r"\bugh+\b",
        r"\b(?:this is|thats|its|what) (?:a |such a )?joke\b",
        r"\bunbelievable\b",
        r"\bbeyond (?:frustrating|annoying|ridiculous|a joke)\b",
        r"\b(?:absurd|outrageous|insane|shocking)\b",
        r"\bnot listening\b",
        r"\byou (?:dont|didnt|arent|are not|never|wont) "
        r"(?:listen|listening|read|reading|understand|answer|help)",
        r"\byou keep (?:saying|repeating|telling)\b",
    ),
    _cue(
        "dissatisfaction",
        "negative",
        r"\buseless\b",
        r"\bterrible\b",
        r"\bawful\b",
        r"\bhorrible\b",
        r"\bworst\b",
        r"\bpathetic\b",
        r"\bdisappoint(?:ed|ing)\b",
        r"\bfrustrat(?:ed|ing)\b",
        r"\bannoy(?:ed|ing)\b",
        r"\bwaste of (?:time|money)\b",
        r"\b(?:misleading|robbery|typical|meh|lame|rude|incompetent|lied|a lie)\b",
        r"\b(?:not|never|isnt|wasnt) (?:very |really |that |so |at all |particularly )?"
        r"(?:helpful|useful|happy|satisfied|good|great|clear|acceptable|ok|okay|"
        r"what i (?:asked|needed|wanted))\b",
        r"\bnot (?:helpful|useful) at all\b",
        r"\bunhelpful\b",
        r"\bunhappy\b",
        r"\bdissatisfied\b",
        r"\bno help\b",
        r"\bnobody (?:has )?(?:answered|replied|responded|helped)\b",
        r"\bno one (?:has )?(?:answered|replied|responded|helped)\b",
    ),
)

# A problem that continues after the agent's answer ("still doesn't work", "never received").
CONTINUING_PROBLEM = _cue(
    "a problem that continues",
    "negative",
    # After the agent answered, "still <something>" is a problem that persists, unless it is good news.
    r"\bstill\b(?! (?:available|in stock|under warranty|valid|eligible|open|good|works|working fine|"
    r"have a question|on sale|the best|love|like|want|need to know))(?= \w)",
    r"\bnot (?:fixed|resolved|solved|working|sorted)\b",
    r"\b(?:doesnt|dont|didnt|wont|isnt) (?:work|working|help|fix)\b",
    r"\b(?:keeps|kept) (?:\w+ing)\b",
    r"\bnever (?:received|got|arrived|came|heard|showed up|turned up|happened|came through)\b",
    r"\byou promised\b",
    # After the agent answered, the customer reporting that something is not so ("it doesn't apply",
    # "no it wasn't", "nothing has changed", "there was no guide") is the problem continuing.
    r"\b(?:doesnt|dont|didnt|hasnt|havent|wasnt|werent|isnt|arent|wont|cant|cannot|couldnt|not|never|"
    r"nothing|nobody|no one)\b",
    r"\bno (?!\w+ly\b)\w+",
    r"\b(?:hasnt|havent|has not|have not) (?:been|arrived|shipped|come|received|gotten|heard)\b",
    r"\b(?:shows|says) (?:no|nothing)\b",
    r"\bno refund\b",
    r"\bnothing (?:here|arrived|came)\b",
    r"\bis missing\b",
    r"\bits been (?:\w+ )?(?:days|weeks|months|ages|forever)\b",
)

POSITIVE_CUES = (
    _cue(
        "gratitude",
        "positive",
        r"\bthank(?:s|you| you| u)?\b",
        r"\bthx\b",
        r"\bty\b",
        r"\btysm\b",
        r"\bcheers\b",
        r"\bappreciate(?:d)?\b",
        r"\bgrateful\b",
        r"\bhelpful\b",
        r"\bthat helps\b",
        r"\bhelps a lot\b",
        r"\blifesaver\b",
        r"\bgracias\b",
        r"\bmerci\b",
        r"\bdanke\b",
        r"\bgrazie\b",
        r"\bobrigad[oa]\b",
    ),
    _cue(
        "resolution",
        "positive",
        r"\b(?:its|that|thats|it is) (?:fixed|working|clear|resolved|sorted)\b",
        r"\bworks (?:now|again|perfectly|great)\b",
        r"\bit works\b",
        r"\bfixed it\b",
        r"\bthat did it\b",
        r"\bgot it\b",
        r"\bfound it\b",
        r"\bi see it\b",
        r"\bmakes sense\b",
        r"\bclear now\b",
        r"\ball set\b",
        r"\bthat answers it\b",
        r"\bgood to know\b",
        r"\bsounds good\b",
        r"\bno problem\b",
        r"\bno worries\b",
        r"\brelief\b",
    ),
    _cue(
        "satisfaction",
        "positive",
        r"\bgreat\b",
        r"\bperfect(?:o)?\b",
        r"\bawesome\b",
        r"\bexcellent\b",
        r"\bwonderful\b",
        r"\bfantastic\b",
        r"\bamazing\b",
        r"\bbrilliant\b",
        r"\blovely\b",
        r"\bcool\b",
        r"\bnice\b",
        r"\bexactly what i needed\b",
        r"\bhave a (?:good|great|nice) day\b",
    ),
)

POSITIVE_EMOJI = frozenset("👍🙏😊🙂😀😃😄😁🎉❤♥💯✅🥳😍")
NEGATIVE_EMOJI = frozenset("😡😠🤬😤👎😞😢😭🙄😒😩😫💢")

# Words the cues are written with, for typo correction (short words are corrected only via the map).
VOCABULARY = sorted(
    set(
        """
        thanks thank appreciate appreciated helpful grateful cheers great perfect awesome excellent wonderful
        fantastic amazing brilliant lovely working works fixed resolved sorted clear understand confused
        confusing sense useless terrible awful horrible worst pathetic disappointed disappointing frustrated
        frustrating annoyed annoying ridiculous unacceptable furious whatever forget bother nothing still
        received arrived shipped cancelled refund missing waiting anything everything manager supervisor
        serious kidding never doesnt didnt hasnt havent helps lifesaver
        """.split()
    )
)
SHORT_TYPOS = {
    "stil": "still",
    "thnx": "thanks",
    "thanx": "thanks",
    "tnx": "thanks",
    "thks": "thanks",
    "thnks": "thanks",
    "ur": "your",
    "u": "you",
    "pls": "please",
    "plz": "please",
}

_ACRONYMS = frozenset(
    "ORD USB HDMI SSD HDD RAM CPU GPU LED OLED LCD USA FAQ API ASAP AUX SMS IOS USD EUR GBP".split()
)
_SHOUT_WORD = re.compile(r"\b[A-Z]{3,}\b")
_CLAUSE_SPLIT = re.compile(r"(?<=[.!?;])\s+|,\s*(?:but|though|however)\b|\s+but\s+|\n+")


_VOCAB_SET = frozenset(VOCABULARY)


@lru_cache(maxsize=4096)
def _correct(word: str) -> str:
    if word in SHORT_TYPOS:
        return SHORT_TYPOS[word]
    if len(word) < 5 or not word.isalpha() or word in _VOCAB_SET:
        return word
    match = difflib.get_close_matches(word, VOCABULARY, n=1, cutoff=0.84)
    # "acceptable" is a word of its own, not a typo of "unacceptable": never grow a word into a longer one.
    return match[0] if match and word not in match[0] else word


def normalize(text: str) -> str:
    """Lower case, accents folded, apostrophes dropped ("doesn't" -> "doesnt"), typos corrected."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    folded = re.sub(r"['\u2019`]", "", folded)
    return "".join(_correct(part) for part in re.split(r"(\W+)", folded))


def _shouting(text: str) -> list[str]:
    """Capitalised words that are not acronyms or ids, and runs of ``!`` / ``?``: shouting."""
    words = [w for w in _SHOUT_WORD.findall(text) if w not in _ACRONYMS]
    marks = re.findall(r"!{2,}|\?{2,}|\?!|!\?", text)
    letters = [c for c in text if c.isalpha()]
    mostly_caps = len(letters) >= 8 and sum(c.isupper() for c in letters) / len(letters) > 0.7
    loud = mostly_caps or len(words) >= 2 or any(f"{w}!" in text for w in words)
    return (words if loud else []) + marks


def _emoji(text: str, emoji: frozenset[str], emoticons: tuple[str, ...]) -> list[str]:
    return [c for c in text if c in emoji] + [e for e in emoticons if e in text]


# Negations that are not complaints, removed before looking for a continuing problem.
BENIGN_NEGATIONS = re.compile(
    r"\b(?:no|not an?) (?:problem|worries|worry|rush|hurry|need|thanks|big deal)\b|\bnot bad\b|"
    r"\b(?:didnt|did not|never) (?:know|realize|realise|notice)\b|\bcant (?:wait|complain)\b|"
    r"\bcouldnt be (?:happier|better)\b|\bdont worry\b|"
    r"\b(?:dont|do not) (?:need|have) (?:anything|any other|any more|any further|more|other)\b|"
    r"\b(?:nothing|no) (?:else|more|further)\b|^\W*no\W+(?:thats|that is|its) (?:all|it)\b"
)


@dataclass(frozen=True)
class Hit:
    """One cue found in a clause."""

    label: Label
    kind: str
    evidence: tuple[str, ...]


def _clause_hits(clause: str, *, opening: bool) -> list[Hit]:
    """Every cue of the rubric found in one clause of a customer message."""
    normalized = normalize(clause)
    hits = []
    cues = [*NEGATIVE_CUES, *([] if opening else [CONTINUING_PROBLEM]), *POSITIVE_CUES]
    for cue in cues:
        text = BENIGN_NEGATIONS.sub(" ", normalized) if cue is CONTINUING_PROBLEM else normalized
        found = tuple(dict.fromkeys(m.group(0) for m in cue.pattern.finditer(text)))
        if found:
            hits.append(Hit(cue.label, cue.kind, found))
    bad = _emoji(clause, NEGATIVE_EMOJI, (":(", ":-(", ">:("))
    if bad:
        hits.append(Hit("negative", "dissatisfaction", tuple(bad)))
    good = _emoji(clause, POSITIVE_EMOJI, (":)", ":-)", ":D"))
    if good:
        hits.append(Hit("positive", "satisfaction", tuple(good)))
    shouted = _shouting(clause)
    # "THANK YOU!!" and "it works now!!" are enthusiasm; shouting is anger only without a positive cue.
    if shouted and not any(h.label == "positive" for h in hits):
        hits.append(Hit("negative", "anger or a demand", tuple(shouted)))
    return hits


def _clause_label(hits: list[Hit]) -> Label:
    if any(h.label == "negative" for h in hits):
        return "negative"
    return "positive" if hits else "neutral"


@dataclass(frozen=True)
class Reading:
    """What one customer message says: its sentiment and the cues that made it so."""

    text: str
    label: Label
    kinds: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        return " and ".join(self.kinds)


def _reading(text: str, label: Label, hits: list[Hit]) -> Reading:
    chosen = [h for h in hits if h.label == label]
    kinds = tuple(dict.fromkeys(h.kind for h in chosen))
    evidence = tuple(dict.fromkeys(e for h in chosen for e in h.evidence))
    return Reading(text, label, kinds, evidence)


def read_customer_message(text: str, *, opening: bool = False) -> Reading:
    """The sentiment of one customer message.

    ``opening``: the message comes before the agent gave any real answer, so a problem it states is
    the reason for contacting support, not a complaint about the agent.
    """
    clauses = [c for c in _CLAUSE_SPLIT.split(text) if c and c.strip()] or [text]
    per_clause = [_clause_hits(clause, opening=opening) for clause in clauses]
    continuing = [
        i for i, hits in enumerate(per_clause) if any(h.kind == CONTINUING_PROBLEM.kind for h in hits)
    ]
    if continuing:
        # A problem that persists outweighs politeness ("thanks, but it still doesn't work") unless a
        # later clause says it got resolved ("... but now it works").
        later = [h for hits in per_clause[continuing[-1] + 1 :] for h in hits]
        if not any(h.kind == "resolution" for h in later):
            negatives = [h for hits in per_clause for h in hits if h.label == "negative"]
            return _reading(text, "negative", negatives)
    for hits in reversed(per_clause):
        label = _clause_label(hits)
        if label == "negative":  # quote every negative cue of the message, not only the last clause's
            return _reading(text, label, [h for clause_hits in per_clause for h in clause_hits])
        if label == "positive":
            return _reading(text, label, hits)
    return Reading(text, "neutral")


_VERIFICATION_REQUEST = re.compile(
    r"\b(?:e-?mail|identity|verify|verification)\b.*\?|\b(?:verify|confirm|share|provide|give me)\b.{0,40}"
    r"\b(?:e-?mail|identity)\b",
    re.IGNORECASE | re.DOTALL,
)


def is_verification_request(ai_text: str) -> bool:
    """The agent asks the customer to identify themselves (expected, never held against it)."""
    return bool(_VERIFICATION_REQUEST.search(ai_text))


def _quote(text: str, limit: int = 200) -> str:
    flat = " ".join(text.split())
    return f'"{flat if len(flat) <= limit else flat[: limit - 3] + "..."}"'


@dataclass(frozen=True)
class Verdict:
    sentiment: Literal["positive", "negative"]
    reasoning: str
    deciding_message: str | None


def judge_conversation(turns: list[tuple[str, str]]) -> Verdict:
    """Apply the rubric to ``[("human" | "ai", text), ...]`` (the parsed ``human_ai_pairs``)."""
    readings: list[Reading] = []
    answered = False  # has the agent given a real answer yet (not just asked for an email)?
    verification_asked = False
    for speaker, text in turns:
        if speaker == "ai":
            if is_verification_request(text):
                verification_asked = True
            else:
                answered = True
            continue
        readings.append(read_customer_message(text, opening=not answered))
    if not readings:
        return Verdict(
            "positive",
            "The conversation has no customer message, so no sentiment is shown: neutral, "
            "which counts as positive.",
            None,
        )
    notes = []
    if verification_asked:
        notes.append("The agent's request for email verification is expected and not held against it.")
    deciding = next((r for r in reversed(readings) if r.label != "neutral"), None)
    if deciding is None:
        last = readings[-1]
        reason = (
            f"No customer message shows gratitude or dissatisfaction; the last one, {_quote(last.text)}, "
            "is neutral, and neutral counts as positive."
        )
        return Verdict("positive", " ".join([reason, *notes]), last.text)
    cues = ", ".join(_quote(e, 60) for e in dict.fromkeys(deciding.evidence))
    position = "final" if deciding is readings[-1] else "last sentiment-bearing"
    reason = f"The customer's {position} message, {_quote(deciding.text)}, shows {deciding.kind} ({cues})."
    earlier = [r for r in readings if r is not deciding and r.label not in ("neutral", deciding.label)]
    if deciding.label == "positive":
        if earlier:
            resolved = earlier[-1]
            notes.insert(0, f"Earlier {resolved.kind} ({_quote(resolved.text)}) was resolved by the end.")
        conclusion = "The final messages weigh most, so the overall sentiment is positive."
    else:
        if earlier:
            notes.insert(0, f"Earlier {earlier[-1].kind} ({_quote(earlier[-1].text)}) does not outweigh it.")
        conclusion = "The customer ends dissatisfied, so the overall sentiment is negative."
    return Verdict(deciding.label, " ".join([reason, *notes, conclusion]), deciding.text)
