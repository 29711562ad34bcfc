"""The splitter: every request in exactly one part, in file order, each part within both limits, and a new part
only when the next request truly does not fit (so no more parts than needed). Small limits keep it fast."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from batchtui.core.inputs import RequestDefaults, SplitLimits, Splitter, validate_file
from batchtui.core.inputs.split import BODY_HEAD, BODY_SEP, BODY_TAIL, PART_BODY_BYTES, body_size

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FRAME = len(BODY_HEAD) + len(BODY_TAIL)

limits_st = st.builds(SplitLimits, max_requests=st.integers(1, 8), max_body_bytes=st.integers(FRAME + 1, FRAME + 400))


@SETTINGS
@given(limits_st, st.lists(st.integers(1, 300), max_size=80))
def test_parts_cover_every_request_once_in_order_within_both_limits(limits: SplitLimits, sizes: list[int]) -> None:
    sizes = [n for n in sizes if limits.fits_alone(n)]  # the validator refuses the others (tested below)
    splitter = Splitter(limits)
    starts = [splitter.add(n, line=i + 1, custom_id=f"r{i}") for i, n in enumerate(sizes)]
    parts = splitter.parts
    assert sum(starts) == len(parts)
    assert sum(p.request_count for p in parts) == len(sizes)
    index = 0
    for part in parts:
        mine = sizes[index : index + part.request_count]
        assert part.first_line == index + 1 and part.last_line == index + part.request_count  # contiguous, in order
        assert part.first_custom_id == f"r{index}" and part.last_custom_id == f"r{index + part.request_count - 1}"
        assert 1 <= part.request_count <= limits.max_requests
        assert part.body_bytes == body_size(mine) <= limits.max_body_bytes
        index += part.request_count
        if index < len(sizes):  # greedy: the next request would not have fitted in this part
            assert (
                part.request_count == limits.max_requests
                or part.body_bytes + len(BODY_SEP) + sizes[index] > limits.max_body_bytes
            )
    assert index == len(sizes)


def test_a_request_too_big_for_any_part_is_refused_by_the_splitter() -> None:
    limits = SplitLimits(max_requests=5, max_body_bytes=FRAME + 10)
    assert limits.fits_alone(10) and not limits.fits_alone(11)
    with pytest.raises(ValueError, match="does not fit"):
        Splitter(limits).add(11)


def test_the_default_part_leaves_a_margin_under_256_mb() -> None:
    limits = SplitLimits()
    assert limits.max_requests == 100_000
    assert limits.max_body_bytes == PART_BODY_BYTES < 256 * 10**6 < 256 * 2**20


# -- the same rule inside the validator's single pass, on real files ---------------------------------------------

DEFAULTS = RequestDefaults(model="claude-haiku-4-5", max_tokens=16)
prompts_st = st.lists(st.text(st.characters(codec="utf-8", exclude_characters="\r\n"), min_size=1, max_size=60)
                      .filter(str.strip), min_size=1, max_size=40)  # fmt: skip


def _write(folder: Path, prompts: list[str]) -> Path:
    path = folder / "requests.jsonl"
    with path.open("w", encoding="utf-8") as f:
        for i, p in enumerate(prompts):
            f.write(json.dumps({"custom_id": f"q-{i}", "params": {"messages": [{"role": "user", "content": p}]}}))
            f.write("\n")
    return path


@SETTINGS
@given(prompts_st, st.integers(1, 6), st.integers(0, 600))
def test_the_validator_plans_the_parts_of_a_real_file(prompts: list[str], max_requests: int, slack: int) -> None:
    limits = SplitLimits(max_requests=max_requests, max_body_bytes=FRAME + 200 + slack)
    with tempfile.TemporaryDirectory() as folder:
        path = _write(Path(folder), prompts)
        report = validate_file(path, defaults=DEFAULTS, split=limits)
    too_big = [e for e in report.errors if e.code == "request_too_large"]
    if too_big:  # a request alone over the part limit: named by its line, and nothing is planned to be sent
        assert not report.ok and all(e.line is not None for e in too_big)
        return
    assert report.ok, report.error_lines()[:3]
    ids = [f"q-{i}" for i in range(len(prompts))]
    seen = []
    for part in report.parts:
        assert part.request_count <= max_requests and part.body_bytes <= limits.max_body_bytes
        first = ids.index(part.first_custom_id)  # type: ignore[arg-type]
        seen.extend(ids[first : first + part.request_count])
        assert seen[-1] == part.last_custom_id
    assert seen == ids


def test_a_file_over_the_limits_is_no_error_when_split(tmp_path: Path) -> None:
    path = _write(tmp_path, [f"prompt {i}" for i in range(7)])
    small = SplitLimits(max_requests=3)
    split = validate_file(path, defaults=DEFAULTS, split=small)
    assert split.ok and [p.request_count for p in split.parts] == [3, 3, 1]
    whole = validate_file(path, defaults=DEFAULTS)  # no splitting: today's single-batch rules, no plan
    assert whole.ok and whole.parts == []


def test_a_request_over_the_part_limit_is_an_error_on_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path, ["short", "x" * 500, "short too"])
    report = validate_file(path, defaults=DEFAULTS, split=SplitLimits(max_body_bytes=FRAME + 300))
    assert [(e.line, e.code) for e in report.errors] == [(2, "request_too_large")]
    assert "can never be sent" in report.errors[0].message
