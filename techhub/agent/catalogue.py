"""TechHub's product catalogue as data: products, their kinds and categories, and comparable figures.

The docs agent's ``find_products`` tool answers "the cheapest laptop", "the lightest monitor", "the
headphones with the best battery" or "which keyboards are in stock" from this table, so the answer
always comes from the right kind of product. The offline model reads the same catalogue to know the
store's vocabulary (product and brand names, kinds, categories, spec words).

A product's *kind* (laptop, monitor, keyboard, mouse, headphones, earbuds, speaker, microphone, hub,
dock, power bank, stand, webcam) is found in its own description: the kind noun of its first phrase
("A Thunderbolt 4 docking station that ..." is a dock). ``KINDS`` lists the everyday words a customer
may use for each kind; categories come from the database.
"""

from __future__ import annotations

import json
import re
import sqlite3
from contextlib import closing
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

from techhub.db import database_path

SortKey = Literal["price", "weight", "battery", "screen", "refresh", "storage", "ram", "stock"]
SORT_KEYS: tuple[SortKey, ...] = (
    "price",
    "weight",
    "battery",
    "screen",
    "refresh",
    "storage",
    "ram",
    "stock",
)

KINDS: dict[str, tuple[str, ...]] = {
    "laptop": ("laptop", "laptops", "notebook", "notebooks", "ultrabook", "computer", "computers", "pc",
               "convertible", "2-in-1", "macbook", "chromebook"),
    "monitor": ("monitor", "monitors", "display", "displays", "screen", "screens", "ultrawide"),
    "keyboard": ("keyboard", "keyboards", "keeb"),
    "mouse": ("mouse", "mice", "trackball", "trackballs"),
    "headphones": ("headphones", "headphone", "headset", "headsets", "cans", "over-ear"),
    "earbuds": ("earbuds", "earbud", "earphones", "earphone", "in-ear", "airpods", "buds"),
    "speaker": ("speaker", "speakers"),
    "microphone": ("microphone", "microphones", "mic", "mics"),
    "hub": ("hub", "hubs", "adapter", "adapters", "dongle", "dongles"),
    "dock": ("dock", "docks", "docking"),
    "power bank": ("power bank", "power banks", "powerbank", "powerbanks", "battery pack",
                   "portable charger", "charger", "chargers"),
    "stand": ("stand", "stands", "riser"),
    "webcam": ("webcam", "webcams", "web cam", "camera", "cameras"),
}  # fmt: skip
"""Each kind of product we sell and the words customers use for it (plural and generic names)."""

_KIND_OF_WORD = {word: kind for kind, words in KINDS.items() for word in words}
_KIND_WORDS = sorted(_KIND_OF_WORD, key=len, reverse=True)
_NUMBER = r"(\d+(?:[.,]\d+)?)"


@dataclass(frozen=True)
class Product:
    """One catalogue row, with its kind and the figures a customer compares products by."""

    product_id: int
    name: str
    category: str
    brand: str
    price: float
    stock: int
    description: str
    specs: dict[str, str] = field(default_factory=dict)
    kind: str | None = None

    def figure(self, key: SortKey) -> float | None:
        """The product's value for ``key`` in one unit (dollars, kg, hours, inches, Hz, GB, units) or None."""
        if key == "price":
            return self.price
        if key == "stock":
            return float(self.stock)
        if key == "refresh":
            return _hertz(self.specs.get("screen", ""))
        if key in ("storage", "ram"):
            return _gigabytes(self.specs.get(key, ""))
        text = self.specs.get(key, "")
        return {"weight": _kilograms, "battery": _hours, "screen": _inches}[key](text)

    def as_row(self) -> dict:
        return {
            "name": self.name,
            "kind": self.kind,
            "category": self.category,
            "price": self.price,
            "stock": self.stock,
            "specs": self.specs,
        }


def _kilograms(text: str) -> float | None:
    match = re.search(_NUMBER + r"\s*(kg|g)\b", text)
    if not match:
        return None
    value = float(match.group(1).replace(",", ""))
    return value / 1000 if match.group(2) == "g" else value


def _hours(text: str) -> float | None:
    """The longest runtime quoted ("8 hours in the buds, 32 hours with the case" is 32 hours)."""
    per_unit = {"hour": 1, "day": 24, "week": 24 * 7, "month": 24 * 30}
    found = [
        float(value.replace(",", "")) * per_unit[unit]
        for value, unit in re.findall(_NUMBER + r"\s*(hour|day|week|month)s?\b", text)
    ]
    return max(found) if found else None


def _gigabytes(text: str) -> float | None:
    match = re.search(_NUMBER + r"\s*(TB|GB)\b", text)
    if not match:
        return None
    return float(match.group(1)) * (1000 if match.group(2) == "TB" else 1)


