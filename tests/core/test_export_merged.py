"""A merged export (a retry chain's final results): each row says which batch its outcome comes from — JSONL a
`batch_id` key after the API's own, CSV a `batch_id` column after the result columns and before any metadata,
Markdown one heading per chain and, under a request a retry answered, which retry — and an export that is not
merged is unchanged."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Iterable

from batchtui.core.export import CSV_COLUMNS, ChainStart, ExportItem, export_results
from batchtui.core.models import ResultRow

ROOT, RETRY = "msgbatch_root", "msgbatch_retry"


def _row(batch_id: str, cid: str, kind: str = "succeeded") -> ResultRow:
    result: dict = {"type": kind}
    if kind == "succeeded":
        result["message"] = {"content": [{"type": "text", "text": f"answer {cid}"}]}
    raw = json.dumps({"custom_id": cid, "result": result})
    return ResultRow(batch_id, cid, kind, raw, text=f"answer {cid}" if kind == "succeeded" else None)


async def _aiter(items: Iterable[ExportItem]) -> AsyncIterator[ExportItem]:
    for item in items:
        yield item


async def _export(items: list[ExportItem], fmt: str, *, merged: bool = True, columns: tuple[str, ...] = ()) -> str:
    out = io.StringIO(newline="")
    n = await export_results(_aiter(items), fmt, out, merged=merged, metadata_columns=columns)  # type: ignore[arg-type]
    assert n == sum(1 for i in items if not isinstance(i, ChainStart))  # a chain's start is no row
    return out.getvalue()


CHAIN = ChainStart((ROOT, RETRY))
ITEMS: list[ExportItem] = [
    CHAIN,
    _row(ROOT, "a"),
    (_row(RETRY, "b"), {"team": "ops", "batch_id": "theirs"}),  # a metadata key named like the new column
    _row(ROOT, "c", "errored"),
]


async def test_jsonl_adds_the_batch_after_the_apis_keys() -> None:
    lines = [json.loads(line) for line in (await _export(ITEMS, "jsonl")).splitlines()]
    assert [(d["custom_id"], d["batch_id"]) for d in lines] == [("a", ROOT), ("b", RETRY), ("c", ROOT)]
    assert list(lines[1]) == ["custom_id", "result", "batch_id", "metadata"]
    assert lines[1]["metadata"] == {"team": "ops", "batch_id": "theirs"}
    plain = [json.loads(line) for line in (await _export(ITEMS, "jsonl", merged=False)).splitlines()]
    api, with_metadata = ["custom_id", "result"], ["custom_id", "result", "metadata"]
    assert [list(d) for d in plain] == [api, with_metadata, api]  # not merged: the API's lines as they were


async def test_csv_adds_a_batch_column_before_the_metadata() -> None:
    text = await _export(ITEMS, "csv", columns=("team", "batch_id"))
    header, *rows = list(csv.reader(io.StringIO(text)))
    assert header == [*CSV_COLUMNS, "batch_id", "team", "metadata.batch_id"]
    assert [(r[0], r[len(CSV_COLUMNS)]) for r in rows] == [("a", ROOT), ("b", RETRY), ("c", ROOT)]
    assert rows[1][-2:] == ["ops", "theirs"]
    plain = list(csv.reader(io.StringIO(await _export(ITEMS, "csv", merged=False, columns=("team",)))))
    assert plain[0] == [*CSV_COLUMNS, "team"]


async def test_markdown_heads_each_chain_and_names_the_retry_that_answered() -> None:
    text = await _export(ITEMS, "md")
    assert text.startswith(f"# Final results of `{ROOT}` across 1 retry\n")
    assert text.count("\n# ") == 0  # one heading for the chain, however its rows alternate between batches
    b = text.index("## `b`")
    assert text.index(f"_From retry 1 of 1: `{RETRY}`._", b) < text.index("## `c`")
    assert text.count("_From retry") == 1
    two = await _export([CHAIN, _row(ROOT, "a"), ChainStart(("msgbatch_lone",)), _row("msgbatch_lone", "z")], "md")
    assert "# Final results of `msgbatch_lone` (no retries)" in two
    empty = await _export([ChainStart((ROOT, RETRY))], "md")
    assert empty.count("# ") == 1 and "_No results._" in empty
