"""The chat panel in a real browser: JupyterLab on loopback, headless Chromium driven by Playwright.

A notebook that shows a ``ChatPanel`` is opened in JupyterLab, its cell is run through the page, the
customer's messages are typed into the panel (Enter, then the Send button) and the agent's replies
are awaited in the DOM. Along the way: the widgets' front end loads with no request leaving
loopback, the busy line shows while a run is in flight, and JupyterLab asks nothing about news or
updates (the settings overrides of ``techhub.lab_settings``). A screenshot is left in the test's
temporary folder.

Chromium is Debian's (``apt-get install -y chromium``; ``.ci/run`` installs it): nothing here may
download a browser, so ``playwright install`` is never run. Without ``/usr/bin/chromium`` the test
is skipped, loudly.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import httpx
import nbformat
import pytest

from techhub import lab_settings
from techhub.agent.prompts import ASK_EMAIL
from techhub.localsmith.launcher import free_port

if TYPE_CHECKING:
    from conftest import TechhubInstance

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]  # fmt: skip
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
NEWS_QUESTION = "official Jupyter news"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=(
        "!!! CHROMIUM IS NOT INSTALLED: the real-browser check of the chat panel DID NOT RUN. "
        f"{CHROMIUM} is missing; as root: apt-get install -y chromium (.ci/run does this) !!!"
    ),
)

CELL = "from techhub.widgets import ChatPanel\n\npanel = ChatPanel()\npanel"


@dataclass
class Lab:
    url: str
    token: str
    root: Path

    def page_url(self, path: str) -> str:
        return f"{self.url}/lab/tree/{path}?token={self.token}"


@pytest.fixture
def lab(techhub_services: TechhubInstance, tmp_path: Path) -> Iterator[Lab]:
    """JupyterLab on a free loopback port, in a temporary root, token set, no browser of its own, with
    its own user settings and workspaces: only the environment's settings (``techhub.lab_settings``,
    as ``make workshop`` and Binder launch it) keep it from asking about news and updates."""
    root = tmp_path / "lab-root"
    root.mkdir()
    state = tmp_path / "jupyter-state"
    env = dict(techhub_services.env)  # the kernel inherits it: the panel reaches the test's agent server
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


def _write_notebook(path: Path) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(CELL)]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, path)


# Records whether the busy line ever appeared, however briefly (a run takes about a second).
WATCH_BUSY = """() => {
  window.__techhubBusySeen = false;
  new MutationObserver(() => {
    if (document.querySelector('.techhub-chat-busy')) window.__techhubBusySeen = true;
  }).observe(document.body, {childList: true, subtree: true});
}"""


def test_the_chat_panel_works_in_jupyterlab_in_headless_chromium(lab: Lab, tmp_path: Path) -> None:
    from playwright.sync_api import Route, expect, sync_playwright

    overrides = lab_settings.overrides_path()
    missing = f"{overrides} is missing: `make install` writes it (python -m techhub.lab_settings)"
    assert overrides.is_file(), missing
    assert lab_settings.FRONT_END_OVERRIDES.items() <= json.loads(overrides.read_text()).items()
    assert lab_settings.server_config_path().is_file(), missing
    _write_notebook(lab.root / "chat.ipynb")

    requests: list[str] = []
    blocked: list[str] = []

    def only_loopback(route: Route) -> None:
        if urlsplit(route.request.url).hostname in LOOPBACK:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 960})
            context.route("**/*", only_loopback)
            context.on("request", lambda request: requests.append(request.url))
            page = context.new_page()
            page.on("websocket", lambda socket: requests.append(socket.url))  # the kernel's channels
            page.set_default_timeout(60_000)
            page.goto(lab.page_url("chat.ipynb"))

            # Run the cell once the kernel is connected and idle (before that, Lab drops the request).
            page.locator(".jp-StatusBar-Widget").get_by_text("Python 3 (ipykernel) | Idle").wait_for()
            page.locator(".jp-Cell .jp-InputArea-editor").first.click()
            page.keyboard.press("Shift+Enter")

            box = page.locator(".techhub-chat-input input")
            box.wait_for()
            expect(page.locator(".techhub-chat-thread-id")).to_have_value(
                re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
            )
            page.evaluate(WATCH_BUSY)

            box.fill("Where is my order?! It's been weeks!")
            box.press("Enter")
            question = page.locator(".techhub-turn-question .techhub-turn-text")
            expect(question).to_have_text(ASK_EMAIL)
            badge = page.locator(".techhub-turn-question .techhub-badge")
            expect(badge).to_have_text("verification question")
            expect(box).to_have_value("")
            assert page.evaluate("window.__techhubBusySeen"), "the busy line never showed during the run"

            box.fill("sarah.chen@gmail.com")
            page.locator(".techhub-chat-send button, button.techhub-chat-send").first.click()
            replies = page.locator(".techhub-turn-assistant .techhub-turn-text")
            expect(replies).to_have_count(2)
            expect(replies.nth(1)).to_contain_text("ORD-2025-0047")
            expect(page.locator(".techhub-turn-user .techhub-turn-text")).to_have_text(
                ["Where is my order?! It's been weeks!", "sarah.chen@gmail.com"]
            )
            expect(page.locator(".techhub-chat-error")).to_have_count(0)

            # JupyterLab asked nothing about news or updates.
            expect(page.get_by_text(NEWS_QUESTION)).to_have_count(0)
            expect(page.locator(".Toastify__toast")).to_have_count(0)

            shot = tmp_path / "chat-panel.png"
            page.screenshot(path=str(shot))
            page.locator(".techhub-chat").first.screenshot(path=str(tmp_path / "chat-panel-only.png"))
            assert shot.stat().st_size > 10_000
            if os.environ.get("TECHHUB_SCREENSHOT_DIR"):  # to look at it after the run
                shutil.copy(shot, os.environ["TECHHUB_SCREENSHOT_DIR"])
        except Exception:
            page.screenshot(path=str(tmp_path / "failure.png"))  # what the page showed when it failed
            raise
        finally:
            browser.close()

    assert blocked == [], f"requests left loopback: {blocked}"
    assert all(urlsplit(url).hostname in LOOPBACK for url in requests), requests
    assert any(url.startswith("ws://127.0.0.1") for url in requests)
    widget_assets = [url for url in requests if "jupyter-widgets" in url or "jupyterlab-manager" in url]
    assert widget_assets, "the widgets' front end was not loaded from the lab server"
