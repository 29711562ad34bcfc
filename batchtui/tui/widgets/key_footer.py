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
    _keys_taken = False  # the keys were fitted to the screen's bindings once they were signalled

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
        """The keys the screen has now, even before its bindings are signalled ready (Footer composes nothing
        then): on a newly pushed screen the keys are built and styled with the screen's first layout, and the
        keys its focused widget adds later are updated in place, instead of mounting every key (and laying the
        screen out again) once the screen is up."""
        if not self.is_attached:
            return
        specs = self.plan()
        self._composed = specs
        self.styles.grid_size_columns = sum(1 for spec in specs if not spec.classes)
        for spec in specs:
            yield self._make_key(spec)

    def _make_key(self, spec: KeySpec) -> FooterKey:
        """A FooterKey as Footer composes it, born in its final look. Footer binds each key's `compact` to its
        own, which sets the key's `-compact` class on mount and again from the binding (each class change restyles
        the key: two restyles of every key, each time the keys are composed); the key is made with the class and
        the value already, so neither changes anything. The palette key is not bound, so it keeps FooterKey's
        default (compact), as in Footer."""
        compact = True if spec.classes else self.compact
        key = FooterKey(
            spec.key,
            spec.display,
            spec.description,
            spec.action,
            classes=f"{spec.classes} -compact" if compact else spec.classes,
            disabled=spec.disabled,
            tooltip=spec.tooltip,
        )
        key.set_reactive(FooterKey.compact, compact)
        return key

    def watch_compact(self, compact: bool) -> None:
        """What the binding did: the keys (not the palette's) follow the footer's compact style."""
        for key in self.query_children(FooterKey):
            if not key.has_class("-command-palette"):
                key.compact = compact

    def bindings_changed(self, screen: Screen) -> None:
        """As Footer's, which skips every change while the app is blurred (its focused widget is then set aside,
        so its keys would flicker out and back): but a footer that has not taken the screen's signalled keys yet
        takes them. A browser tab served by `batchtui serve` starts blurred (the web driver sends AppBlur before
        the first screen mounts), and Footer's rule left its key bar blank (here: the keys composed before the
        screen's focus was set) until the first key press."""
        self._bindings_ready = True
        if not screen.app.app_focus and self._keys_taken:
            return
        if self.is_attached and screen is self.screen:
            self.call_after_refresh(self._update_keys)

    async def _update_keys(self) -> None:
        """Footer.bindings_changed recomposes (every key removed, then made, mounted and styled anew); here the
        keys already mounted are changed in place (what they show and do, greyed out or not, their tips), and only
        the difference in number is mounted or removed."""
        if not self.is_attached:
            return
        specs = self.plan()
        self._keys_taken = True
        if specs == self._composed:
            return
        keys = list(self.query_children(FooterKey))
        old = self._composed or ()
        if len(keys) != len(old) or [spec.classes for spec in old if spec.classes] != [
            spec.classes for spec in specs if spec.classes
        ]:  # not what was composed (or the palette key came or went): compose afresh
            await self.recompose()
            return
        plain = [(widget, before) for widget, before in zip(keys, old, strict=True) if not before.classes]
        extra = [(widget, before) for widget, before in zip(keys, old, strict=True) if before.classes]
        wanted = [spec for spec in specs if not spec.classes]
        for (widget, before), spec in zip(plain, wanted, strict=False):
            self._change_key(widget, before, spec)
        for (widget, before), spec in zip(extra, [spec for spec in specs if spec.classes], strict=True):
            self._change_key(widget, before, spec)
        self.styles.grid_size_columns = len(wanted)
        self._composed = specs  # before the awaits below: an update meanwhile starts from these keys
        if len(wanted) > len(plain):
            new = [self._make_key(spec) for spec in wanted[len(plain) :]]
            if extra:
                await self.mount_all(new, before=extra[0][0])
            else:
                await self.mount_all(new)
        elif len(wanted) < len(plain):
            await self.remove_children([widget for widget, _ in plain[len(wanted) :]])

    @staticmethod
    def _change_key(widget: FooterKey, before: KeySpec, spec: KeySpec) -> None:
        """A mounted key made to show `spec` (it showed `before`): laid out again only if its text changed."""
        if (spec.key, spec.display, spec.description, spec.action) != (
            before.key,
            before.display,
            before.description,
            before.action,
        ):
            widget.key, widget.key_display = spec.key, spec.display
            widget.description, widget.action = spec.description, spec.action
            widget.refresh(layout=True)
        if spec.disabled != before.disabled:
            widget._disabled = spec.disabled
            widget.set_class(spec.disabled, "-disabled")
        if spec.tooltip != before.tooltip:
            widget.tooltip = spec.tooltip or None

    def on_resize(self, event: events.Resize) -> None:
        """Fit the keys to the new width: recomposed only if that changes which keys show (a new screen's first
        size, once its keys were composed, usually does not)."""
        if event.size.width != getattr(self, "_fitted_width", None):
            self._fitted_width = event.size.width
            if self._bindings_ready:
                self.call_after_refresh(self._update_keys)
