"""Validate a file and spool it as one or more parts in the same single pass (the splitter of core/inputs/split).

A part is rolled over before it would pass one batch's limits; parts keep file order. Only one part's spool is
open at a time and nothing per request is kept here (the validator keeps its custom_id index), so a 100,000+
request file streams through in bounded memory. A file that fits in one part gives exactly what `prepare` gives:
the same spool bytes, so the same digest.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from batchtui.core.inputs import RequestDefaults, SourceRequest, ValidationReport, validate_file
from batchtui.core.inputs.split import PartPlan, SplitLimits, Splitter
from batchtui.core.inputs.validate import ParamsTransform, validate_requests
from batchtui.service.reuse_pass import ReusePass, Sidecar, source_digest
from batchtui.service.spool import SpoolWriter
from batchtui.service.submit import PREPARE_REPORT_EVERY, Prepared, ProgressSink, Source, ValidationFailed


@dataclass
class PreparedParts:
    """A validated source and (unless a dry run) one spool per part, in file order."""

    report: ValidationReport
    source_file: str | None
    parts: list[Prepared] = field(default_factory=list)  # empty on a dry run: `report.parts` has the plan
    # What the pass reused (or counted), its sidecar, and the source digest (service/reuse_pass.py). When requests
    # were left out, `report.parts` plans only what is sent; empty `parts` and plan: every request was answered.
    reuse: ReusePass | None = None
    source_digest: str | None = None  # the file's requests as read, and how they are sent (reuse_pass.py)

    @property
    def split(self) -> bool:
        return len(self.report.parts) > 1

    @property
    def digest(self) -> str:
        """Names the whole plan: the parts' body digests in order. The same file split the same way gives the
        same digest, which is how an unfinished group is found again."""
        h = hashlib.sha256()
        for p in self.parts:
            h.update(f"{p.digest}\n".encode())
        return h.hexdigest()

    def discard(self) -> None:
        for p in self.parts:
            p.discard()
        if self.reuse is not None:
            self.reuse.discard()


class PartedSpoolWriter:
    """Spools a create body per part, following the same Splitter decisions as the validator."""

    def __init__(self, folder: Path, limits: SplitLimits, *, keep_metadata: bool) -> None:
        self.folder = folder
        self._splitter = Splitter(limits)
        self._keep_metadata = keep_metadata
        self._current: SpoolWriter | None = None
        self._hashes: Sidecar | None = None  # the current part's file hashes (requests sent changed)
        self.done: list[tuple[SpoolWriter, str, Sidecar | None]] = []  # finished parts, their digests and hashes
        self.count = 0

    @property
    def plan(self) -> list[PartPlan]:
        return self._splitter.parts

    def add(self, req: SourceRequest, item: bytes, file_hash: str | None = None) -> None:
        if self._splitter.add(len(item), line=req.line, custom_id=req.custom_id):
            self._finish_current()
            self._current = SpoolWriter(self.folder)
        assert self._current is not None
        self._current.add(item)
        if self._keep_metadata and req.metadata:
            self._current.add_metadata(req.custom_id, req.metadata)
        if file_hash is not None:  # sent changed: the store keeps how the file had it (service/reuse_pass.py)
            if self._hashes is None:
                self._hashes = Sidecar(self.folder, "hash")
            self._hashes.write(req.custom_id, file_hash)
        self.count += 1

    def _finish_current(self) -> None:
        if self._current is not None:
            if self._hashes is not None:
                self._hashes.close()
            self.done.append((self._current, self._current.finish(), self._hashes))
            self._current, self._hashes = None, None

    def finish(self, source_file: str | None, report: ValidationReport) -> list[Prepared]:
        self._finish_current()
        out = []
        for writer, digest, hashes in self.done:
            writer.keep()
            out.append(
                Prepared(
                    report, source_file, writer.path, digest, writer.size, writer.count, writer.metadata_path,
                    hashes.path if hashes is not None else None,
                )
            )  # fmt: skip
        return out

    def discard(self) -> None:
        for writer, _, hashes in self.done:
            writer.discard()
            if hashes is not None:
                hashes.discard()
        if self._current is not None:
            self._current.discard()
        if self._hashes is not None:
            self._hashes.discard()


def prepare_parts(
    source: Source,
    spool_dir: Path | None,
    limits: SplitLimits,
    *,
    fmt: str | None = None,
    defaults: RequestDefaults | None = None,
    name: str = "<requests>",
    on_progress: ProgressSink | None = None,
    keep_metadata: bool = False,
    transform: ParamsTransform | None = None,
    observe: Callable[[SourceRequest], None] | None = None,
    pipe: ReusePass | None = None,
) -> PreparedParts:
    """`prepare`, splitting: validate `source` and (when `spool_dir` is given) spool each part in the same pass.
    Blocking: run it on a thread. Raises ValidationFailed (nothing kept) when any request is bad. `transform`
    (a file only) rewrites each request's params before it is priced, sized and spooled (service/auto_cache.py);
    `observe` sees every valid request as read (while the file has no error) that is sent; `pipe` decides which
    are sent (`submit --reuse`: service/reuse_pass.py), and then the parts are planned over those only."""
    is_file = isinstance(source, str | os.PathLike)
    writer = PartedSpoolWriter(spool_dir, limits, keep_metadata=keep_metadata) if spool_dir is not None else None
    # A dry run that leaves requests out still plans the parts of what would be sent.
    planner = Splitter(limits) if writer is None and pipe is not None and pipe.may_drop else None

    def send(req: SourceRequest, item: bytes, file_hash: str | None) -> None:
        if observe is not None:
            observe(req)
        if writer is not None:
            writer.add(req, item, file_hash)
            if on_progress and writer.count % PREPARE_REPORT_EVERY == 0:
                on_progress("prepare", writer.count, 0)
        elif planner is not None:
            planner.add(len(item), line=req.line, custom_id=req.custom_id)

    def on_request(req: SourceRequest, item: bytes) -> None:
        if pipe is not None:
            pipe.add(req, item)  # calls send() for each request to send, in file order
        else:
            send(req, item, None)

    if pipe is not None:
        pipe.start(send)
    sink = on_request if writer is not None or observe is not None or pipe is not None else None
    kept = False
    try:
        if is_file:
            report = validate_file(
                source,  # type: ignore[arg-type]
                fmt=fmt, defaults=defaults, on_request=sink, split=limits, transform=transform,
            )  # fmt: skip
        else:
            assert transform is None, "requests made by code are sent as given"
            report = validate_requests(source, name=name, on_request=sink, split=limits)  # type: ignore[arg-type]
        if not report.ok:
            raise ValidationFailed(report)
        if pipe is not None:
            pipe.finish()
            if pipe.may_drop:  # the body holds only what is sent: so does the plan
                report.parts = list(writer.plan if writer is not None else planner.parts)  # type: ignore[union-attr]
        source_file = str(Path(source).resolve()) if is_file else None  # type: ignore[arg-type]
        prepared = PreparedParts(report, source_file, reuse=pipe)
        if pipe is not None:
            prepared.source_digest = source_digest(pipe.items_digest, limits, None)
        if writer is not None:
            prepared.parts = writer.finish(source_file, report)
            kept = True
            # The writer and the validator apply one rule to the same bytes: their plans must agree.
            assert [p.request_count for p in prepared.parts] == [p.request_count for p in report.parts]
        return prepared
    except BaseException:
        if pipe is not None:
            pipe.discard()
        raise
    finally:
        if writer is not None and not kept:
            writer.discard()
