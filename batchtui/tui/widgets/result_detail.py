"""The selected result in full: the prompt beside the response, error details, usage, cost and saving.

Everything shown is untrusted (prompts, model output, error messages): it is sanitized and rendered as `Content`,
literally. The response is plain text, never Markdown, so links in it are not clickable and brackets are kept. A
reply with more than text shows every block in order under its name: thinking, tool calls with their input as
JSON, server tool results, and any newer block type as JSON.
"""

from __future__ import annotations

import json
from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Static

from batchtui.core import fmt
from batchtui.core.content_blocks import has_more_than_text, reply_blocks
from batchtui.core.cost import saved_usd, standard_cost_usd
from batchtui.core.models import ResultRow
from batchtui.core.sanitize import clean
from batchtui.core.spend import NOT_BILLED, UNKNOWN, result_cost_status
from batchtui.tui.safe import as_content, content_assemble

TYPE_STYLES = {"succeeded": "green", "errored": "red", "canceled": "yellow", "expired": "magenta"}
NO_TEXT = {
    "succeeded": "(the reply has no text content)",
    "errored": "(no response: the request errored)",
    "canceled": "(no response: the batch was canceled before this request ran)",
    "expired": "(no response: the batch expired before this request ran)",
}


def prompt_sections(params_json: str | None) -> list[tuple[str, str]]:
    """(role, text) for the system prompt and each message of a request's params, sanitized."""
    if not params_json:
        return []
    try:
        params = json.loads(params_json)
    except ValueError:
        return [("params", clean(params_json))]
    if not isinstance(params, dict):
        return [("params", clean(params_json))]
    sections: list[tuple[str, str]] = []
    system = _block_text(params.get("system"))
    if system:
        sections.append(("system", system))
    messages = params.get("messages")
    for message in messages if isinstance(messages, list) else []:
        if isinstance(message, dict):
            role = message.get("role")
            sections.append((clean(role) if isinstance(role, str) else "message", _block_text(message.get("content"))))
    return sections


def _block_text(content: Any) -> str:
    if isinstance(content, str):
        return clean(content)
    if not isinstance(content, list):
        return ""
    parts: list[str] = []
    for block in content:
        if not isinstance(block, dict):
            continue
        kind = block.get("type")
        if isinstance(block.get("text"), str):
            parts.append(block["text"])
        elif kind == "tool_result":
            parts.append(_block_text(block.get("content")))
        elif isinstance(kind, str):
            parts.append(f"<{kind}>")  # an image, a document...: named, not shown
    return clean("\n".join(parts))


def prompt_content(params_json: str | None) -> Content:
    sections = prompt_sections(params_json)
    if not sections:
        return Content.styled("(prompt not known: this batch was not submitted from this cache)", "dim italic")
    pieces: list[str | tuple[str, str]] = []
    for i, (role, text) in enumerate(sections):
        pieces.append((("\n\n" if i else "") + role.upper(), "bold $accent"))
        pieces.append("\n" + text)
    return content_assemble(*pieces)


def cost_parts(row: ResultRow) -> list[str | tuple[str, str]]:
    """The cost at batch rates, what the standard API would have charged, and the saving; or why there is none."""
    if row.reused:  # an earlier batch's answer to the same request (`submit --reuse`): paid for once, there
        saved = UNKNOWN if row.reuse_saved_usd is None else fmt.money(row.reuse_saved_usd)
        return [
            ("  reused from ", "dim"), (clean(row.reused_from or ""), "magenta"), (" · ", "dim"),
            clean(row.reused_custom_id or ""), ("  not sent again: saved ", "dim"), (saved, "green"),
        ]  # fmt: skip
    if row.result_type in NOT_BILLED:
        return [("  cost ", "dim"), ("not billed", "dim")]
    if result_cost_status(row) == UNKNOWN:
        return [("  cost ", "dim"), (UNKNOWN, "yellow"), (f" (no known price for {row.model or 'its model'})", "dim")]
    return [
        ("  cost ", "dim"),
        fmt.money(row.cost_usd),
        ("  standard API ", "dim"),
        fmt.money(standard_cost_usd(row.cost_usd)),
        ("  saved ", "dim"),
        (fmt.money(saved_usd(row.cost_usd)), "green"),
    ]


def usage_content(row: ResultRow) -> Content:
    def n(value: int | None) -> str:
        return fmt.count(value)

    return content_assemble(
        ("in ", "dim"),
        n(row.input_tokens),
        ("  out ", "dim"),
        n(row.output_tokens),
        ("  cache write ", "dim"),
        n(row.cache_creation_input_tokens),
        ("  cache read ", "dim"),
        n(row.cache_read_input_tokens),
        *cost_parts(row),
    )


