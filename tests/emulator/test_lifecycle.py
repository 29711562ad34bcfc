"""Lifecycle driven by the emulator's clock: counts, cancel, expiry, delete and archive."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import anthropic
import pytest

from batchtui.emulator import Emulator

from ._support import check_error, make_requests, raw

N = 200
ZERO = {"processing": 0, "succeeded": 0, "errored": 0, "canceled": 0, "expired": 0}


def _counts(batch) -> dict[str, int]:
    return batch.request_counts.model_dump()


def _result_types(client: anthropic.Anthropic, batch_id: str) -> Counter[str]:
    return Counter(r.result.type for r in client.messages.batches.results(batch_id))


@pytest.mark.emulator(batch_seconds=100, error_rate=0.2, expire_rate=0.2)
def test_counts_stay_processing_until_the_end(batch_emulator: Emulator, client: anthropic.Anthropic) -> None:
    batch = client.messages.batches.create(requests=make_requests(N))
    for step in (1, 30, 30):  # 61 s in: before the earliest possible end (0.7 x 100 s)
        batch_emulator.clock.advance(step)
        now = client.messages.batches.retrieve(batch.id)
        assert now.processing_status == "in_progress"
        assert _counts(now) == ZERO | {"processing": N}
        assert now.ended_at is None and now.results_url is None
        with pytest.raises(anthropic.AnthropicError, match="results_url"):
            client.messages.batches.results(batch.id)
    batch_emulator.clock.advance(70)  # 131 s: past the latest possible end (1.3 x 100 s)
    ended = client.messages.batches.retrieve(batch.id)
    counts = _counts(ended)
    assert ended.processing_status == "ended"
    assert counts["processing"] == 0 and sum(counts.values()) == N
    assert counts["succeeded"] > 0 and counts["errored"] > 0 and counts["expired"] > 0
    assert timedelta(seconds=70) <= ended.ended_at - ended.created_at <= timedelta(seconds=130)
    assert ended.results_url is not None
    types = _result_types(client, batch.id)
    assert {k: types[k] for k in ("succeeded", "errored", "expired")} == {
        k: counts[k] for k in ("succeeded", "errored", "expired")
    }
    # Counts are final: time moving on changes nothing.
    batch_emulator.clock.advance(3600)
    assert _counts(client.messages.batches.retrieve(batch.id)) == counts


@pytest.mark.emulator(batch_seconds=100, cancel_seconds=2)
def test_cancel_goes_canceling_then_ended_with_partial_results(
    batch_emulator: Emulator, client: anthropic.Anthropic
) -> None:
    batch = client.messages.batches.create(requests=make_requests(N))
    batch_emulator.clock.advance(40)
    canceling = client.messages.batches.cancel(batch.id)
    assert canceling.processing_status == "canceling"
    assert canceling.cancel_initiated_at is not None
    # 40 s of emulator time plus whatever real time passed on a loaded machine
    assert timedelta(seconds=40) <= canceling.cancel_initiated_at - batch.created_at < timedelta(seconds=60)
    assert canceling.ended_at is None and canceling.results_url is None
    assert _counts(canceling) == ZERO | {"processing": N}

    batch_emulator.clock.advance(1)
    again = client.messages.batches.cancel(batch.id)  # idempotent while canceling
    assert again.processing_status == "canceling"
    assert again.cancel_initiated_at == canceling.cancel_initiated_at

    batch_emulator.clock.advance(2)
    ended = client.messages.batches.retrieve(batch.id)
    counts = _counts(ended)
    assert ended.processing_status == "ended"
    assert ended.ended_at == canceling.cancel_initiated_at + timedelta(seconds=2)
    assert ended.cancel_initiated_at == canceling.cancel_initiated_at
    assert sum(counts.values()) == N and counts["processing"] == 0
    assert counts["canceled"] > 0  # requests not yet sent
    assert counts["succeeded"] > 0  # requests finished before the cancel keep their results
    types = _result_types(client, batch.id)
    assert types == Counter({k: v for k, v in counts.items() if v})


@pytest.mark.emulator(batch_seconds=100, expiry_seconds=10)
def test_batch_longer_than_its_expiry_ends_at_expiry(batch_emulator: Emulator, client: anthropic.Anthropic) -> None:
    batch = client.messages.batches.create(requests=make_requests(N))
    assert batch.expires_at - batch.created_at == timedelta(seconds=10)
    batch_emulator.clock.advance(5)
    assert client.messages.batches.retrieve(batch.id).processing_status == "in_progress"
    batch_emulator.clock.advance(6)
    ended = client.messages.batches.retrieve(batch.id)
    counts = _counts(ended)
    assert ended.processing_status == "ended"
    assert ended.ended_at == ended.expires_at
    assert sum(counts.values()) == N
    # The batch needs >= 70 s, so at 10 s most requests were never sent.
    assert counts["expired"] > N // 2 and counts["succeeded"] > 0
    assert _result_types(client, batch.id) == Counter({"expired": counts["expired"], "succeeded": counts["succeeded"]})
    with pytest.raises(anthropic.BadRequestError):
        client.messages.batches.cancel(batch.id)


@pytest.mark.emulator(batch_seconds=5)
def test_deleted_batch_is_gone(batch_emulator: Emulator, client: anthropic.Anthropic) -> None:
    keep = client.messages.batches.create(requests=make_requests(2))
    gone = client.messages.batches.create(requests=make_requests(2))
    batch_emulator.clock.advance(10)
    assert client.messages.batches.delete(gone.id).id == gone.id
    with pytest.raises(anthropic.NotFoundError):
        client.messages.batches.retrieve(gone.id)
    with pytest.raises(anthropic.NotFoundError):
        client.messages.batches.delete(gone.id)
    with pytest.raises(anthropic.NotFoundError):
        client.messages.batches.cancel(gone.id)
    check_error(raw(batch_emulator, "GET", f"/v1/messages/batches/{gone.id}/results"), 404, "not_found_error")
    assert [b.id for b in client.messages.batches.list()] == [keep.id]
    assert len(list(client.messages.batches.results(keep.id))) == 2


@pytest.mark.emulator(batch_seconds=0)
def test_deleted_batch_still_works_as_a_cursor(client: anthropic.Anthropic) -> None:
    """A client paging while someone else deletes the page's last batch must not lose its place."""
    ids = [client.messages.batches.create(requests=make_requests(1)).id for _ in range(6)][::-1]
    first = client.messages.batches.list(limit=3)
    client.messages.batches.delete(first.last_id)
    rest = client.messages.batches.list(limit=3, after_id=first.last_id)
    assert [b.id for b in rest.data] == ids[3:]


@pytest.mark.emulator(batch_seconds=10, archive_seconds=50)
def test_archive_sets_archived_at_and_removes_results(batch_emulator: Emulator, client: anthropic.Anthropic) -> None:
    batch = client.messages.batches.create(requests=make_requests(3))
    batch_emulator.clock.advance(20)
    ended = client.messages.batches.retrieve(batch.id)
    assert ended.processing_status == "ended" and ended.archived_at is None
    assert len(list(client.messages.batches.results(batch.id))) == 3

    batch_emulator.clock.advance(31)
    archived = client.messages.batches.retrieve(batch.id)
    assert archived.archived_at == archived.created_at + timedelta(seconds=50)  # measured from creation
    assert archived.processing_status == "ended"
    assert _counts(archived) == _counts(ended)  # the batch itself stays visible
    message = check_error(
        raw(batch_emulator, "GET", f"/v1/messages/batches/{batch.id}/results"), 404, "not_found_error"
    )
    assert "archived" in message
    with pytest.raises(anthropic.NotFoundError):
        list(client.messages.batches.results(batch.id))
    assert [b.id for b in client.messages.batches.list()] == [batch.id]
    client.messages.batches.delete(batch.id)  # archived batches can still be deleted
    assert client.messages.batches.list().data == []
