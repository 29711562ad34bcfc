"""The bad-input corpus of the CSV, JSON and plain-text formats (and of files that are none of them): every file
gives exactly the expected problems, at the right line, item and field, each saying what to do."""

from __future__ import annotations

from pathlib import Path

import pytest

from batchtui.core.inputs import RequestDefaults, validate_file

DATA = Path(__file__).parent / "data" / "inputs"
DEFAULTS = RequestDefaults(model="claude-haiku-4-5", max_tokens=64)  # so only the problem under test shows

# file -> (format, [(line, item, field, code), ...]) in report order: exactly these errors, nothing else.
EXPECTED: dict[str, tuple[str, list[tuple[int | None, int | None, str | None, str]]]] = {
    "csv_no_prompt_column.csv": ("csv", [(1, None, None, "csv_no_prompt")]),
    "csv_bad_max_tokens.csv": ("csv", [(n, None, "max_tokens", "max_tokens") for n in (2, 3, 4)]),
    "csv_bad_temperature.csv": (
        "csv",
        [(2, None, "temperature", "temperature"), (3, None, "temperature", "temperature")],
    ),
    "csv_cells_mismatch.csv": ("csv", [(2, None, None, "csv_cells"), (3, None, None, "csv_cells")]),
    "csv_unclosed_quote.csv": ("csv", [(3, None, None, "csv")]),
    "csv_duplicate_columns.csv": ("csv", [(1, None, None, "csv_header")]),
    "csv_empty_prompt.csv": ("csv", [(2, None, "prompt", "prompt_empty"), (3, None, "prompt", "prompt_empty")]),
    "csv_bad_ids.csv": (
        "csv",
        [
            (2, None, "custom_id", "custom_id_reserved"),
            (3, None, "custom_id", "custom_id_chars"),
            (5, None, "custom_id", "custom_id_duplicate"),
        ],
    ),
    "csv_header_only.csv": ("csv", [(None, None, None, "empty")]),
    "csv_invalid_utf8.csv": ("csv", [(3, None, None, "encoding")]),
    "gzipped.csv": ("unknown", [(None, None, None, "binary")]),
    "json_trailing_comma.json": ("json", [(4, None, None, "json")]),
    "json_truncated.json": ("json", [(4, None, None, "json")]),
    "json_single_object.json": ("json", [(2, None, None, "json_shape")]),
    "json_nan.json": ("json", [(2, None, None, "json")]),
    "json_bad_items.json": (
        "json",
        [
            (2, 1, None, "not_object"),
            (3, 2, None, "not_object"),
            (4, 3, None, "not_object"),
            (5, 4, "content", "prompt"),
            (8, 5, "custom_id", "custom_id_type"),
            (12, 6, None, "simple_fields"),
            (16, 7, "temperature", "temperature"),
            (16, 7, "prompt", "prompt_empty"),
        ],
    ),
    "mixed_formats.txt": ("jsonl", [(2, None, None, "json")]),  # read as JSONL: its first line is a JSON object
    "mixed_formats.json": ("json", [(2, None, None, "json")]),  # an array, then a JSONL line
    "binary_nul.txt": ("unknown", [(None, None, None, "binary")]),
    "unrecognised.dat": ("unknown", [(None, None, None, "unrecognised")]),
    "valid.csv": ("csv", []),
    "valid.json": ("json", []),
    "valid.txt": ("txt", []),
}


def test_every_fixture_is_covered() -> None:
    names = {p.name for p in DATA.iterdir() if p.suffix != ".jsonl" and not p.name.startswith(".")}
    assert names == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_errors(name: str) -> None:
    path = DATA / name
    report = validate_file(path, defaults=DEFAULTS)
    fmt, expected = EXPECTED[name]
    assert report.format == fmt
    assert [(e.line, e.item, e.field, e.code) for e in report.errors] == expected
    assert report.ok is (not expected)
    for e in report.errors:
        assert e.file == str(path)
        assert e.message and e.hint, e  # every error says what to do
        where = f"{path}:{e.line}: " if e.line is not None else f"{path}: "
        if e.item is not None:
            where += f"item {e.item}: "
        assert str(e).startswith(where + (f"{e.field}: " if e.field else ""))


def first(name: str) -> str:
    return str(validate_file(DATA / name, defaults=DEFAULTS).errors[0])


def test_a_csv_without_a_prompt_column_lists_what_it_has_and_what_it_needs() -> None:
    message = first("csv_no_prompt_column.csv")
    assert '"question", "model", "notes"' in message
    assert 'name the column with the text to send "prompt" (or "content")' in message
    assert "--format txt" in message  # for a file with no header row at all


def test_bad_max_tokens_in_csv_names_file_line_and_column() -> None:
    assert first("csv_bad_max_tokens.csv").startswith(f"{DATA / 'csv_bad_max_tokens.csv'}:2: max_tokens: ")
    errors = validate_file(DATA / "csv_bad_max_tokens.csv", defaults=DEFAULTS).errors
    assert errors[1].hint == "write it without a decimal point: 1024"


def test_unrecognised_and_binary_files_name_every_supported_format() -> None:
    for name in ("unrecognised.dat", "binary_nul.txt", "gzipped.csv"):
        message = first(name)
        for fmt in ("JSONL (.jsonl", "JSON (.json)", "CSV (.csv, .tsv)", "plain text (.txt)"):
            assert fmt in message, (name, message)
    assert "gzip" in first("gzipped.csv")
    assert "--format" in first("unrecognised.dat")


def test_generated_looking_ids_are_refused_with_a_fix() -> None:
    message = first("csv_bad_ids.csv")
    assert '"row-3-0123abcd" has the form of a generated id' in message
    assert 'drop the "row-" prefix' in message


def test_plain_text_in_a_jsonl_file_suggests_the_text_format() -> None:
    assert "--format txt" in first("mixed_formats.txt")


def test_a_json_syntax_error_ends_the_reading_after_checking_what_came_before(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('[\n  {"prompt": "a", "max_tokens": -1},\n  {"prompt": b},\n  {"prompt": "c"}\n]\n')
    report = validate_file(path, defaults=DEFAULTS)
    assert [(e.line, e.code) for e in report.errors] == [(2, "max_tokens"), (3, "json")]
    assert report.request_count == 1  # "c" is never reached: JSON cannot resynchronise
    assert report.sha256 is None  # not read to the end


def test_a_stray_carriage_return_is_named_plainly(tmp_path: Path) -> None:
    path = tmp_path / "cr.csv"
    path.write_bytes(b"prompt,team\nok,a\nbad\rcell,b\nok,c\n")
    report = validate_file(path, defaults=DEFAULTS)
    assert [(e.line, e.code) for e in report.errors] == [(3, "csv")]
    assert "carriage return (CR) inside a cell that is not quoted" in report.errors[0].message
    assert report.request_count == 3  # the rows after it are still read

    path.write_bytes(b"pro\rmpt,team\nok,a\n")  # in the header: nothing can be read
    report = validate_file(path, defaults=DEFAULTS, fmt="csv")
    assert [(e.line, e.code) for e in report.errors] == [(1, "csv")] and report.request_count == 0
