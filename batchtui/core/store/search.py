"""Full-text search (FTS5) over each result's prompt and answer.

Indexing is kept out of the download path: it costs several times more than parsing and storing the rows (see
benchmarks/store_ingest.py). A batch is indexed the first time it is searched, in chunked transactions that other
writers interleave with, and tracked in `search_index` so that happens once. From then on `write_results` keeps the
batch's documents current. Documents are built in SQL, with a Python function (`batchtui_prompt_text`) that
extracts the text of the submitted request's system prompt and messages.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import aiosqlite
import orjson

from batchtui.core.models import ResultFilter, ResultRow
from batchtui.core.store.base import StoreBase
from batchtui.core.store.db import execute

INDEX_CHUNK = 5000  # documents per transaction while building: well under a second, so writers are never held long

PROMPT_TEXT_FN = "batchtui_prompt_text"

# One document per result row (FTS rowid = results rowid). Prompts come from the batch's submission, if any; a
# reused answer's (`submit --reuse`) from the request it was copied from (coalesce looks only when needed).
PARAMS_SQL = """coalesce(q.params, (
    SELECT u.params FROM submissions AS us JOIN requests AS u ON u.submission_id = us.id
    WHERE r.reused_from IS NOT NULL AND us.batch_id = r.reused_from AND u.custom_id = r.reused_custom_id
))"""
ANSWER_SQL = "coalesce(r.text, '') || char(10) || coalesce(r.error_message, '')"
REQUESTS_JOIN = """LEFT JOIN requests AS q ON q.submission_id = (SELECT id FROM submissions WHERE batch_id = :batch_id)
    AND q.custom_id = r.custom_id"""
DOC_COLUMNS = f"{PROMPT_TEXT_FN}({PARAMS_SQL}), {ANSWER_SQL}"
_DOCS = f"""
SELECT r.rowid, {DOC_COLUMNS}
FROM results AS r
{REQUESTS_JOIN}
WHERE r.batch_key = :key
"""

_QUOTED_OR_WORD = re.compile(r'"([^"]*)"?|(\S+)')
_HAS_TOKEN = re.compile(r"[^\W_]")  # a letter or digit: what FTS5's unicode61 tokenizer keeps

ProgressSink = Callable[[int, int], None]


def prompt_text(params_json: str | None) -> str:
    """The user-visible text of a request: its system prompt and every message's text."""
    if not params_json:
        return ""
    try:
        params = orjson.loads(params_json)  # twice json's speed: this runs once per result while indexing
    except orjson.JSONDecodeError:  # what orjson refuses and json reads (NaN, 65-bit integers, lone surrogates)
        try:
            params = json.loads(params_json)
        except ValueError:
            return ""
    if not isinstance(params, dict):
        return ""
    parts: list[str] = []
    _add_text(params.get("system"), parts)
    messages = params.get("messages")
    if isinstance(messages, list):
        for message in messages:
            if isinstance(message, dict):
                _add_text(message.get("content"), parts)
    return "\n".join(parts)


def _add_text(content: Any, parts: list[str]) -> None:
    if isinstance(content, str):
        parts.append(content)
    elif isinstance(content, list):
        for block in content:
            if isinstance(block, dict) and isinstance(block.get("text"), str):
                parts.append(block["text"])


def fts_query(text: str | None) -> str | None:
    """User text → a safe FTS5 MATCH expression, or None when it holds nothing searchable.

    Every term becomes a quoted string, so FTS5 syntax (AND, NEAR, parentheses, `col:`) is searched for as words,
    never parsed. "Quoted text" stays a phrase; a trailing `*` keeps its prefix meaning."""
    if not text:
        return None
    terms: list[str] = []
    for match in _QUOTED_OR_WORD.finditer(text):
        phrase, word = match.groups()
        prefix = False
        if phrase is None:
            prefix = word.endswith("*")
            phrase = word.rstrip("*")
        if not _HAS_TOKEN.search(phrase):
            continue  # only punctuation: FTS5 would see an empty phrase
        terms.append('"' + phrase.replace('"', '""') + '"' + ("*" if prefix else ""))
    return " ".join(terms) or None


async def search_state(conn: aiosqlite.Connection, key: int) -> tuple[str, bool] | None:
    """(cursor, complete) of a batch's index, or None when it was never built."""
    rows = await conn.execute_fetchall("SELECT cursor, complete FROM search_index WHERE batch_key = ?", (key,))
    row = next(iter(rows), None)
    return None if row is None else (row[0] or "", bool(row[1]))


async def drop_search_index(conn: aiosqlite.Connection, batch_id: str) -> None:
    """Forget a batch's documents (inside the caller's transaction); the next search rebuilds them."""
    rows = await conn.execute_fetchall(
        "SELECT i.batch_key FROM search_index AS i JOIN batches AS b ON b.key = i.batch_key WHERE b.id = ?",
        (batch_id,),
    )
    row = next(iter(rows), None)
    if row is None:
        return
    key = row[0]
    await execute(
        conn, "DELETE FROM results_fts WHERE rowid IN (SELECT rowid FROM results WHERE batch_key = ?)", (key,)
    )
    await execute(conn, "DELETE FROM search_index WHERE batch_key = ?", (key,))


