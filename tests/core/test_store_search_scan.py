"""A search answered before the batch's index is built (store.first_matches) finds what the index then finds."""

from __future__ import annotations

import json
import random
import sqlite3
from pathlib import Path

import pytest

from batchtui.core.models import ResultFilter
from batchtui.core.result_lines import parse_result_line
from batchtui.core.store import Store, search_scan
from batchtui.core.store.search_scan import TOKENIZER

from .conftest import SYNCED

B = "msgbatch_scan"
# Words that FTS5 folds (case, diacritics, Unicode case), that split oddly, or that are substrings of others.
WORDS = (
    "refund", "Refund", "REFUNDS", "réfund", "RÉFUND", "refunded", "crème", "CREME", "brûlée", "straße", "STRASSE",
    "Ωmega", "ωmega", "\u212aelvin", "kelvin", "cafe\u0301", "café", "naïve", "naive", "re", "fund", "under_score",
    "o'clock", "x-ray", "42", "4242", "ticket", "TICKET", "日本語", "🙂", "invoice", "invoices", "parcel",
)  # fmt: skip
QUERIES = (
    "refund", "REFUND", "réfund", "refun*", "creme", "crème brulee", "strasse", "straße", "ωmega", "ΩMEGA", "kelvin",
    "cafe", "café", "naive", "re", "fund", "under", "score", "under_score", "clock", "x ray", '"x ray"', "42",
    "42*", "4242", "ticket 42", '"ticket 42"', "日本語", "🙂 refund", "invoice*", "parcel refund", "nothing",
    "re*", "e",
)  # fmt: skip


def _text(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 6)))


@pytest.fixture
async def corpus(store: Store, make_batch, line) -> Store:
    rng = random.Random(11)
    ids = [f"r-{i:03d}" for i in range(160)]
    sub = await store.record_submission(
        source_file="t.jsonl", label=None, request_count=len(ids), body_bytes=1, params_digest="d"
    )
    requests = []
    for i, cid in enumerate(ids[:140]):  # the last ones have no prompt stored
        body = {"model": "m", "max_tokens": 1, "messages": [{"role": "user", "content": _text(rng)}]}
        if i % 3 == 0:
            body["system"] = [{"type": "text", "text": _text(rng)}]
        requests.append((cid, json.dumps(body, ensure_ascii=i % 2 == 0)))  # \u escapes, and raw UTF-8
    await store.add_requests(sub.id, requests)
    await store.mark_submission_created(sub.id, B)
    await store.upsert_batches([make_batch(B, status="ended")], synced_at=SYNCED)
    lines = []
    for i, cid in enumerate(ids):
        if i % 7 == 3:
            lines.append(line(cid, "errored", error_type="invalid_request_error", message=_text(rng)))
        elif i % 11 == 5:
            lines.append(line(cid, "expired"))
        else:
            lines.append(line(cid, text=_text(rng)))
    await store.write_results(B, [parse_result_line(B, text) for text in lines])
    return store


@pytest.mark.parametrize("limit", [1, 5, 200])
async def test_the_scan_finds_the_first_rows_the_index_finds(
    corpus: Store, monkeypatch: pytest.MonkeyPatch, limit: int
) -> None:
    monkeypatch.setattr(search_scan, "FIRST_ROUND", 3)  # several rounds, each twice the last
    filters = [ResultFilter(search=q) for q in QUERIES]
    filters += [ResultFilter(search=q, types=frozenset({"errored"})) for q in ("refund", "invoice*", "e")]
    filters += [ResultFilter(search="refund", custom_id="1"), ResultFilter(search="ticket", error_type="nope")]
    scanned = {}
    for flt in filters:
        answer = await corpus.first_matches(B, flt, limit=limit)
        assert answer is not None
        scanned[flt] = answer
    await corpus.ensure_search_index(B)
    assert await corpus.first_matches(B, filters[0], limit=limit) is None  # the index answers from now on
    matched = 0
    for flt, (rows, complete) in scanned.items():
        count = await corpus.count_results(B, flt)
        expected = [r.custom_id for r in await corpus.page_results(B, flt, offset=0, limit=limit)]
        assert [r.custom_id for r in rows] == expected, flt  # far below MAX_CANDIDATES: the whole first page
        assert rows == await corpus.page_results(B, flt, offset=0, limit=limit)  # the same rows, every field
        assert (count == len(rows)) if complete else (len(rows) == limit <= count), flt
        matched += count > 0
    assert matched > len(filters) // 2  # most queries find something: the comparison is not between empties


async def test_the_scan_stops_after_max_candidates(corpus: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search_scan, "FIRST_ROUND", 4)
    monkeypatch.setattr(search_scan, "MAX_CANDIDATES", 10)
    rows, complete = await corpus.first_matches(B, ResultFilter(search="e"), limit=200) or ([], True)
    assert not complete  # 10 candidates looked at, of 160: more may match
    await corpus.ensure_search_index(B)
    expected = await corpus.page_results(B, ResultFilter(search="e"), offset=0, limit=len(rows))
    assert rows == expected  # a prefix of the index's answer


async def test_nothing_to_search_for_is_left_to_the_usual_path(corpus: Store) -> None:
    assert await corpus.first_matches(B, ResultFilter(search="* ( )"), limit=10) is None
    assert await corpus.first_matches(B, ResultFilter(), limit=10) is None
    assert await corpus.first_matches("msgbatch_unknown", ResultFilter(search="x"), limit=10) is None


async def test_the_scan_matches_with_the_index_tokenizer(store: Store, db_path: Path) -> None:
    with sqlite3.connect(db_path) as db:
        (sql,) = db.execute("SELECT sql FROM sqlite_master WHERE name = 'results_fts'").fetchone()
    assert f"tokenize = '{TOKENIZER}'" in sql
