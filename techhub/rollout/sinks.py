"""Where alerts go: a log by default, a webhook when ``TECHHUB_ALERT_WEBHOOK_URL`` is set.

The seed's ``send_alerts`` logged and left a ``TODO: Send to Slack, PagerDuty``. A sink is anything
with ``send(alerts)``; :func:`default_sink` picks the log or the webhook from the environment. The
webhook receives one JSON POST per batch, ``{"text": "<one alert per line>", "alerts": [...]}``
(``text`` is what Slack-style incoming webhooks display). A webhook that fails does not lose the
alerts: they are logged instead, with the failure.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import httpx

from techhub.config import load_env
from techhub.rollout.alerts import Alert

WEBHOOK_ENV = "TECHHUB_ALERT_WEBHOOK_URL"
logger = logging.getLogger("techhub.rollout.alerts")


class AlertSink(Protocol):
    def send(self, alerts: Sequence[Alert]) -> None: ...


@dataclass
class LoggingSink:
    """Each alert as one log record: ERROR for critical ones, WARNING otherwise."""

    logger: logging.Logger = field(default_factory=lambda: logger)

    def send(self, alerts: Sequence[Alert]) -> None:
        for alert in alerts:
            self.logger.log(logging.ERROR if alert.severity == "critical" else logging.WARNING, alert.message)


@dataclass
class ListSink:
    """Keeps the alerts it is sent (for a notebook to display, or a test to read)."""

    alerts: list[Alert] = field(default_factory=list)

    def send(self, alerts: Sequence[Alert]) -> None:
        self.alerts.extend(alerts)


def webhook_payload(alerts: Sequence[Alert]) -> dict:
    return {
        "text": "\n".join(alert.message for alert in alerts),
        "alerts": [
            {
                "gate": a.gate,
                "metric": a.metric,
                "value": a.value,
                "limit": a.limit,
                "severity": a.severity,
                "message": a.message,
                "at": a.at.isoformat(),
                "run_id": a.run_id,
            }
            for a in alerts
        ],
    }


@dataclass
class WebhookSink:
    """POSTs each batch of alerts as JSON to ``url`` with httpx; on failure, logs them instead."""

    url: str
    timeout_s: float = 5.0
    fallback: AlertSink = field(default_factory=LoggingSink)

    def send(self, alerts: Sequence[Alert]) -> None:
        if not alerts:
            return
        try:
            response = httpx.post(self.url, json=webhook_payload(alerts), timeout=self.timeout_s)
            response.raise_for_status()
        except httpx.HTTPError as error:
            logger.error("alert webhook %s failed (%s); logging the alerts instead", self.url, error)
            self.fallback.send(alerts)


def default_sink() -> AlertSink:
    """A :class:`WebhookSink` when ``TECHHUB_ALERT_WEBHOOK_URL`` is set (``.env`` included), else a log."""
    load_env()
    url = os.environ.get(WEBHOOK_ENV, "").strip()
    if not url:
        return LoggingSink()
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"{WEBHOOK_ENV} must be an http(s) URL, not {url!r}")
    return WebhookSink(url)