def _hertz(text: str) -> float | None:
    match = re.search(_NUMBER + r"\s*Hz\b", text)
    return float(match.group(1)) if match else None


def _inches(text: str) -> float | None:
    match = re.search(_NUMBER + r"\s*-?\s*inch", text)
    return float(match.group(1)) if match else None


def kind_of(words: str) -> str | None:
    """The product kind an everyday word or phrase names ("earphones" -> "earbuds"), else None."""
    return _KIND_OF_WORD.get(words.strip().lower())


def plural(group: str) -> str:
    """How to name a kind or category of products in a sentence ("laptop" -> "laptops")."""
    words = KINDS.get(group)
    if not words or group.endswith("s") or len(words) < 2:
        return group
    return words[1]


def _product_kind(name: str, description: str) -> str | None:
    """The kind noun of the description's first phrase; the last one wins ("laptop stand" -> stand)."""
    phrase = re.split(r"\.\s|[:;]| with | that | for | made ", description.lower(), maxsplit=1)[0]
    found = [
        (match.start(), _KIND_OF_WORD[word])
        for word in _KIND_WORDS
        for match in re.finditer(rf"(?<![\w-]){re.escape(word)}(?![\w-])", phrase)
    ]
    if found:
        return max(found)[1]
    name_words = [_KIND_OF_WORD[w] for w in re.findall(r"[a-z0-9-]+", name.lower()) if w in _KIND_OF_WORD]
    return name_words[-1] if name_words else None


@dataclass(frozen=True)
class Catalogue:
    products: tuple[Product, ...]

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p.category for p in self.products))

    @property
    def brands(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p.brand for p in self.products))

    def category_named(self, words: str) -> str | None:
        """The category a word names: its own name or one of its words ("mice" -> "Keyboards & Mice")."""
        wanted = words.strip().lower()
        for category in self.categories:
            lowered = category.lower()
            parts = {w.rstrip("s") for w in re.findall(r"[a-z]+", lowered)}
            if wanted == lowered or wanted.rstrip("s") in parts or wanted in re.findall(r"[a-z]+", lowered):
                return category
        return None

    def select(self, group: str) -> list[Product]:
        """The products of a kind ("headphones", "earphones"), a category ("Audio") or a brand; [] if none."""
        kind = kind_of(group)
        if kind is not None:
            chosen = [p for p in self.products if p.kind == kind]
            if chosen:
                return chosen
            category = self.category_named(group)  # a kind we have no product of, named by a category
            return [p for p in self.products if p.category == category] if category else []
        brand = next((b for b in self.brands if b.lower() == group.strip().lower()), None)
        if brand is not None:
            return [p for p in self.products if p.brand == brand]
        category = self.category_named(group)
        if category is None and group.strip():
            category = next((c for c in self.categories if group.strip().lower() in c.lower()), None)
        return [p for p in self.products if p.category == category] if category else []

    def ranked(
        self,
        group: str,
        sort_by: SortKey,
        *,
        descending: bool = False,
        in_stock_only: bool = False,
        max_price: float | None = None,
    ) -> list[Product]:
        """The group's products ordered by a figure (those without it last), optionally in stock only
        or within a budget."""
        if sort_by not in SORT_KEYS:
            raise ValueError(f"sort_by must be one of {', '.join(SORT_KEYS)}, not {sort_by!r}")
        products = self.select(group) if group.strip() else list(self.products)
        if in_stock_only:
            products = [p for p in products if p.stock > 0]
        if max_price is not None:
            products = [p for p in products if p.price <= max_price]
        with_figure = [p for p in products if p.figure(sort_by) is not None]
        without = [p for p in products if p.figure(sort_by) is None]
        sign = -1 if descending else 1
        with_figure.sort(key=lambda p: (sign * (p.figure(sort_by) or 0.0), p.product_id))
        return with_figure + without


@lru_cache(maxsize=4)
def _load(path: Path, mtime: float) -> Catalogue:
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        conn.row_factory = sqlite3.Row
        rows = conn.execute(
            "SELECT product_id, name, category, brand, price, stock, description, specs FROM products "
            "ORDER BY product_id"
        ).fetchall()
    products = []
    for row in rows:
        specs = json.loads(row["specs"]) if row["specs"] else {}
        products.append(
            Product(
                product_id=int(row["product_id"]),
                name=row["name"],
                category=row["category"],
                brand=row["brand"],
                price=float(row["price"]),
                stock=int(row["stock"] or 0),
                description=row["description"] or "",
                specs={str(k): str(v) for k, v in specs.items()},
                kind=_product_kind(row["name"], row["description"] or ""),
            )
        )
    return Catalogue(tuple(products))


def load_catalogue() -> Catalogue:
    """The catalogue of the store database (re-read when the database file changes)."""
    path = database_path()
    return _load(path, path.stat().st_mtime)
