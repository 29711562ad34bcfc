"""Replies with more than text, through a real store, in CSV and Markdown: thinking, redacted thinking, tool calls,
server tool calls and results, and a block type newer than this code. None is dropped; hostile text stays inert."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from batchtui.core.content_blocks import reply_blocks
from batchtui.core.export import export_results
from batchtui.core.result_lines import parse_result_line
from batchtui.core.store import Store

from .conftest import SYNCED

B = "msgbatch_blocks"
ESC = "\x1b]52;c;ZXZpbA==\x07"


def reply_line(custom_id: str, content: list[dict[str, Any]], stop_reason: str = "tool_use") -> str:
    message = {
        "id": "msg_01X",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5",
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": {"input_tokens": 100, "output_tokens": 40},
    }
    return json.dumps({"custom_id": custom_id, "result": {"type": "succeeded", "message": message}})


CONTENT = {
    "extract": [
        {"type": "thinking", "thinking": "The ticket names Ada.", "signature": "EqQBCkgIARABGAIiQL" * 40},
        {"type": "redacted_thinking", "data": "EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP"},
        {"type": "tool_use", "id": "toolu_01", "name": "record", "input": {"name": "Ada", "note": f"=HYPERLINK {ESC}"}},
    ],
    "search": [
        {"type": "server_tool_use", "id": "srvtoolu_01", "name": "web_search", "input": {"query": "refund policy"}},
        {
            "type": "web_search_tool_result",
            "tool_use_id": "srvtoolu_01",
            "content": [
                {"type": "web_search_result", "url": "https://example.com/a", "title": "Refunds", "page_age": None,
                 "encrypted_content": "Eo8JCioIBhgCIiQ" * 100},
            ],
        },
        {"type": "text", "text": "Refunds take "},
        {"type": "text", "text": "five days."},
        {"type": "hologram", "shape": "cube", "signature": "zzz"},
    ],
}  # fmt: skip


async def exported(store: Store, fmt: str) -> str:
    await store.upsert_batches(
        [
            {
                "id": B,
                "type": "message_batch",
                "processing_status": "ended",
                "request_counts": {"processing": 0, "succeeded": 2, "errored": 0, "canceled": 0, "expired": 0},
                "created_at": "2026-09-30T10:00:00.000000Z",
                "expires_at": "2026-10-01T10:00:00.000000Z",
                "ended_at": "2026-09-30T11:00:00.000000Z",
                "cancel_initiated_at": None,
                "archived_at": None,
                "results_url": None,
            }
        ],
        synced_at=SYNCED,
    )
    await store.write_results(B, [parse_result_line(B, reply_line(cid, c)) for cid, c in CONTENT.items()])
    out = io.StringIO(newline="")
    assert await export_results(store.iter_results(B), fmt, out) == 2  # type: ignore[arg-type]
    return out.getvalue()


async def test_csv_has_thinking_tool_calls_and_every_other_block(store: Store) -> None:
    rows = {r["custom_id"]: r for r in csv.DictReader(io.StringIO(await exported(store, "csv"), newline=""))}
    extract, search = rows["extract"], rows["search"]
    assert extract["thinking"] == "The ticket names Ada.\n\n[redacted thinking]"
    (call,) = json.loads(extract["tool_use"])
    # The cell is JSON: control characters are escaped in it (inert in a spreadsheet), and parse back exactly.
    assert call == {"name": "record", "input": {"name": "Ada", "note": f"=HYPERLINK {ESC}"}}
    assert "\x1b" not in extract["tool_use"] and "\\u001b" in extract["tool_use"]
    assert extract["text"] == "" and extract["other_content"] == ""
    assert search["text"] == "Refunds take five days."  # split around citations: one answer
    other = search["other_content"]
    assert other.startswith('[server_tool_use web_search]\n{\n  "query": "refund policy"\n}')
    assert "[web_search_tool_result]\nRefunds — https://example.com/a" in other
    assert '[hologram]\n{\n  "shape": "cube",\n  "signature": "<3 characters>"\n}' in other
    assert search["tool_use"] == "" and search["thinking"] == ""


async def test_markdown_shows_each_block_in_order_under_its_name(store: Store) -> None:
    md = await exported(store, "md")
    extract = md[md.index("## `extract`") : md.index("## `search`")]
    order = [extract.index(s) for s in ("**Thinking**", "**Redacted thinking**", "**`tool_use`** `record`")]
    assert order == sorted(order)
    assert "```json\n{\n" in extract and '"name": "Ada"' in extract
    assert "EqQBCkgIARABGAIiQL" not in md  # a thinking signature means nothing to a reader
    search = md[md.index("## `search`") :]
    assert "**`web_search_tool_result`**" in search and "Refunds — https://example.com/a" in search
    assert "Refunds take five days." in search and "**`hologram`**" in search
    assert "\x1b" not in md


def test_blocks_keep_order_and_shorten_opaque_fields() -> None:
    blocks = reply_blocks(reply_line("x", CONTENT["search"]))
    assert [b.kind for b in blocks] == ["server_tool_use", "web_search_tool_result", "text", "hologram"]
    assert reply_blocks("not json") == [] and reply_blocks('{"custom_id": "x", "result": {"type": "errored"}}') == []
