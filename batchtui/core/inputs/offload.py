"""Byte work that need not hold up the parsing of a file: reading and hashing the file (HashedBlocks), hashing and
writing what is spooled (ByteStream).

Small pieces (a line, a request) are copied into a few fixed buffers of `CHUNK` bytes; each full buffer is handed
to one worker thread, in order, which passes it to `consume` (hashlib and os.write release the GIL on buffers that
size, so they run while the caller parses the next lines) and hands the buffer back. The buffers are reused, so
memory stays at a few chunks whatever the file size, and no fresh pages are touched per chunk. A stream of less
than one chunk never starts the thread. An error raised by `consume` (a full disk) is raised again to the caller, by
a later `add` or by `flush`.
"""

from __future__ import annotations

import contextlib
import hashlib
import queue
import sys
import threading
from collections.abc import Callable, Iterator
from typing import BinaryIO

CHUNK = 512 << 10
BUFFERS = 2  # one being filled, one in the worker's hands


class ByteStream:
    """Feeds `consume` every byte `add`ed, in order, in chunks of `size` (the last may be shorter): on a worker
    thread once a chunk is full, else inline at `flush()`. `consume` gets a memoryview valid only during the call."""

    def __init__(self, consume: Callable[[memoryview], None], size: int = CHUNK, buffers: int = BUFFERS) -> None:
        self._consume = consume
        self._size = size
        self._view = memoryview(bytearray(size))
        self._pos = 0
        self._spare = buffers - 1  # buffers not made yet
        self._free: queue.SimpleQueue[memoryview] = queue.SimpleQueue()
        self._jobs: queue.SimpleQueue[tuple[memoryview, int] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def add(self, data: bytes) -> None:
        pos = self._pos
        end = pos + len(data)
        if end < self._size:
            self._view[pos:end] = data
            self._pos = end
        else:
            self._add_across(data)

    def _add_across(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            room = self._size - self._pos
            part = view[:room]
            self._view[self._pos : self._pos + len(part)] = part
            self._pos += len(part)
            view = view[len(part) :]
            if self._pos == self._size:
                self._hand_over()

    def _hand_over(self) -> None:
        if self._error is not None:
            raise self._error
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name="batchtui-bytes", daemon=True)
            self._thread.start()
        self._jobs.put((self._view, self._pos))
        if self._spare:
            self._spare -= 1
            self._view = memoryview(bytearray(self._size))
        else:
            self._view = self._free.get()  # waits while every buffer is in the worker's hands
        self._pos = 0
        if self._error is not None:
            raise self._error

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            view, length = job
            if self._error is None:
                try:
                    self._consume(view[:length])
                except BaseException as e:  # raised again on the caller's side
                    self._error = e
            self._free.put(view)

    def flush(self) -> None:
        """Consume everything added so far, and stop the worker; raises the first error `consume` met."""
        try:
            if self._pos and self._thread is None:
                self._consume(self._view[: self._pos])
            elif self._pos:
                self._jobs.put((self._view, self._pos))
            self._pos = 0
        finally:
            self.close()
        if self._error is not None:
            raise self._error

    def close(self) -> None:
        """Stop the worker once what was handed over is done (for a caller that gives up: errors are kept)."""
        if self._thread is not None:
            self._jobs.put(None)
            self._thread.join()
            self._thread = None


class HashedBlocks:
    """Reads a file in blocks of `size` on a worker thread, hashing each (sha256 of every byte read), and hands them
    over in order: the read and hash calls release the GIL, so they run while the caller parses the blocks before.
    At most `depth` blocks wait. An error reading is raised to the caller by `next()`. `close()` when done."""

    def __init__(self, file: BinaryIO, size: int = 256 << 10, depth: int = 2) -> None:
        self._file = file
        self._size = size
        self._sha = hashlib.sha256()
        self._blocks: queue.SimpleQueue[bytes | BaseException] = queue.SimpleQueue()
        self._room: queue.SimpleQueue[None] = queue.SimpleQueue()  # one token per block that may be read ahead
        for _ in range(depth):
            self._room.put(None)
        self._stop = False
        self._done: bytes | BaseException | None = None  # the end (b"") or the error, once met
        self._thread = threading.Thread(target=self._read, name="batchtui-read", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            while True:
                self._room.get()
                if self._stop:
                    return
                block = self._file.read(self._size)
                self._sha.update(block)
                self._blocks.put(block)
                if not block:
                    return
        except BaseException as e:  # raised again on the caller's side
            self._blocks.put(e)

    def next(self) -> bytes:
        """The next block; b"" at the end of the file."""
        if self._done is None:
            block = self._blocks.get()
            if block and not isinstance(block, BaseException):
                self._room.put(None)
                return block
            self._done = block
        if isinstance(self._done, BaseException):
            raise self._done
        return b""

    def hexdigest(self) -> str:
        """sha256 of every byte read (the whole file, once `next()` gave b"")."""
        return self._sha.hexdigest()

    def close(self) -> None:
        self._stop = True
        self._room.put(None)  # wakes a reader waiting for room, which then stops
        self._thread.join()


SWITCH_INTERVAL = 0.0005
_switching = threading.Lock()
_switching_users = 0
_switching_saved = 0.0


@contextlib.contextmanager
def quick_handoffs() -> Iterator[None]:
    """While a file is parsed and its bytes are worked on by the threads above, let a thread waiting for the GIL
    have it within 0.5 ms of asking instead of the default 5 ms (sys.setswitchinterval, restored after; nested and
    concurrent uses share one setting): the parser holds the GIL all the time it is not waiting, and each worker
    needs it for a moment between two of its calls, so with 5 ms they fall behind and the parser waits for them."""
    global _switching_users, _switching_saved
    with _switching:
        if _switching_users == 0:
            _switching_saved = sys.getswitchinterval()
            if _switching_saved > SWITCH_INTERVAL:
                sys.setswitchinterval(SWITCH_INTERVAL)
        _switching_users += 1
    try:
        yield
    finally:
        with _switching:
            _switching_users -= 1
            if _switching_users == 0 and sys.getswitchinterval() == min(SWITCH_INTERVAL, _switching_saved):
                sys.setswitchinterval(_switching_saved)
