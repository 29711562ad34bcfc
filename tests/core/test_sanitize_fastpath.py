"""clean()'s fast path must skip exactly the text translate() would leave alone."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from batchtui.core.sanitize import _NEEDS_CLEANING, _TABLE, clean, clean_answer


def test_precheck_matches_exactly_the_characters_clean_replaces():
    for code in range(0x110000):
        assert (_NEEDS_CLEANING.search(chr(code)) is not None) == (code in _TABLE), hex(code)


def test_clean_text_is_returned_unchanged_and_dirty_text_is_cleaned():
    plain = "Regarding “résumé”: tabs\tand\nnewlines stay."
    assert clean(plain) is plain
    assert clean("a\x1b]52;c;x\x07b") == "a␛]52;c;x␇b"


def test_printable_text_holds_nothing_clean_replaces():
    # clean_answer() returns printable text (newlines aside) without a search: sound only if no character clean()
    # replaces is printable, nor a newline.
    printable = [hex(code) for code in _TABLE if chr(code).isprintable() or chr(code) == "\n"]
    assert printable == []


@pytest.mark.parametrize(
    "text",
    ["", "plain", "lines\nonly\n", "one\ntwo\x9bthree\n", "tab\tand\u202eflip", "tab\tkept", "\x1b[2J", "\ud800"],
)
def test_clean_answer_is_clean(text):
    assert clean_answer(text) == clean(text)
    if clean(text) == text:
        assert clean_answer(text) is text


@given(st.text())
def test_clean_answer_is_clean_on_any_text(text):
    assert clean_answer(text) == clean(text)
