"""Text handling of the offline sentiment judge: normalised words and sentences.

Customers type fast: lower case, missing apostrophes, typos, stretched letters ("sooo"), accents. The
judge's cues are written against one normal form (lower case, accents folded, apostrophes dropped so
"doesn't" reads "doesnt", and a word English does not know matched to the nearest cue word, so
"wroking" reads "working") and read one sentence at a time, because where a sentence sits in a
message ("thanks, but ...") changes what it means.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from functools import lru_cache

from spellchecker import SpellChecker

# Words the cues are written with, for typo correction. Short words (4 letters or fewer) are corrected
# only through SHORT_TYPOS: a fuzzy match on them turns too many real words into other real words.
VOCABULARY = frozenset(
    """
    thanks thank appreciate appreciated helpful grateful cheers great perfect awesome excellent wonderful
    fantastic amazing brilliant lovely working works worked fixed resolved sorted clear understand confused
    confusing sense useless terrible awful horrible worst pathetic disappointed disappointing frustrated
    frustrating annoyed annoying ridiculous unacceptable furious whatever forget bother nothing still
    received arrived shipped cancelled refund refunded missing waiting anything everything manager
    supervisor serious kidding never doesnt didnt hasnt havent wasnt isnt wouldnt couldnt shouldnt
    helps lifesaver already tried elsewhere somewhere account relief relieved worried seriously useful
    unhelpful amazon walmart competitor another again answer answered actually expired deadline
    """.split()
)
SHORT_TYPOS = {
    "stil": "still",
    "thnx": "thanks",
    "thanx": "thanks",
    "tnx": "thanks",
    "thks": "thanks",
    "thnks": "thanks",
    "tks": "thanks",
    "ur": "your",
    "u": "you",
    "r": "are",
    "pls": "please",
    "plz": "please",
    "dnt": "dont",
    "idk": "i dont know",
    "rly": "really",
    "srsly": "seriously",
    "gr8": "great",
    "k": "ok",
    "kk": "ok",
    "okk": "ok",
    "okey": "ok",
    "okay": "ok",
    "tho": "though",
    "bc": "because",
    "cuz": "because",
    "coz": "because",
    "wat": "what",
    "wut": "what",
    "nvr": "never",
}

_SENTENCE_SPLIT = re.compile(r"(?<=[.!?;…])\s+|\n+|\s+[-–—]\s+")
# Inside a sentence, a contrast starts a new clause, which keeps its "but": "thanks, | but it still
# doesn't work".
_CONTRAST_SPLIT = re.compile(r"\s+(?=(?:but|however|although|though)\s+\w)", re.IGNORECASE)
CONTRAST = re.compile(
    r"^\W*(?:but|however|although|though|unfortunately|honestly|to be honest|tbh|that said)\b|\bthough\W*$"
)
_STRETCHED = re.compile(r"([a-z])\1{2,}")


@lru_cache(maxsize=1)
def _english() -> SpellChecker:
    """English word frequencies (pyspellchecker's list), loaded on first use (about 0.3 s)."""
    return SpellChecker(distance=1)


def is_english_word(word: str) -> bool:
    """A lower-case word English knows (acronyms such as "aaa" or "usb" are not)."""
    return word in _english()


@lru_cache(maxsize=8192)
def _correct(word: str) -> str:
    """The cue word a typo stands for ("wroking" -> "working"); a word English knows stays as it is
    ("wasting" is not a typo of "waiting", nor "brother" of "bother")."""
    if word in SHORT_TYPOS:
        return SHORT_TYPOS[word]
    if word in VOCABULARY or not word.isalpha() or word in _english():
        return word
    if _STRETCHED.search(word):  # "sooo" -> "so", "thaaanks" -> "thanks"
        squeezed = _STRETCHED.sub(r"\1", word)
        doubled = _STRETCHED.sub(r"\1\1", word)
        for candidate in (doubled, squeezed):
            if candidate in VOCABULARY or candidate in SHORT_TYPOS:
                return _correct(candidate)
        word = squeezed
    if len(word) < 5:
        return word
    match = difflib.get_close_matches(word, VOCABULARY, n=1, cutoff=0.84)
    # "acceptable" is a word of its own, not a typo of "unacceptable": never grow a word into a longer one.
    return match[0] if match and word not in match[0] else word


def normalize(text: str) -> str:
    """Lower case, accents folded, apostrophes dropped ("doesn't" -> "doesnt"), typos corrected."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    folded = re.sub(r"['\u2019`´]", "", folded)
    return "".join(_correct(part) for part in re.split(r"(\W+)", folded))


def sentences(text: str) -> list[str]:
    """The sentences of a message, and the clauses a contrast ("but", "though") opens, in order."""
    parts: list[str] = []
    for sentence in _SENTENCE_SPLIT.split(text.strip()):
        parts.extend(clause for clause in _CONTRAST_SPLIT.split(sentence) if clause and clause.strip())
    return parts or [text]


def similarity(a: str, b: str) -> float:
    """How alike two messages read (0..1), after normalisation: a repeated question or reply."""
    return difflib.SequenceMatcher(None, normalize(a), normalize(b)).ratio()


_FUNCTION_WORDS = frozenset(
    """
    about above after again also anything been before being both could does doing down during each even
    from have having here into just like more most much only other over please really same should some
    such than thank thanks that thats their them then there these they this those through under until
    very want what whats when where which while will with would your youre okay yeah yes sure know tell
    still actually maybe need thing things
    """.split()
)


def content_words(text: str) -> frozenset[str]:
    """The words that carry what a message is about (four letters or more, function words left out)."""
    return frozenset(w for w in re.findall(r"[a-z0-9]+", normalize(text)) if len(w) >= 4) - _FUNCTION_WORDS
