"""Input formats: each is a reader registered under a name with the file extensions it claims.

A reader is `read(stream, *, file, defaults) -> Iterator[ReadItem]` over a binary stream; the common validator does
everything else (custom_id rules, params, limits, cost). Adding a format means writing a reader and registering it
here (and teaching `detect.py` its content, if the extension alone is not enough).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from os import PathLike

from batchtui.core.inputs.csv_rows import read_csv
from batchtui.core.inputs.json_array import read_json
from batchtui.core.inputs.jsonl import read_jsonl
from batchtui.core.inputs.plain import read_text
from batchtui.core.inputs.records import ReadItem

Reader = Callable[..., Iterator[ReadItem]]  # (stream: BinaryIO, *, file: str, defaults: RequestDefaults)
DEFAULT_FORMAT = "jsonl"


@dataclass(frozen=True)
class ReaderSpec:
    name: str
    extensions: tuple[str, ...]  # lower case, with the dot; may have several parts (".jsonl.txt")
    read: Reader
    description: str
    title: str = ""  # how messages name it ("plain text"); the name upper-cased when empty

    @property
    def display(self) -> str:
        return self.title or self.name.upper()


READERS: dict[str, ReaderSpec] = {}


def register_reader(spec: ReaderSpec) -> None:
    READERS[spec.name] = spec


def reader_for(fmt: str) -> ReaderSpec:
    try:
        return READERS[fmt]
    except KeyError:
        known = ", ".join(sorted(READERS))
        raise ValueError(f"unknown input format {fmt!r}; known formats: {known}") from None


def format_for_extension(path: str | PathLike[str]) -> str | None:
    """The format whose extension the file name ends with (longest match wins), or None."""
    name = str(path).lower()
    best, best_len = None, 0
    for spec in READERS.values():
        for ext in spec.extensions:
            if name.endswith(ext) and len(ext) > best_len:
                best, best_len = spec.name, len(ext)
    return best


def detect_format(path: str | PathLike[str]) -> str:
    """The format the file name says (JSONL when it says none). `detect.detect_format_of` also reads the content."""
    return format_for_extension(path) or DEFAULT_FORMAT


def supported_formats() -> str:
    """Every format with its extensions, for messages: 'JSONL (.jsonl, .ndjson), CSV (.csv, .tsv), ...'."""
    return ", ".join(f"{spec.display} ({', '.join(spec.extensions)})" for spec in READERS.values())


register_reader(
    ReaderSpec(
        "jsonl",
        (".jsonl", ".ndjson", ".jsonlines"),
        read_jsonl,
        'The API\'s own format: one {"custom_id": ..., "params": {...}} object per line',
    )
)
register_reader(
    ReaderSpec(
        "json",
        (".json",),
        read_json,
        'A JSON array of requests: native objects, or simple {"id", "content"} items (or {"requests": [...]})',
    )
)
register_reader(
    ReaderSpec(
        "csv",
        (".csv", ".tsv"),
        read_csv,
        "A header row with a prompt (or content) column; optional custom_id/id, system, model, max_tokens, "
        "temperature; other columns are kept as metadata",
    )
)
register_reader(ReaderSpec("txt", (".txt",), read_text, "One prompt per non-empty line", "plain text"))
