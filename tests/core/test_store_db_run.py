"""db.run_in_turn: statements queued at once run in the order given, and an error is raised once all have run."""

from __future__ import annotations

import sqlite3

import aiosqlite
import pytest

from batchtui.core.store.db import run, run_in_turn


async def test_statements_run_in_the_order_given(tmp_path) -> None:
    async with aiosqlite.connect(tmp_path / "t.sqlite3", isolation_level=None) as conn:
        await run(conn, "CREATE TABLE t (i INTEGER PRIMARY KEY, v TEXT)")
        inserts = [("INSERT INTO t VALUES (?, ?)", (i, f"v{i}")) for i in range(50)]
        await run_in_turn(conn, *inserts, ("DELETE FROM t WHERE i < ?", (10,)), ("UPDATE t SET v = 'last'", ()))
        rows = await conn.execute_fetchall("SELECT i, v FROM t ORDER BY i")
    assert [r[0] for r in rows] == list(range(10, 50)) and {r[1] for r in rows} == {"last"}


async def test_an_error_is_raised_after_every_statement_ran(tmp_path) -> None:
    async with aiosqlite.connect(tmp_path / "t.sqlite3", isolation_level=None) as conn:
        await run(conn, "CREATE TABLE t (i INTEGER PRIMARY KEY)")
        with pytest.raises(sqlite3.IntegrityError):
            await run_in_turn(conn, ("INSERT INTO t VALUES (1)", ()), ("INSERT INTO t VALUES (1)", ()),
                              ("INSERT INTO t VALUES (2)", ()))  # fmt: skip
        rows = await conn.execute_fetchall("SELECT i FROM t ORDER BY i")
    assert [r[0] for r in rows] == [1, 2]
