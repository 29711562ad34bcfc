"""Errored results the API gave no error type: counted as 'unknown', and found again by that filter."""

from datetime import UTC, datetime

from batchtui.core.models import ResultFilter, ResultRow


async def test_unknown_error_type_filter_finds_what_the_counts_call_unknown(cache_store):
    batch = {"id": "msgbatch_u", "type": "message_batch", "processing_status": "ended",
             "request_counts": {"processing": 0, "succeeded": 1, "errored": 2, "canceled": 0, "expired": 0},
             "created_at": "2026-01-01T00:00:00.000000Z", "expires_at": "2026-01-02T00:00:00.000000Z",
             "ended_at": "2026-01-01T01:00:00.000000Z", "cancel_initiated_at": None, "archived_at": None,
             "results_url": None}  # fmt: skip
    await cache_store.upsert_batches([batch], synced_at=datetime.now(UTC))
    rows = [
        ResultRow("msgbatch_u", "a", "errored", "{}", error_type=None, error_message="?"),
        ResultRow("msgbatch_u", "b", "errored", "{}", error_type="api_error", error_message="boom"),
        ResultRow("msgbatch_u", "c", "succeeded", "{}", text="ok"),
    ]
    await cache_store.write_results("msgbatch_u", rows)
    assert dict(await cache_store.error_type_counts("msgbatch_u")) == {"api_error": 1, "unknown": 1}
    page = await cache_store.page_results("msgbatch_u", ResultFilter(error_type="unknown"), offset=0, limit=10)
    assert [r.custom_id for r in page] == ["a"]
    assert await cache_store.count_results("msgbatch_u", ResultFilter(error_type="api_error")) == 1