def _covered(state: tuple[str, bool]) -> tuple[str, dict[str, str]]:
    """Rows of the batch the index already holds documents for: all once complete, else those up to the cursor."""
    cursor, complete = state
    return ("", {}) if complete else ("AND r.custom_id <= :cursor", {"cursor": cursor})


async def unindex_rows(conn: aiosqlite.Connection, key: int, ids_json: str, state: tuple[str, bool]) -> None:
    """Before rows are rewritten: drop the documents the index holds for them."""
    covered, params = _covered(state)
    await execute(
        conn,
        "DELETE FROM results_fts WHERE rowid IN (SELECT rowid FROM results AS r WHERE r.batch_key = :key "
        f"AND r.custom_id IN (SELECT value FROM json_each(:ids)) {covered})",
        {"key": key, "ids": ids_json, **params},
    )


async def index_rows(
    conn: aiosqlite.Connection, batch_id: str, key: int, ids_json: str, state: tuple[str, bool]
) -> None:
    """After rows are written: index those the build already went past (the build picks up the rest)."""
    covered, params = _covered(state)
    await execute(
        conn,
        f"INSERT INTO results_fts (rowid, prompt, answer) {_DOCS} "
        f"AND r.custom_id IN (SELECT value FROM json_each(:ids)) {covered}",
        {"batch_id": batch_id, "key": key, "ids": ids_json, **params},
    )


class SearchMixin(StoreBase):
    async def ensure_search_index(self, batch_id: str, *, on_progress: ProgressSink | None = None) -> None:
        """Index the batch's results for search unless that was done already; cheap when it was. The first call
        for a 100k-result batch takes seconds: `on_progress(indexed, total)` reports after each chunk."""
        key = await self._batch_key(batch_id)
        if key is None:
            return
        total: int | None = None
        while True:
            done = await self._db.fetchone("SELECT complete, cursor FROM search_index WHERE batch_key = ?", (key,))
            if done is not None and done[0]:
                return  # the common case, answered without taking the write lock
            if on_progress is not None:
                if total is None:
                    total = await self._db.scalar("SELECT count(*) FROM results WHERE batch_key = ?", (key,))
                cursor = done[1] if done else ""
                indexed = await self._db.scalar(
                    "SELECT count(*) FROM results WHERE batch_key = ? AND custom_id <= ?", (key, cursor)
                )
                on_progress(indexed, total or 0)
            if await self._index_next_chunk(batch_id, key):
                return

    async def is_search_indexed(self, batch_id: str) -> bool:
        """Whether searching this batch is instant (its index is built)."""
        key = await self._batch_key(batch_id)
        return key is not None and bool(
            await self._db.scalar("SELECT complete FROM search_index WHERE batch_key = ?", (key,))
        )

    async def first_matches(
        self, batch_id: str, flt: ResultFilter, *, limit: int
    ) -> tuple[list[ResultRow], bool] | None:
        """While the batch's index is not built yet: the first `limit` rows matching `flt` (a search), found
        without it, and whether they are all the matches (see search_scan.py). None when the index is built (it
        answers at once) or when there is nothing to search for."""
        match = fts_query(flt.search)
        key = await self._batch_key(batch_id)
        if match is None or key is None:
            return None
        if await self._db.scalar("SELECT complete FROM search_index WHERE batch_key = ?", (key,)):
            return None
        from batchtui.core.store.search_scan import first_matches  # imports results.py, which imports this

        return await first_matches(self._db, batch_id, key, flt, match, limit)

    async def _index_next_chunk(self, batch_id: str, key: int) -> bool:
        """Index the next INDEX_CHUNK rows in custom_id order; True once the batch is complete."""
        async with self._db.transaction() as conn:
            state = await search_state(conn, key)  # re-read under the lock: write_results may have run since
            if state is None:
                await execute(conn, "INSERT INTO search_index (batch_key, cursor) VALUES (?, '')", (key,))
                state = ("", False)
            cursor, complete = state
            if complete:
                return True
            upper = await self._db.scalar(
                "SELECT max(custom_id) FROM (SELECT custom_id FROM results WHERE batch_key = ? AND custom_id > ? "
                "ORDER BY custom_id LIMIT ?)",
                (key, cursor, INDEX_CHUNK),
            )
            if upper is None:
                await execute(conn, "UPDATE search_index SET complete = 1 WHERE batch_key = ?", (key,))
                return True
            await execute(
                conn,
                f"INSERT INTO results_fts (rowid, prompt, answer) {_DOCS} "
                "AND r.custom_id > :cursor AND r.custom_id <= :upper",
                {"batch_id": batch_id, "key": key, "cursor": cursor, "upper": upper},
            )
            await execute(conn, "UPDATE search_index SET cursor = ? WHERE batch_key = ?", (upper, key))
            return False
