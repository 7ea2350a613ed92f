"""Draw the diagrams the notebooks show, into ``images/``: ``python scripts/make_images.py``.

The figures are made here rather than fetched, so the course has no external assets and a change
to a diagram is a reviewable change to this script.
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402

IMAGES = Path(__file__).resolve().parent.parent / "images"

FLYWHEEL = [
    ("Production traffic", "customers talk to the\ndeployed agent"),
    ("Online evaluation", "LLM-as-judge scores\nuser sentiment"),
    ("Automation rule", "negative threads go\nto the queue"),
    ("Annotation queue", "a person reviews,\ncorrects the answer"),
    ("Golden dataset", "reviewed examples\nbecome tests"),
    ("Offline evaluation", "agent revisions compared\non the dataset"),
    ("Improved agent", "the better revision\nis deployed"),
]
COLORS = ["#4C72B0", "#DD8452", "#C44E52", "#8172B3", "#937860", "#55A868", "#2A9D8F"]


def data_flywheel(path: Path) -> Path:
    """The data flywheel as a loop of seven steps, production traffic on top."""
    fig, ax = plt.subplots(figsize=(9, 9), dpi=100)
    ax.set_xlim(-1.65, 1.65)
    ax.set_ylim(-1.6, 1.6)
    ax.set_aspect("equal")
    ax.axis("off")
    n = len(FLYWHEEL)
    angles = [math.pi / 2 - 2 * math.pi * i / n for i in range(n)]
    centers = [(1.18 * math.cos(a), 1.12 * math.sin(a)) for a in angles]
    for i, ((title, detail), (x, y), color) in enumerate(zip(FLYWHEEL, centers, COLORS, strict=True)):
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
        ax.text(
            x,
            y + 0.07,
            f"{i + 1}. {title}",
            ha="center",
            va="center",
            fontsize=10,
            color="white",
            weight="bold",
        )
        ax.text(x, y - 0.06, detail, ha="center", va="center", fontsize=8.5, color="white")
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
    ax.text(
        0, 0.08, "The data flywheel", ha="center", va="center", fontsize=17, weight="bold", color="#333333"
    )
    ax.text(
        0,
        -0.1,
        "production failures become tests;\ntests prove the fix",
        ha="center",
        va="center",
        fontsize=10.5,
        color="#555555",
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return path


def main() -> None:
    print(data_flywheel(IMAGES / "data_flywheel.png"))


if __name__ == "__main__":
    main()
