"""The spool: the exact create body of a submission, on disk before it is sent.

`{"requests":[` + one compact request object per line + `]}`: valid JSON to stream to the API, and easy to read
back line by line. The folder is 0700 and every file 0600 (they hold full prompts) wherever the cache lives. A
spool is named after its submission once recorded and removed once that submission is resolved; files left by a
crashed run are removed when a session opens.

Requests' local metadata (CSV extra columns), never sent, goes to a sidecar (`<spool>.meta`: `custom_id<TAB>JSON
object` per line, for the requests that have some) that lives until the submission's requests are stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import json
import os
import secrets
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from batchtui.core.create_body import BODY_HEAD, BODY_SEP, BODY_TAIL

if TYPE_CHECKING:
    from batchtui.core.store import Store

SPOOL_READ = 1 << 20
CHUNK = 256 << 10  # bytes of items gathered before they are joined into the body stream
_META = ".meta"
_ITEM_PREFIX = b'{"custom_id":"'
_ITEM_MIDDLE = b'","params":'
_TMP = "tmp-"
_SEP = len(BODY_SEP)


WRITEBACK_EVERY = 8 << 20


@functools.cache  # on the first spool written, not when the module is imported
def _writeback_starter() -> Callable[[int], None] | None:
    """Linux's sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE): starts writing a file's dirty pages out without
    waiting for them, so the fsync at the end of a spool waits for its last few MiB only (about 0.1 s less for
    200 MB here). None elsewhere, or if libc lacks it."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        call = ctypes.CDLL(None, use_errno=True).sync_file_range
    except (OSError, AttributeError):
        return None
    call.argtypes = [ctypes.c_int, ctypes.c_longlong, ctypes.c_longlong, ctypes.c_uint]

    def start(fd: int) -> None:
        call(fd, 0, 0, 2)  # SYNC_FILE_RANGE_WRITE; a failure only means the fsync waits longer

    return start


def spool_dir_for(db_path: Path) -> Path:
    return db_path.parent / "spool"


def spool_path(db_path: Path, submission_id: str) -> Path:
    return spool_dir_for(db_path) / f"{submission_id}.json"


def _private_dir(path: Path) -> Path:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)  # mkdir's mode is masked by the umask, and an older folder may be 0755
    return path


