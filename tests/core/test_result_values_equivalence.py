"""The download path's parser (`result_values`, with its msgspec fast path and its general way) gives exactly what the
parser before it gave (tests/core/reference_result_lines.py, kept verbatim): the same values, the same floats for
cost and cache saving, the same errors with the same messages, over generated lines of every shape the API could
send and many it should not (hostile text, odd usage values, cache usage, web searches, long prompts, dated prices,
malformed JSON, duplicate keys). And a chunk stored by `write_result_lines` is the chunk `write_results` stored."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from batchtui.core.result_lines import parse_result_line, result_values
from tests.core import reference_result_lines as reference

# Hostile and plain text: controls, DEL, C1, bidi overrides and isolates, the marks that are left alone, lone
# surrogates (JSON escapes only), astral characters, quotes and backslashes.
HOSTILE = [
    "",
    "plain answer",
    "tab\tand\nnewline",
    "\x1b]52;c;aGk=\x07",
    "\x1b[2J wipe",
    "nul\x00 bell\x07 bs\x08 ff\x0c cr\r",
    "del\x7f",
    "c1\x85\x9b",
    "bidi \u202e reversed \u202a\u202c \u2066iso\u2069",
    "marks \u200e\u200f\u061c kept",
    "astral \U0001f600 and é",
    'quote " and backslash \\',
    "“curly”",
]
LONE_SURROGATE_ESCAPES = ["\\ud800", "\\udfff", "a\\ud83d b", "\\ud83d\\ude00"]  # the last is a valid pair
texts = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=30))

MODELS = [
    "claude-sonnet-5",
    "claude-opus-5",
    "claude-haiku-5-5",  # a long-prompt band above 100,000 tokens
    "claude-sonnet-5-5",  # two dated prices
    "claude-sonnet-4-5-20250929",  # a dated id, canonicalised
    "claude-opus-4-0",  # an alias
    "claude-mythos-preview",  # known, no price
    "gpt-unknown",
    "",
    "model\x1b[31m",
]
ATS = [None, datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 11, 1, 12, tzinfo=UTC), datetime(2026, 11, 1)]

counts = st.one_of(
    st.integers(min_value=0, max_value=200_000),
    st.sampled_from([0, 0, 0, 1, 100_001, -1, -5, 2**63 - 1, 2**63, 2**64, 2**70]),
    st.sampled_from([0.0, 5.0, 1e2, True, False, None, "12", [], {}]),
)
splits = st.one_of(
    st.none(),
    st.fixed_dictionaries({}, optional={"ephemeral_5m_input_tokens": counts, "ephemeral_1h_input_tokens": counts}),
    st.sampled_from([[], "x", 0]),
)
servers = st.one_of(
    st.none(),
    st.fixed_dictionaries({}, optional={"web_search_requests": counts, "web_fetch_requests": counts}),
    st.sampled_from([[], "x"]),
)
usages = st.one_of(
    st.fixed_dictionaries(
        {},
        optional={
            "input_tokens": counts,
            "output_tokens": counts,
            "cache_creation_input_tokens": counts,
            "cache_read_input_tokens": counts,
            "cache_creation": splits,
            "server_tool_use": servers,
            "service_tier": st.sampled_from(["batch", None]),
        },
    ),
    # The usual shapes, so the fast path is well covered: plain, and with cache use.
    st.builds(
        lambda i, o, w, r: {
            "input_tokens": i,
            "output_tokens": o,
            "cache_creation_input_tokens": w,
            "cache_read_input_tokens": r,
            "cache_creation": {"ephemeral_5m_input_tokens": w, "ephemeral_1h_input_tokens": 0},
            "server_tool_use": {"web_search_requests": 0, "web_fetch_requests": 0},
            "service_tier": "batch",
        },
        st.integers(0, 300_000),
        st.integers(0, 4096),
        st.sampled_from([0, 0, 1024, 3000]),
        st.sampled_from([0, 0, 2999, 50_000]),
    ),
    st.sampled_from([None, [], "usage", 3]),
)
blocks = st.one_of(
    st.builds(lambda t: {"type": "text", "text": t}, texts),
    st.builds(lambda t: {"type": "text", "text": t, "citations": None}, texts),
    st.sampled_from(
        [
            {"type": "thinking", "thinking": "hmm", "signature": "s"},
            {"type": "tool_use", "id": "t", "name": "calc", "input": {"a": 1}},
            {"type": "text"},
            {"type": "text", "text": None},
            {"type": "text", "text": 5},
            {"text": "no type"},
            {"type": None, "text": "typeless"},
            {"type": 7, "text": "numeric type"},
            "a string block",
            None,
            [],
        ]
    ),
)
messages = st.one_of(
    st.fixed_dictionaries(
        {
            "id": st.just("msg_01"),
            "type": st.just("message"),
            "role": st.just("assistant"),
            "model": st.one_of(st.sampled_from(MODELS), st.sampled_from([None, 5, ["m"]])),
            "content": st.one_of(st.lists(blocks, max_size=4), st.sampled_from([None, "text", {}])),
            "stop_reason": st.one_of(st.sampled_from(["end_turn", "max_tokens", "tool_use", "\x1b", None]), texts),
            "stop_sequence": st.none(),
            "usage": usages,
        }
    ),
    st.sampled_from([None, [], "message", {}]),
)
inner_errors = st.fixed_dictionaries(
    {},
    optional={
        "type": st.one_of(st.sampled_from(["invalid_request_error", "api\x1b", None, 3]), texts),
        "message": st.one_of(texts, st.sampled_from([None, 4, ["m"]])),
    },
)
results = st.one_of(
    st.fixed_dictionaries({"type": st.just("succeeded"), "message": messages}),
    st.fixed_dictionaries({"type": st.just("succeeded")}),
    st.fixed_dictionaries(
        {
            "type": st.just("errored"),
            "error": st.one_of(
                st.fixed_dictionaries({"type": st.just("error"), "error": inner_errors, "request_id": st.none()}),
                st.fixed_dictionaries({"error": st.sampled_from([None, "x", 5])}),
                st.sampled_from([None, "error", {}]),
            ),
        }
    ),
    st.fixed_dictionaries({"type": st.sampled_from(["canceled", "expired"])}),
    st.fixed_dictionaries({"type": st.one_of(texts, st.sampled_from(["deferred\x1b", "succeeded "]))}),
    st.fixed_dictionaries({"type": st.sampled_from([None, 5, ["succeeded"]])}),
    st.sampled_from([None, [], "succeeded", {}]),
    # a succeeded result that also carries an odd `error`, an errored one with an odd `message`
    st.fixed_dictionaries({"type": st.just("succeeded"), "message": messages, "error": st.sampled_from([5, "e"])}),
    st.fixed_dictionaries({"type": st.just("errored"), "message": st.just(5), "error": st.just({"error": {}})}),
)
ids = st.from_regex(r"req-[0-9]{1,6}", fullmatch=True)
custom_ids = st.one_of(ids, ids, ids, texts, st.sampled_from(["", None, 5, ["a"], "id\x1b\u202e"]))
plain_counts = st.one_of(st.integers(0, 300_000), st.just(0))
plain_usages = st.builds(
    lambda i, o, w, r, s: {
        "input_tokens": i,
        "output_tokens": o,
        "cache_creation_input_tokens": w,
        "cache_read_input_tokens": r,
        "cache_creation": {"ephemeral_5m_input_tokens": w, "ephemeral_1h_input_tokens": 0},
        "server_tool_use": {"web_search_requests": s, "web_fetch_requests": 0},
        "service_tier": "batch",
    },
    plain_counts,
    plain_counts,
    st.sampled_from([0, 0, 0, 1024]),
    st.sampled_from([0, 0, 0, 2999]),
    st.sampled_from([0, 0, 0, 2]),
)
usual = st.builds(
    lambda cid, model, content, stop, usage: {
        "custom_id": cid,
        "result": {
            "type": "succeeded",
            "message": {
                "id": "msg_01",
                "type": "message",
                "role": "assistant",
                "model": model,
                "content": content,
                "stop_reason": stop,
                "stop_sequence": None,
                "usage": usage,
            },
        },
    },
    ids,
    st.sampled_from(MODELS),
    st.lists(blocks, min_size=1, max_size=3),
    st.sampled_from(["end_turn", "max_tokens", None]),
    st.one_of(plain_usages, plain_usages, usages),
)
odd_objects = st.sampled_from(
    [[], "line", 5, None, {"result": {"type": "expired"}}, {"custom_id": "a"}, {"custom_id": 5, "result": {}}]
)
objects = st.one_of(
    usual,
    usual,
    usual,
    st.fixed_dictionaries({"custom_id": custom_ids, "result": results}),
    st.fixed_dictionaries({"custom_id": custom_ids, "result": results}),
    odd_objects,
)


def _encode(obj: Any, style: int) -> str:
    if style == 0:
        return json.dumps(obj, separators=(",", ":"))  # the API's compact form, non-ASCII escaped
    if style == 1:
        return json.dumps(obj, ensure_ascii=False)  # raw UTF-8, spaced
    return json.dumps(obj, indent=None, separators=(", ", ": "), ensure_ascii=False, sort_keys=True)


def _mutate(text: str, how: int, extra: str) -> str:
    """Edits a parser could see differently: duplicate keys, lone surrogate escapes, broken JSON, padding."""
    if how == 1 and text.startswith('{"custom_id"'):
        return '{"custom_id": "shadowed", ' + text[1:]  # a duplicate key: the last one counts
    if how == 2 and '"text": "' in text:
        return text.replace('"text": "', '"text": "' + extra, 1)
    if how == 3:
        return text[: max(1, len(text) // 2)]  # cut off
    if how == 4:
        return "  " + text + " \t"
    if how == 5:
        return text + " trailing"
    if how == 6:
        return text.replace("1", "1.0", 1)  # an integer turned float somewhere
    if how == 7:
        return "\ufeff" + text
    return text


lines = st.builds(
    _mutate,
    st.builds(_encode, objects, st.integers(0, 2)),
    st.sampled_from([0] * 12 + [1, 2, 3, 4, 5, 6, 7]),
    st.sampled_from(LONE_SURROGATE_ESCAPES),
)
endings = st.sampled_from(["", "\n", "\r\n", "\r"])


def _outcome(fn: Any) -> tuple[str, Any]:
    try:
        return "ok", fn()
    except ValueError as exc:
        return "error", (type(exc), str(exc))


def _same(a: Any, b: Any) -> bool:
    """Equal, with each float the very same float (0.1 + 0.2 must not pass for 0.3)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float):
        return a.hex() == b.hex()
    return a == b


