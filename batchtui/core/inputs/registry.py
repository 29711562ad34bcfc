"""Input formats: each is a reader registered under a name with the file extensions it claims.

A reader is `read(stream, *, file, defaults) -> Iterator[ReadItem]` over a binary stream; the common validator does
everything else (custom_id rules, params, limits, cost). Adding a format (JSON array, CSV, one prompt per line)
means writing a reader and registering it here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from os import PathLike

from batchtui.core.inputs.jsonl import read_jsonl
from batchtui.core.inputs.records import ReadItem

Reader = Callable[..., Iterator[ReadItem]]  # (stream: BinaryIO, *, file: str, defaults: RequestDefaults)
DEFAULT_FORMAT = "jsonl"


@dataclass(frozen=True)
class ReaderSpec:
    name: str
    extensions: tuple[str, ...]  # lower case, with the dot; may have several parts (".jsonl.txt")
    read: Reader
    description: str


READERS: dict[str, ReaderSpec] = {}


def register_reader(spec: ReaderSpec) -> None:
    READERS[spec.name] = spec


def reader_for(fmt: str) -> ReaderSpec:
    try:
        return READERS[fmt]
    except KeyError:
        known = ", ".join(sorted(READERS))
        raise ValueError(f"unknown input format {fmt!r}; known formats: {known}") from None


def detect_format(path: str | PathLike[str]) -> str:
    """The format whose extension the file name ends with (longest match wins); JSONL when none does."""
    name = str(path).lower()
    best, best_len = DEFAULT_FORMAT, 0
    for spec in READERS.values():
        for ext in spec.extensions:
            if name.endswith(ext) and len(ext) > best_len:
                best, best_len = spec.name, len(ext)
    return best


register_reader(
    ReaderSpec(
        "jsonl",
        (".jsonl", ".ndjson", ".jsonlines"),
        read_jsonl,
        'The API\'s own format: one {"custom_id": ..., "params": {...}} object per line',
    )
)
