"""List: newest first, default limit 20, 1-1000, after_id/before_id cursors, has_more/first_id/last_id semantics."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import anthropic
import pytest

from batchtui.emulator import Emulator, emulator_thread

from ._support import check_error, make_requests, raw

N = 55


@pytest.fixture(scope="module")
def populated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Emulator, anthropic.Anthropic, list[str]]]:
    """A read-only emulator holding N batches; yields it, a client and the ids newest first."""
    state = Path(tmp_path_factory.mktemp("pagination")) / "s.sqlite3"
    with (
        emulator_thread(state_path=state, seed=11, batch_seconds=5) as emu,
        anthropic.Anthropic(api_key="test", base_url=emu.base_url, timeout=120) as client,
    ):
        created = [client.messages.batches.create(requests=make_requests(1)).id for _ in range(N)]
        yield emu, client, created[::-1]


def test_auto_pagination_visits_every_batch_once_newest_first(populated) -> None:
    _, client, newest_first = populated
    pager = client.messages.batches.list(limit=7)
    assert [b.id for b in pager] == newest_first
    pages = list(client.messages.batches.list(limit=7).iter_pages())
    assert [len(p.data) for p in pages] == [7] * 7 + [6]
    assert [p.has_more for p in pages] == [True] * 7 + [False]


async def test_async_auto_pagination(populated) -> None:
    emu, _, newest_first = populated
    async with anthropic.AsyncAnthropic(api_key="test", base_url=emu.base_url, timeout=120) as client:
        assert [b.id async for b in client.messages.batches.list(limit=9)] == newest_first


def test_manual_after_id_paging(populated) -> None:
    _, client, newest_first = populated
    seen: list[str] = []
    page = client.messages.batches.list(limit=10)
    while True:
        ids = [b.id for b in page.data]
        assert page.first_id == ids[0] and page.last_id == ids[-1]
        seen += ids
        if not page.has_more:
            break
        page = client.messages.batches.list(limit=10, after_id=page.last_id)
    assert seen == newest_first


def test_manual_before_id_paging_walks_towards_newer(populated) -> None:
    _, client, newest_first = populated
    oldest = newest_first[-1]
    pages: list[list[str]] = []
    page = client.messages.batches.list(limit=10, before_id=oldest)
    while True:
        ids = [b.id for b in page.data]
        assert page.first_id == ids[0] and page.last_id == ids[-1]
        pages.append(ids)
        if not page.has_more:
            break
        page = client.messages.batches.list(limit=10, before_id=page.first_id)
    # Each page is newest first and sits immediately before (newer than) the previous cursor.
    assert pages[0] == newest_first[-11:-1]
    assert [len(p) for p in pages] == [10] * 5 + [4]
    assert sorted(cid for page in pages for cid in page) == sorted(newest_first[:-1])
    assert pages[-1] == newest_first[:4]


def test_sdk_auto_pagination_from_before_id(populated) -> None:
    _, client, newest_first = populated
    ids = [b.id for b in client.messages.batches.list(limit=7, before_id=newest_first[-1])]
    assert len(ids) == len(set(ids)) == N - 1
    assert set(ids) == set(newest_first[:-1])


def test_has_more_at_exact_boundary(populated) -> None:
    _, client, newest_first = populated
    page = client.messages.batches.list(limit=N)
    assert [b.id for b in page.data] == newest_first and page.has_more is False
    page = client.messages.batches.list(limit=N - 1)
    assert page.has_more is True and page.last_id == newest_first[-2]
    tail = client.messages.batches.list(limit=5, after_id=newest_first[-6])
    assert [b.id for b in tail.data] == newest_first[-5:] and tail.has_more is False


def test_default_limit_is_20(populated) -> None:
    emu, client, newest_first = populated
    page = client.messages.batches.list()
    assert [b.id for b in page.data] == newest_first[:20] and page.has_more is True
    assert len(raw(emu, "GET", "/v1/messages/batches").json()["data"]) == 20


@pytest.mark.parametrize("cursor", ["after_id", "before_id"])
def test_empty_page_has_null_ids(populated, cursor: str) -> None:
    emu, _, newest_first = populated
    edge = newest_first[-1] if cursor == "after_id" else newest_first[0]
    body = raw(emu, "GET", "/v1/messages/batches", params={cursor: edge}).json()
    assert body == {"data": [], "has_more": False, "first_id": None, "last_id": None}


def test_limit_bounds_are_inclusive(populated) -> None:
    _, client, newest_first = populated
    assert [b.id for b in client.messages.batches.list(limit=1).data] == newest_first[:1]
    assert len(client.messages.batches.list(limit=1000).data) == N


@pytest.mark.parametrize("limit", ["0", "1001", "-1", "abc", "2.5", ""])
def test_bad_limit_gives_400(populated, limit: str) -> None:
    emu, _, _ = populated
    message = check_error(
        raw(emu, "GET", "/v1/messages/batches", params={"limit": limit}), 400, "invalid_request_error"
    )
    assert message.startswith("limit:")


def test_sdk_raises_bad_request_for_limit_0(populated) -> None:
    _, client, _ = populated
    with pytest.raises(anthropic.BadRequestError):
        client.messages.batches.list(limit=0)
    with pytest.raises(anthropic.BadRequestError):
        client.messages.batches.list(limit=1001)


def test_both_cursors_at_once_give_400(populated) -> None:
    emu, _, ids = populated
    response = raw(emu, "GET", "/v1/messages/batches", params={"after_id": ids[5], "before_id": ids[1]})
    check_error(response, 400, "invalid_request_error")
