"""The results filter: outcome toggles (with counts), error type, custom_id substring and full-text search.

Owns the current `ResultFilter` and posts `FilterBar.Changed` whenever it changes. The custom_id box applies as
you type (debounced); the search box applies on Enter, since a search can take a moment on a big batch.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Button, Input, Select

from batchtui.core import fmt
from batchtui.core.models import RESULT_TYPES, ResultFilter
from batchtui.tui.safe import as_content

CUSTOM_ID_DEBOUNCE = 0.25
OUTCOMES: tuple[str | None, ...] = (None, *RESULT_TYPES)  # None: all


def outcome_key(outcome: str | None) -> str:
    return str(OUTCOMES.index(outcome) + 1)


class OutcomeButton(Button, can_focus=False):
    """A one-line toggle; the number key shown in its label selects it from anywhere on the screen."""

    def __init__(self, outcome: str | None) -> None:
        super().__init__(compact=True, id=f"outcome-{outcome or 'all'}")
        self.outcome = outcome

    def set_count(self, n: int | None) -> None:
        name = self.outcome or "all"
        label = f"{outcome_key(self.outcome)} {name}" + (f" {fmt.count(n)}" if n is not None else "")
        if str(self.label) != label:
            self.label = as_content(label)
            self.refresh(layout=True)  # the label is not a layout reactive: the width would stay the old one


class FilterBar(Vertical):
    DEFAULT_CSS = """
    FilterBar {
        height: auto;
        padding: 0 1;
        #outcomes { height: 1; }
        OutcomeButton { margin-right: 1; min-width: 0; }
        OutcomeButton.-selected { background: $primary; color: $text; text-style: bold; }
        #filter-inputs { height: 1; margin-top: 1; }
        #error-type { width: 34; margin-right: 1; }
        #custom-id { width: 1fr; margin-right: 1; }
        #search { width: 2fr; }
    }
    """

    class Changed(Message):
        def __init__(self, flt: ResultFilter) -> None:
            super().__init__()
            self.filter = flt

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.outcome: str | None = None
        self.filter = ResultFilter()
        self._debounce: Timer | None = None
        self._search = ""  # what the search box held at its last Enter

    def compose(self) -> ComposeResult:
        with Horizontal(id="outcomes"):
            for outcome in OUTCOMES:
                yield OutcomeButton(outcome)
        with Horizontal(id="filter-inputs"):
            yield Select[str]([], prompt="any error type", id="error-type", compact=True)
            yield Input(placeholder="custom_id contains…", id="custom-id", compact=True)
            yield Input(placeholder="/ search prompts and answers (Enter)", id="search", compact=True)

    def on_mount(self) -> None:
        self.set_counts(None, None)
        self._show_outcome()

    # -- state in ------------------------------------------------------------------------------------------------

    def set_counts(self, type_counts: dict[str, int] | None, error_counts: dict[str, int] | None) -> None:
        """Counts per outcome (shown on the toggles) and per error type (the error type choices)."""
        for button in self.query(OutcomeButton):
            if type_counts is None:
                button.set_count(None)
            else:
                total = sum(type_counts.values())
                button.set_count(total if button.outcome is None else type_counts.get(button.outcome, 0))
        select = self.query_one("#error-type", Select)
        current = select.value
        options = [(as_content(f"{t} ({fmt.count(n)})"), t) for t, n in (error_counts or {}).items()]
        with select.prevent(Select.Changed):
            select.set_options(options)
            if current is not Select.NULL and any(v == current for _, v in options):
                select.value = current

    def set_outcome(self, outcome: str | None) -> None:
        self.outcome = outcome
        self._show_outcome()
        self._apply()

    def clear(self) -> None:
        """Every filter off: all outcomes, any error type, both boxes empty."""
        self.outcome = None
        self._search = ""
        self._show_outcome()
        with self.prevent(Input.Changed, Select.Changed):
            self.query_one("#search", Input).value = ""
            self.query_one("#custom-id", Input).value = ""
            self.query_one("#error-type", Select).clear()
        self._apply()

    def reset(self) -> None:
        """Every filter off and no counts, without a Changed: the view switched to another batch."""
        self.filter = ResultFilter()  # so that clear() finds nothing changed
        self.clear()
        self.set_counts(None, None)

    def focus_search(self) -> None:
        self.query_one("#search", Input).focus()

    def focus_custom_id(self) -> None:
        self.query_one("#custom-id", Input).focus()

    def _show_outcome(self) -> None:
        for button in self.query(OutcomeButton):
            button.set_class(button.outcome == self.outcome, "-selected")

    # -- events --------------------------------------------------------------------------------------------------

    @on(Button.Pressed)
    def _outcome_pressed(self, event: Button.Pressed) -> None:
        if isinstance(event.button, OutcomeButton):
            event.stop()
            self.set_outcome(event.button.outcome)

    @on(Select.Changed, "#error-type")
    def _error_type_changed(self, event: Select.Changed) -> None:
        event.stop()
        self._apply()

    @on(Input.Changed, "#custom-id")
    def _custom_id_typed(self, event: Input.Changed) -> None:
        event.stop()
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(CUSTOM_ID_DEBOUNCE, self._apply)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        # Not stopped: the screen moves focus back to the rows.
        if event.input.id == "search":
            self._search = event.value.strip()
        self._apply()

    def _apply(self) -> None:
        if self._debounce is not None:
            self._debounce.stop()
            self._debounce = None
        error_type = self.query_one("#error-type", Select).value
        custom_id = self.query_one("#custom-id", Input).value.strip()
        flt = ResultFilter(
            types=frozenset({self.outcome}) if self.outcome else frozenset(),
            error_type=None if error_type is Select.NULL else str(error_type),
            custom_id=custom_id or None,
            search=self._search or None,
        )
        if flt != self.filter:
            self.filter = flt
            self.post_message(self.Changed(flt))
