"""The emulator's prompt cache follows the API: the first use of a prefix writes it, later uses within its TTL read
it, a different prefix never hits, a prefix under the model's minimum is not cached; exact, never random."""

from __future__ import annotations

from typing import Any

import anthropic
import pytest

from batchtui.emulator import Emulator
from batchtui.emulator.prompt_cache import Boundary, boundaries, minimum_tokens, use

from ._support import finish, make_request

pytestmark = pytest.mark.emulator(batch_seconds=10)

MODEL = "claude-sonnet-5"  # caches prefixes of 1,024 tokens and more
DOC = "The refund policy covers every invoice issued in the last ninety days. " * 80  # ~1,400 tokens


def marked(text: str, ttl: str | None = None) -> dict[str, Any]:
    control = {"type": "ephemeral", **({"ttl": ttl} if ttl else {})}
    return {"type": "text", "text": text, "cache_control": control}


def requests(n: int, system: list[dict], prefix: str = "q", **params: Any) -> list[dict]:
    params = {"model": MODEL, "system": system, **params}
    return [make_request(f"{prefix}-{i}", text=f"Question {i}: is invoice {i} covered?", **params) for i in range(n)]


def usages(client: anthropic.Anthropic, batch_id: str) -> dict[str, Any]:
    return {r.custom_id: r.result.message.usage for r in client.messages.batches.results(batch_id)}


def run(emu: Emulator, client: anthropic.Anthropic, reqs: list[dict]) -> dict[str, Any]:
    batch = client.messages.batches.create(requests=reqs)
    finish(emu)
    return usages(client, batch.id)


def test_first_use_writes_and_every_later_use_reads(batch_emulator: Emulator, client: anthropic.Anthropic) -> None:
    plain = run(batch_emulator, client, requests(24, [{"type": "text", "text": DOC}], prefix="plain"))
    cached = run(batch_emulator, client, requests(24, [marked(DOC)]))
    writes = [u for u in cached.values() if u.cache_creation_input_tokens]
    reads = [u for u in cached.values() if u.cache_read_input_tokens]
    assert len(writes) == 1 and len(reads) == 23  # one request wrote it; every other one read it
    prefix = writes[0].cache_creation_input_tokens
    assert prefix > minimum_tokens(MODEL)
    assert all(u.cache_read_input_tokens == prefix and u.cache_creation_input_tokens == 0 for u in reads)
    assert writes[0].cache_creation.ephemeral_5m_input_tokens == prefix
    assert writes[0].cache_creation.ephemeral_1h_input_tokens == 0
    for i in range(24):  # the cached tokens are part of the prompt, not extra: totals match the unmarked run
        u, p = cached[f"q-{i}"], plain[f"plain-{i}"]
        assert u.input_tokens + u.cache_creation_input_tokens + u.cache_read_input_tokens == p.input_tokens
        assert p.cache_creation_input_tokens == 0 and p.cache_read_input_tokens == 0


def test_a_later_batch_reads_what_an_earlier_one_wrote(batch_emulator: Emulator, client: anthropic.Anthropic) -> None:
    run(batch_emulator, client, requests(3, [marked(DOC)], prefix="a"))
    second = run(batch_emulator, client, requests(5, [marked(DOC)], prefix="b"))
    assert all(u.cache_read_input_tokens > 0 and u.cache_creation_input_tokens == 0 for u in second.values())


def test_a_different_prefix_never_hits(batch_emulator: Emulator, client: anthropic.Anthropic) -> None:
    run(batch_emulator, client, requests(2, [marked(DOC)], prefix="a"))
    other = run(batch_emulator, client, requests(2, [marked(DOC + "!")], prefix="b"))  # one character more
    assert sorted(bool(u.cache_creation_input_tokens) for u in other.values()) == [False, True]
    assert sum(u.cache_read_input_tokens > 0 for u in other.values()) == 1  # its own write, read by the other
    model = run(batch_emulator, client, [{**r, "params": {**r["params"], "model": "claude-opus-5"}}
                                         for r in requests(1, [marked(DOC)], prefix="c")])  # fmt: skip
    assert model["c-0"].cache_read_input_tokens == 0 and model["c-0"].cache_creation_input_tokens > 0


def test_a_prefix_under_the_minimum_is_not_cached(batch_emulator: Emulator, client: anthropic.Anthropic) -> None:
    short = "You are a support analyst. " * 20  # ~135 tokens, under 1,024
    out = run(batch_emulator, client, requests(6, [marked(short)]))
    assert all(u.cache_creation_input_tokens == 0 and u.cache_read_input_tokens == 0 for u in out.values())
    assert all(u.input_tokens > 135 for u in out.values())


def test_entries_expire_after_their_ttl_unless_used(batch_emulator: Emulator, client: anthropic.Anthropic) -> None:
    run(batch_emulator, client, requests(1, [marked(DOC)], prefix="a"))
    batch_emulator.clock.advance(4 * 60)
    assert run(batch_emulator, client, requests(1, [marked(DOC)], prefix="b"))["b-0"].cache_read_input_tokens
    batch_emulator.clock.advance(4 * 60)  # 8 minutes after the write, 4 after the read that refreshed it
    assert run(batch_emulator, client, requests(1, [marked(DOC)], prefix="c"))["c-0"].cache_read_input_tokens
    batch_emulator.clock.advance(6 * 60)  # past 5 minutes since the last use: gone
    late = run(batch_emulator, client, requests(1, [marked(DOC)], prefix="d"))["d-0"]
    assert late.cache_read_input_tokens == 0 and late.cache_creation_input_tokens > 0


