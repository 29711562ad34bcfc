"""clean()'s fast path must skip exactly the text translate() would leave alone."""

from batchtui.core.sanitize import _NEEDS_CLEANING, _TABLE, clean


def test_precheck_matches_exactly_the_characters_clean_replaces():
    for code in range(0x110000):
        assert (_NEEDS_CLEANING.search(chr(code)) is not None) == (code in _TABLE), hex(code)


def test_clean_text_is_returned_unchanged_and_dirty_text_is_cleaned():
    plain = "Regarding “résumé”: tabs\tand\nnewlines stay."
    assert clean(plain) is plain
    assert clean("a\x1b]52;c;x\x07b") == "a␛]52;c;x␇b"


def test_printable_text_holds_nothing_clean_replaces():
    # clean() returns printable text (newlines aside) without a search: sound only if no character it replaces is
    # printable, nor a newline.
    printable = [hex(code) for code in _TABLE if chr(code).isprintable() or chr(code) == "\n"]
    assert printable == []


def test_text_with_newlines_and_a_control_is_still_cleaned():
    assert clean("one\ntwo\x9bthree\n") == "one\ntwo\ufffdthree\n"
    assert clean("tab\tand\u202eflip") == "tab\tand[U+202E]flip"
    text = "lines\nonly\n"
    assert clean(text) is text
