"""Reader for JSONL: one request object per line, the API's own `{"custom_id": ..., "params": {...}}` (or a simple
`{"id"?, "content" | "prompt", ...}` item, as in a JSON array)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, BinaryIO

import msgspec

from batchtui.core.inputs.envelope import read_item
from batchtui.core.inputs.items import ObjectReader
from batchtui.core.inputs.lines import TextLine, iter_text_lines
from batchtui.core.inputs.records import InputError, ReadItem, RejectedRequest, RequestDefaults


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not valid JSON")


# One decoder for the whole file: json.loads(..., parse_constant=...) would build a new one per line.
_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


_FAST = msgspec.json.Decoder()


def _decode(text: str) -> Any:
    """msgspec for speed (three times json's; exact big integers, like json); a line it refuses is decoded again by
    json, whose answer (the value, or the error the hints are written for) is the one used: lone surrogate escapes,
    1e400, NaN, nesting too deep, bad JSON."""
    try:
        return _FAST.decode(text)
    except (msgspec.DecodeError, RecursionError):
        return _DECODER.decode(text)


def _not_jsonl(text: str, line: int, file: str) -> InputError | None:
    """A first line that opens a JSON document spread over many lines: one clear error instead of one per line."""
    stripped = text.strip()
    if stripped.startswith("["):
        message = "this file holds a JSON array, not JSON Lines (one request object per line)"
        hint = "name it .json (or pass --format json) to read it as an array, or convert it: `jq -c '.[]' file.json`"
    elif stripped == "{":
        message = "this file holds pretty-printed JSON spread over several lines, not JSON Lines"
        hint = "put each request on one line (`jq -c . file`), or name it .json if it holds an array of requests"
    else:
        return None
    return InputError(file, line, None, message, hint, "not_jsonl")


def _json_hint(text: str, e: json.JSONDecodeError) -> str:
    stripped = text.strip()
    if stripped in ("{", "}", "},", "]") or (e.msg.startswith("Expecting property name") and e.pos >= len(stripped)):
        return "each request must be on a single line; compact the file with `jq -c . file`"
    if e.msg.startswith("Expecting property name"):
        return "JSON needs double quotes around keys, and no trailing comma before }"
    if e.msg == "Extra data":
        return "a line must hold exactly one JSON object; remove what follows it or split the line"
    if e.msg.startswith("Unterminated string"):
        return "a string is missing its closing quote; newlines inside strings must be written as \\n"
    if e.msg.startswith("Invalid control character"):
        return "control characters (tabs, newlines) inside strings must be escaped, e.g. \\t or \\n"
    if not stripped.startswith(("{", "[", '"')):  # not JSON at all: plain text in a JSONL file
        return "every line of a JSONL file is a JSON object; for one prompt per line use a .txt file (or --format txt)"
    return "fix the JSON on this line (check it with `python -m json.tool`)"


def read_jsonl(stream: BinaryIO, *, file: str, defaults: RequestDefaults) -> Iterator[ReadItem]:
    """Native requests keep their own params; `defaults` fill only what they leave out."""
    lines = JsonlLines(file, defaults)
    for item in iter_text_lines(stream, file=file):
        yield from lines.read(item)
        if lines.stopped:
            return


class JsonlLines:
    """Reads a JSONL file line by line (`read_jsonl`, or a caller that takes some lines a faster way: it then sets
    `first` to False, since a line was read)."""

    def __init__(self, file: str, defaults: RequestDefaults) -> None:
        self.file = file
        self.objects = ObjectReader(file, defaults)
        self.first = True  # no line read yet: a JSON document over many lines is told at its first line
        self.stopped = False  # the file is not JSONL: nothing more is read

    def read(self, item: TextLine | InputError) -> Iterator[ReadItem]:
        """What one line holds, from `lines.text_line`."""
        file = self.file
        if isinstance(item, InputError):
            if item.line is None or item.code == "binary":
                yield item  # fatal: the reader stops here
            else:
                yield RejectedRequest(item.line, (item,))
            return
        line: TextLine = item
        if not line.text.strip():
            return  # blank lines are allowed
        try:
            obj = _decode(line.text)
        except json.JSONDecodeError as e:
            if self.first and (fatal := _not_jsonl(line.text, line.number, file)):
                self.stopped = True
                yield fatal
                return
            error = InputError(
                file,
                line.number,
                None,
                f"malformed JSON at column {e.colno}: {e.msg}",
                _json_hint(line.text, e),
                "json",
            )
            yield RejectedRequest(line.number, (error,))
            return
        except RecursionError:
            hint = "flatten the data; no request needs nesting this deep"
            message = "JSON is nested too deeply to read"
            yield RejectedRequest(line.number, (InputError(file, line.number, None, message, hint, "json"),))
            return
        except ValueError as e:  # NaN / Infinity: Python accepts them, the API's JSON does not
            hint = "use a number or null"
            yield RejectedRequest(line.number, (InputError(file, line.number, None, str(e), hint, "json"),))
            return
        finally:
            self.first = False
        if isinstance(obj, dict):
            yield from self.objects.read(obj, line=line.number)
        else:
            yield from read_item(obj, line=line.number, file=file)
