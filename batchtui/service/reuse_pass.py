"""The way every valid request takes from the validator to the spool writer, in file order (service/split.py).

With a lookup (`submit --reuse`), requests are buffered up to CHUNK of them (or CHUNK_BYTES), their params hashes
looked up in one query, and passed on in order: those the cache answered are left out of the body (or, counting
only, passed on too) and written to a sidecar (custom_id → source) that is recorded with the submission before
anything is sent. Memory is bounded by the buffer, never by the file.

Whatever the lookup, the pass also takes:
- the digest of every request as read, reused ones included: with how the file is split and marked, its source
  digest (`source_digest`). The same file gives the same digest however much of it the cache answers, so submitting
  it again still finds an unfinished group, or an earlier submission whose outcome is unknown;
- for a request sent changed (auto-cache added breakpoints: `marked`), the hash of its params as the file gave
  them, which the store keeps so a later identical file finds its answer.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from array import array
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from batchtui.core.cost import estimate_request_cost
from batchtui.core.inputs import SourceRequest, params_hash
from batchtui.core.inputs.split import SplitLimits
from batchtui.core.reuse import ReuseSource, ReuseTally

CHUNK = 1000  # hashes per lookup query
CHUNK_BYTES = 8 << 20  # a few huge requests flush the buffer early: it never holds more than this (plus one)

Send = Callable[[SourceRequest, bytes, str | None], None]  # (request, its item as sent, file hash if sent changed)
ReuseRow = tuple[str, str, str, float | None]  # (custom_id, source batch id, source custom_id, saved_usd)


@dataclass(frozen=True)
class Pending:
    """A request waiting for its chunk's lookup: its place among the file's valid requests (`n`, from 0)."""

    n: int
    req: SourceRequest
    item: bytes
    hash: str
    changed: bool


Lookup = Callable[[Sequence[Pending]], dict[int, ReuseSource]]  # the chunk's answered requests, by `n`


class Sidecar:
    """JSON lines in the spool folder (0600, named after this process so a crashed run's are cleaned up)."""

    def __init__(self, folder: Path, suffix: str) -> None:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)  # it may come before the first spool makes the folder
        os.chmod(folder, 0o700)
        self.path = folder / f"tmp-{os.getpid()}-{secrets.token_hex(6)}.{suffix}"
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self._out: IO[bytes] | None = os.fdopen(fd, "wb", buffering=1 << 20)

    def write(self, *values: object) -> None:
        assert self._out is not None
        self._out.write(json.dumps(values, ensure_ascii=False).encode() + b"\n")

    def close(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None

    def discard(self) -> None:
        self.close()
        self.path.unlink(missing_ok=True)


def read_sidecar(path: Path | None) -> Iterator[list]:
    if path is None:
        return
    with open(path, "rb") as f:
        for line in f:
            yield json.loads(line)


class ReusePass:
    """One pass's requests on their way to `send` (see the module docstring). `apply`: leave answered requests out
    of the body (False: count them only). `skip`: leave out these request numbers without looking anything up
    (auto-cache's second pass follows its first). `sidecar_dir`: where the answered requests are written (None:
    a dry run, only counted)."""

    def __init__(
        self,
        *,
        lookup: Lookup | None = None,
        apply: bool = True,
        sidecar_dir: Path | None = None,
        skip: Collection[int] | None = None,
        marked: Callable[[], bool] | None = None,
    ) -> None:
        self._lookup, self._apply, self._sidecar_dir = lookup, apply, sidecar_dir
        self._skip = skip
        self._marked = marked
        self._send: Send | None = None
        self._buffer: list[Pending] = []
        self._buffered_bytes = 0
        self._n = 0
        self._items = hashlib.sha256()
        self._priced_at = datetime.now(UTC)
        self.sidecar: Sidecar | None = None
        self.tally = ReuseTally()
        self.dropped = array("I")  # numbers of the requests left out of the body, in order (4 bytes each)

    @property
    def may_drop(self) -> bool:
        return bool(self._skip) or (self._lookup is not None and self._apply)

    @property
    def items_digest(self) -> str:
        """sha256 over every request as read (its item, a newline), reused ones included."""
        return self._items.hexdigest()

    def start(self, send: Send) -> None:
        self._send = send

    def add(self, req: SourceRequest, item: bytes) -> None:
        assert self._send is not None, "start() first"
        n = self._n
        self._n += 1
        self._items.update(item + b"\n")
        changed = self._marked() if self._marked is not None else False
        if self._skip is not None:
            if n in self._skip:
                self.dropped.append(n)
                return
        elif self._lookup is not None:
            self._buffer.append(Pending(n, req, item, params_hash(req.params), changed))
            self._buffered_bytes += len(item)
            if len(self._buffer) >= CHUNK or self._buffered_bytes >= CHUNK_BYTES:
                self._flush()
            return
        self._send(req, item, params_hash(req.params) if changed else None)

    def finish(self) -> None:
        """Flush what is buffered (at the end of a valid file) and close the sidecar."""
        self._flush()
        if self.sidecar is not None:
            self.sidecar.close()

    def discard(self) -> None:
        if self.sidecar is not None:
            self.sidecar.discard()
            self.sidecar = None

    def _flush(self) -> None:
        if not self._buffer:
            return
        assert self._lookup is not None and self._send is not None
        found = self._lookup(self._buffer)
        for p in self._buffer:
            source = found.get(p.n)
            if source is not None:
                self._reused(p, source)
                if self._apply:
                    continue
            self._send(p.req, p.item, p.hash if p.changed else None)
        self._buffer.clear()
        self._buffered_bytes = 0

    def _reused(self, p: Pending, source: ReuseSource) -> None:
        # Priced as the validator priced it (this pass sends the params as read), to take it off the estimate.
        self.tally.add(source, estimate_request_cost(p.req.params, at=self._priced_at))
        if not self._apply:
            return
        self.dropped.append(p.n)
        if self._sidecar_dir is not None:
            if self.sidecar is None:
                self.sidecar = Sidecar(self._sidecar_dir, "reuse")
            self.sidecar.write(p.req.custom_id, source.batch_id, source.custom_id, source.cost_usd)


def reuse_rows(path: Path | None) -> Iterator[ReuseRow]:
    """The answers a pass took, as the store records them."""
    for row in read_sidecar(path):
        custom_id, batch_id, source_custom_id, saved = row
        yield custom_id, batch_id, source_custom_id, saved


def file_hashes(path: Path) -> Iterator[tuple[str, str]]:
    """(custom_id, hash of its params as the file had them) of the requests of a part sent changed."""
    for row in read_sidecar(path):
        custom_id, digest = row
        yield custom_id, digest


def source_digest(items_digest: str, limits: SplitLimits, marked_share: int | None) -> str:
    """A file's requests as read, and what decides how they are sent: the parts' limits and auto-cache's marks
    (`marked_share`: None when the body went as the file has it)."""
    how = f"{limits.max_requests}/{limits.max_body_bytes}/{'plain' if marked_share is None else marked_share}"
    return hashlib.sha256(f"{items_digest}\n{how}".encode()).hexdigest()
