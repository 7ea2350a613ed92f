"""The course teaches the pinned ``langsmith`` SDK's current API: no deprecated call, no silenced warning.

Why: the SDK marks ``Client.list_runs``, ``read_run``, ``list_threads``, ``read_thread``,
``get_run_url`` and more as deprecated (removed after 2027-01-31); a course that teaches them ages at
once and prints warnings in every notebook. Three checks: the package and the notebooks call none of
the methods the installed SDK marks deprecated (read from the SDK's own source, so a new deprecation
is caught too), silence no warning, and notebook 00 runs with ``LangSmithDeprecationWarning`` as an
error. (pytest itself turns it into an error in every test: see ``pyproject.toml``.)
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import langsmith
import nbformat
from nbclient import NotebookClient

from techhub.config import REPO_ROOT
from techhub.harness import offline_course

PACKAGE = REPO_ROOT / "techhub"
NOTEBOOKS = REPO_ROOT / "notebooks"
# The local server implements these endpoints (its ``runs.read_run`` reads its own database); it is
# no client of the SDK, so its names are not calls of the deprecated methods.
SERVER = PACKAGE / "localsmith"
# Deprecated generated methods with names too common to tell from a source scan (``list``, ...).
GENERIC = {"copy", "create", "list", "retrieve", "update", "delete_all"}


def deprecated_sdk_methods() -> set[str]:
    """Names of the functions the installed SDK decorates as deprecated (its own ``deprecated`` and
    ``typing_extensions.deprecated``)."""
    names = set()
    for path in Path(langsmith.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for decorator in node.decorator_list:
                    target = decorator.func if isinstance(decorator, ast.Call) else decorator
                    name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
                    if name in ("deprecated", "_deprecated"):
                        names.add(node.name)
    return names - GENERIC


def sources() -> list[tuple[str, str]]:
    """(where, Python source) of every module of the package but the server, and every notebook cell."""
    found = [
        (str(p.relative_to(REPO_ROOT)), p.read_text(encoding="utf-8"))
        for p in sorted(PACKAGE.rglob("*.py"))
        if SERVER not in p.parents
    ]
    for notebook in sorted(NOTEBOOKS.glob("*.ipynb")):
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        for index, cell in enumerate(cells):
            if cell["cell_type"] == "code":
                code = "".join(cell["source"])
                # top-level await and IPython magics are not Python the ast module reads
                code = "\n".join(
                    "" if line.lstrip().startswith(("%", "!")) else line for line in code.splitlines()
                )
                found.append((f"{notebook.name} cell {index}", code.replace("await ", "")))
    return found


# The generated clients' resources (``api.traces.list_runs`` is current; ``Client.list_runs`` is not).
GENERATED_RESOURCES = {"runs", "traces", "threads", "annotation_queues", "items", "evaluators", "datasets"}


def _called_attributes(code: str) -> set[str]:
    """Names of the methods ``code`` calls, leaving out those called on a generated resource."""
    return {
        node.func.attr
        for node in ast.walk(ast.parse(code))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and not (isinstance(node.func.value, ast.Attribute) and node.func.value.attr in GENERATED_RESOURCES)
    }


def test_the_scan_knows_the_sdks_deprecations() -> None:
    assert {
        "list_runs",
        "read_run",
        "list_threads",
        "read_thread",
        "get_run_url",
        "add_runs_to_annotation_queue",
        "list_runs_from_annotation_queue",
    } <= deprecated_sdk_methods()
    assert _called_attributes("client.read_run(run_id)\napi.traces.list_runs(t)") == {"read_run"}


def test_no_deprecated_sdk_call_in_the_package_or_notebooks() -> None:
    deprecated = deprecated_sdk_methods()
    calls = {where: sorted(_called_attributes(code) & deprecated) for where, code in sources()}
    assert {where: names for where, names in calls.items() if names} == {}


def test_no_deprecation_warning_is_silenced() -> None:
    silencing = ("catch_warnings", "simplefilter", "filterwarnings", "suppress_deprecation_warning")
    found = {where: sorted(_called_attributes(code) & set(silencing)) for where, code in sources()}
    assert {where: names for where, names in found.items() if names} == {}


def test_notebook_00_runs_with_langsmith_deprecations_as_errors(tmp_path: Path) -> None:
    """Every cell, in a real kernel whose first act is to make the warning an error."""
    notebook = nbformat.read(NOTEBOOKS / "00_meet_the_agent.ipynb", as_version=4)
    strict = nbformat.v4.new_code_cell(
        "import warnings\n"
        "from langsmith._internal._beta_decorator import LangSmithDeprecationWarning\n"
        "warnings.simplefilter('error', LangSmithDeprecationWarning)"
    )
    notebook.cells.insert(0, strict)
    with offline_course():  # its own home and ports, and its services stopped afterwards
        NotebookClient(
            notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}
        ).execute()
    errors = [
        output
        for cell in notebook.cells
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    assert errors == []
    assert len(notebook.cells) > 2 and all(
        c.get("execution_count") for c in notebook.cells if c.cell_type == "code"
    )