def _reference(line: bytes | str, at: datetime | None) -> tuple:
    row = reference.parse_result_line("b", line, at=at)
    return (
        7, row.custom_id, row.result_type, row.raw, row.text, row.model, row.stop_reason, row.error_type,
        row.error_message, row.input_tokens, row.output_tokens, row.cache_creation_input_tokens,
        row.cache_read_input_tokens, row.cost_usd, row.cache_saved_usd,
    )  # fmt: skip


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines, endings, st.booleans(), st.sampled_from(ATS))
def test_result_values_equal_the_reference_parser(text: str, ending: str, as_bytes: bool, at: datetime | None):
    line: bytes | str = (text + ending).encode("utf-8", "surrogatepass") if as_bytes else text + ending
    expected = _outcome(lambda: _reference(line, at))
    got = _outcome(lambda: result_values(7, line, at))
    assert got[0] == expected[0], (line, got, expected)
    assert _same(got[1], expected[1]), (line, got, expected)
    row = _outcome(lambda: parse_result_line("b", line, at=at))
    assert _same(row, _outcome(lambda: reference.parse_result_line("b", line, at=at)))


@pytest.mark.parametrize(
    "line",
    [
        b'{"custom_id": "\xff"}',  # not UTF-8
        b'{"custom_id":"a","result":{"type":"x"}}\xed\xa0\x80',  # an encoded surrogate: not UTF-8 either
        b"",
        b"   ",
        b"[1, 2]",
        b'{"custom_id": "a", "result": ',
        b'{"custom_id":"a","result":{"type":"succeeded","message":{"usage":{"input_tokens":NaN}}}}',
        b'{"custom_id":"a","result":{"type":"succeeded","message":{"model":"claude-sonnet-5","usage":'
        b'{"input_tokens":123456789012345678901234567890,"output_tokens":1}}}}',
        b'{"custom_id":"a","result":{"type":"succeeded","message":{"model":"claude-sonnet-5","usage":'
        b'{"input_tokens":18446744073709551615,"output_tokens":1}}}}',
        b'{"custom_id":"a","custom_id":"b","result":{"type":"canceled"},"result":{"type":"expired"}}',
        b'{"custom_id":"a","result":{"type":"succeeded","message":{"content":[{"type":"text","text":"\\ud800"}]}}}',
    ],
)
@pytest.mark.parametrize("at", [None, datetime(2026, 11, 1, tzinfo=UTC)])
def test_odd_lines_give_the_reference_outcome(line: bytes, at: datetime | None) -> None:
    expected = _outcome(lambda: _reference(line, at))
    got = _outcome(lambda: result_values(7, line, at))
    assert got[0] == expected[0] and _same(got[1], expected[1]), (got, expected)


