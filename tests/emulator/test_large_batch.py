"""100,000 requests through the SDK against a `batchtui emulator` subprocess: the results stream in bounded memory."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import anthropic
import psutil
import pytest

from ._support import cli_emulator, make_requests

N = 100_000
MB = 1_000_000


class RssSampler:
    """Samples a process's resident set size on a thread until stopped; keeps the peak."""

    def __init__(self, pid: int, interval: float = 0.02) -> None:
        self._proc = psutil.Process(pid)
        self._interval = interval
        self._stop = threading.Event()
        self.baseline = self.peak = self._proc.memory_info().rss
        self.samples = 0
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._proc.memory_info().rss)
            self.samples += 1
            self._stop.wait(self._interval)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    @property
    def growth(self) -> int:
        return self.peak - self.baseline


@pytest.mark.slow
def test_100k_requests_created_and_streamed_through_the_sdk(tmp_path: Path) -> None:
    args = ("--state", str(tmp_path / "big.sqlite3"), "--batch-seconds", "0")
    with (
        cli_emulator(tmp_path, *args) as emu,
        anthropic.Anthropic(api_key="test", base_url=emu.base_url, timeout=600) as client,
    ):
        started = time.perf_counter()
        batch = client.messages.batches.create(requests=make_requests(N))
        created = time.perf_counter()
        assert batch.request_counts.model_dump()["succeeded"] + batch.request_counts.processing == N
        ended = client.messages.batches.retrieve(batch.id)
        assert ended.processing_status == "ended" and ended.request_counts.succeeded == N

        seen: set[str] = set()
        lines = 0
        with RssSampler(emu.proc.pid) as rss:
            streaming = time.perf_counter()
            results = client.messages.batches.results(batch.id)
            for r in results:
                seen.add(r.custom_id)
                lines += 1
        streamed = time.perf_counter()
        size = results.http_response.num_bytes_downloaded

        assert lines == len(seen) == N  # every custom_id exactly once
        assert seen == {f"req-{i:06d}" for i in range(N)}
        assert size >= 60 * MB, f"only {size / MB:.1f} MB of results: the memory check would prove little"
        assert rss.samples >= 10
        assert rss.growth < 80 * 1024 * 1024, f"server RSS grew {rss.growth / MB:.0f} MB while streaming"
        print(
            f"\n100k batch: create {created - started:.1f}s; results {size / MB:.1f} MB in {streamed - streaming:.1f}s"
            f" ({size / MB / (streamed - streaming):.1f} MB/s through the SDK); server RSS {rss.baseline / MB:.0f} MB"
            f" -> peak {rss.peak / MB:.0f} MB (+{rss.growth / MB:.1f} MB) over {rss.samples} samples"
        )
