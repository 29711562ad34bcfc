"""`batchtui serve --demo` in a real headless Chromium (Debian's, driven by Playwright; no browser is downloaded):
the batch list paints, `?` opens the help, the API key never reaches the page, and a closed tab ends its app."""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import psutil
import pytest

from tests.serve.serve_support import FAKE_KEY, START_BOUND, STOP_BOUND, served

os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")

# CSI/OSC/charset escapes: what is left of the terminal stream is the text the page draws.
ESCAPES = re.compile(r"\x1b\[[0-9;?<>=!]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>78]")
LIST = "quick-check"  # the first of the demo's seeded batches
HELP = "batchtui — keys"  # the help screen's title


def system_chromium() -> str:
    """Debian's Chromium and the Playwright library, or a skip that says why (a failure in CI)."""
    path = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    missing = []
    if path is None:
        missing.append("no Chromium (apt-get install -y chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("no Playwright (pip install -e '.[test]')")
    if missing:
        reason = "the browser test cannot run: " + " and ".join(missing)
        if os.environ.get("BATCHTUI_CI"):
            pytest.fail(f"{reason}; .ci/run installs both")
        pytest.skip(f"{reason}; .ci/run installs both and runs it")
    assert path is not None
    return path


class Screen:
    """Everything the page received over its websocket, as text: what the terminal in the page drew."""

    def __init__(self, page) -> None:
        self.page = page
        self.frames: list[str] = []
        page.on("websocket", lambda ws: ws.on("framereceived", self._received))

    def _received(self, frame: bytes | str) -> None:
        self.frames.append(frame.decode("utf-8", "replace") if isinstance(frame, bytes) else frame)

    def text(self) -> str:
        return ESCAPES.sub("", "".join(self.frames))

    def wait_for(self, needle: str, start: int = 0) -> int:
        """Wait until `needle` is drawn after character `start`; returns where the text ended then."""
        deadline = time.monotonic() + START_BOUND
        while needle not in (text := self.text())[start:]:
            assert time.monotonic() < deadline, f"the page never drew {needle!r}; it drew:\n{text[-2000:]}"
            self.page.wait_for_timeout(100)
        return len(text)


def shoot(page, name: str, tmp_path: Path) -> None:
    """A PNG of the page; into $BATCHTUI_SCREENSHOTS when set (the README's picture: screenshots/browser.png)."""
    page.wait_for_timeout(1000)  # for the picture only: the frames in flight reach the canvas
    path = Path(os.environ.get("BATCHTUI_SCREENSHOTS") or tmp_path) / name
    page.screenshot(path=path)
    assert path.read_bytes().startswith(b"\x89PNG")


@pytest.mark.timeout(180)
def test_the_dashboard_in_headless_chromium(tmp_path):
    chromium = system_chromium()
    from playwright.sync_api import sync_playwright

    bodies: list[bytes] = []
    with served(tmp_path) as server, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 900})
            page.on("response", lambda r: bodies.append(r.body()) if r.status == 200 else None)
            screen = Screen(page)
            page.goto(server.url)
            assert page.title() == "batchtui"

            page.focus(".xterm-helper-textarea")  # the terminal's keyboard input (the app is told it has focus)
            seen = screen.wait_for(LIST)  # the batch list painted
            page.keyboard.press("?")
            seen = screen.wait_for(HELP, start=seen)
            shoot(page, "browser-help.png", tmp_path)
            page.keyboard.press("Escape")  # back to the list: the README's picture
            screen.wait_for(LIST, start=seen)
            shoot(page, "browser.png", tmp_path)

            (app,) = server.apps()  # one tab, one dashboard process
            page.close()  # a closed tab ends its process
            _, alive = psutil.wait_procs([app], timeout=STOP_BOUND)
            assert not alive
        finally:
            browser.close()

    # The key stays on the server: not in the page, its scripts and styles, nor anything drawn.
    received = b"".join(bodies) + "".join(screen.frames).encode()
    assert len(bodies) >= 3 and HELP.encode() in received
    assert FAKE_KEY.encode() not in received
