"""Each input format read through the common validator: defaults fill what a row leaves out (never what it gives),
missing custom_ids are generated (stable, valid, unique), CSV extra columns and simple JSON keys become metadata."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from batchtui.core.inputs import RequestDefaults, SourceRequest, iter_valid_requests, validate_file
from batchtui.core.inputs.custom_ids import CUSTOM_ID_PATTERN, GENERATED_PATTERN, generated_custom_id

DEFAULTS = RequestDefaults(model="claude-haiku-4-5", max_tokens=64, system="Be brief.", temperature=0.2)
MODEL = "claude-sonnet-4-5"


def read(path: Path, defaults: RequestDefaults = DEFAULTS, fmt: str | None = None) -> list[SourceRequest]:
    report = validate_file(path, defaults=defaults, fmt=fmt)
    assert report.ok, report.error_lines()
    return list(iter_valid_requests(path, defaults=defaults, fmt=fmt, expected_sha256=report.sha256))


def prompt_of(req: SourceRequest) -> str:
    return req.params["messages"][0]["content"]


def test_generated_ids_are_valid_and_derive_from_number_and_prompt() -> None:
    cid = generated_custom_id(7, "What is 2+2?")
    assert re.fullmatch(CUSTOM_ID_PATTERN, cid) and re.fullmatch(GENERATED_PATTERN, cid)
    assert cid.startswith("row-7-")
    assert cid == generated_custom_id(7, "What is 2+2?")  # stable
    assert cid != generated_custom_id(8, "What is 2+2?") != generated_custom_id(7, "What is 3+3?")
    assert len(generated_custom_id(10**12, "x")) <= 64


# -- CSV ---------------------------------------------------------------------------------------------------------


def test_csv_rows_with_defaults_ids_and_metadata(tmp_path: Path) -> None:
    path = tmp_path / "tickets.csv"
    path.write_text(
        "id,prompt,model,max_tokens,system,temperature,team,ticket\n"
        'q1,"Summarise: ""printer on fire""",,,,,ops,T-1\n'
        f",Name a colour,{MODEL},500,You are a painter.,0.9,design,T-2\n"
        ',"Two\nlines",,,,,ops,\n',
        encoding="utf-8",
    )
    reqs = read(path)
    assert [r.line for r in reqs] == [2, 3, 4]
    first, second, third = reqs
    assert first.custom_id == "q1" and not first.generated
    assert prompt_of(first) == 'Summarise: "printer on fire"'
    assert first.params["model"] == "claude-haiku-4-5" and first.params["max_tokens"] == 64  # defaults
    assert first.params["system"] == "Be brief." and first.params["temperature"] == 0.2
    # A row's own values win over every default.
    assert second.params["model"] == MODEL and second.params["max_tokens"] == 500
    assert second.params["system"] == "You are a painter." and second.params["temperature"] == 0.9
    assert second.custom_id == generated_custom_id(3, "Name a colour") and second.generated
    assert prompt_of(third) == "Two\nlines"  # a quoted cell keeps its line break
    assert [r.metadata for r in reqs] == [
        {"team": "ops", "ticket": "T-1"},
        {"team": "design", "ticket": "T-2"},
        {"team": "ops", "ticket": ""},
    ]
    assert "team" not in second.params and "ticket" not in json.dumps(second.params)  # metadata is never sent
    assert validate_file(path, defaults=DEFAULTS).generated_ids == 2


