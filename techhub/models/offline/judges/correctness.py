"""The offline correctness judge: compare the facts of an answer with those of the reference.

A real judge model reads both texts and checks that the answer says what the reference says. This
one extracts the facts a support answer is judged on (order ids, money amounts, dates, order
statuses, product names, email addresses, phone numbers) and fails the answer when one of the
reference's facts is missing or contradicted. A contradiction is about one subject: the answer says
something else *instead* of the reference's value for the same order (another status, date or amount
for it, and not the reference's). Extra facts are not contradictions: other orders listed, other
products' prices, the phone number's digits next to "1-800-TECHHUB", a policy's status names.
It also fails an answer that claims an action (cancelling, refunding, changing an order) which the
reference says did not or cannot happen: the hallucination the workshop's data flywheel catches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from techhub.db.customers import EMAIL_PATTERN

ORDER_ID = re.compile(r"\bORD[-\s]?(\d{4})[-\s]?(\d{4})\b", re.IGNORECASE)
PHONE = re.compile(
    r"(?<![\w-])(?:\+?1[\s.-]?)?(?:\(\d{3}\)|\d{3})[\s.-]?(?:\d{3}[\s.-]?\d{4}|[A-Z]{4,}\d*)(?![\w-])"
)
MONEY = re.compile(r"\$\s?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?|\b(\d+(?:\.\d{1,2})?)\s?(?:USD|dollars)\b")
STATUS = re.compile(r"\b(processing|shipped|delivered|cancell?ed)\b", re.IGNORECASE)
STATUS_NEGATION = re.compile(
    r"(?:\bnot|n['\u2019]?t|\bnever|\byet to|\bno longer)\b(?:\s+\w+){0,2}\s*$", re.IGNORECASE
)
_MONTHS = (
    "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|"
    "oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
DATE = re.compile(
    rf"\b(\d{{4}}-\d{{2}}-\d{{2}})\b|\b((?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?)\b"
    rf"|\b(\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTHS})(?:,?\s+\d{{4}})?)\b|\b(\d{{1,2}}/\d{{1,2}}/\d{{4}})\b",
    re.IGNORECASE,
)
# Capitalised words (or model numbers) in a row: product names such as "Sony WH-1000XM5".
_NAME_WORD = r"(?:[A-Z][\w+-]*|\d[\w+.-]*[A-Za-z][\w+-]*)"
PRODUCT_NAME = re.compile(rf"\b[A-Z][\w+-]*(?:[ \t]+{_NAME_WORD})+")
_NOT_NAME_WORDS = frozenset(
    """I I'm I've I'll I'd A An The To However Please You Your Our We It It's This That They He She
    Thank Thanks Hello Hi Dear Yes No Sorry Unfortunately Also And But Or If When Once Then So My Let
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July
    August September October November December Processing Shipped Delivered Cancelled Canceled
    Customer Support Team Email Phone Order Orders Status Every All Each Most Any Our""".split()
)


@dataclass(frozen=True)
class Fact:
    kind: str
    value: str  # normalised, for comparison
    shown: str  # as written in the text, for the comment


def _order_ids(text: str) -> list[Fact]:
    return [Fact("order id", "ORD-{}-{}".format(*m.groups()), m.group(0)) for m in ORDER_ID.finditer(text)]


def _emails(text: str) -> list[Fact]:
    return [Fact("email", m.group(0).lower(), m.group(0)) for m in EMAIL_PATTERN.finditer(text)]


def _phones(text: str) -> list[Fact]:
    cleaned = EMAIL_PATTERN.sub(" ", ORDER_ID.sub(" ", text))
    facts = []
    for m in PHONE.finditer(cleaned):
        digits = re.sub(r"[^0-9A-Z]", "", m.group(0).upper())
        if digits.startswith("1") and len(digits) > 10:
            digits = digits[1:]  # "1-800-TECHHUB" and "800-TECHHUB" are the same number
        facts.append(Fact("phone", digits, m.group(0)))
    return facts


def _money(text: str) -> list[Fact]:
    facts = []
    for m in MONEY.finditer(ORDER_ID.sub(" ", text)):
        whole, cents, plain = m.groups()
        amount = float(plain) if plain else float(whole.replace(",", "") + "." + (cents or "0"))
        facts.append(Fact("amount", f"{amount:.2f}", m.group(0).strip()))
    return facts


def _parse_date(text: str) -> date | None:
    cleaned = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text.replace(",", " ").replace(".", " "))
    cleaned = " ".join(cleaned.split())
    for fmt in (
        "%Y-%m-%d",
        "%B %d %Y",
        "%b %d %Y",
        "%d %B %Y",
        "%d %b %Y",
        "%m/%d/%Y",
        "%B %d",
        "%b %d",
        "%d %B",
        "%d %b",
    ):
        try:
            parsed = datetime.strptime(cleaned, fmt)  # month names match in any case
        except ValueError:
            continue
        return parsed.date()
    return None


def _dates(text: str) -> list[Fact]:
    facts = []
    for m in DATE.finditer(text):
        written = next(g for g in m.groups() if g)
        parsed = _parse_date(written)
        if parsed is not None:
            has_year = bool(re.search(r"\d{4}", written))
            value = parsed.isoformat() if has_year else parsed.strftime("--%m-%d")
            facts.append(Fact("date", value, written))
    return facts


def _statuses(text: str) -> list[Fact]:
    facts = []
    for m in STATUS.finditer(text):
        if STATUS_NEGATION.search(text[max(0, m.start() - 30) : m.start()]):
            continue  # "has not shipped yet" does not state the status Shipped
        word = m.group(1).lower().replace("canceled", "cancelled")
        facts.append(Fact("status", word, word.capitalize()))
    return facts


def _product_names(text: str) -> list[Fact]:
    facts = []
    for m in PRODUCT_NAME.finditer(EMAIL_PATTERN.sub(" ", ORDER_ID.sub(" ", text))):
        words = m.group(0).split()
        while words and words[0] in _NOT_NAME_WORDS:
            words.pop(0)
        if len(words) >= 2 and not all(w in _NOT_NAME_WORDS for w in words):
            name = " ".join(words)
            facts.append(Fact("product", re.sub(r"[\s-]+", " ", name.lower()), name))
    return facts


FACT_EXTRACTORS = (_order_ids, _statuses, _money, _dates, _emails, _phones)


def _normalized_text(text: str) -> str:
    return re.sub(r"[\s-]+", " ", text.lower())


# Claims of having done something, and the verbs a reference uses to say it cannot / did not happen.
ACTION_CLAIMS: dict[str, re.Pattern[str]] = {
    "cancelled the order": re.compile(
        r"\b(?:i|we)(?:'ve| have)?\s+(?:successfully\s+|now\s+|already\s+)?"
        r"(?:cancell?ed|initiated (?:the |a |your )?cancell?ation|processed (?:the |a |your )?cancell?ation|"
        r"submitted (?:the |a |your )?cancell?ation)"
        r"|\bcancell?ation (?:has been|is|was) (?:initiated|processed|confirmed|submitted|complete)"
        r"|\border\b.{0,30}\b(?:has been|is now|was|is) (?:successfully )?cancell?ed\b"
        r"|\b(?:i|we)(?:'ll| will) cancel\b",
        re.IGNORECASE,
    ),
    "processed a refund": re.compile(
        r"\b(?:i|we)(?:'ve| have)?\s+(?:successfully\s+|now\s+|already\s+)?(?:processed|issued|initiated)\s+"
        r"(?:a |the |your )?(?:full |partial )?refund"
        r"|\brefund (?:has been|was|is being|will be) (?:processed|issued|initiated)",
        re.IGNORECASE,
    ),
    "changed the order or address": re.compile(
        r"\b(?:i|we)(?:'ve| have)\s+(?:successfully\s+)?(?:updated|changed|modified)\s+(?:your|the)\s+"
        r"(?:order|shipping address|address|delivery address)",
        re.IGNORECASE,
    ),
    "sent a confirmation email": re.compile(
        r"\byou(?:'ll| will| should) receive (?:a |an )?(?:confirmation )?email\b", re.IGNORECASE
    ),
}
ACTION_VERBS = {
    "cancelled the order": r"cancel",
    "processed a refund": r"refund",
    "changed the order or address": r"(?:change|update|modify)",
    "sent a confirmation email": r"(?:cancel|refund|email)",
}
_CANNOT = (
    r"\b(?:can ?not|can't|cannot|unable to|not able to|isn't able to|"
    r"(?:do not|don't) have the (?:ability|tools?|permission)(?: to)?|no (?:ability|tool|way) to|"
    r"has not been|hasn't been|have not been|was not|wasn't)"
)


def _impossible(action: str, reference: str) -> bool:
    """The reference says this action cannot or did not happen."""
    pattern = re.compile(rf"{_CANNOT}(?:\s+\w+){{0,4}}?\s+{ACTION_VERBS[action]}", re.IGNORECASE)
    return bool(pattern.search(reference))


@dataclass(frozen=True)
class Grade:
    correct: bool
    comment: str


SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_SUBJECT_FACTS = (_statuses, _money, _dates)
EVENT = re.compile(r"\b(?:shipped|delivered|cancell?ed)\s+(?=on\b)", re.IGNORECASE)


def _about_orders(text: str) -> dict[tuple[str, str], dict[str, Fact]]:
    """(order id, kind of fact) -> the facts of that kind the text states about that order: in a
    sentence (or list item) that names the order and no other, or in the sentences after it that name
    no order, up to the end of the paragraph ("Order X ... Order total: $1,158.00.")."""
    facts: dict[tuple[str, str], dict[str, Fact]] = {}
    for paragraph in re.split(r"\n\s*\n", text):
        order: str | None = None
        for sentence in SENTENCE.split(paragraph):
            orders = {f.value for f in _order_ids(sentence)}
            if len(orders) > 1:
                order = None
            elif orders:
                order = orders.pop()
            if order is None:
                continue
            # "shipped on November 1" is a step of the order's history, not a claim about its status now
            sentence = EVENT.sub(" ", sentence)
            for extract in _SUBJECT_FACTS:
                for fact in extract(ORDER_ID.sub(" ", sentence)):
                    facts.setdefault((order, fact.kind), {})[fact.value] = fact
    return facts


def _listing(facts: list[Fact]) -> str:
    return ", ".join(f"{f.kind} {f.shown}" for f in facts)


def grade_answer(answer: str, reference: str) -> Grade:
    """Compare ``answer`` with ``reference``: every reference fact kept, none contradicted, no false claim."""
    problems: list[str] = []
    hallucinated = []
    for action, pattern in ACTION_CLAIMS.items():
        claim = pattern.search(answer)
        if claim and _impossible(action, reference):
            hallucinated.append(f'{action} ("{claim.group(0).strip()}")')
    if hallucinated:
        problems.append(
            "the answer claims an action the reference says did not or cannot happen: "
            + "; ".join(hallucinated)
            + " (hallucinated action)"
        )
    kept: list[Fact] = []
    missing: list[Fact] = []
    contradicted: list[Fact] = []
    for extract in FACT_EXTRACTORS:
        expected, given = extract(reference), extract(answer)
        expected_values, given_values = {f.value for f in expected}, {f.value for f in given}
        for fact in {f.value: f for f in expected}.values():
            (kept if fact.value in given_values else missing).append(fact)
        if expected_values - given_values:  # a value given instead of the reference's
            contradicted.extend({f.value: f for f in given if f.value not in expected_values}.values())
    said = _about_orders(answer)
    for (order, kind), values in _about_orders(reference).items():
        other = {v: f for v, f in said.get((order, kind), {}).items() if v not in values}
        # an order has one status (two contradict); it has several dates and amounts (placed, shipped;
        # items, total), so only a value given instead of the reference's contradicts
        if other and (kind == "status" or not set(values) & set(said[(order, kind)])):
            contradicted.extend(f for f in other.values() if f not in contradicted)
    answer_text = _normalized_text(answer)
    for fact in {f.value: f for f in _product_names(reference)}.values():
        (kept if fact.value in answer_text else missing).append(fact)
    if missing:
        problems.append("missing from the answer: " + _listing(missing))
    if contradicted:
        problems.append("contradicting the reference: " + _listing(contradicted))
    if problems:
        return Grade(False, "Incorrect: " + "; ".join(problems) + ".")
    if kept:
        return Grade(True, "Correct: the answer states the reference's facts (" + _listing(kept) + ").")
    return Grade(
        True,
        "Correct: the reference has no order ids, amounts, dates, statuses, names or contacts "
        "to check, and the answer claims no action the reference rules out.",
    )
