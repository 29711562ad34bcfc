"""Reader for plain text: one prompt per non-empty line; model, max_tokens and the rest come from the defaults."""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from batchtui.core.inputs.lines import iter_text_lines
from batchtui.core.inputs.records import InputError, ReadItem, RejectedRequest, RequestDefaults
from batchtui.core.inputs.simple import FLAGS, SimpleBuilder, SimpleRow


def read_text(stream: BinaryIO, *, file: str, defaults: RequestDefaults) -> Iterator[ReadItem]:
    builder = SimpleBuilder(file, defaults)
    for name in FLAGS:  # no row can give these: say so once, then still look at every line
        problem = builder.require(name, None, "plain text holds only prompts")
        if problem:
            yield problem
    for line in iter_text_lines(stream, file=file):
        if isinstance(line, InputError):
            if line.line is None or line.code == "binary":
                yield line  # fatal: the reader stops here
                return
            yield RejectedRequest(line.line, (line,))
            continue
        if line.text.strip():
            yield from builder.build(SimpleRow(line.number, line.number, line.text))
