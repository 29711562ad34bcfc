"""Opening a session: orphaned spools are cleaned, and --demo's prompts reach the cache (searchable)."""

from __future__ import annotations

import os

from batchtui.core.config import resolve_settings
from batchtui.core.models import ResultFilter
from batchtui.core.store import Store
from batchtui.service.actions import ensure_results
from batchtui.service.session import open_session
from batchtui.service.spool import spool_dir_for, spool_path
from tests.service.support import open_submission


async def test_opening_a_session_removes_orphaned_spools_only(tmp_path, monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    db = tmp_path / "cache.sqlite3"
    async with await Store.open(db) as store:
        open_sub = await open_submission(store, 2, prefix="open")
        done = await open_submission(store, 2, state="recorded", prefix="done")
        await store.mark_submission_failed(done.id, "refused")
    folder = spool_dir_for(db)
    folder.mkdir(mode=0o755)
    keep = spool_path(db, open_sub.id)  # still needed: its outcome is unknown
    resolved = spool_path(db, done.id)
    stranger = folder / "sub_nobody.json"
    dead = folder / "tmp-999999999-abc.json"  # a half-written spool of a process that is gone
    alive = folder / f"tmp-{os.getpid()}-abc.json"  # another run preparing right now
    for path in (keep, resolved, stranger, dead, alive):
        path.write_text("{}")

    async with open_session(resolve_settings(db=db, base_url=None, demo=False), online=False) as session:
        assert session.spool_dir == folder
    assert sorted(p.name for p in folder.iterdir()) == sorted([keep.name, alive.name])
    assert folder.stat().st_mode & 0o777 == 0o700


async def test_demo_prompts_are_in_the_cache_and_searchable(tmp_path, monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    settings = resolve_settings(db=tmp_path / "demo" / "cache.sqlite3", base_url=None, demo=True)
    async with open_session(settings) as session:
        batches = await session.store.list_batches()
        triage = next(b for b in batches if b.label == "support-triage" and b.processing_status == "ended")
        await ensure_results(session, triage.id)
        # Searched at once, perhaps before the prompts were copied in: the index must not go stale.
        await session.store.count_results(triage.id, ResultFilter(search="product"))
    async with await Store.open(settings.db_path) as store:
        hits = await store.count_results(triage.id, ResultFilter(search="product"))
        total = await store.stored_result_count(triage.id)
    assert total > 0 and hits == total  # every prompt of that batch asks for the "product area"
