"""Benchmark of the local LangSmith-compatible server (``techhub.localsmith``).

Why: the course sends every trace of a simulated deployment through this server, and notebooks query
it with the same filters LangSmith's UI uses. This script measures, on the machine it runs on:

1. server-side ingest (runs/s) of prebuilt ``POST /runs/multipart`` bodies, plain and zstd, as a
   ratio of a plain SQLite baseline (batched inserts of similar rows into a WAL file);
2. end-to-end tracing with the real SDK (``@traceable`` + ``Client.flush()``), traces/s;
3. ``list_runs`` latency (p50, p95) with a name + feedback filter over the ingested runs;

and checks that nothing was lost (count in the server == count sent). It prints PASS/FAIL per check.

Run: ``.venv/bin/python benchmarks/localsmith_bench.py`` (default 100,000 runs, a few minutes) or
``--quick`` for a smoke check. Exit status 1 when a check fails (with ``--quick`` only the
nothing-lost and filter-correctness checks count, the sizes are too small for rates to mean much).

The multipart bodies are built with the SDK's own serializers (``langsmith._internal``), so they are
byte-for-byte what ``Client`` sends. The server is the real process, started by
:mod:`techhub.localsmith.launcher`. The helpers here (:func:`trace_ops`, :func:`multipart_body`,
:func:`fetch_run_ids`) are also used by ``tests/localsmith/test_reliability.py``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
import warnings
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import zstandard
from langsmith._internal._multipart import RewindableMultipartBody, join_multipart_parts_and_context
from langsmith._internal._operations import (
    serialize_feedback_dict,
    serialize_run_dict,
    serialized_feedback_operation_to_multipart_parts_and_context,
    serialized_run_operation_to_multipart_parts_and_context,
)

from techhub.localsmith.launcher import running_server

ROOT_NAME = "supervisor_hitl_sql_agent"
CHILD_NAME = "sql_agent"
FEEDBACK_FILTER = f'and(eq(name, "{ROOT_NAME}"), eq(feedback_key, "user_sentiment"), eq(feedback_score, 0))'
BOUNDARY = "techhubbenchboundary7f3a9c"
_BASE_TIME = dt.datetime(2026, 1, 5, 9, 0, 0, tzinfo=dt.UTC)
_NAMESPACE = uuid.UUID("6f1c3f0e-2b0a-4d5e-9a51-7c1f3f0b9e11")


# --------------------------------------------------------------------------- payloads


def run_id(tag: str, i: int) -> uuid.UUID:
    """A deterministic UUIDv7 for run ``i`` (trace ``i // 2``), so two runs send the same bytes.

    Version 7 like the SDK's ids: the first 48 bits are the trace's start in ms, so ids arrive in
    roughly ascending order, as they do from a real client (random ids would make every insert land
    on a random B-tree page and understate the server). The other bits come from a hash.
    """
    ms = int(_BASE_TIME.timestamp() * 1000) + i // 2
    rand = uuid.uuid5(_NAMESPACE, f"{tag}:{i}").int
    return uuid.UUID(int=(ms << 80) | (0x7 << 76) | ((rand >> 64) & 0xFFF) << 64 | (0b10 << 62)
                     | (rand & ((1 << 62) - 1)))  # fmt: skip


def _stamp(t: dt.datetime) -> str:
    return t.strftime("%Y%m%dT%H%M%S%fZ")


def trace_ops(project: str, tag: str, i: int, feedback: Sequence[tuple[str, float]] = ()) -> list:
    """One agent trace as the SDK queues it: a root chain, a child LLM run, and optional feedback.

    The sizes are those of a short support conversation (a question, an answer, token usage).
    Returns serialized SDK operations, ready for :func:`multipart_body`.
    """
    root, child = run_id(tag, 2 * i), run_id(tag, 2 * i + 1)
    start = _BASE_TIME + dt.timedelta(milliseconds=i)
    root_dotted = f"{_stamp(start)}{root}"
    question = {"messages": [{"role": "user", "content": f"Where is my order ORD-2025-{i % 10000:04d}?"}]}
    answer = {"messages": [{"role": "assistant", "content": "Your order is Processing and ships soon."}]}
    metadata = {"thread_id": str(run_id(tag + "-thread", i // 3)), "ls_model_name": "offline"}
    runs = [
        {
            "id": root,
            "trace_id": root,
            "dotted_order": root_dotted,
            "parent_run_id": None,
            "name": ROOT_NAME,
            "run_type": "chain",
            "inputs": question,
            "outputs": answer,
        },
        {
            "id": child,
            "trace_id": root,
            "parent_run_id": root,
            "dotted_order": f"{root_dotted}.{_stamp(start + dt.timedelta(microseconds=10))}{child}",
            "name": CHILD_NAME,
            "run_type": "llm",
            "inputs": question,
            "outputs": {
                **answer,
                "usage_metadata": {"input_tokens": 42, "output_tokens": 9, "total_tokens": 51},
            },
        },
    ]
    ops: list = []
    for run in runs:
        run.update(
            session_name=project,
            start_time=start.isoformat(),
            end_time=(start + dt.timedelta(milliseconds=350)).isoformat(),
            tags=["bench"],
            extra={"metadata": metadata, "runtime": {"sdk": "langsmith-py", "sdk_version": "0.15.0"}},
        )
        ops.append(serialize_run_dict("post", {k: v for k, v in run.items() if v is not None}))
    for n, (key, score) in enumerate(feedback):
        ops.append(
            serialize_feedback_dict(
                {
                    "id": run_id(tag + "-fb", 8 * i + n),
                    "run_id": root,
                    "trace_id": root,
                    "key": key,
                    "score": score,
                    "comment": None,
                    "feedback_source": {"type": "api", "metadata": {}},
                }
            )
        )
    return ops


def multipart_body(ops: Iterable, *, zstd: bool = False) -> tuple[bytes, dict[str, str]]:
    """Encode operations exactly as ``Client`` does; with ``zstd``, one zstd stream like the SDK's."""
    parts = []
    for op in ops:
        if hasattr(op, "operation"):
            parts.append(serialized_run_operation_to_multipart_parts_and_context(op)[0])
        else:
            parts.append(serialized_feedback_operation_to_multipart_parts_and_context(op))
    body = RewindableMultipartBody(join_multipart_parts_and_context(parts).parts, BOUNDARY)
    data = body.to_bytes()
    headers = {"Content-Type": body.content_type}
    if zstd:
        data = zstandard.ZstdCompressor(level=3).compress(data)
        headers["Content-Encoding"] = "zstd"
    return data, headers


def feedback_plan(i: int) -> list[tuple[str, float]]:
    """Which feedback trace ``i`` gets: 1 in 10 a sentiment score, 1 in 10 a correctness score.

    Traces 10k+5 get ``correctness 0`` with ``user_sentiment 1``: they must NOT match the filter,
    which checks that key and score are matched on the same feedback row.
    """
    if i % 10 == 0:
        return [("user_sentiment", 0.0 if i % 20 == 0 else 1.0)]
    if i % 10 == 5:
        return [("user_sentiment", 1.0), ("correctness", 0.0)]
    return []


def expected_matches(tag: str, n_traces: int) -> set[str]:
    """Root ids the feedback filter must return for :func:`feedback_plan`."""
    return {str(run_id(tag, 2 * i)) for i in range(n_traces) if i % 20 == 0}


def build_bodies(
    project: str,
    tag: str,
    n_traces: int,
    traces_per_body: int,
    *,
    zstd: bool = False,
    with_feedback: bool = False,
    offset: int = 0,
) -> list[tuple[bytes, dict[str, str]]]:
    """Prebuilt request bodies for ``n_traces`` traces (2 runs each)."""
    bodies = []
    for start in range(offset, offset + n_traces, traces_per_body):
        ops = []
        for i in range(start, min(start + traces_per_body, offset + n_traces)):
            ops += trace_ops(project, tag, i, feedback_plan(i) if with_feedback else ())
        bodies.append(multipart_body(ops, zstd=zstd))
    return bodies


# --------------------------------------------------------------------------- reading back


def project_id(http: httpx.Client, name: str) -> str:
    """The id of the project (session) called ``name``, as the SDK looks it up."""
    resp = http.get("/sessions", params={"name": name, "limit": 1})
    resp.raise_for_status()
    found = resp.json()
    if not found:
        raise LookupError(f"no project named {name!r}")
    return found[0]["id"]


def fetch_run_ids(http: httpx.Client, session_id: str, **query: object) -> Iterator[str]:
    """Every run id matching ``query`` in a project, following ``cursors.next`` like the SDK does."""
    body: dict = {
        "session": [session_id],
        "select": ["id", "name", "run_type", "start_time", "trace_id"],
        "limit": 100,
        **query,
    }
    while True:
        resp = http.post("/runs/query", json=body)
        resp.raise_for_status()
        page = resp.json()
        yield from (run["id"] for run in page.get("runs", []))
        cursor = (page.get("cursors") or {}).get("next")
        if not page.get("runs") or not cursor:
            return
        body["cursor"] = cursor


# --------------------------------------------------------------------------- measurements


def send_bodies(
    url: str,
    bodies: Sequence[tuple[bytes, dict[str, str]]],
    threads: int,
    headers: dict[str, str] | None = None,
) -> float:
    """POST every body to ``/runs/multipart`` from ``threads`` clients; seconds taken. Non-2xx raises."""

    def worker(share: Sequence[tuple[bytes, dict[str, str]]]) -> None:
        with httpx.Client(base_url=url, timeout=60.0, headers=headers or {}) as http:
            for data, hdrs in share:
                resp = http.post("/runs/multipart", content=data, headers=hdrs)
                if not resp.is_success:
                    raise RuntimeError(f"ingest answered {resp.status_code}: {resp.text[:300]}")

    shares = [bodies[k::threads] for k in range(threads)]
    began = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        for fut in [pool.submit(worker, share) for share in shares]:
            fut.result()
    return time.perf_counter() - began


def sqlite_baseline(path: Path, n_runs: int, batch: int = 100) -> float:
    """Rows/s of batched inserts of run-sized rows into a WAL SQLite file: the floor to compare with."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(
        "CREATE TABLE runs (id TEXT PRIMARY KEY, trace_id TEXT, parent_run_id TEXT, dotted_order TEXT,"
        " name TEXT, run_type TEXT, start_time TEXT, end_time TEXT, inputs TEXT, outputs TEXT,"
        " extra TEXT)"
    )
    rows = []
    for i in range(n_runs // 2):
        for op in trace_ops("baseline", "baseline", i):
            run = json.loads(op._none)
            # Text, as the server stores it (keeping the SDK's bytes would also hold ~4 KiB each).
            rows.append(
                (
                    run["id"], run["trace_id"], run.get("parent_run_id"), run["dotted_order"], run["name"],
                    run["run_type"], run["start_time"], run["end_time"],
                    op.inputs.decode(), op.outputs.decode(), op.extra.decode(),
                )
            )  # fmt: skip
    began = time.perf_counter()
    for k in range(0, len(rows), batch):
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO runs VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows[k : k + batch])
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - began
    conn.close()
    return len(rows) / elapsed


def sdk_end_to_end(url: str, project: str, n_traces: int) -> float:
    """Traces/s through the real SDK: ``@traceable`` root + child, then ``flush()``."""
    import langsmith as ls

    client = ls.Client(api_url=url, api_key="bench")

    @ls.traceable(name=CHILD_NAME, run_type="llm")
    def answer(question: str) -> str:
        return f"answer to {question}"

    @ls.traceable(name=ROOT_NAME)
    def agent(question: str) -> str:
        return answer(question)

    began = time.perf_counter()
    with ls.tracing_context(enabled=True, client=client, project_name=project):
        for i in range(n_traces):
            agent(f"question {i}")
    client.flush()
    elapsed = time.perf_counter() - began
    client.cleanup()
    return n_traces / elapsed


def query_latencies(url: str, session_id: str, n_queries: int) -> tuple[list[float], set[str]]:
    """Seconds per ``Client.list_runs(filter=FEEDBACK_FILTER, limit=100)``, and the ids returned."""
    import langsmith as ls

    client = ls.Client(api_url=url, api_key="bench")
    latencies, seen = [], set()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # list_runs is deprecated in 0.15
        for _ in range(n_queries):
            began = time.perf_counter()
            runs = list(client.list_runs(project_id=session_id, filter=FEEDBACK_FILTER, limit=100))
            latencies.append(time.perf_counter() - began)
            seen.update(str(r.id) for r in runs if r.name == ROOT_NAME)
            if len(runs) != len({r.id for r in runs}):
                raise AssertionError("list_runs returned duplicates")
    return latencies, seen


# --------------------------------------------------------------------------- report


@dataclass
class Report:
    """Figures and checks, printed as aligned lines; ``failed`` decides the exit status."""

    quick: bool
    failed: list[str] = field(default_factory=list)

    def figure(self, label: str, value: str) -> None:
        print(f"  {label:<46} {value}", flush=True)

    def check(self, label: str, ok: bool, detail: str, *, performance: bool = False) -> None:
        counts = not (performance and self.quick)
        verdict = ("PASS" if ok else "FAIL") if counts else ("pass" if ok else "miss") + " (quick: info)"
        print(f"  [{verdict}] {label}: {detail}", flush=True)
        if counts and not ok:
            self.failed.append(label)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=100_000, help="runs to ingest per mode (default 100,000)")
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke check in seconds")
    parser.add_argument("--threads", type=int, default=1, help="client threads sending bodies (default 1)")
    parser.add_argument("--queries", type=int, default=50, help="list_runs calls timed (default 50)")
    parser.add_argument(
        "--sdk-traces", type=int, default=2_000, help="traces for the SDK run (default 2,000)"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.runs, args.queries, args.sdk_traces = 2_000, 10, 100
    n_traces = args.runs // 2
    report = Report(quick=args.quick)
    print(
        f"localsmith benchmark: {args.runs:,} runs per mode ({n_traces:,} traces of 2 runs), "
        f"{args.threads} sender thread(s), {os.cpu_count()} CPU(s), load average "
        f"{os.getloadavg()[0]:.1f} (other work on the machine lowers every rate)",
        flush=True,
    )

    with tempfile.TemporaryDirectory(prefix="localsmith-bench-") as tmp:
        base_rate = sqlite_baseline(Path(tmp) / "baseline.db", args.runs)
        report.figure("SQLite baseline (100-row txns, WAL)", f"{base_rate:>10,.0f} rows/s")

        with (
            running_server(Path(tmp) / "server.db") as server,
            httpx.Client(base_url=server.url, timeout=60) as http,
        ):
            for mode, zstd in (("plain", False), ("zstd", True)):
                project = f"bench-ingest-{mode}"
                bodies = build_bodies(project, mode, n_traces, 50, zstd=zstd, with_feedback=not zstd)
                # Five consecutive rounds: the total decides; the spread shows how much the machine
                # (other tenants of a shared VM) moved the figure while it ran.
                runs_in = [2 * min(50, n_traces - 50 * k) for k in range(len(bodies))]
                cuts = [k * len(bodies) // 5 for k in range(6)]
                timings = [
                    (sum(runs_in[a:b]), send_bodies(server.url, bodies[a:b], args.threads))
                    for a, b in zip(cuts, cuts[1:], strict=False)
                    if b > a
                ]
                del bodies  # ~150 MB per 100,000 runs: free it before building the next set
                seconds = sum(t for _, t in timings)
                rate = args.runs / seconds
                per_round = sorted(n / t for n, t in timings)
                report.figure(
                    f"ingest /runs/multipart ({mode})",
                    f"{rate:>10,.0f} runs/s  ({seconds:.1f} s, x{rate / base_rate:.2f} of SQLite)",
                )
                report.figure(
                    f"  {len(per_round)} rounds of {args.runs // len(per_round):,} runs",
                    f"min {per_round[0]:,.0f}, median {statistics.median(per_round):,.0f},"
                    f" max {per_round[-1]:,.0f} runs/s",
                )
                report.check(
                    f"ingest {mode} >= 10,000 runs/s", rate >= 10_000, f"{rate:,.0f} runs/s", performance=True
                )
                stored = sum(1 for _ in fetch_run_ids(http, project_id(http, project)))
                report.check(
                    f"nothing lost ({mode})", stored == args.runs, f"{stored:,} stored of {args.runs:,}"
                )

            rate = sdk_end_to_end(server.url, "bench-sdk", args.sdk_traces)
            report.figure("SDK end to end (@traceable + flush)", f"{rate:>10,.0f} traces/s")
            stored = sum(1 for _ in fetch_run_ids(http, project_id(http, "bench-sdk")))
            report.check(
                "nothing lost (SDK)",
                stored == 2 * args.sdk_traces,
                f"{stored:,} stored of {2 * args.sdk_traces:,}",
            )

            session = project_id(http, "bench-ingest-plain")
            latencies, seen = query_latencies(server.url, session, args.queries)
            ms = sorted(x * 1000 for x in latencies)
            p50, p95 = statistics.median(ms), ms[max(0, round(0.95 * len(ms)) - 1)]
            report.figure(
                f"list_runs name+feedback filter @ {args.runs:,}", f"p50 {p50:.1f} ms, p95 {p95:.1f} ms"
            )
            report.check("list_runs p50 < 100 ms", p50 < 100, f"{p50:.1f} ms", performance=True)
            expected = expected_matches("plain", n_traces)
            wanted = min(100, len(expected))
            report.check(
                "filter returns only matching roots",
                seen <= expected and len(seen) >= wanted,
                f"{len(seen)} returned, all among the {len(expected):,} expected"
                if seen <= expected
                else f"{len(seen - expected)} unexpected runs",
            )

    print("RESULT:", "FAIL " + ", ".join(report.failed) if report.failed else "PASS", flush=True)
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
