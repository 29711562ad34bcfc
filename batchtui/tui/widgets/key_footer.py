"""The footer, fitted to the terminal's width: when every key does not fit, the screen's last keys give way and `?`
(help, where every key is listed) and `q` (quit) always stay. Textual's own footer cuts whatever passes the right
edge, and the app's keys come last, so at 80 columns `?` and `q` were the first to go.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

if TYPE_CHECKING:
    from textual.screen import Screen

ALWAYS = ("help", "quit")  # actions whose keys are never dropped
PALETTE_WIDTH = 14  # "▏^p palette" and its padding, docked at the right


def key_width(key_display: str, description: str) -> int:
    """Cells a FooterKey takes (not compact): a space either side of the key, the description and a space."""
    return cell_len(key_display) + 2 + cell_len(description) + 1


def fit_keys(keys: list[tuple[Binding, str]], width: int) -> list[tuple[Binding, str]]:
    """The keys to show in `width` cells, in their order: drop the last ones that may be dropped until the rest
    fit. `keys`: (binding, how its key reads)."""
    kept = list(keys)
    droppable = [i for i, (binding, _) in enumerate(keys) if binding.action not in ALWAYS]
    total = sum(key_width(shown, b.description) for b, shown in kept)
    for i in reversed(droppable):
        if total <= width:
            break
        binding, shown = keys[i]
        total -= key_width(shown, binding.description)
        kept.remove(keys[i])
    return kept


class KeySpec(NamedTuple):
    """One FooterKey as composed: what it shows and does."""

    key: str
    display: str
    description: str
    action: str
    disabled: bool
    tooltip: str
    classes: str = ""


class KeyFooter(Footer):
    """Recomposed only when the keys shown change: Textual's footer remounts every key on each `refresh_bindings`
    (every cursor move and focus change), which cost a cursor move more than the move itself. A key that is only
    greyed out or ungreyed (or re-tipped) is updated in place."""

    _composed: tuple[KeySpec, ...] | None = None

    def plan(self) -> tuple[KeySpec, ...]:
        """The keys to show, in order (the command palette's last), fitted to the width."""
        active = self.screen.active_bindings
        seen: set[str] = set()
        shown: list[tuple[Binding, bool, str]] = []
        for _, binding, enabled, tooltip in active.values():
            if binding.show and binding.action not in seen:  # one key per action, as Textual's footer does
                seen.add(binding.action)
                shown.append((binding, enabled, tooltip))
        palette = self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE
        width = (self.size.width or self.app.size.width) - (PALETTE_WIDTH if palette else 0)
        displays = {id(b): self.app.get_key_display(b) for b, _, _ in shown}
        kept = {id(b) for b, _ in fit_keys([(b, displays[id(b)]) for b, _, _ in shown], width)}
        specs = [
            KeySpec(binding.key, displays[id(binding)], binding.description, binding.action, not enabled, tooltip)
            for binding, enabled, tooltip in shown
            if id(binding) in kept
        ]
        if palette:
            try:
                _node, binding, enabled, tooltip = active[self.app.COMMAND_PALETTE_BINDING]
            except KeyError:
                pass
            else:
                specs.append(
                    KeySpec(
                        binding.key,
                        self.app.get_key_display(binding),
                        binding.description,
                        binding.action,
                        not enabled,
                        binding.tooltip or binding.description,
                        "-command-palette",
                    )
                )
        return tuple(specs)

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        specs = self.plan()
        self._composed = specs
        self.styles.grid_size_columns = sum(1 for spec in specs if not spec.classes)
        for spec in specs:
            key = FooterKey(
                spec.key,
                spec.display,
                spec.description,
                spec.action,
                classes=spec.classes,
                disabled=spec.disabled,
                tooltip=spec.tooltip,
            )
            yield key if spec.classes else key.data_bind(compact=Footer.compact)

    def bindings_changed(self, screen: Screen) -> None:
        """As Footer's, which skips every change while the app is blurred (its focused widget is then set aside,
        so its keys would flicker out and back): but a footer with no keys yet takes the screen's. A browser tab
        served by `batchtui serve` starts blurred (the web driver sends AppBlur before the first screen mounts),
        and Footer's rule left its key bar blank until the first key press."""
        self._bindings_ready = True
        if not screen.app.app_focus and self._composed is not None:
            return
        if self.is_attached and screen is self.screen:
            self.call_after_refresh(self._update_keys)

    async def _update_keys(self) -> None:
        """Footer.bindings_changed recomposes; this only does when the keys shown changed."""
        if not self.is_attached:
            return
        specs = self.plan()
        if specs == self._composed:
            return
        keys = list(self.query_children(FooterKey))
        old = self._composed or ()
        same_keys = len(specs) == len(old) == len(keys) and all(
            (a.key, a.display, a.description, a.action, a.classes)
            == (b.key, b.display, b.description, b.action, b.classes)
            for a, b in zip(specs, old, strict=True)
        )
        if not same_keys:
            await self.recompose()
            return
        for widget, spec, before in zip(keys, specs, old, strict=True):
            if spec.disabled != before.disabled:
                widget._disabled = spec.disabled
                widget.set_class(spec.disabled, "-disabled")
            if spec.tooltip != before.tooltip:
                widget.tooltip = spec.tooltip or None
        self._composed = specs

    def on_resize(self, event: events.Resize) -> None:
        """Fit the keys to the new width: recomposed only if that changes which keys show (a new screen's first
        size, once its keys were composed, usually does not)."""
        if event.size.width != getattr(self, "_fitted_width", None):
            self._fitted_width = event.size.width
            if self._bindings_ready:
                self.call_after_refresh(self._update_keys)
