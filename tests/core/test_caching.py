"""Prefix detection and marking on hand-made sets: what is shared gets one breakpoint at its end, nothing else
changes, and the API's limits (minimum length, 4 breakpoints, TTL order, automatic caching) are respected."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from batchtui.core.cache_rules import minimum_tokens
from batchtui.core.caching import AutoCacher, PrefixCounter, _existing, candidates

MODEL = "claude-sonnet-5"  # caches prefixes of 1,024 tokens and more
LONG = "Refunds are due within five working days of an accepted claim. " * 80  # ~5 kB: over the minimum
EPHEMERAL = {"type": "ephemeral"}


def req(question: str, **params: Any) -> dict[str, Any]:
    return {"model": MODEL, "max_tokens": 100, "messages": [{"role": "user", "content": question}], **params}


def doc(text: str) -> dict[str, Any]:
    return {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": text}}


def first_turn(*blocks: dict[str, Any], **params: Any) -> dict[str, Any]:
    return {"model": MODEL, "max_tokens": 100, "messages": [{"role": "user", "content": list(blocks)}], **params}


def text(value: str, **extra: Any) -> dict[str, Any]:
    return {"type": "text", "text": value, **extra}


def mark_all(requests: list[dict[str, Any]], share: int = 2) -> list[dict[str, Any]]:
    counter = PrefixCounter()
    for params in requests:
        counter.add(params)
    cacher = AutoCacher(counter, share)
    return [cacher.mark(params).params for params in requests]


def breakpoints(params: dict[str, Any]) -> int:
    return json.dumps(params).count('"cache_control"')


def test_a_shared_system_prompt_becomes_one_marked_text_block() -> None:
    requests = [req(f"Question {i}?", system=LONG) for i in range(3)]
    originals = copy.deepcopy(requests)
    for out, original in zip(mark_all(requests), originals, strict=True):
        assert out["system"] == [{"type": "text", "text": LONG, "cache_control": EPHEMERAL}]
        assert out["messages"] == original["messages"] and breakpoints(out) == 1
    assert requests == originals  # the input is never mutated


def test_a_shared_leading_document_is_marked_and_the_question_is_not() -> None:
    requests = [first_turn(doc(LONG), text(f"Is invoice {i} covered?")) for i in range(4)]
    for out in mark_all(requests):
        blocks = out["messages"][0]["content"]
        assert blocks[0]["cache_control"] == EPHEMERAL and "cache_control" not in blocks[1]
        assert breakpoints(out) == 1


def test_shared_tools_are_marked_on_the_last_tool() -> None:
    tools = [{"name": f"tool_{n}", "description": LONG[:2500], "input_schema": {"type": "object"}} for n in ("a", "b")]
    requests = [req(f"Question {i}?", tools=tools, system=f"You are agent {i}.") for i in range(3)]
    for i, out in enumerate(mark_all(requests)):
        assert "cache_control" not in out["tools"][0] and out["tools"][1]["cache_control"] == EPHEMERAL
        assert out["system"] == f"You are agent {i}."  # not shared: left a string
        assert breakpoints(out) == 1


def test_nothing_shared_leaves_every_request_byte_identical() -> None:
    requests = [req(f"Question {i}?", system=LONG + str(i)) for i in range(5)]
    before = [json.dumps(r) for r in requests]
    assert [json.dumps(r) for r in mark_all(requests)] == before


def test_a_shared_prefix_under_the_models_minimum_is_left_alone() -> None:
    short = "You are a helpful support agent. " * 20  # ~660 bytes: under 1,024 tokens even at one a byte
    assert len(short.encode()) + 100 < minimum_tokens(MODEL)
    requests = [req(f"Question {i}?", system=short) for i in range(10)]
    assert mark_all(requests) == requests


def test_a_prefix_is_shared_by_at_least_share_requests() -> None:
    requests = [req("A?", system=LONG), req("B?", system=LONG), req("C?", system=LONG + "!")]
    assert breakpoints(mark_all(requests)[0]) == 1
    assert mark_all(requests, share=3) == requests


def test_nested_prefixes_each_get_a_breakpoint_when_more_requests_share_the_shorter() -> None:
    # All share the system prompt; two documents are each shared by half: both levels are marked, so a request
    # with the other document still reads the system prompt.
    requests = [first_turn(doc(f"{n} " + LONG), text(f"Q{i}?"), system=LONG) for n in "AB" for i in range(3)]
    for out in mark_all(requests):
        assert out["system"][0]["cache_control"] == EPHEMERAL
        assert out["messages"][0]["content"][0]["cache_control"] == EPHEMERAL
        assert breakpoints(out) == 2
    # A shorter prefix shared by no more requests than the longer one adds nothing: one breakpoint is enough.
    same = [first_turn(doc(LONG), text(f"Q{i}?"), system=LONG) for i in range(3)]
    assert all(breakpoints(out) == 1 for out in mark_all(same))


def test_existing_breakpoints_count_towards_the_limit_of_four() -> None:
    def with_marks(k: int, i: int) -> dict[str, Any]:
        later = [{"role": "assistant", "content": [text(f"Note {j}.", cache_control=EPHEMERAL)]} for j in range(k)]
        params = first_turn(doc(LONG), text(f"Q{i}?"))
        params["messages"] += [*later, {"role": "user", "content": "Go on."}]
        return params

    three = [with_marks(3, i) for i in range(3)]
    assert all(breakpoints(out) == 4 for out in mark_all(three))  # one added: the limit reached, not passed
    four = [with_marks(4, i) for i in range(3)]
    assert mark_all(four) == four


def test_never_more_than_four_breakpoints_however_many_levels_are_shared() -> None:
    # Five nested levels, each shared by more requests than the next: tools (32), system (16), then three leading
    # blocks (8, 4, 2). The four longest are marked; the tools, shared most but shortest, are left out.
    tools = [{"name": "lookup", "description": LONG, "input_schema": {"type": "object"}}]
    requests = []
    for i in range(32):
        blocks = [text(f"{i // 8} " + LONG), text(f"{i // 4} " + LONG), text(f"{i // 2} " + LONG), text(f"Q{i}?")]
        requests.append(first_turn(*blocks, tools=tools, system=f"{i // 16} " + LONG))
    for out in mark_all(requests):
        assert breakpoints(out) == 4 and "cache_control" not in out["tools"][0]
        assert [("cache_control" in b) for b in out["messages"][0]["content"]] == [True, True, True, False]


def test_a_five_minute_mark_never_goes_before_an_existing_one_hour_mark() -> None:
    hour = {"type": "ephemeral", "ttl": "1h"}
    requests = [first_turn(doc(LONG), text(f"Q{i}?", cache_control=hour)) for i in range(3)]
    assert mark_all(requests) == requests  # the API refuses a 1h breakpoint after a 5m one


def test_requests_using_automatic_caching_are_left_alone() -> None:
    requests = [req(f"Q{i}?", system=LONG, cache_control=EPHEMERAL) for i in range(3)]
    assert mark_all(requests) == requests


def test_an_already_marked_shared_prefix_is_not_marked_twice() -> None:
    requests = [req(f"Q{i}?", system=[text(LONG, cache_control=EPHEMERAL)]) for i in range(3)]
    assert mark_all(requests) == requests


def test_pass_one_counts_with_the_same_upper_bounds_pass_two_chooses_by() -> None:
    tools = [{"name": "lookup", "description": "Übersicht ✓ " * 50, "input_schema": {"type": "object"}}]
    params = first_turn(doc(LONG), text("Größe? " * 30), text("Q?"), tools=tools, system=[text("Sys ✓ " * 40)])
    exact, fast = candidates(params), candidates(params, high_only=True)
    assert [c.high for c in fast] == [c.high for c in exact] and len(exact) == 5
    assert [c.key for c in fast] == [c.key for c in exact] and all(c.low == 0 for c in fast)


@pytest.mark.parametrize("messages", [True, 3, "hi", None, {"role": "user"}])
def test_breakpoints_of_a_request_whose_messages_are_no_list_are_none(messages):
    assert _existing({"model": "claude-sonnet-5", "messages": messages}) == []