class SpoolWriter:
    """Writes a spool while the validator reads the source (one pass), hashing what it writes. Use as a context
    manager: the file is removed unless `keep()` was called. The hashing and the writing are done a few MiB at a
    time on a worker thread (core/inputs/offload.py) while the validator goes on."""

    def __init__(self, folder: Path) -> None:
        _private_dir(folder)
        self.path = folder / f"{_TMP}{os.getpid()}-{secrets.token_hex(6)}.json"
        self._fd: int | None = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self.metadata_path: Path | None = None  # the sidecar, once a request with metadata came
        self._meta: BinaryIO | None = None
        self._digest = hashlib.sha256()
        from batchtui.core.inputs.offload import ByteStream  # a session opening (clean_orphans) needs none of it

        self._body = ByteStream(self._write)
        self._items: list[bytes] = []  # added, not yet in the body stream
        self._pending = 0  # their bytes
        self._drained = 0  # items in the body stream
        self._written = self._flushed = 0  # bytes written, and when the disk writing was last started
        self._start_writeback = _writeback_starter()
        self._size = 0  # bytes in the body stream (the items gathered are counted by `size`)
        self.count = 0
        self._kept = False
        self._emit(BODY_HEAD)

    def _write(self, chunk: memoryview) -> None:
        """Hash and write one chunk of the body (on the worker thread); start the disk writing every few MiB."""
        assert self._fd is not None
        self._digest.update(chunk)
        self._written += len(chunk)
        while chunk:
            chunk = chunk[os.write(self._fd, chunk) :]
        if self._start_writeback is not None and self._written - self._flushed >= WRITEBACK_EVERY:
            self._start_writeback(self._fd)
            self._flushed = self._written

    @property
    def size(self) -> int:
        """Bytes of the body so far (the items added, their separators, the head; the tail once finished)."""
        items = len(self._items)
        return self._size + self._pending + _SEP * (items if self._drained else max(items - 1, 0))

    def _emit(self, data: bytes) -> None:
        self._body.add(data)
        self._size += len(data)

    def add(self, item: bytes) -> None:
        """One request, already encoded as the body carries it (`{"custom_id":"...","params":{...}}`). Items are
        gathered and joined a chunk at a time (one C call, instead of two copies into the stream per item); their
        bytes are told by `size`, not added up here (this runs once per request of a big file)."""
        self._items.append(item)
        self.count += 1
        self._pending += len(item)
        if self._pending >= CHUNK:
            self._drain()

    def add_many(self, items: list[bytes]) -> None:
        """Requests as `add` takes them, several at once (a block of a file's lines)."""
        self._items += items
        self.count += len(items)
        self._pending += sum(map(len, items))
        if self._pending >= CHUNK:
            self._drain()

    def _drain(self) -> None:
        """The items gathered, into the body stream."""
        if self._items:
            self._size = self.size
            if self._drained:
                self._body.add(BODY_SEP)
            self._body.add(BODY_SEP.join(self._items))
            self._drained += len(self._items)
            self._items.clear()
            self._pending = 0

    def add_metadata(self, custom_id: str, metadata: dict[str, Any]) -> None:
        """The metadata of the request just added (not part of the body: it is never sent)."""
        if self._meta is None:
            self.metadata_path = metadata_sidecar(self.path)
            fd = os.open(self.metadata_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            self._meta = os.fdopen(fd, "wb", buffering=1 << 20)
        self._meta.write(custom_id.encode() + b"\t" + encode_metadata(metadata) + b"\n")

    def finish(self) -> str:
        """Close the body, make it durable, and return its sha256."""
        assert self._fd is not None
        self._drain()
        self._emit(BODY_TAIL)
        self._body.flush()
        os.fsync(self._fd)
        self._close()
        if self._meta is not None:
            self._meta.close()
        return self._digest.hexdigest()

    def _close(self) -> None:
        self._body.close()
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def keep(self) -> None:
        self._kept = True

    def discard(self) -> None:
        self._close()
        self.path.unlink(missing_ok=True)
        if self._meta is not None:
            self._meta.close()
        if self.metadata_path is not None:
            self.metadata_path.unlink(missing_ok=True)

    def __enter__(self) -> SpoolWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        if not self._kept:
            self.discard()


def spooled_requests(spool: Path) -> Iterator[tuple[str, str]]:
    """(custom_id, params_json) for each request in a spool, read back without parsing the JSON. custom_ids match
    ^[a-zA-Z0-9_-]+$ (validated), so they need no unescaping."""
    with open(spool, "rb") as f:
        for raw in f:
            line = raw.rstrip(b"\n").removesuffix(b",")
            if not line.startswith(_ITEM_PREFIX):
                continue
            cid_end = line.index(_ITEM_MIDDLE)
            custom_id = line[len(_ITEM_PREFIX) : cid_end].decode()
            yield custom_id, line[cid_end + len(_ITEM_MIDDLE) : -1].decode()


def encode_metadata(metadata: dict[str, Any]) -> bytes:
    """Compact JSON; a lone surrogate (from a JSON escape) is kept as an escape rather than failing."""
    try:
        return json.dumps(metadata, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(metadata, separators=(",", ":")).encode("ascii")


def spooled_metadata(path: Path | None) -> Iterator[tuple[str, str]]:
    """(custom_id, metadata JSON) from a sidecar written by SpoolWriter.add_metadata; nothing when there is none."""
    if path is None or not path.exists():
        return
    with open(path, "rb") as f:
        for raw in f:
            custom_id, _, metadata = raw.rstrip(b"\n").partition(b"\t")
            yield custom_id.decode(), metadata.decode()


async def read_spool(spool: Path, on_sent: Callable[[int], None] | None = None) -> AsyncIterator[bytes]:
    """The body in 1 MiB chunks, read on a thread; `on_sent(bytes so far)` after each."""
    sent = 0
    with open(spool, "rb") as f:
        while chunk := await asyncio.to_thread(f.read, SPOOL_READ):
            sent += len(chunk)
            if on_sent:
                on_sent(sent)
            yield chunk


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


async def clean_orphans(store: Store) -> list[Path]:
    """Remove spools nobody needs: a half-written one of a process that is gone, or one whose submission is
    resolved (or unknown to this cache). Another live process's spool in the making is left alone."""
    folder = spool_dir_for(store.path)
    if not folder.is_dir():
        return []
    with contextlib.suppress(OSError):
        os.chmod(folder, 0o700)
    # Listed before the submissions are read: a spool is renamed after its submission only once that is recorded,
    # so any spool seen here whose submission is still open is in the set read next.
    entries = list(folder.iterdir())
    unresolved = {s.id for s in await store.submissions_in("recorded", "sending", "unknown")}
    removed = []
    for path in entries:
        name = path.name
        if name.startswith(_TMP):
            pid = name[len(_TMP) :].split("-", 1)[0]
            orphan = not pid.isdigit() or not _alive(int(pid))
        else:
            orphan = path.suffix != ".json" or path.stem not in unresolved
        if orphan and path.is_file():
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def metadata_sidecar(spool: Path) -> Path:
    """Where a spool's requests' metadata lives: beside it (a durable engine moves and shares both)."""
    return spool.with_name(spool.name + _META)
