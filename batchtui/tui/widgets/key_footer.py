"""The footer, fitted to the terminal's width: when every key does not fit, the screen's last keys give way and `?`
(help, where every key is listed) and `q` (quit) always stay. Textual's own footer cuts whatever passes the right
edge, and the app's keys come last, so at 80 columns `?` and `q` were the first to go.
"""

from __future__ import annotations

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

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


class KeyFooter(Footer):
    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
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
        self.styles.grid_size_columns = len(kept)
        for binding, enabled, tooltip in shown:
            if id(binding) in kept:
                yield FooterKey(
                    binding.key,
                    displays[id(binding)],
                    binding.description,
                    binding.action,
                    disabled=not enabled,
                    tooltip=tooltip,
                ).data_bind(compact=Footer.compact)
        if palette:
            try:
                _node, binding, enabled, tooltip = active[self.app.COMMAND_PALETTE_BINDING]
            except KeyError:
                return
            yield FooterKey(
                binding.key,
                self.app.get_key_display(binding),
                binding.description,
                binding.action,
                classes="-command-palette",
                disabled=not enabled,
                tooltip=binding.tooltip or binding.description,
            )

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width != getattr(self, "_fitted_width", None):
            self._fitted_width = event.size.width
            self.refresh(recompose=True)
