"""Property tests for the readers: any list of prompts written as plain text, CSV or JSON reads back to exactly those
prompts with valid, unique, stable custom_ids; arbitrary bytes or JSON never crash a reader, only give InputErrors."""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from batchtui.core.inputs import READERS, InputError, RejectedRequest, RequestDefaults, SourceRequest, validate_file
from batchtui.core.inputs.custom_ids import CUSTOM_ID_PATTERN, GENERATED_PATTERN
from batchtui.core.inputs.records import ReadWarning
from batchtui.core.inputs.validate import iter_valid_requests

DEFAULTS = RequestDefaults(model="claude-haiku-4-5", max_tokens=32)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text a file can carry: no lone surrogates (not UTF-8) and no NUL (binary). Plain text is one line per prompt, so
# no line breaks there; CSV turns a CR inside a cell into a line ending, so none there either.
_chars = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
prompt_text = st.text(_chars, min_size=1, max_size=40).filter(lambda s: s.strip() != "")
line_prompt = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00\r\n"), min_size=1, max_size=40)
line_prompt = line_prompt.filter(lambda s: s.strip() != "")
given_id = st.from_regex(r"[a-zA-Z0-9_-]{1,20}", fullmatch=True).filter(
    lambda s: not re.fullmatch(GENERATED_PATTERN, s)
)


def _round_trip(name: str, content: bytes, fmt: str) -> list[SourceRequest]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        report = validate_file(path, defaults=DEFAULTS, fmt=fmt)
        assert report.ok, report.error_lines()[:3]
        reqs = list(iter_valid_requests(path, defaults=DEFAULTS, fmt=fmt, expected_sha256=report.sha256))
        again = list(iter_valid_requests(path, defaults=DEFAULTS, fmt=fmt))
    assert [r.custom_id for r in again] == [r.custom_id for r in reqs]  # stable across runs
    ids = [r.custom_id for r in reqs]
    assert all(re.fullmatch(CUSTOM_ID_PATTERN, cid) for cid in ids)
    assert len(set(ids)) == len(ids)
    return reqs


def _unique_ids(rows: list[tuple[str, str | None]]) -> list[tuple[str, str | None]]:
    """Given ids must be unique: a repeated one becomes None (generated)."""
    seen: set[str] = set()
    out = []
    for prompt, cid in rows:
        out.append((prompt, cid if cid is not None and cid not in seen else None))
        if cid is not None:
            seen.add(cid)
    return out


def _prompts(reqs: list[SourceRequest]) -> list[str]:
    return [r.params["messages"][0]["content"] for r in reqs]


@SETTINGS
@given(st.lists(line_prompt, min_size=1, max_size=20))
def test_text_round_trip(prompts: list[str]) -> None:
    content = "".join(p + "\n" for p in prompts).encode("utf-8")
    reqs = _round_trip("p.txt", content, "txt")
    assert _prompts(reqs) == prompts
    assert all(r.generated for r in reqs)


@SETTINGS
@given(st.lists(st.tuples(prompt_text, st.one_of(st.none(), given_id)), min_size=1, max_size=20), st.booleans())
def test_csv_round_trip(rows: list[tuple[str, str | None]], crlf: bool) -> None:
    rows = _unique_ids([(p.replace("\r", " "), i) for p, i in rows])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n" if crlf else "\n")
    writer.writerow(["id", "prompt", "note"])
    writer.writerows([(i or "", p, f"n{k}") for k, (p, i) in enumerate(rows)])
    reqs = _round_trip("p.csv", out.getvalue().encode("utf-8"), "csv")
    assert _prompts(reqs) == [p for p, _ in rows]
    assert [r.custom_id for r, (_, i) in zip(reqs, rows, strict=True) if i] == [i for _, i in rows if i]
    assert [r.metadata for r in reqs] == [{"note": f"n{k}"} for k in range(len(rows))]


@SETTINGS
@given(st.lists(st.tuples(prompt_text, st.one_of(st.none(), given_id)), min_size=1, max_size=20), st.booleans())
def test_json_round_trip(rows: list[tuple[str, str | None]], pretty: bool) -> None:
    rows = _unique_ids(rows)
    items = [{"content": p, **({"id": i} if i else {})} for p, i in rows]
    reqs = _round_trip("p.json", json.dumps(items, indent=2 if pretty else None).encode("utf-8"), "json")
    assert _prompts(reqs) == [p for p, _ in rows]
    assert [r.item for r in reqs] == list(range(1, len(rows) + 1))


def _read_all(fmt: str, data: bytes) -> list[object]:
    return list(READERS[fmt].read(io.BytesIO(data), file="f", defaults=DEFAULTS))


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=300), st.sampled_from(sorted(READERS)))
def test_arbitrary_bytes_never_crash_a_reader(data: bytes, fmt: str) -> None:
    for item in _read_all(fmt, data):
        assert isinstance(item, InputError | SourceRequest | RejectedRequest | ReadWarning)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(_chars, max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(_chars, max_size=8), inner, max_size=4),
    max_leaves=12,
)
_keys = st.sampled_from(["id", "custom_id", "prompt", "content", "model", "max_tokens", "temperature", "params", "x"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(_json, st.dictionaries(_keys, _json, max_size=5)), max_size=6))
def test_arbitrary_json_items_give_requests_or_errors(items: list[object]) -> None:
    text = json.dumps(items).encode("utf-8")
    for fmt, data in (("json", text), ("jsonl", b"\n".join(json.dumps(x).encode() for x in items))):
        for item in _read_all(fmt, data):
            assert isinstance(item, InputError | SourceRequest | RejectedRequest | ReadWarning)
            if isinstance(item, InputError):
                assert item.message and item.hint


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=200), st.sampled_from(["f.json", "f.csv", "f.txt", "f.jsonl", "f"]))
def test_arbitrary_files_validate_to_a_report(data: bytes, name: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        report = validate_file(path, defaults=DEFAULTS)
    assert report.ok or report.errors
    assert all(isinstance(e, InputError) and e.hint for e in report.errors)
