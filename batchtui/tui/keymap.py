"""User key remaps: `[keymap]` in the config file maps binding ids to keys, applied with `App.set_keymap`.

# ~/.config/batchtui/config.toml
[keymap]
"batch.new" = "ctrl+n"
"batch.cancel" = "x,delete"   # several keys: comma-separated
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from textual.app import App
from textual.binding import Binding

from batchtui.core.config import config_path  # one definition: the Temporal settings share the file

EXAMPLE = '[keymap]\n"batch.new" = "ctrl+n"\n"batch.cancel" = "x,delete"'


def load_keymap(path: Path | None = None) -> tuple[dict[str, str], list[str]]:
    """(binding id -> keys, problems). A missing file means no remaps; a broken one is reported, never fatal: a
    typo in a config file must not stop the dashboard from opening."""
    path = path or config_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}, []
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return {}, [f"{path}: {exc}; using the default keys"]
    table = data.get("keymap", {})
    if not isinstance(table, dict):
        return {}, [f'{path}: [keymap] must be a table of binding id = "keys"; using the default keys']
    keymap: dict[str, str] = {}
    problems: list[str] = []
    for binding_id, keys in table.items():
        if isinstance(keys, str) and keys.strip():
            keymap[str(binding_id)] = ",".join(k.strip() for k in keys.split(",") if k.strip())
        else:
            problems.append(f"{path}: keymap {binding_id!r} must be a non-empty string of keys; ignored")
    return keymap, problems


def unknown_ids(keymap: dict[str, str], bindings: list[Binding]) -> list[str]:
    known = {b.id for b in bindings if b.id}
    return sorted(set(keymap) - known)


def keys_for(app: App, binding: Binding, keymap: dict[str, str]) -> str:
    """How the binding's keys read now, after the user's remaps ("^n", "?", "space")."""
    keys = keymap.get(binding.id or "", binding.key)
    return " / ".join(app.get_key_display(Binding(key.strip(), binding.action)) for key in keys.split(","))
