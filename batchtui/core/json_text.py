"""The one JSON writer for everything batchtui emits: `--json` on stdout, JSONL exports and files, hook payloads.

JSON is read by programs but often *shown* by people (`batchtui list --json | less`, `cat results.jsonl`), so its
text must not carry characters a terminal acts on. JSON encoders escape C0 controls but pass these raw (with
``ensure_ascii=False``); here they are written as ``\\uXXXX`` escapes instead:

- DEL (U+007F) and the C1 controls (U+0080-U+009F, e.g. the one-byte CSI ``\\x9b``);
- bidi controls: embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) and the marks LRM, RLM and
  ALM (U+200E, U+200F, U+061C), which reorder how a line is displayed ("Trojan Source");
- LINE and PARAGRAPH SEPARATOR (U+2028, U+2029), which some viewers break lines on;
- lone surrogates (U+D800-U+DFFF, from a ``"\\ud800"`` escape), which cannot be written as UTF-8 at all.

An escape is still the same string: ``json.loads`` gives back the exact original, so nothing is lost. The text
stays readable UTF-8 otherwise (``ensure_ascii`` would escape every accent). Terminals get `sanitize.clean()`
instead, which *replaces* characters for display.

Money is rounded here too: every number under a key ending in ``_usd`` (cost objects and estimates included) is
written with at most 6 decimals, so float noise such as ``0.30000000000000004`` never reaches a script.
"""

from __future__ import annotations

import json
import re
from typing import Any

MONEY_DECIMALS = 6

# Characters that need an escape, as one class: almost no text has any, so a search (C speed) is the fast path
# and only the rare line that has one is rewritten.
_ESCAPED = "\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_NEEDS_ESCAPE = re.compile(f"[{_ESCAPED}]")
_TABLE = {c: f"\\u{c:04x}" for c in (*range(0x7F, 0xA0), 0x061C, 0x200E, 0x200F, 0x2028, 0x2029)}
_TABLE.update({c: f"\\u{c:04x}" for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), *range(0xD800, 0xE000))})

_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))  # built once: dumps(**kw) builds one a call


def escape_json_text(text: str) -> str:
    """`text` (JSON text, or a line of it) with the characters above written as escapes. Valid JSON stays valid
    and means the same: these characters can only be inside strings, where an escape is equivalent."""
    if text.isascii():  # O(1) in CPython, and most JSON is ASCII: only DEL can be there (a C-speed find)
        return text if "\x7f" not in text else text.replace("\x7f", "\\u007f")
    if _NEEDS_ESCAPE.search(text) is None:
        return text
    return text.translate(_TABLE)


def round_money(value: Any) -> Any:
    """`value` with every float under a key ending in ``_usd`` rounded to MONEY_DECIMALS (nested objects too)."""
    if isinstance(value, dict):
        return {k: _money(v) if isinstance(k, str) and k.endswith("_usd") else round_money(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [round_money(v) for v in value]
    return value


def _money(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, MONEY_DECIMALS)
    if isinstance(value, dict):
        return {k: _money(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_money(v) for v in value]
    return value


def dumps(value: Any, *, indent: int | None = None, money: bool = True, default: Any = None) -> str:
    """`value` as JSON text that is safe to show: compact (or indented), UTF-8 readable, escapes as above.
    `money=False` leaves numbers as they are (user data such as a request's metadata)."""
    if money:
        value = round_money(value)
    if indent is None and default is None:
        text = _COMPACT.encode(value)
    else:
        text = json.dumps(value, ensure_ascii=False, indent=indent, default=default)
    return escape_json_text(text)
