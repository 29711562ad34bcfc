"""Export results as JSONL (the API's own lines), CSV (for spreadsheets) or Markdown (for reading), streaming.

Rows are written as they arrive, never collected, so exporting 100,000 results takes constant memory. Pair with
`write_atomically` / `write_atomically_async` so a crash or a full disk never leaves a half-written file in place.
A row may come with its request's local metadata (CSV extra columns): JSONL adds it as a `metadata` object, CSV as
extra columns.

A merged export (`merged=True`) writes a retry chain's final results (core/store/lineage.py: each request of the
original batch once, with the outcome of the latest batch that holds it): a `ChainStart` item comes before each
chain's rows, and each row says which batch its outcome comes from (JSONL: a `batch_id` key; CSV: a `batch_id`
column after the result columns; Markdown: one heading per chain and, under a request answered by a retry, which).
"""

from __future__ import annotations

import asyncio
import csv
import json
import os
import re
import stat
import tempfile
from collections.abc import AsyncIterable, Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol, TextIO, TypeVar

from batchtui.core import fmt
from batchtui.core.content_blocks import (
    REDACTED_NOTE,
    Block,
    blocks_of,
    has_more_than_text,
    reply_blocks,
    reply_content,
    tool_calls_json,
)
from batchtui.core.cost import saved_usd, standard_cost_usd
from batchtui.core.json_text import dumps as json_dumps
from batchtui.core.json_text import escape_json_text
from batchtui.core.models import ResultRow
from batchtui.core.spend import UNKNOWN, result_cost_status
from batchtui.core.spend import money as spend_money

ExportFormat = Literal["jsonl", "csv", "md"]


@dataclass(frozen=True)
class ExportFormatSpec:
    name: str
    extensions: tuple[str, ...]  # lower case, with the dot; the first is the one a new file gets
    description: str


# Every export format, once: the CLI's --format choices, the dashboard's format dialog and the extension a file
# name implies are all read from here.
EXPORT_FORMATS: dict[str, ExportFormatSpec] = {
    spec.name: spec
    for spec in (
        ExportFormatSpec("jsonl", (".jsonl", ".ndjson", ".json"), "JSONL  the API's own result lines"),
        ExportFormatSpec("csv", (".csv",), "CSV    one row per result, for spreadsheets"),
        ExportFormatSpec("md", (".md", ".markdown"), "Markdown  for reading"),
    )
}


def export_format_for(path: str | os.PathLike[str]) -> str:
    """The format a file name asks for by its extension (JSONL when it says nothing)."""
    suffix = Path(path).suffix.lower()
    return next((s.name for s in EXPORT_FORMATS.values() if suffix in s.extensions), "jsonl")


CSV_COLUMNS = (
    "custom_id",
    "type",
    "text",
    "error_type",
    "error_message",
    "input_tokens",
    "output_tokens",
    "cost_usd",
    # Added later, so after the first ones: scripts that read columns by position keep working.
    "standard_cost_usd",  # the same usage on the standard API
    "saved_usd",
    "thinking",  # the reply's thinking blocks; "[redacted thinking]" for encrypted ones
    "tool_use",  # the reply's tool calls: a JSON array of {"name", "input"}
    "other_content",  # any other block (server tool calls and results...), each "[type]" then its content
    "cache_saved_usd",  # what prompt caching saved on it (cached tokens as plain input minus their cache price)
    # A reused answer (`submit --reuse`): the batch and custom_id it was copied from, and what that result cost
    # (what not sending it again saved); its own cost columns read 0. Blank for an answer sent in this batch.
    "reused_from_batch_id",
    "reused_from_custom_id",
    "reuse_saved_usd",
)
PROGRESS_EVERY = 100  # rows between on_progress calls; also called once at the end with the total
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection): `=HYPERLINK(...)` in a reply
# would become a live link. A leading apostrophe makes it text, which is what OWASP recommends.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_NOT_PROCESSED = {
    "canceled": "Not processed: the batch was canceled before this request was sent. Not billed.",
    "expired": "Not processed: the batch expired (24 h) before this request was sent. Not billed.",
}

T = TypeVar("T")
Metadata = Mapping[str, Any] | None
ExportRow = ResultRow | tuple[ResultRow, Metadata]  # a result, or a result and its request's metadata


@dataclass(frozen=True)
class ChainStart:
    """In a merged export, before a retry chain's rows: its batches, the original first, then its retries oldest
    first (a Chain's ids)."""

    ids: tuple[str, ...]


