"""How the offline model reads a customer's message: intents, order ids, emails, the action asked for.

A real model understands free text; the offline model approximates that with keyword patterns over
a normalised text. Normalisation lower-cases, strips accents and corrects near-miss spellings of the
words the patterns look for ("ordr" -> "order", "refnud" -> "refund"), so typos and lower case work.
Everything here is pure and deterministic.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from techhub.db.customers import EMAIL_PATTERN

ORDER_ID = re.compile(r"\bORD[-\s]?(\d{4})[-\s]?(\d{4})\b", re.IGNORECASE)

# The words the intent patterns use, for typo correction. Short words are never corrected.
VOCABULARY = sorted(
    set(
        """
        order orders status where track tracking shipped shipping ship delivery delivered deliver arrive
        arrived package history previous recent purchases purchased bought items contents spend spent
        total money price cost costs much stock available availability inventory specs specifications
        battery screen resolution weight ports processor memory storage compatible compatibility works
        support contact phone email hours human agent representative policy policies return returns
        refund refunds warranty exchange cancel cancellation cancelled change modify update address
        hello thanks thank appreciate goodbye recommend laptop laptops monitor monitors keyboard keyboards
        mouse mice headphones earbuds speaker speakers audio accessories charger cable dock webcam
        received ridiculous immediately cancelled expensive cheapest cheaper difference compare tell
        """.split()
    )
)

ACTION_PATTERNS: dict[str, re.Pattern[str]] = {
    "cancel": re.compile(r"\bcancel+(?:l?ation|l?ed|l?ing)?\b"),
    "refund": re.compile(r"\brefund(?:ed|s)?\b|\bmoney back\b"),
    "change_address": re.compile(
        r"\b(?:change|update|modify|correct|fix)\b.{0,30}\b(?:address|shipping (?:address|details))\b"
        r"|\bship (?:it )?to (?:a )?(?:different|new|another)\b|\bnew address\b"
    ),
    "change_order": re.compile(
        r"\b(?:change|modify|update|edit|add|remove|swap)\b.{0,25}"
        r"\b(?:my|the|this|an?) ?(?:order|item|items)\b"
        r"|\b(?:add|remove)\b.{0,30}\bto (?:my|the) order\b"
    ),
}

# An action is *requested* ("cancel my order", "I want a refund") rather than asked about
# ("what is your cancellation policy?", "how do I cancel?") when one of these cues is present.
REQUEST_CUES = re.compile(
    r"\b(?:i (?:need|want|would like|'d like|wanna)|i'd like|please|pls|can you|could you|would you|"
    r"will you|make it happen|go ahead|do it|asap|immediately|right now|now)\b"
    r"|^(?:cancel|refund|change|update|modify)\b"
)
QUESTION_CUES = re.compile(
    r"\b(?:how (?:do|can|would) i|what(?:'s| is) (?:your|the)|policy|policies|is it possible|"
    r"can orders|are orders|can i still|am i (?:able|eligible)|eligible|allowed)\b"
)
COMPLAINT = re.compile(
    r"\bnever (?:received|got|arrived|came)\b|\bhas(?:n'?t| not) (?:been|arrived|shipped)\b|"
    r"\bstill (?:not|hasn'?t|haven'?t|waiting|no)\b|\bnot (?:fixed|working|cancelled)\b|"
    r"\bwhat the (?:heck|hell)\b|\bridiculous\b|\bunacceptable\b|\bterrible\b|\bwtf\b|"
    r"\b(?:it'?s|its) been (?:weeks|ages|forever|days|a month)\b|\buseless\b|\bscam\b"
)

INTENT_PATTERNS: dict[str, re.Pattern[str]] = {
    "greeting": re.compile(r"^(?:hi|hello|hey|hiya|howdy|good (?:morning|afternoon|evening)|greetings)\b"),
    "thanks": re.compile(r"\b(?:thanks|thank you|thx|ty|appreciate|cheers)\b"),
    "goodbye": re.compile(r"\b(?:bye|goodbye|see you|that'?s all|have a (?:good|nice) (?:day|one))\b"),
    "order_items": re.compile(
        r"\bwhat (?:did|have) i (?:order|buy|purchase)|\bwhat(?:'s| is| was) in (?:my|the|that|this) "
        r"(?:order|package)|\bitems?\b.{0,20}\border|\border\b.{0,25}\bitems?\b|\bcontents?\b|"
        r"\bwhat (?:products|things)\b"
    ),
    "spending": re.compile(
        r"\bspend|\bspent\b|\bhow much (?:have|did) i\b|\btotal (?:amount|spending|spent)\b|\blifetime\b"
    ),
    "order_history": re.compile(
        r"\border history\b|\b(?:past|previous|all|recent|my) orders\b|\bhow many orders\b|"
        r"\blist (?:of )?(?:my )?orders\b|\bpurchase history\b|\borders have i\b"
    ),
    "order_status": re.compile(
        r"\bwhere(?:'s| is|s)? (?:my|the)\b.{0,20}\b(?:order|package|stuff|delivery|parcel)|"
        r"\bstatus\b|\btrack(?:ing)?\b|\bwhen (?:will|is|does)\b.{0,30}\b(?:arrive|come|ship|deliver)|"
        r"\bhas (?:it|my order) (?:shipped|arrived)|\b(?:shipped|delivered) yet\b|\blate\b|"
        r"\bmy (?:last|latest|recent) order\b|\bord-\d{4}-\d{4}\b|\bmy order\b|\bmy package\b"
    ),
    "compatibility": re.compile(
        r"\bcompatib|\bwork(?:s)? with\b|\bconnect (?:to|with)\b|"
        r"\bsupport(?:s)? (?:mac|windows|usb|bluetooth)"
    ),
    "stock": re.compile(r"\bin stock\b|\bstock\b|\bavailab|\binventory\b|\bsold out\b|\bcan i (?:buy|get)\b"),
    "price": re.compile(r"\bprice|\bhow much (?:is|are|does|do)\b|\bcost(?:s)?\b|\bcheap|\bexpensive\b|\$\d"),
    "specs": re.compile(
        r"\bspec|\bbattery\b|\bscreen\b|\bresolution\b|\bweigh|\bports?\b|\bprocessor\b|\bcpu\b|\bram\b|"
        r"\bmemory\b|\bstorage\b|\brefresh rate\b|\bnoise cancell?ing\b|\bwireless\b|\bfeatures?\b"
    ),
    "product_info": re.compile(
        r"\b(?:laptops?|notebooks?|monitors?|displays?|keyboards?|mouse|mice|headphones?|headsets?|earbuds?|"
        r"speakers?|audio|accessor(?:y|ies)|chargers?|cables?|docks?|docking|hubs?|webcams?|stands?)\b|"
        r"\brecommend|\btell me about\b|\bwhat (?:products|do you sell)\b|\bdifference between\b|\bcompare\b"
    ),
    "returns_policy": re.compile(r"\breturn(?:s|ing)?\b|\bexchange\b|\bsend (?:it )?back\b"),
    "warranty_policy": re.compile(r"\bwarrant(?:y|ies)\b|\bguarantee\b|\bbroken\b|\bdefective\b|\brepair\b"),
    "shipping_policy": re.compile(
        r"\bshipping (?:cost|fee|time|option|policy|polic)|\bhow long (?:does|will) (?:shipping|delivery)|"
        r"\bexpress\b|\bfree shipping\b|\bdeliver (?:to|internationally)|\binternational\b"
    ),
    "cancellation_policy": re.compile(r"\bcancel"),
    "contact": re.compile(
        r"\bcontact\b|\bphone\b|\bcall (?:you|someone|support)\b|\bhuman\b|\breal person\b|"
        r"\brepresentative\b|\bspeak (?:to|with)\b|\btalk (?:to|with)\b|\bsupport (?:team|hours|email)\b|"
        r"\bopening hours\b|\bbusiness hours\b"
    ),
}

ACCOUNT_INTENTS = frozenset({"order_status", "order_history", "order_items", "spending"})
DOCS_INTENTS = frozenset(
    {
        "product_info",
        "price",
        "stock",
        "specs",
        "compatibility",
        "returns_policy",
        "warranty_policy",
        "shipping_policy",
        "cancellation_policy",
        "contact",
    }
)
SOCIAL_INTENTS = frozenset({"greeting", "thanks", "goodbye"})
OUT_OF_SCOPE = re.compile(
    r"\b(?:weather|joke|poem|recipe|football|soccer|politic|election|homework|capital of|translate|"
    r"write (?:me )?(?:a|an|some) (?:code|essay|story|song)|bitcoin|stock market|horoscope|movie)\b"
)


@dataclass(frozen=True)
class Reading:
    """What the offline model understood from one message."""

    text: str
    normalized: str
    intents: frozenset[str]
    order_ids: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    action: str | None = None
    complaint: bool = False
    out_of_scope: bool = False
    foreign: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def needs_identity(self) -> bool:
        """Questions about the customer's own orders need a verified identity; so do actions on them."""
        return (
            bool(self.intents & ACCOUNT_INTENTS)
            or self.action is not None
            or (self.complaint and not (self.intents & DOCS_INTENTS))
        )

    @property
    def only_email(self) -> bool:
        """The message is an email address and (almost) nothing else: an answer to 'what is your email?'."""
        rest = EMAIL_PATTERN.sub("", self.text).strip(" .,!:;-\n\t").lower()
        rest = re.sub(r"^(?:it'?s|my email is|email:?|sure,?|here:?|ok,?)\s*", "", rest)
        return bool(self.emails) and len(rest) <= 3


