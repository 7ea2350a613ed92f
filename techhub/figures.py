"""The course's diagrams, drawn with matplotlib rather than fetched, so they work offline.

``flywheel_figure`` draws the data flywheel; with ``numbers`` it writes this run's figures under each
step (notebook 06 closes the loop with it). ``scripts/make_images.py`` saves the plain version to
``images/data_flywheel.png``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

FLYWHEEL_STEPS: Sequence[tuple[str, str]] = (
    ("Production traffic", "customers talk to the\ndeployed agent"),
    ("Online evaluation", "LLM-as-judge scores\nuser sentiment"),
    ("Automation rule", "negative threads go\nto the queue"),
    ("Annotation queue", "a person reviews,\ncorrects the answer"),
    ("Golden dataset", "reviewed examples\nbecome tests"),
    ("Offline evaluation", "agent revisions compared\non the dataset"),
    ("Improved agent", "the better revision\nis deployed"),
)
COLORS = ("#4C72B0", "#DD8452", "#C44E52", "#8172B3", "#937860", "#55A868", "#2A9D8F")


def flywheel_figure(numbers: Mapping[str, str] | None = None, *, title: str = "The data flywheel") -> Figure:
    """The data flywheel as a loop of seven steps, production traffic on top.

    ``numbers`` maps a step's title (e.g. ``"Online evaluation"``) to a short line shown in its box
    instead of the generic description, such as ``"12 threads scored, 4 negative"``.
    """
    numbers = dict(numbers or {})
    unknown = set(numbers) - {title for title, _ in FLYWHEEL_STEPS}
    if unknown:
        raise ValueError(f"unknown flywheel steps {sorted(unknown)}; steps: {[t for t, _ in FLYWHEEL_STEPS]}")
    fig = Figure(figsize=(9, 9), dpi=100)
    ax = fig.add_subplot()
    ax.set_xlim(-1.65, 1.65)
    ax.set_ylim(-1.6, 1.6)
    ax.set_aspect("equal")
    ax.axis("off")
    n = len(FLYWHEEL_STEPS)
    angles = [math.pi / 2 - 2 * math.pi * i / n for i in range(n)]
    centers = [(1.18 * math.cos(a), 1.12 * math.sin(a)) for a in angles]
    for i, ((step, detail), (x, y), color) in enumerate(zip(FLYWHEEL_STEPS, centers, COLORS, strict=True)):
        box = FancyBboxPatch(
            (x - 0.44, y - 0.17),
            0.88,
            0.34,
            boxstyle="round,pad=0.02,rounding_size=0.06",
            facecolor=color,
            edgecolor="none",
            alpha=0.92,
        )
        ax.add_patch(box)
        label = f"{i + 1}. {step}"
        ax.text(x, y + 0.07, label, ha="center", va="center", fontsize=10, color="white", weight="bold")
        text = numbers.get(step, detail)
        weight = "bold" if step in numbers else "normal"
        ax.text(x, y - 0.06, text, ha="center", va="center", fontsize=8.5, color="white", weight=weight)
        nx, ny = centers[(i + 1) % n]
        arrow = FancyArrowPatch(
            (x, y),
            (nx, ny),
            connectionstyle="arc3,rad=-0.25",
            arrowstyle="-|>",
            mutation_scale=18,
            color="#555555",
            lw=1.6,
            shrinkA=52,
            shrinkB=52,
        )
        ax.add_patch(arrow)
    ax.text(0, 0.08, title, ha="center", va="center", fontsize=17, weight="bold", color="#333333")
    subtitle = "this run's numbers" if numbers else "production failures become tests;\ntests prove the fix"
    ax.text(0, -0.1, subtitle, ha="center", va="center", fontsize=10.5, color="#555555")
    return fig
