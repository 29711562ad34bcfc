"""Export with request metadata: JSONL keeps the API's line and adds a `metadata` key, CSV adds one column per
metadata key (formula-safe), rows without metadata leave them empty, and Markdown lists it under the result's
heading, one line per key."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Iterable
from typing import Any

from batchtui.core.export import CSV_COLUMNS, ExportRow, export_results
from batchtui.core.models import ResultRow


def _row(cid: str) -> ResultRow:
    raw = json.dumps({"custom_id": cid, "result": {"type": "succeeded", "message": {"content": []}}})
    return ResultRow("msgbatch_01", cid, "succeeded", raw, text="hi")


async def _aiter(rows: Iterable[ExportRow]) -> AsyncIterator[ExportRow]:
    for row in rows:
        yield row


async def _export(rows: list[ExportRow], fmt: str, columns: tuple[str, ...] = ()) -> str:
    out = io.StringIO(newline="")
    n = await export_results(_aiter(rows), fmt, out, metadata_columns=columns)  # type: ignore[arg-type]
    assert n == len(rows)
    return out.getvalue()


ROWS: list[ExportRow] = [
    (_row("a"), {"team": "ops", "ticket": "=1+1", "score": 3}),
    (_row("b"), None),
    _row("c"),  # a bare row: no metadata at all
]


async def test_jsonl_adds_metadata_to_the_api_line() -> None:
    lines = (await _export(ROWS, "jsonl")).splitlines()
    first: dict[str, Any] = json.loads(lines[0])
    assert first["metadata"] == {"team": "ops", "ticket": "=1+1", "score": 3}
    assert lines[0].startswith(_row("a").raw[:-1])  # the API's own bytes, then the metadata key
    assert lines[1] == _row("b").raw and lines[2] == _row("c").raw


async def test_csv_adds_a_column_per_metadata_key() -> None:
    text = await _export(ROWS, "csv", ("team", "ticket", "score", "text"))
    table = list(csv.reader(io.StringIO(text)))
    assert table[0] == [*CSV_COLUMNS, "team", "ticket", "score", "metadata.text"]  # a clash is prefixed
    n = len(CSV_COLUMNS)
    assert table[1][n:] == ["ops", "'=1+1", "3", ""]  # neutralised like every other cell
    assert table[2][n:] == ["", "", "", ""]
    assert table[3][n:] == ["", "", "", ""]


async def test_markdown_lists_metadata_under_the_heading() -> None:
    meta = {"team": "ops", "note": "two\nlines `x`", "score": 3}
    text = await _export([(_row("a"), meta), _row("b")], "md")
    section_a, section_b = text.split("## `b`")
    assert "- `team`: `ops`\n" in section_a and "- `score`: `3`\n" in section_a
    assert '- `note`: ``"two\\nlines `x`"``\n' in section_a  # a line break is escaped, never a new line
    assert "`team`" not in section_b  # a row without metadata shows none
    assert text.replace('- `team`: `ops`\n- `note`: ``"two\\nlines `x`"``\n- `score`: `3`\n\n', "") == await _export(
        [_row("a"), _row("b")], "md"
    )
