"""Spooling a file in parts in the validator's single pass: the spools on disk hold every request once, in file
order, each a valid create body within both limits; a file that fits in one part spools exactly as before."""

from __future__ import annotations

import hashlib
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from batchtui.core.inputs import RequestDefaults, SplitLimits
from batchtui.core.inputs.split import BODY_HEAD, BODY_TAIL
from batchtui.service.split import prepare_parts
from batchtui.service.spool import spooled_metadata, spooled_requests
from batchtui.service.submit import ValidationFailed, prepare

prompts_st = st.lists(
    st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=80).filter(str.strip),
    min_size=1,
    max_size=30,
)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
DEFAULTS = RequestDefaults(model="claude-haiku-4-5", max_tokens=16)
FRAME = len(BODY_HEAD) + len(BODY_TAIL)


def _write(path: Path, prompts: list[str]) -> Path:
    with path.open("w", encoding="utf-8") as f:
        for i, p in enumerate(prompts):
            f.write(json.dumps({"custom_id": f"q-{i}", "params": {"messages": [{"role": "user", "content": p}]}}))
            f.write("\n")
    return path


@SETTINGS
@given(prompts_st, st.integers(1, 5), st.integers(0, 500))
def test_spooled_parts_hold_every_request_once_in_order(prompts: list[str], max_requests: int, slack: int) -> None:
    limits = SplitLimits(max_requests=max_requests, max_body_bytes=FRAME + 400 + slack)
    with tempfile.TemporaryDirectory() as folder:
        source = _write(Path(folder) / "r.jsonl", prompts)
        spools = Path(folder) / "spool"
        try:
            prepared = prepare_parts(source, spools, limits, defaults=DEFAULTS)
        except ValidationFailed as exc:  # only a prompt too big for a part of its own may fail
            assert {e.code for e in exc.report.errors} == {"request_too_large"}
            assert not list(spools.iterdir())  # nothing kept
            return
        got = []
        for part in prepared.parts:
            body = part.spool.read_bytes()  # type: ignore[union-attr]
            assert len(body) == part.body_bytes <= limits.max_body_bytes
            assert hashlib.sha256(body).hexdigest() == part.digest
            requests = json.loads(body)["requests"]  # a valid create body
            assert 1 <= len(requests) == part.request_count <= max_requests
            got.extend(r["params"]["messages"][0]["content"] for r in requests)
            assert [c for c, _ in spooled_requests(part.spool)] == [r["custom_id"] for r in requests]  # type: ignore[arg-type]
        assert got == prompts
        assert len(prepared.parts) == len(prepared.report.parts)
        prepared.discard()
        assert not list(spools.iterdir())


def test_a_file_within_the_limits_spools_exactly_as_prepare_does(tmp_path: Path) -> None:
    source = _write(tmp_path / "r.jsonl", [f"prompt {i}" for i in range(5)])
    parts = prepare_parts(source, tmp_path / "a", SplitLimits(), defaults=DEFAULTS)
    single = prepare(source, tmp_path / "b", defaults=DEFAULTS)
    assert not parts.split and len(parts.parts) == 1
    assert parts.parts[0].digest == single.digest
    assert parts.parts[0].spool.read_bytes() == single.spool.read_bytes()  # type: ignore[union-attr]


def test_each_part_keeps_the_metadata_of_its_own_requests(tmp_path: Path) -> None:
    source = tmp_path / "rows.csv"
    source.write_text("id,prompt,team\n" + "".join(f"r{i},hello {i},t{i}\n" for i in range(5)))
    prepared = prepare_parts(source, tmp_path / "spool", SplitLimits(max_requests=2), defaults=DEFAULTS,
                             keep_metadata=True)  # fmt: skip
    per_part = [[(c, json.loads(m)["team"]) for c, m in spooled_metadata(p.metadata)] for p in prepared.parts]
    assert per_part == [[("r0", "t0"), ("r1", "t1")], [("r2", "t2"), ("r3", "t3")], [("r4", "t4")]]
    prepared.discard()


def test_the_group_digest_names_the_plan(tmp_path: Path) -> None:
    source = _write(tmp_path / "r.jsonl", [f"prompt {i}" for i in range(6)])
    a = prepare_parts(source, tmp_path / "s", SplitLimits(max_requests=2), defaults=DEFAULTS)
    b = prepare_parts(source, tmp_path / "s", SplitLimits(max_requests=2), defaults=DEFAULTS)
    c = prepare_parts(source, tmp_path / "s", SplitLimits(max_requests=3), defaults=DEFAULTS)
    assert a.digest == b.digest  # the same file split the same way: the same group
    assert a.digest != c.digest  # split another way: another plan
    for p in (a, b, c):
        p.discard()


def test_an_invalid_file_keeps_no_spool(tmp_path: Path) -> None:
    source = _write(tmp_path / "r.jsonl", ["fine", "also fine"])
    with source.open("a") as f:
        f.write('{"custom_id": "q-0", "params": {}}\n')  # a duplicate id, after parts were spooled
    spools = tmp_path / "spool"
    with pytest.raises(ValidationFailed):
        prepare_parts(source, spools, SplitLimits(max_requests=1), defaults=DEFAULTS)
    assert not list(spools.iterdir())
