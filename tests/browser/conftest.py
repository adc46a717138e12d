"""A real browser for the hall screens: Debian's Chromium driven by Playwright.

The PyPI `playwright` package drives /usr/bin/chromium (scripts/install-system-deps
installs it with a CJK font); it never downloads a browser of its own. Without
Chromium the browser tests are skipped with the reason, except under CI=true,
where a missing browser is a failure.

Every page records its uncaught script errors and state changes; a test fails
if the page threw, whatever it asserted.
"""

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
WAIT_MS = 15_000  # the bound on every wait in these tests
FULL_HD = {"width": 1920, "height": 1080}

# Runs before the page's scripts: remembers every data-state the body takes,
# so a test can tell the page went through "disconnected" even if it was brief.
RECORD_STATES = """
window.__states = [];
new MutationObserver(() => {
  const state = document.body && document.body.dataset.state;
  if (state && window.__states[window.__states.length - 1] !== state) window.__states.push(state);
}).observe(document, {subtree: true, attributes: true, attributeFilter: ["data-state"]});
"""


# Module scope, not session: while Playwright's sync API is active it leaves an
# event loop marked as running in the main thread, which breaks asyncio.run()
# in whatever tests come next. Ending it with the module keeps it contained.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing; install it with scripts/install-system-deps"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    expect.set_options(timeout=WAIT_MS)
    with sync_playwright() as p:
        launched = p.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=WAIT_MS * 2
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh 1920x1080 page whose own clock is UTC (the hall's zone must win)."""
    with open_page(browser, FULL_HD, prepare=lambda c: c.add_init_script(RECORD_STATES)) as new:
        yield new


@contextmanager
def open_page(
    browser: Browser,
    viewport: dict[str, int],
    *,
    touch: bool = False,
    locale: str = "zh-CN",
    prepare: Callable[[BrowserContext], object] | None = None,
) -> Iterator[Page]:
    """A fresh page of the given size, its clock UTC (the hall's zone must win);
    `prepare` readies its context first (permissions, init scripts). The test
    fails if the page threw."""
    context = browser.new_context(
        viewport=viewport, has_touch=touch, locale=locale, timezone_id="UTC"
    )
    context.set_default_timeout(WAIT_MS)
    if prepare is not None:
        prepare(context)
    errors: list[str] = []
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield page
    finally:
        context.close()
    assert not errors, f"the page threw: {errors}"
