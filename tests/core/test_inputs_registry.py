"""Formats: detection by extension, and a new reader plugging into the common validator."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import pytest

from batchtui.core.inputs import (
    READERS,
    InputError,
    ReaderSpec,
    ReadItem,
    RequestDefaults,
    SourceRequest,
    detect_format,
    reader_for,
    register_reader,
    validate_file,
)
from batchtui.core.inputs.lines import TextLine, iter_text_lines


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("requests.jsonl", "jsonl"),
        ("REQUESTS.JSONL", "jsonl"),
        ("r.ndjson", "jsonl"),
        ("r.jsonlines", "jsonl"),
        ("requests.txt", "txt"),
        ("requests.json", "json"),
        ("requests.csv", "csv"),
        ("requests.TSV", "csv"),
        ("no_extension", "jsonl"),  # by name alone; validate_file also reads the content
        ("dir.jsonl/requests", "jsonl"),
    ],
)
def test_detect_format(name: str, fmt: str) -> None:
    assert detect_format(name) == fmt
    assert detect_format(Path(name)) == fmt


def test_reader_for_unknown() -> None:
    with pytest.raises(ValueError, match="known formats: csv, json, jsonl, txt"):
        reader_for("yaml")


def _read_prompts(stream: BinaryIO, *, file: str, defaults: RequestDefaults) -> Iterator[ReadItem]:
    """A one-prompt-per-line reader, as a later issue will add: defaults fill in model, max_tokens and system."""
    for item in iter_text_lines(stream, file=file):
        if isinstance(item, InputError):
            yield item
            continue
        line: TextLine = item
        if not line.text.strip():
            continue
        params: dict = {"messages": [{"role": "user", "content": line.text}]}
        if defaults.model is not None:
            params["model"] = defaults.model
        if defaults.max_tokens is not None:
            params["max_tokens"] = defaults.max_tokens
        if defaults.system is not None:
            params["system"] = defaults.system
        yield SourceRequest(line.number, f"line-{line.number}", params)


@pytest.fixture
def prompts_format() -> Iterator[str]:
    register_reader(ReaderSpec("prompts", (".prompts.txt",), _read_prompts, "One prompt per line"))
    try:
        yield "prompts"
    finally:
        READERS.pop("prompts")


def test_new_reader_gets_common_validation(prompts_format: str, tmp_path: Path) -> None:
    path = tmp_path / "questions.prompts.txt"
    path.write_text("What is 2+2?\n\nName a colour.\n", encoding="utf-8")
    assert detect_format(path) == prompts_format
    assert detect_format(tmp_path / "other.txt") == "txt"  # the longest matching extension decides

    report = validate_file(path)  # no defaults: model and max_tokens are missing on every line
    assert [(e.line, e.field) for e in report.errors] == [
        (1, "params.model"),
        (1, "params.max_tokens"),
        (3, "params.model"),
        (3, "params.max_tokens"),
    ]

    defaults = RequestDefaults(model="claude-haiku-4-5", max_tokens=64, system="Answer briefly.")
    report = validate_file(path, defaults=defaults)
    assert report.ok
    assert report.request_count == 2
    assert report.models == {"claude-haiku-4-5": 2}
    assert report.cost_high_usd > 0


def test_explicit_format_overrides_extension(prompts_format: str, tmp_path: Path) -> None:
    path = tmp_path / "questions.jsonl"
    path.write_text("hello\n", encoding="utf-8")
    assert validate_file(path).errors[0].code == "json"
    defaults = RequestDefaults(model="claude-haiku-4-5", max_tokens=64)
    assert validate_file(path, fmt=prompts_format, defaults=defaults).ok
