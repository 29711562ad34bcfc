"""Create preview with CSV, JSON and plain text: the defaults fields (model, max tokens, temperature, system) are
applied where rows leave them out, a change checks the file again, and the very requests previewed are sent."""

from __future__ import annotations

import json

from textual.widgets import Button, Input, Static

from batchtui.core.inputs.custom_ids import generated_custom_id
from batchtui.tui.screens.create import REVALIDATE_DELAY, CreateScreen, defaults_from_fields, request_extensions
from batchtui.tui.screens.main import MainScreen
from tests.tui.app_support import SIZE, settle

MODEL = "claude-haiku-4-5"


def text_of(app, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def type_into(pilot, app, **fields: str) -> None:
    """Set defaults fields as typing would, then wait for the check that follows."""
    for name, value in fields.items():
        app.screen.query_one(f"#create-{name}", Input).value = value
    await pilot.pause(REVALIDATE_DELAY + 0.3)
    await settle(pilot, app)


def test_the_file_dialog_offers_every_format() -> None:
    assert {".csv", ".tsv", ".json", ".jsonl", ".txt"} <= set(request_extensions())


def test_defaults_from_fields() -> None:
    assert defaults_from_fields(" m ", "64", "0.5", "") == defaults_from_fields("m", "64", "0.5", " ")
    d = defaults_from_fields("m", "64", "0.5", "Be brief.")
    assert (d.model, d.max_tokens, d.temperature, d.system) == ("m", 64, 0.5, "Be brief.")  # type: ignore[union-attr]
    assert defaults_from_fields("", "", "", "").model is None  # type: ignore[union-attr]
    assert defaults_from_fields("m", "-1", "", "") == "max tokens must be a whole number, e.g. 1024"
    assert defaults_from_fields("m", "", "1.5", "") == "temperature must be a number from 0 to 1"


async def test_csv_needs_a_model_until_the_field_gives_one_then_submits_it(make_app, tmp_path, cache_store):
    path = tmp_path / "tickets.csv"
    path.write_text("prompt,team\nWhat is 2+2?,ops\nName a colour,design\n", encoding="utf-8")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await app.push_screen(CreateScreen(path))
        await settle(pilot, app)
        problems = text_of(app, "#create-problem-list")
        assert "model: missing" in problems and "--model" in problems and "Model field" in problems
        assert app.screen.query_one("#create-submit", Button).disabled

        await type_into(pilot, app, model=MODEL, **{"max-tokens": "32"}, system="One word.")
        summary = text_of(app, "#create-summary")
        assert "2 requests" in summary and f"{MODEL} ×2" in summary and "format csv" in summary
        assert "2 custom_ids generated" in summary
        assert not app.screen.query_one("#create-submit", Button).disabled

        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert isinstance(app.screen, MainScreen)

    (batch,) = await cache_store.list_batches()
    cid = generated_custom_id(2, "What is 2+2?")
    params = json.loads(await cache_store.get_request_params(batch.id, cid))
    assert params == {
        "model": MODEL,
        "max_tokens": 32,
        "system": "One word.",
        "messages": [{"role": "user", "content": "What is 2+2?"}],
    }
    assert await cache_store.request_metadata(batch.id, [cid]) == {cid: {"team": "ops"}}


async def test_a_row_value_wins_and_bad_defaults_block_submit(make_app, tmp_path):
    path = tmp_path / "q.json"
    path.write_text(json.dumps([{"content": "hi", "model": "claude-sonnet-4-5", "max_tokens": 5}]), encoding="utf-8")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await app.push_screen(CreateScreen(path))
        await settle(pilot, app)
        assert "claude-sonnet-4-5 ×1" in text_of(app, "#create-summary")  # no default needed

        await type_into(pilot, app, model=MODEL, temperature="3")
        assert "temperature must be a number from 0 to 1" in text_of(app, "#create-summary")
        assert app.screen.query_one("#create-submit", Button).disabled

        await type_into(pilot, app, temperature="0.3")
        assert "claude-sonnet-4-5 ×1" in text_of(app, "#create-summary")  # the item's own model is kept
        assert not app.screen.query_one("#create-submit", Button).disabled


async def test_a_plain_text_file_is_previewed_by_line(make_app, tmp_path):
    path = tmp_path / "prompts.txt"
    path.write_text("one\n\ntwo\n", encoding="utf-8")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await app.push_screen(CreateScreen(path))
        await settle(pilot, app)
        assert "max_tokens: missing" in text_of(app, "#create-problem-list")
        await type_into(pilot, app, model=MODEL, **{"max-tokens": "16"})
        summary = text_of(app, "#create-summary")
        assert "2 requests" in summary and "format txt" in summary
        assert app.screen.query_one("#create-problems").display is False
