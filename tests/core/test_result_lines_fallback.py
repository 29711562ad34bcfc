"""parse_result_line uses orjson, and falls back to the stdlib for JSON orjson refuses but Python accepts."""

import pytest

from batchtui.core.result_lines import parse_result_line


def line(text: str) -> str:
    message = {"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-5",
               "content": [{"type": "text", "text": "TEXT"}], "stop_reason": "end_turn", "stop_sequence": None,
               "usage": {"input_tokens": 5, "output_tokens": 7}}  # fmt: skip
    import json

    body = json.dumps({"custom_id": "c1", "result": {"type": "succeeded", "message": message}})
    return body.replace('"TEXT"', text)


def test_a_lone_surrogate_escape_is_parsed_and_made_visible():
    row = parse_result_line("b", line('"ok \\ud800 then"').encode())
    assert row.text == "ok \ufffd then"
    assert "\\ud800" in row.raw  # the API's own line is kept exactly


def test_plain_lines_take_the_fast_path_and_keep_the_raw_text():
    raw = line('"héllo"')
    row = parse_result_line("b", raw.encode() + b"\n")
    assert row.text == "héllo" and row.raw == raw and row.output_tokens == 7


def test_garbage_is_still_a_clear_error():
    with pytest.raises(ValueError, match="not valid JSON"):
        parse_result_line("b", b'{"custom_id": "c1", "result": ')
