"""The structured filter of ``GET /examples?filter=...`` (``Client.list_examples(filter=...)``).

LangSmith's example filters are a small cousin of the trace query language (see
:mod:`techhub.localsmith.filters`) over JSON documents instead of run columns, e.g.::

    and(not(has(metadata, '{"foo": "bar"}')), exists(metadata, "tenant_id"))

A field may be quoted (``has("metadata", '{"foo": "bar"}')``).

Supported: ``and``/``or``/``not``; ``has(doc, '<json>')`` (JSON containment) and
``exists(doc, "key")`` on ``metadata``, ``inputs`` or ``outputs``; ``eq``/``neq``/``gt``/``gte``/
``lt``/``lte`` on a dotted path (``metadata.difficulty``, ``inputs.question``) or on ``id``,
``dataset_id``, ``source_run_id``, ``created_at``, ``modified_at``. Any other field is a 400 naming it
(a typo must not silently match nothing). Numbers are JSON numbers (``3``, ``-1.5e3``). Examples are
few, so the filter is evaluated in Python.
"""

from __future__ import annotations

import json
import re
from typing import Any

from techhub.localsmith.exceptions import BadRequest
from techhub.localsmith.times import normalize_time

_TOKEN = re.compile(
    r"""\s*(?:(?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')"""
    r"""|(?P<number>-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)"""
    r"""|(?P<ident>[A-Za-z_][A-Za-z0-9_.]*)|(?P<punct>[(),]))"""
)
_DOCUMENTS = ("metadata", "inputs", "outputs")
_TIMES = ("created_at", "modified_at")
# Top-level fields of an example that hold one value (the documents take dotted paths too).
_SCALARS = ("id", "dataset_id", "source_run_id", *_TIMES)
_MAX_DEPTH = 64  # nesting of and/or/not: far beyond a real filter, far below Python's recursion limit
_COMPARE = {
    "eq": lambda a, b: a == b,
    "neq": lambda a, b: a != b,
    "gt": lambda a, b: a is not None and a > b,
    "gte": lambda a, b: a is not None and a >= b,
    "lt": lambda a, b: a is not None and a < b,
    "lte": lambda a, b: a is not None and a <= b,
}


