"""Make untrusted text inert: control characters become visible, so no escape sequence reaches a terminal.

Text from input files, results and error messages is attacker-controllable (a prompt can ask the model to print
``\\x1b]52;c;...\\x07`` to write the clipboard, or ``\\x1b[2J`` to wipe the screen). `clean()` maps every character
that a terminal or a text renderer would *act on* rather than *show* to a visible stand-in:

- C0 controls except tab and newline -> the Unicode control pictures (``\\x1b`` -> ``␛``, NUL -> ``␀``);
- DEL -> ``␡``;
- C1 controls (U+0080-U+009F, e.g. the one-byte CSI ``\\x9b``) -> U+FFFD;
- bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) -> a bracketed code point such as
  ``[U+202E]``. These reorder how text is *displayed* ("Trojan Source", CVE-2021-42574), so a custom_id or a reply
  could look like something it is not. Showing the code point keeps the text honest and searchable. The plain
  marks LRM/RLM/ALM are left alone: they are common in genuine right-to-left text and cannot flip a whole run;
- lone surrogates (U+D800-U+DFFF, which ``json.loads`` produces from ``"\\ud800"``) -> U+FFFD, because writing
  them to a UTF-8 terminal or file raises ``UnicodeEncodeError``.
"""

from __future__ import annotations

import re

_TABLE: dict[int, int | str] = {c: 0x2400 + c for c in range(0x20) if c not in (0x09, 0x0A)}
_TABLE[0x7F] = 0x2421
_TABLE.update({c: 0xFFFD for c in range(0x80, 0xA0)})
BIDI_CONTROLS: tuple[int, ...] = (*range(0x202A, 0x202F), *range(0x2066, 0x206A))
_TABLE.update({c: f"[U+{c:04X}]" for c in BIDI_CONTROLS})
_TABLE.update({c: 0xFFFD for c in range(0xD800, 0xE000)})


# Every key of _TABLE, as one character class: almost no text has any, and a search is ~20x cheaper than
# translate() on text with nothing to replace (this runs for every answer of a 100k download).
_NEEDS_CLEANING = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def clean(text: str) -> str:
    """`text` with every control, bidi override and lone surrogate replaced by something visible and harmless."""
    if _NEEDS_CLEANING.search(text) is None:
        return text
    return text.translate(_TABLE)


def clean_answer(text: str) -> str:
    """`clean(text)`, sooner for a model's answer (hundreds of characters, a few lines): every key of _TABLE is a
    character str.isprintable() refuses (a test checks all of them), and it checks a character in a third of the
    regex's time, so printable text, once its newlines are set aside, is clean. On the dashboard's short strings
    the extra calls cost more than they save (a key measured 10-15 ms slower): they keep to `clean`."""
    if text.isprintable() or text.replace("\n", "").isprintable():
        return text
    return clean(text)
