"""The ingest path's own queries use the indexes they were written for.

A plan is deterministic, so these are exact checks rather than timings. They guard against the
planner quietly switching: once a new covering index made the "anything waiting?" check scan every
run on every request, and ingest fell from ~12,000 to ~3,000 runs/s as the database grew.
"""

from __future__ import annotations

import pytest

from techhub.localsmith.app import create_app
from techhub.localsmith.ingest import _AGGREGATE_SQL, _ANY_WAITING_SQL, _WAITING_CHILDREN_SQL


@pytest.fixture(scope="module")
def conn(tmp_path_factory):
    app = create_app(tmp_path_factory.mktemp("plans") / "plans.db")
    yield app.state.db.read()
    app.state.db.close()


def _plan(conn, sql: str, params: tuple = ()) -> str:
    return " | ".join(row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params))


@pytest.mark.parametrize(
    ("sql", "params", "expected"),
    [
        (_ANY_WAITING_SQL, (), "USING INDEX runs_unlinked"),
        (_WAITING_CHILDREN_SQL, ("[]",), "USING INDEX runs_unlinked (parent_run_id=?)"),
        (_AGGREGATE_SQL[0], ("[]",), "USING INDEX runs_trace_order (trace_id=?)"),
        (_AGGREGATE_SQL[1], ("[]",), "runs_trace_order (trace_id=? AND dotted_order>? AND dotted_order<?)"),
    ],
    ids=["anything waiting", "waiting children", "root sums", "subtree sums"],
)
def test_ingest_queries_use_their_index(conn, sql, params, expected):
    plan = _plan(conn, sql, params)
    assert expected in plan, plan
    assert "SCAN runs" not in plan or "runs_unlinked" in plan, plan  # never a scan of every run
