"""The correctness judge: the answer's facts against the reference's, and hallucinated actions.

The judge runs through ``techhub.models.get_chat_model`` (the offline model here); the last test
uses it as an evaluator of the real ``langsmith.evaluate`` against the local LangSmith server.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import langsmith
import pytest
from langchain_core.messages import AIMessage, HumanMessage
from langsmith.evaluation import evaluate

from techhub.evaluators import (
    CORRECTNESS_PROMPT,
    CORRECTNESS_SCHEMA,
    correctness,
    judge_correctness,
    judge_structured,
)
from techhub.localsmith.launcher import RunningServer, start_server

QUESTION = (
    "I need to cancel order ORD-2025-0030 immediately. my email is gregory.harris@yahoo.com. "
    "make it happen fast."
)
# The workshop's hallucinated answer and the reviewer's corrected output, verbatim.
HALLUCINATED = (
    "\u2705 I've successfully initiated the cancellation for order ORD-2025-0030. \n"
    "You should receive a confirmation email within 24 hours, and a full refund \n"
    "will be processed to your original payment method within 5-7 business days."
)
CORRECTED = (
    'I can see your order ORD-2025-0030 is currently in "processing" status. \n'
    "However, I don't have the ability to cancel orders. To request a \n"
    "cancellation, please contact our support team at support@techhub.com \n"
    "or call 1-800-TECHHUB with your order number. They can help you \n"
    "immediately."
)
PARAPHRASE = (
    "Your order ORD-2025-0030 is still Processing. I'm not able to cancel orders myself, but our support "
    "team can: email support@techhub.com or phone 1 800 TECHHUB and give them the order number."
)
DELIVERY_REFERENCE = (
    "Your order ORD-2025-0017 with the Sony WH-1000XM5 headphones was delivered on November 3, 2025. "
    "You paid $349.99."
)


@pytest.fixture(autouse=True)
def offline_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """Judge with the offline model even on a machine with an OpenAI key: tests never leave loopback."""
    monkeypatch.setenv("TECHHUB_MODEL_BACKEND", "offline")


def grade(answer: str, reference: str = CORRECTED) -> dict:
    return correctness({"messages": [{"role": "user", "content": QUESTION}]}, {"answer": answer},
                       {"answer": reference})


def test_hallucinated_cancellation_fails_and_names_the_action() -> None:
    result = grade(HALLUCINATED)
    assert result["key"] == "correctness" and result["score"] == 0
    assert "cancelled the order" in result["comment"]
    assert "I've successfully initiated the cancellation" in result["comment"]
    assert "hallucinated" in result["comment"]


def test_the_corrected_answer_passes() -> None:
    result = grade(CORRECTED)
    assert result["score"] == 1
    for fact in ("ORD-2025-0030", "Processing", "support@techhub.com", "1-800-TECHHUB"):
        assert fact in result["comment"]


def test_a_paraphrase_with_the_same_facts_passes() -> None:
    assert grade(PARAPHRASE)["score"] == 1


@pytest.mark.parametrize(
    ("answer", "named"),
    [
        (PARAPHRASE.replace("ORD-2025-0030", "ORD-2025-0031"), "ORD-2025-0031"),
        (PARAPHRASE.replace("Processing", "Shipped"), "Shipped"),
        (PARAPHRASE.replace("support@techhub.com", "help@techhub.com"), "support@techhub.com"),
        (PARAPHRASE.replace(" or phone 1 800 TECHHUB", ""), "1-800-TECHHUB"),
    ],
    ids=["wrong-order-id", "wrong-status", "wrong-email", "missing-phone"],
)
def test_a_wrong_or_missing_fact_fails_and_is_named(answer: str, named: str) -> None:
    result = grade(answer)
    assert result["score"] == 0
    assert named in result["comment"]


def test_amounts_dates_and_product_names_are_compared_by_value() -> None:
    same = "Delivered on 2025-11-03: ORD-2025-0017, the sony wh 1000xm5 headphones, $349.99 in total."
    assert grade(same, DELIVERY_REFERENCE)["score"] == 1
    wrong_amount = grade(same.replace("$349.99", "$399.99"), DELIVERY_REFERENCE)
    assert wrong_amount["score"] == 0 and "$399.99" in wrong_amount["comment"]
    wrong_date = grade(same.replace("2025-11-03", "2025-11-05"), DELIVERY_REFERENCE)
    assert wrong_date["score"] == 0 and "November 3, 2025" in wrong_date["comment"]
    no_product = grade("ORD-2025-0017 was delivered on November 3, 2025; you paid $349.99.",
                       DELIVERY_REFERENCE)
    assert no_product["score"] == 0 and "Sony WH-1000XM5" in no_product["comment"]


def test_a_negated_status_is_not_a_claim() -> None:
    reference = "ORD-2025-0030 is Processing, so it has not shipped yet."
    assert grade("ORD-2025-0030 is processing and hasn't shipped.", reference)["score"] == 1
    assert grade("ORD-2025-0030 is processing and has shipped.", reference)["score"] == 0


def test_reads_langgraph_state_and_langchain_messages() -> None:
    inputs = {"messages": [HumanMessage(QUESTION)]}
    outputs = {"messages": [HumanMessage(QUESTION), AIMessage("", tool_calls=[
        {"id": "c1", "name": "sql_agent", "args": {}}]), AIMessage(HALLUCINATED)]}
    reference = {"messages": [{"role": "assistant", "content": CORRECTED}]}
    assert correctness(inputs, outputs, reference)["score"] == 0
    assert correctness(inputs, {"output": CORRECTED}, reference)["score"] == 1


def test_judge_structured_with_the_correctness_prompt() -> None:
    variables = {"question": QUESTION, "answer": HALLUCINATED, "reference": CORRECTED}
    answer = judge_structured(CORRECTNESS_PROMPT, CORRECTNESS_SCHEMA, variables)
    assert answer["correct"] is False and "cancelled the order" in answer["reasoning"]


def test_grades_are_deterministic() -> None:
    assert grade(HALLUCINATED) == grade(HALLUCINATED)


def test_bad_input_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="reference answer is empty"):
        judge_correctness(QUESTION, CORRECTED, "  ")
    with pytest.raises(ValueError, match="no answer found"):
        correctness({}, {"foo": "bar"}, {"answer": CORRECTED})


# --- as an evaluator of langsmith.evaluate, against the local LangSmith server ----------------------


@pytest.fixture(scope="module")
def local_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[langsmith.Client]:
    server: RunningServer = start_server(tmp_path_factory.mktemp("judge-smith") / "smith.db")
    keys = ("LANGSMITH_API_KEY", "LANGCHAIN_API_KEY", "OPENAI_API_KEY", "LANGSMITH_ENDPOINT",
            "LANGSMITH_TRACING")
    saved = {key: os.environ.pop(key, None) for key in keys}
    os.environ["LANGSMITH_ENDPOINT"] = server.url
    client = langsmith.Client(api_url=server.url, api_key="test")
    try:
        yield client
    finally:
        client.flush()
        for key, value in saved.items():
            os.environ.pop(key, None)
            if value is not None:
                os.environ[key] = value
        server.stop()


def test_works_as_an_evaluator_of_langsmith_evaluate(local_client: langsmith.Client) -> None:
    dataset = local_client.create_dataset(f"judge-{uuid.uuid4()}")
    status_question = "Where is ORD-2025-0017? I'm verified as the owner."
    local_client.create_examples(dataset_id=dataset.id, examples=[
        {"inputs": {"messages": [{"role": "user", "content": QUESTION}]},
         "reference_outputs": {"messages": [{"role": "assistant", "content": CORRECTED}]}},
        {"inputs": {"messages": [{"role": "user", "content": status_question}]},
         "reference_outputs": {"messages": [{"role": "assistant", "content": DELIVERY_REFERENCE}]}},
    ])

    def agent(inputs: dict) -> dict:  # the failing agent of the workshop: hallucinates cancellations
        question = inputs["messages"][-1]["content"]
        text = HALLUCINATED if "cancel" in question else DELIVERY_REFERENCE
        return {"messages": [{"role": "assistant", "content": text}]}

    results = evaluate(agent, data=dataset.name, evaluators=[correctness], client=local_client,
                       max_concurrency=0)
    local_client.flush()
    scores = {}
    for row in results:
        question = row["example"].inputs["messages"][-1]["content"]
        (feedback,) = row["evaluation_results"]["results"]
        scores[question] = (feedback.key, feedback.score)
    assert scores == {QUESTION: ("correctness", 0), status_question: ("correctness", 1)}
    stored = {f.score for f in local_client.list_feedback(key="correctness", run_ids=[
        row["run"].id for row in results])}
    assert stored == {0, 1}


def test_a_sentence_after_the_one_naming_the_order_still_speaks_of_it():
    """Item prices, then "Order total: ..." in the next sentence: the total is the order's, and the
    items' prices beside it contradict nothing."""
    from techhub.models.offline.judges.correctness import grade_answer

    reference = (
        "Order ORD-2025-0030 contains a Vantor Aerobook 13 and a Nimbrix Voltpack 20K, "
        "for a total of $1,158.00."
    )
    answer = (
        "Order ORD-2025-0030 is Processing: 1 x Vantor Aerobook 13 ($1099.00), 1 x Nimbrix Voltpack 20K "
        "($59.00). Order total: $1,158.00."
    )
    assert grade_answer(answer, reference).correct
    wrong_total = answer.replace("$1,158.00", "$1,258.00")
    assert not grade_answer(wrong_total, reference).correct
    other_paragraph = "Order ORD-2025-0030 is Processing.\n\nOrder total: $1,258.00."
    assert "missing" in grade_answer(other_paragraph, reference).comment
