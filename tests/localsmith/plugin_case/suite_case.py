"""A test module for the ``langsmith`` pytest plugin, run by ``test_pytest_plugin.py`` in a subprocess.

Not collected by the main test run (its name does not start with ``test_``). Two tests pass, one
fails on purpose so the experiment has a ``pass`` score of 0 to show.
"""

import pytest
from langsmith import expect
from langsmith import testing as t


@pytest.mark.langsmith
@pytest.mark.parametrize(("a", "b", "total"), [(1, 2, 3), (2, 2, 4)])
def test_addition(a: int, b: int, total: int) -> None:
    t.log_inputs({"a": a, "b": b})
    t.log_reference_outputs({"sum": total})
    result = a + b
    t.log_outputs({"sum": result})
    t.log_feedback(key="exact", score=int(result == total))
    expect.score(0.9, key="confidence").to_be_greater_than(0.5)
    assert result == total


@pytest.mark.langsmith
def test_wrong_answer() -> None:
    t.log_inputs({"question": "capital of France"})
    t.log_outputs({"answer": "Lyon"})
    assert "Lyon" == "Paris"
