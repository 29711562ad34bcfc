"""Opening the store: file creation and permissions, pragmas, migrations, and refusing a newer schema."""

from __future__ import annotations

import os
import sqlite3
import stat
from datetime import UTC, datetime
from pathlib import Path

import aiosqlite
import pytest

from batchtui.core.models import ResultFilter
from batchtui.core.result_lines import parse_result_line
from batchtui.core.store import LATEST_VERSION, SchemaTooNewError, Store
from batchtui.core.store.schema import migrate


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as db:
        return {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'index')")}


def user_version(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return db.execute("PRAGMA user_version").fetchone()[0]


async def test_a_new_file_is_created_private_with_its_parent_dir(db_path: Path) -> None:
    assert not db_path.parent.exists()
    async with await Store.open(db_path) as store:
        assert mode(db_path) == 0o600
        await store.record_submission(
            source_file=None, label=None, request_count=1, body_bytes=1, params_digest="d"
        )  # forces WAL and shm files into existence
        for sidecar in (Path(f"{db_path}-wal"), Path(f"{db_path}-shm")):
            assert mode(sidecar) == 0o600, sidecar
    assert mode(db_path.parent) == 0o700


async def test_an_existing_file_is_made_private(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    db_path.touch(mode=0o644)
    os.chmod(db_path, 0o644)
    async with await Store.open(db_path):
        pass
    assert mode(db_path) == 0o600


async def test_empty_file_is_migrated_to_the_latest_version(db_path: Path) -> None:
    async with await Store.open(db_path):
        pass
    assert user_version(db_path) == LATEST_VERSION
    assert {"batches", "submissions", "requests", "results", "results_scan", "results_fts", "search_index"} <= tables(
        db_path
    )


async def test_pragmas(store: Store) -> None:
    conn = store._db.conn
    assert (await conn.execute_fetchall("PRAGMA journal_mode"))[0][0] == "wal"
    assert (await conn.execute_fetchall("PRAGMA foreign_keys"))[0][0] == 1
    assert (await conn.execute_fetchall("PRAGMA busy_timeout"))[0][0] == 5000
    assert (await conn.execute_fetchall("PRAGMA synchronous"))[0][0] == 1  # NORMAL
    assert (await conn.execute_fetchall("PRAGMA page_size"))[0][0] == 8192  # a new file


async def test_a_v1_database_is_upgraded_and_keeps_its_data(db_path: Path, make_batch, line) -> None:
    db_path.parent.mkdir(parents=True)
    async with aiosqlite.connect(db_path, isolation_level=None) as conn:
        assert await migrate(conn, db_path, target=1) == 1
        await conn.execute(
            "INSERT INTO batches (id, processing_status, created_at, label) "
            "VALUES ('msgbatch_old', 'ended', '2026-01-01T00:00:00.000000Z', 'kept')"
        )
    assert user_version(db_path) == 1
    assert "results_fts" not in tables(db_path)

    async with await Store.open(db_path) as store:
        batch = await store.get_batch("msgbatch_old")
        assert batch is not None and batch.label == "kept"
        # The v2 feature works on the upgraded file.
        await store.write_results("msgbatch_old", [parse_result_line("msgbatch_old", line("a", text="upgraded"))])
        assert await store.count_results("msgbatch_old", ResultFilter(search="upgraded")) == 1
    assert user_version(db_path) == LATEST_VERSION


async def test_a_newer_schema_is_refused_and_left_alone(db_path: Path) -> None:
    async with await Store.open(db_path):
        pass
    with sqlite3.connect(db_path) as db:
        db.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    with pytest.raises(SchemaTooNewError, match=rf"schema version {LATEST_VERSION + 1}.*Upgrade batchtui"):
        await Store.open(db_path)
    assert user_version(db_path) == LATEST_VERSION + 1


async def test_close_is_idempotent_and_blocks_further_writes(db_path: Path, make_batch) -> None:
    store = await Store.open(db_path)
    await store.close()
    await store.close()
    with pytest.raises((RuntimeError, ValueError)):
        await store.upsert_batches([make_batch()], synced_at=datetime.now(UTC))


async def test_async_with_closes(db_path: Path) -> None:
    async with await Store.open(db_path) as store:
        pass
    assert store._db.closed


async def test_two_stores_on_one_file_see_each_others_writes(db_path: Path, make_batch) -> None:
    async with await Store.open(db_path) as a, await Store.open(db_path) as b:
        await a.upsert_batches([make_batch("msgbatch_shared")], synced_at=datetime.now(UTC))
        assert (await b.get_batch("msgbatch_shared")) is not None
