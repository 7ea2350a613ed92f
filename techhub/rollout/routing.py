"""Complexity routing: score a customer's message, send the hard ones to the fallback configuration.

The seed's ``ComplexityScorer`` looked for multi-step plans, constraints, ambiguity and several
questions, to decide when to pay for MCTS. The same idea for support questions: several questions in
one message, a sequence of requests, several orders at once, a comparison, several constraints to
satisfy together, hedged or vague wording, a long message. Each signal adds a fixed weight; the sum
(capped at 1) is compared with ``routing.threshold`` of ``rollout.toml``: at or above it, the
fallback (gpt-4o) answers; below, production (gpt-4o-mini).

The weights were set on the ``dev`` questions of ``complexity_questions.toml`` (written before the
rules); :func:`router_accuracy` reports dev and held-out accuracy separately. One author wrote both
sets, so the held-out figure is optimistic; live traffic is the real test (the routing rate).

A decision carries the metadata to put on the run (``complexity``, ``strategy``), so the routing
rate is computed from traces like every other figure.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from techhub.rollout.configs import ModelConfig, RolloutConfig, load_rollout_config
from techhub.rollout.records import QueryRecord

LABELLED_QUESTIONS_FILE = Path(__file__).with_name("complexity_questions.toml")

_ORDER_ID = re.compile(r"\bORD-\d{4}-\d{4}\b", re.IGNORECASE)
_SEQUENCE = re.compile(r"\b(first|then|after that|afterwards|next|once|finally|followed by)\b", re.IGNORECASE)
_COMPARISON = re.compile(
    r"\b(compare[sd]?|comparison|vs\.?|versus|difference between|better|worse|which one|which of|or the)\b",
    re.IGNORECASE,
)
_CONSTRAINT = re.compile(
    r"\b(must|need|needs|required?|at least|at most|no more than|less than|more than|under \$?\d|"
    r"over \$?\d|before|without|only|should|cannot|can't)\b",
    re.IGNORECASE,
)
_HEDGE = re.compile(
    r"\b(maybe|possibly|perhaps|not sure|unclear|uncertain|ambiguous|i think|i guess|kind of|sort of"
    r"|or so)\b",
    re.IGNORECASE,
)
_MANY_ORDERS = re.compile(
    r"\b(all (of )?my orders|every order|each order|my last \w+ orders"
    r"|everything i (bought|ordered|purchased))\b",
    re.IGNORECASE,
)
_ACTION = re.compile(
    r"\b(return|exchange|cancel|refund|change|track|send back|replace|swap)\b", re.IGNORECASE
)


def complexity_signals(text: str) -> dict[str, float]:
    """The signals found in ``text`` and the weight each adds (absent signals are left out)."""
    signals: dict[str, float] = {}
    questions = text.count("?")
    if questions >= 3:
        signals["several_questions"] = 0.5
    elif questions == 2:
        signals["several_questions"] = 0.3
    sequence = len(_SEQUENCE.findall(text))
    if sequence:
        signals["sequence"] = 0.5 if sequence >= 2 else 0.25
    if len(set(m.upper() for m in _ORDER_ID.findall(text))) >= 2 or _MANY_ORDERS.search(text):
        signals["several_orders"] = 0.5
    if _COMPARISON.search(text):
        signals["comparison"] = 0.5
    constraints = len(_CONSTRAINT.findall(text))
    if constraints:
        signals["constraints"] = min(0.15 * constraints, 0.45)
    if _HEDGE.search(text):
        hedges = len(_HEDGE.findall(text))
        signals["ambiguity"] = 0.5 if hedges >= 2 else 0.3
    if len({m.lower() for m in _ACTION.findall(text)}) >= 2:
        signals["several_requests"] = 0.25
    words = len(text.split())
    if words > 40:
        signals["long"] = 0.2
    elif words > 20:
        signals["long"] = 0.1
    return signals


def complexity_score(text: str) -> float:
    """The complexity of a customer message, 0 (one plain question) to 1 (several hard signals)."""
    return min(1.0, round(sum(complexity_signals(text).values()), 4))


@dataclass(frozen=True)
class RoutingDecision:
    """Which configuration answers a message, why, and what to record on its run."""

    config: ModelConfig
    score: float
    threshold: float
    signals: dict[str, float]

    @property
    def escalated(self) -> bool:
        return self.score >= self.threshold

    @property
    def model(self) -> str:
        return self.config.model

    @property
    def strategy(self) -> str:
        return self.config.strategy

    def metadata(self) -> dict[str, Any]:
        """Run metadata (``complexity``, ``strategy``, ``rollout_config``, the signals' names)."""
        return {
            "complexity": self.score,
            "strategy": self.strategy,
            "rollout_config": self.config.name,
            "complexity_signals": sorted(self.signals),
        }


@dataclass(frozen=True)
class ComplexityRouter:
    production: ModelConfig
    fallback: ModelConfig
    threshold: float

    @classmethod
    def from_config(cls, config: RolloutConfig | None = None) -> ComplexityRouter:
        config = config or load_rollout_config()
        return cls(config.production, config.fallback, config.routing.threshold)

    def route(self, text: str) -> RoutingDecision:
        signals = complexity_signals(text)
        score = min(1.0, round(sum(signals.values()), 4))
        config = self.fallback if score >= self.threshold else self.production
        return RoutingDecision(config=config, score=score, threshold=self.threshold, signals=signals)


def routing_rate(
    items: Iterable[RoutingDecision | QueryRecord], fallback_strategy: str = "fallback"
) -> float | None:
    """Share of decisions escalated (or of records whose ``strategy`` is the fallback's); None if empty."""
    flags = [
        item.escalated if isinstance(item, RoutingDecision) else item.strategy == fallback_strategy
        for item in items
    ]
    return sum(flags) / len(flags) if flags else None


@dataclass(frozen=True)
class LabelledQuestion:
    text: str
    complex: bool
    split: Literal["dev", "heldout"]


def load_labelled_questions(path: str | Path | None = None) -> list[LabelledQuestion]:
    """The labelled questions the router is measured on."""
    data = tomllib.loads(Path(path or LABELLED_QUESTIONS_FILE).read_text(encoding="utf-8"))
    return [LabelledQuestion(**item) for item in data["question"]]


@dataclass(frozen=True)
class RouterAccuracy:
    split: str
    n: int
    correct: int
    mistakes: tuple[str, ...]

    @property
    def accuracy(self) -> float:
        return self.correct / self.n if self.n else 0.0


def router_accuracy(
    router: ComplexityRouter, questions: Sequence[LabelledQuestion]
) -> dict[str, RouterAccuracy]:
    """Accuracy of ``router`` per split (``dev``, ``heldout``): escalated iff labelled complex."""
    result = {}
    for split in sorted({q.split for q in questions}):
        subset = [q for q in questions if q.split == split]
        mistakes = tuple(q.text for q in subset if router.route(q.text).escalated != q.complex)
        result[split] = RouterAccuracy(split, len(subset), len(subset) - len(mistakes), mistakes)
    return result