def response_content(row: ResultRow) -> Content:
    """The reply: its text, or every block in order under its name when it has more than text."""
    blocks = reply_blocks(row.raw) if row.result_type == "succeeded" else []
    if has_more_than_text(blocks):
        pieces: list[str | tuple[str, str]] = []
        for i, block in enumerate(blocks):
            if block.kind != "text":
                pieces.append((("\n\n" if i else "") + block.title.upper(), "bold $accent"))
                pieces.append(("\n" + block.body, "italic") if block.kind == "thinking" else "\n" + block.body)
            else:
                pieces.append(("\n\n" if i else "") + block.body)
        return content_assemble(*pieces)
    if row.text:
        return as_content(row.text)
    return Content.styled(NO_TEXT.get(row.result_type, "(no response text)"), "dim italic")


def title_content(row: ResultRow, origin: str | None = None) -> Content:
    type_style = f"bold {TYPE_STYLES.get(row.result_type, '')}".strip()
    parts: list[str | tuple[str, str]] = [(row.display_custom_id, "bold"), "  ", (row.result_type, type_style)]
    if origin:
        parts += [("  from ", "dim"), (origin, "magenta")]
    if row.model:
        parts += [("  model ", "dim"), row.model]
    if row.stop_reason:
        parts += [("  stop ", "dim"), row.stop_reason]
    return content_assemble(*parts)


def error_content(row: ResultRow) -> Content:
    return content_assemble(
        ("error ", "bold red"), (row.error_type or "unknown", "red"), "\n", row.error_message or "(no message)"
    )


class ResultDetail(Vertical):
    """Shows one ResultRow; `show(None)` shows a hint instead."""

    DEFAULT_CSS = """
    ResultDetail {
        height: 1fr;
        border-top: hkey $foreground 20%;
        #detail-title { height: auto; padding: 0 1; }
        #detail-usage { height: auto; padding: 0 1; }
        #detail-error { height: auto; padding: 0 1; display: none; }
        &.-errored #detail-error { display: block; }
        #detail-body { height: 1fr; }
        #detail-body > VerticalScroll {
            width: 1fr;
            border: round $foreground 25%;
            border-title-color: $text-muted;
            padding: 0 1;
        }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.row: ResultRow | None = None
        self.params: str | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="detail-title")
        yield Static(id="detail-error")
        with Horizontal(id="detail-body"):
            with VerticalScroll(id="detail-prompt-pane") as prompt:
                prompt.border_title = "Prompt"
                yield Static(id="detail-prompt")
            with VerticalScroll(id="detail-response-pane") as response:
                response.border_title = "Response"
                yield Static(id="detail-response")
        yield Static(id="detail-usage")

    def on_mount(self) -> None:
        self.show(None)

    def show(self, row: ResultRow | None, params: str | None = None, *, origin: str | None = None) -> None:
        """Show `row`; its prompt comes later through `show_prompt` (it is a separate lookup). `origin`: the retry
        batch the result comes from, in a merged view."""
        changed = row is None or self.row is None or row.custom_id != self.row.custom_id
        self.row = row
        if changed:
            self.params = params
        self.set_class(row is not None and row.result_type == "errored", "-errored")
        title, response = self.query_one("#detail-title", Static), self.query_one("#detail-response", Static)
        usage = self.query_one("#detail-usage", Static)
        if row is None:
            title.update(Content.styled("No result selected.", "dim"))
            response.update("")
            usage.update("")
            self.query_one("#detail-prompt", Static).update("")
            return
        title.update(title_content(row, origin))
        self.query_one("#detail-error", Static).update(error_content(row) if row.result_type == "errored" else "")
        response.update(response_content(row))
        usage.update(usage_content(row))
        if changed:
            self.query_one("#detail-prompt", Static).update(Content.styled("loading…", "dim"))
            for pane in self.query(VerticalScroll):
                pane.scroll_home(animate=False)

    def show_prompt(self, custom_id: str, params: str | None) -> None:
        """The submitted params of `custom_id` arrived; ignored when another row is shown by now."""
        if self.row is None or self.row.custom_id != custom_id:
            return
        self.params = params
        self.query_one("#detail-prompt", Static).update(prompt_content(params))

    @property
    def response_text(self) -> str:
        """The plain text of the response pane (for tests and copy)."""
        return str(self.query_one("#detail-response", Static).content)
