"""Validate an input file in one streaming pass, and re-read it for submission.

Memory stays bounded whatever the file size: lines are read one at a time, and all that is kept per request is its
custom_id (to catch duplicates) in a dict with the line of first use.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from os import PathLike
from typing import Any, BinaryIO, cast

import msgspec

from batchtui.core.cost import bounds_usd, estimate_request_cost, linear_rates, price_for
from batchtui.core.fmt import count, naturalsize
from batchtui.core.inputs import lines as text_lines
from batchtui.core.inputs.custom_ids import custom_id_errors
from batchtui.core.inputs.detect import detect_format_of
from batchtui.core.inputs.envelope import read_item
from batchtui.core.inputs.fast_lane import Plain, plain_request
from batchtui.core.inputs.jsonl import JsonlLines, read_jsonl
from batchtui.core.inputs.offload import HashedBlocks, quick_handoffs
from batchtui.core.inputs.params import MAX_MODEL_NAME, params_problems
from batchtui.core.inputs.records import (
    InputError,
    ReadItem,
    ReadWarning,
    RejectedRequest,
    RequestDefaults,
    SourceRequest,
)
from batchtui.core.inputs.registry import detect_format, reader_for
from batchtui.core.inputs.report import Collector, ValidationReport
from batchtui.core.inputs.split import MAX_BODY_BYTES, MAX_REQUESTS, SplitLimits, Splitter
from batchtui.core.tokens import LOW_CHARS_PER_TOKEN, count_texts, low_tokens

_BODY_OVERHEAD = len(b'{"requests":[]}')
_SPLIT_HINT = "split the file into several batches"
# Serialises like the SDK (compact, non-ASCII as UTF-8; floats may be spelt 0.00001 for 1e-05), 20x json's speed.
_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder().decode


# Called with each valid request and its item exactly as the create body carries it (compact JSON, UTF-8): the
# submit path spools these bytes in the same pass as the validation, so a file is read once.
RequestSink = Callable[[SourceRequest, bytes], None]
# Called with the items of valid requests a JSONL file's fast lane passed, a block of lines at a time, in their
# order with the requests `RequestSink` sees (given both, a request goes to one of them): one call per block instead
# of one per request.
ItemsSink = Callable[[list[bytes]], None]
# Rewrites a valid request's params before it is priced, sized and encoded (auto-caching adds its breakpoints so):
# the report and the body then describe what is sent.
ParamsTransform = Callable[[dict[str, Any]], dict[str, Any]]


class InvalidInputFile(ValueError):
    """Raised by iter_valid_requests at the first problem: the file is invalid, or changed since validation."""

    def __init__(self, error: InputError) -> None:
        super().__init__(str(error))
        self.error = error


class _HashingStream:
    """Passes readline() through, hashing every byte, so the report can fingerprint the file in the same pass."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self.sha = hashlib.sha256()

    def readline(self, limit: int = -1) -> bytes:
        data = self._raw.readline(limit)
        self.sha.update(data)
        return data


def _open_problem(path: str | PathLike[str], file: str) -> InputError | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return InputError(file, None, None, "no such file", f"check the path (relative to {os.getcwd()})", "not_found")
    except OSError as e:
        return _os_error(file, e)
    if stat.S_ISDIR(st.st_mode):
        return InputError(file, None, None, "is a directory, not a file", "choose a .jsonl file inside it", "not_file")
    if not stat.S_ISREG(st.st_mode):
        # A FIFO or device would block or never end: refuse before opening.
        return InputError(file, None, None, "is not a regular file", "choose a .jsonl file", "not_file")
    return None


def _os_error(file: str, e: OSError) -> InputError:
    if isinstance(e, PermissionError) or e.errno == errno.EACCES:
        return InputError(file, None, None, "cannot be read: permission denied", "check its permissions", "unreadable")
    reason = e.strerror or type(e).__name__
    return InputError(file, None, None, f"cannot be read: {reason}", "check the file and the disk", "unreadable")