ExportItem = ExportRow | ChainStart
MERGED_COLUMN = "batch_id"  # a merged CSV's column: the batch each row's outcome comes from


def neutralize_cell(value: str) -> str:
    """`value`, prefixed with `'` when a spreadsheet would otherwise evaluate it as a formula."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def _cost_cell(usd: float | None, row: ResultRow) -> str:
    # Plain decimal (never 1e-05), enough places for a single cheap request; a billed result with no known price
    # says so (blank is for results that are not billed).
    if result_cost_status(row) == UNKNOWN:
        return UNKNOWN
    return "" if usd is None else f"{usd:.10f}".rstrip("0").rstrip(".")


def _reuse_cells(row: ResultRow) -> tuple[str, str, str]:
    if not row.reused:
        return "", "", ""
    saved = UNKNOWN if row.reuse_saved_usd is None else f"{row.reuse_saved_usd:.10f}".rstrip("0").rstrip(".")
    return row.reused_from or "", row.reused_custom_id or "", saved


def _cache_cell(row: ResultRow) -> str:
    # Known apart from the cost: per-search charges leave a cost unknown but not what caching saved.
    if row.result_type == "succeeded" and row.cache_saved_usd is None:
        return UNKNOWN
    return "" if row.cache_saved_usd is None else f"{row.cache_saved_usd:.10f}".rstrip("0").rstrip(".")


_OWN_COLUMNS = frozenset({"text", "thinking", "redacted_thinking", "tool_use"})


def _block_cells(row: ResultRow) -> tuple[str, str, str]:
    """(thinking, tool_use, other_content) of a succeeded row's reply."""
    if row.result_type != "succeeded":
        return "", "", ""
    content = reply_content(row.raw)
    blocks = blocks_of(content)
    thinking = "\n\n".join(
        b.body if b.kind == "thinking" else "[redacted thinking]"
        for b in blocks
        if b.kind in ("thinking", "redacted_thinking")
    )
    other = "\n\n".join(f"[{b.title}]\n{b.body}" for b in blocks if b.kind not in _OWN_COLUMNS)
    return thinking, tool_calls_json(content), other


