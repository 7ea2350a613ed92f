"""LangSmith's trace query language: parse a filter string to an AST, compile the AST to SQL.

Grammar (LangSmith's "trace query syntax")::

    expr       := combinator | comparison
    combinator := ("and" | "or") "(" expr ("," expr)* ")" | "not" "(" expr ")"
    comparison := COMPARATOR "(" FIELD "," value ")" | "search" "(" STRING ")"
    COMPARATOR := eq | neq | gt | gte | lt | lte | has | search | in
    value      := STRING ('..' or "..") | NUMBER | true | false | null | "[" value ("," value)* "]"

Public functions:

- :func:`parse_filter` ``(text) -> Node``: raises :class:`BadRequest` with the position and what
  was expected when the text is malformed.
- :func:`compile_filter` ``(node, alias="r") -> (sql, params)``: a parameterised SQL condition on
  the ``runs`` row ``alias``.
- :func:`filter_sql` ``(text, alias="r")``: both steps at once.

``metadata_key``/``metadata_value`` comparisons that sit directly in one ``and(...)`` must match the
same metadata entry, and ``feedback_key``/``feedback_score``/``feedback_value`` ones the same
feedback row: each group becomes one subquery over ``run_metadata`` or ``feedback``. A group ends
where a field comes back, so ``and(eq(metadata_key, "a"), eq(metadata_value, "1"), eq(metadata_key,
"b"), eq(metadata_value, "2"))`` asks for two entries, ``a=1`` and ``b=2``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from techhub.localsmith.exceptions import BadRequest
from techhub.localsmith.times import normalize_time

COMPARATORS = {"eq", "neq", "gt", "gte", "lt", "lte", "has", "search", "in"}
COMBINATORS = {"and", "or", "not"}

# field -> (SQL expression on the runs alias "{a}", kind)
_COLUMN_FIELDS: dict[str, tuple[str, str]] = {
    "id": ("{a}.id", "text"),
    "name": ("{a}.name", "text"),
    "run_type": ("{a}.run_type", "text"),
    "status": ("{a}.status", "text"),
    "trace_id": ("{a}.trace_id", "text"),
    "parent_run_id": ("{a}.parent_run_id", "text"),
    "thread_id": ("{a}.thread_id", "text"),
    "reference_example_id": ("{a}.reference_example_id", "text"),
    "start_time": ("{a}.start_time", "time"),
    "end_time": ("{a}.end_time", "time"),
    "latency": ("{a}.latency", "number"),
    "total_tokens": ("COALESCE({a}.total_tokens, 0)", "number"),
    "prompt_tokens": ("COALESCE({a}.prompt_tokens, 0)", "number"),
    "completion_tokens": ("COALESCE({a}.completion_tokens, 0)", "number"),
    "total_cost": ("COALESCE({a}.total_cost, 0)", "number"),
    "prompt_cost": ("COALESCE({a}.prompt_cost, 0)", "number"),
    "completion_cost": ("COALESCE({a}.completion_cost, 0)", "number"),
    "is_root": ("{a}.is_root", "bool"),
    "error": ("{a}.error", "error"),
    "tags": ("{a}.tags", "tags"),
}
_METADATA_FIELDS = {"metadata_key": "key", "metadata_value": "value"}
_FEEDBACK_FIELDS = {"feedback_key": "key", "feedback_score": "score", "feedback_value": "value_text"}
FIELDS = set(_COLUMN_FIELDS) | set(_METADATA_FIELDS) | set(_FEEDBACK_FIELDS)

# Bounds that keep a hostile filter from exhausting the parser's stack or SQLite's limits. Nested
# and/or/not cost SQLite's own parser stack (its limit is about 30 levels of alternating and/or);
# same-kind nesting is flattened first, so only alternations count towards MAX_DEPTH.
MAX_DEPTH = 12
MAX_NESTING = 100  # every combinator level, flattened or not (the parser recurses on each)
MAX_LENGTH = 20_000
MAX_LIST = 1_000
MAX_TERMS = 200

_SQL_OPS = {"eq": "=", "neq": "!=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


# ---------------------------------------------------------------- AST


@dataclass(frozen=True)
class Comparison:
    """``op(field, value)``; ``pos`` is the offset of the comparator in the filter text."""

    op: str
    field: str | None
    value: Any
    pos: int


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    child: Node


Node = Comparison | And | Or | Not


# ---------------------------------------------------------------- tokenizer

_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<number>-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_.]*)
  | (?P<punct>[(),\[\]])
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class _Token:
    kind: str  # string | number | ident | punct | end
    text: str
    pos: int


def _unquote(text: str) -> str:
    if text[0] == '"':
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            pass
    body = text[1:-1]
    return re.sub(r"\\(.)", r"\1", body)


def _is_text(value: str) -> bool:
    """False for strings SQLite cannot store: a lone surrogate (``"\\ud800"`` in JSON escapes)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _tokenize(source: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(source):
        match = _TOKEN_RE.match(source, pos)
        if match is None:
            raise BadRequest(f"invalid filter: unexpected character {source[pos]!r} at position {pos}")
        kind = match.lastgroup or ""
        if kind != "ws":
            tokens.append(_Token(kind, match.group(), pos))
        pos = match.end()
    tokens.append(_Token("end", "", len(source)))
    return tokens


# ---------------------------------------------------------------- parser


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = _tokenize(source)
        self.i = 0
        self.depth = 0  # and/or/not levels that reach SQL (same-kind ones are flattened away)
        self.nesting = 0
        self.terms = 0

    def _peek(self) -> _Token:
        return self.tokens[self.i]

    def _fail(self, expected: str) -> BadRequest:
        tok = self._peek()
        found = "end of filter" if tok.kind == "end" else repr(tok.text)
        return BadRequest(f"invalid filter: expected {expected} at position {tok.pos}, found {found}"
                          f" in {self.source!r}")

    def _expect(self, text: str) -> _Token:
        tok = self._peek()
        if tok.kind != "punct" or tok.text != text:
            raise self._fail(repr(text))
        self.i += 1
        return tok

    def parse(self) -> Node:
        node = self._expr()
        if self._peek().kind != "end":
            raise self._fail("end of filter")
        return node

    def _expr(self) -> Node:
        tok = self._peek()
        if tok.kind != "ident" or (tok.text not in COMPARATORS and tok.text not in COMBINATORS):
            raise self._fail(f"a comparator ({', '.join(sorted(COMPARATORS))}) or and/or/not")
        self.i += 1
        self._expect("(")
        if tok.text in COMBINATORS:
            self.depth += 1
            self.nesting += 1
            if self.depth > MAX_DEPTH or self.nesting > MAX_NESTING:
                limit = MAX_DEPTH if self.depth > MAX_DEPTH else MAX_NESTING
                raise BadRequest(f"invalid filter: and/or/not nested deeper than {limit} levels"
                                 f" at position {tok.pos}")
            try:
                node = self._combinator(tok)
            finally:
                self.depth -= 1
                self.nesting -= 1
            return node
        return self._comparison(tok)

    def _combinator(self, tok: _Token) -> Node:
        if tok.text in ("and", "or"):
            kind = And if tok.text == "and" else Or
            children: list[Node] = []
            while True:
                child = self._expr_within(kind)
                # and(x, and(y, z)) is and(x, y, z): flattened, it costs SQLite no nesting.
                children.extend(child.children if isinstance(child, kind) else (child,))
                if self._peek().text != ",":
                    break
                self.i += 1
            self._expect(")")
            return kind(tuple(children))
        child = self._expr_within(Not)
        self._expect(")")
        return child.child if isinstance(child, Not) else Not(child)  # not(not(x)) is x

    def _expr_within(self, kind: type) -> Node:
        """An operand of a ``kind`` combinator; one of the same kind does not count as a level."""
        tok = self._peek()
        same = tok.kind == "ident" and tok.text == {And: "and", Or: "or", Not: "not"}[kind]
        self.depth -= same
        try:
            return self._expr()
        finally:
            self.depth += same

    def _comparison(self, op: _Token) -> Comparison:
        self.terms += 1
        if self.terms > MAX_TERMS:
            raise BadRequest(f"invalid filter: more than {MAX_TERMS} comparisons (at position {op.pos})")
        if op.text == "search" and self._peek().kind == "string":
            value = self._value()
            self._expect(")")
            return Comparison("search", None, value, op.pos)
        field_tok = self._peek()
        if field_tok.kind != "ident":
            raise self._fail("a field name")
        if field_tok.text not in FIELDS:
            raise BadRequest(f"invalid filter: unknown field {field_tok.text!r} at position {field_tok.pos};"
                             f" known fields: {', '.join(sorted(FIELDS))}")
        self.i += 1
        self._expect(",")
        value = self._value()
        self._expect(")")
        return Comparison(op.text, field_tok.text, value, op.pos)

    def _value(self) -> Any:
        tok = self._peek()
        if tok.kind == "string":
            text = _unquote(tok.text)
            if not _is_text(text):
                raise BadRequest(f"invalid filter: the string at position {tok.pos} is not valid Unicode")
            self.i += 1
            return text
        if tok.kind == "number":
            self.i += 1
            if re.fullmatch(r"-?\d+", tok.text) and -(1 << 63) <= int(tok.text) < (1 << 63):
                return int(tok.text)
            return float(tok.text)  # beyond SQLite's 64-bit integers: compared as a real number
        if tok.kind == "ident" and tok.text in ("true", "false", "null"):
            self.i += 1
            return {"true": True, "false": False, "null": None}[tok.text]
        if tok.kind == "punct" and tok.text == "[":
            self.i += 1
            items = []
            if self._peek().text != "]":
                items.append(self._value())
                while self._peek().text == ",":
                    self.i += 1
                    items.append(self._value())
                    if len(items) > MAX_LIST:
                        raise BadRequest(f"invalid filter: a list longer than {MAX_LIST} values at position"
                                         f" {tok.pos}")
            self._expect("]")
            return items
        raise self._fail("a value (a quoted string, a number, true, false, null or a [list])")


def parse_filter(text: str) -> Node:
    """Parse ``text`` into an AST; a :class:`BadRequest` says where and what was expected."""
    if not isinstance(text, str) or not text.strip():
        raise BadRequest("invalid filter: empty filter")
    if len(text) > MAX_LENGTH:
        raise BadRequest(f"invalid filter: longer than {MAX_LENGTH} characters")
    return _Parser(text).parse()


# ---------------------------------------------------------------- compiler


def _bad(cmp: Comparison, why: str) -> BadRequest:
    return BadRequest(f"invalid filter: {cmp.op}({cmp.field}, ...) at position {cmp.pos}: {why}")


def _scalar(cmp: Comparison, kind: str, value: Any) -> Any:
    """Check and convert one comparison value for a column of ``kind``."""
    if kind == "time":
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise _bad(cmp, "expected a timestamp string")
        return normalize_time(value, cmp.field or "time")
    if kind == "number":
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise _bad(cmp, f"expected a number, got {value!r}")
        return value
    if kind == "bool":
        if value not in (True, False) or isinstance(value, str | float):  # 0 and 1 read as booleans
            raise _bad(cmp, f"expected true or false, got {value!r}")
        return int(value)
    if isinstance(value, list | dict):
        raise _bad(cmp, f"expected a single value, got {value!r}")
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value)


