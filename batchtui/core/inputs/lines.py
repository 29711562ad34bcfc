"""Stream a text file line by line, turning encoding trouble into InputErrors. Shared by every line-based format.

Only `\\n` ends a line (reading in binary mode), so a stray `\\r` inside a line cannot split it; a trailing `\\r`
(CRLF files) and a UTF-8 BOM are dropped. Lines are read with a length cap, so a file without newlines cannot
make us load hundreds of megabytes into one string.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from batchtui.core.fmt import naturalsize
from batchtui.core.inputs.offload import HashedBlocks
from batchtui.core.inputs.records import InputError

# The Messages API rejects a single request over 32 MB, so no valid line is longer.
MAX_LINE_BYTES = 32 * 1024 * 1024
_SKIP_CHUNK = 1024 * 1024

_UTF8_BOM = b"\xef\xbb\xbf"
# Recognisable non-UTF-8 starts, so the message can say what the file is instead of "binary".
SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"\xff\xfe\x00\x00", "is UTF-32 encoded", "save it as UTF-8"),
    (b"\x00\x00\xfe\xff", "is UTF-32 encoded", "save it as UTF-8"),
    (b"\xff\xfe", "is UTF-16 encoded", "save it as UTF-8 (e.g. `iconv -f UTF-16 -t UTF-8`)"),
    (b"\xfe\xff", "is UTF-16 encoded", "save it as UTF-8 (e.g. `iconv -f UTF-16 -t UTF-8`)"),
    (b"\x1f\x8b", "is gzip-compressed", "decompress it first (`gunzip`)"),
    (b"PK\x03\x04", "is a ZIP archive (or an .xlsx/.docx file)", "extract or export the requests as JSONL"),
    (b"SQLite format 3\x00", "is an SQLite database", "export the requests as JSONL"),
    (b"%PDF", "is a PDF document", "choose the JSONL file with your requests"),
)


@dataclass(frozen=True)
class TextLine:
    number: int  # 1-based
    text: str  # without the line ending
    nbytes: int  # as stored, line ending included


def _skip_rest_of_line(stream: BinaryIO) -> int:
    skipped = 0
    while True:
        chunk = stream.readline(_SKIP_CHUNK)
        skipped += len(chunk)
        if not chunk or chunk.endswith(b"\n"):
            return skipped


def iter_text_lines(stream: BinaryIO, *, file: str) -> Iterator[TextLine | InputError]:
    """Yield each line as TextLine, or an InputError (with its line number) for a line that cannot be read as text.

    After an error with code `binary` nothing more is yielded: the rest of a binary file is noise.
    """
    number = 0
    while True:
        raw = stream.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        number += 1
        line = text_line(raw, number, stream, file=file)
        yield line
        if type(line) is InputError and line.code == "binary":
            return


def text_line(raw: bytes, number: int, stream: BinaryIO, *, file: str) -> TextLine | InputError:
    """Line `number` as read by `stream.readline(MAX_LINE_BYTES + 1)`; the rest of an overlong line is skipped in
    `stream`. An error with code `binary` means the reading stops (`iter_text_lines`)."""
    nbytes = len(raw)
    if number == 1:
        for magic, what, hint in SIGNATURES:
            if raw.startswith(magic):
                return InputError(file, None, None, f"this file {what}, not UTF-8 text", hint, "binary")
        if raw.startswith(_UTF8_BOM):
            raw = raw[len(_UTF8_BOM) :]
    if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
        nbytes += _skip_rest_of_line(stream)
        return InputError(
            file,
            number,
            None,
            f"line is {naturalsize(nbytes, binary=True)} long; no single request may exceed 32 MiB",
            "check that requests are one per line; move large documents to the Files API",
            "line_too_long",
        )
    if b"\x00" in raw:
        col = raw.index(b"\x00") + 1
        return InputError(
            file,
            number,
            None,
            f"binary data (a NUL byte at column {col}); this does not look like a text file",
            "choose the JSONL file with your requests",
            "binary",
        )
    raw = raw.removesuffix(b"\n").removesuffix(b"\r")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        return InputError(
            file,
            number,
            None,
            f"not valid UTF-8 (byte 0x{raw[e.start]:02x} at column {e.start + 1})",
            "the file may be in Latin-1 or Windows-1252; save it as UTF-8",
            "encoding",
        )
    return TextLine(number, text, nbytes)


class BlockLines:
    """Lines of a file handed over in blocks (offload.HashedBlocks): `readline(limit)` answers exactly as a file's
    readline(limit) would, and `lines(limit)` yields what successive calls would, faster (`readline` may be called
    between two of its lines, to skip the rest of one)."""

    def __init__(self, blocks: HashedBlocks) -> None:
        self._blocks = blocks
        self._buf = b""
        self._pos = 0
        self._eof = False

    def lines(self, limit: int) -> Iterator[bytes]:
        while True:
            buf, pos = self._buf, self._pos
            end = buf.find(b"\n", pos, pos + limit)
            if end >= 0:
                self._pos = end + 1
                yield buf[pos : end + 1]
            elif raw := self.readline(limit):
                yield raw
            else:
                return

    def whole_lines(self, limit: int) -> list[bytes]:
        """The lines that end in the next block, each without its `\\n` (the first one begun in the blocks before),
        cut in one C call instead of one `readline` each; what `readline(limit + 1)` would give, newline dropped.
        [] when there is no such simple answer (the end of the file, a line not ending in that block or longer
        than `limit`): `readline` then reads the next line."""
        if self._eof:
            return []
        rest = self._buf[self._pos :]  # the start of a line: a short copy
        block = self._blocks.next()
        if not block:
            self._eof = True
            self._buf, self._pos = rest, 0
            return []
        data = rest + block if rest else block
        lines = data.split(b"\n")
        tail = lines.pop()  # what follows the last newline: the start of the next line
        if not lines or max(map(len, lines)) > limit:
            self._buf, self._pos = data, 0
            return []
        self._buf, self._pos = tail, 0
        return lines

    def readline(self, limit: int) -> bytes:
        while True:
            buf, pos = self._buf, self._pos
            end = buf.find(b"\n", pos, pos + limit)
            if end >= 0:
                self._pos = end + 1
                return buf[pos : end + 1]
            if len(buf) - pos >= limit or self._eof:
                line = buf[pos : pos + limit]
                self._pos = pos + len(line)
                return line
            self._fill(buf[pos:], limit)

    def _fill(self, rest: bytes, limit: int) -> None:
        """`rest` (no newline in it) and blocks after it, up to a newline or `limit` bytes in all: joined once, so a
        long line costs one copy, not one per block."""
        parts, size = [rest], len(rest)
        while size < limit:
            block = self._blocks.next()
            if not block:
                self._eof = True
                break
            parts.append(block)
            size += len(block)
            if b"\n" in block:
                break
        self._buf, self._pos = b"".join(parts), 0

    def at_end(self) -> bool:
        """Every byte of the file was handed out (a file's `not read(1)`, without taking the byte)."""
        while self._pos == len(self._buf):
            if self._eof:
                return True
            block = self._blocks.next()
            if block:
                self._buf, self._pos = block, 0
            else:
                self._eof = True
        return False
