"""Make untrusted text inert: control characters become visible, so no escape sequence reaches a terminal."""

from __future__ import annotations

# C0 controls except tab and newline -> Unicode control pictures; DEL -> ␡; C1 controls -> U+FFFD.
_TABLE = {c: 0x2400 + c for c in range(0x20) if c not in (0x09, 0x0A)}
_TABLE[0x7F] = 0x2421
_TABLE.update({c: 0xFFFD for c in range(0x80, 0xA0)})


def clean(text: str) -> str:
    return text.translate(_TABLE)
