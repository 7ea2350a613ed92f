"""What the ``langsmith`` SDK's own integration tests expect of a server, through the SDK.

Why: those tests (``scripts/run_sdk_tests.py`` runs them against this server) found these gaps;
each behaviour has its test here, so ``make test`` keeps them without the SDK's source.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime

import langsmith
import pytest
from langsmith.schemas import AttachmentsOperations, ExampleUpdate
from langsmith.utils import LangSmithConflictError, LangSmithError

from techhub import smith

# --------------------------------------------------------------------------------------------- runs


def test_a_run_type_outside_langsmiths_is_a_422_the_sdk_does_not_retry(ls_client, project_name, caplog):
    run_id = str(uuid.uuid4())
    run = {
        "id": run_id,
        "trace_id": run_id,
        "session_name": project_name,
        "name": "r",
        "run_type": "agent",
        "start_time": datetime.now(UTC),
        "dotted_order": datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ") + run_id,
        "inputs": {},
    }
    with caplog.at_level(logging.WARNING, logger="langsmith.client"):
        ls_client.multipart_ingest(create=[run], update=[])
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "422" in warnings[0] and "run_type" in warnings[0], warnings
    assert not ls_client.has_project(project_name)  # nothing stored


def test_usage_metadata_costs_are_the_runs_costs(ls_client, project_name):
    usage = {
        "input_tokens": 10,
        "output_tokens": 20,
        "total_tokens": 30,
        "input_cost": 1e-6,
        "output_cost": 2e-6,
        "total_cost": 3e-6,
        "input_token_details": {"audio": 1},
        "output_token_details": {"reasoning": 3},
        "input_cost_details": {"audio": 1e-7},
        "output_cost_details": {"reasoning": 3e-7},
    }

    # gpt-4o is in our price table: without the reported costs it would cost 10 * 2.5e-6 + ...
    @langsmith.traceable(run_type="llm", metadata={"ls_model_name": "gpt-4o"})
    def model(question: str) -> dict:
        return {"messages": [{"role": "assistant", "content": "ok"}], "usage_metadata": usage}

    @langsmith.traceable(run_type="llm", metadata={"ls_model_name": "gpt-4o"})
    def priced(question: str) -> dict:
        return {"usage_metadata": {"input_tokens": 1000, "output_tokens": 100, "total_tokens": 1100}}

    with langsmith.tracing_context(enabled=True, client=ls_client, project_name=project_name):
        model("q")
        priced("q")
    ls_client.flush()
    selects = [
        "NAME",
        "PROMPT_COST",
        "COMPLETION_COST",
        "TOTAL_COST",
        "PROMPT_TOKEN_DETAILS",
        "COMPLETION_COST_DETAILS",
    ]
    runs = {r.name: r for r in smith.query_root_runs(project_name, client=ls_client, selects=selects)}
    reported, table = runs["model"], runs["priced"]
    assert (reported.prompt_cost, reported.completion_cost) == (pytest.approx(1e-6), pytest.approx(2e-6))
    assert reported.total_cost == pytest.approx(3e-6)
    assert reported.prompt_token_details.raw == {"audio": 1}
    assert reported.completion_cost_details.raw == pytest.approx({"reasoning": 3e-7})
    assert table.total_cost == pytest.approx((1000 * 2.5 + 100 * 10.0) / 1e6)  # no costs sent: our table
    assert table.prompt_token_details is None


# ------------------------------------------------------------------------ v1 contract (deprecated)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # v1 contract: list_runs and _load_child_runs
def test_execution_order_one_is_the_root_and_its_tree_loads(ls_client, project_name):
    marker = uuid.uuid4().hex

    @langsmith.traceable(run_type="chain")
    def outer(x: int) -> int:
        return middle(x)

    @langsmith.traceable(run_type="chain")
    def middle(x: int) -> int:
        return inner(x)

    @langsmith.traceable(run_type="llm")
    def inner(x: int) -> int:
        return x + 1

    with langsmith.tracing_context(
        enabled=True, client=ls_client, project_name=project_name, metadata={"marker": marker}
    ):
        outer(1)
    ls_client.flush()
    (root,) = ls_client.list_runs(
        project_name=project_name,
        execution_order=1,
        filter=f'and(eq(metadata_key, "marker"), eq(metadata_value, "{marker}"))',
    )
    tree = ls_client._load_child_runs(root)
    assert [c.name for c in tree.child_runs] == ["middle"]
    assert [(c.name, c.run_type, c.status) for c in tree.child_runs[0].child_runs] == [
        ("inner", "llm", "success")
    ]
    with pytest.raises(LangSmithError):
        list(ls_client.list_runs(project_name=project_name, execution_order=2))


# ----------------------------------------------------------------------------------------- examples


SCHEMA_IN = {"type": "object", "properties": {"input": {"type": "string"}}, "required": ["input"]}
SCHEMA_OUT = {"type": "object", "properties": {"output": {"type": "string"}}, "required": ["output"]}


@pytest.fixture
def json_client(ls_client_factory) -> langsmith.Client:
    """A client on the SDK's JSON example endpoints (``dataset_examples_multipart_enabled`` off)."""
    return ls_client_factory(info={"instance_flags": {"dataset_examples_multipart_enabled": False}})