def test_the_usual_line_takes_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """The emulator's (and the API's) usual lines never go the general way: that is where the time goes."""
    import batchtui.core.result_lines as result_lines

    def general(*args: Any) -> tuple:
        raise AssertionError("took the general way")

    usage = {
        "input_tokens": 35, "output_tokens": 55, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0,
        "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
        "server_tool_use": {"web_search_requests": 0, "web_fetch_requests": 0}, "service_tier": "batch",
    }  # fmt: skip
    message = {
        "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-5",
        "content": [{"type": "text", "text": "Hi \u201cthere\u201d"}], "stop_reason": "end_turn", "stop_sequence": None,
        "usage": usage,
    }  # fmt: skip
    at = datetime(2026, 11, 1, tzinfo=UTC)
    monkeypatch.setattr(result_lines, "_general_values", general)
    ok = json.dumps({"custom_id": "r-1", "result": {"type": "succeeded", "message": message}}).encode()
    cached = json.dumps(
        {
            "custom_id": "r-2",
            "result": {"type": "succeeded", "message": {**message, "usage": {**usage, "cache_read_input_tokens": 9}}},
        }
    ).encode()
    err = b'{"custom_id":"r-3","result":{"type":"errored","error":{"type":"error","error":{"type":"x","message":"m"}}}}'
    for line in (ok, cached, err, b'{"custom_id":"r-4","result":{"type":"expired"}}'):
        assert result_values(1, line, at)[1].startswith("r-")


