"""ByteStream (core/inputs/offload.py) hands `consume` every byte added, in order, whatever the sizes of the pieces
against the chunks; a short stream stays on the caller's thread; an error in `consume` reaches the caller."""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from batchtui.core.inputs.offload import SWITCH_INTERVAL, ByteStream, quick_handoffs
from batchtui.core.inputs.validate import validate_file


class _Sink:
    def __init__(self, fail_at: int | None = None) -> None:
        self.chunks: list[bytes] = []
        self.threads: set[str] = set()
        self.fail_at = fail_at

    def __call__(self, view: memoryview) -> None:
        if self.fail_at is not None and len(self.chunks) == self.fail_at:
            raise OSError(28, "No space left on device")
        self.chunks.append(bytes(view))
        self.threads.add(threading.current_thread().name)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(max_size=40), max_size=30), st.integers(1, 16), st.integers(1, 3))
def test_every_byte_arrives_in_order(pieces: list[bytes], size: int, buffers: int) -> None:
    sink = _Sink()
    stream = ByteStream(sink, size=size, buffers=buffers)
    for piece in pieces:
        stream.add(piece)
    stream.flush()
    assert b"".join(sink.chunks) == b"".join(pieces)
    assert all(len(c) == size for c in sink.chunks[:-1])


def test_a_short_stream_is_consumed_on_the_callers_thread() -> None:
    sink = _Sink()
    stream = ByteStream(sink, size=100)
    stream.add(b"x" * 99)
    stream.flush()
    assert sink.chunks == [b"x" * 99] and sink.threads == {threading.current_thread().name}


def test_a_long_stream_is_consumed_on_a_worker_thread() -> None:
    sink = _Sink()
    stream = ByteStream(sink, size=10)
    stream.add(b"x" * 25)
    stream.flush()
    assert sink.chunks == [b"x" * 10, b"x" * 10, b"x" * 5]
    assert threading.current_thread().name not in sink.threads


def test_an_error_in_consume_reaches_the_caller() -> None:
    stream = ByteStream(_Sink(fail_at=1), size=10, buffers=2)
    with pytest.raises(OSError, match="No space left"):
        for _ in range(100):
            stream.add(b"y" * 7)
        stream.flush()
    stream.close()


def test_close_without_flush_stops_the_worker() -> None:
    stream = ByteStream(_Sink(), size=4)
    stream.add(b"z" * 9)
    stream.close()
    assert not any(t.name == "batchtui-bytes" and t.is_alive() for t in threading.enumerate())


def test_quick_handoffs_lowers_the_switch_interval_and_restores_it() -> None:
    before = sys.getswitchinterval()
    with quick_handoffs():
        assert sys.getswitchinterval() == min(before, SWITCH_INTERVAL)
        with quick_handoffs():
            assert sys.getswitchinterval() == min(before, SWITCH_INTERVAL)
        assert sys.getswitchinterval() == min(before, SWITCH_INTERVAL)
    assert sys.getswitchinterval() == before


def test_validating_a_file_leaves_the_switch_interval_as_it_was(tmp_path: Path) -> None:
    before = sys.getswitchinterval()
    path = tmp_path / "f.jsonl"
    path.write_text('{"custom_id": "a", "params": {}}\n' * 3)
    validate_file(path)
    assert sys.getswitchinterval() == before


def test_the_switch_interval_is_restored_while_a_reading_generator_is_suspended(tmp_path: Path) -> None:
    """iter_valid_requests hands requests up between runs of the lane: a caller holding the generator between two
    requests runs at the interval it set, not the lowered one."""
    from batchtui.core.inputs.validate import iter_valid_requests

    params = {"model": "claude-haiku-4-5", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]}
    line = '{"custom_id": "r%d", "params": ' + json.dumps(params) + "}\n"
    path = tmp_path / "f.jsonl"
    path.write_text("".join(line % i for i in range(5000)))
    before = sys.getswitchinterval()
    requests = iter_valid_requests(path)
    seen = 0
    for _ in requests:
        seen += 1
        assert sys.getswitchinterval() == before
    assert seen == 5000 and sys.getswitchinterval() == before
    requests = iter_valid_requests(path)
    next(requests)
    assert sys.getswitchinterval() == before
    requests.close()
    assert sys.getswitchinterval() == before
