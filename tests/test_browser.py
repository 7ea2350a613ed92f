"""The chat panel in a real browser: JupyterLab on loopback, headless Chromium driven by Playwright.

A notebook that shows a ``ChatPanel`` is opened in JupyterLab, its cell is run through the page, the
customer's messages are typed into the panel (Enter, then the Send button) and the agent's replies
are awaited in the DOM. Along the way: the widgets' front end loads with no request leaving
loopback, the busy line shows while a run is in flight, and JupyterLab asks nothing about news or
updates (the settings overrides of ``techhub.lab_settings``). A screenshot is left in the test's
temporary folder. The lab and the browser come from ``tests/browser.py`` (shared with
``tests/test_browser_reviewer.py``); without ``/usr/bin/chromium`` the test is skipped, loudly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from browser import (
    Lab,
    chromium_page,
    keep_screenshot,
    requires_chromium,
    run_first_cell,
    running_lab,
    write_notebook,
)

from techhub import lab_settings
from techhub.agent.prompts import ASK_EMAIL

if TYPE_CHECKING:
    from conftest import TechhubInstance

NEWS_QUESTION = "official Jupyter news"

pytestmark = requires_chromium

CELL = "from techhub.widgets import ChatPanel\n\npanel = ChatPanel()\npanel"


@pytest.fixture
def lab(techhub_services: TechhubInstance, tmp_path: Path) -> Iterator[Lab]:
    with running_lab(techhub_services.env, tmp_path) as lab:  # the kernel reaches the test's agent server
        yield lab


# Records whether the busy line ever appeared, however briefly (a run takes about a second).
WATCH_BUSY = """() => {
  window.__techhubBusySeen = false;
  new MutationObserver(() => {
    if (document.querySelector('.techhub-chat-busy')) window.__techhubBusySeen = true;
  }).observe(document.body, {childList: true, subtree: true});
}"""


def test_the_chat_panel_works_in_jupyterlab_in_headless_chromium(lab: Lab, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    overrides = lab_settings.overrides_path()
    missing = f"{overrides} is missing: `make install` writes it (python -m techhub.lab_settings)"
    assert overrides.is_file(), missing
    assert lab_settings.FRONT_END_OVERRIDES.items() <= json.loads(overrides.read_text()).items()
    assert lab_settings.server_config_path().is_file(), missing
    write_notebook(lab.root / "chat.ipynb", CELL)

    with chromium_page(tmp_path) as (page, traffic):
        page.goto(lab.page_url("chat.ipynb"))
        run_first_cell(page)

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
        keep_screenshot(shot)

    traffic.assert_loopback_only()
