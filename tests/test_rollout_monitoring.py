"""Metrics over a window, the three gates (each trigger alone, none, several), per-query alerts and sinks."""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from techhub.localsmith.launcher import free_port
from techhub.rollout.alerts import check_gate, query_alert
from techhub.rollout.configs import load_rollout_config
from techhub.rollout.metrics import WindowMetrics, compute_metrics
from techhub.rollout.monitor import check_production
from techhub.rollout.records import QueryRecord
from techhub.rollout.sinks import WEBHOOK_ENV, ListSink, LoggingSink, WebhookSink, default_sink

CONFIG = load_rollout_config()
T0 = datetime(2025, 11, 20, 12, tzinfo=UTC)

HEALTHY = WindowMetrics(
    n=200,
    success_rate=1.0,
    error_rate=0.0,
    latency_p50_s=0.8,
    latency_p95_s=1.5,
    cost_per_query=0.002,
    positive_sentiment_rate=0.9,
    sentiment_n=150,
    correctness=0.9,
    routing_rate=0.03,
)


def record(i: int, **fields) -> QueryRecord:
    base = {"run_id": f"run-{i}", "start_time": T0 + timedelta(minutes=i), "latency_s": 1.0, "cost": 0.002}
    return QueryRecord(**{**base, **fields})


# ---------------------------------------------------------------- metrics


def test_metrics_of_a_window():
    records = [record(i, latency_s=float(i + 1)) for i in range(10)]  # latencies 1..10 s
    records[3] = record(3, latency_s=4.0, error="boom")
    records[0] = record(0, latency_s=1.0, sentiment="positive")
    records[1] = record(1, latency_s=2.0, sentiment="negative", strategy="fallback")
    metrics = compute_metrics(records, correctness=0.8)
    assert metrics.n == 10
    assert metrics.success_rate == pytest.approx(0.9) and metrics.error_rate == pytest.approx(0.1)
    assert metrics.latency_p50_s == pytest.approx(5.5)  # numpy linear interpolation
    assert metrics.latency_p95_s == pytest.approx(9.55)
    assert metrics.cost_per_query == pytest.approx(0.002)
    assert metrics.positive_sentiment_rate == pytest.approx(0.5) and metrics.sentiment_n == 2
    assert metrics.routing_rate == pytest.approx(0.1) and metrics.correctness == 0.8
    window = compute_metrics(records, start=T0 + timedelta(minutes=5), end=T0 + timedelta(minutes=8))
    assert window.n == 3 and window.latency_p50_s == pytest.approx(7.0)


def test_an_empty_window_has_no_metrics_and_fires_nothing():
    empty = compute_metrics([])
    assert empty.n == 0 and empty.success_rate is None and empty.latency_p95_s is None
    for gate in (CONFIG.gates.stage, CONFIG.gates.rollback, CONFIG.gates.alerts):
        assert check_gate(empty, gate) == []


# ---------------------------------------------------------------- gates

STAGE_BREACHES = {
    "success_rate": 0.94,
    "positive_sentiment_rate": 0.79,
    "cost_per_query": 0.0051,
    "error_rate": 0.06,
}
ROLLBACK_BREACHES = {
    "success_rate": 0.94,
    "error_rate": 0.11,
    "positive_sentiment_rate": 0.74,
    "cost_per_query": 0.0101,
    "latency_p95_s": 5.1,
}


def test_healthy_metrics_fire_no_gate():
    for gate in (CONFIG.gates.stage, CONFIG.gates.rollback, CONFIG.gates.alerts):
        assert check_gate(HEALTHY, gate) == []


@pytest.mark.parametrize(("metric", "value"), STAGE_BREACHES.items())
def test_each_stage_trigger_alone(metric, value):
    alerts = check_gate(replace(HEALTHY, **{metric: value}), CONFIG.gates.stage)
    assert [a.metric for a in alerts] == [metric]
    assert alerts[0].gate == "stage" and alerts[0].value == value


@pytest.mark.parametrize(("metric", "value"), ROLLBACK_BREACHES.items())
def test_each_rollback_trigger_alone(metric, value):
    alerts = check_gate(replace(HEALTHY, **{metric: value}), CONFIG.gates.rollback)
    assert [a.metric for a in alerts] == [metric]


def test_the_two_seed_lists_disagree_and_each_gate_keeps_its_own():
    # Error rate 7% and cost $0.007: the stage check (5%, $0.005) fires, the rollback monitor (10%, $0.010)
    # does not; p95 of 3 s fires only the alerts (2 s), not the rollback (5 s).
    metrics = replace(HEALTHY, error_rate=0.07, cost_per_query=0.007, latency_p95_s=3.0)
    assert {a.metric for a in check_gate(metrics, CONFIG.gates.stage)} == {"error_rate", "cost_per_query"}
    assert check_gate(metrics, CONFIG.gates.rollback) == []
    assert {a.metric for a in check_gate(metrics, CONFIG.gates.alerts)} == {
        "error_rate",
        "cost_per_query",
        "latency_p95_s",
    }


