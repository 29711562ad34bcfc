"""The footer, fitted to the terminal's width: when every key does not fit, the screen's last keys give way and `?`
(help, where every key is listed) and `q` (quit) always stay. Textual's own footer cuts whatever passes the right
edge, and the app's keys come last, so at 80 columns `?` and `q` were the first to go.

It is one widget drawing one line, in the look of Textual's Footer (tests/tui/test_key_footer.py holds it to that,
cell for cell, hovered and greyed-out keys included): Footer is a container of a widget per key, and a new screen's
~15 keys were a third of its widgets, each made, styled and laid out on every Enter or `s` (~30 ms of CPU).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, NamedTuple

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.strip import Strip
from textual.widget import Widget

if TYPE_CHECKING:
    from textual.screen import Screen

ALWAYS = ("help", "quit")  # actions whose keys are never dropped
PALETTE_WIDTH = 14  # "▏^p palette" and its padding, docked at the right, and a margin before it


def key_width(key_display: str, description: str) -> int:
    """Cells a key takes: a space either side of the key, the description and a space (Footer's FooterKey, not
    compact)."""
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
    """One key as drawn: what it shows and does (`classes`: "-command-palette" for the palette's key)."""

    key: str
    display: str
    description: str
    action: str
    disabled: bool
    tooltip: str
    classes: str = ""


class KeyFooter(Widget, can_focus=False):
    """The screen's keys on one line: each ` key description `, the command palette's `▏^p palette` at the right
    edge. A key greyed out (its action not possible now) is drawn dim; the key under the mouse is highlighted and
    shows its tooltip; a click presses it (or rings the bell if it is greyed out), as Footer's keys do. The keys
    are read from the screen when it signals its bindings changed, and drawn again only if what they show did."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "key-footer--key",
        "key-footer--description",
        "key-footer--key-hover",
        "key-footer--description-hover",
        "key-footer--key-disabled",
        "key-footer--description-disabled",
        "key-footer--key-disabled-hover",
        "key-footer--description-disabled-hover",
        "key-footer--palette-border",
    }
    # Footer's and FooterKey's rules (textual/widgets/_footer.py), one component class per look a part can take.
    DEFAULT_CSS = """
    KeyFooter {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        pointer: pointer;
        & > .key-footer--key { color: $footer-key-foreground; background: $footer-key-background; text-style: bold; }
        & > .key-footer--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        & > .key-footer--key-hover {
            color: $footer-key-foreground;
            background: $block-hover-background;
            text-style: bold;
        }
        & > .key-footer--description-hover {
            color: $footer-description-foreground;
            background: $block-hover-background;
        }
        & > .key-footer--key-disabled {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold dim;
        }
        & > .key-footer--description-disabled {
            color: $footer-description-foreground;
            background: $footer-description-background;
            text-style: dim;
        }
        & > .key-footer--key-disabled-hover {
            color: $footer-key-foreground;
            background: $block-hover-background;
            text-style: bold dim;
        }
        & > .key-footer--description-disabled-hover {
            color: $footer-description-foreground;
            background: $block-hover-background;
            text-style: dim;
        }
        & > .key-footer--palette-border { color: $foreground 20%; }
    }
    """

    show_command_palette = True  # the palette's key at the right edge (when the app has the palette)

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.shown: tuple[KeySpec, ...] = ()  # the keys drawn, in order
        self._bindings_ready = False  # the screen signalled its bindings (its focused widget's keys are known)
        self._keys_taken = False  # the keys were fitted to the screen's bindings once they were signalled
        self._hover: int | None = None  # index in `shown` of the key under the mouse
        self._spans: list[tuple[int, int, int]] = []  # (first cell, end cell, index in `shown`) of each key drawn
        self._line: Strip | None = None  # the line drawn, until the keys, the hover, the width or the styles change

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

    # -- keeping the keys ---------------------------------------------------------------------------------------

    def on_mount(self) -> None:
        """The keys the screen has now, drawn with its first layout (its focused widget's keys follow when the
        screen signals its bindings)."""
        self.screen.bindings_updated_signal.subscribe(self, self.bindings_changed)
        self._show(self.plan())

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def bindings_changed(self, screen: Screen) -> None:
        """As Footer's, which skips every change while the app is blurred (its focused widget is then set aside,
        so its keys would flicker out and back): but a footer that has not taken the screen's signalled keys yet
        takes them. A browser tab served by `batchtui serve` starts blurred (the web driver sends AppBlur before
        the first screen mounts), and Footer's rule left its key bar blank until the first key press."""
        self._bindings_ready = True
        if not screen.app.app_focus and self._keys_taken:
            return
        if self.is_attached and screen is self.screen:
            self.call_after_refresh(self._update_keys)

    def _update_keys(self) -> None:
        if self.is_attached:
            self._keys_taken = True
            self._show(self.plan())

    def _show(self, specs: tuple[KeySpec, ...]) -> None:
        if specs != self.shown:
            self.shown = specs
            self._hover = None
            self.tooltip = None
            self._line = None
            self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        """Fit the keys to the new width (which keys show may change)."""
        self._line = None
        if self._bindings_ready:
            self.call_after_refresh(self._update_keys)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._line = None  # a theme or CSS change: the parts' looks

    # -- drawing ------------------------------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        if y:
            return Strip.blank(self.size.width, Style(bgcolor=self.rich_style.bgcolor))
        if self._line is None:
            self._line = self._draw(self.size.width)
        return self._line

    def _draw(self, width: int) -> Strip:
        """The keys from the left, in Footer's layout: each as wide as its text, none cut but by the edge; the
        palette's key docked at the right over what is left."""
        base = self.rich_style
        blank = Style(bgcolor=base.bgcolor)  # what Textual fills the rest of a container with
        plain = [(i, spec) for i, spec in enumerate(self.shown) if not spec.classes]
        palette = next(((i, spec) for i, spec in enumerate(self.shown) if spec.classes), None)  # (plan's last key)
        tail: list[Segment] = []
        spans: list[tuple[int, int, int]] = []
        if palette is not None:
            i, spec = palette
            hover = i == self._hover
            key, description = self._styles(spec.disabled, hover)
            # The border's colour is blended over the footer's background, hovered or not (as Textual draws it).
            border = self.get_component_rich_style("key-footer--palette-border") + Style(bgcolor=description.bgcolor)
            # Footer draws it compact (no padding round the key, a space before the description), with a cell of
            # padding on its right and a `vkey` border on its left.
            tail = [Segment("▏", border), Segment(spec.display, key)]
            if spec.description:
                tail.append(Segment(f" {spec.description}", description))
            tail.append(Segment(" ", Style(bgcolor=description.bgcolor)))  # padding: background only, as Textual's
        tail_width = sum(cell_len(s.text) for s in tail)
        room = max(0, width - tail_width)
        head: list[Segment] = []
        x = 0
        for i, spec in plain:
            if x >= room:
                break
            key, description = self._styles(spec.disabled, i == self._hover)
            parts = (
                [Segment(f" {spec.display} ", key), Segment(f"{spec.description} ", description)]
                if spec.description
                else [Segment(spec.display, key)]
            )
            start = x
            head.extend(parts)
            x += sum(cell_len(s.text) for s in parts)
            spans.append((start, min(x, room), i))
        line = Strip(head).crop_extend(0, room, blank)
        if palette is not None:
            spans.append((room, width, palette[0]))
            line = Strip.join([line, Strip(tail).crop_extend(0, width - room, blank)])
        self._spans = spans
        return line

    def _styles(self, disabled: bool, hover: bool) -> tuple[Style, Style]:
        state = ("-disabled" if disabled else "") + ("-hover" if hover else "")
        return (
            self.get_component_rich_style(f"key-footer--key{state}"),
            self.get_component_rich_style(f"key-footer--description{state}"),
        )

    # -- the mouse ----------------------------------------------------------------------------------------------

    def _key_at(self, x: int) -> int | None:
        for start, end, index in self._spans:
            if start <= x < end:
                return index
        return None

    def on_mouse_move(self, event: events.MouseMove) -> None:
        self._hover_on(self._key_at(event.x))

    def on_leave(self, event: events.Leave) -> None:
        self._hover_on(None)

    def _hover_on(self, index: int | None) -> None:
        if index != self._hover:
            self._hover = index
            self.tooltip = None if index is None else self.shown[index].tooltip or None
            self._line = None
            self.refresh()

    def on_mouse_down(self, event: events.MouseDown) -> None:
        index = self._key_at(event.x)
        if index is None:
            return
        spec = self.shown[index]
        if spec.disabled:
            self.app.bell()
        else:
            self.app.simulate_key(spec.key)
