"""The hostile corpus through `batchtui submit`: exit 2, the file, line and field named, no traceback, and the
emulator's create route never called. Without ANTHROPIC_API_KEY the errors are still shown, and the SDK is never
imported on the way."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.core.hostile_corpus import cases, write_corpus

# Over 100,000 requests `submit` splits a file into a group of batches: that file is not an error here.
SPLIT_BY_SUBMIT = {"requests_100001.jsonl"}


def test_every_hostile_file_exits_2_naming_its_place_and_nothing_is_sent(cli, batch_emulator, tmp_path: Path):
    folder = tmp_path / "corpus"
    corpus = [c for c in write_corpus(folder) if c.name not in SPLIT_BY_SUBMIT]
    wrong: list[str] = []
    for case in corpus:
        code, out, err = cli("submit", str(folder / case.name))
        where = f"{case.name}:{case.line}:" if case.line is not None else case.name
        field = f" {case.field}:" if case.field is not None else ""
        if code != 2 or out or "Traceback" in err or where not in err or field not in err:
            wrong.append(f"{case.name}: exit {code}, stderr {err[:300]!r}")
    assert not wrong, "\n".join(wrong)
    assert batch_emulator.faults.calls["create"] == 0
    assert not list((tmp_path / "spool").glob("*.json"))


def test_without_a_key_a_bad_file_shows_its_errors_and_the_sdk_is_never_imported(tmp_path: Path):
    bad = next(c for c in cases() if c.name == "tools_string.jsonl")
    path = tmp_path / bad.name
    path.write_bytes(bad.data)
    code = (
        "import sys; from batchtui.cli import main; "
        f"code = main(['--db', {str(tmp_path / 'c.sqlite3')!r}, 'submit', {str(path)!r}]); "
        "print('anthropic imported:', 'anthropic' in sys.modules); sys.exit(code)"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN")}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 2, result.stderr
    assert f"{bad.name}:2: params.tools: must be a list of tools" in result.stderr
    assert "No API key" not in result.stderr
    assert "anthropic imported: False" in result.stdout


def test_without_a_key_a_good_file_is_refused_for_the_key_after_validation(tmp_path: Path):
    path = tmp_path / "good.jsonl"
    path.write_bytes(cases()[0].data.splitlines(keepends=True)[0])
    env = {k: v for k, v in os.environ.items() if k not in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN")}
    result = subprocess.run(
        [sys.executable, "-m", "batchtui", "--db", str(tmp_path / "c.sqlite3"), "submit", str(path)],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert result.returncode != 0
    assert "No API key" in result.stderr and "Traceback" not in result.stderr
    assert not [p for p in (tmp_path / "spool").glob("*") if p.is_file()], "the spool went with the refusal"
