"""Reader for CSV (or tab- or semicolon-separated) files: a header row, then one request per row.

Columns: `prompt` (or `content`) is required; `custom_id` (or `id`), `system`, `model`, `max_tokens` and
`temperature` are optional (an empty cell takes the default); any other column is metadata, kept with the request
and exported beside its result, never sent. Rows are read one at a time from the shared line reader, so encoding
problems are reported per line and memory stays bounded.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain
from typing import Any, BinaryIO

from batchtui.core.inputs.lines import MAX_LINE_BYTES, TextLine, iter_text_lines
from batchtui.core.inputs.records import (
    InputError,
    ReadItem,
    ReadWarning,
    RejectedRequest,
    RequestDefaults,
    show,
)
from batchtui.core.inputs.simple import (
    FLAGS,
    ID_FIELDS,
    KNOWN_FIELDS,
    PARAM_FIELDS,
    PROMPT_FIELDS,
    SimpleBuilder,
    SimpleRow,
    metadata_warning,
)

DELIMITERS = (",", "\t", ";")
COLUMNS_HINT = (
    'name the column with the text to send "prompt" (or "content"); optional: custom_id (or id), system, model, '
    "max_tokens, temperature; other columns are kept as metadata. No header row? Add one, or use --format txt"
)
_WHOLE = re.compile(r"[0-9]+")
_WHOLE_FLOAT = re.compile(r"([0-9]+)\.0*")


def normalise(name: str) -> str:
    return name.strip().lower().replace("-", "_").replace(" ", "_")


def _group(name: str) -> str:
    """Columns that say the same thing: a header may name each group once."""
    key = normalise(name)
    if key in PROMPT_FIELDS:
        return "prompt"
    if key in ID_FIELDS:
        return "custom_id"
    return key if key in KNOWN_FIELDS else name


def header_columns(cells: list[str]) -> dict[str, int]:
    """Known field → column index, for the fields a header row names."""
    out: dict[str, int] = {}
    for i, cell in enumerate(cells):
        key = normalise(cell)
        if key in KNOWN_FIELDS and key not in out:
            out[key] = i
    return out


def split_line(text: str, delimiter: str) -> list[str]:
    """The cells of one line; none when it is not a well-formed row (a stray CR, an open quote)."""
    try:
        return next(csv.reader([text], delimiter=delimiter, strict=True), [])
    except csv.Error:
        return []


def pick_delimiter(header: str) -> str:
    """The separator under which the header names a prompt column; else the one that splits it most; else ','."""
    best, best_cells = ",", 1
    for d in DELIMITERS:
        cells = split_line(header, d)
        if any(normalise(c) in PROMPT_FIELDS for c in cells):
            return d
        if len(cells) > best_cells:
            best, best_cells = d, len(cells)
    return best


@dataclass
class _Header:
    names: list[str]
    columns: dict[str, int]  # known field → index
    prompt: str  # "prompt" or "content"
    metadata: list[tuple[int, str]]  # (index, name) of every other column


class _Feed:
    """Text lines for csv.reader (with their newline, so quoted cells keep theirs); line problems are set aside
    for the reader to report, and an unreadable line becomes an empty one so line numbers stay right."""

    def __init__(self, lines: Iterator[TextLine | InputError]) -> None:
        self._lines = lines
        self.pending: list[InputError] = []
        self.fatal: InputError | None = None

    def __iter__(self) -> Iterator[str]:
        for item in self._lines:
            if isinstance(item, InputError):
                if item.line is None or item.code == "binary":
                    self.fatal = item
                    return
                self.pending.append(item)
                yield "\n"
            else:
                yield item.text + "\n"


def _csv_error(file: str, line: int, e: csv.Error) -> InputError:
    text = str(e)
    if "unexpected end of data" in text:
        message = "a quoted cell opened in this row is never closed"
        hint = 'close the quote; a quote inside a quoted cell is written twice ("")'
    elif "expected after" in text:
        message = "text follows the closing quote of a quoted cell"
        hint = 'a quote inside a quoted cell is written twice: "she said ""hi"""'
    elif "new-line character seen in unquoted field" in text:
        message = "a carriage return (CR) inside a cell that is not quoted"
        hint = "quote the cell, or remove the stray CR (the file may mix Windows and old Mac line endings)"
    elif "field larger than field limit" in text:
        message = "a cell is longer than 32 MiB; no single request may exceed that"
        hint = "move large documents to the Files API"
    else:
        message, hint = f"malformed CSV: {text}", "check the quoting of this row"
    return InputError(file, line, None, message, hint, "csv")


