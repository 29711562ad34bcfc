"""File-level problems, report figures, error capping and the strict re-read for submission."""

from __future__ import annotations

import builtins
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest

from batchtui.core.cost import estimate_request_cost
from batchtui.core.inputs import (
    InvalidInputFile,
    SourceRequest,
    iter_valid_requests,
    validate_file,
)
from batchtui.core.inputs import validate as validate_mod

DATA = Path(__file__).parent / "data" / "inputs"


def _line(cid: str, **over: Any) -> str:
    params = {"model": "claude-sonnet-4-5", "max_tokens": 100, "messages": [{"role": "user", "content": "Hi"}]}
    params.update(over)
    return json.dumps({"custom_id": cid, "params": params})


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_missing_file(tmp_path: Path) -> None:
    report = validate_file(tmp_path / "nope.jsonl")
    assert [(e.line, e.code) for e in report.errors] == [(None, "not_found")]
    assert "no such file" in str(report.errors[0])
    assert report.request_count == 0


def test_directory(tmp_path: Path) -> None:
    report = validate_file(tmp_path)
    assert [e.code for e in report.errors] == ["not_file"]
    assert "is a directory" in report.errors[0].message


def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    report = validate_file(fifo)
    assert [e.code for e in report.errors] == ["not_file"]


def test_unreadable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path / "secret.jsonl", [_line("q1")])
    real_open = builtins.open

    def deny(file: Any, *args: Any, **kwargs: Any) -> Any:
        if str(file) == str(path):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", deny)
    report = validate_file(path)
    assert [(e.line, e.field, e.code) for e in report.errors] == [(None, None, "unreadable")]
    assert "permission denied" in report.errors[0].message


def test_report_figures(tmp_path: Path) -> None:
    lines = [_line("a"), _line("b", model="claude-haiku-4-5"), _line("c"), _line("a")]
    path = _write(tmp_path / "r.jsonl", lines)
    report = validate_file(path)
    assert report.request_count == 4
    assert report.total_bytes == path.stat().st_size
    assert report.models == {"claude-sonnet-4-5": 3, "claude-haiku-4-5": 1}
    assert report.duplicate_count == 1
    assert report.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    lows, highs = zip(*(estimate_request_cost(json.loads(x)["params"]) for x in lines), strict=True)
    assert report.estimated_cost_usd == (pytest.approx(sum(lows)), pytest.approx(sum(highs)))
    assert 0 < report.cost_low_usd < report.cost_high_usd


def test_body_bytes_match_what_the_sdk_sends() -> None:
    from anthropic._utils._json import openapi_dumps

    path = DATA / "valid.jsonl"
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    report = validate_file(path)
    assert report.body_bytes == len(openapi_dumps({"requests": items}))


def test_body_bytes_count_non_ascii_as_utf8(tmp_path: Path) -> None:
    from anthropic._utils._json import openapi_dumps

    path = _write(tmp_path / "u.jsonl", [_line("q1", system="Grüße 日本"), _line("q2")])
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert validate_file(path).body_bytes == len(openapi_dumps({"requests": items}))


def test_max_errors_caps_list_but_keeps_counting(tmp_path: Path) -> None:
    path = _write(tmp_path / "bad.jsonl", [_line(f"q{i}", max_tokens="x") for i in range(30)])
    report = validate_file(path, max_errors=5)
    assert len(report.errors) == 5
    assert report.errors_omitted == 25
    assert report.error_count == 30
    assert report.request_count == 30
    assert report.error_lines()[-1] == "… and 25 more errors"
    assert not report.ok


def test_file_level_errors_survive_the_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(validate_mod, "MAX_REQUESTS", 3)
    path = _write(tmp_path / "many.jsonl", [_line(f"q{i}", max_tokens="x") for i in range(5)])
    report = validate_file(path, max_errors=2)
    assert report.errors[-1].code == "too_many_requests"
    assert report.errors[-1].line == 4
    assert report.errors_omitted == 3


def test_body_over_limit_names_the_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path / "big.jsonl", [_line(f"q{i}", system="x" * 1000) for i in range(10)])
    one = validate_file(path).body_bytes // 10
    monkeypatch.setattr(validate_mod, "MAX_BODY_BYTES", one * 4)
    report = validate_file(path)
    assert [(e.line, e.field, e.code) for e in report.errors] == [(4, None, "too_large")]
    assert "the API rejects bodies over" in report.errors[0].message
    assert "split" in report.errors[0].hint


