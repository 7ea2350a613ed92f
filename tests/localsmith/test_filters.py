"""The trace query language: the parser on its own, then every comparator and field family through
``client.list_runs(filter=..., trace_filter=..., tree_filter=...)`` against a known set of runs."""

from __future__ import annotations

import uuid

import httpx
import langsmith
import pytest

from techhub.localsmith import filters
from techhub.localsmith.exceptions import BadRequest
from techhub.localsmith.filters import And, Comparison, Not, Or, parse_filter

# v1 contract: the filter language through list_runs (POST /runs/query); test_v2_api covers the v2 path.
pytestmark = pytest.mark.filterwarnings("ignore:.*is deprecated and will be removed:DeprecationWarning")


# ---------------------------------------------------------------- parser


def test_parser_builds_an_ast():
    node = parse_filter("and(eq(name, \"agent\"), or(gt(latency, 2.5), not(has(tags, 'x'))),"
                        " in(run_type, [\"llm\", 'tool']), eq(is_root, true), eq(error, null))")
    assert isinstance(node, And) and len(node.children) == 5
    name, either, kinds, root, error = node.children
    assert name == Comparison("eq", "name", "agent", 4)
    assert isinstance(either, Or) and either.children[0].value == 2.5
    assert isinstance(either.children[1], Not) and either.children[1].child.value == "x"
    assert kinds.value == ["llm", "tool"]
    assert root.value is True
    assert error == Comparison("eq", "error", None, 116)


def test_parser_reads_escapes_and_numbers():
    assert parse_filter(r'eq(name, "say \"hi\"")').value == 'say "hi"'
    assert parse_filter("eq(total_tokens, 12)").value == 12
    assert parse_filter("gt(latency, -1e-3)").value == pytest.approx(-0.001)
    assert parse_filter('search("refund")') == Comparison("search", None, "refund", 0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('eq(name, "x"', "expected ')' at position 12"),
        ('eq(nam, "x")', "unknown field 'nam' at position 3"),
        ('equals(name, "x")', "expected a comparator"),
        ("eq(name x)", "expected ',' at position 8"),
        ('and(eq(name, "x"),)', "position 18"),
        ('eq(name, "x") extra', "expected end of filter at position 14"),
        ("eq(name, @)", "unexpected character '@' at position 9"),
        ("", "empty filter"),
        ("and(or(" * 7 + 'eq(name, "x")' + "))" * 7, "nested deeper than 12 levels"),
        ('eq(name, "\\ud800")', "position 9 is not valid Unicode"),
        ("and(" + ", ".join(['eq(name, "x")'] * 201) + ")", "more than 200 comparisons"),
        ("in(name, [" + ", ".join(["1"] * 1001) + "])", "longer than 1000 values"),
        ('eq(name, "' + "x" * 20_001 + '")', "longer than 20000 characters"),
    ],
)
def test_parser_errors_say_where_and_what(text, expected):
    with pytest.raises(BadRequest) as excinfo:
        parse_filter(text)
    assert expected in excinfo.value.message


# ---------------------------------------------------------------- through the SDK


def _payload(project: str, name: str, run_type: str, start: str, end: str | None, *,
             parent: dict | None = None, **fields) -> dict:
    run_id = str(uuid.uuid4())
    segment = start.replace("-", "").replace(":", "").replace(".", "") + "Z" + run_id
    return {"id": run_id, "trace_id": parent["trace_id"] if parent else run_id,
            "parent_run_id": parent["id"] if parent else None,
            "dotted_order": f"{parent['dotted_order']}.{segment}" if parent else segment,
            "session_name": project, "name": name, "run_type": run_type,
            "start_time": start, "end_time": end, **fields}


def _llm_outputs(prompt: int, completion: int) -> dict:
    message = {"lc": 1, "type": "constructor", "id": ["langchain", "schema", "messages", "AIMessage"],
               "kwargs": {"content": "ok", "usage_metadata": {
                   "input_tokens": prompt, "output_tokens": completion, "total_tokens": prompt + completion}}}
    return {"generations": [[{"text": "ok", "message": message}]], "llm_output": None}


