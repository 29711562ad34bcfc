"""The estimate shown before submitting contains the actual cost: a corpus of requests of every shape goes through
the real stack (validation, submit, the emulator, download, the store), and each billed result's cost lies within
its request's [low, high], and the batch's within the report's."""

from __future__ import annotations

import json
from typing import Any

import pytest

from batchtui.core.cost import estimate_request, estimate_request_cost
from batchtui.core.spend import batch_cost_status, batch_cost_text
from batchtui.service.actions import ensure_results
from batchtui.service.submit import submit

pytestmark = pytest.mark.emulator(batch_seconds=5)

PARAGRAPH = (
    "The customer writes that the October invoice charged them twice for the same seat, that support promised a "
    "refund within five days, and that three weeks later nothing has arrived. They attach the invoice number "
    "INV-2291 and ask for a written confirmation.\n\n"
)
PERSON = {
    "name": "record_ticket",
    "description": "Record the ticket's structured fields.",
    "input_schema": {
        "type": "object",
        "properties": {
            "customer": {"type": "string"},
            "amount": {"type": "number"},
            "urgent": {"type": "boolean"},
            "topics": {"type": "array", "items": {"type": "string", "enum": ["billing", "refund", "other"]}},
        },
    },
}
IMAGE = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgoAAAANSUhEUg=="}}


def user(content: Any) -> dict:
    return {"role": "user", "content": content}


def cached(text: str, ttl: str | None = None) -> list[dict]:
    control = {"type": "ephemeral", **({"ttl": ttl} if ttl else {})}
    return [{"type": "text", "text": text, "cache_control": control}]


def corpus() -> dict[str, dict]:
    """custom_id -> params: every content shape the estimate must bound."""
    sonnet, opus, haiku, haiku55 = "claude-sonnet-4-5", "claude-opus-5-5", "claude-haiku-4-5", "claude-haiku-5-5"
    history = [
        user("Look up ticket 2291."),
        {"role": "assistant", "content": [
            {"type": "text", "text": "Looking it up."},
            {"type": "tool_use", "id": "toolu_01A", "name": "record_ticket", "input": {"customer": "Ada"}},
        ]},
        user([{"type": "tool_result", "tool_use_id": "toolu_01A", "content": [{"type": "text", "text": PARAGRAPH}]},
              {"type": "text", "text": "Now summarise it."}]),
    ]  # fmt: skip
    text_doc = {"type": "document", "title": "Terms", "source": {"type": "text", "media_type": "text/plain",
                "data": PARAGRAPH * 4}}  # fmt: skip
    # (A base64 document must be a PDF, as the API has it; a text one is given as a text source.)
    return {
        "plain": {"model": sonnet, "max_tokens": 300, "messages": [user("Hi.")]},
        "long": {"model": sonnet, "max_tokens": 1024, "messages": [user(PARAGRAPH * 60)]},
        "system-blocks": {
            "model": opus,
            "max_tokens": 512,
            "system": [{"type": "text", "text": "You are a support lead."}, {"type": "text", "text": PARAGRAPH}],
            "messages": [user("Classify.")],
        },
        **{
            f"cache-{ttl or '5m'}-{i}": {
                "model": opus,
                "max_tokens": 200,
                "system": cached(PARAGRAPH * 80, ttl),  # over opus-5-5's minimum cacheable length
                "messages": [user(f"Question {i}: is this refundable?")],
            }
            for ttl in (None, "1h")
            for i in range(4)  # the first to run writes the cache, the others read it
        },
        "multi-block": {
            "model": haiku,
            "max_tokens": 400,
            "messages": [user([IMAGE, text_doc, {"type": "text", "text": "Compare them."}])],
        },
        "tool-history": {"model": sonnet, "max_tokens": 600, "messages": history, "tools": [PERSON]},
        "tool-forced": {
            "model": haiku,
            "max_tokens": 500,
            "tools": [PERSON],
            "tool_choice": {"type": "tool", "name": "record_ticket"},
            "messages": [user(PARAGRAPH)],
        },
        **{
            f"tool-auto-{i}": {"model": haiku, "max_tokens": 500, "tools": [PERSON], "messages": [user(f"#{i} hi")]}
            for i in range(4)
        },
        "thinking": {
            "model": opus,
            "max_tokens": 2048,
            "thinking": {"type": "enabled", "budget_tokens": 1024},
            "messages": [user("Plan a reply to: " + PARAGRAPH)],
        },
        "max-tokens-reached": {"model": sonnet, "max_tokens": 5, "messages": [user(PARAGRAPH)]},
        "max-tokens-zero": {"model": sonnet, "max_tokens": 0, "system": cached(PARAGRAPH), "messages": [user("x")]},
        "non-ascii": {"model": haiku, "max_tokens": 300, "messages": [user("請總結這張發票的問題。" * 50 + " ✓ 🚀")]},
        "long-band": {"model": haiku55, "max_tokens": 100, "messages": [user("q" + "abcd efgh " * 44_000)]},
    }