def test_one_hour_entries_outlive_five_minutes_and_are_billed_as_such(
    batch_emulator: Emulator, client: anthropic.Anthropic
) -> None:
    first = run(batch_emulator, client, requests(1, [marked(DOC, "1h")], prefix="a"))["a-0"]
    assert first.cache_creation.ephemeral_1h_input_tokens == first.cache_creation_input_tokens > 0
    assert first.cache_creation.ephemeral_5m_input_tokens == 0
    batch_emulator.clock.advance(30 * 60)
    later = run(batch_emulator, client, requests(1, [marked(DOC, "1h")], prefix="b"))["b-0"]
    assert later.cache_read_input_tokens == first.cache_creation_input_tokens
    batch_emulator.clock.advance(61 * 60)
    gone = run(batch_emulator, client, requests(1, [marked(DOC, "1h")], prefix="c"))["c-0"]
    assert gone.cache_read_input_tokens == 0


def test_nested_breakpoints_read_the_shared_part_and_write_the_rest(
    batch_emulator: Emulator, client: anthropic.Anthropic
) -> None:
    run(batch_emulator, client, requests(1, [marked(DOC)], prefix="a"))  # the system prompt alone is cached
    doc = {"type": "text", "text": "Appendix: " + "late fees are waived once a year. " * 60}
    both = run(batch_emulator, client, requests(1, [marked(DOC), marked(doc["text"], "5m")], prefix="b"))["b-0"]
    system_only = run(batch_emulator, client, requests(1, [marked(DOC)], prefix="c"))["c-0"]
    assert both.cache_read_input_tokens == system_only.cache_read_input_tokens > 0
    assert both.cache_creation_input_tokens > 0  # the appendix after it was written


def test_a_breakpoint_looks_back_for_an_earlier_entry(batch_emulator: Emulator, client: anthropic.Anthropic) -> None:
    run(batch_emulator, client, requests(1, [marked(DOC)], prefix="a"))
    # The same system prompt unmarked, a breakpoint on the question: the API finds the system prompt's entry.
    question = [{"type": "text", "text": "Is invoice 7 covered?", "cache_control": {"type": "ephemeral"}}]
    req = make_request("b", model=MODEL, system=[{"type": "text", "text": DOC}])
    req["params"]["messages"] = [{"role": "user", "content": question}]
    got = run(batch_emulator, client, [req])["b"]
    assert got.cache_read_input_tokens > 0 and got.cache_creation_input_tokens > 0


def test_automatic_caching_marks_the_last_block(batch_emulator: Emulator, client: anthropic.Anthropic) -> None:
    reqs = requests(2, [{"type": "text", "text": DOC}], cache_control={"type": "ephemeral"})
    for r in reqs:
        r["params"]["messages"][0]["content"] = "Is invoice 3 covered?"  # identical whole prompts
    out = run(batch_emulator, client, reqs)
    assert sorted((u.cache_creation_input_tokens > 0, u.cache_read_input_tokens > 0) for u in out.values()) == [
        (False, True),
        (True, False),
    ]


# -- the rules, without a server ---------------------------------------------------------------------------------


def test_string_and_block_forms_share_a_key_and_cache_control_is_not_part_of_it() -> None:
    text = {"model": MODEL, "system": DOC, "messages": [{"role": "user", "content": "hi"}]}
    block = {"model": MODEL, "system": [marked(DOC)], "messages": [{"role": "user", "content": [marked("hi")]}]}
    a, b = boundaries(text, 10_000), boundaries(block, 10_000)
    assert [x.key for x in a] == [x.key for x in b]
    assert [x.ttl for x in a] == [None, None] and [x.ttl for x in b] == ["5m", "5m"]
    other = boundaries({**text, "tool_choice": {"type": "any"}}, 10_000)
    assert other[0].key == a[0].key and other[1].key != a[1].key  # tool_choice invalidates message-level entries


def test_lookback_reaches_twenty_blocks_and_segments_take_their_breakpoint_ttl() -> None:
    bounds = [Boundary(bytes([i]), 100 * (i + 1), None) for i in range(30)]
    bounds[29] = Boundary(bytes([29]), 3000, "5m")
    cached = {bytes([5])}
    assert use(bounds, 1024, cached.__contains__).read == 0  # 24 blocks back: out of reach
    cached = {bytes([12])}
    got = use(bounds, 1024, cached.__contains__)
    assert (got.read, got.write_5m, got.write_1h) == (1300, 1700, 0)
    bounds[20] = Boundary(bytes([20]), 2100, "1h")  # a longer TTL first, as the API requires
    got = use(bounds, 1024, set().__contains__)
    assert (got.read, got.write_5m, got.write_1h) == (0, 900, 2100)
    assert [ttl for _, ttl in got.writes] == ["1h", "5m"]