def _compare(cmp: Comparison, expr: str, kind: str, params: list[Any]) -> str:
    """SQL for ``expr <op> value`` on one column of ``kind``."""
    op, value = cmp.op, cmp.value
    if op == "in":
        if not isinstance(value, list) or not value:
            raise _bad(cmp, "in() needs a non-empty [list] of values")
        params.extend(_scalar(cmp, kind, v) for v in value)
        return f"{expr} IN ({','.join('?' * len(value))})"
    if op == "search":
        if not isinstance(value, str):
            raise _bad(cmp, "search() needs a string")
        params.append(value)
        return f"instr(lower({expr}), lower(?)) > 0"
    if op == "has":
        raise _bad(cmp, "has() applies to tags (and metadata)")
    if value is None:
        if op not in ("eq", "neq"):
            raise _bad(cmp, "null only compares with eq or neq")
        return f"{expr} IS {'NOT ' if op == 'neq' else ''}NULL"
    if op in ("gt", "gte", "lt", "lte") and kind in ("text", "bool"):
        raise _bad(cmp, f"{op} needs a number or time field")
    params.append(_scalar(cmp, kind, value))
    return f"{expr} {_SQL_OPS[op]} ?"


def _column(cmp: Comparison, alias: str, params: list[Any]) -> str:
    expr, kind = _COLUMN_FIELDS[cmp.field or ""]
    expr = expr.format(a=alias)
    if kind == "tags":
        if cmp.op in ("has", "eq"):
            params.append(_scalar(cmp, "text", cmp.value))
            return f"EXISTS (SELECT 1 FROM json_each({expr}) WHERE json_each.value = ?)"
        if cmp.op == "neq":
            params.append(_scalar(cmp, "text", cmp.value))
            return f"NOT EXISTS (SELECT 1 FROM json_each({expr}) WHERE json_each.value = ?)"
        if cmp.op in ("in", "search"):
            inner = _compare(cmp, "json_each.value", "text", params)
            return f"EXISTS (SELECT 1 FROM json_each({expr}) WHERE {inner})"
        raise _bad(cmp, "tags support has, eq, neq, in and search")
    if kind == "error":
        if isinstance(cmp.value, bool) and cmp.op in ("eq", "neq"):
            has_error = cmp.value == (cmp.op == "eq")
            return f"{expr} IS {'NOT ' if has_error else ''}NULL"
        kind = "text"
    return _compare(cmp, expr, kind, params)


