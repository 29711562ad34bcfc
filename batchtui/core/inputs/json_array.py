"""Reader for a JSON document holding an array of requests: `[...]`, or the create body `{"requests": [...]}`.

Each item is a native request (`{"custom_id", "params"}`) or a simple one (`{"id"?, "content" | "prompt",
"system"?, "model"?, "max_tokens"?, "temperature"?}`, other keys kept as metadata). The array is streamed with
ijson: the file is fed in pieces of at most one line, so every item's first line is known exactly, and only one
item is held in memory at a time. A syntax error ends the reading (JSON cannot be resynchronised), after every
item before it was checked.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import Any, BinaryIO

import ijson

from batchtui.core.fmt import naturalsize
from batchtui.core.inputs.envelope import json_type
from batchtui.core.inputs.items import ObjectReader
from batchtui.core.inputs.lines import MAX_LINE_BYTES
from batchtui.core.inputs.records import (
    InputError,
    ReadItem,
    RejectedRequest,
    RequestDefaults,
)
from batchtui.core.sanitize import clean

PIECE = 64 * 1024
MAX_ITEM_BYTES = MAX_LINE_BYTES  # the API's limit for one request
_STARTS = ("start_map", "start_array")
_ENDS = ("end_map", "end_array")
_SHAPES = 'a native request {"custom_id": "q1", "params": {...}}, or a simple one {"id": "q1", "content": "..."}'
_UTF8_BOM = b"\xef\xbb\xbf"


def _syntax_error(file: str, line: int, e: Exception) -> InputError:
    text = str(e).strip()
    first = text.splitlines()[0] if text else type(e).__name__  # yajl adds lines of context: noise here
    if "Incomplete" in first or "premature EOF" in first:
        message = "the file ends inside the JSON document (is it cut short?)"
        hint = "check that every [ and { is closed"
    else:
        message = f"malformed JSON: {clean(first[:120])}"
        hint = "check the JSON near this line (`python -m json.tool`); NaN, trailing commas and comments are not JSON"
    return InputError(file, line, None, message, hint, "json")


class _Reader:
    def __init__(self, file: str, defaults: RequestDefaults) -> None:
        self.file = file
        self.objects = ObjectReader(file, defaults)
        self.items_prefix: str | None = None  # "item" for [...], "requests.item" for {"requests": [...]}
        self.count = 0
        self._builder: ijson.ObjectBuilder | None = None
        self._start = 0  # line of the item being built
        self._size = 0  # bytes fed since it started
        self._too_big = False

    def read(self, stream: BinaryIO) -> Iterator[ReadItem]:
        events = ijson.sendable_list()
        parser = ijson.parse_coro(events, use_float=True)
        line, blank = 1, True
        try:
            piece = stream.readline(PIECE).removeprefix(_UTF8_BOM)
            while piece:
                blank = blank and not piece.strip()
                parser.send(piece)
                if self._builder is not None or self._too_big:
                    self._size += len(piece)
                if (yield from self._drain(events, line)):
                    return
                if piece.endswith(b"\n"):
                    line += 1
                piece = stream.readline(PIECE)
            if blank:
                return  # nothing but white space: the validator says the file is empty
            parser.close()
            if (yield from self._drain(events, line)):
                return
        except (ijson.JSONError, ValueError) as e:  # IncompleteJSONError is a JSONError
            yield _syntax_error(self.file, line, e)
        except RecursionError:
            yield InputError(self.file, line, None, "JSON is nested too deeply to read", "flatten the data", "json")

    def _drain(self, events: list[Any], line: int) -> Generator[ReadItem, None, bool]:
        """Handle the parser's events for one piece of the file; True when reading must stop."""
        for event in events:
            done = self._event(*event, line)
            if isinstance(done, InputError):
                yield done
                return True
            if done:
                yield from done
        del events[:]
        return False

    def _event(self, prefix: str, event: str, value: Any, line: int) -> InputError | list[ReadItem] | None:
        """Feed one parser event; returns the finished item's ReadItems, a fatal error, or None."""
        if self.items_prefix is None:
            return self._top(prefix, event, value, line)
        if self._builder is None and not self._too_big:
            if prefix == self.items_prefix:
                if event in _STARTS:
                    self._start, self._size, self.count = line, 0, self.count + 1
                    self._builder = ijson.ObjectBuilder()
                    self._builder.event(event, value)
                    return None
                if event not in _ENDS:  # a scalar item
                    self.count += 1
                    return [self._not_object(value, line)]
            elif prefix == "" and event == "map_key":
                return self._only_requests(line)
            return None
        if self._size > MAX_ITEM_BYTES and not self._too_big:
            self._builder, self._too_big = None, True  # stop building; skip to its end
        if self._builder is not None:
            self._builder.event(event, value)
        if prefix == self.items_prefix and event in _ENDS:
            if self._too_big:
                self._too_big = False
                return [self._oversized()]
            obj, self._builder = self._builder.value if self._builder else None, None
            return list(self._item(obj))
        return None

    def _top(self, prefix: str, event: str, value: Any, line: int) -> InputError | None:
        """Events before the array: `[` at the top, or `{"requests": [` (the create body)."""
        if event == "start_array" and prefix == "":
            self.items_prefix = "item"
        elif event == "start_map" and prefix == "":
            pass  # wait for its key
        elif event == "map_key" and prefix == "":
            return None if value == "requests" else self._only_requests(line)
        elif event == "start_array" and prefix == "requests":
            self.items_prefix = "requests.item"
        elif prefix == "":
            hint = "write a JSON array of requests: [{...}, {...}]"
            message = "holds a single JSON value, not an array of requests"
            return InputError(self.file, line, None, message, hint, "json_shape")
        elif prefix == "requests":
            hint = 'requests must be an array: {"requests": [{...}, {...}]}'
            return InputError(self.file, line, "requests", "must be an array of requests", hint, "json_shape")
        return None

    def _only_requests(self, line: int) -> InputError:
        return InputError(
            self.file,
            line,
            None,
            'holds a JSON object; expected an array of requests (or {"requests": [...]})',
            "put the requests in an array: [{...}, {...}]; a single request needs [ ] around it",
            "json_shape",
        )

    def _not_object(self, value: Any, line: int) -> RejectedRequest:
        message = f"expected a request object, got {json_type(value)}"
        error = InputError(self.file, line, None, message, f"each item must be {_SHAPES}", "not_object", self.count)
        return RejectedRequest(line, (error,), item=self.count)

    def _oversized(self) -> RejectedRequest:
        message = f"this item is over {naturalsize(MAX_ITEM_BYTES, binary=True)}; no single request may exceed that"
        hint = "move large documents to the Files API"
        error = InputError(self.file, self._start, None, message, hint, "item_too_large", self.count)
        return RejectedRequest(self._start, (error,), item=self.count)

    def _item(self, obj: Any) -> Iterator[ReadItem]:
        if not isinstance(obj, dict):
            yield self._not_object(obj, self._start)
            return
        yield from self.objects.read(obj, line=self._start, item=self.count)


def read_json(stream: BinaryIO, *, file: str, defaults: RequestDefaults) -> Iterator[ReadItem]:
    return _Reader(file, defaults).read(stream)
