"""The store's vocabulary and the typo correction the offline model reads messages with.

A real model reads "lumra vsta", "cheapst laptp" or "retrun polcy" without effort. The offline model
corrects such words towards the words the store actually uses: product and brand names, product
kinds, categories, spec names and values (from the catalogue), every word of the product pages and
policies (from the documents), and the cue words its reading patterns look for.

Correction is conservative so that it never turns one real word into another ("house" stays
"house", "shopping" never becomes "shipping"): a word is corrected only when it is neither a store
word nor an English word (pyspellchecker's frequency list), and only to a store word one edit away
(two for long words). Short words get only the edits typing makes (a letter dropped or doubled, two
letters swapped: "stok", "ordr", "mose", "waht"), never a substitution ("mice" is not "nice").
Everyday English words are candidates too ("brokn" is "broken", not the switches' "brown"; "translte"
is "translate"): among equally close candidates the one reached by dropping or adding letters wins
(the commonest typing slip), then a store word. Distances come from rapidfuzz.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA, Indel

from techhub.agent.catalogue import KINDS, load_catalogue
from techhub.agent.retrieval import load_documents

ENGLISH_MIN_FREQUENCY = 500
"""Words at least this frequent in pyspellchecker's English list are real words: never corrected."""
ENGLISH_TARGET_FREQUENCY = 5_000
"""English words at least this frequent (about 7,700) are also words a typo can be corrected to."""

_WORD = re.compile(r"[a-z]+")

CUE_WORDS = frozenset(
    """
    order orders ordered status where track tracking shipped shipping ship delivery delivered deliver
    arrive arrived package parcel history previous recent purchases purchased purchase bought items
    contents spend spent total money price prices cost costs much stock available availability inventory
    specs specifications battery screen resolution weight ports processor memory storage compatible
    compatibility works support contact phone email hours human agent representative policy policies
    return returns refund refunds warranty exchange cancel cancellation cancelled change modify update
    address hello thanks thank appreciate goodbye recommend received ridiculous immediately expensive
    cheapest cheaper cheap difference compare tell what where when which there their please would could
    should cheapest lightest heaviest lightweight largest biggest smallest longest best fastest priciest
    affordable budget payment pay paid card invoice receipt discount coupon account verify verified
    bot bots chatbot robot ai buyed
    """.split()
)
"""Words the reading patterns of :mod:`.language` look for (so their typos are corrected too)."""


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if len(w) >= 2}


@lru_cache(maxsize=1)
def store_vocabulary() -> frozenset[str]:
    """Every word of the catalogue, the documents, the product kinds and the reading cues."""
    words: set[str] = set(CUE_WORDS)
    catalogue = load_catalogue()
    for product in catalogue.products:
        words |= _words(f"{product.name} {product.brand} {product.category} {product.description}")
        for key, value in product.specs.items():
            words |= _words(f"{key.replace('_', ' ')} {value}")
    for kind, synonyms in KINDS.items():
        words |= _words(" ".join((kind, *synonyms)))
    for document in load_documents():
        words |= _words(document.text)
    return frozenset(words)


@lru_cache(maxsize=1)
def _english():
    from spellchecker import SpellChecker  # about 0.3 s to load its word list: only when first needed

    return SpellChecker(distance=1).word_frequency


@lru_cache(maxsize=1)
def _targets() -> tuple[str, ...]:
    """Every word a typo may be corrected to: the store's words and the commoner English words."""
    english = _english()
    common = {
        w for w in english.keys() if w.isalpha() and len(w) >= 3 and english[w] >= ENGLISH_TARGET_FREQUENCY
    }
    return tuple(sorted(store_vocabulary() | common))


def is_english_word(word: str) -> bool:
    """A reasonably common English word (so not a typo, whatever store word it resembles)."""
    return _english()[word] >= ENGLISH_MIN_FREQUENCY


def _allowed(word: str, candidate: str, distance: int) -> bool:
    if len(word) <= 4:
        swapped = sorted(word) == sorted(candidate)
        return distance == 1 and (Indel.distance(word, candidate) == 1 or swapped)
    return distance <= (2 if len(word) >= 8 else 1)


@lru_cache(maxsize=8192)
def correct_word(word: str) -> str:
    """The store word a misspelt word stands for, or the word itself (lower-case letters only)."""
    if len(word) < 3 or not word.isalpha() or not word.islower():
        return word
    vocabulary = store_vocabulary()
    if word in vocabulary or is_english_word(word):
        return word
    candidates = [
        (distance, choice)
        for choice, distance, _ in process.extract(
            word, _targets(), scorer=OSA.distance, score_cutoff=2, limit=None
        )
        if _allowed(word, choice, int(distance))
    ]
    if not candidates:
        return word
    english = _english()
    # The closest; then a letter dropped or added rather than replaced (the commoner slip); the same
    # first letter (typos rarely hit it); a store word; a word the reading looks for; the commoner word.
    best = min(
        candidates,
        key=lambda c: (
            c[0],
            Indel.distance(word, c[1]) > c[0],
            c[1][0] != word[0],
            c[1] not in vocabulary,
            c[1] not in CUE_WORDS,
            -english[c[1]],
            c[1],
        ),
    )
    return best[1]
