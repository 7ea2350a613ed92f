"""Binder's two scripts (repo2docker's ``postBuild`` and ``start``) and the JupyterLab settings that
keep every launch offline, run here as Binder runs them (``start`` with a stand-in command)."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from techhub import lab_settings
from techhub.config import REPO_ROOT
from techhub.localsmith.launcher import free_port

if TYPE_CHECKING:
    from conftest import TechhubInstance

# The stand-in for the notebook server: checks both services answer, says which process it is.
STAND_IN = (
    "import os, sys, httpx\n"
    "answers = [httpx.get(url + '/ok', timeout=5).is_success for url in sys.argv[1:]]\n"
    "print('pid', os.getpid(), 'answers', answers, flush=True)\n"
    "sys.exit(0 if all(answers) else 3)\n"
)


def _binder_env(instance: TechhubInstance) -> dict[str, str]:
    """The instance's environment with the environment's `python` first on PATH, as on Binder."""
    env = dict(instance.env)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def test_start_starts_both_services_then_becomes_the_notebook_server(techhub_instance: TechhubInstance):
    command = [str(REPO_ROOT / "start"), "python", "-c", STAND_IN,
               techhub_instance.localsmith_url, techhub_instance.agent_url]  # fmt: skip
    process = subprocess.Popen(
        command, env=_binder_env(techhub_instance), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    out, err = process.communicate(timeout=180)
    assert process.returncode == 0, f"{out}\n{err}"
    assert out.startswith("OFFLINE mode:") and out.count(" started (pid") == 2  # `techhub up` ran first
    assert f"pid {process.pid} answers [True, True]" in out  # exec: the command took the script's process


def test_start_opens_the_session_even_when_the_services_cannot_start(techhub_instance: TechhubInstance):
    env = _binder_env(techhub_instance)
    env.pop("TECHHUB_OFFLINE")
    env["TECHHUB_MODEL_BACKEND"] = "openai"  # without a key: a configuration error
    result = subprocess.run(
        [str(REPO_ROOT / "start"), "python", "-c", "print('notebook server here')"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0 and result.stdout == "notebook server here\n"
    assert "configuration error" in result.stderr and "OPENAI_API_KEY" in result.stderr
    assert "first cell will retry" in result.stderr


def test_post_build_builds_the_store_and_keeps_jupyterlab_offline(
    techhub_instance: TechhubInstance, tmp_path: Path
) -> None:
    env = _binder_env(techhub_instance)
    env["JUPYTERLAB_DIR"] = str(tmp_path / "lab")  # where this JupyterLab reads its overrides
    result = subprocess.run(
        [str(REPO_ROOT / "postBuild")], env=env, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stderr
    assert (techhub_instance.home / "techhub.db").stat().st_size > 0
    overrides = json.loads((tmp_path / "lab" / "settings" / "overrides.json").read_text())
    assert overrides[lab_settings.NOTIFICATION_PLUGIN] == {"fetchNews": "false", "checkForUpdates": False}
    server = json.loads(lab_settings.server_config_path().read_text())
    assert server["LabApp"]["extension_manager"] == "readonly" and server["LabApp"]["news_url"] is None


def test_lab_settings_merge_into_existing_files_and_refuse_broken_ones(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("JUPYTERLAB_DIR", str(tmp_path / "lab"))
    overrides = tmp_path / "lab" / "settings" / "overrides.json"
    overrides.parent.mkdir(parents=True)
    theme = {"@jupyterlab/apputils-extension:themes": {"theme": "JupyterLab Dark"}}
    overrides.write_text(json.dumps({**theme, lab_settings.NOTIFICATION_PLUGIN: {"doNotDisturbMode": True}}))
    written = lab_settings.write(prefix=tmp_path / "env")
    assert written == [overrides, lab_settings.server_config_path(tmp_path / "env")]
    merged = json.loads(overrides.read_text())
    assert merged == {
        **theme,
        lab_settings.NOTIFICATION_PLUGIN: {
            "doNotDisturbMode": True,
            "fetchNews": "false",
            "checkForUpdates": False,
        },
    }
    lab_settings.write(prefix=tmp_path / "env")
    assert json.loads(overrides.read_text()) == merged  # idempotent

    overrides.write_text("{not json")
    result = subprocess.run(
        [sys.executable, "-m", "techhub.lab_settings"],
        env={**os.environ, "JUPYTERLAB_DIR": str(tmp_path / "lab")}, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 1 and "not valid JSON" in result.stderr and "Traceback" not in result.stderr
    assert overrides.read_text() == "{not json"  # never overwritten


def test_a_lab_launched_without_flags_does_not_fetch_news_updates_or_extensions(tmp_path: Path) -> None:
    """Binder launches the server itself, with none of our flags: the environment's files decide."""
    assert lab_settings.server_config_path().is_file(), (
        "`make install` writes it (python -m techhub.lab_settings)"
    )
    port, token = free_port(), secrets.token_hex(8)
    command = [
        str(Path(sys.executable).with_name("jupyter-lab")),
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={tmp_path}",
    ]
    if os.geteuid() == 0:
        command.append("--allow-root")
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "rt"),
    }
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url, page = f"http://127.0.0.1:{port}", None
        deadline = time.monotonic() + 90
        while page is None:
            assert server.poll() is None and time.monotonic() < deadline, "JupyterLab did not start"
            try:
                response = httpx.get(f"{url}/lab", params={"token": token}, timeout=2)
                page = response.text if response.is_success else None
            except httpx.HTTPError:
                time.sleep(0.2)
        config = json.loads(re.search(r'id="jupyter-config-data"[^>]*>(.*?)</script>', page, re.S).group(1))
        assert config["news"] == {"disabled": True}
        assert config["extensionManager"]["name"] == "read-only"  # no PyPI queries
        update = httpx.get(f"{url}/lab/api/update", params={"token": token}, timeout=10).json()
        assert update["notification"] is None
    finally:
        server.terminate()
        server.wait(timeout=30)
