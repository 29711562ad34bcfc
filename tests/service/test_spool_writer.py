"""SpoolWriter: the body on disk is BODY_HEAD + the items joined by BODY_SEP + BODY_TAIL, its size and sha256 those
of the file, whether it is written inline (a small body) or a chunk at a time on the worker thread; a discarded
spool leaves nothing behind."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import pytest

from batchtui.core.inputs import offload
from batchtui.core.inputs.split import BODY_HEAD, BODY_SEP, BODY_TAIL
from batchtui.service.spool import SpoolWriter, spooled_requests


@pytest.mark.parametrize("chunk", [7, 64, offload.CHUNK])
def test_the_body_is_the_items_joined(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    monkeypatch.setattr(offload.ByteStream.__init__, "__defaults__", (chunk, offload.BUFFERS))
    items = [b'{"custom_id":"r%d","params":{"model":"m","n":%d}}' % (i, i * 7) for i in range(200)]
    with SpoolWriter(tmp_path / "spool") as writer:
        for item in items:
            writer.add(item)
        digest = writer.finish()
        writer.keep()
    body = writer.path.read_bytes()
    assert body == BODY_HEAD + BODY_SEP.join(items) + BODY_TAIL
    assert writer.size == len(body) and writer.count == len(items)
    assert digest == hashlib.sha256(body).hexdigest()
    assert stat.S_IMODE(writer.path.stat().st_mode) == 0o600
    assert [cid for cid, _ in spooled_requests(writer.path)] == [f"r{i}" for i in range(200)]


def test_a_discarded_spool_is_removed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(offload.ByteStream.__init__, "__defaults__", (16, offload.BUFFERS))
    with SpoolWriter(tmp_path / "spool") as writer:
        for i in range(50):
            writer.add(b'{"custom_id":"r%d","params":{}}' % i)
    assert not writer.path.exists()


@pytest.mark.parametrize("gather", [1, 100, 5_000])
def test_size_is_the_body_so_far_at_every_item(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, gather: int) -> None:
    """`size` is told from the items gathered, not added up per item: after each add (whether the items were just
    joined into the stream or are still gathered) it is the bytes of the body so far, and the file's once finished."""
    monkeypatch.setattr("batchtui.service.spool.CHUNK", gather)
    items = [b'{"custom_id":"r%d","params":{"x":"%s"}}' % (i, b"y" * (i % 37)) for i in range(120)]
    with SpoolWriter(tmp_path / "spool") as writer:
        assert writer.size == len(BODY_HEAD)
        for n, item in enumerate(items, 1):
            writer.add(item)
            assert writer.size == len(BODY_HEAD + BODY_SEP.join(items[:n]))
        writer.finish()
        assert writer.size == writer.path.stat().st_size == len(BODY_HEAD + BODY_SEP.join(items) + BODY_TAIL)


@pytest.mark.parametrize("gather", [1, 100, 5_000])
def test_items_added_a_block_at_a_time_make_the_same_body(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, gather: int
) -> None:
    """`add_many` (the fast lane's items, a block of lines at a time) mixed with `add`: the same body, size and
    count as one `add` per item."""
    monkeypatch.setattr("batchtui.service.spool.CHUNK", gather)
    items = [b'{"custom_id":"r%d","params":{"x":"%s"}}' % (i, b"y" * (i % 37)) for i in range(300)]
    with SpoolWriter(tmp_path / "spool") as writer:
        at = 0
        for size in (1, 0, 37, 2, 1, 120, 132):  # runs of add_many, each followed by one add
            writer.add_many(items[at : at + size])
            at += size
            assert writer.size == len(BODY_HEAD + BODY_SEP.join(items[:at])) and writer.count == at
            if at < len(items):
                writer.add(items[at])
                at += 1
        assert at == len(items)
        digest = writer.finish()
        writer.keep()
    body = writer.path.read_bytes()
    assert body == BODY_HEAD + BODY_SEP.join(items) + BODY_TAIL
    assert digest == hashlib.sha256(body).hexdigest()