def _side_table(group: list[Comparison], alias: str, params: list[Any], *, feedback: bool) -> str:
    """One subquery where every comparison of ``group`` holds on the same metadata/feedback row."""
    fields = _FEEDBACK_FIELDS if feedback else _METADATA_FIELDS
    conditions = []
    for cmp in group:
        column = fields[cmp.field or ""]
        if cmp.op == "has":
            cmp = Comparison("eq", cmp.field, cmp.value, cmp.pos)
        kind = "number" if column == "score" else "text"
        if column == "score" and isinstance(cmp.value, bool):
            cmp = Comparison(cmp.op, cmp.field, int(cmp.value), cmp.pos)
        conditions.append(_compare(cmp, column, kind, params))
    table = "feedback" if feedback else "run_metadata"
    return f"{alias}.id IN (SELECT run_id FROM {table} WHERE {' AND '.join(conditions)})"


def _entry_groups(comparisons: list[Comparison]) -> list[list[Comparison]]:
    """Split an ``and``'s metadata (or feedback) comparisons into the entries they describe.

    A group runs until a field comes back: ``key a, value 1, key b, value 2`` is two entries.
    """
    groups: list[list[Comparison]] = []
    for cmp in comparisons:
        if not groups or any(seen.field == cmp.field for seen in groups[-1]):
            groups.append([])
        groups[-1].append(cmp)
    return groups


