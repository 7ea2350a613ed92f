"""Re-execute the course's notebooks offline and write their outputs in place: ``make notebooks``.

The committed outputs are what ``pytest --nbval`` compares against, so they come from here: a fresh
offline learner (:func:`techhub.harness.offline_course`), the notebooks run in order in one session
of the services, as a learner and CI run them. Prints the time each notebook took.

    python scripts/run_notebooks.py                 # every notebook
    python scripts/run_notebooks.py 02 05           # only those whose name starts so (in order)
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import nbformat
import papermill

from techhub.harness import offline_course

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def _strip_run_metadata(path: Path) -> None:
    """Drop what changes on every run and says nothing (timings, papermill's bookkeeping), so a
    re-executed notebook's diff shows only what its outputs changed."""
    notebook = nbformat.read(path, as_version=4)
    notebook.metadata.pop("papermill", None)
    for cell in notebook.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if cell.metadata.get("tags") == []:
            del cell.metadata["tags"]
    nbformat.write(notebook, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("prefixes", nargs="*", help="run only notebooks whose file name starts so")
    args = parser.parse_args(argv)
    notebooks = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    if args.prefixes:
        notebooks = [nb for nb in notebooks if nb.name.startswith(tuple(args.prefixes))]
    if not notebooks:
        print(f"no notebook matches {args.prefixes}", file=sys.stderr)
        return 2
    total = 0.0
    with offline_course():
        for notebook in notebooks:
            start = time.perf_counter()
            try:
                papermill.execute_notebook(
                    notebook, notebook, cwd=NOTEBOOKS, kernel_name="python3", progress_bar=False
                )
            except papermill.PapermillExecutionError as error:
                print(
                    f"{notebook.name}: cell [{error.exec_count}] raised {error.ename}: {error.evalue}\n"
                    "(the traceback is saved in the notebook's output)"
                )
                return 1
            took = time.perf_counter() - start
            _strip_run_metadata(notebook)
            total += took
            print(f"{notebook.name:<40} {took:6.1f} s", flush=True)
    print(f"{'total':<40} {total:6.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
