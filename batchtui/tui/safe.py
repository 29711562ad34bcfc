"""The only way untrusted text (custom_ids, model output, error messages, file names) reaches a widget.

Textual parses plain strings as markup: `[@click=app.quit]` would run an action, `[/` crashes the app, `[TODO]`
vanishes. And ESC / C1 controls pass straight through to the terminal. So: sanitize with `clean()` and wrap in
`Text` (DataTable cells, Tree labels) or `Content` (Static, Label, Button, OptionList) — never a plain str.
"""

from __future__ import annotations

from rich.text import Text
from textual.content import Content
from textual.style import Style

from batchtui.core.sanitize import clean


def as_text(value: object, style: str = "") -> Text:
    return Text(clean(str(value)), style=style)


def as_content(value: object) -> Content:
    return Content(clean(str(value)))


def content_assemble(*parts: str | tuple[str, str | Style]) -> Content:
    """Like Content.assemble, but every piece of text is sanitized: ("label: ", "dim"), untrusted, ..."""
    cleaned: list[str | tuple[str, str | Style]] = [
        (clean(p[0]), p[1]) if isinstance(p, tuple) else clean(p) for p in parts
    ]
    return Content.assemble(*cleaned)
