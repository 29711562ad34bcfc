"""A search answered without the batch's index, while it is being built: its first matches, exactly as the index
will find them.

Candidates come from one pass in SQL that can only err towards too many: a row is a candidate when each term of the
query (as FTS5 folds it) occurs in its answer, error message or submitted request, ASCII case ignored, or when one
of those holds a character outside ASCII or a JSON `\\u` escape (there FTS5 also folds Unicode case and diacritics,
which SQL's LIKE does not). FTS5 itself then matches each candidate, with the index's tokenizer, in a private
in-memory table on a worker thread. The rows found are therefore the index's answer, in custom_id order, up to
where the scan stopped: a prefix of the full answer, never a guess.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from dataclasses import replace
from typing import Any

from batchtui.core.models import ResultFilter, ResultRow
from batchtui.core.store.db import Database
from batchtui.core.store.results import _COLUMNS, filter_sql
from batchtui.core.store.search import DOC_COLUMNS, PARAMS_SQL, REQUESTS_JOIN

TOKENIZER = "unicode61 remove_diacritics 2"  # results_fts's (schema.py): a test keeps the two equal
FIRST_ROUND = 400  # candidates matched in the first round; each later round takes twice as many
MAX_CANDIDATES = 20_000  # then the index (being built) answers the rest: matching every row would cost as much

# Where FTS5's folding can make a term out of text that does not hold it as ASCII: any non-ASCII character (its
# UTF-8 is longer than its characters), or a \u escape in the request's JSON.
_WIDE = " OR ".join(
    [f"length(CAST({col} AS BLOB)) <> length({col})" for col in ("r.text", "r.error_message", PARAMS_SQL)]
    + [f"instr({PARAMS_SQL}, '\\u') > 0"]
)


def _term_sql(n: int) -> str:
    """Term `n` (a parameter holding `%term%`) in one of the row's three texts, ASCII case ignored."""
    return f"(r.text LIKE :t{n} OR r.error_message LIKE :t{n} OR {PARAMS_SQL} LIKE :t{n})"


def _fts_terms(match: str) -> list[str]:
    """The terms of a MATCH expression as the index sees them: tokenized and folded by FTS5 itself."""
    db = sqlite3.connect(":memory:")
    try:
        db.execute(f"CREATE VIRTUAL TABLE q USING fts5 (t, tokenize = '{TOKENIZER}')")
        db.execute("CREATE VIRTUAL TABLE v USING fts5vocab (q, 'row')")
        db.execute("INSERT INTO q (t) VALUES (?)", (match,))  # quotes and * are separators, like the phrases'
        return [term for (term,) in db.execute("SELECT term FROM v")]
    finally:
        db.close()


def _matching(docs: list[tuple[int, str, str]], match: str) -> set[int]:
    """The rowids of `docs` (rowid, prompt, answer) that `match` finds, with results_fts's tokenizer."""
    db = sqlite3.connect(":memory:")
    try:
        db.execute(f"CREATE VIRTUAL TABLE d USING fts5 (prompt, answer, tokenize = '{TOKENIZER}')")
        with db:
            db.executemany("INSERT INTO d (rowid, prompt, answer) VALUES (?, ?, ?)", docs)
        return {rowid for (rowid,) in db.execute("SELECT rowid FROM d WHERE d MATCH ?", (match,))}
    finally:
        db.close()


async def first_matches(
    db: Database, batch_id: str, key: int, flt: ResultFilter, match: str, limit: int
) -> tuple[list[ResultRow], bool]:
    """Up to `limit` rows matching `flt` (whose search is `match`), in custom_id order, and whether they are all
    of them (the scan went through the batch)."""
    terms = await asyncio.to_thread(_fts_terms, match)
    clauses, params = filter_sql(replace(flt, search=None), "r")
    parts = " AND ".join(["r.batch_key = :key", "r.custom_id > :after", *clauses]).split("?")
    if len(parts) - 1 != len(params):
        raise AssertionError("filter_sql: one parameter per placeholder")  # pragma: no cover
    where = "".join(part + (f":p{i}" if i < len(params) else "") for i, part in enumerate(parts))
    named: dict[str, Any] = {f"p{i}": p for i, p in enumerate(params)}
    if terms and all(t.isascii() for t in terms):  # tokens are letters and digits only: nothing to escape
        named.update({f"t{n}": f"%{t}%" for n, t in enumerate(terms)})
        where += f" AND ({_WIDE} OR ({' AND '.join(_term_sql(n) for n in range(len(terms)))}))"
    elif terms:
        where += f" AND ({_WIDE})"  # a term outside ASCII even folded: only such text can hold it
    sql = f"SELECT r.rowid, r.custom_id, {DOC_COLUMNS} FROM results AS r {REQUESTS_JOIN} WHERE {where} "
    sql += "ORDER BY r.custom_id LIMIT :n"
    rows: list[int] = []
    after, n, seen = "", FIRST_ROUND, 0
    while True:
        docs = await db.fetchall(sql, {**named, "batch_id": batch_id, "key": key, "after": after, "n": n})
        hits = await asyncio.to_thread(_matching, [(d[0], d[2], d[3]) for d in docs], match) if docs else set()
        rows += [d[0] for d in docs if d[0] in hits]
        seen += len(docs)
        exhausted = len(docs) < n
        if len(rows) >= limit or exhausted or seen >= MAX_CANDIDATES:
            break
        after, n = docs[-1][1], min(2 * n, MAX_CANDIDATES - seen)
    complete = exhausted and len(rows) <= limit
    rows = rows[:limit]
    got = await db.fetchall(
        f"SELECT {_COLUMNS} FROM results AS r WHERE r.rowid IN (SELECT value FROM json_each(?)) ORDER BY r.custom_id",
        (json.dumps(rows),),
    )
    return [ResultRow(batch_id, *r) for r in got], complete
