"""Volume for the simple formats: 100,000-row CSV and JSON files validate in one streaming pass with memory far below
the file size (what is kept is the custom_id index, not the requests), and stream back for submission."""

from __future__ import annotations

import csv
import json
import tracemalloc
from pathlib import Path

import pytest

from batchtui.core.inputs import MAX_REQUESTS, RequestDefaults, iter_valid_requests, validate_file

pytestmark = pytest.mark.slow

FILLER = "Summarise the following support ticket in one sentence. " * 14  # ~800 chars: a realistic prompt
DEFAULTS = RequestDefaults(model="claude-haiku-4-5", max_tokens=256)


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "tickets.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["prompt", "team", "ticket"])
        for i in range(MAX_REQUESTS):
            writer.writerow([f"#{i} {FILLER}", "ops" if i % 2 else "dev", f"T-{i}"])  # every id generated
    return path


@pytest.fixture(scope="module")
def big_json(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "tickets.json"
    with path.open("w", encoding="utf-8") as f:
        f.write("[\n")
        for i in range(MAX_REQUESTS):
            f.write((",\n" if i else "") + json.dumps({"id": f"t-{i:06d}", "content": f"#{i} {FILLER}"}))
        f.write("\n]\n")
    return path


def _peak(path: Path) -> tuple[int, object]:
    tracemalloc.start()
    try:
        report = validate_file(path, defaults=DEFAULTS)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, report


@pytest.mark.parametrize("fixture", ["big_csv", "big_json"])
def test_100k_rows_validate_with_bounded_memory(fixture: str, request: pytest.FixtureRequest) -> None:
    path: Path = request.getfixturevalue(fixture)
    size = path.stat().st_size
    assert size > 75 * 1024 * 1024
    peak, report = _peak(path)
    assert report.ok, report.error_lines()[:3]  # type: ignore[attr-defined]
    assert report.request_count == MAX_REQUESTS  # type: ignore[attr-defined]
    assert report.models == {"claude-haiku-4-5": MAX_REQUESTS}  # type: ignore[attr-defined]
    # The custom_id index is ~130 bytes a request (~13 MB): a quarter of the file leaves room for nothing else.
    assert peak < size / 4, f"peak {peak / 1e6:.1f} MB for a {size / 1e6:.1f} MB file"


def test_100k_csv_rows_stream_back_with_their_metadata(big_csv: Path) -> None:
    n = 0
    for req in iter_valid_requests(big_csv, defaults=DEFAULTS):
        assert req.generated and req.custom_id.startswith(f"row-{n + 2}-")  # the header is line 1
        assert req.metadata == {"team": "ops" if n % 2 else "dev", "ticket": f"T-{n}"}
        n += 1
    assert n == MAX_REQUESTS
