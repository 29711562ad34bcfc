"""Full-text search over prompts and answers: built lazily once per batch, kept current, safe with any input."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from batchtui.core.models import ResultFilter
from batchtui.core.result_lines import parse_result_line
from batchtui.core.store import Store
from batchtui.core.store.search import fts_query, prompt_text

from .conftest import SYNCED

B = "msgbatch_search"

PROMPTS = {
    "t-1": ("Summarise the refund policy for damaged parcels", "You are a support agent."),
    "t-2": ("Translate 'good morning' into French", None),
    "t-3": ("Classify this ticket: my invoice is wrong", None),
    "t-4": ("Write a haiku about the sea", None),
}
ANSWERS = {
    "t-1": "Customers get a full refund within 30 days.",
    "t-2": "Bonjour. (Crème brûlée optional.)",
    "t-4": "Waves fold into foam",
}


@pytest.fixture
async def searchable(store: Store, make_batch, make_params, line) -> Store:
    sub = await store.record_submission(
        source_file="t.jsonl", label=None, request_count=4, body_bytes=1, params_digest="d"
    )
    await store.add_requests(sub.id, [(cid, make_params(p, system=s)) for cid, (p, s) in PROMPTS.items()])
    await store.mark_submission_sending(sub.id)
    await store.mark_submission_created(sub.id, B)
    await store.upsert_batches([make_batch(B, status="ended")], synced_at=SYNCED)
    lines = [line(cid, text=text) for cid, text in ANSWERS.items()]
    lines.append(
        line("t-3", "errored", error_type="invalid_request_error", message="messages.0: invoice field too long")
    )
    await store.write_results(B, [parse_result_line(B, text) for text in lines])
    return store


async def found(store: Store, query: str, **flt) -> list[str]:
    f = ResultFilter(search=query, **flt)
    ids = [r.custom_id for r in await store.page_results(B, f, offset=0, limit=50)]
    assert await store.count_results(B, f) == len(ids)
    assert [r.custom_id async for r in store.iter_results(B, f)] == ids
    return ids


async def test_prompts_answers_and_error_messages_are_searchable(searchable: Store) -> None:
    assert await found(searchable, "refund") == ["t-1"]  # prompt and answer
    assert await found(searchable, "support agent") == ["t-1"]  # system prompt
    assert await found(searchable, "French") == ["t-2"]  # prompt only
    assert await found(searchable, "bonjour") == ["t-2"]  # answer only, any case
    assert await found(searchable, "creme brulee") == ["t-2"]  # diacritics folded
    assert await found(searchable, "invoice") == ["t-3"]  # prompt and error message
    assert await found(searchable, "nothing-like-this") == []


async def test_terms_are_and_ed_phrases_and_prefixes_work(searchable: Store) -> None:
    assert await found(searchable, "refund days") == ["t-1"]
    assert await found(searchable, "refund bonjour") == []
    assert await found(searchable, '"full refund"') == ["t-1"]
    assert await found(searchable, '"refund full"') == []
    assert await found(searchable, "haik*") == ["t-4"]
    assert await found(searchable, "haik") == []


async def test_search_combines_with_other_filters(searchable: Store) -> None:
    assert await found(searchable, "invoice", types=frozenset({"errored"})) == ["t-3"]
    assert await found(searchable, "invoice", types=frozenset({"succeeded"})) == []
    assert await found(searchable, "the", custom_id="t-4") == ["t-4"]


@pytest.mark.parametrize(
    "query",
    ['"', '""', "AND (", "*", "NEAR(", "NEAR(a b, 2)", "OR", "NOT refund", "-", "^", "prompt:refund", "'", "(((", ")",
     "a AND", '"unbalanced', "refund*)", "\x00", "{prompt answer}: x", "🙂", "x" * 5000, "   ", ""],
)  # fmt: skip
async def test_hostile_queries_never_raise(searchable: Store, query: str) -> None:
    count = await searchable.count_results(B, ResultFilter(search=query))
    page = await searchable.page_results(B, ResultFilter(search=query), offset=0, limit=10)
    assert count == len(page) and 0 <= count <= 4


async def test_operators_are_searched_as_words(searchable: Store) -> None:
    assert await found(searchable, "NOT refund") == []  # the word "not" appears nowhere
    assert await found(searchable, "into OR") == []
    assert await found(searchable, "into") == ["t-2", "t-4"]
    assert await found(searchable, "prompt:refund") == []  # no column filter: "prompt refund" as a phrase


async def test_nothing_searchable_means_no_text_filter(searchable: Store) -> None:
    assert await searchable.count_results(B, ResultFilter(search="*")) == 4
    assert await searchable.count_results(B, ResultFilter(search='" ( )')) == 4


async def test_the_index_is_built_once_on_first_search(searchable: Store, db_path: Path) -> None:
    assert not await searchable.is_search_indexed(B)
    with sqlite3.connect(db_path) as db:
        assert db.execute("SELECT count(*) FROM results_fts").fetchone() == (0,)  # not during the download
    await found(searchable, "refund")
    assert await searchable.is_search_indexed(B)
    with sqlite3.connect(db_path) as db:
        assert db.execute("SELECT count(*) FROM results_fts").fetchone() == (4,)
    await searchable.ensure_search_index(B)  # again: nothing added
    with sqlite3.connect(db_path) as db:
        assert db.execute("SELECT count(*) FROM results_fts").fetchone() == (4,)


async def test_building_in_chunks_reports_progress(searchable: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    import batchtui.core.store.search as search

    monkeypatch.setattr(search, "INDEX_CHUNK", 1)
    seen: list[tuple[int, int]] = []
    await searchable.ensure_search_index(B, on_progress=lambda done, total: seen.append((done, total)))
    assert seen == [(0, 4), (1, 4), (2, 4), (3, 4), (4, 4)]
    assert await found(searchable, "waves") == ["t-4"]


async def test_an_indexed_batch_stays_current_as_results_are_rewritten(searchable: Store, line) -> None:
    await searchable.ensure_search_index(B)
    await searchable.write_results(
        B,
        [
            parse_result_line(B, line("t-4", text="Gulls circle the harbour")),
            parse_result_line(B, line("t-5", text="harbour")),
        ],
    )
    assert await found(searchable, "waves") == []  # the old answer is gone from the index
    assert await found(searchable, "harbour") == ["t-4", "t-5"]
    assert await found(searchable, "haiku") == ["t-4"]  # its prompt is still there


async def test_a_write_during_a_partial_build_is_neither_lost_nor_doubled(
    searchable: Store, line, monkeypatch: pytest.MonkeyPatch, db_path: Path
) -> None:
    import batchtui.core.store.search as search

    monkeypatch.setattr(search, "INDEX_CHUNK", 2)
    key = await searchable._batch_key(B)
    assert key is not None
    assert not await searchable._index_next_chunk(B, key)  # t-1, t-2 indexed; t-3, t-4 not yet
    await searchable.write_results(
        B, [parse_result_line(B, line(cid, text=f"rewritten {cid}")) for cid in ("t-1", "t-4")]
    )
    await searchable.ensure_search_index(B)
    with sqlite3.connect(db_path) as db:
        assert db.execute("SELECT count(*) FROM results_fts").fetchone() == (4,)
    assert await found(searchable, "rewritten") == ["t-1", "t-4"]
    assert await found(searchable, "refund") == ["t-1"]  # prompt kept, old answer replaced


async def test_prompts_linked_after_indexing_become_searchable(store: Store, make_batch, make_params, line) -> None:
    await store.upsert_batches([make_batch(B, status="ended")], synced_at=SYNCED)
    await store.write_results(B, [parse_result_line(B, line("x", text="answer"))])
    assert await found(store, "zebra") == []  # indexed without prompts
    sub = await store.record_submission(source_file=None, label=None, request_count=1, body_bytes=1, params_digest="d")
    await store.add_requests(sub.id, [("x", make_params("tell me about a zebra"))])
    await store.mark_submission_created(sub.id, B)
    assert await found(store, "zebra") == ["x"]


def test_fts_query_quotes_every_term() -> None:
    assert fts_query("refund policy") == '"refund" "policy"'
    assert fts_query('say "full refund" now') == '"say" "full refund" "now"'
    assert fts_query('a"b') == '"a""b"'
    assert fts_query("haik*") == '"haik"*'
    assert fts_query("NEAR(x") == '"NEAR(x"'
    assert fts_query("* ( ) \" '") is None
    assert fts_query(None) is None and fts_query("") is None


def test_prompt_text_takes_system_and_message_text() -> None:
    params = (
        '{"system": [{"type": "text", "text": "sys"}], "messages": [{"role": "user", "content": "hi"}, '
        '{"role": "assistant", "content": [{"type": "text", "text": "yo"}, {"type": "image", "source": {}}]}]}'
    )
    assert prompt_text(params) == "sys\nhi\nyo"
    assert prompt_text(None) == "" and prompt_text("not json") == "" and prompt_text("[1]") == ""


def _prompt_text_by_json(params_json: str | None) -> str:
    """prompt_text as it was, reading with json alone: the reference for the orjson fast path."""
    import json

    from batchtui.core.store.search import _add_text

    if not params_json:
        return ""
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


def test_prompt_text_reads_what_json_reads() -> None:
    """orjson first, json for what orjson refuses: the same text for every params, odd JSON included."""
    import json

    from hypothesis import given, settings
    from hypothesis import strategies as st

    text = st.text(max_size=20)
    block = st.one_of(
        st.fixed_dictionaries({"type": st.just("text"), "text": text}),
        st.fixed_dictionaries({"type": st.just("image"), "source": st.just({})}),
        st.dictionaries(st.sampled_from(["type", "text", "x"]), st.one_of(text, st.integers(), st.none())),
    )
    content = st.one_of(text, st.lists(block, max_size=3), st.integers(), st.none())
    message = st.one_of(st.fixed_dictionaries({"role": st.just("user"), "content": content}), text, st.integers())
    params = st.fixed_dictionaries(
        {},
        optional={
            "system": content,
            "messages": st.one_of(st.lists(message, max_size=4), text),
            "big": st.integers(min_value=-(2**70), max_value=2**70),
            "x": st.floats(allow_nan=True, allow_infinity=True),
        },
    )
    raw = st.one_of(params.map(json.dumps), st.text(max_size=30), st.sampled_from(ODD_JSON))

    @settings(max_examples=300, deadline=None)
    @given(raw)
    def check(params_json: str) -> None:
        assert prompt_text(params_json) == _prompt_text_by_json(params_json)

    check()


ODD_JSON = (
    '{"system": "a\\ud800b", "messages": []}',  # a lone surrogate: json reads it, orjson does not
    '{"system": "s", "x": NaN}',
    '{"system": "s", "n": 123456789012345678901234567890}',
    '{"system": "first", "system": "second"}',  # a repeated key: the last one counts
    '{"messages": [{"content": "hi"}]} trailing',
    "",
    "null",
    '"just a string"',
)
