"""Draw the diagrams the notebooks show, into ``images/``: ``python scripts/make_images.py``.

The figures are made by :mod:`techhub.figures` rather than fetched, so the course has no external
assets and a change to a diagram is a reviewable change to code.
"""

from __future__ import annotations

from pathlib import Path

from techhub.figures import flywheel_figure

IMAGES = Path(__file__).resolve().parent.parent / "images"


def main() -> None:
    path = IMAGES / "data_flywheel.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    flywheel_figure().savefig(path, bbox_inches="tight", metadata={"Software": None})
    print(path)


if __name__ == "__main__":
    main()