async def test_write_result_lines_stores_what_write_results_stored(cache_store) -> None:
    """The same rows (every stored column, the order of rowids included) from one chunk, both ways; and a malformed
    line writes nothing of its chunk and raises the parser's error."""
    store = cache_store
    base = {
        "type": "message_batch", "processing_status": "ended",
        "request_counts": {"processing": 0, "succeeded": 3, "errored": 1, "canceled": 1, "expired": 1},
        "created_at": "2026-11-01T10:00:00Z", "expires_at": "2026-11-02T10:00:00Z",
        "ended_at": "2026-11-01T11:00:00Z", "cancel_initiated_at": None, "archived_at": None, "results_url": None,
    }  # fmt: skip
    await store.upsert_batches(
        [{**base, "id": "msgbatch_old"}, {**base, "id": "msgbatch_new"}], synced_at=datetime.now(UTC)
    )
    usage = {
        "input_tokens": 1200,
        "output_tokens": 80,
        "cache_read_input_tokens": 3000,
        "cache_creation_input_tokens": 0,
    }
    message = {"model": "claude-sonnet-5", "content": [{"type": "text", "text": "ok \x1b[2J \u202e"}],
               "stop_reason": "end_turn", "usage": usage}  # fmt: skip

    def succeeded(custom_id: str, usage: dict[str, Any]) -> bytes:
        body = {"type": "succeeded", "message": {**message, "usage": usage}}
        return json.dumps({"custom_id": custom_id, "result": body}).encode()

    chunk = [
        succeeded("c-3", usage),
        b'{"custom_id":"c-1","result":{"type":"errored","error":{"error":{"type":"overloaded\\u001b","message":"m"}}}}',
        b'{"custom_id":"c-2","result":{"type":"canceled"}}',
        b'{"custom_id":"c-0","result":{"type":"expired"}}\r',
        succeeded("c-4", {"input_tokens": 5, "output_tokens": 6}),
        succeeded("c-5", {"input_tokens": 5.0}),
    ]
    at = datetime(2026, 11, 1, 10, tzinfo=UTC)
    await store.write_results("msgbatch_old", [parse_result_line("msgbatch_old", line, at=at) for line in chunk])
    assert await store.write_result_lines("msgbatch_new", chunk, at=at) == len(chunk)

    async def stored(batch_id: str) -> list[tuple]:
        rows = await store._db.fetchall(
            "SELECT r.* FROM results AS r JOIN batches AS b ON b.key = r.batch_key WHERE b.id = ? ORDER BY r.rowid",
            (batch_id,),
        )
        return [row[1:] for row in rows]  # all but batch_key

    old, new = await stored("msgbatch_old"), await stored("msgbatch_new")
    assert len(new) == len(chunk)
    assert all(_same(tuple(a), tuple(b)) for a, b in zip(old, new, strict=True)), (old, new)

    with pytest.raises(ValueError, match="not valid JSON"):
        await store.write_result_lines("msgbatch_new", [b'{"custom_id":"c-9","result":{"type":"expired"}}', b"{"])
    assert await store.get_result("msgbatch_new", "c-9") is None
    with pytest.raises(ValueError, match="not valid JSON"):  # the line's error comes first, as it did
        await store.write_result_lines("msgbatch_none", [b"{"])