def test_dataset_schemas_hold_on_every_write(ls_client, json_client, http, dataset_name):
    dataset = ls_client.create_dataset(dataset_name, inputs_schema=SCHEMA_IN, outputs_schema=SCHEMA_OUT)
    good = ls_client.create_example(
        inputs={"input": "hi"}, reference_outputs={"output": "ho"}, dataset_id=dataset.id
    )
    ls_client.create_example(inputs={"input": "no outputs yet"}, dataset_id=dataset.id)
    bad_inputs, bad_outputs = {"john": 1}, {"john": 1}
    writes = {
        "multipart create": lambda: ls_client.create_example(inputs=bad_inputs, dataset_id=dataset.id),
        "multipart bulk": lambda: ls_client.create_examples(
            dataset_id=dataset.id,
            examples=[
                {"inputs": {"input": "fine"}},
                {"inputs": {"input": "x"}, "reference_outputs": bad_outputs},
            ],
        ),
        "json create": lambda: json_client.create_example(inputs=bad_inputs, dataset_id=dataset.id),
        "json bulk": lambda: json_client.create_examples(
            dataset_id=dataset.id, examples=[{"inputs": {"input": "fine"}}, {"inputs": bad_inputs}]
        ),
        "multipart update": lambda: ls_client.update_example(good.id, outputs=bad_outputs),
        "json update": lambda: json_client.update_example(good.id, inputs=bad_inputs),
    }
    for path, write in writes.items():
        with pytest.raises(LangSmithError, match="schema"):
            write()
        examples = list(ls_client.list_examples(dataset_id=dataset.id))
        assert len(examples) == 2 and ls_client.read_example(good.id).inputs == {"input": "hi"}, path

    loose = ls_client.create_dataset(dataset_name + "-loose")
    stray = json_client.create_example(inputs={"anything": 1}, dataset_id=loose.id)
    with pytest.raises(LangSmithError, match="inputs do not match"):  # moved into the strict dataset
        json_client.update_example(stray.id, dataset_id=dataset.id)
    response = http.post(
        "/datasets",
        json={"name": dataset_name + "-bad", "inputs_schema_definition": {"type": "no-such-type"}},
    )
    assert response.status_code == 400 and "inputs_schema_definition" in response.json()["detail"]


def test_updating_examples_of_two_datasets_in_one_call_is_a_409(ls_client, dataset_name):
    first, second = ls_client.create_dataset(dataset_name), ls_client.create_dataset(dataset_name + "-2")
    one = ls_client.create_example(inputs={"q": 1}, dataset_id=first.id)
    two = ls_client.create_example(inputs={"q": 2}, dataset_id=second.id)
    with pytest.raises(LangSmithConflictError):
        ls_client.update_examples(
            dataset_id=first.id,
            updates=[ExampleUpdate(id=one.id, inputs={"q": 10}), ExampleUpdate(id=two.id, inputs={"q": 20})],
        )
    with pytest.raises(LangSmithConflictError):
        ls_client.update_examples(example_ids=[one.id, two.id], inputs=[{"q": 10}, {"q": 20}])
    assert (ls_client.read_example(one.id).inputs, ls_client.read_example(two.id).inputs) == (
        {"q": 1},
        {"q": 2},
    )


def test_attachment_operations_drop_what_they_do_not_keep(ls_client, dataset_name):
    dataset = ls_client.create_dataset(dataset_name)
    example_id = uuid.uuid4()
    ls_client.create_examples(
        dataset_id=dataset.id,
        examples=[
            {
                "id": example_id,
                "inputs": {"q": "picture"},
                "attachments": {
                    "a": ("image/png", b"A"),
                    "b": ("image/png", b"B"),
                    "c": ("text/plain", b"C"),
                },
            }
        ],
    )

    def attachments() -> dict[str, bytes]:
        found = ls_client.read_example(example_id).attachments
        return {name: value["reader"].read() for name, value in found.items()}

    ls_client.update_example(example_id, inputs={"q": "still a picture"})
    assert attachments() == {"a": b"A", "b": b"B", "c": b"C"}  # an update without attachments keeps them
    ls_client.update_example(
        example_id, attachments_operations=AttachmentsOperations(rename={"a": "renamed"}, retain=["b"])
    )
    assert attachments() == {"renamed": b"A", "b": b"B"}  # c was neither kept nor renamed
    ls_client.update_example(example_id, attachments={"new": ("image/png", b"N")})
    assert attachments() == {"new": b"N"}  # new attachments replace the ones not retained
