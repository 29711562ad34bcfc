"""The JSON writer: printable text that loads back to the exact original; money to 6 decimals."""

from __future__ import annotations

import io
import json

from hypothesis import given
from hypothesis import strategies as st

from batchtui.core.export import export_results
from batchtui.core.json_text import dumps, escape_json_text, round_money
from batchtui.core.models import ResultRow

# Every code point, lone surrogates included (st.text leaves those out by default).
ANY_CHAR = st.characters(min_codepoint=0, max_codepoint=0x10FFFF, categories=None, exclude_categories=())
HOSTILE = "\x1b[2J\x7f\x85\x9b31m\u202eevil\u202c\u2066x\u2069\u200e\u200f\u061c\u2028\u2029\ud800"
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(ANY_CHAR),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(ANY_CHAR, max_size=8), inner, max_size=4),
    max_leaves=12,
)


def _terminal_safe(text: str) -> bool:
    """Nothing a terminal acts on, and nothing that cannot be written as UTF-8."""
    return not any(
        (ord(c) < 0x20 and c != "\n")
        or 0x7F <= ord(c) <= 0x9F
        or c in "\u061c\u200e\u200f\u2028\u2029"
        or 0x202A <= ord(c) <= 0x202E
        or 0x2066 <= ord(c) <= 0x2069
        or 0xD800 <= ord(c) <= 0xDFFF
        for c in text
    )


@given(JSON)
def test_any_value_round_trips_and_its_text_is_safe(value):
    for text in (dumps(value, money=False), dumps(value, indent=2, money=False)):
        assert json.loads(text) == value
        assert _terminal_safe(text)
        text.encode("utf-8")  # a lone surrogate must not crash a write


@given(st.text(ANY_CHAR))
def test_a_line_of_json_keeps_its_meaning_when_escaped(text):
    line = json.dumps({"text": text}, ensure_ascii=False)
    escaped = escape_json_text(line)
    assert json.loads(escaped) == {"text": text} and _terminal_safe(escaped)


def test_each_control_is_an_escape_and_readable_text_stays_as_it_is():
    text = dumps({"t": HOSTILE + " résumé “quotes” 日本"})
    assert "\\u001b[2J\\u007f\\u0085\\u009b31m\\u202eevil\\u202c\\u2066x\\u2069" in text
    assert "\\u200e\\u200f\\u061c\\u2028\\u2029\\ud800" in text
    assert "résumé “quotes” 日本" in text  # not \\u-escaped: only what a terminal would act on
    assert escape_json_text('{"a":"x\x7f"}') == '{"a":"x\\u007f"}'  # an ASCII line: only DEL to escape
    clean = '{"a":"plain"}'
    assert escape_json_text(clean) is clean  # the fast path: no copy


def test_money_is_rounded_to_6_decimals_wherever_it_is():
    data = {
        "cost_usd": 0.1 + 0.2,
        "estimated_cost_usd": {"low": 0.00012345678, "high": 1 / 3},
        "parts": [{"saved_usd": 2 / 3, "request_count": 3}],
        "ratio": 1 / 3,  # not money: left alone
        "unknown_usd": None,
    }
    assert round_money(data) == {
        "cost_usd": 0.3,
        "estimated_cost_usd": {"low": 0.000123, "high": 0.333333},
        "parts": [{"saved_usd": 0.666667, "request_count": 3}],
        "ratio": 1 / 3,
        "unknown_usd": None,
    }
    assert '"cost_usd": 0.3,' in dumps(data, indent=2)
    assert '"cost_usd":0.30000000000000004' in dumps(data, money=False)  # user data (metadata) is not touched


async def test_a_jsonl_export_escapes_controls_in_the_api_line_and_the_metadata():
    raw = json.dumps({"custom_id": "a", "result": {"type": "succeeded", "text": HOSTILE}}, ensure_ascii=False)
    row = ResultRow("msgbatch_01", "a", "succeeded", raw, text=HOSTILE)
    plain = ResultRow("msgbatch_01", "b", "succeeded", '{"custom_id":"b","result":{"type":"succeeded"}}')

    async def rows():
        yield row, {"note": "\u202eevil", "price_usd": 0.1 + 0.2}
        yield plain

    out = io.StringIO()
    assert await export_results(rows(), "jsonl", out) == 2
    first, second = out.getvalue().splitlines()
    assert _terminal_safe(first) and "\\u009b" in first and "\\u202e" in first
    assert json.loads(first) == {**json.loads(raw), "metadata": {"note": "\u202eevil", "price_usd": 0.1 + 0.2}}
    assert second == plain.raw  # a line with nothing to escape is written as the API sent it
