"""The hostile corpus (tests/core/hostile_corpus.py) through the validator: every file refused for its one problem,
at its line and field; the other side of each limit accepted."""

from __future__ import annotations

from pathlib import Path

import pytest

import batchtui.core.inputs.validate as validate_module
from batchtui.core.inputs import validate_file
from batchtui.core.inputs.validate import validate_requests
from tests.core.hostile_corpus import EDGE_VALID, Case, cases, item, line, write_corpus

CASES = {c.name: c for c in cases()}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    write_corpus(folder)
    return folder


def test_the_corpus_is_large_and_every_file_is_distinct() -> None:
    assert len(CASES) >= 100
    assert len({c.data for c in CASES.values()}) == len(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_file_is_refused_for_its_one_problem(corpus: Path, name: str) -> None:
    case: Case = CASES[name]
    report = validate_file(corpus / name)
    assert not report.ok
    assert [(e.line, e.field) for e in report.errors] == [(case.line, case.field)], report.error_lines()
    error = report.errors[0]
    assert error.message and error.hint, "every error says what is wrong and what to do"
    where = name if case.line is None else f"{name}:{case.line}:"
    assert where in report.error_lines()[0]


@pytest.mark.parametrize("name", [name for name, _ in EDGE_VALID])
def test_the_other_side_of_each_limit_is_accepted(name: str) -> None:
    request = dict(EDGE_VALID)[name]
    report = validate_requests([request])
    assert report.ok, report.error_lines()


@pytest.mark.parametrize("over", [0, 1])
def test_the_body_size_limit_at_plus_minus_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, over: int) -> None:
    """The 256 MB create limit, checked cheaply: the limit is lowered to the body of a small file (then one byte
    less), and the file is accepted at it, refused one byte over it."""
    path = tmp_path / "edge.jsonl"
    path.write_bytes(b"".join(line(item(f"r{i}")) for i in range(50)))
    body = validate_file(path).body_bytes
    monkeypatch.setattr(validate_module, "MAX_BODY_BYTES", body - over)
    report = validate_file(path)
    assert report.ok is (over == 0), report.error_lines()
    if over:
        assert [e.code for e in report.errors] == ["too_large"]
