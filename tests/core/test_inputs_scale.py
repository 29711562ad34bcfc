"""Volume: 100,000 requests validate in one streaming pass with memory far below the file size."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import pytest

from batchtui.core.inputs import MAX_REQUESTS, iter_valid_requests, validate_file

pytestmark = pytest.mark.slow

FILLER = "Summarise the following support ticket in one sentence. " * 10  # ~570 chars: a realistic prompt


def _write_requests(path: Path, n: int) -> Path:
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            params = {
                "model": "claude-haiku-4-5",
                "max_tokens": 256,
                "messages": [{"role": "user", "content": f"#{i} {FILLER}"}],
            }
            f.write(json.dumps({"custom_id": f"ticket-{i:06d}", "params": params}) + "\n")
    return path


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _write_requests(tmp_path_factory.mktemp("big") / "requests.jsonl", MAX_REQUESTS)


def test_100k_requests_validate_with_bounded_memory(big_file: Path) -> None:
    size = big_file.stat().st_size
    assert size > 60 * 1024 * 1024
    tracemalloc.start()
    try:
        report = validate_file(big_file)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.ok, report.error_lines()[:3]
    assert report.request_count == MAX_REQUESTS
    assert report.models == {"claude-haiku-4-5": MAX_REQUESTS}
    assert report.total_bytes == size
    assert 0 < report.body_bytes < size  # compact JSON drops the spaces json.dumps wrote
    # What is kept is the custom_id index (~130 bytes per request), not the requests: ~13 MB for a ~70 MB file.
    assert peak < size / 4, f"peak {peak / 1e6:.1f} MB for a {size / 1e6:.1f} MB file"


def test_100k_requests_stream_back_for_submission(big_file: Path) -> None:
    n = 0
    for req in iter_valid_requests(big_file):
        assert req.custom_id == f"ticket-{n:06d}"
        n += 1
    assert n == MAX_REQUESTS


def test_one_request_over_the_limit(tmp_path: Path) -> None:
    path = _write_requests(tmp_path / "too_many.jsonl", MAX_REQUESTS + 1)
    report = validate_file(path)
    assert [(e.line, e.field, e.code) for e in report.errors] == [(MAX_REQUESTS + 1, None, "too_many_requests")]
    assert "has 100,001 requests; a batch holds at most 100,000" in report.errors[0].message
    assert "split" in report.errors[0].hint