class _Reader:
    def __init__(self, file: str, defaults: RequestDefaults) -> None:
        self.file = file
        self.builder = SimpleBuilder(file, defaults)
        self.header: _Header | None = None

    def read(self, stream: BinaryIO) -> Iterator[ReadItem]:
        lines = iter_text_lines(stream, file=self.file)
        head: list[TextLine | InputError] = []
        for item in lines:  # up to the first line with text, which names the columns
            head.append(item)
            if isinstance(item, InputError) or item.text.strip():
                break
        first = head[-1] if head else None
        delimiter = pick_delimiter(first.text) if isinstance(first, TextLine) else ","
        feed = _Feed(chain(head, lines))
        csv.field_size_limit(max(csv.field_size_limit(), MAX_LINE_BYTES))  # the default 128 KiB is too small
        rows = csv.reader(feed, delimiter=delimiter, strict=True)
        done = 0  # lines consumed by the rows read so far
        while True:
            try:
                cells = next(rows)
            except StopIteration:
                break
            except csv.Error as e:
                start, done = done + 1, rows.line_num
                yield from self._pending(feed)
                if feed.fatal is not None:
                    continue
                error = _csv_error(self.file, start, e)
                if self.header is None:
                    yield error  # fatal: a header row that cannot be read names no columns
                    return
                yield RejectedRequest(start, (error,))
                continue
            start, done = done + 1, rows.line_num
            yield from self._pending(feed)
            if not any(c.strip() for c in cells):
                continue  # a blank line, or a row of empty cells as spreadsheets leave at the end
            if self.header is None:
                problem = self._read_header(cells, start)
                if isinstance(problem, InputError):
                    yield problem  # fatal: without a prompt column no row means anything
                    return
                yield from problem
                continue
            yield from self._row(cells, start)
        if feed.fatal is not None:
            yield feed.fatal

    def _pending(self, feed: _Feed) -> Iterator[ReadItem]:
        for e in feed.pending:
            yield RejectedRequest(e.line or 0, (e,))
        feed.pending.clear()

    def _read_header(self, cells: list[str], line: int) -> InputError | list[ReadItem]:
        names = [c.strip() or f"column_{i + 1}" for i, c in enumerate(cells)]
        columns = header_columns(cells)
        prompt = next((p for p in PROMPT_FIELDS if p in columns), None)
        if prompt is None:
            listed = ", ".join(show(n, 30) for n in names[:12]) + (", …" if len(names) > 12 else "")
            message = f"no prompt column: the header row has {listed}"
            return InputError(self.file, line, None, message, COLUMNS_HINT, "csv_no_prompt")
        out: list[ReadItem] = []
        seen: dict[str, str] = {}
        for name in names:
            group = _group(name)
            if group in seen:
                message = f"two columns mean the same: {show(seen[group], 30)} and {show(name, 30)}"
                hint = "keep one of these columns, or rename the other"
                return InputError(self.file, line, None, message, hint, "csv_header")
            seen[group] = name
        metadata = [(i, n) for i, n in enumerate(names) if normalise(n) not in KNOWN_FIELDS]
        for _, name in metadata:
            warning = metadata_warning(name, file=self.file, line=line)
            if warning:
                out.append(ReadWarning(warning))
        for name in FLAGS:
            if name not in columns:
                problem = self.builder.require(name, line, f"the file has no {name} column")
                if problem:
                    out.append(problem)
        self.header = _Header(names, columns, prompt, metadata)
        return out

    def _row(self, cells: list[str], line: int) -> Iterator[ReadItem]:
        header = self.header
        assert header is not None
        if len(cells) != len(header.names):
            message = f"has {len(cells)} cells; the header row has {len(header.names)}"
            hint = 'quote cells that contain the separator or a line break, e.g. "one, two"'
            yield RejectedRequest(line, (InputError(self.file, line, None, message, hint, "csv_cells"),))
            return
        row = SimpleRow(line, line, cells[header.columns[header.prompt]], header.prompt)
        id_column = next((header.columns[f] for f in ID_FIELDS if f in header.columns), None)
        if id_column is not None:
            row.custom_id = cells[id_column].strip() or None
        for name in PARAM_FIELDS:
            if name in header.columns:
                self._cell(row, name, cells[header.columns[name]])
        if header.metadata:
            row.metadata = {name: cells[i] for i, name in header.metadata}
        yield from self.builder.build(row)

    def _cell(self, row: SimpleRow, name: str, cell: str) -> None:
        """Type one optional cell into row.fields; an empty cell leaves the field to the default."""
        text = cell.strip()
        if not text:
            return
        if name == "model":
            row.fields[name] = text
            return
        if name == "system":
            row.fields[name] = cell
            return
        value: Any
        if name == "max_tokens":
            value = int(text) if _WHOLE.fullmatch(text) else None
            if value is None:
                hint = "write a number of tokens like 1024, or leave the cell empty to use --max-tokens"
                if m := _WHOLE_FLOAT.fullmatch(text):
                    hint = f"write it without a decimal point: {m.group(1)}"
                message = f"must be a whole number of tokens (got {show(cell)})"
                row.errors.append(InputError(self.file, row.line, name, message, hint, "max_tokens"))
                return
        else:
            try:
                value = float(text)
            except ValueError:
                value = cell  # not a number: the builder says what a temperature must be
        row.fields[name] = value


def read_csv(stream: BinaryIO, *, file: str, defaults: RequestDefaults) -> Iterator[ReadItem]:
    return _Reader(file, defaults).read(stream)
