"""The Temporal engine's queue on shared storage: each `queue add` leaves one *chunk* per file (a validated create
body in the spool format, with its metadata sidecar), and a flush cuts the chunks, in order, into part spools, one
per batch, that submission workflows send. Workflow history only ever carries their paths and counts.

A flush is deterministic: the same chunks in the same order give the same parts, byte for byte, under the same
names (written to a temporary name, then renamed), so an activity run again rewrites what it wrote. A custom_id
seen earlier in the part being written (two adds may reuse one) starts a new part: a batch needs them unique.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from batchtui.core.inputs import RequestDefaults, SplitLimits, ValidationReport, validate_file
from batchtui.core.inputs.split import BODY_HEAD, BODY_SEP, BODY_TAIL
from batchtui.service.spool import SpoolWriter, metadata_sidecar, spooled_metadata, spooled_requests


@dataclass(frozen=True)
class Chunk:
    path: Path
    request_count: int
    body_bytes: int


@dataclass(frozen=True)
class PartSpool:
    submission_id: str
    path: Path
    request_count: int
    body_bytes: int
    digest: str


def stage_chunk(
    source: str | os.PathLike[str],
    folder: Path,
    name: str,
    *,
    fmt: str | None = None,
    defaults: RequestDefaults | None = None,
    limits: SplitLimits | None = None,
) -> tuple[ValidationReport, Chunk | None]:
    """Validate `source` and spool its requests as `folder/name` (with the metadata sidecar). Blocking. None (and
    nothing kept) when any request is bad. More requests than one batch holds is fine: a flush cuts them."""
    with SpoolWriter(folder) as writer:

        def keep(req, item: bytes) -> None:  # type: ignore[no-untyped-def]
            writer.add(item)
            if req.metadata:
                writer.add_metadata(req.custom_id, req.metadata)

        report = validate_file(source, fmt=fmt, defaults=defaults, split=limits or SplitLimits(), on_request=keep)
        if not report.ok:
            return report, None
        writer.finish()
        path = folder / name
        os.replace(writer.path, path)
        if writer.metadata_path is not None:
            os.replace(writer.metadata_path, metadata_sidecar(path))
        writer.keep()
        return report, Chunk(path, writer.count, writer.size)


def drop_chunk(path: Path) -> None:
    for p in (path, metadata_sidecar(path)):
        p.unlink(missing_ok=True)


def _requests_with_metadata(chunk: Path) -> Iterator[tuple[str, str, str | None]]:
    """(custom_id, params JSON, metadata JSON or None) of a chunk, in order: the sidecar lists, in the same order,
    only the requests that have metadata."""
    notes = spooled_metadata(metadata_sidecar(chunk))
    pending = next(notes, None)
    for custom_id, params in spooled_requests(chunk):
        meta = None
        if pending is not None and pending[0] == custom_id:
            meta, pending = pending[1], next(notes, None)
        yield custom_id, params, meta


class _Part:
    def __init__(self, folder: Path, submission_id: str) -> None:
        self.submission_id = submission_id
        self.folder = folder
        self.writer = SpoolWriter(folder)
        self.ids: set[str] = set()
        self.body = len(BODY_HEAD) + len(BODY_TAIL)

    def fits(self, custom_id: str, item: int, limits: SplitLimits) -> bool:
        grown = self.body + item + (len(BODY_SEP) if self.ids else 0)
        return custom_id not in self.ids and len(self.ids) < limits.max_requests and grown <= limits.max_body_bytes

    def add(self, custom_id: str, params: str, meta: str | None) -> None:
        item = b'{"custom_id":"' + custom_id.encode() + b'","params":' + params.encode() + b"}"
        self.body += len(item) + (len(BODY_SEP) if self.ids else 0)
        self.writer.add(item)
        if meta is not None:
            self.writer.add_metadata(custom_id, json.loads(meta))
        self.ids.add(custom_id)

    def close(self) -> PartSpool:
        digest = self.writer.finish()
        path = self.folder / f"{self.submission_id}.json"
        os.replace(self.writer.path, path)
        sidecar = metadata_sidecar(path)
        if self.writer.metadata_path is not None:
            os.replace(self.writer.metadata_path, sidecar)
        else:
            sidecar.unlink(missing_ok=True)  # a stale one from an earlier attempt would attach wrong metadata
        self.writer.keep()
        return PartSpool(self.submission_id, path, len(self.ids), self.writer.size, digest)


def build_parts(
    chunks: Sequence[Path],
    folder: Path,
    name_part: Callable[[int], str],
    limits: SplitLimits | None = None,
) -> list[PartSpool]:
    """Cut `chunks`, in order, into part spools in `folder`, each named `name_part(k)` (k from 1). Blocking;
    memory: one part's custom_ids (at most 100,000)."""
    limits = limits or SplitLimits()
    parts: list[PartSpool] = []
    current: _Part | None = None
    try:
        for chunk in chunks:
            for custom_id, params, meta in _requests_with_metadata(chunk):
                size = len(custom_id) + len(params) + len(b'{"custom_id":"","params":}')
                if current is None or not current.fits(custom_id, size, limits):
                    if current is not None:
                        parts.append(current.close())
                    current = _Part(folder, name_part(len(parts) + 1))
                current.add(custom_id, params, meta)
        if current is not None:
            parts.append(current.close())
            current = None
    finally:
        if current is not None:
            current.writer.discard()
    return parts
