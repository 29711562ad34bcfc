"""A tab the page has not focused yet (the web driver starts the app blurred, and the page sends `focus` only
once the terminal is clicked or typed in) still draws the key bar: it was blank until the first key press."""

from __future__ import annotations

import time

import aiohttp
import pytest

from tests.serve.serve_support import START_BOUND, served
from tests.serve.test_browser import ESCAPES, LIST

KEYS = ("Help", "Quit", "palette")  # the app's keys, which every screen's footer keeps


@pytest.mark.timeout(180)
async def test_the_key_bar_is_drawn_before_the_tab_is_focused(tmp_path):
    with served(tmp_path) as server:
        async with aiohttp.ClientSession() as http, http.ws_connect(server.url + "ws?width=160&height=40") as tab:
            frames: list[str] = []
            deadline = time.monotonic() + START_BOUND
            text = ""
            while not (LIST in text and all(key in text for key in KEYS)):
                assert time.monotonic() < deadline, (
                    f"no key bar before the tab was focused; the page drew:\n{text[-2000:]}"
                )
                try:
                    message = await tab.receive(timeout=1)
                except TimeoutError:
                    continue
                assert message.type in (aiohttp.WSMsgType.BINARY, aiohttp.WSMsgType.TEXT), message
                data = message.data
                frames.append(data.decode("utf-8", "replace") if isinstance(data, bytes) else data)
                text = ESCAPES.sub("", "".join(frames))
