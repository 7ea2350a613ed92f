"""Lexical retrieval over the TechHub documents (product pages and policies) for the docs agent.

BM25 (``rank_bm25.BM25Okapi``) over whole documents: the corpus is thirty short pages, so a lexical
index is exact enough, needs no model download and gives the same ranking on every machine. Titles are
counted several times so a query naming a product or a policy finds that page first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from rank_bm25 import BM25Okapi

from techhub.config import get_settings

DocumentKind = Literal["product", "policy"]
_KINDS: dict[str, DocumentKind] = {"products": "product", "policies": "policy"}
_TITLE_WEIGHT = 3
_MAX_QUERY_CHARS = 2_000
_WORD = re.compile(r"[a-z0-9]+")
_STOP_WORDS = frozenset(
    """a an and are as at be been but by can could do does did for from had has have how i if in into is
    it its me my of on or our so that the their them then there these they this to too was we were what
    when where which who why will with would you your yours i'm it's can't don't about any up please
    hi hello thanks s t d m ll re ve""".split()  # the last ones are contraction fragments (it's, don't)
)


@dataclass(frozen=True)
class Document:
    """One retrievable page; ``doc_id`` is its path under ``documents/`` without ``.md``."""

    doc_id: str
    title: str
    kind: DocumentKind
    text: str
    path: Path


@dataclass(frozen=True)
class SearchHit:
    """A document and its BM25 score for the query (higher is better; only positive scores returned)."""

    document: Document
    score: float


def _stem(word: str) -> str:
    """Very light stemming so 'returns', 'returned' and 'cancellation', 'cancelled' meet their roots."""
    for suffix, keep in (("ations", ""), ("ation", ""), ("ies", "y"), ("ing", ""), ("ed", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)] + keep
            break
    else:
        if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
            word = word[:-1]
    if len(word) > 4 and word[-1] == word[-2] and word[-1] not in "aeiou":  # shipp -> ship, cancell -> cancel
        word = word[:-1]
    if len(word) > 4 and word.endswith("e"):  # charge/charging, change/changes
        word = word[:-1]
    return word


def tokenize(text: str) -> list[str]:
    """Lower-case word tokens without stop words, lightly stemmed; the same for documents and queries."""
    return [_stem(word) for word in _WORD.findall(text.lower()) if word not in _STOP_WORDS]


def _title(text: str, fallback: str) -> str:
    for line in text.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return fallback


def load_documents(data_dir: Path | None = None) -> list[Document]:
    """All Markdown documents under ``<data_dir>/documents``, sorted by ``doc_id``."""
    root = Path(data_dir or get_settings().data_dir) / "documents"
    if not root.is_dir():
        raise FileNotFoundError(f"TechHub documents folder not found: {root}")
    documents = []
    for path in sorted(root.glob("**/*.md")):
        relative = path.relative_to(root).with_suffix("")
        kind = _KINDS.get(relative.parts[0]) if len(relative.parts) > 1 else None
        if kind is None:
            raise ValueError(f"{path}: documents must live in one of {sorted(_KINDS)}/")
        text = path.read_text(encoding="utf-8")
        documents.append(Document(relative.as_posix(), _title(text, relative.name), kind, text, path))
    return documents


@lru_cache(maxsize=4)
def _index(data_dir: Path) -> tuple[tuple[Document, ...], BM25Okapi]:
    documents = tuple(load_documents(data_dir))
    if not documents:
        raise FileNotFoundError(f"no documents found under {data_dir / 'documents'}")
    corpus = [tokenize(f"{doc.title}\n" * _TITLE_WEIGHT + doc.text) for doc in documents]
    return documents, BM25Okapi(corpus)


def search_documents(query: str, k: int = 3, *, data_dir: Path | None = None) -> list[SearchHit]:
    """The ``k`` best documents for ``query``, best first; [] when no word of the query is indexed."""
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be a positive integer, not {k!r}")
    if not isinstance(query, str):
        return []
    terms = tokenize(query[:_MAX_QUERY_CHARS])
    if not terms:
        return []
    documents, bm25 = _index(Path(data_dir or get_settings().data_dir).resolve())
    scores = bm25.get_scores(terms)
    ranked = sorted(
        (SearchHit(doc, float(score)) for doc, score in zip(documents, scores, strict=True) if score > 0),
        key=lambda hit: (-hit.score, hit.document.doc_id),
    )
    return ranked[:k]
