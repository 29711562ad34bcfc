"""The results view of a structured-extraction batch, run for real (emulator, sync engine, store): a tool call's
input and a reply's thinking are shown under their names, the cost with the standard-API price and the saving,
and `unknown` for a model with no known price, never a guess. Untrusted text stays literal."""

from __future__ import annotations

import pytest

from batchtui.core.client import BatchApi
from batchtui.core.sync import SyncEngine
from batchtui.tui.widgets.result_detail import ResultDetail
from batchtui.tui.widgets.results_table import ResultsTable
from tests.tui.results_support import ResultsHostApp, control_chars_on_screen, screen_text, settle

SIZE = (150, 44)
HOSTILE = "[@click=app.quit]x[/] [TODO] \x1b]52;c;ZXZpbA==\x07"
TOOL = {
    "name": "record_ticket",
    "input_schema": {
        "type": "object",
        "properties": {"customer": {"type": "string"}, "priority": {"type": "string", "enum": ["high", "low"]}},
    },
}


def params(text: str, model: str = "claude-haiku-4-5", **extra: object) -> dict:
    return {"model": model, "max_tokens": 2000, "messages": [{"role": "user", "content": text}], **extra}


REQUESTS = {
    "a-extract": params(
        f"Ticket from Ada {HOSTILE}", tools=[TOOL], tool_choice={"type": "tool", "name": "record_ticket"}
    ),
    "b-think": params("Why was I charged twice?", thinking={"type": "enabled", "budget_tokens": 1024}),
    "c-unpriced": params("Hello there", model="claude-fable-5-2"),
}


@pytest.fixture
async def batch_id(batch_emulator, cache_store) -> str:
    api = BatchApi(api_key="test", base_url=batch_emulator.base_url)
    try:
        batch = await api.sdk.messages.batches.create(
            requests=[{"custom_id": k, "params": p} for k, p in REQUESTS.items()]  # type: ignore[misc]
        )
        batch_emulator.clock.advance(3600)
        engine = SyncEngine(cache_store, api)
        await engine.refresh()
        await engine.ensure_download(batch.id)
    finally:
        await api.close()
    return batch.id


async def test_tool_call_input_and_thinking_are_shown(batch_id, cache_store):
    app = ResultsHostApp(cache_store, batch_id=batch_id)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        table = app.screen.query_one(ResultsTable)
        first = table.render_line(1).text
        assert "a-extract" in first and "tool_use record_ticket: {" in first  # no text: the call is the preview
        detail = app.screen.query_one(ResultDetail)
        response = detail.response_text
        assert response.startswith("TOOL_USE RECORD_TICKET\n{\n")
        assert '"priority": "high"' in response
        assert '"customer": "customer of Ticket from Ada [@click=app.quit]x[/] [TODO]' in response
        usage = str(detail.query_one("#detail-usage").content)
        assert "standard API $" in usage and "saved $" in usage
        text = screen_text(app)
        assert "[@click=app.quit]x[/]" in text and "[TODO]" in text  # on screen as written, not as markup
        assert not control_chars_on_screen(app)

        await pilot.press("down")
        await settle(pilot, app)
        response = detail.response_text
        assert response.startswith("THINKING\nThe user asks about “Why was I charged twice?”.")
        assert "\n\n" in response and "pending authorisation" in response.partition("\n\n")[2]  # then the answer

        await pilot.press("down")
        await settle(pilot, app)
        usage = str(detail.query_one("#detail-usage").content)
        assert "cost unknown (no known price for claude-fable-5-2)" in usage and "saved" not in usage
        assert " unknown " in table.render_line(3).text  # the cost column of the unpriced row
        assert "cost unknown (1 unpriced; the rest $" in screen_text(app)  # never the priced part as the whole
        assert app.is_running  # nothing clicked its way to quit
