"""Reading and validating batch input files (JSONL, JSON, CSV, plain text), streamed so a 250 MB file never sits
in memory.

report = validate_file("requests.jsonl")
if report.ok:
    requests = list(iter_valid_requests("requests.jsonl", expected_sha256=report.sha256))
"""

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