def _tokens(text: str) -> list[tuple[str, Any]]:
    out, pos = [], 0
    while pos < len(text.rstrip()):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise BadRequest(f"invalid example filter: unexpected {text[pos : pos + 10]!r} at position {pos}")
        kind = match.lastgroup or ""
        raw = match.group(kind)
        value: Any = raw
        if kind == "string":
            value = re.sub(r"\\(.)", r"\1", raw[1:-1])
        elif kind == "number":
            try:
                value = float(raw) if any(c in raw for c in ".eE") else int(raw)
            except ValueError:  # an integer of thousands of digits
                raise BadRequest(f"invalid example filter: number {raw[:20]}... is too long") from None
        out.append((kind, value))
        pos = match.end()
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.i = 0

    def _next(self, expected: str) -> tuple[str, Any]:
        if self.i >= len(self.tokens):
            raise BadRequest(f"invalid example filter {self.text!r}: expected {expected}, found the end")
        token = self.tokens[self.i]
        self.i += 1
        return token

    def _punct(self, char: str) -> None:
        kind, value = self._next(repr(char))
        if kind != "punct" or value != char:
            raise BadRequest(f"invalid example filter {self.text!r}: expected {char!r}, found {value!r}")

    def parse(self) -> Any:
        node = self._expr()
        if self.i != len(self.tokens):
            raise BadRequest(f"invalid example filter {self.text!r}: unexpected text after the expression")
        return node

    def _expr(self, depth: int = 0) -> Any:
        if depth > _MAX_DEPTH:
            raise BadRequest(f"invalid example filter: nested deeper than {_MAX_DEPTH} levels")
        kind, op = self._next("an operator")
        if kind != "ident" or op not in {"and", "or", "not", "has", "exists", *_COMPARE}:
            raise BadRequest(f"invalid example filter {self.text!r}: unknown operator {op!r}")
        self._punct("(")
        if op in ("and", "or", "not"):
            args = [self._expr(depth + 1)]
            while self.tokens[self.i : self.i + 1] == [("punct", ",")]:
                self.i += 1
                args.append(self._expr(depth + 1))
            self._punct(")")
            if op == "not" and len(args) != 1:
                raise BadRequest(f"invalid example filter {self.text!r}: not() takes one expression")
            return (op, args)
        kind, field = self._next("a field")
        if kind == "string" and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", field):
            kind = "ident"  # a quoted field name: has("metadata", '{"k": "v"}'), as the SDK's docs write it
        if kind != "ident":
            raise BadRequest(f"invalid example filter {self.text!r}: expected a field, found {field!r}")
        self._punct(",")
        kind, value = self._next("a value")
        if kind not in ("string", "number") and value not in ("true", "false", "null"):
            raise BadRequest(f"invalid example filter {self.text!r}: expected a value, found {value!r}")
        if kind == "ident":
            value = {"true": True, "false": False, "null": None}[value]
        self._punct(")")
        if op in ("has", "exists") and field not in _DOCUMENTS:
            raise BadRequest(f"{op}() applies to {', '.join(_DOCUMENTS)}, not {field!r}")
        head = field.split(".", 1)[0]
        if head not in _DOCUMENTS and field not in _SCALARS:
            raise BadRequest(
                f"invalid example filter {self.text!r}: unknown field {field!r}; known fields are "
                f"{', '.join(_SCALARS)} and {', '.join(_DOCUMENTS)} (with a path: metadata.key)"
            )
        if op == "exists" and not isinstance(value, str):
            raise BadRequest(f"exists({field}, ...) needs a key as a string, got {value!r}")
        if op == "has" and isinstance(value, str):
            try:
                value = json.loads(value)
            except (ValueError, RecursionError) as exc:
                shown = value if len(value) <= 80 else value[:80] + "..."
                raise BadRequest(f"has({field}, ...) needs a JSON value, got {shown!r}") from exc
        if field in _TIMES and isinstance(value, str):
            # Compare in the stored form (UTC, microseconds), whatever offset the filter was written in.
            value = normalize_time(value, f"example filter on {field}")
        return (op, field, value)


def contains(container: Any, wanted: Any) -> bool:
    """JSON containment (like Postgres ``@>``): every key/value of ``wanted`` is in ``container``."""
    if isinstance(wanted, dict):
        return isinstance(container, dict) and all(
            k in container and contains(container[k], v) for k, v in wanted.items()
        )
    if isinstance(wanted, list):
        if not isinstance(container, list):
            return False
        return all(any(contains(c, w) for c in container) for w in wanted)
    if isinstance(container, list):
        return wanted in container
    return container == wanted


def _lookup(example: dict, path: str) -> Any:
    head, *rest = path.split(".")
    value = example.get(head)
    for key in rest:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _evaluate(node: Any, example: dict) -> bool:
    op = node[0]
    if op == "and":
        return all(_evaluate(child, example) for child in node[1])
    if op == "or":
        return any(_evaluate(child, example) for child in node[1])
    if op == "not":
        return not _evaluate(node[1][0], example)
    _, field, value = node
    if op in ("has", "exists"):
        document = example.get(field) or {}
        return value in document if op == "exists" else contains(document, value)
    try:
        return _COMPARE[op](_lookup(example, field), value)
    except TypeError:
        return False


def parse_example_filter(text: str) -> Any:
    """Parse a filter once; a :class:`BadRequest` says what is wrong with it."""
    if not isinstance(text, str) or not text.strip():
        raise BadRequest("invalid example filter: empty filter")
    return _Parser(text).parse()


def matches(node: Any, example: dict) -> bool:
    """Whether an example (the dict the API returns) satisfies a parsed filter."""
    return _evaluate(node, example)