def _compile(node: Node, alias: str, params: list[Any]) -> str:
    if isinstance(node, Comparison):
        if node.field is None:  # search("text"): anywhere in name, inputs, outputs or error
            params.extend([node.value] * 4)
            return ("(" + " OR ".join(f"instr(lower(COALESCE({alias}.{c}, '')), lower(?)) > 0"
                                      for c in ("name", "inputs", "outputs", "error")) + ")")
        if node.field in _METADATA_FIELDS:
            return _side_table([node], alias, params, feedback=False)
        if node.field in _FEEDBACK_FIELDS:
            return _side_table([node], alias, params, feedback=True)
        return _column(node, alias, params)
    if isinstance(node, Not):
        return f"NOT ({_compile(node.child, alias, params)})"
    if isinstance(node, Or):
        return "(" + " OR ".join(_compile(c, alias, params) for c in node.children) + ")"
    parts: list[str] = []
    for fields, is_feedback in ((_METADATA_FIELDS, False), (_FEEDBACK_FIELDS, True)):
        for group in _entry_groups([c for c in node.children if isinstance(c, Comparison)
                                    and c.field in fields]):
            parts.append(_side_table(group, alias, params, feedback=is_feedback))
    for child in node.children:
        if not (isinstance(child, Comparison) and child.field in (*_METADATA_FIELDS, *_FEEDBACK_FIELDS)):
            parts.append(_compile(child, alias, params))
    return "(" + " AND ".join(parts) + ")"


def compile_filter(node: Node, alias: str = "r") -> tuple[str, list[Any]]:
    """A SQL condition on the ``runs`` row named ``alias`` and its parameters."""
    params: list[Any] = []
    return _compile(node, alias, params), params


def filter_sql(text: str, alias: str = "r") -> tuple[str, list[Any]]:
    """Parse and compile ``text`` (see the module docstring)."""
    return compile_filter(parse_filter(text), alias)
