"""`batchtui emulator`: announces its base URL first, serves the SDK, stops cleanly on SIGTERM/SIGINT, flags."""

from __future__ import annotations

import re
import signal
import subprocess
from pathlib import Path

import anthropic
import pytest

from batchtui.cli import main
from batchtui.emulator import emulator_thread

from ._support import cli_command, cli_emulator, make_requests

URL = re.compile(r"^http://127\.0\.0\.1:\d+$")


def _stop(emu, sig: signal.Signals) -> int:
    emu.proc.send_signal(sig)
    return emu.proc.wait(timeout=60)


def test_announces_url_serves_and_stops_on_sigterm(tmp_path: Path) -> None:
    with cli_emulator(tmp_path, "--state", str(tmp_path / "s.sqlite3"), "--batch-seconds", "0") as emu:
        assert URL.match(emu.base_url)
        with anthropic.Anthropic(api_key="test", base_url=emu.base_url, timeout=120) as client:
            batch = client.messages.batches.create(requests=make_requests(3))
            assert client.messages.batches.retrieve(batch.id).processing_status == "ended"  # --batch-seconds 0
            assert len(list(client.messages.batches.results(batch.id))) == 3
        assert _stop(emu, signal.SIGTERM) == 0
        assert emu.proc.stdout.read() == ""  # the URL was the only thing on stdout
        err = emu.stderr()
        assert "stopped" in err and "Traceback" not in err
    assert (tmp_path / "s.sqlite3").exists()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_right_after_the_announcement_exits_0(tmp_path: Path, sig: signal.Signals) -> None:
    """A supervisor may signal the moment it has read the URL: the handlers must already be in place."""
    with cli_emulator(tmp_path, "--state", str(tmp_path / "s.sqlite3")) as emu:
        assert _stop(emu, sig) == 0
        assert "Traceback" not in emu.stderr()


def _three_ids(base_url: str) -> list[str]:
    with anthropic.Anthropic(api_key="test", base_url=base_url, timeout=120) as client:
        return [client.messages.batches.create(requests=make_requests(1)).id for _ in range(3)]


def test_seed_makes_ids_reproducible(tmp_path: Path) -> None:
    runs = []
    for name in ("a", "b"):
        with cli_emulator(tmp_path, "--state", str(tmp_path / f"{name}.sqlite3"), "--seed", "42") as emu:
            runs.append(_three_ids(emu.base_url))
            assert _stop(emu, signal.SIGTERM) == 0
    assert runs[0] == runs[1]
    # The flag's value is what counts: the library with the same seed agrees, another seed does not.
    with emulator_thread(state_path=None, seed=42) as emu:
        assert _three_ids(emu.base_url) == runs[0]
    with emulator_thread(state_path=None, seed=43) as emu:
        assert set(_three_ids(emu.base_url)).isdisjoint(runs[0])


def test_demo_data_fills_the_state(tmp_path: Path) -> None:
    with cli_emulator(tmp_path, "--state", str(tmp_path / "s.sqlite3"), "--demo-data") as emu:
        with anthropic.Anthropic(api_key="test", base_url=emu.base_url, timeout=120) as client:
            statuses = {b.processing_status for b in client.messages.batches.list(limit=100)}
        assert statuses == {"in_progress", "canceling", "ended"}
        assert _stop(emu, signal.SIGTERM) == 0


def test_busy_port_exits_1(tmp_path: Path) -> None:
    with cli_emulator(tmp_path, "--state", str(tmp_path / "a.sqlite3")) as first:
        port = first.base_url.rsplit(":", 1)[1]
        second = subprocess.run(
            [*cli_command(), "emulator", "--port", port, "--state", str(tmp_path / "b.sqlite3")],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert second.returncode == 1
        assert second.stdout == ""  # never announced a URL
        assert "cannot listen" in second.stderr
        assert _stop(first, signal.SIGTERM) == 0


@pytest.mark.parametrize(
    "flags",
    [
        ["--error-rate", "2"],
        ["--expire-rate", "-0.1"],
        ["--fault-rate", "abc"],
        ["--error-rate", "nan"],
        ["--batch-seconds", "-1"],
        ["--port", "eighty"],
        ["--seed", "1.5"],
        ["--queue-limit", "0"],
        ["--queue-limit", "many"],
        ["--no-such-flag"],
    ],
)
def test_bad_flags_exit_2(flags: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["emulator", *flags])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "usage:" in err and "error:" in err


def test_bad_flag_exit_code_from_the_real_command(tmp_path: Path) -> None:
    done = subprocess.run(
        [*cli_command(), "emulator", "--error-rate", "2", "--state", str(tmp_path / "s.sqlite3")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "2 is not between 0 and 1" in done.stderr and done.stdout == ""
    assert not (tmp_path / "s.sqlite3").exists()