def test_usual_lines_of_every_priced_model_band_and_day_give_the_reference_values() -> None:
    """Deterministically, what the fast path prices itself: every priced model (aliases and dated ids too), both sides
    of a long-prompt threshold, with and without cache use or a web search, on every day that changes a price."""
    from batchtui.core.cost import priced_models

    models = [*sorted(priced_models()), "claude-opus-4-0", "claude-sonnet-4-5-20250929", "claude-mythos-preview"]
    usages = [
        {"input_tokens": n, "output_tokens": 321, **extra}
        for n in (0, 1, 4096, 100_000, 100_001, 250_000)
        for extra in (
            {},
            {"cache_creation_input_tokens": 0, "cache_read_input_tokens": 0,
             "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
             "server_tool_use": {"web_search_requests": 0}},
            {"cache_read_input_tokens": 2048},
            {"cache_creation_input_tokens": 1500, "cache_creation": {"ephemeral_1h_input_tokens": 500}},
            {"server_tool_use": {"web_search_requests": 2}},
        )
    ]  # fmt: skip
    days = [None, datetime(2025, 1, 1, tzinfo=UTC), datetime(2026, 10, 6, 23, tzinfo=UTC), datetime(2026, 10, 7)]
    for model in models:
        for usage in usages:
            message = {"model": model, "content": [{"type": "text", "text": "ok"}], "usage": usage}
            line = json.dumps({"custom_id": "c", "result": {"type": "succeeded", "message": message}}).encode()
            for at in days:
                got, expected = result_values(7, line, at), _reference(line, at)
                assert _same(got, expected), (model, usage, at, got, expected)
