"""Command palette (ctrl+p): the screen's own actions as "category: verb" commands, offered only when they apply
(no "batch: cancel" when nothing selected can be canceled)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from functools import partial

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.markup import escape

from batchtui.tui.keymap import keys_for

# action -> palette name, for every action a screen or the app may offer. Names are ours (trusted), so the
# matcher may highlight them as markup.
NAMES = {
    "new": "batch: new from a file",
    "open": "batch: open results",
    "select_cursor": "batch: open results",
    "cancel": "batch: cancel",
    "delete": "batch: delete",
    "export": "batch: export results",
    "mark": "batch: mark or unmark",
    "filter": "view: filter batches",
    "activity": "view: show or hide API activity",
    "stats": "view: stats (cost, saving, outcomes per day)",
    "retry": "batch: retry failures",
    "label": "batch: label",
    "toggle_group": "group: show or hide its parts",
    "toggle_merged": "results: merged across retries",
    "next_period": "stats: next period",
    "back": "view: clear filter and marks",
    "refresh": "sync: refresh now",
    "help": "help: keys",
}


class BatchCommands(Provider):
    def _commands(self) -> Iterator[tuple[str, str, Callable[[], Awaitable[object]]]]:
        """(name, help, run) for each action the screen or the app offers right now."""
        screen = self.screen
        app = self.app
        keymap = getattr(app, "keymap", {})
        seen: set[str] = set()
        for node in (screen, app):
            for binding in type(node).BINDINGS:
                if not isinstance(binding, Binding):
                    continue
                action = binding.action.removeprefix("app.")
                name = NAMES.get(action)
                if name is None or name in seen or node.check_action(action, ()) is not True:
                    continue
                seen.add(name)
                # Help is parsed as markup: the keys come from the user's config, so escape them.
                help_text = f"{binding.tooltip} ({escape(keys_for(app, binding, keymap))})"
                yield name, help_text, partial(node.run_action, action)

    async def discover(self) -> Hits:
        for name, help_text, run in self._commands():
            yield DiscoveryHit(name, run, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, run in self._commands():
            if (score := matcher.match(name)) > 0:
                yield Hit(score, matcher.highlight(name), run, help=help_text)
