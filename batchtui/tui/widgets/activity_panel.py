"""A log of API calls (lazygit's command log): time, method, path, status, latency, request-id."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.widgets import RichLog

from batchtui.core.activity import ApiCall
from batchtui.core.sanitize import clean

MAX_LINES = 500


def call_line(call: ApiCall) -> Text:
    """One call as a line. Paths and error messages come from the network: sanitized, and never markup (a Text)."""
    if call.status is None:
        status, style = "ERR", "bold red"
    else:
        status, style = str(call.status), "green" if call.status < 400 else "bold red"
    line = Text.assemble(
        (f"{call.at.astimezone():%H:%M:%S} ", "dim"),
        (f"{clean(call.method):<6}", "bold"),
        (f"{status:>4} ", style),
        (f"{call.latency_ms:>7.0f} ms  ", "dim"),
        clean(call.path),
    )
    if call.request_id:
        line.append(f"  {clean(call.request_id)}", style="dim")
    if call.error:
        line.append(f"  {clean(call.error)}", style="red")
    return line


class ActivityPanel(RichLog):
    """Hidden until toggled; fed by the app with every call since start-up, newest at the bottom."""

    def __init__(self, **kwargs) -> None:
        super().__init__(max_lines=MAX_LINES, markup=False, highlight=False, wrap=False, **kwargs)

    def on_mount(self) -> None:
        self.border_title = "API activity"

    def add(self, calls: Iterable[ApiCall]) -> None:
        for call in calls:
            self.write(call_line(call))