def test_csv_ids_are_stable_across_runs(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("prompt\nalpha\nbeta\nalpha\n", encoding="utf-8")
    first = [r.custom_id for r in read(path)]
    assert first == [r.custom_id for r in read(path)]
    assert len(set(first)) == 3  # the same prompt twice still gets two ids


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("tabs.tsv", "content\tmodel\nhello\tclaude-haiku-4-5\n"),
        ("semi.csv", "Prompt;Custom_ID\nhello;x1\n"),
        ("crlf_bom.csv", "\ufeffprompt,id\r\nhello,x1\r\n\r\n"),
        ("trailing_empty_rows.csv", "prompt,note\nhello,n\n,\n,\n"),
    ],
)
def test_csv_dialects(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    reqs = read(path)
    assert [prompt_of(r) for r in reqs] == ["hello"]
    assert validate_file(path, defaults=DEFAULTS).format == "csv"


def test_csv_long_cells_are_read(tmp_path: Path) -> None:
    long = "word " * 100_000  # 500 KB: over the csv module's default 128 KiB field limit
    path = tmp_path / "long.csv"
    path.write_text(f'prompt\n"{long}"\n', encoding="utf-8")
    assert prompt_of(read(path)[0]) == long


# -- plain text --------------------------------------------------------------------------------------------------


def test_text_one_prompt_per_non_empty_line(tmp_path: Path) -> None:
    path = tmp_path / "questions.txt"
    path.write_text("What is 2+2?\n\n   \nName a colour\r\n[URGENT] call back\n", encoding="utf-8")
    reqs = read(path)
    expected = [(1, "What is 2+2?"), (4, "Name a colour"), (5, "[URGENT] call back")]
    assert [(r.line, prompt_of(r)) for r in reqs] == expected
    assert [r.custom_id for r in reqs] == [generated_custom_id(n, text) for n, text in expected]
    assert all(r.params["model"] == "claude-haiku-4-5" and r.params["max_tokens"] == 64 for r in reqs)
    assert reqs[0].params["system"] == "Be brief."


def test_text_without_model_or_max_tokens_names_the_flags_once(tmp_path: Path) -> None:
    path = tmp_path / "questions.txt"
    path.write_text("one\ntwo\nthree\n", encoding="utf-8")
    report = validate_file(path, defaults=RequestDefaults(system="x"))
    assert [(e.line, e.field, e.code) for e in report.errors] == [
        (None, "model", "missing_default"),
        (None, "max_tokens", "missing_default"),
    ]
    assert "--model" in report.errors[0].hint and "--max-tokens" in report.errors[1].hint
    assert report.request_count == 3


# -- JSON --------------------------------------------------------------------------------------------------------


def _native(cid: str, **over: object) -> dict:
    params = {"model": MODEL, "max_tokens": 100, "messages": [{"role": "user", "content": cid}], **over}
    return {"custom_id": cid, "params": params}


def test_json_array_of_native_and_simple_items(tmp_path: Path) -> None:
    items = [
        _native("n1"),
        {"id": 7, "content": "Hello", "team": "ops"},
        {"prompt": "World", "model": MODEL, "metadata": {"ticket": "T-9"}},
    ]
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps(items, indent=2), encoding="utf-8")
    native, simple, generated = read(path)
    assert native.custom_id == "n1" and native.params["model"] == MODEL and native.params["max_tokens"] == 100
    assert native.params["system"] == "Be brief."  # a default fills what a native request leaves out
    assert simple.custom_id == "7" and prompt_of(simple) == "Hello" and simple.metadata == {"team": "ops"}
    assert generated.custom_id == generated_custom_id(3, "World")  # its position in the array
    assert generated.params["model"] == MODEL and generated.metadata == {"ticket": "T-9"}
    starts = [n for n, text in enumerate(path.read_text().splitlines(), 1) if text == "  {"]
    assert [r.line for r in (native, simple, generated)] == starts == [2, 15, 20]  # the line each item starts on
    assert [r.item for r in (native, simple, generated)] == [1, 2, 3]


def test_json_create_body_and_minified_array(tmp_path: Path) -> None:
    body = tmp_path / "body.json"
    body.write_text(json.dumps({"requests": [_native("a"), _native("b")]}), encoding="utf-8")
    assert [r.custom_id for r in read(body)] == ["a", "b"]
    mini = tmp_path / "mini.json"
    mini.write_text(json.dumps([_native("a"), _native("b", max_tokens=-1)]), encoding="utf-8")
    report = validate_file(mini)
    assert [(e.line, e.item, e.field) for e in report.errors] == [(1, 2, "params.max_tokens")]
    assert str(report.errors[0]).startswith(f"{mini}:1: item 2: params.max_tokens: ")


def test_native_requests_keep_their_own_params(tmp_path: Path) -> None:
    path = tmp_path / "native.jsonl"
    lines = [_native("a", system="Mine.", temperature=0.5), _native("b")]
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    a, b = read(path)
    assert a.params == lines[0]["params"]  # nothing replaced
    assert b.params == {**lines[1]["params"], "system": "Be brief.", "temperature": 0.2}
    assert read(path, RequestDefaults())[1].params == lines[1]["params"]  # no defaults: byte for byte as given


def test_jsonl_lines_may_be_simple_items(tmp_path: Path) -> None:
    path = tmp_path / "simple.jsonl"
    path.write_text('{"prompt": "hi"}\n{"id": "x", "content": "yo", "lang": "en"}\n', encoding="utf-8")
    first, second = read(path)
    assert first.custom_id == generated_custom_id(1, "hi")
    assert second.custom_id == "x" and second.metadata == {"lang": "en"}


def test_json_items_without_a_model_are_reported_once(tmp_path: Path) -> None:
    path = tmp_path / "items.json"
    path.write_text(json.dumps([{"content": "a"}, {"content": "b", "model": MODEL}, {"content": "c"}]))
    report = validate_file(path, defaults=RequestDefaults(max_tokens=10))
    assert [(e.line, e.item, e.field, e.code) for e in report.errors] == [(1, 1, "model", "missing_default")]
    assert "later ones without one are refused too" in report.errors[0].message
    assert "--model" in report.errors[0].hint
    assert report.request_count == 3 and not report.ok
