"""Format detection by extension and content together, and an explicit --format winning over both."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pytest

from batchtui.core.inputs import InputError, RequestDefaults, validate_file
from batchtui.core.inputs.detect import detect_format_of

NATIVE = json.dumps({"custom_id": "a", "params": {"model": "m", "max_tokens": 1, "messages": []}})


def detect(name: str, data: bytes) -> str:
    stream = io.BytesIO(data)
    found = detect_format_of(stream, name)
    assert stream.tell() == 0  # rewound for the reader
    return found.code if isinstance(found, InputError) else found


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        # The extension, when the content agrees or says nothing.
        ("r.jsonl", NATIVE.encode() + b"\n", "jsonl"),
        ("r.json", b'[\n {"prompt": "x"}\n]\n', "json"),
        ("r.csv", b"prompt,model\nhi,m\n", "csv"),
        ("r.tsv", b"prompt\tmodel\nhi\tm\n", "csv"),
        ("r.txt", b"What is 2+2?\n", "txt"),
        ("r.txt", b"[URGENT] call back\n{name} waits\n", "txt"),  # brackets that open no JSON
        ("r.csv", b"", "csv"),  # empty: the validator says so
        # The content, when it says more than the extension.
        ("r.json", NATIVE.encode() + b"\n" + NATIVE.encode() + b"\n", "jsonl"),  # a .json that is JSONL
        ("r.txt", b"\n\n" + NATIVE.encode() + b"\n", "jsonl"),  # first non-blank line is a JSON object
        ("r.txt", b'[\n  {"prompt": "x"}\n]\n', "json"),
        ("r.csv", b'[{"prompt": "x"}]', "json"),
        ("r.json", b'{"requests": [' + NATIVE.encode() + b"]}", "json"),  # a create body on one line
        ("r.json", b'{\n  "requests": []\n}\n', "json"),
        ("requests", b"\xef\xbb\xbf" + NATIVE.encode() + b"\n", "jsonl"),
        ("requests", b"[]", "json"),
        ("requests", b"id;Prompt\nq1;hi\n", "csv"),  # a header with a prompt column
        # .jsonl keeps its own messages for an array in it.
        ("r.jsonl", b'[{"custom_id": "a"}]\n', "jsonl"),
        # Nothing readable.
        ("requests", b"hello\nworld\n", "unrecognised"),
        ("requests", b"caf\xe9 au lait\n", "unrecognised"),  # Latin-1
        ("r.csv", gzip.compress(b"prompt\nhi\n", mtime=0), "binary"),  # mtime=0: the same test id on every xdist worker
        ("r.jsonl", b"\xff\xfeh\x00i\x00", "binary"),  # UTF-16: even .jsonl
        ("r.txt", b"PK\x03\x04rest of a zip", "binary"),
        ("r.txt", b"hello\x00world\n", "binary"),
    ],
)
def test_detection(name: str, data: bytes, expected: str) -> None:
    assert detect(name, data) == expected


def test_a_huge_first_line_is_read_whole_to_decide() -> None:
    # A JSONL request with a 200 KB prompt: the first line is far longer than any fixed sniffing window.
    big = json.dumps({"custom_id": "a", "params": {"model": "m", "max_tokens": 1, "messages": ["x" * 200_000]}})
    assert detect("r.json", big.encode() + b"\n") == "jsonl"


def test_explicit_format_wins_over_content_and_extension(tmp_path: Path) -> None:
    path = tmp_path / "looks_like.jsonl"
    path.write_text(NATIVE + "\n", encoding="utf-8")
    defaults = RequestDefaults(model="claude-haiku-4-5", max_tokens=10)
    report = validate_file(path, fmt="txt", defaults=defaults)
    assert report.format == "txt" and report.ok and report.request_count == 1  # the JSON text is the prompt
