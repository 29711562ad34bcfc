"""Reading and validating batch input files (JSONL, JSON, CSV, plain text), streamed so a 250 MB file never sits
in memory.

report = validate_file("requests.jsonl")
if report.ok:
    requests = list(iter_valid_requests("requests.jsonl", expected_sha256=report.sha256))

The names below are loaded on first use (PEP 562): importing one submodule (`core.inputs.offload`, `.split`) or
one light name (`SplitLimits`) does not import every reader, so a command that reads no input file starts sooner.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the same names, for type checkers and editors
    from batchtui.core.inputs.canonical import canonical_params_json, params_hash
    from batchtui.core.inputs.custom_ids import CUSTOM_ID_PATTERN
    from batchtui.core.inputs.detect import detect_format_of
    from batchtui.core.inputs.params import is_known_model
    from batchtui.core.inputs.records import (
        InputError,
        ReadItem,
        ReadWarning,
        RejectedRequest,
        RequestDefaults,
        SourceRequest,
    )
    from batchtui.core.inputs.registry import (
        READERS,
        ReaderSpec,
        detect_format,
        reader_for,
        register_reader,
        supported_formats,
    )
    from batchtui.core.inputs.report import ValidationReport
    from batchtui.core.inputs.split import PART_BODY_BYTES, PartPlan, SplitLimits, Splitter
    from batchtui.core.inputs.validate import (
        MAX_BODY_BYTES,
        MAX_REQUESTS,
        InvalidInputFile,
        iter_valid_requests,
        validate_file,
    )

# Each public name -> the submodule that defines it.
_SOURCES = {
    "canonical": ("canonical_params_json", "params_hash"),
    "custom_ids": ("CUSTOM_ID_PATTERN",),
    "detect": ("detect_format_of",),
    "params": ("is_known_model",),
    "records": ("InputError", "ReadItem", "ReadWarning", "RejectedRequest", "RequestDefaults", "SourceRequest"),
    "registry": ("READERS", "ReaderSpec", "detect_format", "reader_for", "register_reader", "supported_formats"),
    "report": ("ValidationReport",),
    "split": ("PART_BODY_BYTES", "PartPlan", "SplitLimits", "Splitter"),
    "validate": ("MAX_BODY_BYTES", "MAX_REQUESTS", "InvalidInputFile", "iter_valid_requests", "validate_file"),
}
_LAZY = {name: module for module, names in _SOURCES.items() for name in names}

__all__ = [
    "CUSTOM_ID_PATTERN",
    "MAX_BODY_BYTES",
    "MAX_REQUESTS",
    "PART_BODY_BYTES",
    "READERS",
    "InputError",
    "InvalidInputFile",
    "PartPlan",
    "ReadItem",
    "ReadWarning",
    "ReaderSpec",
    "RejectedRequest",
    "RequestDefaults",
    "SourceRequest",
    "SplitLimits",
    "Splitter",
    "ValidationReport",
    "canonical_params_json",
    "detect_format",
    "detect_format_of",
    "is_known_model",
    "iter_valid_requests",
    "params_hash",
    "reader_for",
    "register_reader",
    "supported_formats",
    "validate_file",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:  # a submodule not imported yet (`from batchtui.core.inputs import lines`) lands here too
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # looked up once
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
