"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

Never a downloaded browser: bin/test installs the `chromium` and `fonts-noto-cjk` packages and
exports CHROMIUM_PATH. If Chromium cannot start the tests fail, they are never skipped.
"""

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import PASSWORD

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 900}
ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "docs" / "screenshots"


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.fail(
            f"Chromium not found at {path}. Run the tests with bin/test, which installs Debian's "
            "chromium and fonts-noto-cjk (apt-get install -y chromium fonts-noto-cjk).",
            pytrace=False,
        )
    return path


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    manager = sync_playwright().start()
    # Playwright's sync API keeps an asyncio loop "running" in this thread while it is started, and
    # Django refuses ORM calls from such a thread. Nothing here calls the ORM from async code, so
    # allow it for exactly as long as Playwright runs (database teardowns of the tests included).
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        chromium = manager.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS, headless=True)
    except Exception as exc:  # the message says why (missing libraries, sandbox...): fail with it
        manager.stop()
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        pytest.fail(f"Chromium did not start: {exc}", pytrace=False)
    yield chromium
    chromium.close()
    manager.stop()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def open_as(browser, live_server):
    """A signed-in page for one person, each in its own browser context (own cookies)."""
    contexts, violations = [], []

    def new_page(language="en"):
        context = browser.new_context(viewport=VIEWPORT, locale="zh-CN" if language.startswith("zh") else "en-US")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        # The CSP is strict (no inline script or style): any page that breaks it shows up here.
        page.on(
            "console",
            lambda msg: violations.append(f"{page.url}: {msg.text}") if "Content Security Policy" in msg.text else None,
        )
        return page

    def sign_in(username, language="en"):
        page = new_page(language)
        page.goto(f"{live_server.url}/accounts/login/")
        fill_login(page, username)
        assert "/accounts/login" not in page.url, f"{username} could not sign in: {page.content()[:2000]}"
        return page

    sign_in.new_page = new_page
    yield sign_in
    for context in contexts:
        context.close()
    assert not violations, "Content-Security-Policy violations:\n" + "\n".join(violations)


def fill_login(page, username, password=PASSWORD):
    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("login-password").fill(password)
    page.get_by_test_id("login-submit").click()
    page.wait_for_load_state()


@pytest.fixture
def shoot():
    """Save a screenshot: into docs/screenshots with UPDATE_SCREENSHOTS=1, else beside the test."""

    def save(page, name, tmp_dir):
        folder = SHOTS if os.environ.get("UPDATE_SCREENSHOTS") == "1" else Path(tmp_dir)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=False)
        return path

    return save


def switch_language(page, code):
    """Use the language menu in the top bar, as a person would."""
    page.get_by_test_id("language-select").select_option(code)
    page.get_by_test_id("language-submit").click()
    page.wait_for_load_state()
