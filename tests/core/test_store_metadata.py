"""Request metadata (CSV extra columns, simple JSON keys): stored beside the submitted requests, looked up by batch
and custom_id, and listed as export columns in the order the file gave them."""

from __future__ import annotations

import json

from batchtui.core.store import Store


async def _submitted(store: Store, make_params, batch_id: str, metadata: dict[str, dict]) -> str:
    sub = await store.record_submission(
        source_file="in.csv", label=None, request_count=3, body_bytes=0, params_digest=batch_id
    )
    await store.add_requests(sub.id, [(cid, make_params(cid)) for cid in ("a", "b", "c")])
    n = await store.add_request_metadata(sub.id, ((cid, json.dumps(m)) for cid, m in metadata.items()))
    assert n == len(metadata)
    await store.mark_submission_created(sub.id, batch_id)
    return sub.id


async def test_metadata_is_found_by_batch_and_custom_id(store: Store, make_params) -> None:
    await _submitted(store, make_params, "msgbatch_1", {"a": {"team": "ops", "ticket": "7"}, "c": {"team": "dev"}})
    await _submitted(store, make_params, "msgbatch_2", {"a": {"team": "other"}})
    found = await store.request_metadata("msgbatch_1", ["a", "b", "c", "zzz"])
    assert found == {"a": {"team": "ops", "ticket": "7"}, "c": {"team": "dev"}}  # b has none; zzz is unknown
    assert await store.request_metadata("msgbatch_2", ["a"]) == {"a": {"team": "other"}}
    assert await store.request_metadata("msgbatch_unknown", ["a"]) == {}


async def test_metadata_keys_keep_the_files_column_order(store: Store, make_params) -> None:
    await _submitted(store, make_params, "msgbatch_1", {"a": {"zeta": "1", "alpha": "2"}, "b": {"zeta": "3"}})
    await _submitted(store, make_params, "msgbatch_2", {"a": {"mid": "x"}})
    assert await store.metadata_keys(["msgbatch_1"]) == ["zeta", "alpha"]  # not sorted: the CSV's order
    assert await store.metadata_keys(["msgbatch_1", "msgbatch_2"]) == ["zeta", "alpha", "mid"]
    assert await store.metadata_keys(["msgbatch_none"]) == []


async def test_requests_without_metadata_stay_null(store: Store, make_params) -> None:
    sub_id = await _submitted(store, make_params, "msgbatch_1", {})
    rows = await store._db.fetchall("SELECT custom_id, metadata FROM requests WHERE submission_id = ?", (sub_id,))
    assert sorted(rows) == [("a", None), ("b", None), ("c", None)]
