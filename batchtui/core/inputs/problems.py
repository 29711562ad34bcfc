"""Where the params checks put what they find: errors and warnings about one request, located in its file."""

from __future__ import annotations

from dataclasses import dataclass, field

from batchtui.core.inputs.records import InputError


@dataclass
class Problems:
    file: str
    line: int
    errors: list[InputError] = field(default_factory=list)
    warnings: list[InputError] = field(default_factory=list)

    def error(self, field: str, message: str, hint: str, code: str) -> None:
        self.errors.append(InputError(self.file, self.line, field, message, hint, code))

    def warn(self, field: str, message: str, hint: str, code: str) -> None:
        self.warnings.append(InputError(self.file, self.line, field, message, hint, code))
