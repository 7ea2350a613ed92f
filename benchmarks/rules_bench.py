"""Benchmark of the local rule engine: idle threads judged by the online evaluator and routed.

Why: a simulated deployment produces hundreds of conversations at once, and the notebook waits for
the "User Sentiment" evaluator and the negative-sentiment automation before it shows the queue. This
script measures how long the engine takes to drain a backlog of idle threads, offline:

1. start ``python -m techhub.localsmith`` on a free loopback port over a temporary SQLite file;
2. create the workshop's rules with :mod:`techhub.flywheel` (evaluator, queue, automation);
3. ingest ``--threads`` conversations of two turns each (``POST /runs/batch``), half of them ending in
   frustration, all finished ``--idle`` + 5 seconds ago, so every thread is already idle;
4. time until the engine reports ``caught_up`` (every thread judged, every negative one queued).

Checks: every thread scored once (``user_sentiment`` feedback on each thread's latest root run),
exactly the negative ones queued, drain time under ``--target`` seconds (default 10).
Run: ``.venv/bin/python benchmarks/rules_bench.py`` (1,000 threads). Exit status 1 when a check fails.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import langsmith as ls

from techhub.config import ROOT_RUN_NAME
from techhub.flywheel import create_negative_sentiment_automation, create_review_queue
from techhub.flywheel.configure import create_user_sentiment_evaluator
from techhub.localsmith.launcher import running_server

PROJECT = "techhub-workshop-deployment"
NEGATIVE_TURNS = [
    ("Where is my order?! It's been weeks!", "Could you give me your email address?"),
    ("This is ridiculous. I want a refund NOW!", "I understand your frustration."),
]
POSITIVE_TURNS = [
    ("What is your return policy?", "You can return any product within 30 days."),
    ("Thanks, that's really helpful!", "You're welcome!"),
]


def thread_runs(thread_id: str, negative: bool, ended: dt.datetime) -> list[dict]:
    """Two root runs of one conversation, shaped like LangGraph's, finished before ``ended``."""
    runs, state = [], []
    for turn, (question, answer) in enumerate(NEGATIVE_TURNS if negative else POSITIVE_TURNS):
        run_id = str(uuid.uuid4())
        start = ended - dt.timedelta(seconds=2 - turn)
        human = {"role": "user", "content": question}
        state += [human, {"role": "assistant", "content": answer}]
        runs.append(
            {
                "id": run_id,
                "trace_id": run_id,
                "name": ROOT_RUN_NAME,
                "run_type": "chain",
                "session_name": PROJECT,
                "dotted_order": start.strftime("%Y%m%dT%H%M%S%fZ") + run_id,
                "start_time": start.isoformat(),
                "end_time": (start + dt.timedelta(milliseconds=500)).isoformat(),
                "inputs": {"messages": [human]},
                "outputs": {"messages": list(state)},
                "extra": {"metadata": {"thread_id": thread_id}},
            }
        )
    return runs


def count_scored(http: httpx.Client, project_id: str) -> int:
    """Root runs carrying ``user_sentiment`` feedback, counted through ``/runs/query`` pages."""
    total, cursor = 0, None
    while True:
        body = {
            "session": [project_id],
            "is_root": True,
            "limit": 100,
            "select": ["id"],
            "filter": 'eq(feedback_key, "user_sentiment")',
            **({"cursor": cursor} if cursor else {}),
        }
        page = http.post("/runs/query", json=body).json()
        total += len(page["runs"])
        cursor = page["cursors"]["next"]
        if not cursor:
            return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--threads", type=int, default=1000)
    parser.add_argument("--idle", type=float, default=1.0, help="thread idle time of the evaluator (s)")
    parser.add_argument("--target", type=float, default=10.0, help="drain time to beat (s)")
    args = parser.parse_args(argv)

    os.environ["TECHHUB_MODEL_BACKEND"] = "offline"
    os.environ.pop("OPENAI_API_KEY", None)
    with (
        tempfile.TemporaryDirectory() as tmp,
        running_server(Path(tmp) / "bench.db") as server,
        httpx.Client(base_url=server.url, timeout=120) as http,
    ):
        client = ls.Client(api_url=server.url, api_key="bench")
        create_user_sentiment_evaluator(client, project_name=PROJECT, idle_seconds=args.idle)
        queue = create_review_queue(client)
        create_negative_sentiment_automation(client, queue_id=queue["id"], project_name=PROJECT)
        project_id = str(client.read_project(project_name=PROJECT).id)

        ended = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=args.idle + 5)
        runs = [run for i in range(args.threads) for run in thread_runs(str(uuid.uuid4()), i % 2 == 0, ended)]
        started = time.perf_counter()
        for start in range(0, len(runs), 500):
            response = http.post("/runs/batch", json={"post": runs[start : start + 500]})
            response.raise_for_status()
        ingested = time.perf_counter()
        while not (status := http.get("/api/v1/techhub/engine").json())["caught_up"]:
            if time.perf_counter() - ingested > 20 * args.target:
                print(f"FAIL: engine not caught up after {20 * args.target:.0f}s: {status}")
                return 1
            time.sleep(0.05)
        drained = time.perf_counter()

        drain = drained - ingested
        scored = count_scored(http, project_id)
        queued = http.get(f"/api/v1/annotation-queues/{queue['id']}/size").json()["size"]
        negatives = (args.threads + 1) // 2
        print(f"threads: {args.threads} ({len(runs)} root runs), ingest {ingested - started:.2f}s")
        print(
            f"time to drain: {drain:.2f}s -> {args.threads / drain:,.0f} threads/s "
            f"(judged and routed; {status['counts']})"
        )
        checks = [
            (scored == args.threads, f"every thread scored once: {scored}/{args.threads}"),
            (queued == negatives, f"exactly the negative threads queued: {queued}/{negatives}"),
            (drain < args.target, f"drain under {args.target:.0f}s: {drain:.2f}s"),
            (status["counts"]["errors"] == 0, f"no engine errors: {status['last_error']}"),
        ]
        for ok, text in checks:
            print(f"{'PASS' if ok else 'FAIL'}: {text}")
        return 0 if all(ok for ok, _ in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
