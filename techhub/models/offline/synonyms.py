"""Everyday words and the words the store's pages use for the same thing.

The offline model matches a message against the store's documents with BM25 (lexical retrieval), and
lexical retrieval only sees shared words: "when are you open?" shares none with the support page's
"Hours: Monday to Friday", "what if my parcel never shows up?" none with "late or delayed
deliveries". A real model knows these are the same; the offline model expands a message with the
documents' words for the everyday ones before searching. The table is about the store's domain
(delivery, returns, support, products and what people need them for), not about any phrasing: each
entry maps one everyday word (after typo correction) to words that occur in ``data/documents`` or the
catalogue.
"""

from __future__ import annotations

import re

EVERYDAY_WORDS: dict[str, str] = {
    # delivery
    "arrive": "delivery", "arrival": "delivery", "arrives": "delivery", "show": "delivery arrive",
    "shows": "delivery arrive", "turn": "delivery", "postage": "shipping cost prepaid label",
    "fast": "express", "fastest": "express next day", "quick": "express", "quickest": "express next day",
    "tomorrow": "next day", "long": "time", "overnight": "next day", "cutoff": "before 2pm placed",
    "dispatch": "ships",
    "leave": "ships warehouse", "late": "delayed", "missing": "lost",
    "abroad": "ships states",
    "international": "ships states", "overseas": "ships states",
    # returns and refunds
    "back": "return", "money": "refund", "reimburse": "refund", "card": "payment method",
    "label": "prepaid return label",
    "box": "original packaging", "packaging": "original packaging",
    "opened": "opened unopened", "open": "opened hours",
    # warranty
    "broken": "faulty warranty", "broke": "faulty warranty", "cracked": "accidental damage",
    "dropped": "accidental damage", "spilled": "accidental damage spills", "covered": "warranty covers",
    "fix": "repair", "battery": "battery capacity", "longer": "extends extended", "extend": "extends",
    # support
    "reach": "contact", "call": "phone", "human": "support team", "person": "support team",
    "hour": "hours", "weekend": "weekends", "saturday": "weekends", "sunday": "weekends",
    "reply": "answer", "respond": "answer",
    # payment
    "pay": "cost payment", "fee": "cost", "price": "cost", "charge": "cost", "hold": "payment hold",
    # what people need products for
    "loud": "quiet silent", "noisy": "quiet silent noise cancelling", "typing": "keyboard keys",
    "wrist": "ergonomic", "hurts": "ergonomic strain", "pain": "ergonomic strain",
    "dead": "power bank charge", "dies": "power bank charge", "phone": "charge", "hiking": "portable",
    "travel": "portable travel", "trip": "portable travel", "flight": "carry-on", "plane": "carry-on",
    "projector": "hdmi", "tv": "hdmi", "grainy": "4k webcam", "potato": "4k webcam",
    "video": "webcam", "calls": "webcam microphones", "podcast": "microphone", "stream": "microphone",
    "gym": "sweat earbuds", "workout": "sweat earbuds", "running": "sweat earbuds",
    "neck": "eye level stand", "posture": "eye level stand", "hunching": "eye level stand",
    "slouching": "eye level stand", "colours": "calibration colour", "colors": "calibration colour",
    "accurate": "calibration delta", "accuracy": "calibration delta", "draw": "stylus", "pen": "stylus",
    "gaming": "gaming", "second": "portable second screen",
}  # fmt: skip


def expand(text: str) -> str:
    """The text followed by the documents' words for its everyday words (lower-case input)."""
    extra = [EVERYDAY_WORDS[w] for w in re.findall(r"[a-z]+", text) if w in EVERYDAY_WORDS]
    return " ".join([text, *extra])