@pytest.fixture(scope="module")
def corpus(localsmith_server) -> dict:
    """Three traces with known names, times, tags, errors, metadata, tokens and feedback."""
    project = f"filters-{uuid.uuid4()}"
    gpt4o = {"metadata": {"ls_model_name": "gpt-4o"}}
    a = _payload(project, "supervisor_hitl_sql_agent", "chain", "2025-11-20T10:00:00.000000",
                 "2025-11-20T10:00:02.000000", tags=["prod"],
                 extra={"metadata": {"thread_id": "t-a", "customer": "gregory", "tier": 2}})
    a_llm = _payload(project, "ChatOpenAI", "llm", "2025-11-20T10:00:00.500000",
                     "2025-11-20T10:00:01.500000", parent=a, outputs=_llm_outputs(100, 20), extra=gpt4o)
    a_tool = _payload(project, "lookup_order", "tool", "2025-11-20T10:00:01.600000",
                      "2025-11-20T10:00:01.800000", parent=a, tags=["tool", "db"],
                      error="boom: no such order")
    b = _payload(project, "supervisor_hitl_sql_agent", "chain", "2025-11-20T10:01:00.000000",
                 "2025-11-20T10:01:05.000000", tags=["beta"],
                 extra={"metadata": {"thread_id": "t-b", "customer": "sarah"}})
    b_llm = _payload(project, "ChatOpenAI", "llm", "2025-11-20T10:01:01.000000", "2025-11-20T10:01:04.000000",
                     parent=b, outputs=_llm_outputs(300, 50), extra=gpt4o)
    c = _payload(project, "other_agent", "chain", "2025-11-20T10:02:00.000000", None,
                 extra={"metadata": {"customer": "gregory"}}, inputs={"q": "refund please"})
    with httpx.Client(base_url=localsmith_server.url) as http:
        response = http.post("/runs/batch", json={"post": [a, a_llm, a_tool, b, b_llm, c]})
        assert response.status_code == 202, response.text
        for run, key, score, value in ((a, "user_sentiment", 0, "negative"), (a, "correctness", 1, None),
                                       (b, "user_sentiment", 1, "positive"), (b, "correctness", 0, None)):
            response = http.post("/feedback", json={"run_id": run["id"], "key": key, "score": score,
                                                    "value": value})
            assert response.status_code == 200, response.text
    return {"project": project, "a": a, "a_llm": a_llm, "a_tool": a_tool, "b": b, "b_llm": b_llm, "c": c}


@pytest.fixture
def ids_for(corpus, ls_client):
    names = {run["id"]: key for key, run in corpus.items() if key != "project"}

    def ids_for(**kwargs) -> set[str]:
        return {names[str(r.id)] for r in ls_client.list_runs(project_name=corpus["project"], **kwargs)}

    return ids_for


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('eq(name, "supervisor_hitl_sql_agent")', {"a", "b"}),
        ('neq(name, "ChatOpenAI")', {"a", "a_tool", "b", "c"}),
        ('eq(run_type, "llm")', {"a_llm", "b_llm"}),
        ('in(run_type, ["tool", "llm"])', {"a_llm", "a_tool", "b_llm"}),
        ('eq(status, "error")', {"a_tool"}),
        ('eq(status, "pending")', {"c"}),
        ("gt(latency, 2)", {"b", "b_llm"}),
        ("gte(latency, 2)", {"a", "b", "b_llm"}),
        ("lt(latency, 1)", {"a_tool"}),
        ("lte(latency, 1)", {"a_llm", "a_tool"}),
        ('gt(start_time, "2025-11-20T10:00:30Z")', {"b", "b_llm", "c"}),
        ('lte(end_time, "2025-11-20T10:00:01.8")', {"a_llm", "a_tool"}),
        ('has(tags, "db")', {"a_tool"}),
        ("eq(tags, 'prod')", {"a"}),
        ("neq(error, null)", {"a_tool"}),
        ("eq(error, true)", {"a_tool"}),
        ('search(error, "no such")', {"a_tool"}),
        ('search(name, "HITL")', {"a", "b"}),
        ('search("refund")', {"c"}),
        ("eq(is_root, true)", {"a", "b", "c"}),
        ("eq(is_root, false)", {"a_llm", "a_tool", "b_llm"}),
        ("gt(total_tokens, 200)", {"b", "b_llm"}),
        ("eq(prompt_tokens, 100)", {"a", "a_llm"}),
        ("gte(completion_tokens, 50)", {"b", "b_llm"}),
        ("gt(total_cost, 0.001)", {"b", "b_llm"}),
        ('eq(thread_id, "t-a")', {"a"}),
        ('and(eq(metadata_key, "customer"), eq(metadata_value, "gregory"))', {"a", "c"}),
        ('and(eq(metadata_key, "customer"), eq(metadata_value, "t-b"))', set()),
        ('and(eq(metadata_key, "tier"), eq(metadata_value, 2))', {"a"}),
        ('eq(metadata_key, "thread_id")', {"a", "b"}),
        # Two entries in one and(): each key/value pair is matched on its own metadata entry.
        ('and(eq(metadata_key, "customer"), eq(metadata_value, "gregory"), eq(metadata_key, "tier"),'
         ' eq(metadata_value, 2))', {"a"}),
        ('and(eq(metadata_key, "customer"), eq(metadata_value, "gregory"), eq(metadata_key, "tier"),'
         ' eq(metadata_value, 3))', set()),
        ('and(eq(feedback_key, "user_sentiment"), eq(feedback_score, 0), eq(feedback_key, "correctness"),'
         ' eq(feedback_score, 1))', {"a"}),
        ('and(eq(feedback_key, "user_sentiment"), eq(feedback_score, 0), eq(feedback_key, "correctness"),'
         ' eq(feedback_score, 0))', set()),
        ("lt(total_tokens, 99999999999999999999999)", {"a", "a_llm", "a_tool", "b", "b_llm", "c"}),
        ('and(eq(is_root, true), and(eq(name, "supervisor_hitl_sql_agent"), and(has(tags, "prod"))))', {"a"}),
        ('not(not(eq(run_type, "llm")))', {"a_llm", "b_llm"}),
        ("eq(is_root, 1)", {"a", "b", "c"}),
        ('and(eq(feedback_key, "user_sentiment"), eq(feedback_score, 0))', {"a"}),
        ('and(eq(feedback_key, "correctness"), eq(feedback_score, 0))', {"b"}),
        ('and(eq(feedback_key, "user_sentiment"), eq(feedback_score, 1), eq(feedback_value, "negative"))',
         set()),
        ('and(eq(feedback_key, "user_sentiment"), eq(feedback_value, "positive"))', {"b"}),
        ('and(eq(name, "supervisor_hitl_sql_agent"), eq(feedback_key, "user_sentiment"),'
         ' lt(feedback_score, 1))', {"a"}),
        ('or(eq(name, "other_agent"), has(tags, "beta"))', {"b", "c"}),
        ('not(eq(is_root, true))', {"a_llm", "a_tool", "b_llm"}),
        ('and(eq(is_root, false), not(eq(run_type, "llm")))', {"a_tool"}),
    ],
)
def test_filter(ids_for, query, expected):
    assert ids_for(filter=query) == expected


