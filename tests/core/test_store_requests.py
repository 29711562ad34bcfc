"""Submitted requests: streamed in, linked to their batch, found by custom_id and by params hash."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator

import pytest

from batchtui.core.models import params_hash
from batchtui.core.store import InvalidTransitionError, Store


async def submission(store: Store) -> str:
    sub = await store.record_submission(
        source_file="in.jsonl", label=None, request_count=0, body_bytes=0, params_digest="d"
    )
    return sub.id


def test_params_hash_ignores_key_order_and_whitespace() -> None:
    a = {"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "héllo"}]}
    b = {"messages": [{"content": "héllo", "role": "user"}], "max_tokens": 5, "model": "m"}
    assert params_hash(a) == params_hash(b) == params_hash(json.dumps(b, indent=2))
    assert params_hash(a) != params_hash(dict(a, max_tokens=6))
    # Pinned to the canonical text: stored hashes are looked up later, so the form must never drift.
    canonical = '{"a":[1,"x"],"b":"é"}'.encode()
    assert params_hash({"b": "é", "a": [1, "x"]}) == hashlib.sha256(canonical).hexdigest()


async def test_add_link_and_look_up(store: Store, make_params) -> None:
    sub_id = await submission(store)
    n = await store.add_requests(sub_id, [("q-1", make_params("first")), ("q-2", make_params("second"))])
    assert n == 2
    assert await store.get_request_params("msgbatch_1", "q-1") is None  # not linked yet
    await store.mark_submission_created(sub_id, "msgbatch_1")
    await store.link_requests(sub_id, "msgbatch_1")
    assert json.loads(await store.get_request_params("msgbatch_1", "q-2"))["messages"][0]["content"] == "second"
    assert await store.get_request_params("msgbatch_1", "q-3") is None
    assert await store.get_request_params("msgbatch_other", "q-1") is None


async def test_link_without_created_and_conflicting_links(store: Store, make_params) -> None:
    a, b = await submission(store), await submission(store)
    await store.add_requests(a, [("x", make_params("x"))])
    await store.link_requests(a, "msgbatch_a")
    await store.link_requests(a, "msgbatch_a")  # idempotent
    assert await store.get_request_params("msgbatch_a", "x") == make_params("x")
    with pytest.raises(InvalidTransitionError):
        await store.link_requests(a, "msgbatch_b")
    with pytest.raises(InvalidTransitionError):
        await store.link_requests(b, "msgbatch_a")


async def test_find_identical_requests_across_batches(store: Store, make_params) -> None:
    same = make_params("translate this")
    reordered = json.dumps(dict(reversed(list(json.loads(same).items()))))
    first, second, unsent = await submission(store), await submission(store), await submission(store)
    await store.add_requests(first, [("a", same), ("b", make_params("other"))])
    await store.add_requests(second, [("z", reordered)])
    await store.add_requests(unsent, [("u", same)])
    await store.mark_submission_created(first, "msgbatch_1")
    await store.mark_submission_created(second, "msgbatch_2")
    assert await store.find_by_params_hash(params_hash(same)) == [("msgbatch_1", "a"), ("msgbatch_2", "z")]
    assert await store.find_by_params_hash("0" * 64) == []


async def test_a_generator_is_streamed_in_chunks(store: Store, make_params) -> None:
    sub_id = await submission(store)
    consumed = 0

    def rows() -> Iterator[tuple[str, str]]:
        nonlocal consumed
        for i in range(4500):  # three chunks of at most 2000
            consumed += 1
            yield f"r{i:05d}", make_params(f"p{i}")

    assert await store.add_requests(sub_id, rows()) == 4500
    assert consumed == 4500
    await store.mark_submission_created(sub_id, "msgbatch_big")
    assert await store.get_request_params("msgbatch_big", "r04499") == make_params("p4499")


async def test_adding_again_is_idempotent(store: Store, make_params, db_path) -> None:
    sub_id = await submission(store)
    await store.add_requests(sub_id, [("a", make_params("one"))])
    await store.add_requests(sub_id, [("a", make_params("one"))])
    with sqlite3.connect(db_path) as db:
        assert db.execute("SELECT count(*) FROM requests").fetchone() == (1,)


async def test_a_failure_part_way_stores_nothing(store: Store, make_params, db_path) -> None:
    sub_id = await submission(store)

    def rows() -> Iterator[tuple[str, str]]:
        for i in range(3000):
            yield f"r{i}", make_params("x")
        yield "bad", "{not json"

    with pytest.raises(ValueError):
        await store.add_requests(sub_id, rows())
    with sqlite3.connect(db_path) as db:
        assert db.execute("SELECT count(*) FROM requests").fetchone() == (0,)


async def test_requests_need_a_recorded_submission(store: Store, make_params) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        await store.add_requests("f" * 32, [("a", make_params("x"))])
