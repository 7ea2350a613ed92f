"""The correctness judge: does the agent's answer state the facts of the reference answer?

Written as a ``langsmith.evaluate`` evaluator (``inputs, outputs, reference_outputs`` in, a feedback
dict out) so the course's offline evaluation of the golden dataset can use it as is.
"""

from __future__ import annotations

from techhub.evaluators.conversation import last_ai_text, last_human_text
from techhub.evaluators.prompts import (
    CORRECTNESS_FEEDBACK_KEY,
    CORRECTNESS_HUMAN_PROMPT,
    CORRECTNESS_SCHEMA,
    CORRECTNESS_SYSTEM_PROMPT,
)
from techhub.evaluators.structured import judge_structured

CORRECTNESS_PROMPT: list[tuple[str, str]] = [
    ("system", CORRECTNESS_SYSTEM_PROMPT),
    ("human", CORRECTNESS_HUMAN_PROMPT),
]


def judge_correctness(question: str, answer: str, reference: str, *, model: str | None = None) -> dict:
    """Grade ``answer`` against ``reference``: ``{"key": "correctness", "score": 0|1, "comment": ...}``."""
    if not reference.strip():
        raise ValueError("the reference answer is empty: nothing to grade against")
    variables = {"question": question, "answer": answer, "reference": reference}
    verdict = judge_structured(CORRECTNESS_PROMPT, CORRECTNESS_SCHEMA, variables, model=model)
    return {
        "key": CORRECTNESS_FEEDBACK_KEY,
        "score": 1 if verdict["correct"] else 0,
        "comment": verdict["reasoning"],
    }


def correctness(inputs: dict, outputs: dict, reference_outputs: dict) -> dict:
    """``langsmith.evaluate`` evaluator: the run's last AI answer against the example's reference.

    ``inputs`` / ``outputs`` / ``reference_outputs`` may hold ``{"messages": [...]}`` (LangGraph state,
    dicts or LangChain messages) or ``{"answer" | "output": str}``.
    """
    return judge_correctness(
        last_human_text(inputs or {}), last_ai_text(outputs or {}), last_ai_text(reference_outputs or {})
    )
