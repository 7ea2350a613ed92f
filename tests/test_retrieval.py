"""BM25 retrieval over product pages and policies: the right page comes first."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from techhub.agent.retrieval import Document, SearchHit, load_documents, search_documents, tokenize
from techhub.config import REPO_ROOT

DATA = REPO_ROOT / "data"


def products() -> list[dict[str, str]]:
    with (DATA / "products.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def top(query: str) -> str:
    hits = search_documents(query, k=1, data_dir=DATA)
    assert hits, f"no hit for {query!r}"
    return hits[0].document.doc_id


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("return policy", "policies/returns"),
        ("I want a refund NOW", "policies/returns"),
        ("is there a restocking fee", "policies/returns"),
        ("cancel my order", "policies/order-changes-and-cancellation"),
        ("I need to cancel order ORD-2025-0030 immediately", "policies/order-changes-and-cancellation"),
        ("can I change my shipping address", "policies/order-changes-and-cancellation"),
        ("warranty", "policies/warranty"),
        ("extended warranty options", "policies/warranty"),
        ("phone number support hours", "policies/support-contact"),
        ("how do I contact support", "policies/support-contact"),
        ("how long does shipping take", "policies/shipping"),
        ("free shipping express delivery", "policies/shipping"),
        ("Where is my order?! It's been weeks!", "policies/shipping"),
        ("noise cancelling headphones", "products/sonique-hush-700"),
        ("mechanical keyboard with hot-swappable switches", "products/keystrel-tactile-tkl"),
        ("laptop with an RTX 4070", "products/vantor-forge-16-pro"),
        ("ultrawide monitor with a KVM switch", "products/lumora-panorama-34"),
        ("webcam with a privacy shutter", "products/ferrow-clearview-4k-webcam"),
        ("power bank that can charge a laptop", "products/nimbrix-voltpack-20k"),
        ("vertical mouse for wrist pain", "products/keystrel-glide-vertical"),
        ("portable monitor", "products/orinth-pocketview-16"),
        ("thumb trackball", "products/pointwise-trackstone"),
        ("convertible with a stylus", "products/orinth-flipnote-12"),
    ],
)
def test_expected_top_document(query: str, expected: str) -> None:
    assert top(query) == expected


@pytest.mark.parametrize("product", products(), ids=lambda p: p["name"])
def test_product_name_finds_its_page(product: dict[str, str]) -> None:
    hit = search_documents(product["name"], data_dir=DATA)[0]
    assert hit.document.title == product["name"] and hit.document.kind == "product"
    assert f"${product['price']}" in hit.document.text


def test_distinctive_spec_finds_its_product() -> None:
    """Each product's most specific spec value (its rarest words) leads back to that product."""
    page = {doc.title: doc.doc_id for doc in load_documents(DATA)}
    missed = []
    for product in products():
        specs = json.loads(product["specs"])
        value = max(specs.values(), key=lambda v: len(set(tokenize(v))))
        if top(value) != page[product["name"]]:
            missed.append((product["name"], value))
    assert missed == []


def test_load_documents() -> None:
    documents = load_documents(DATA)
    assert len(documents) == 30
    assert [d.doc_id for d in documents] == sorted({d.doc_id for d in documents})
    assert sum(d.kind == "product" for d in documents) == 25
    policies = {d.doc_id: d for d in documents if d.kind == "policy"}
    assert set(policies) == {f"policies/{name}" for name in
                             ("returns", "warranty", "shipping", "order-changes-and-cancellation",
                              "support-contact")}
    returns = policies["policies/returns"]
    assert returns.title.startswith("Returns") and returns.path == DATA / "documents/policies/returns.md"
    assert returns.text == returns.path.read_text(encoding="utf-8")


@pytest.mark.parametrize("query", ["", "   ", "!!!", "zzqqxx", "🙂🙂", "the and of", "x" * 100_000])
def test_empty_or_garbage_queries_find_nothing(query: str) -> None:
    assert search_documents(query, data_dir=DATA) == []


def test_k_scores_and_determinism() -> None:
    hits = search_documents("usb-c laptop charger", k=5, data_dir=DATA)
    assert len(hits) == 5 and all(isinstance(h, SearchHit) and h.score > 0 for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert search_documents("usb-c laptop charger", k=5, data_dir=DATA) == hits
    assert search_documents("usb-c laptop charger", k=2, data_dir=DATA) == hits[:2]
    for bad in (0, -1, True, "3"):
        with pytest.raises(ValueError, match="k must be"):
            search_documents("warranty", k=bad, data_dir=DATA)  # type: ignore[arg-type]


def test_default_data_dir_comes_from_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "documents" / "policies").mkdir(parents=True)
    (tmp_path / "documents" / "policies" / "pets.md").write_text("# Pets\n\nNo parrots in the store.\n")
    (tmp_path / "documents" / "policies" / "hours.md").write_text("# Hours\n\nOpen every day.\n")
    (tmp_path / "documents" / "products").mkdir(parents=True)
    (tmp_path / "documents" / "products" / "lamp.md").write_text("# Lamp\n\nA desk lamp.\n")
    monkeypatch.setenv("TECHHUB_DATA_DIR", str(tmp_path))
    [hit] = search_documents("parrots")
    assert hit.document == Document("policies/pets", "Pets", "policy", "# Pets\n\nNo parrots in the store.\n",
                                    tmp_path / "documents" / "policies" / "pets.md")
    assert search_documents("warranty") == []


def test_tokenizer_is_light_and_shared() -> None:
    assert tokenize("Cancelled the cancellation; cancel!") == ["cancel", "cancel", "cancel"]
    assert tokenize("Returns, returned") == ["return", "return"]
    assert tokenize("Shipping shipped ships") == ["ship", "ship", "ship"]
    assert tokenize("The and of") == []


def test_missing_documents_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="documents folder not found"):
        load_documents(tmp_path)
