"""The outcome of validating an input file, and the bounded collector that builds its error lists."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace

from batchtui.core.fmt import count
from batchtui.core.inputs.records import InputError
from batchtui.core.inputs.split import PartPlan


@dataclass
class ValidationReport:
    """Everything the CLI and TUI show before submitting a file. Sizes in bytes; costs in USD at batch rates."""

    file: str
    format: str
    request_count: int = 0  # every request item seen, valid or not
    total_bytes: int = 0  # size of the file
    body_bytes: int = 0  # estimated size of the create request's JSON body (valid requests only)
    models: Counter[str] = field(default_factory=Counter)
    duplicate_count: int = 0
    cost_low_usd: float = 0.0
    cost_high_usd: float = 0.0
    unpriced_requests: int = 0  # requests whose model has no known price: not in the cost figures
    generated_ids: int = 0  # requests whose custom_id was made up (simple formats: row-N-xxxxxxxx)
    errors: list[InputError] = field(default_factory=list)
    warnings: list[InputError] = field(default_factory=list)
    errors_omitted: int = 0  # errors past max_errors: counted, not kept
    warnings_omitted: int = 0
    sha256: str | None = None  # of the file's bytes, to notice it changing between validation and submission
    parts: list[PartPlan] = field(default_factory=list)  # validated with splitting: the parts it is sent as

    @property
    def ok(self) -> bool:
        """True when the file can be submitted (warnings allowed)."""
        return not self.errors and not self.errors_omitted

    @property
    def error_count(self) -> int:
        return len(self.errors) + self.errors_omitted

    @property
    def estimated_cost_usd(self) -> tuple[float, float]:
        return (self.cost_low_usd, self.cost_high_usd)

    def error_lines(self) -> list[str]:
        """Each error as one line, ending with '… and N more errors' when some were not kept."""
        out = [str(e) for e in self.errors]
        if self.errors_omitted:
            noun = "error" if self.errors_omitted == 1 else "errors"
            out.append(f"… and {count(self.errors_omitted)} more {noun}")
        return out

    def warning_lines(self) -> list[str]:
        out = [str(w) for w in self.warnings]
        if self.warnings_omitted:
            noun = "warning" if self.warnings_omitted == 1 else "warnings"
            out.append(f"… and {count(self.warnings_omitted)} more {noun}")
        return out


class Collector:
    """Keeps the first `max_errors` errors and counts the rest. Warnings repeat across thousands of lines (the same
    unknown model on every line), so identical ones are merged into one entry with a count and the first line."""

    def __init__(self, max_errors: int) -> None:
        self.max_errors = max_errors
        self.errors: list[InputError] = []
        self.errors_omitted = 0
        self._warnings: dict[tuple[str, str | None, str], list] = {}  # key -> [first InputError, occurrences]
        self.warnings_omitted = 0

    def error(self, e: InputError) -> None:
        if len(self.errors) < self.max_errors:
            self.errors.append(e)
        else:
            self.errors_omitted += 1

    def file_error(self, e: InputError) -> None:
        """A verdict on the whole file (too many requests, too big): always kept, past the cap too."""
        self.errors.append(e)

    def warn(self, w: InputError) -> None:
        key = (w.code, w.field, w.message)
        if key in self._warnings:
            self._warnings[key][1] += 1
        elif len(self._warnings) < self.max_errors:
            self._warnings[key] = [w, 1]
        else:
            self.warnings_omitted += 1

    def warnings(self) -> list[InputError]:
        out = []
        for first, n in self._warnings.values():
            if n > 1:
                first = replace(first, message=f"{first.message} ({count(n)} requests, first on line {first.line})")
            out.append(first)
        return out
