"""What the real-browser checks share: JupyterLab on loopback and Debian's headless Chromium.

Test modules import from here (``from browser import ...``) and wrap :func:`running_lab` in their own
fixture; nothing here is a test. :func:`chromium_page` drives ``/usr/bin/chromium`` through
Playwright with every request outside loopback aborted and recorded, and saves ``failure.png`` when
the block inside it raises.

Chromium is Debian's (``apt-get install -y chromium``; ``.ci/run`` installs it): nothing here may
download a browser, so ``playwright install`` is never run. Without ``/usr/bin/chromium`` the modules
marked :data:`requires_chromium` are skipped, loudly.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import httpx
import nbformat
import pytest

from techhub.localsmith.launcher import free_port

if TYPE_CHECKING:
    from playwright.sync_api import Page, Route

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]  # fmt: skip
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
KERNEL_IDLE = "Python 3 (ipykernel) | Idle"

requires_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=(
        "!!! CHROMIUM IS NOT INSTALLED: the real-browser checks DID NOT RUN. "
        f"{CHROMIUM} is missing; as root: apt-get install -y chromium (.ci/run does this) !!!"
    ),
)


@dataclass
class Lab:
    url: str
    token: str
    root: Path

    def page_url(self, path: str) -> str:
        return f"{self.url}/lab/tree/{path}?token={self.token}"


@contextmanager
def running_lab(env: Mapping[str, str], tmp_path: Path) -> Iterator[Lab]:
    """JupyterLab on a free loopback port, in a temporary root, token set, no browser of its own, with
    its own user settings and workspaces: only the environment's settings (``techhub.lab_settings``,
    as ``make workshop`` and Binder launch it) keep it from asking about news and updates.

    ``env`` is the server's environment, which its kernels inherit (give it the test's services).
    """
    root = tmp_path / "lab-root"
    root.mkdir()
    state = tmp_path / "jupyter-state"
    env = dict(env)
    env.update(
        JUPYTER_CONFIG_DIR=str(state / "config"),
        JUPYTER_DATA_DIR=str(state / "data"),
        JUPYTER_RUNTIME_DIR=str(state / "runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(state / "user-settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(state / "workspaces"),
        IPYTHONDIR=str(state / "ipython"),
    )
    port, token = free_port(), secrets.token_hex(16)
    command = [
        str(Path(sys.executable).with_name("jupyter-lab")), "--no-browser",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root}", f"--IdentityProvider.token={token}",
    ]  # fmt: skip (no news or update flags: the environment's settings must do it, as for Binder)
    if os.geteuid() == 0:
        command.append("--allow-root")
    log = (tmp_path / "jupyterlab.log").open("w")
    server = subprocess.Popen(command, env=env, cwd=root, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert server.poll() is None, f"JupyterLab exited; see {log.name}"
            try:
                if httpx.get(f"{url}/api/status", params={"token": token}, timeout=2).is_success:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, f"JupyterLab did not answer in 90 s; see {log.name}"
            time.sleep(0.2)
        yield Lab(url, token, root)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def write_notebook(path: Path, *sources: str) -> None:
    """A notebook of code cells (Python 3 kernel) at ``path``."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, path)


@dataclass
class Traffic:
    """Every URL the page requested (and the kernel's websockets), and those aborted for leaving loopback."""

    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)

    def assert_loopback_only(self) -> None:
        assert self.blocked == [], f"requests left loopback: {self.blocked}"
        assert all(urlsplit(url).hostname in LOOPBACK for url in self.requests), self.requests
        assert any(url.startswith("ws://127.0.0.1") for url in self.requests), "no kernel websocket"
        widget_assets = [u for u in self.requests if "jupyter-widgets" in u or "jupyterlab-manager" in u]
        assert widget_assets, "the widgets' front end was not loaded from the lab server"


@contextmanager
def chromium_page(tmp_path: Path, *, height: int = 960) -> Iterator[tuple[Page, Traffic]]:
    """A page of headless Chromium (1280 px wide) that may reach loopback only, and what it requested.

    When the block raises, the page as it was is saved to ``tmp_path / "failure.png"``.
    """
    from playwright.sync_api import sync_playwright

    traffic = Traffic()

    def only_loopback(route: Route) -> None:
        if urlsplit(route.request.url).hostname in LOOPBACK:
            route.continue_()
        else:
            traffic.blocked.append(route.request.url)
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": height})
            context.route("**/*", only_loopback)
            context.on("request", lambda request: traffic.requests.append(request.url))
            page = context.new_page()
            page.on("websocket", lambda socket: traffic.requests.append(socket.url))  # the kernel's channels
            page.set_default_timeout(60_000)
            try:
                yield page, traffic
            except Exception:
                page.screenshot(path=str(tmp_path / "failure.png"))  # what the page showed when it failed
                raise
        finally:
            browser.close()


def run_first_cell(page: Page) -> None:
    """Run the notebook's first cell once the kernel is connected and idle (before that, Lab drops it)."""
    page.locator(".jp-StatusBar-Widget").get_by_text(KERNEL_IDLE).wait_for()
    page.locator(".jp-Cell .jp-InputArea-editor").first.click()
    page.keyboard.press("Shift+Enter")


def keep_screenshot(shot: Path) -> None:
    """Copy a screenshot to ``$TECHHUB_SCREENSHOT_DIR`` when set (to look at it after the run)."""
    if os.environ.get("TECHHUB_SCREENSHOT_DIR"):
        shutil.copy(shot, os.environ["TECHHUB_SCREENSHOT_DIR"])
