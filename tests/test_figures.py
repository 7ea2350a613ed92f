"""The flywheel diagram: drawn offline, with this run's numbers when given."""

from __future__ import annotations

import pytest

from techhub.figures import flywheel_figure


def _texts(figure) -> list[str]:
    return [text.get_text() for text in figure.axes[0].texts]


def test_the_numbers_replace_the_generic_descriptions():
    figure = flywheel_figure({"Online evaluation": "12 threads scored, 4 negative"})
    texts = _texts(figure)
    assert "12 threads scored, 4 negative" in texts
    assert "LLM-as-judge scores\nuser sentiment" not in texts
    assert "customers talk to the\ndeployed agent" in texts  # steps without numbers keep theirs


def test_an_unknown_step_is_an_error_that_lists_the_steps():
    with pytest.raises(ValueError, match="Online evaluation"):
        flywheel_figure({"Online eval": "3"})
