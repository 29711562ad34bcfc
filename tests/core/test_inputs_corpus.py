"""The bad-input corpus: every file gives exactly the expected problems, at the right line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from batchtui.core.inputs import validate_file

DATA = Path(__file__).parent / "data" / "inputs"

# file -> [(line, field, code), ...] in report order: exactly these errors, nothing else.
EXPECTED_ERRORS: dict[str, list[tuple[int | None, str | None, str]]] = {
    "malformed_json.jsonl": [(3, None, "json")],
    "trailing_comma.jsonl": [(1, None, "json")],
    "two_objects_one_line.jsonl": [(1, None, "json")],
    "nan.jsonl": [(1, None, "json")],
    "pretty_printed.jsonl": [(1, None, "not_jsonl")],
    "json_array.jsonl": [(1, None, "not_jsonl")],
    "one_line_array.jsonl": [(1, None, "not_object")],
    "not_an_object.jsonl": [(n, None, "not_object") for n in (1, 2, 3, 4)],
    "duplicate_custom_id.jsonl": [(4, "custom_id", "custom_id_duplicate"), (5, "custom_id", "custom_id_duplicate")],
    "invalid_custom_id.jsonl": [
        (2, "custom_id", "custom_id_chars"),
        (3, "custom_id", "custom_id_length"),
        (4, "custom_id", "custom_id_empty"),
        (5, "custom_id", "custom_id_chars"),
        (6, "custom_id", "custom_id_chars"),
    ],
    "custom_id_not_string.jsonl": [(1, "custom_id", "custom_id_type"), (2, "custom_id", "custom_id_type")],
    "missing_fields.jsonl": [
        (1, "custom_id", "missing"),
        (2, "params", "missing"),
        (3, "custom_id", "missing"),
        (3, "params", "missing"),
    ],
    "params_not_object.jsonl": [(1, "params", "params_type"), (2, "params", "params_type")],
    "unknown_key.jsonl": [(1, "metadata", "unknown_key"), (2, "model", "unknown_key")],
    "missing_params_fields.jsonl": [
        (1, "params.model", "missing"),
        (2, "params.max_tokens", "missing"),
        (3, "params.messages", "missing"),
    ],
    "bad_max_tokens.jsonl": [(n, "params.max_tokens", "max_tokens") for n in (1, 2, 3, 4, 5, 6)],  # 7 is 0: fine
    "bad_model.jsonl": [(1, "params.model", "model_type"), (2, "params.model", "model_type")],
    "bad_messages.jsonl": [
        (1, "params.messages", "messages_type"),
        (2, "params.messages", "messages_empty"),
        (3, "params.messages.0.role", "message_role"),
        (4, "params.messages.0.content", "message_content"),
        (5, "params.messages.0.role", "message_role"),
        (6, "params.messages.0.content", "message_content"),
        (7, "params.messages.0", "message_type"),
        (8, "params.messages.0.content.0", "content_block"),
        # line 9 ends with an empty assistant prefill: allowed
    ],
    "stream_true.jsonl": [(1, "params.stream", "stream")],
    "bad_system.jsonl": [(1, "params.system", "system_type")],
    "surrogate.jsonl": [(1, "params.messages.0.content", "surrogate")],
    "empty.jsonl": [(None, None, "empty")],
    "blank_lines_only.jsonl": [(None, None, "empty")],
    "binary_nul.jsonl": [(2, None, "binary")],
    "invalid_utf8.jsonl": [(2, None, "encoding")],
    "utf16.jsonl": [(None, None, "binary")],
    "gzipped.jsonl": [(None, None, "binary")],
    "valid.jsonl": [],
    "valid_crlf_bom_blank_lines.jsonl": [],
    "no_trailing_newline.jsonl": [],
    "warnings_only.jsonl": [],
}


def test_every_fixture_is_covered() -> None:
    assert {p.name for p in DATA.glob("*.jsonl")} == set(EXPECTED_ERRORS)


@pytest.mark.parametrize("name", sorted(EXPECTED_ERRORS))
def test_corpus_errors(name: str) -> None:
    path = DATA / name
    report = validate_file(path)
    assert [(e.line, e.field, e.code) for e in report.errors] == EXPECTED_ERRORS[name]
    assert report.ok is (not EXPECTED_ERRORS[name])
    for e in report.errors:
        assert e.file == str(path)
        assert e.message and e.hint, e  # every error says what to do
        prefix = f"{path}:{e.line}: " if e.line is not None else f"{path}: "
        assert str(e).startswith(prefix + (f"{e.field}: " if e.field else ""))
        assert f" — {e.hint}" in str(e)


def test_message_wording_names_the_problem() -> None:
    def first(name: str) -> str:
        return str(validate_file(DATA / name).errors[0])

    assert "column 61" in first("malformed_json.jsonl")
    assert 'duplicate "q2" (first used on line 2)' in first("duplicate_custom_id.jsonl")
    assert "' ' (space), '.'" in first("invalid_custom_id.jsonl")
    assert 'e.g. "has-space-and-dots"' in first("invalid_custom_id.jsonl")
    assert '(got "abc")' in first("bad_max_tokens.jsonl")
    assert "NUL byte at column 1" in first("binary_nul.jsonl")
    assert "byte 0xe1 at column 127" in first("invalid_utf8.jsonl")
    assert "UTF-16" in first("utf16.jsonl")
    assert "gzip" in first("gzipped.jsonl")
    assert "wrap the Messages fields in params" in str(validate_file(DATA / "missing_fields.jsonl").errors[3])
    assert "jq -c '.[]'" in first("json_array.jsonl")
    assert "move the system prompt to params.system" in str(validate_file(DATA / "bad_messages.jsonl").errors[2])


def test_bad_max_tokens_messages() -> None:
    errors = validate_file(DATA / "bad_max_tokens.jsonl").errors
    gots = [e.message.split("(got ")[1].rstrip(")") for e in errors]
    assert gots == ['"abc"', "-1", "1.5", "true", "1024.0", "null"]
    assert errors[4].hint == "write it without a decimal point: 1024"


def test_custom_id_tab_is_named_not_printed() -> None:
    e = validate_file(DATA / "invalid_custom_id.jsonl").errors[4]
    assert "U+0009" in e.message
    assert "\t" not in str(e)


def test_bad_lines_do_not_stop_the_scan() -> None:
    report = validate_file(DATA / "malformed_json.jsonl")
    assert report.request_count == 4
    assert report.models == {"claude-sonnet-4-5": 3}


def test_binary_stops_at_the_nul_line() -> None:
    report = validate_file(DATA / "binary_nul.jsonl")
    assert report.request_count == 1
    assert report.sha256 is None  # not read to the end


def test_invalid_utf8_line_is_skipped_and_scan_goes_on() -> None:
    report = validate_file(DATA / "invalid_utf8.jsonl")
    assert report.request_count == 3
    assert report.models["claude-sonnet-4-5"] == 2


def test_crlf_bom_and_blank_lines_are_tolerated() -> None:
    report = validate_file(DATA / "valid_crlf_bom_blank_lines.jsonl")
    assert report.ok
    assert report.request_count == 2


def test_warnings_are_separate_and_merged() -> None:
    report = validate_file(DATA / "warnings_only.jsonl")
    assert report.ok
    assert [(w.line, w.field, w.code) for w in report.warnings] == [
        (1, "params.model", "unknown_model"),
        (3, "params.temperature", "dropped_param"),
        (4, "params.max_tokens", "max_tokens_cap"),
    ]
    assert '"claude-nova-9" (2 requests, first on line 1)' in report.warnings[0].message
    assert report.unpriced_requests == 2
