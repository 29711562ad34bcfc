"""clean()'s fast path must skip exactly the text translate() would leave alone."""

from batchtui.core.sanitize import _NEEDS_CLEANING, _TABLE, clean


def test_precheck_matches_exactly_the_characters_clean_replaces():
    for code in range(0x110000):
        assert (_NEEDS_CLEANING.search(chr(code)) is not None) == (code in _TABLE), hex(code)


def test_clean_text_is_returned_unchanged_and_dirty_text_is_cleaned():
    plain = "Regarding “résumé”: tabs\tand\nnewlines stay."
    assert clean(plain) is plain
    assert clean("a\x1b]52;c;x\x07b") == "a␛]52;c;x␇b"