def test_several_triggers_fire_together_in_gate_order_with_messages():
    metrics = replace(HEALTHY, success_rate=0.80, error_rate=0.20, cost_per_query=0.02, latency_p95_s=6.0)
    alerts = check_gate(metrics, CONFIG.gates.rollback)
    assert [a.metric for a in alerts] == ["success_rate", "error_rate", "cost_per_query", "latency_p95_s"]
    messages = [a.message for a in alerts]
    assert messages[0] == "🚨 Success rate drop: 80.00% < 95.00% (n=200)"
    assert messages[2] == "💰 Cost spike: $0.0200 > $0.0100 (n=200)"
    assert messages[3] == "⏱️ Latency p95 spike: 6.00s > 5.00s (n=200)"
    assert alerts[0].severity == "critical" and alerts[2].severity == "warning"


def test_sentiment_and_correctness_stand_in_for_the_seed_confidences():
    metrics = replace(HEALTHY, positive_sentiment_rate=0.5, sentiment_n=4, correctness=0.6)
    messages = [a.message for a in check_gate(metrics, CONFIG.gates.alerts)]
    assert messages == [
        "⚠️ Positive sentiment drop: 50.00% < 80.00% (n=4)",
        "⚠️ Correctness drop: 0.600 < 0.750",
    ]
    assert check_gate(replace(HEALTHY, positive_sentiment_rate=None, sentiment_n=0), CONFIG.gates.stage) == []


def test_a_single_failed_query_raises_an_alert():
    assert query_alert(record(1)) is None
    alert = query_alert(record(2, error="ToolException: database is locked\nTraceback ..."))
    assert alert.run_id == "run-2" and alert.severity == "critical"
    assert alert.message == "🚨 Query processing error (run run-2): ToolException: database is locked"


def test_production_monitor_uses_alerts_and_rollback_gates_and_sends_everything():
    records = [record(i) for i in range(18)] + [record(18, error="boom"), record(19, error="bang")]
    sink = ListSink()
    result = check_production(records, sink=sink, config=CONFIG)
    # 2 errors in 20: error rate 10% (not > 10%: no rollback), success 90% (< 95%: rollback).
    assert result.rollback and [a.metric for a in result.rollback_alerts] == ["success_rate"]
    assert {a.metric for a in result.alerts} == {"success_rate", "error_rate"}
    assert [a.run_id for a in result.query_alerts] == ["run-18", "run-19"]
    assert sink.alerts == list(result.all_alerts)
    assert result.summary().startswith("20 queries: rollback requested, 2 alert(s), 2 failed")
    quiet = check_production(records[:18], config=CONFIG)
    assert not quiet.rollback and quiet.all_alerts == ()


# ---------------------------------------------------------------- sinks


def test_logging_sink_logs_critical_as_error(caplog):
    alerts = check_gate(replace(HEALTHY, success_rate=0.5, cost_per_query=0.05), CONFIG.gates.alerts)
    with caplog.at_level(logging.WARNING, logger="techhub.rollout.alerts"):
        LoggingSink().send(alerts)
    logged = [(r.levelname, r.getMessage()) for r in caplog.records]
    assert logged == [("ERROR", alerts[0].message), ("WARNING", alerts[1].message)]


class _Receiver(BaseHTTPRequestHandler):
    received: list = []
    status = 200

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((self.path, self.headers["Content-Type"], json.loads(body)))
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    handler = type("Receiver", (_Receiver,), {"received": [], "status": 200})
    server = HTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield handler, f"http://127.0.0.1:{server.server_port}/hooks/alerts"
    server.shutdown()
    server.server_close()


def test_webhook_sink_posts_the_alerts_as_json(receiver):
    handler, url = receiver
    alerts = [query_alert(record(7, error="boom"))]
    WebhookSink(url).send(alerts)
    WebhookSink(url).send([])  # nothing to send, nothing posted
    [(path, content_type, payload)] = handler.received
    assert path == "/hooks/alerts" and content_type == "application/json"
    assert payload["text"] == alerts[0].message
    assert payload["alerts"][0]["run_id"] == "run-7" and payload["alerts"][0]["severity"] == "critical"


def test_a_failing_webhook_loses_no_alert(receiver, caplog):
    handler, url = receiver
    handler.status = 500
    alerts = [query_alert(record(8, error="boom"))]
    with caplog.at_level(logging.WARNING, logger="techhub.rollout.alerts"):
        WebhookSink(url).send(alerts)
    messages = [r.getMessage() for r in caplog.records]
    assert any("alert webhook" in m and "500" in m for m in messages)
    assert alerts[0].message in messages


def test_default_sink_follows_the_environment(monkeypatch):
    monkeypatch.delenv(WEBHOOK_ENV, raising=False)
    assert isinstance(default_sink(), LoggingSink)
    monkeypatch.setenv(WEBHOOK_ENV, "http://127.0.0.1:9/alerts")
    sink = default_sink()
    assert isinstance(sink, WebhookSink) and sink.url == "http://127.0.0.1:9/alerts"
    monkeypatch.setenv(WEBHOOK_ENV, "slack.example/alerts")
    with pytest.raises(ValueError, match=WEBHOOK_ENV):
        default_sink()
