"""The judges' prompts and output schemas, and the mustache rendering both judging paths share.

The sentiment prompt is the workshop's "User Sentiment" online evaluator, word for word: the same
text goes to LangSmith (live), to the local server's rule engine (offline) and to the judge called
from Python, so a learner sees one prompt everywhere. Templates use mustache, as LangSmith's
evaluator prompts do: ``{{x}}`` is HTML-escaped, ``{{{x}}}`` is inserted as is.
"""

from __future__ import annotations

from langchain_core.prompts.string import mustache_template_vars
from langchain_core.utils.mustache import render

SENTIMENT_FEEDBACK_KEY = "user_sentiment"
SENTIMENT_EVALUATOR_NAME = "User Sentiment"
SENTIMENT_CATEGORIES = ("positive", "negative")

SENTIMENT_SYSTEM_PROMPT = """\
You are an expert conversation evaluator. You will be shown a full conversation between a human user \
and an AI assistant.

Your task is to judge **overall user sentiment** throughout the duration of this conversation:

Positive responses may include:
- Gratitude (thank you, appreciate, helpful)
- Resolution indicators (it's fixed, works now, that's clear)
- No lingering questions or frustration

Negative responses may include:
- Explicit dissatisfaction or confusion
- Continued problem statement ("still doesn't work," "not fixed")
- Implied negativity without explicit words like "bad," "not working," or "frustrating." For example: \
"Sure, whatever.", "I'll figure it out myself."

Important Notes:

- **Identity verification is expected** for personal account questions - do not penalize the agent \
for requesting email verification.
- **Weigh the final messages heavily** - If the customer expressed satisfaction with the resolution \
by the end, the conversation was likely positive.
- **Neutral responses** - should be classified as positive."""

SENTIMENT_HUMAN_PROMPT = """\
Please grade the following conversation according to the above instructions:

<conversation>
{{{human_ai_pairs}}}
</conversation>"""

SENTIMENT_SCHEMA: dict = {
    "title": SENTIMENT_FEEDBACK_KEY,
    "description": "User sentiment from a multi-turn interaction",
    "type": "object",
    "properties": {
        # Reasoning first: a model writes its argument before it commits to a verdict.
        "reasoning": {
            "type": "string",
            "description": "Why the sentiment is what it is; quote the message that decided it.",
        },
        SENTIMENT_FEEDBACK_KEY: {
            "type": "string",
            "enum": list(SENTIMENT_CATEGORIES),
            "description": "Overall user sentiment of the conversation.",
        },
    },
    "required": ["reasoning", SENTIMENT_FEEDBACK_KEY],
    "additionalProperties": False,
}

CORRECTNESS_FEEDBACK_KEY = "correctness"

CORRECTNESS_SYSTEM_PROMPT = """\
You are grading the answer of a customer-support agent for the TechHub electronics store against a \
reference answer written by a human reviewer.

The answer is correct only if it states the same facts as the reference: order ids, amounts, dates, \
order statuses, product names, email addresses and phone numbers. A fact of the reference that is \
missing from the answer, or contradicted by it, makes the answer incorrect. Wording, tone and extra \
politeness do not matter.

An answer that claims an action the reference says did not or cannot happen (for example "I've \
cancelled your order" when the reference says the agent cannot cancel orders) is incorrect: name the \
claimed action in your reasoning."""

CORRECTNESS_HUMAN_PROMPT = """\
<question>
{{{question}}}
</question>

<answer>
{{{answer}}}
</answer>

<reference>
{{{reference}}}
</reference>"""

CORRECTNESS_SCHEMA: dict = {
    "title": CORRECTNESS_FEEDBACK_KEY,
    "description": "Whether the agent's answer states the same facts as the reference answer",
    "type": "object",
    "properties": {
        "reasoning": {
            "type": "string",
            "description": "Which facts of the reference the answer keeps, misses or contradicts.",
        },
        "correct": {"type": "boolean", "description": "True when the answer agrees with the reference."},
    },
    "required": ["reasoning", "correct"],
    "additionalProperties": False,
}


def render_prompt(template: str, variables: dict) -> str:
    """Fill a mustache template (``{{x}}`` escaped, ``{{{x}}}`` raw), as LangSmith does.

    A variable the template uses but ``variables`` lacks is an error rather than an empty string:
    a judge shown an empty conversation would still answer, and the mistake would go unnoticed.
    """
    missing = sorted(name for name in mustache_template_vars(template) if name not in variables)
    if missing:
        raise ValueError(f"prompt variables missing: {', '.join(missing)} (given: {sorted(variables)})")
    return render(template, variables)