def _metadata_cell(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _metadata_line(value: Any) -> str:
    """One line for Markdown: a value holding a line break is written as JSON (escaped), never across lines."""
    cell = _metadata_cell(value)
    return json.dumps(value, ensure_ascii=False) if "\n" in cell or "\r" in cell else cell


def metadata_headers(columns: Sequence[str], *, merged: bool = False) -> list[str]:
    """CSV header names for metadata columns; one that clashes with a result column is prefixed `metadata.`."""
    taken = {*CSV_COLUMNS, MERGED_COLUMN} if merged else CSV_COLUMNS
    return [f"metadata.{c}" if c in taken else c for c in columns]


class _RowWriter(Protocol):
    def start_chain(self, chain: ChainStart) -> None: ...
    def write(self, row: ResultRow, metadata: Metadata) -> None: ...
    def finish(self, count: int) -> None: ...


class _JsonlWriter:
    def __init__(self, out: TextIO, columns: Sequence[str] = (), merged: bool = False) -> None:
        self.out = out
        self.merged = merged

    def start_chain(self, chain: ChainStart) -> None:
        pass

    def write(self, row: ResultRow, metadata: Metadata) -> None:
        # The API's line as it came, except that characters a terminal would act on (C1, DEL, bidi controls...)
        # are written as JSON escapes: the same JSON value, safe to `cat`. A merged export's batch_id, then the
        # metadata, are more keys at its end.
        line = escape_json_text(row.raw.rstrip("\r\n"))
        if (metadata or self.merged) and line.endswith("}"):
            extra = ',"batch_id":' + json_dumps(row.batch_id) if self.merged else ""
            if metadata:
                extra += ',"metadata":' + json_dumps(metadata, money=False)
            line = line[:-1] + extra + "}"
        self.out.write(line + "\n")

    def finish(self, count: int) -> None:
        pass


class _CsvWriter:
    """RFC 4180 CSV via the csv module; the stream should be opened with newline="" (write_atomically does)."""

    def __init__(self, out: TextIO, columns: Sequence[str] = (), merged: bool = False) -> None:
        self.csv = csv.writer(out)
        self.columns = list(columns)
        self.merged = merged
        own = (*CSV_COLUMNS, MERGED_COLUMN) if merged else CSV_COLUMNS
        self.csv.writerow((*own, *metadata_headers(self.columns, merged=merged)))

    def start_chain(self, chain: ChainStart) -> None:
        pass

    def write(self, row: ResultRow, metadata: Metadata) -> None:
        def text(value: str | None) -> str:
            return "" if value is None else neutralize_cell(value)

        self.csv.writerow(
            (
                text(row.custom_id),
                text(row.result_type),
                text(row.text),
                text(row.error_type),
                text(row.error_message),
                "" if row.input_tokens is None else row.input_tokens,
                "" if row.output_tokens is None else row.output_tokens,
                _cost_cell(row.cost_usd, row),
                _cost_cell(standard_cost_usd(row.cost_usd), row),
                _cost_cell(saved_usd(row.cost_usd), row),
                *(text(cell) for cell in _block_cells(row)),
                _cache_cell(row),
                *(text(cell) for cell in _reuse_cells(row)),
                *((text(row.batch_id),) if self.merged else ()),
                *(text(_metadata_cell(metadata[c])) if metadata and c in metadata else "" for c in self.columns),
            )
        )

    def finish(self, count: int) -> None:
        pass


def _fence(text: str) -> str:
    """A backtick fence longer than any backtick run in `text`, so the text cannot close it early."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def _code_span(text: str) -> str:
    ticks = "`" * (max((len(m) for m in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _fenced(text: str, lang: str = "") -> str:
    fence = _fence(text)
    return f"{fence}{lang}\n{text}\n{fence}\n"


def _markdown_block(block: Block) -> str:
    """One block of a reply: text as is, the rest under a bold title naming it (a tool's input as JSON)."""
    if block.kind == "text":
        return _fenced(block.body)
    if block.kind == "redacted_thinking":
        return f"**Redacted thinking** _{REDACTED_NOTE}_\n"
    if block.kind == "thinking":
        return "**Thinking**\n\n" + _fenced(block.body)
    if block.kind in ("tool_use", "server_tool_use"):
        name = block.title.partition(" ")[2]
        return f"**{_code_span(block.kind)}** {_code_span(name)}\n\n" + _fenced(block.body, "json")
    return f"**{_code_span(block.kind)}**\n\n" + _fenced(block.body)


class _MarkdownWriter:
    def __init__(self, out: TextIO, columns: Sequence[str] = (), merged: bool = False) -> None:
        self.out = out
        self.merged = merged
        self.batch_id: str | None = None
        self.chain: tuple[str, ...] = ()  # a merged export's current chain

    def start_chain(self, chain: ChainStart) -> None:
        self.chain = chain.ids
        n = len(chain.ids) - 1
        across = f"across {n} retr{'y' if n == 1 else 'ies'}" if n else "(no retries)"
        self.out.write(
            f"# Final results of {_code_span(chain.ids[0])} {across}\n\n"
            "_Each request's latest outcome: from the last batch of the chain that holds it._\n\n"
        )

    def write(self, row: ResultRow, metadata: Metadata) -> None:
        w = self.out.write
        if not self.merged and row.batch_id != self.batch_id:
            self.batch_id = row.batch_id
            w(f"# Results of {_code_span(row.batch_id)}\n\n")
        w(f"## {_code_span(row.custom_id)} — {row.result_type}\n\n")
        if self.merged and self.chain and row.batch_id != self.chain[0]:
            k = self.chain.index(row.batch_id) if row.batch_id in self.chain else "?"
            w(f"_From retry {k} of {len(self.chain) - 1}: {_code_span(row.batch_id)}._\n\n")
        if metadata:  # the request's local metadata (CSV extra columns), as the other formats carry it
            w("".join(f"- {_code_span(str(k))}: {_code_span(_metadata_line(v))}\n" for k, v in metadata.items()) + "\n")
        if row.reused:
            saved = UNKNOWN if row.reuse_saved_usd is None else fmt.money(row.reuse_saved_usd)
            w(
                f"_Reused from {_code_span(row.reused_from or '')} · {_code_span(row.reused_custom_id or '')}: "
                f"not sent again, saved {saved}._\n\n"
            )
        if row.result_type == "succeeded":
            details = []
            if row.model:
                details.append(f"Model: {_code_span(row.model)}")
            if row.stop_reason:
                details.append(f"stop reason: {_code_span(row.stop_reason)}")
            if details:
                w(" · ".join(details) + "\n\n")
            blocks = reply_blocks(row.raw)
            if has_more_than_text(blocks):
                w("\n".join(_markdown_block(b) for b in blocks))
            else:
                w(_fenced(row.text) if row.text else "_(no text in the response)_\n")
            w("\n")
        elif row.result_type == "errored":
            w(f"**Error:** {_code_span(row.error_type or 'unknown')}\n\n")
            if row.error_message:
                w(_fenced(row.error_message) + "\n")
        elif row.result_type in _NOT_PROCESSED:
            w(f"_{_NOT_PROCESSED[row.result_type]}_\n\n")
        if row.input_tokens is not None or row.output_tokens is not None or row.cost_usd is not None:
            status = result_cost_status(row)
            saving = f" (saved {fmt.money(saved_usd(row.cost_usd))})" if row.cost_usd is not None else ""
            w(
                f"Tokens: {fmt.count(row.input_tokens)} in · {fmt.count(row.output_tokens)} out"
                f" · cost {spend_money(row.cost_usd, status)}{saving}\n\n"
            )

    def finish(self, count: int) -> None:
        if count == 0:
            self.out.write("_No results._\n" if self.chain else "# Results\n\n_No results._\n")


_WRITERS: dict[str, Callable[[TextIO, Sequence[str], bool], _RowWriter]] = {
    "jsonl": _JsonlWriter,
    "csv": _CsvWriter,
    "md": _MarkdownWriter,
}


async def export_results(
    rows: AsyncIterable[ExportItem],
    fmt: ExportFormat,
    out: TextIO,
    *,
    on_progress: Callable[[int], None] | None = None,
    metadata_columns: Sequence[str] = (),
    merged: bool = False,
) -> int:
    """Write `rows` to `out` in `fmt`, one at a time; returns how many were written.

    `jsonl` writes each row's `raw` line as the API sent it (only C1, DEL, bidi controls and the like written as
    JSON escapes: the same value), plus a `metadata` key when the row comes with some; `csv` adds a column per
    `metadata_columns`. `on_progress(n)` is called every PROGRESS_EVERY rows and once at the end. `merged`: a
    retry chain's final results, each `ChainStart` followed by its rows (see the module's docstring).
    """
    try:
        make = _WRITERS[fmt]
    except KeyError:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(EXPORT_FORMATS)}") from None
    writer = make(out, metadata_columns, merged)
    n = 0
    async for item in rows:
        if isinstance(item, ChainStart):
            writer.start_chain(item)
            continue
        row, metadata = item if isinstance(item, tuple) else (item, None)
        writer.write(row, metadata)
        n += 1
        if on_progress is not None and n % PROGRESS_EVERY == 0:
            on_progress(n)
    writer.finish(n)
    if on_progress is not None:
        on_progress(n)
    return n


def _umask() -> int:
    try:  # Linux exposes it without changing it
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # elsewhere: read by setting; restored at once
    os.umask(mask)
    return mask


def _final_mode(path: Path) -> int:
    """Keep an existing file's permissions; give a new one the usual 0666 & ~umask (mkstemp makes it 0600)."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return 0o666 & ~_umask()


@contextmanager
def _atomic_text(path: str | os.PathLike[str]) -> Iterator[TextIO]:
    """Yield a temporary file next to `path`; on success fsync and rename it over `path`."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            yield f
            _commit(f, tmp, target)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _commit(f: TextIO, tmp: str, target: Path) -> None:
    f.flush()
    os.fsync(f.fileno())
    os.chmod(tmp, _final_mode(target))
    os.replace(tmp, target)
    if os.name == "posix":  # make the rename itself durable
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def write_atomically(path: str | os.PathLike[str], writer: Callable[[TextIO], T]) -> T:
    """Run `writer` on a temporary file next to `path` (UTF-8, newline=""), then fsync and rename it over `path`.

    Readers see the old file or the complete new one, never a half-written one; if `writer` raises, `path` is
    untouched and the temporary file is removed.
    """
    with _atomic_text(path) as f:
        return writer(f)


async def write_atomically_async(path: str | os.PathLike[str], writer: Callable[[TextIO], Awaitable[T]]) -> T:
    """`write_atomically` for a coroutine, e.g. `lambda f: export_results(rows, "csv", f)`. The fsyncs run in a
    thread: on a big export they can take a while, and the dashboard's event loop must not wait for them."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            result = await writer(f)
            await asyncio.to_thread(_commit, f, tmp, target)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return result
