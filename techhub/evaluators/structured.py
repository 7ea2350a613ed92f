"""The one way a judge is asked: fill a prompt, call the judge model with an output schema.

The local server's rule engine (an online evaluator defined by prompt + schema) and the Python judges
both come through :func:`judge_structured`, so offline and live modes share the same prompts and
schemas; only the model behind :func:`techhub.models.get_chat_model` differs.
"""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.exceptions import ModelRefusalError, OutputParserException
from langchain_core.messages import BaseMessage, convert_to_messages

from techhub.evaluators.prompts import render_prompt

_ROLES = {"system": "system", "human": "human", "user": "human", "ai": "ai", "assistant": "ai"}


class JudgeError(RuntimeError):
    """The judge model refused, or its answer does not fit the schema it was given."""


def build_judge_messages(prompt: Sequence[Sequence[str]], variables: dict) -> list[BaseMessage]:
    """Render each ``(role, template)`` of an evaluator prompt with the mustache ``variables``."""
    rendered: list[tuple[str, str]] = []
    for item in prompt:
        if len(item) != 2 or not all(isinstance(part, str) for part in item):
            raise ValueError(f"each prompt message must be a [role, text] pair, got {item!r}")
        role, template = item
        if role.lower() not in _ROLES:
            raise ValueError(f"unknown prompt role {role!r}: use one of {sorted(_ROLES)}")
        rendered.append((_ROLES[role.lower()], render_prompt(template, variables)))
    if not rendered:
        raise ValueError("the evaluator prompt is empty")
    return convert_to_messages(rendered)


def check_against_schema(answer: object, schema: dict) -> dict:
    """The answer as a dict, after checking required keys and enum values (what judges rely on)."""
    if not isinstance(answer, dict):
        kind = type(answer).__name__
        raise JudgeError(f"judge answered {kind}, expected an object for {schema.get('title')}")
    properties = schema.get("properties", {})
    missing = [key for key in schema.get("required", []) if key not in answer]
    if missing:
        raise JudgeError(f"judge answer lacks {', '.join(missing)}: {answer!r}")
    for key, spec in properties.items():
        if key in answer and "enum" in spec and answer[key] not in spec["enum"]:
            raise JudgeError(f"judge answered {key}={answer[key]!r}, expected one of {spec['enum']}")
    return answer


def judge_structured(
    prompt: Sequence[Sequence[str]], schema: dict, variables: dict, *, model: str | None = None
) -> dict:
    """Ask the judge model to grade: render ``prompt`` with ``variables``, answer in ``schema``.

    ``prompt`` is LangSmith's evaluator prompt, ``[(role, mustache template), ...]``; ``schema`` is a
    JSON schema with a ``title`` (the tool / feedback name); ``model`` defaults to the configured judge
    model. Returns the answer's arguments, e.g. ``{"reasoning": ..., "user_sentiment": "negative"}``.
    """
    if not isinstance(schema, dict) or not schema.get("title") or "properties" not in schema:
        raise ValueError("schema must be a JSON schema object with a title and properties")
    messages = build_judge_messages(prompt, variables)
    # Imported here: the offline model imports this package's helpers, so a top-level import would loop.
    from techhub.config import get_settings
    from techhub.models import get_chat_model

    chat_model = get_chat_model(model or get_settings().judge_model_name)
    try:
        answer = chat_model.with_structured_output(schema).invoke(messages)
    except ModelRefusalError as refusal:  # OpenAI's structured outputs may refuse instead of grading
        raise JudgeError(f"the judge model refused to grade {schema['title']}: {refusal}") from refusal
    except OutputParserException as error:  # not JSON at all (a model without structured outputs)
        raise JudgeError(f"judge answer for {schema['title']} is not JSON: {error}") from error
    return check_against_schema(answer, schema)
