"""`submit --auto-cache`: mark the prefixes a file's requests share with `cache_control`, and say what it saves.

Two passes over the file (core/caching.py decides, this drives):
1. validate, spool the body as the file has it, and count the prefixes the requests share. Nothing shared: done,
   in that one pass, and the body is byte for byte the one without `--auto-cache`.
2. validate again, marking each request as it is read, and spool (and split) the marked body in that same pass:
   the report, the parts and the cost bounds describe exactly what is sent.
Memory stays bounded (counts are keyed by hash, not content), and the file must not change between the passes
(its sha256 is compared).

`AutoCache.apply`: True marks; False only estimates (a dry run's suggestion: pass 2 spools nothing and the
unmarked body of pass 1 is kept); None marks when the saving is large (the dashboard's default), keeping pass 1's
body otherwise.

With `submit --reuse` (service/reuse.py), pass 1 decides which requests the cache answers and counts prefixes over
the others only (a prefix shared with a reused request is not shared by what is sent); pass 2 follows those
decisions by request number and neither marks nor estimates the reused ones.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from batchtui.core.cache_estimate import AutoCacheSummary, SavingEstimate
from batchtui.core.caching import DEFAULT_SHARE, AutoCacher, PrefixCounter
from batchtui.core.errors import UsageError
from batchtui.core.inputs import RequestDefaults, SourceRequest
from batchtui.core.inputs.split import SplitLimits
from batchtui.service.reuse import ReuseSetup, sent_estimate
from batchtui.service.reuse_pass import source_digest
from batchtui.service.split import PreparedParts, prepare_parts
from batchtui.service.submit import ProgressSink


@dataclass(frozen=True)
class AutoCache:
    """`apply`: mark (True), only estimate (False), or mark when the saving is large (None). `share`: a prefix is
    marked when at least this many requests have it."""

    apply: bool | None = True
    share: int = DEFAULT_SHARE


def prepare_cached(
    source: str | os.PathLike[str],
    spool_dir: Path | None,
    limits: SplitLimits,
    options: AutoCache,
    *,
    fmt: str | None = None,
    defaults: RequestDefaults | None = None,
    on_progress: ProgressSink | None = None,
    keep_metadata: bool = False,
    reuse: ReuseSetup | None = None,
) -> tuple[PreparedParts, AutoCacheSummary | None]:
    """`prepare_parts` with auto-caching (see the module docstring). Blocking: run it on a thread. Raises
    ValidationFailed like `prepare_parts`. The summary is None when only an estimate was asked for and nothing is
    shared. `reuse`: answer requests from the cache (service/reuse.py)."""
    counter = PrefixCounter()

    def count(req: SourceRequest) -> None:
        counter.add(req.params)

    def parts(spool: Path | None, transform: Any = None, observe: Any = None, pipe: Any = None) -> PreparedParts:
        return prepare_parts(
            source, spool, limits, fmt=fmt, defaults=defaults, on_progress=on_progress,
            keep_metadata=keep_metadata, transform=transform, observe=observe, pipe=pipe,
        )  # fmt: skip

    decided = (reuse or ReuseSetup()).first()
    first = parts(spool_dir, observe=count, pipe=decided)
    without = sent_estimate(first.report, decided)[0]
    if counter.shared(options.share) == 0:  # nothing to mark: the body as the file has it
        summary = AutoCacheSummary(True, options.share, SavingEstimate(), without) if options.apply else None
        return first, summary
    cacher = AutoCacher(counter, options.share)
    estimate = SavingEstimate(at=datetime.now(UTC))
    reused = frozenset(decided.dropped)
    number, changed = 0, False  # the transform sees every valid request in file order, as the passes do

    def mark(params: dict[str, Any]) -> dict[str, Any]:
        nonlocal number, changed
        number, skip = number + 1, number in reused
        changed = False
        if skip:  # answered from the cache: not sent, so neither marked nor counted in the estimate
            return params
        marking = cacher.mark(params)
        estimate.add(marking)
        changed = bool(marking.added) and options.apply is not False
        return marking.params if options.apply is not False else params

    try:
        second = parts(
            spool_dir if options.apply is not False else None, transform=mark,
            pipe=ReuseSetup.following(reused, lambda: changed),
        )  # fmt: skip
        if second.report.sha256 != first.report.sha256:
            second.discard()
            raise UsageError(f"{source} changed while it was being read; nothing was submitted. Submit it again.")
    except BaseException:
        first.discard()
        raise
    summary = AutoCacheSummary(True, cacher.share, estimate, without)
    if options.apply or (options.apply is None and summary.large):
        # Pass 1 decided what is reused and read every request: its decisions and digest go with the marked body.
        second.reuse, first.reuse = decided, None
        second.source_digest = source_digest(decided.items_digest, limits, cacher.share)
        first.discard()
        return second, summary
    second.discard()  # an estimate only: the file goes as it is
    return first, AutoCacheSummary(False, cacher.share, estimate, without)
