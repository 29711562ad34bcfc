"""`submit --auto-cache`: mark the prefixes a file's requests share with `cache_control`, and say what it saves.

Two passes over the file (core/caching.py decides, this drives):
1. validate and count the prefixes the requests share, spooling nothing;
2. validate again, marking each request as it is read, and spool (and split) the marked body in that same pass: the
   report, the parts and the cost bounds describe exactly what is sent.
Memory stays bounded (counts are keyed by hash) and the file must not change between the passes (its sha256 is
compared). With nothing shared, pass 2 marks nothing and the body is byte-for-byte the one without `--auto-cache`.

A dry run without `--auto-cache` also counts, and estimates the saving when there is something to share, so it
can suggest the flag (`applied` False: nothing is marked).
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
from batchtui.core.inputs import RequestDefaults, SourceRequest, validate_file
from batchtui.core.inputs.split import SplitLimits
from batchtui.service.split import PreparedParts, prepare_parts
from batchtui.service.submit import PREPARE_REPORT_EVERY, ProgressSink, ValidationFailed


@dataclass(frozen=True)
class AutoCache:
    """Auto-caching options: `apply` marks the body; otherwise the saving is only estimated (a suggestion).
    `share`: a prefix is marked when at least this many requests have it."""

    apply: bool = True
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
) -> tuple[PreparedParts, AutoCacheSummary | None]:
    """`prepare_parts` with auto-caching (see the module docstring). Blocking: run it on a thread. The summary is
    None when a suggestion was asked for and the file has no shared prefix worth estimating."""
    counter = PrefixCounter()
    seen = 0

    def count(req: SourceRequest, _item: bytes) -> None:
        nonlocal seen
        counter.add(req.params)
        seen += 1
        if on_progress and seen % PREPARE_REPORT_EVERY == 0:
            on_progress("prepare", seen, 0)

    first = validate_file(source, fmt=fmt, defaults=defaults, on_request=count, split=limits)
    if not first.ok:
        raise ValidationFailed(first)
    if not options.apply and counter.shared(options.share) == 0:
        return PreparedParts(first, str(Path(source).resolve())), None  # nothing to suggest: one pass was enough
    cacher = AutoCacher(counter, options.share)
    estimate = SavingEstimate(at=datetime.now(UTC))

    def mark(params: dict[str, Any]) -> dict[str, Any]:
        marking = cacher.mark(params)
        estimate.add(marking)
        return marking.params if options.apply else params

    prepared = prepare_parts(
        source, spool_dir, limits, fmt=fmt, defaults=defaults, on_progress=on_progress,
        keep_metadata=keep_metadata, transform=mark,
    )  # fmt: skip
    if prepared.report.sha256 != first.sha256:
        prepared.discard()
        raise UsageError(f"{source} changed while it was being read; nothing was submitted. Submit it again.")
    return prepared, AutoCacheSummary(options.apply, cacher.share, estimate, first.estimated_cost_usd)
