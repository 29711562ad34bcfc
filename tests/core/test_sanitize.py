"""clean() must leave nothing a terminal would act on, and must not touch ordinary text."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from batchtui.core.sanitize import BIDI_CONTROLS, clean

FORBIDDEN = {*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)} - {0x09, 0x0A}


def _has_forbidden(text: str) -> bool:
    return any(ord(ch) in FORBIDDEN or ord(ch) in BIDI_CONTROLS or 0xD800 <= ord(ch) <= 0xDFFF for ch in text)


def test_osc52_clipboard_write_is_inert() -> None:
    out = clean("\x1b]52;c;ZXZpbA==\x07")
    assert out == "␛]52;c;ZXZpbA==␇"
    assert "\x1b" not in out and "\x07" not in out


def test_clear_screen_and_carriage_return_are_visible() -> None:
    assert clean("\x1b[2Jdone\rfake") == "␛[2Jdone␍fake"


def test_nul_and_del() -> None:
    assert clean("a\x00b\x7fc") == "a␀b␡c"


def test_c1_csi_becomes_replacement_char() -> None:
    # \x9b is a one-byte CSI on terminals that honour 8-bit controls.
    assert clean("\x9b31mred") == "\ufffd31mred"


def test_tab_and_newline_are_kept() -> None:
    assert clean("a\tb\nc") == "a\tb\nc"


def test_bidi_override_is_shown_as_code_point() -> None:
    # "Trojan Source": RLO makes 'txt.exe' display reversed.
    out = clean("invoice\u202eexe.txt")
    assert out == "invoice[U+202E]exe.txt"
    assert clean("\u2066x\u2069") == "[U+2066]x[U+2069]"


def test_every_bidi_control_is_mapped() -> None:
    for cp in BIDI_CONTROLS:
        assert clean(chr(cp)) == f"[U+{cp:04X}]"
    assert set(BIDI_CONTROLS) == {*range(0x202A, 0x202F), *range(0x2066, 0x206A)}


def test_plain_rtl_marks_are_left_alone() -> None:
    assert clean("\u200fשלום\u200e") == "\u200fשלום\u200e"


def test_lone_surrogate_becomes_encodable() -> None:
    out = clean("a\ud800b")
    assert out == "a\ufffdb"
    out.encode("utf-8")  # would raise on a lone surrogate


def test_ordinary_unicode_is_unchanged() -> None:
    text = "Grüße — 日本語 — emoji 🎉 — `code` [markup]"
    assert clean(text) == text


@given(st.text(alphabet=st.characters(codec=None, exclude_categories=())))
def test_clean_never_emits_a_control_char(text: str) -> None:
    out = clean(text)
    assert not _has_forbidden(out)
    out.encode("utf-8")


@given(st.text())
def test_clean_is_idempotent(text: str) -> None:
    once = clean(text)
    assert clean(once) == once


@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Cf"))))
def test_printable_text_passes_through(text: str) -> None:
    assert clean(text) == text


def test_control_pictures_are_real_symbols() -> None:
    assert unicodedata.name(clean("\x1b")) == "SYMBOL FOR ESCAPE"
