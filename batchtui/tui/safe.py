"""The only way untrusted text (custom_ids, model output, error messages, file names) reaches a widget.

Textual parses plain strings as markup: `[@click=app.quit]` would run an action, `[/` crashes the app, `[TODO]`
vanishes. And ESC / C1 controls pass straight through to the terminal. So: sanitize with `clean()` and wrap in
`Text` (DataTable cells, Tree labels) or `Content` (Static, Label, Button, OptionList) — never a plain str.
"""

from __future__ import annotations

from rich.text import Text
from textual.content import Content
from textual.markup import parse_style
from textual.style import Style

from batchtui.core.sanitize import clean


def as_text(value: object, style: str = "") -> Text:
    return Text(clean(str(value)), style=style)


def as_content(value: object) -> Content:
    return Content(clean(str(value)))


NULL_STYLE = Style()
_parses: dict[str, bool] = {}  # style text -> whether Textual can parse it


def _drawn_style(style: str | Style) -> str | Style:
    """The style as Content will draw it. Textual cannot parse some of Rich's colour names ("dodger_blue1",
    "dark_orange"): it draws such text unstyled, but parses the words again on every render, each time working out
    a "did you mean" with difflib (milliseconds). The null style it falls back to is given instead, so the text is
    drawn exactly as before without the parse."""
    if not isinstance(style, str) or not style or style.startswith(".") or "$" in style:
        return style
    parses = _parses.get(style)
    if parses is None:
        try:
            parse_style(style, {})
        except Exception:
            parses = False
        else:
            parses = True
        _parses[style] = parses
    return style if parses else NULL_STYLE


def content_assemble(*parts: str | tuple[str, str | Style]) -> Content:
    """Like Content.assemble, but every piece of text is sanitized: ("label: ", "dim"), untrusted, ..."""
    cleaned: list[str | tuple[str, str | Style]] = [
        (clean(p[0]), _drawn_style(p[1])) if isinstance(p, tuple) else clean(p) for p in parts
    ]
    return Content.assemble(*cleaned)
