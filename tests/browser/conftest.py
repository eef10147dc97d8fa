"""A real browser on the panel of a relay started the real way (`epd-relay serve`).

Debian's chromium, driven by Playwright's async API with `executable_path`: no browser is
downloaded. Every page a test visits is saved as a full-page PNG under
test-output/screenshots/<test name>/ so a person can look at what the test saw.
"""
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import relay_sections, write_config
from tests.relay_process import RelayProcess
from tests.require import require_module, require_tool

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "test-output" / "screenshots"

# Without these Chromium refuses to start as root, or keeps trying to reach Google's
# services, which the CI machine's closed network refuses.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 20_000


_REPORTS = pytest.StashKey[dict]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Keep each phase's report on the test, so a fixture can tell it failed."""
    report = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    return report


@dataclass
class ServedRelay:
    """`epd-relay serve` running, and what it told the operator on start."""

    process: RelayProcess
    config_path: Path
    state_dir: Path
    panel_url: str   # "http://127.0.0.1:PORT", no trailing slash

    @property
    def admin_password(self) -> str:
        """What the first start printed and wrote to <state>/panel-admin.txt."""
        text = (self.state_dir / "panel-admin.txt").read_text(encoding="utf-8")
        return re.search(r"^password: (.+)$", text, re.MULTILINE)[1]


@pytest.fixture
async def served_relay(tmp_path: Path, tls_files, upstream):
    """The relay as the README starts it, its panel on an ephemeral loopback port.

    [upstream.smtp] points at the test's TLS provider (`upstream`), trusted through the
    test CA with server name "localhost": the initial value the mail account page shows.
    """
    config = write_config(tmp_path, relay_sections(upstream, tls_files.ca_file))
    relay = RelayProcess(config)
    try:
        try:
            await relay.start()
        except TimeoutError:
            raise AssertionError("epd-relay serve did not get ready; its output:\n" + relay.output) from None
        line = await relay.wait_for_line(r"panel listening on https?://")
        url = re.search(r"(https?://\S+?)/?$", line)[1]
        served = ServedRelay(relay, config, tmp_path / "state", url)
        assert "Panel administrator created: login admin" in relay.output
        yield served
    finally:
        await relay.kill()


class Screenshots:
    """Numbered full-page screenshots of one test: 01-login.png, 02-home.png, ..."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.taken: list[Path] = []

    async def take(self, page, name: str) -> Path:
        path = self.directory / f"{len(self.taken) + 1:02d}-{name}.png"
        await page.screenshot(path=str(path), full_page=True)
        self.taken.append(path)
        return path


@pytest.fixture
def screenshots(request: pytest.FixtureRequest) -> Screenshots:
    name = re.sub(r"[^\w.-]+", "_", request.node.name)
    directory = SCREENSHOTS / name
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    shots = Screenshots(directory)
    yield shots
    print(f"\nscreenshots of {request.node.nodeid}: {directory}")


@pytest.fixture
def playwright_api():
    """playwright.async_api, from the `test` extra; a test gets `expect` from here."""
    return require_module("playwright.async_api", "playwright")


@pytest.fixture
async def browser(playwright_api):
    """Debian's chromium, headless, through Playwright (never `playwright install`)."""
    chromium = require_tool("chromium")
    async with playwright_api.async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=chromium, args=CHROMIUM_ARGS,
            # Chromium's own words (file inputs, date fields 01.10.2012) in Russian, as office
            # staff see them; the translations are Debian's chromium-l10n.
            env={**os.environ, "LANGUAGE": "ru"},
        )
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def page(request: pytest.FixtureRequest, browser, served_relay: ServedRelay, screenshots: Screenshots):
    """A fresh browser tab whose relative URLs go to the panel; on failure, the last screen is saved."""
    context = await browser.new_context(
        base_url=served_relay.panel_url, locale="ru-RU", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(TIMEOUT_MS)
    tab = await context.new_page()
    try:
        yield tab
        report = request.node.stash.get(_REPORTS, {}).get("call")
        if report is not None and report.failed and not tab.is_closed():
            await screenshots.take(tab, "failure")
    finally:
        await context.close()
