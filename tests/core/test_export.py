"""Export: streamed, byte-faithful JSONL, injection-safe CSV, readable Markdown, atomic files."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from collections.abc import AsyncIterator, Iterable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from batchtui.core.export import (
    CSV_COLUMNS,
    FORMULA_PREFIXES,
    export_results,
    neutralize_cell,
    write_atomically,
    write_atomically_async,
)
from batchtui.core.models import ResultRow


def _ok(cid: str, text: str = "Hello!", **kw: object) -> ResultRow:
    raw = json.dumps(
        {
            "custom_id": cid,
            "result": {"type": "succeeded", "message": {"content": [{"type": "text", "text": text}]}},
        }
    )
    fields: dict = {
        "model": "claude-sonnet-4-5",
        "stop_reason": "end_turn",
        "input_tokens": 11,
        "output_tokens": 36,
        "cost_usd": 0.000286,
        "cache_saved_usd": 0.0,  # no cache tokens: caching saved exactly nothing
    }
    fields.update(kw)
    return ResultRow("msgbatch_01", cid, "succeeded", raw, text=text, **fields)


def _err(cid: str, message: str = "max_tokens: Field required") -> ResultRow:
    raw = json.dumps(
        {
            "custom_id": cid,
            "result": {
                "type": "errored",
                "error": {"type": "error", "error": {"type": "invalid_request_error", "message": message}},
            },
        }
    )
    return ResultRow("msgbatch_01", cid, "errored", raw, error_type="invalid_request_error", error_message=message)


def _other(cid: str, kind: str) -> ResultRow:
    return ResultRow("msgbatch_01", cid, kind, json.dumps({"custom_id": cid, "result": {"type": kind}}))


async def _aiter(rows: Iterable[ResultRow]) -> AsyncIterator[ResultRow]:
    for row in rows:
        yield row


async def _export(rows: Iterable[ResultRow], fmt: str, **kw: object) -> tuple[str, int]:
    out = io.StringIO(newline="")
    n = await export_results(_aiter(rows), fmt, out, **kw)  # type: ignore[arg-type]
    return out.getvalue(), n


ROWS = [_ok("q1"), _err("q2"), _other("q3", "canceled"), _other("q4", "expired")]


async def test_jsonl_writes_raw_lines_verbatim() -> None:
    text, n = await _export(ROWS, "jsonl")
    assert n == 4
    assert text == "".join(r.raw + "\n" for r in ROWS)


async def test_jsonl_does_not_double_newlines() -> None:
    row = _ok("q1")
    row = ResultRow(row.batch_id, row.custom_id, row.result_type, row.raw + "\r\n")
    text, _ = await _export([row], "jsonl")
    assert text == _ok("q1").raw + "\n"


async def test_csv_columns_and_values() -> None:
    text, n = await _export(ROWS, "csv")
    assert n == 4
    assert text.startswith(",".join(CSV_COLUMNS) + "\r\n")  # RFC 4180 line ends
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == list(CSV_COLUMNS)
    # cost, then the standard API's price of the same usage and the saving; then thinking, tool_use, other blocks;
    # then what prompt caching saved; then where a reused answer came from (blank: answered in this batch)
    assert rows[1] == [
        "q1", "succeeded", "Hello!", "", "", "11", "36", "0.000286", "0.000572", "0.000286", "", "", "", "0",
        "", "", "",
    ]  # fmt: skip
    assert rows[2] == ["q2", "errored", "", "invalid_request_error", "max_tokens: Field required", *[""] * 12]
    assert rows[3][:2] == ["q3", "canceled"]
    assert len(rows) == 5


async def test_csv_neutralises_formulas() -> None:
    rows = [_ok("a", '=HYPERLINK("http://evil","x")'), _ok("b", "+1"), _ok("c", "-2"), _ok("d", "@SUM(A1)")]
    text, _ = await _export(rows, "csv")
    cells = [r[2] for r in csv.reader(io.StringIO(text, newline=""))][1:]
    assert cells == ['\'=HYPERLINK("http://evil","x")', "'+1", "'-2", "'@SUM(A1)"]


async def test_csv_multiline_and_unicode_survive() -> None:
    body = 'line 1\nline "2", with comma\n日本語 🎉'
    text, _ = await _export([_ok("q1", body)], "csv")
    assert list(csv.reader(io.StringIO(text, newline="")))[1][2] == body


async def test_csv_cost_is_plain_decimal() -> None:
    text, _ = await _export([_ok("q1", cost_usd=0.00001), _ok("q2", cost_usd=None, cache_saved_usd=None)], "csv")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[1][7] == "0.00001"
    assert rows[2][7:10] == ["unknown"] * 3  # billed, but no known price: never blank, never a guess
    saved = CSV_COLUMNS.index("cache_saved_usd")
    assert rows[2][saved] == "unknown" and rows[1][saved] == "0"  # what caching saved, likewise


@given(st.text())
def test_neutralize_round_trip(value: str) -> None:
    out = neutralize_cell(value)
    assert not out.startswith(FORMULA_PREFIXES)
    assert out == (("'" + value) if value.startswith(FORMULA_PREFIXES) else value)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",))), min_size=1, max_size=5))
def test_csv_round_trip_through_a_reader(texts: list[str]) -> None:
    import asyncio

    rows = [_ok(f"q{i}", t) for i, t in enumerate(texts)]
    text, _ = asyncio.run(_export(rows, "csv"))
    parsed = list(csv.reader(io.StringIO(text, newline="")))[1:]
    assert len(parsed) == len(texts)
    for cells, original in zip(parsed, texts, strict=True):
        cell = cells[2]
        assert not cell.startswith(FORMULA_PREFIXES)
        assert (cell[1:] if original.startswith(FORMULA_PREFIXES) else cell) == original


async def test_markdown_layout() -> None:
    text, _ = await _export(ROWS, "md")
    assert text.startswith("# Results of `msgbatch_01`\n\n## `q1` — succeeded\n")
    assert "```\nHello!\n```\n" in text
    assert "Tokens: 11 in · 36 out · cost $0.0003" in text
    assert "## `q2` — errored" in text and "**Error:** `invalid_request_error`" in text
    assert "```\nmax_tokens: Field required\n```" in text
    assert "canceled before this request was sent" in text
    assert "expired (24 h)" in text
    assert text.count("# Results of") == 1


async def test_markdown_fence_outlasts_backticks_in_text() -> None:
    reply = "Use this:\n````python\nprint('hi')\n````\nand ``` too"
    text, _ = await _export([_ok("q1", reply)], "md")
    assert "`````\n" + reply + "\n`````\n" in text


async def test_markdown_new_heading_per_batch_and_empty() -> None:
    other = ResultRow("msgbatch_02", "z", "expired", "{}")
    text, _ = await _export([_ok("q1"), other], "md")
    assert "# Results of `msgbatch_01`" in text and "# Results of `msgbatch_02`" in text
    empty, n = await _export([], "md")
    assert n == 0 and "_No results._" in empty


async def test_progress_every_100_and_at_end() -> None:
    calls: list[int] = []
    _, n = await _export([_ok(f"q{i}") for i in range(250)], "jsonl", on_progress=calls.append)
    assert n == 250
    assert calls == [100, 200, 250]


async def test_unknown_format() -> None:
    with pytest.raises(ValueError, match="unknown export format 'xlsx'"):
        await _export(ROWS, "xlsx")


async def test_streams_instead_of_collecting() -> None:
    out = io.StringIO(newline="")
    seen_lines: list[int] = []

    async def rows() -> AsyncIterator[ResultRow]:
        for i in range(1000):
            seen_lines.append(out.getvalue().count("\n"))  # what was written before row i was produced
            yield _ok(f"q{i}")

    await export_results(rows(), "jsonl", out)
    assert seen_lines == list(range(1000))


def test_write_atomically_replaces_whole_file(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    path.write_text("old", encoding="utf-8")
    path.chmod(0o640)
    assert write_atomically(path, lambda f: f.write("new\r\n")) == 5
    assert path.read_bytes() == b"new\r\n"  # newline="" keeps csv's CRLF as is
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert os.listdir(tmp_path) == ["out.csv"]


def test_write_atomically_leaves_old_file_on_failure(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    path.write_text("complete old export\n", encoding="utf-8")

    def crash(f: io.TextIOBase) -> None:
        f.write("half of the new")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space left"):
        write_atomically(path, crash)
    assert path.read_text(encoding="utf-8") == "complete old export\n"
    assert os.listdir(tmp_path) == ["out.jsonl"]  # no temporary file left behind


def test_write_atomically_new_file_gets_umask_mode(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        write_atomically(tmp_path / "new.md", lambda f: f.write("x"))
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.md").stat().st_mode) == 0o640


async def test_write_atomically_async_with_export(tmp_path: Path) -> None:
    path = tmp_path / "results.csv"
    n = await write_atomically_async(path, lambda f: export_results(_aiter(ROWS), "csv", f))
    assert n == 4
    data = path.read_bytes()
    assert data.startswith(b"custom_id,type,text")
    assert data.count(b"\r\n") == 5
    assert "Hello!" in data.decode("utf-8")