def test_line_too_long_is_skipped_not_loaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from batchtui.core.inputs import lines

    monkeypatch.setattr(lines, "MAX_LINE_BYTES", 200)
    path = _write(tmp_path / "long.jsonl", [_line("q1"), _line("q2", system="x" * 5000), _line("q3")])
    report = validate_file(path)
    assert [(e.line, e.code) for e in report.errors] == [(2, "line_too_long")]
    assert report.request_count == 3
    assert report.models == {"claude-sonnet-4-5": 2}


def test_unknown_format_is_a_clear_error(tmp_path: Path) -> None:
    path = _write(tmp_path / "r.jsonl", [_line("q1")])
    with pytest.raises(ValueError, match="unknown input format 'xml'"):
        validate_file(path, fmt="xml")


def test_iter_valid_requests_yields_in_order() -> None:
    out = list(iter_valid_requests(DATA / "valid_crlf_bom_blank_lines.jsonl"))
    assert [(r.line, r.custom_id) for r in out] == [(1, "q1"), (4, "q2")]
    assert all(isinstance(r, SourceRequest) for r in out)
    assert out[0].to_item() == {"custom_id": "q1", "params": out[0].params}


def test_iter_valid_requests_raises_on_invalid_file() -> None:
    gen = iter_valid_requests(DATA / "duplicate_custom_id.jsonl")
    assert [r.custom_id for r in (next(gen), next(gen), next(gen))] == ["q1", "q2", "q3"]
    with pytest.raises(InvalidInputFile) as info:
        next(gen)
    assert info.value.error.code == "custom_id_duplicate"
    assert info.value.error.line == 4


def test_iter_valid_requests_raises_on_file_level_problem(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputFile, match="is empty"):
        list(iter_valid_requests(DATA / "empty.jsonl"))
    with pytest.raises(InvalidInputFile, match="no such file"):
        list(iter_valid_requests(tmp_path / "gone.jsonl"))


def test_iter_valid_requests_notices_a_changed_file(tmp_path: Path) -> None:
    path = _write(tmp_path / "r.jsonl", [_line("q1"), _line("q2")])
    report = validate_file(path)
    assert len(list(iter_valid_requests(path, expected_sha256=report.sha256))) == 2
    _write(path, [_line("q1"), _line("q2-renamed")])  # still valid, but not what was validated
    with pytest.raises(InvalidInputFile, match="changed since it was validated"):
        list(iter_valid_requests(path, expected_sha256=report.sha256))


def test_iter_valid_requests_raises_when_file_became_invalid(tmp_path: Path) -> None:
    path = _write(tmp_path / "r.jsonl", [_line("q1"), _line("q2")])
    assert validate_file(path).ok
    _write(path, [_line("q1"), _line("q2", max_tokens=-5)])
    with pytest.raises(InvalidInputFile) as info:
        list(iter_valid_requests(path))
    assert (info.value.error.line, info.value.error.field) == (2, "params.max_tokens")


def test_iter_valid_requests_ignores_warnings() -> None:
    assert len(list(iter_valid_requests(DATA / "warnings_only.jsonl"))) == 4


def test_hostile_values_in_messages_are_neutralised(tmp_path: Path) -> None:
    path = _write(tmp_path / "h.jsonl", [_line("q\x1b[2J\u202e", model="evil\x1b]52;c;x\x07")])
    report = validate_file(path)
    text = "\n".join(report.error_lines() + report.warning_lines())
    assert "\x1b" not in text and "\u202e" not in text and "\x07" not in text
    assert report.warnings[0].code == "unknown_model"


def test_deeply_nested_json_is_an_error_not_a_crash(tmp_path: Path) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    path = _write(tmp_path / "deep.jsonl", [deep, _line("q2")])
    report = validate_file(path)
    assert [(e.line, e.code) for e in report.errors] == [(1, "json")]
    assert "nested too deeply" in report.errors[0].message
    assert report.request_count == 2


def test_huge_values_are_not_echoed_in_messages(tmp_path: Path) -> None:
    path = _write(tmp_path / "huge.jsonl", [_line("q1", max_tokens=["x" * 100_000]), _line("q2", model="m" * 100_000)])
    report = validate_file(path)
    assert report.errors[0].message == "must be a non-negative integer (got […])"
    assert all(len(str(e)) < 400 for e in report.errors + report.warnings)
    assert report.warnings[0].code == "unknown_model"
    assert sorted(len(m) for m in report.models) == [17, 129]  # the long one under a bounded key
