"""Which reader a file needs, from its extension and its first line together.

The extension alone misleads: people save JSONL as `.json` or `.txt`, and a file picker offers anything. Rules, in
order (the first non-blank line is read whole, at most 32 MiB, then the stream is rewound):

1. A known binary signature (gzip, ZIP, PDF, UTF-16 ...): one error naming the supported formats.
2. `.jsonl` (and its aliases): JSONL, whatever the content, so its own messages explain a JSON array in it.
3. A first line that is a whole JSON object: JSONL (a create body `{"requests": [...]}` on one line: JSON).
4. A first line that opens a JSON array or object (`[`, `[{`, `{` alone): JSON, except that `.txt` and `.csv`
   keep a line that merely starts with a brace or bracket as a prompt or a header.
5. Otherwise the extension decides; with no known extension, a header row with a prompt (or content) column
   means CSV, and anything else is one error naming the supported formats.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any, BinaryIO

from batchtui.core.inputs.csv_rows import header_columns, pick_delimiter, split_line
from batchtui.core.inputs.lines import MAX_LINE_BYTES, SIGNATURES
from batchtui.core.inputs.records import InputError
from batchtui.core.inputs.registry import DEFAULT_FORMAT, format_for_extension, supported_formats
from batchtui.core.inputs.simple import PROMPT_FIELDS

BLANK_LIMIT = 1024 * 1024  # past this much leading white space, stop looking and let the reader decide
_UTF8_BOM = b"\xef\xbb\xbf"
_OPENS_ARRAY = re.compile(r"\[\s*($|[{\[\]\"])")  # "[", "[{", '["', "[]": not "[URGENT] call back"
_NATIVE_KEYS = frozenset({"custom_id", "params", *PROMPT_FIELDS})


def _first_line(stream: BinaryIO) -> tuple[bytes, bytes | None]:
    """(the file's first bytes, its first non-blank line or None)."""
    start = stream.read(16)
    stream.seek(0)
    skipped = 0
    while True:
        raw = stream.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return start, None
        if skipped == 0:
            raw = raw.removeprefix(_UTF8_BOM)
        if raw.strip():
            return start, raw
        skipped += len(raw)
        if skipped > BLANK_LIMIT:
            return start, None


def _json_object(text: str) -> dict[str, Any] | None:
    if not (text.startswith("{") and text.endswith("}")):
        return None
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return obj if isinstance(obj, dict) else None


def _binary(file: str, what: str, hint: str) -> InputError:
    return InputError(file, None, None, f"{what}; batchtui reads {supported_formats()}", hint, "binary")


def _not_requests(file: str, what: str, hint: str) -> InputError:
    return InputError(file, None, None, f"{what}; batchtui reads {supported_formats()}", hint, "unrecognised")


def _from_line(raw: bytes, ext: str | None, file: str) -> str | InputError:
    try:
        text = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        if ext is not None:
            return ext  # its reader names the line and the byte
        return _not_requests(file, "is not UTF-8 text", "save it as UTF-8, in one of these formats")
    if text.startswith("{"):
        obj = _json_object(text)
        if obj is not None:
            return "json" if "requests" in obj and not _NATIVE_KEYS & obj.keys() else "jsonl"
        if text == "{" or ext in (None, "json"):
            return "json"
    elif _OPENS_ARRAY.match(text):
        return "json"
    if ext is not None:
        return ext
    if _is_csv_header(text):
        return "csv"
    hint = "name the file by its format (e.g. prompts.txt for one prompt per line), or pass --format"
    return _not_requests(file, "is not a requests file in a format batchtui knows", hint)


def _is_csv_header(text: str) -> bool:
    cells = split_line(text, pick_delimiter(text))
    return any(p in header_columns(cells) for p in PROMPT_FIELDS)


def detect_format_of(stream: BinaryIO, path: str | os.PathLike[str]) -> str | InputError:
    """The format to read `stream` (a file opened in binary mode, at its start) with, or why none fits. Leaves the
    stream at its start."""
    file = os.fspath(path)
    ext = format_for_extension(file)
    try:
        start, raw = _first_line(stream)
    finally:
        stream.seek(0)
    for magic, what, hint in SIGNATURES:
        if start.startswith(magic):
            return _binary(file, f"this file {what}, not UTF-8 text", hint)
    if raw is None:
        return ext or DEFAULT_FORMAT  # empty: the validator says so
    if ext == "jsonl":
        return ext
    if b"\x00" in raw:
        return _binary(file, "is binary, not text", "choose the file with your requests")
    return _from_line(raw, ext, file)
