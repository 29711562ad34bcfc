"""`queue add`: validate a whole file (any input format, the same checks and messages as submit), then queue all
of its requests or none.

One pass validates and stages each valid request (its body item, hash, line and metadata) to a private file in the
spool folder; nothing is staged past the first error, and a file with any error adds nothing. The staged rows then
go into the store in one transaction, read a chunk at a time: a kill -9 at any moment leaves all of them queued or
none, and a custom_id already queued makes the whole add fail with both sources named. A file over one batch's
limits is fine here: a flush cuts the queue into batches.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import secrets
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from batchtui.core.errors import UsageError
from batchtui.core.inputs import RequestDefaults, SourceRequest, SplitLimits, ValidationReport, validate_file
from batchtui.core.models import params_hash
from batchtui.core.store.queue import QueuedRequest
from batchtui.service.session import Session
from batchtui.service.spool import encode_metadata

_ITEM_PREFIX = b'{"custom_id":"'
_ITEM_MIDDLE = b'","params":'


@dataclass
class QueueAdded:
    reports: list[ValidationReport]  # one per file, in the order given
    add_id: str
    added: int


class QueueValidationFailed(UsageError):
    """Some file has a bad request: nothing was queued, from any of the files."""

    def __init__(self, reports: list[ValidationReport]) -> None:
        self.reports = reports
        super().__init__(f"{len(reports)} file(s) with problems; nothing was queued")


class _Stage:
    """The valid requests of one file, one per line: `line TAB hash TAB metadata TAB item` (the item is compact
    JSON, which holds no raw tab or newline). Named like a spool being written, so a crashed run's is cleaned up."""

    def __init__(self, folder: Path, source_file: str) -> None:
        self.source_file = source_file
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.path = folder / f"tmp-{os.getpid()}-{secrets.token_hex(6)}.queue"
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self._out = os.fdopen(fd, "wb", buffering=1 << 20)

    def add(self, req: SourceRequest, item: bytes) -> None:
        meta = encode_metadata(req.metadata) if req.metadata else b""
        digest = params_hash(req.params).encode()
        self._out.write(b"%d\t%s\t%s\t%s\n" % (req.line, digest, meta, item))

    def close(self) -> None:
        self._out.close()

    def rows(self) -> Iterator[QueuedRequest]:
        with open(self.path, "rb") as f:
            for raw in f:
                line, digest, meta, item = raw.rstrip(b"\n").split(b"\t", 3)
                middle = item.index(_ITEM_MIDDLE)
                yield QueuedRequest(
                    custom_id=item[len(_ITEM_PREFIX) : middle].decode(),
                    params=item[middle + len(_ITEM_MIDDLE) : -1].decode(),
                    params_hash=digest.decode(),
                    item_bytes=len(item),
                    line=int(line),
                    metadata=meta.decode() if meta else None,
                    source_file=self.source_file,
                )

    def discard(self) -> None:
        if not self._out.closed:
            self._out.close()
        self.path.unlink(missing_ok=True)


def _validate_and_stage(
    source: str | os.PathLike[str],
    folder: Path,
    fmt: str | None,
    defaults: RequestDefaults | None,
    limits: SplitLimits,
) -> tuple[ValidationReport, _Stage | None]:
    """Blocking: run it on a thread. The stage is discarded (and None) when any request is bad."""
    stage = _Stage(folder, str(Path(source).resolve()))
    try:
        # Split limits: more requests than one batch holds is fine, a request too big for any batch is not.
        report = validate_file(source, fmt=fmt, defaults=defaults, split=limits, on_request=stage.add)
        stage.close()
    except BaseException:
        stage.discard()
        raise
    if not report.ok:
        stage.discard()
        return report, None
    return report, stage


async def add_to_queue(
    session: Session,
    sources: Sequence[str | os.PathLike[str]],
    *,
    fmt: str | None = None,
    defaults: RequestDefaults | None = None,
    limits: SplitLimits | None = None,
    now: datetime | None = None,
) -> QueueAdded:
    """Validate every file, then queue every request of all of them, or none (see the module docstring)."""
    stages: list[_Stage] = []
    reports: list[ValidationReport] = []
    try:
        for source in sources:
            report, stage = await asyncio.to_thread(
                _validate_and_stage, source, session.spool_dir, fmt, defaults, limits or SplitLimits()
            )
            reports.append(report)
            if stage is not None:
                stages.append(stage)
        failed = [r for r in reports if not r.ok]
        if failed:
            raise QueueValidationFailed(failed)
        add_id = uuid.uuid4().hex
        rows = itertools.chain.from_iterable(stage.rows() for stage in stages)
        added = await session.store.queue_add(rows, add_id=add_id, added_at=now)
    finally:
        for stage in stages:
            stage.discard()
    return QueueAdded(reports, add_id, added)
