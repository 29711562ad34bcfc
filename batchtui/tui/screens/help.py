"""`?`: every key of the screen below and of the app, as remapped by the user, and how to remap them."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Static

from batchtui.tui.backdrop import Dialog
from batchtui.tui.keymap import EXAMPLE, config_path, keys_for
from batchtui.tui.safe import content_assemble

Section = tuple[str, Sequence[Binding]]
KEY_WIDTH = 12
DESCRIPTION_WIDTH = 16
TOOLTIP_WIDTH = 52


def home_relative(path: Path) -> str:
    try:
        return f"~/{path.relative_to(Path.home())}"
    except ValueError:
        return str(path)


class HelpScreen(Dialog[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "dismiss", "Close", id="help.close", tooltip="Back to where you were"),
    ]

    def __init__(self, sections: Sequence[Section], keymap: dict[str, str]) -> None:
        super().__init__()
        self.sections = sections
        self.keymap = keymap

    def compose(self) -> ComposeResult:
        with Vertical(id="help-dialog", classes="dialog"):
            yield Static(Content.styled("batchtui — keys", "bold"), id="help-title")
            with VerticalScroll(id="help-body"):
                yield Static(self.body(), id="help-keys")

    def body(self) -> Content:
        parts: list[str | tuple[str, str]] = []
        for title, bindings in self.sections:
            parts.append((f"{title}\n", "bold underline"))
            for b in bindings:
                if not b.description:
                    continue
                keys = keys_for(self.app, b, self.keymap)
                parts += [
                    (f"  {keys:<{KEY_WIDTH}}", "bold"),
                    f"{b.description:<{DESCRIPTION_WIDTH}}",
                    (f"{b.tooltip:<{TOOLTIP_WIDTH}}", "dim"),
                    (f"  {b.id}\n" if b.id else "\n", "dim italic"),
                ]
            parts.append("\n")
        parts += [
            ("Mouse: ", "bold"),
            "click a row to select it, click it again to open its results; click a key in the footer to run it.\n\n",
            ("Remap keys ", "bold"),
            "by binding id in ",
            (home_relative(config_path()), "underline"),
            " (several keys: comma-separated), then restart:\n",
            (EXAMPLE, "dodger_blue1"),
        ]
        return content_assemble(*parts)