# Short misspellings that fuzzy matching cannot safely catch (too many real words are one edit away).
SHORT_TYPOS = {
    "ordr": "order",
    "oder": "order",
    "stok": "stock",
    "waht": "what",
    "wher": "where",
    "pls": "please",
    "plz": "please",
    "thx": "thanks",
    "ur": "your",
    "u": "you",
}


@lru_cache(maxsize=4096)
def _correct(word: str) -> str:
    if word in SHORT_TYPOS:
        return SHORT_TYPOS[word]
    if len(word) < 5 or word in _VOCAB_SET or not word.isalpha():
        return word
    match = difflib.get_close_matches(word, VOCABULARY, n=1, cutoff=0.82)
    return match[0] if match else word


_VOCAB_SET = frozenset(VOCABULARY)


def normalize(text: str) -> str:
    """Lower-case, fold accents, unify quotes, correct near-miss spellings of known words."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    folded = folded.replace("\u2019", "'").lower()
    words = re.split(r"(\W+)", folded)
    return "".join(_correct(w) for w in words)


def _is_foreign(text: str, normalized: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    if letters and sum(not c.isascii() for c in letters) / len(letters) > 0.5:
        return True
    words = set(re.findall(r"[a-z]+", normalized))
    markers = {
        "hola",
        "pedido",
        "donde",
        "gracias",
        "bonjour",
        "commande",
        "merci",
        "bestellung",
        "wo",
        "ist",
        "meine",
        "danke",
        "ciao",
        "ordine",
        "onde",
        "meu",
        "obrigado",
    }
    return len(words & markers) >= 2 or (bool(words) and len(words & markers) / len(words) > 0.4)


def read_message(text: str) -> Reading:
    """Understand one customer message (deterministically)."""
    text = (text or "")[:4000]
    normalized = normalize(text)
    intents = {name for name, pattern in INTENT_PATTERNS.items() if pattern.search(normalized)}
    order_ids = tuple(dict.fromkeys(f"ORD-{a}-{b}" for a, b in ORDER_ID.findall(text)))
    emails = tuple(dict.fromkeys(e.lower() for e in EMAIL_PATTERN.findall(text)))
    complaint = bool(COMPLAINT.search(normalized))

    action = None
    for name, pattern in ACTION_PATTERNS.items():
        if pattern.search(normalized):
            asked = bool(REQUEST_CUES.search(normalized)) and not (
                QUESTION_CUES.search(normalized)
                and not re.search(r"\b(?:can|could|would|will) you\b", normalized)
            )
            # "my order hasn't been cancelled" is a complaint about an earlier request, not a new one.
            if asked and not (complaint and re.search(r"\bhas(?:n'?t| not) been cancel", normalized)):
                action = name
                break
    if action:
        intents.discard("cancellation_policy")
        intents.discard("returns_policy")
    if action == "refund":
        intents.discard("order_status")
    if order_ids and not (intents & (ACCOUNT_INTENTS - {"order_status"})):
        intents.add("order_status")
    product_question = intents & {"price", "stock", "specs", "compatibility"}
    if product_question and not order_ids and not re.search(r"\bmy order\b", normalized):
        intents.discard("order_status")
    if "order_items" in intents or "order_history" in intents or "spending" in intents:
        if not order_ids and not re.search(r"\bwhere\b|\bstatus\b|\btrack", normalized):
            intents.discard("order_status")
    if (
        "order_status" in intents
        and "shipping_policy" in intents
        and not re.search(r"polic|cost|fee", normalized)
    ):
        intents.discard("shipping_policy")

    topical = intents - SOCIAL_INTENTS
    foreign = not topical and not action and _is_foreign(text, normalized)
    out_of_scope = bool(OUT_OF_SCOPE.search(normalized)) or (
        not intents
        and not action
        and not complaint
        and not emails
        and not foreign
        and bool(normalized.strip())
    )
    return Reading(
        text=text,
        normalized=normalized,
        intents=frozenset(intents),
        order_ids=order_ids,
        emails=emails,
        action=action,
        complaint=complaint,
        out_of_scope=out_of_scope and not topical and not action,
        foreign=foreign,
    )