def _surrogate_path(value: Any, path: str) -> str | None:
    """Dotted path to the first string holding a lone UTF-16 surrogate (from an escape like "\\ud83d")."""
    if isinstance(value, str):
        return path if any("\ud800" <= ch <= "\udfff" for ch in value) else None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in items:
        found = _surrogate_path(key, path) if isinstance(key, str) else None
        found = found or _surrogate_path(child, f"{path}.{key}")
        if found:
            return found
    return None


def _at_item(e: InputError, item: int | None) -> InputError:
    return e if item is None else replace(e, item=item)


class _Scan:
    """One pass over a file: reports problems through callbacks, tallies the report, yields the valid requests."""

    def __init__(
        self,
        path: str | PathLike[str],
        fmt: str | None,
        defaults: RequestDefaults | None,
        on_error: Callable[[InputError], None],
        on_file_error: Callable[[InputError], None],
        on_warning: Callable[[InputError], None],
        on_request: RequestSink | None = None,
        split: SplitLimits | None = None,
        transform: ParamsTransform | None = None,
        on_items: ItemsSink | None = None,
    ) -> None:
        self.path = path
        self._on_items = on_items if on_request is not None else None
        self._transform = transform
        self.file = os.fspath(path)
        self._detect = fmt is None  # by content and extension, once the file is open
        self._on_request = on_request
        self.defaults = defaults or RequestDefaults()
        self.report = ValidationReport(file=self.file, format=fmt or detect_format(path))
        self._on_error, self._on_file_error, self._on_warning = on_error, on_file_error, on_warning
        self._had_errors = False
        self._seen: dict[str, int] = {}
        self._sized = 0  # requests counted in body_bytes
        self._over_count_line: int | None = None
        self._over_size_line: int | None = None
        self._priced_at = datetime.now(UTC)  # one price date for the whole file
        self._item = b""  # the last valid request, encoded as the create body carries it
        self._bad_line: int | None = None  # a line with an envelope error is reported, never yielded
        self.emit = True  # False: run() yields nothing from the fast lane (for a caller that only wants the report)
        self._prices: dict[str, Any] = {}  # model -> its price at _priced_at (None: unknown), for the fast lane
        # Splitting: parts are planned instead of the whole file being held to one batch's limits.
        self._splitter = Splitter(split) if split is not None else None
        if self._splitter is not None:
            self.report.parts = self._splitter.parts

    def _error(self, e: InputError) -> None:
        self._had_errors = True
        self._on_error(e)

    def _file_error(self, e: InputError) -> None:
        self._had_errors = True
        self._on_file_error(e)

    def run(self) -> Iterator[SourceRequest]:
        problem = _open_problem(self.path, self.file)
        if problem:
            self._file_error(problem)
            return
        try:
            with open(self.path, "rb") as fh:
                self.report.total_bytes = os.fstat(fh.fileno()).st_size
                if self._detect:
                    found = detect_format_of(fh, self.file)
                    if isinstance(found, InputError):
                        self.report.format = "unknown"
                        self._file_error(found)
                        return
                    self.report.format = found
                reader = reader_for(self.report.format)
                if reader.read is read_jsonl:
                    yield from self._jsonl(fh)
                else:
                    stream = _HashingStream(fh)
                    yield from self._items(reader.read(cast(BinaryIO, stream), file=self.file, defaults=self.defaults))
                    if not fh.read(1):  # the reader reached the end: the hash covers the whole file
                        self.report.sha256 = stream.sha.hexdigest()
        except OSError as e:
            self._file_error(_os_error(self.file, e))
            return
        self._finish()

    def run_items(self, items: Iterable[Any]) -> Iterator[SourceRequest]:
        """The same checks over requests that come from code (retries, splits, queues), not from a file."""

        def read() -> Iterator[ReadItem]:
            for n, obj in enumerate(items, 1):
                if not isinstance(obj, SourceRequest):
                    yield from read_item(obj, line=n, file=self.file)
                    continue
                for read in read_item(obj.to_item(), line=n, file=self.file):
                    # Its local metadata (never sent) goes with it: a retry keeps the CSV columns of the original.
                    if isinstance(read, SourceRequest) and obj.metadata:
                        read = replace(read, metadata=obj.metadata)
                    yield read

        yield from self._items(read())
        self._finish()

    def _jsonl(self, fh: BinaryIO) -> Iterator[SourceRequest]:
        """`read_jsonl` through `_items`, with a fast lane (`_lane`). The file is read and hashed in blocks on a
        worker thread (offload.HashedBlocks), the lines cut from them as readline cuts them (lines.BlockLines).
        The GIL's switch interval is lowered while the lane runs, never while this generator is suspended: the
        requests it yields are handed up a block's worth at a time, between two runs."""
        lines = JsonlLines(self.file, self.defaults)
        blocks = HashedBlocks(fh)
        stream = text_lines.BlockLines(blocks)
        try:
            number, more = 0, True
            while more:
                taken: list[SourceRequest] = []
                with quick_handoffs():  # the worker threads get the GIL within 0.5 ms of asking
                    number, more = self._lane(stream, lines, number, taken)
                yield from taken
            if stream.at_end():  # the hash covers the whole file
                self.report.sha256 = blocks.hexdigest()
        finally:
            blocks.close()

    def _lane(
        self, stream: text_lines.BlockLines, lines: JsonlLines, number: int, taken: list[SourceRequest]
    ) -> tuple[int, bool]:
        """Reads the lines after line `number`, the valid requests going to `taken` when they are wanted (`emit`),
        until the end of the file (False) or, when they are wanted, the end of a block (True: call again).

        A line that holds a plainly valid request (fast_lane.py: the checks would find nothing to say about it) is
        decoded once and checked in one walk that also gathers what its estimate reads, and the common steps of
        `_check` are written out here; any other line goes the full way, as read_jsonl reads it. The first line
        always goes the full way (a BOM, a file signature, a JSON array); on the others msgspec refuses what the
        full way would: bad UTF-8, NUL and other control bytes, anything but one value."""
        limit = text_lines.MAX_LINE_BYTES  # read when the file is, as text_line reads it
        report, seen, prices, emit = self.report, self._seen, self._prices, self.emit
        on_request, decode, plain_of, make, defaults = (
            self._on_request,
            _decode,
            plain_request,
            SourceRequest.plain,
            self.defaults.as_params(),
        )  # looked up once, not per line
        common = self._splitter is None and self._transform is None  # else each request goes through _check_plain
        # The lane's items, handed to on_items at the end of each block (and before a line the full way, whose
        # request goes to on_request); the request objects are then made only when they are yielded.
        many = self._on_items
        items: list[bytes] = []
        need_req = emit or many is None or not common
        if number == 0:
            raw = stream.readline(limit + 1)
            if not raw:
                return 0, False
            number = 1
            if self._full_line(raw, number, stream, lines, taken):
                return number, False
        # The tallies of the report kept in locals while lines take the lane (the same sums, in the same order),
        # written back before anything else reads or adds to them (a line the full way, _check_plain, _add_size)
        # and when this returns.
        count, sized, body = report.request_count, self._sized, report.body_bytes
        low_usd, high_usd = report.cost_low_usd, report.cost_high_usd
        models = report.models
        sink = None if self._had_errors else on_request  # once any error is seen the file will not be sent
        first = lines.first
        over_count, max_body = MAX_REQUESTS + 1, MAX_BODY_BYTES
        synced = False
        try:
            while True:
                batch = stream.whole_lines(limit)
                cut = bool(batch)  # each line without its newline
                if not cut:  # a line that does not end in the next block: read the usual way
                    raw = stream.readline(limit + 1)
                    if not raw:
                        return number, False
                    batch = [raw]
                for raw in batch:
                    number += 1
                    try:
                        # an overlong line's first bytes may be JSON: it goes the full way, which says it is too long
                        plain = plain_of(decode(raw), defaults) if cut or len(raw) <= limit or raw[-1] == 10 else None
                    except (msgspec.DecodeError, RecursionError):
                        plain = None
                    if plain is None:
                        if items:
                            many(items)  # type: ignore[misc]
                            items = []
                        report.request_count, self._sized, report.body_bytes = count, sized, body
                        report.cost_low_usd, report.cost_high_usd = low_usd, high_usd
                        synced = True  # should the call raise, the report holds what it added
                        stop = self._full_line(raw + b"\n" if cut else raw, number, stream, lines, taken)
                        count, sized, body = report.request_count, self._sized, report.body_bytes
                        low_usd, high_usd = report.cost_low_usd, report.cost_high_usd
                        sink = None if self._had_errors else on_request
                        first = lines.first
                        synced = False
                        if stop:
                            return number, False
                        continue
                    if first:
                        lines.first = first = False
                    cid, params, texts, high, ttl = plain
                    req = make(number, cid, params) if need_req else None
                    count += 1  # self._count(number), written out
                    if count == over_count:
                        self._over_count_line = number
                    if not common:
                        report.request_count, self._sized, report.body_bytes = count, sized, body
                        report.cost_low_usd, report.cost_high_usd = low_usd, high_usd
                        synced = True
                        ok = self._check_plain(req, plain)  # type: ignore[arg-type]
                        sized, body = self._sized, report.body_bytes
                        low_usd, high_usd = report.cost_low_usd, report.cost_high_usd
                        item, synced = self._item, False
                    else:
                        ok = seen.setdefault(cid, number) == number or self._remember(cid, number)
                        model = params["model"]  # a known model's name: a str of at most MAX_MODEL_NAME characters
                        models[model] += 1
                        rates = prices.get((model, ttl), self)
                        if rates is self:
                            rates = prices[model, ttl] = linear_rates(price_for(model, self._priced_at), ttl)
                        if rates is None:
                            report.unpriced_requests += 1
                        else:
                            low_chars, text_bytes = count_texts(texts)
                            high += text_bytes
                            above, low_rate, high_rate, out_rate, scale = rates
                            if high <= above:  # bounds_usd's arithmetic, in its order (the same float to the bit)
                                # -(-n // 16): low_tokens(n), math.ceil(n / 16), for any count of characters
                                low_usd += -(-low_chars // LOW_CHARS_PER_TOKEN) * low_rate * scale
                                high_usd += (high * high_rate + params["max_tokens"] * out_rate) * scale
                            else:
                                low_high = bounds_usd(
                                    price_for(model, self._priced_at),  # type: ignore[arg-type]
                                    low_tokens(low_chars),
                                    high,
                                    ttl,
                                    params["max_tokens"],
                                )
                                low_usd += low_high[0]
                                high_usd += low_high[1]
                        try:
                            item = _encode({"custom_id": cid, "params": params})  # as _add_size encodes req.to_item()
                        except UnicodeEncodeError:
                            self._sized, report.body_bytes, synced = sized, body, True
                            req = req or make(number, cid, params)
                            ok = self._add_size(req) and ok
                            sized, body, item, synced = self._sized, report.body_bytes, self._item, False
                        else:
                            body += len(item) + (1 if sized else _BODY_OVERHEAD)
                            sized += 1
                            if body > max_body and self._over_size_line is None:
                                self._over_size_line = number
                    if ok:  # then this line found no error
                        if sink is not None:
                            if many is not None:
                                items.append(item)
                            else:
                                sink(req, item)  # type: ignore[arg-type]
                        if emit:
                            taken.append(req)  # type: ignore[arg-type]
                    elif self._had_errors:
                        sink = None
                if items:
                    many(items)  # type: ignore[misc]
                    items = []
                if emit and taken:
                    return number, True
        finally:
            if not synced:
                report.request_count, self._sized, report.body_bytes = count, sized, body
                report.cost_low_usd, report.cost_high_usd = low_usd, high_usd

    def _full_line(
        self, raw: bytes, number: int, stream: text_lines.BlockLines, lines: JsonlLines, taken: list[SourceRequest]
    ) -> bool:
        """Line `number` (as readline gave it) the full way, its valid requests to `taken` when they are wanted;
        True when nothing more is read (the file is not JSONL, or binary)."""
        line = text_lines.text_line(raw, number, cast(BinaryIO, stream), file=self.file)
        for req in self._items(lines.read(line)):
            if self.emit:
                taken.append(req)
        return lines.stopped or (type(line) is InputError and line.code == "binary")

    def _items(self, items: Iterator[Any]) -> Iterator[SourceRequest]:
        for item in items:
            if isinstance(item, InputError):
                self._error(item)
                self._bad_line = item.line
            elif isinstance(item, ReadWarning):
                self._on_warning(item.warning)
            elif isinstance(item, RejectedRequest):
                self._count(item.line)
                for e in item.errors:
                    self._error(e)
                if item.custom_id is not None:
                    self._check_custom_id(item.custom_id, item.line, item.item)
            else:
                self._count(item.line)
                if self._check(item) and self._bad_line != item.line:
                    if self._on_request is not None and not self._had_errors:
                        self._on_request(item, self._item)  # once any error is seen the file will not be sent
                    yield item

    def _count(self, line: int) -> None:
        self.report.request_count += 1
        if self.report.request_count == MAX_REQUESTS + 1:
            self._over_count_line = line

    def _check_custom_id(self, cid: str, line: int, item: int | None = None) -> bool:
        errors = custom_id_errors(cid, file=self.file, line=line)
        for e in errors:
            self._error(_at_item(e, item))
        if errors:
            return False  # only well-formed ids are remembered: a malformed one can be arbitrarily long
        return self._remember(cid, line, item)

    def _remember(self, cid: str, line: int, item: int | None = None) -> bool:
        """A well-formed custom_id: False (and an error) if an earlier request has it."""
        first = self._seen.setdefault(cid, line)
        if first != line:
            self.report.duplicate_count += 1
            self._error(
                InputError(
                    self.file,
                    line,
                    "custom_id",
                    f'duplicate "{cid}" (first used on line {first})',
                    "custom_id must be unique within a batch; rename one of them",
                    "custom_id_duplicate",
                    item,
                )
            )
            return False
        return True

    def _check(self, req: SourceRequest) -> bool:
        ok = self._check_custom_id(req.custom_id, req.line, req.item)
        errors, warnings = params_problems(req.params, file=self.file, line=req.line)
        for e in errors:
            self._error(_at_item(e, req.item))
        for w in warnings:
            self._on_warning(_at_item(w, req.item))
        if self._transform is not None and not errors:
            req = replace(req, params=self._transform(req.params))
        if req.generated:
            self.report.generated_ids += 1
        self._count_model(req.params.get("model"))
        self._add_estimate(estimate_request_cost(req.params, at=self._priced_at))
        return self._add_size(req) and ok and not errors

    def _count_model(self, model: Any) -> None:
        if isinstance(model, str) and model:
            # A hostile file could use a new megabyte-long "model" per line: count a bounded key instead.
            self.report.models[model if len(model) <= MAX_MODEL_NAME else model[:MAX_MODEL_NAME] + "…"] += 1

    def _add_estimate(self, estimate: tuple[float, float] | None) -> None:
        if estimate is None:
            self.report.unpriced_requests += 1
        else:
            self.report.cost_low_usd += estimate[0]
            self.report.cost_high_usd += estimate[1]

    def _check_plain(self, req: SourceRequest, plain: Plain) -> bool:
        """`_check` of a request from the fast lane: its custom_id well formed, its params without a problem. The
        common steps are written out here (once per request of a big file)."""
        cid, params, texts, high, ttl = plain
        line = req.line
        first = self._seen.setdefault(cid, line)
        ok = first == line or self._remember(cid, line)
        if self._transform is not None:  # auto-caching: priced as _check prices it, once its marks are in
            req = replace(req, params=self._transform(params))
            self._count_model(req.params.get("model"))
            self._add_estimate(estimate_request_cost(req.params, at=self._priced_at))
            return self._add_size(req) and ok
        model = params["model"]  # a known model's name: a str of at most MAX_MODEL_NAME characters
        report = self.report
        report.models[model] += 1
        price = self._prices.get(model, self)
        if price is self:
            price = self._prices[model] = price_for(model, self._priced_at)
        if price is None:
            report.unpriced_requests += 1
        else:
            low_chars, text_bytes = count_texts(texts)
            low_usd, high_usd = bounds_usd(price, low_tokens(low_chars), high + text_bytes, ttl, params["max_tokens"])
            report.cost_low_usd += low_usd
            report.cost_high_usd += high_usd
        if self._splitter is not None:
            return self._add_size(req) and ok
        try:
            item = _encode({"custom_id": cid, "params": params})  # as _add_size encodes req.to_item()
        except UnicodeEncodeError:
            return self._add_size(req) and ok
        report.body_bytes += len(item) + (1 if self._sized else _BODY_OVERHEAD)
        self._sized += 1
        if self._over_size_line is None and report.body_bytes > MAX_BODY_BYTES:
            self._over_size_line = line
        self._item = item
        return ok

    def _add_size(self, req: SourceRequest) -> bool:
        """Add the request's share of the create body: serialised like the SDK does (compact, UTF-8)."""
        try:
            item = _encode(req.to_item())  # a lone surrogate raises UnicodeEncodeError
        except UnicodeEncodeError:
            where = _surrogate_path(req.params, "params") or "params"
            self._error(
                InputError(
                    self.file,
                    req.line,
                    where,
                    "contains a lone UTF-16 surrogate escape (like \\ud83d without its pair), which cannot be sent",
                    "write the character itself, or escape both halves of the pair",
                    "surrogate",
                )
            )
            return False
        if self._splitter is not None and not self._place(req, item):
            return False
        self.report.body_bytes += len(item) + (1 if self._sized else _BODY_OVERHEAD)
        self._sized += 1
        if self._over_size_line is None and self.report.body_bytes > MAX_BODY_BYTES:
            self._over_size_line = req.line
        self._item = item
        return True

    def _place(self, req: SourceRequest, item: bytes) -> bool:
        """Put the request in its part; a request too big for a batch of its own is an error."""
        assert self._splitter is not None
        limit = self._splitter.limits.max_body_bytes
        if not self._splitter.limits.fits_alone(len(item)):
            self._error(
                InputError(
                    self.file,
                    req.line,
                    None,
                    f"this request alone is {naturalsize(len(item), binary=True)}; a batch body may be at most "
                    f"{naturalsize(limit, binary=True)}, so it can never be sent",
                    "shorten it, or move large documents to the Files API",
                    "request_too_large",
                    req.item,
                )
            )
            return False
        self._splitter.add(len(item), line=req.line, custom_id=req.custom_id)
        return True

    def _finish(self) -> None:
        r = self.report
        if r.request_count == 0 and not self._had_errors:
            what = "is empty" if r.total_bytes == 0 else "has no requests"
            hint = "add requests to it" + (", one per line" if r.format in ("jsonl", "txt") else "")
            self._file_error(InputError(self.file, None, None, what, hint, "empty"))
        if self._splitter is not None:
            return  # over one batch's limits is fine: the file is sent as several parts
        if r.request_count > MAX_REQUESTS:
            self._file_error(
                InputError(
                    self.file,
                    self._over_count_line,
                    None,
                    f"has {count(r.request_count)} requests; a batch holds at most {count(MAX_REQUESTS)}"
                    + (f" (line {self._over_count_line} is request {count(MAX_REQUESTS + 1)})"),
                    _SPLIT_HINT + f" of at most {count(MAX_REQUESTS)} requests",
                    "too_many_requests",
                )
            )
        if r.body_bytes > MAX_BODY_BYTES:
            self._file_error(
                InputError(
                    self.file,
                    self._over_size_line,
                    None,
                    f"the create request would be about {naturalsize(r.body_bytes, binary=True)}; the API rejects "
                    f"bodies over {naturalsize(MAX_BODY_BYTES, binary=True)} (the limit is passed at this line)",
                    _SPLIT_HINT + ", or move large documents to the Files API",
                    "too_large",
                )
            )


def validate_file(
    path: str | PathLike[str],
    *,
    max_errors: int = 50,
    fmt: str | None = None,
    defaults: RequestDefaults | None = None,
    on_request: RequestSink | None = None,
    split: SplitLimits | None = None,
    transform: ParamsTransform | None = None,
    on_items: ItemsSink | None = None,
) -> ValidationReport:
    """Check a whole file without submitting anything. Keeps the first `max_errors` errors and counts the rest.
    `on_request(req, item_bytes)` sees each valid request while no error has been found yet; given `on_items` too,
    a JSONL file's plainly valid requests go there instead, their items a block at a time. `split`: a file over
    one batch's limits is not an error; `report.parts` plans the parts it would be sent as. `transform` rewrites
    each valid request's params before they are priced and encoded (checks see them as the file has them)."""
    collector = Collector(max_errors)
    scan = _Scan(
        path,
        fmt,
        defaults,
        collector.error,
        collector.file_error,
        collector.warn,
        on_request,
        split,
        transform,
        on_items,
    )
    scan.emit = False  # the requests are not wanted here: skip handing each one up through the generators
    for _ in scan.run():
        pass
    return _collected(scan, collector)


def validate_requests(
    requests: Iterable[SourceRequest | dict[str, Any]],
    *,
    name: str = "<requests>",
    max_errors: int = 50,
    on_request: RequestSink | None = None,
    split: SplitLimits | None = None,
) -> ValidationReport:
    """`validate_file` for requests made by code (`{"custom_id", "params"}` dicts or SourceRequests): the same
    rules, limits and cost estimate. Line numbers in problems are 1-based positions in `requests`."""
    collector = Collector(max_errors)
    scan = _Scan(name, "requests", None, collector.error, collector.file_error, collector.warn, on_request, split)
    for _ in scan.run_items(requests):
        pass
    return _collected(scan, collector)


def _collected(scan: _Scan, collector: Collector) -> ValidationReport:
    report = scan.report
    report.errors = collector.errors
    report.errors_omitted = collector.errors_omitted
    report.warnings = collector.warnings()
    report.warnings_omitted = collector.warnings_omitted
    return report


def iter_valid_requests(
    path: str | PathLike[str],
    *,
    fmt: str | None = None,
    defaults: RequestDefaults | None = None,
    expected_sha256: str | None = None,
) -> Iterator[SourceRequest]:
    """Re-read a validated file for submission, yielding its requests in order.

    Raises InvalidInputFile at the first problem, which can come after some requests were yielded (the file may
    have been edited since validation); so collect the requests before sending anything. With `expected_sha256`
    (from the ValidationReport), also raises at the end if the bytes differ from those validated.
    """

    def fail(e: InputError) -> None:
        raise InvalidInputFile(e)

    scan = _Scan(path, fmt, defaults, fail, fail, lambda _w: None)
    yield from scan.run()
    if expected_sha256 is not None and scan.report.sha256 != expected_sha256:
        fail(
            InputError(
                scan.file,
                None,
                None,
                "changed since it was validated",
                "validate it again before submitting",
                "changed",
            )
        )
