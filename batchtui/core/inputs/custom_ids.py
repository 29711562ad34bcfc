"""The custom_id rule: 1-64 characters from A-Z a-z 0-9 - _ (`^[a-zA-Z0-9_-]{1,64}$`), with a suggested fix."""

from __future__ import annotations

import hashlib
import re
import unicodedata

from batchtui.core.inputs.records import InputError, show

CUSTOM_ID_PATTERN = "^[a-zA-Z0-9_-]{1,64}$"
MAX_CUSTOM_ID = 64
_CUSTOM_ID = re.compile(CUSTOM_ID_PATTERN)
_ALLOWED = re.compile(r"[a-zA-Z0-9_-]")
_DISALLOWED = re.compile(r"[^a-zA-Z0-9_-]")


def _describe_char(ch: str) -> str:
    if ch == " ":
        return "' ' (space)"
    if ch.isprintable():
        return f"'{ch}'"
    # Controls and bidi overrides are named, never printed.
    return f"U+{ord(ch):04X} ({unicodedata.name(ch, 'control character').lower()})"


def custom_id_errors(cid: str, *, file: str, line: int) -> list[InputError]:
    """What makes `cid` unacceptable as a custom_id; empty when it is fine."""
    if _CUSTOM_ID.fullmatch(cid):
        return []  # the common case, kept fast for 100k-request files

    def err(message: str, hint: str, code: str) -> InputError:
        return InputError(file, line, "custom_id", message, hint, code)

    if cid == "":
        return [err("is empty", 'give every request a unique id, e.g. "row-1"', "custom_id_empty")]
    out: list[InputError] = []
    suggestion = show(_DISALLOWED.sub("-", cid)[:MAX_CUSTOM_ID])
    if len(cid) > MAX_CUSTOM_ID:
        message = f"is {len(cid)} characters long; the limit is {MAX_CUSTOM_ID} (got {show(cid, 40)})"
        out.append(err(message, f"shorten it, e.g. to {suggestion}", "custom_id_length"))
    bad = list(dict.fromkeys(ch for ch in cid if not _ALLOWED.fullmatch(ch)))
    if bad:
        listed = ", ".join(_describe_char(ch) for ch in bad[:8]) + (", …" if len(bad) > 8 else "")
        message = f"contains characters that are not allowed: {listed} (got {show(cid, 40)})"
        out.append(err(message, f"use only letters A-Z a-z, digits, '-' and '_', e.g. {suggestion}", "custom_id_chars"))
    return out


# Generated ids: `row-<N>-<8 hex of sha256(prompt)>`, N being the request's line (CSV, plain text) or its position
# in a JSON array. Same file, same ids, on every run; and since N differs per request, two generated ids never
# collide. A given id of this exact form is refused in files that may generate ids, so it cannot collide either.
GENERATED_PATTERN = "^row-[0-9]+-[0-9a-f]{8}$"
_GENERATED = re.compile(GENERATED_PATTERN)


def generated_custom_id(n: int, prompt: str) -> str:
    digest = hashlib.sha256(prompt.encode("utf-8", "surrogatepass")).hexdigest()
    return f"row-{n}-{digest[:8]}"


def reserved_custom_id_error(cid: str, *, file: str, line: int, item: int | None = None) -> InputError | None:
    """An error when a custom_id given in a simple-format file has the form of a generated one."""
    if not _GENERATED.fullmatch(cid):
        return None
    return InputError(
        file,
        line,
        "custom_id",
        f'"{cid}" has the form of a generated id (row-N-xxxxxxxx), kept for requests that have none',
        'rename it (e.g. drop the "row-" prefix), or leave it empty to have it generated',
        "custom_id_reserved",
        item,
    )
