"""Where a file too big for one batch is cut into parts: the rule, the limits, and the body layout it measures.

A part holds at most `max_requests` requests and a create body of at most `max_body_bytes`, measured exactly as
the spool writes it (`BODY_HEAD` + items joined by `BODY_SEP` + `BODY_TAIL`). Requests keep file order: a new
part starts with the request that would not fit in the current one. Nothing here reads or writes a file, so the
validator (to report the plan) and the spool writer (to cut the spools) apply the same rule to the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from batchtui.core.create_body import BODY_HEAD, BODY_SEP, BODY_TAIL

MAX_REQUESTS = 100_000  # the API's limits for one batch
MAX_BODY_BYTES = 256 * 1024 * 1024  # what the emulator enforces, and what an unsplit file is checked against

# The docs say "256 MB" and the 413 comes from Cloudflare before the API sees the request, with no documented
# threshold: read as 256 * 10^6 bytes it is 4.6 % under the 256 MiB the emulator enforces. A part stays under
# the smaller reading with room to spare (6 MB), so no part of a group is ever refused for its size.
PART_BODY_BYTES = 250_000_000


def body_size(item_sizes: list[int]) -> int:
    """The exact size of a create body holding items of these sizes."""
    return len(BODY_HEAD) + sum(item_sizes) + len(BODY_SEP) * max(0, len(item_sizes) - 1) + len(BODY_TAIL)


@dataclass(frozen=True)
class SplitLimits:
    """The most one part may hold. Tests inject small ones; the defaults are the API's, with a margin."""

    max_requests: int = MAX_REQUESTS
    max_body_bytes: int = PART_BODY_BYTES

    def __post_init__(self) -> None:
        if self.max_requests < 1 or self.max_body_bytes <= len(BODY_HEAD) + len(BODY_TAIL):
            raise ValueError(f"limits too small to hold a request: {self}")

    def fits_alone(self, item_bytes: int) -> bool:
        """A request that does not fit even in a part of its own can never be sent."""
        return body_size([item_bytes]) <= self.max_body_bytes


@dataclass
class PartPlan:
    """One part as the split decided it: its size, and where it starts and ends in the file."""

    number: int  # 1-based
    request_count: int = 0
    body_bytes: int = len(BODY_HEAD) + len(BODY_TAIL)
    first_line: int | None = None
    last_line: int | None = None
    first_custom_id: str | None = None
    last_custom_id: str | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "part": self.number,
            "request_count": self.request_count,
            "body_bytes": self.body_bytes,
            "first_line": self.first_line,
            "last_line": self.last_line,
            "first_custom_id": self.first_custom_id,
            "last_custom_id": self.last_custom_id,
        }


@dataclass
class Splitter:
    """Feed it each request's encoded size, in order; it says when a new part starts and keeps the plan. Memory:
    one small record per part, whatever the number of requests."""

    limits: SplitLimits = field(default_factory=SplitLimits)
    parts: list[PartPlan] = field(default_factory=list)

    def add(self, item_bytes: int, *, line: int | None = None, custom_id: str | None = None) -> bool:
        """Place one request; True when it starts a new part (the first request starts part 1). A request too
        big for any part (`fits_alone` is False) is a ValueError: the validator reports it first."""
        if not self.limits.fits_alone(item_bytes):
            raise ValueError(f"a request of {item_bytes} bytes does not fit in a part of {self.limits}")
        current = self.parts[-1] if self.parts else None
        new = (
            current is None
            or current.request_count + 1 > self.limits.max_requests
            or current.body_bytes + len(BODY_SEP) + item_bytes > self.limits.max_body_bytes
        )
        if new:
            current = PartPlan(len(self.parts) + 1, first_line=line, first_custom_id=custom_id)
            self.parts.append(current)
        assert current is not None
        current.body_bytes += item_bytes + (0 if current.request_count == 0 else len(BODY_SEP))
        current.request_count += 1
        current.last_line, current.last_custom_id = line, custom_id
        return new