def test_id_trace_and_parent_fields(corpus, ids_for):
    a = corpus["a"]
    assert ids_for(filter=f'eq(trace_id, "{a["id"]}")') == {"a", "a_llm", "a_tool"}
    assert ids_for(filter=f'eq(parent_run_id, "{a["id"]}")') == {"a_llm", "a_tool"}
    assert ids_for(filter=f'in(id, ["{a["id"]}", "{corpus["c"]["id"]}"])') == {"a", "c"}


def test_trace_filter_applies_to_the_root(ids_for):
    negative_roots = 'and(eq(feedback_key, "user_sentiment"), eq(feedback_score, 0))'
    assert ids_for(filter='eq(run_type, "llm")', trace_filter=negative_roots) == {"a_llm"}


def test_tree_filter_applies_to_any_run_of_the_trace(ids_for):
    assert ids_for(is_root=True, tree_filter='eq(status, "error")') == {"a"}
    assert ids_for(is_root=True, tree_filter="gt(total_tokens, 300)") == {"b"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('eq(name, "x"', "position 12"),
        ('eq(colour, "red")', "unknown field 'colour'"),
        ('gt(name, "a")', "gt needs a number or time field"),
        ('gt(latency, "slow")', "expected a number"),
        ('in(name, "x")', "needs a non-empty [list]"),
        ('eq(is_root, "yes")', "expected true or false"),
        ('gt(start_time, "yesterday")', "ISO 8601"),
    ],
)
def test_malformed_filters_are_400_with_a_message(http, query, expected):
    response = http.post("/runs/query", json={"filter": query})
    assert response.status_code == 400
    assert expected in response.json()["detail"]


def test_deepest_filter_allowed_runs_in_sqlite(http):
    """MAX_DEPTH alternating levels, each with side-table subqueries, inside the trace/tree wrappers:
    SQLite's own parser must still take it (deeper ones fail with a 400 before reaching it)."""
    node = 'and(eq(metadata_key, "a"), eq(metadata_value, "1"), in(feedback_score, [1, 2]), search("q"))'
    for level in range(filters.MAX_DEPTH - 1):
        op = ("or", "and", "not")[level % 3]
        node = f"not({node})" if op == "not" else f'{op}(eq(name, "n"), {node})'
    filters.parse_filter(node)  # exactly at the limit
    for key in ("filter", "trace_filter", "tree_filter"):
        response = http.post("/runs/query", json={key: node, "filter": node, "is_root": True})
        assert response.status_code == 200, response.text
    response = http.post("/runs/query", json={"filter": f"not({node})"})
    assert response.status_code == 400 and "nested deeper than" in response.json()["detail"], response.text


def test_same_kind_nesting_is_flattened():
    node = parse_filter("and(" * 100 + 'eq(name, "x")' + ")" * 100)
    assert node == And((Comparison("eq", "name", "x", 400),))
    assert parse_filter("not(" * 100 + 'eq(name, "x")' + ")" * 100) == Comparison("eq", "name", "x", 400)
    with pytest.raises(BadRequest, match="nested deeper than 100 levels"):
        parse_filter("and(" * 101 + 'eq(name, "x")' + ")" * 101)


def test_sdk_reports_a_malformed_filter(corpus, ls_client):
    with pytest.raises(langsmith.utils.LangSmithError, match="400"):
        list(ls_client.list_runs(project_name=corpus["project"], filter='eq(name, "x"'))
