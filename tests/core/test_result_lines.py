"""parse_result_line: every result type, exact raw text, sanitized display fields, and clear errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

import batchtui.core.result_lines as result_lines
from batchtui.core.result_lines import parse_result_line

B = "msgbatch_01X"

SUCCEEDED = (
    '{"custom_id":"my-second-request","result":{"type":"succeeded","message":{"id":"msg_014VwiXbi91y3JMjcpyGBHX5",'
    '"type":"message","role":"assistant","model":"claude-opus-5","content":[{"type":"text","text":"Hello again!"}],'
    '"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":11,"output_tokens":36,'
    '"cache_creation_input_tokens":5,"cache_read_input_tokens":7}}}}'
)
ERRORED = (
    '{"custom_id":"req-3","result":{"type":"errored","error":{"type":"error","error":{"type":"invalid_request_error",'
    '"message":"max_tokens: ..."},"request_id":null}}}'
)


def test_succeeded() -> None:
    row = parse_result_line(B, SUCCEEDED + "\n")
    assert (row.batch_id, row.custom_id, row.result_type) == (B, "my-second-request", "succeeded")
    assert row.raw == SUCCEEDED
    assert (row.text, row.model, row.stop_reason) == ("Hello again!", "claude-opus-5", "end_turn")
    assert (row.input_tokens, row.output_tokens) == (11, 36)
    assert (row.cache_creation_input_tokens, row.cache_read_input_tokens) == (5, 7)
    assert row.error_type is None and row.error_message is None


def test_errored_uses_the_inner_error() -> None:
    row = parse_result_line(B, ERRORED.encode() + b"\n")
    assert (row.custom_id, row.result_type) == ("req-3", "errored")
    assert (row.error_type, row.error_message) == ("invalid_request_error", "max_tokens: ...")
    assert row.raw == ERRORED
    assert row.text is None and row.cost_usd is None and row.input_tokens is None


@pytest.mark.parametrize("kind", ["canceled", "expired"])
def test_canceled_and_expired(kind: str) -> None:
    text = f'{{"custom_id":"req-4","result":{{"type":"{kind}"}}}}'
    row = parse_result_line(B, text)
    assert (row.custom_id, row.result_type, row.raw) == ("req-4", kind, text)
    assert (row.text, row.error_type, row.cost_usd) == (None, None, None)


def test_raw_is_the_line_exactly() -> None:
    spaced = '{ "custom_id" : "a",  "result": {"type": "expired"} }'
    assert parse_result_line(B, spaced + "\n").raw == spaced
    assert parse_result_line(B, spaced + "\r\n").raw == spaced
    assert parse_result_line(B, spaced).raw == spaced
    assert parse_result_line(B, (spaced + "\n").encode()).raw == spaced
    escaped = (
        '{"custom_id":"a","result":{"type":"succeeded","message":{"content":[{"type":"text","text":"\\u00e9\\n"}]}}}'
    )
    row = parse_result_line(B, escaped)
    assert row.raw == escaped and row.text == "é\n"


def test_text_blocks_are_concatenated_and_other_blocks_skipped() -> None:
    content = [
        {"type": "thinking", "thinking": "hmm", "signature": "s"},
        {"type": "text", "text": "The answer is ", "citations": None},
        {"type": "tool_use", "id": "t", "name": "calc", "input": {}},
        {"type": "text", "text": "42."},
    ]
    msg = {
        "model": "m",
        "content": content,
        "stop_reason": "tool_use",
        "usage": {"input_tokens": 1, "output_tokens": 2},
    }
    line = json.dumps({"custom_id": "c", "result": {"type": "succeeded", "message": msg}})
    row = parse_result_line(B, line)
    assert row.text == "The answer is 42."
    assert row.stop_reason == "tool_use"


def test_a_message_with_no_text_has_none() -> None:
    msg = {"model": "m", "content": [], "stop_reason": "max_tokens", "usage": {"input_tokens": 1, "output_tokens": 0}}
    row = parse_result_line(B, json.dumps({"custom_id": "c", "result": {"type": "succeeded", "message": msg}}))
    assert row.text is None and row.output_tokens == 0


def test_display_fields_are_sanitized_but_raw_and_custom_id_are_exact() -> None:
    hostile = "\x1b]52;c;aGk=\x07\x1b[2J\u202eevil"
    msg = {"model": "m\x1b[1m", "content": [{"type": "text", "text": hostile}], "stop_reason": "end\x9bturn"}
    line = json.dumps({"custom_id": "id\x1b", "result": {"type": "succeeded", "message": msg}})
    row = parse_result_line(B, line)
    assert "\x1b" not in row.text and "\x07" not in row.text and "\u202e" not in row.text  # type: ignore[operator]
    assert row.text.startswith("␛]52;c;aGk=␇␛[2J")  # type: ignore[union-attr]
    assert row.model == "m␛[1m" and row.stop_reason == "end\ufffdturn"
    assert row.custom_id == "id\x1b"  # the key, exactly as the API sent it
    assert row.display_custom_id == "id␛"
    assert row.raw == line
    err = json.dumps(
        {"custom_id": "e", "result": {"type": "errored", "error": {"error": {"type": "api\x1b", "message": "m\x00"}}}}
    )
    row = parse_result_line(B, err)
    assert (row.error_type, row.error_message) == ("api␛", "m␀")


def test_an_unknown_result_type_is_kept() -> None:
    row = parse_result_line(B, '{"custom_id":"a","result":{"type":"deferred\\u001b"}}')
    assert row.result_type == "deferred␛"


def test_cost_comes_from_model_and_usage(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def fake_cost(model, usage, *, at=None):
        calls.append((model, usage, at))
        return 0.125, -0.5

    monkeypatch.setattr(result_lines, "result_costs", fake_cost)
    row = parse_result_line(B, SUCCEEDED)
    assert (row.cost_usd, row.cache_saved_usd) == (0.125, -0.5)
    usage = json.loads(SUCCEEDED)["result"]["message"]["usage"]
    assert calls == [("claude-opus-5", usage, None)]
    ran = datetime(2026, 3, 1, tzinfo=UTC)
    parse_result_line(B, SUCCEEDED, at=ran)  # priced as of the day the batch ran
    assert calls[-1] == ("claude-opus-5", usage, ran)
    assert parse_result_line(B, ERRORED, at=ran).cost_usd is None
    assert len(calls) == 2  # only succeeded requests are billed


def test_odd_usage_values_are_dropped_not_trusted() -> None:
    msg = {
        "model": "m",
        "content": [],
        "usage": {"input_tokens": "11", "output_tokens": True, "cache_read_input_tokens": 3},
    }
    row = parse_result_line(B, json.dumps({"custom_id": "c", "result": {"type": "succeeded", "message": msg}}))
    assert (row.input_tokens, row.output_tokens, row.cache_read_input_tokens) == (None, None, 3)


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("", "empty line"),
        ("\n", "empty line"),
        ('{"custom_id": "a", "result": ', "not valid JSON"),
        ("[1, 2]", "not a JSON object"),
        ('{"result": {"type": "expired"}}', "no custom_id"),
        ('{"custom_id": 7, "result": {"type": "expired"}}', "no custom_id"),
        ('{"custom_id": "a"}', "has no result.type"),
        ('{"custom_id": "a", "result": {"type": null}}', "has no result.type"),
        ('{"custom_id": "a", "result": {"type": "succeeded"}}', "has no message object"),
        ('{"custom_id": "a", "result": {"type": "errored", "error": {"type": "error"}}}', "no result.error.error"),
        (b'{"custom_id": "\xff"}', "not UTF-8"),
    ],
)
def test_malformed_lines_raise_a_value_error_naming_the_problem(line: str | bytes, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_result_line(B, line)


def test_error_messages_do_not_echo_control_characters() -> None:
    with pytest.raises(ValueError) as info:
        parse_result_line(B, "\x1b[2J not json")
    assert "\x1b" not in str(info.value)