async def test_actual_cost_of_every_request_is_within_its_estimate(session, batch_emulator):
    requests = corpus()
    outcome = await submit(session, ({"custom_id": k, "params": p} for k, p in requests.items()), label="corpus")
    assert outcome.batch is not None
    report = outcome.report
    assert report.unpriced_requests == 0
    batch_emulator.clock.advance(3600)
    batch = await ensure_results(session, outcome.batch.id)

    checked = set()
    async for row in session.store.iter_results(batch.id):
        assert row.result_type == "succeeded", row.raw
        assert row.cost_usd is not None
        low, high = estimate_request_cost(requests[row.custom_id], at=batch.created_at)  # type: ignore[misc]
        assert low <= row.cost_usd <= high, (row.custom_id, low, row.cost_usd, high)
        checked.add(row.custom_id)
    assert checked == set(requests)
    low, high = report.estimated_cost_usd
    assert batch.cost_usd is not None and low <= batch.cost_usd <= high
    # The corpus reached what it was built for: cache reads and writes, tool calls, thinking, the long band.
    raws = {r.custom_id: json.loads(r.raw)["result"]["message"] async for r in session.store.iter_results(batch.id)}
    usages = [m["usage"] for m in raws.values()]
    assert any(u["cache_read_input_tokens"] for u in usages) and any(u["cache_creation_input_tokens"] for u in usages)
    assert raws["tool-forced"]["content"][0]["type"] == "tool_use"
    assert raws["thinking"]["content"][0]["type"] == "thinking"
    assert raws["max-tokens-reached"]["stop_reason"] == "max_tokens"
    assert raws["long-band"]["usage"]["input_tokens"] > 100_000


async def test_unpriced_or_unbounded_requests_leave_the_batch_total_unknown(session, batch_emulator):
    requests = {
        "priced": {"model": "claude-haiku-4-5", "max_tokens": 50, "messages": [user("Hi.")]},
        "no-price": {"model": "claude-fable-5-2", "max_tokens": 50, "messages": [user("Hi.")]},
        "searching": {
            "model": "claude-haiku-4-5",
            "max_tokens": 200,
            "tools": [{"type": "web_search_20250305", "name": "web_search", "max_uses": 1}],
            "messages": [user("What changed in the refund policy?")],
        },
    }
    assert estimate_request(requests["no-price"]).unknown == "the model has no known price"
    assert "server tool" in (estimate_request(requests["searching"]).unknown or "")
    outcome = await submit(session, ({"custom_id": k, "params": p} for k, p in requests.items()))
    assert outcome.report.unpriced_requests == 2  # outside the range, and counted so it can be said
    batch_emulator.clock.advance(3600)
    batch = await ensure_results(session, outcome.batch.id)  # type: ignore[union-attr]

    costs = {r.custom_id: r.cost_usd async for r in session.store.iter_results(batch.id)}
    assert costs["priced"] is not None and costs["no-price"] is None and costs["searching"] is None
    assert batch.cost_usd is None and batch_cost_status(batch) == "unknown"  # never the priced part as the whole
    split = await session.store.batch_cost(batch.id)
    assert split is not None and split.unpriced_results == 2
    assert split.priced_usd == pytest.approx(costs["priced"])
    assert batch_cost_text(batch, split).startswith("unknown: 2 results have no known price; the others cost $")
