"""Who reaches the served dashboard: loopback by default; with --token, nothing (page, socket, scripts) without
it, and no app process started; never another site's page; never a non-loopback address without a token."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time

import aiohttp
import psutil
import pytest

from tests.serve.serve_support import STOP_BOUND, TOKEN, running, serve_env, served, wait_for_apps

# The headers of a websocket handshake, sent by hand so the server's answer to the upgrade request is visible.
UPGRADE = {
    "Connection": "Upgrade",
    "Upgrade": "websocket",
    "Sec-WebSocket-Version": "13",
    "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
}


async def status(url: str, **kwargs) -> int:
    async with aiohttp.ClientSession() as http, http.get(url, allow_redirects=False, **kwargs) as response:
        return response.status


@pytest.mark.timeout(120)
async def test_with_a_token_nothing_is_served_or_started_without_it(tmp_path):
    with served(tmp_path, "--token", TOKEN) as server:
        page, ws = server.url, server.url + "ws"
        for url in (page, ws, page + "static/js/textual.js", page + "?token=wrong-" + TOKEN):
            assert await status(url, headers=UPGRADE if url == ws else None) == 401, url
        assert await status(ws, headers={**UPGRADE, "Cookie": "batchtui_serve_0=" + TOKEN}) == 401  # another port's
        assert server.apps() == []  # no app process was started for any of them

        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:  # (cookies of an IP)
            # The token in the URL once: a cookie carries it from there, and the address bar loses it.
            async with http.get(page + "?token=" + TOKEN + "&fontsize=14", allow_redirects=False) as response:
                assert response.status == 303 and response.headers["Location"] == "/?fontsize=14"
                assert "HttpOnly" in response.headers["Set-Cookie"]
            async with http.get(page) as response:
                assert response.status == 200 and "<title>batchtui</title>" in await response.text()
            async with http.ws_connect(ws + "?width=100&height=30") as socket:
                first = await socket.receive(timeout=60)  # the dashboard process started and drew
                assert first.type == aiohttp.WSMsgType.BINARY
                assert len(server.apps()) == 1
        assert await status(page, headers={"Authorization": "Bearer " + TOKEN}) == 200


@pytest.mark.timeout(120)
async def test_on_loopback_no_other_site_and_no_other_name_gets_in(tmp_path):
    with served(tmp_path) as server:
        ws = server.url + "ws"
        # Another site's script (cross-site websocket) and a DNS-rebound name: refused before any process starts.
        assert await status(ws, headers={**UPGRADE, "Origin": "http://evil.example"}) == 403
        assert await status(server.url, headers={"Host": "evil.example"}) == 403
        assert server.apps() == []
        assert await status(server.url, headers={"Host": "localhost"}) == 200


@pytest.mark.parametrize(
    ("flags", "said"),
    [
        (["--host", "0.0.0.0"], "needs a token"),
        (["--host", "192.0.2.1"], "needs a token"),
        (["--host", "box.example"], "needs a token"),
        (["--token", "short"], "at least 16 characters"),
    ],
)
def test_binding_beyond_loopback_without_a_token_is_refused(tmp_path, flags, said):
    argv = [sys.executable, "-m", "batchtui", "serve", "--port", "0", *flags]
    run = subprocess.run(argv, capture_output=True, text=True, env=serve_env(tmp_path), timeout=60)
    assert run.returncode == 2 and said in run.stderr and run.stdout == "", run.stderr


@pytest.mark.timeout(120)
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
async def test_a_closed_tab_and_the_shutdown_end_every_app_process(tmp_path, sig):
    with served(tmp_path) as server:
        async with aiohttp.ClientSession() as http:
            tabs = [await http.ws_connect(server.url + "ws") for _ in range(2)]
            for tab in tabs:
                assert (await tab.receive(timeout=60)).type == aiohttp.WSMsgType.BINARY
            apps = wait_for_apps(server, 2)
            assert len({app.pid for app in apps}) == 2  # one process per tab

            await tabs[0].close()
            deadline = time.monotonic() + STOP_BOUND
            while all(running(app) for app in apps):
                assert time.monotonic() < deadline, "closing a tab did not end its process"
                await asyncio.sleep(0.05)  # (the other tabs keep answering the server's heartbeats)
            alive = [app for app in apps if running(app)]
            assert len(alive) == 1

            assert server.stop(sig) == 0  # Ctrl-C (or a service manager's stop), a tab still open
            _, alive = psutil.wait_procs(alive, timeout=STOP_BOUND)
            assert alive == []


@pytest.mark.parametrize(
    ("argv", "forwarded"),
    [
        (["serve"], []),
        (["serve", "--demo"], ["--demo"]),
        (["--demo", "serve"], ["--demo"]),
        (["--db", "c.sqlite3", "--base-url", "http://127.0.0.1:9", "serve"], ["--db", "c.sqlite3", "--base-url"]),
    ],
)
def test_each_tab_runs_the_dashboard_with_the_same_cache_and_api_flags(argv, forwarded):
    from batchtui.cli import build_parser
    from batchtui.commands.serve import app_argv

    tab = app_argv(build_parser().parse_args(argv))
    assert tab[:3] == [sys.executable, "-m", "batchtui"]
    assert [arg for arg in tab[3:] if not arg.startswith("http")] == forwarded


@pytest.mark.timeout(120)
async def test_one_tab_more_than_max_tabs_is_refused_before_a_process_starts(tmp_path):
    with served(tmp_path, "--max-tabs", "1") as server:
        ws = server.url + "ws"
        async with aiohttp.ClientSession() as http, http.ws_connect(ws) as first:
            assert (await first.receive(timeout=60)).type == aiohttp.WSMsgType.BINARY  # the first dashboard drew
            assert await status(ws, headers=UPGRADE) == 503
            assert len(server.apps()) == 1
        wait_for_apps(server, 0)  # its tab closed: room for another
        assert "--max-tabs 1" in server.log.read_text()


@pytest.mark.timeout(120)
async def test_behind_a_proxy_the_page_addresses_its_public_url_and_allows_its_origin(tmp_path):
    with served(tmp_path, "--public-url", "https://batches.example.com/tui") as server:
        async with aiohttp.ClientSession() as http, http.get(server.url) as response:
            page = await response.text()
        assert 'data-session-websocket-url="wss://batches.example.com/tui/ws"' in page
        assert 'src="/tui/static/js/textual.js"' in page
        ws = server.url + "ws"
        assert await status(ws, headers={**UPGRADE, "Origin": "https://batches.example.com"}) == 101
        assert await status(ws, headers={**UPGRADE, "Origin": "https://evil.example"}) == 403


@pytest.mark.parametrize(
    ("flags", "said"),
    [(["--max-tabs", "0"], "1 or more"), (["--public-url", "batches.example.com"], "http(s) URL")],
)
def test_serve_flags_are_checked(tmp_path, flags, said):
    done = subprocess.run(
        [sys.executable, "-m", "batchtui", "serve", *flags], env=serve_env(tmp_path), capture_output=True, timeout=60
    )
    assert done.returncode == 2 and said in done.stderr.decode()


@pytest.mark.timeout(120)
async def test_a_dashboard_that_fails_to_start_says_why_on_stderr_and_stdout_keeps_the_url_alone(tmp_path):
    with served(tmp_path) as server:
        (tmp_path / "data").write_text("a file where the demo's folder should be")  # the next app cannot start
        async with aiohttp.ClientSession() as http, http.ws_connect(server.url + "ws") as tab:
            while (await tab.receive(timeout=60)).type not in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                pass
        wait_for_apps(server, 0)
    out = (tmp_path / "serve.out").read_text()
    assert out == server.url + "\n"
    log = server.log.read_text()
    assert "NotADirectoryError" in log and "NotADirectoryError" not in out, log


def test_a_process_reaped_between_two_questions_counts_as_ended():
    """The race `running` closes: is_running() said yes, the server reaped the app, then status() raised."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    process = psutil.Process(child.pid)
    child.wait()  # exited and reaped, as the server reaps an app whose tab closed
    with pytest.raises(psutil.NoSuchProcess):
        process.status()
    assert not running(process)
