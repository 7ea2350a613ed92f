"""JupyterLab that never asks to go online: settings written into the environment JupyterLab runs from.

Out of the box JupyterLab pops up a notification asking whether to fetch Jupyter news and check for
updates (both contact the internet), and the server side can query PyPI for extensions. Command-line
flags cannot reach every launch (Binder starts the server itself), so the choice lives in the
environment's own files, which every launch from it reads:

* ``<app dir>/settings/overrides.json`` (the app dir is ``{sys.prefix}/share/jupyter/lab`` unless
  ``JUPYTERLAB_DIR`` moves it): the front end's defaults, ``fetchNews`` "false" and
  ``checkForUpdates`` false for ``@jupyterlab/apputils-extension:notification``. A learner can still
  turn them on in Settings; only the question goes away.
* ``{sys.prefix}/etc/jupyter/jupyter_lab_config.json`` (JupyterLab's own configuration file; files
  in ``jupyter_server_config.d`` only enable extensions): the server's news URL off, the never-check
  update checker, and the read-only extension manager (no PyPI queries).

``make install`` and Binder's ``postBuild`` run ``python -m techhub.lab_settings``. Existing entries
of both files are kept; ours are merged in.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

NOTIFICATION_PLUGIN = "@jupyterlab/apputils-extension:notification"
FRONT_END_OVERRIDES: dict[str, dict[str, Any]] = {
    NOTIFICATION_PLUGIN: {"fetchNews": "false", "checkForUpdates": False},
}
SERVER_CONFIG: dict[str, dict[str, Any]] = {
    "LabApp": {
        "news_url": None,
        "check_for_updates_class": "jupyterlab.handlers.announcements.NeverCheckForUpdate",
        "extension_manager": "readonly",
    }
}
SERVER_CONFIG_NAME = "jupyter_lab_config.json"


class LabSettingsError(RuntimeError):
    """A settings file we must merge into is not valid JSON (we never overwrite what we cannot read)."""


def overrides_path() -> Path:
    """Where this environment's JupyterLab reads its settings overrides."""
    from jupyterlab.commands import get_app_dir

    return Path(get_app_dir()) / "settings" / "overrides.json"


def server_config_path(prefix: str | Path = sys.prefix) -> Path:
    """The server configuration file of the environment at ``prefix`` (read by every launch from it)."""
    return Path(prefix) / "etc" / "jupyter" / SERVER_CONFIG_NAME


def _merged(path: Path, ours: dict[str, dict[str, Any]]) -> dict[str, Any]:
    try:
        current = json.loads(path.read_text())
    except FileNotFoundError:
        current = {}
    except ValueError as error:
        raise LabSettingsError(f"{path} is not valid JSON ({error}); fix or remove it, then re-run") from None
    for section, values in ours.items():
        current.setdefault(section, {}).update(values)
    return current


def _write_json(path: Path, content: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(content, indent=2) + "\n")
    tmp.replace(path)


def write(prefix: str | Path = sys.prefix) -> list[Path]:
    """Write (merge) both files; returns their paths. Idempotent."""
    front_end, server = overrides_path(), server_config_path(prefix)
    _write_json(front_end, _merged(front_end, FRONT_END_OVERRIDES))
    _write_json(server, _merged(server, SERVER_CONFIG))
    return [front_end, server]


def main() -> int:
    try:
        written = write()
    except LabSettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for path in written:
        print(f"JupyterLab offline settings: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
