"""textual-fspicker's dialogs, made keyboard-first and with file names made inert.

Keyboard: focus starts in the path box, so a path can be typed (or pasted) at once; a full path, or one relative to
the folder shown, is honoured in both dialogs; Enter on a file in the list opens it. The save dialog can carry a
format choice (`SaveFile(formats=...)`) that follows the extension typed and, when changed, changes it; and it
refuses a path that cannot be written, saying why, before anything starts.

Untrusted names: the picker lists entries as `Text(location.name)`, so no markup is parsed, but an ESC or other
control character in a file name would still reach the terminal (a file can be named `\\x1b]52;c;...`). Every
entry name goes through `clean()` first, and so does the error line. Import the dialogs from here, not from
textual_fspicker.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.content import Content
from textual.widgets import Input, Select
from textual_fspicker import FileOpen as _FileOpen
from textual_fspicker import FileSave as _FileSave
from textual_fspicker import Filters
from textual_fspicker.base_dialog import Dialog
from textual_fspicker.parts import DirectoryNavigation, directory_navigation

from batchtui.core.sanitize import clean

__all__ = ["FileOpen", "FileSave", "Filters", "SaveFile", "unwritable_reason"]


def _clean_name(cls: type, location: Path) -> Text:
    # The library's own _name, with the file name cleaned.
    link = cls.LINK_ICON if directory_navigation.is_symlink(location) else ""  # type: ignore[attr-defined]
    return Text.assemble(clean(location.name), " ", link)


if not getattr(directory_navigation.DirectoryEntry, "_batchtui_clean", False):
    directory_navigation.DirectoryEntry._name = classmethod(_clean_name)  # type: ignore[assignment]
    directory_navigation.DirectoryEntry._batchtui_clean = True  # type: ignore[attr-defined]


def unwritable_reason(path: Path) -> str | None:
    """Why a file cannot be written at `path` (None: it can, as far as can be told without writing)."""
    folder = path.parent
    if path.is_dir():
        return f"{path} is a folder: type a file name"
    if not folder.exists():
        return f"No folder {folder}: create it first, or pick another"
    if not folder.is_dir():
        return f"{folder} is not a folder"
    if path.exists() and not os.access(path, os.W_OK):
        return f"{path.name} is read-only here (permission denied)"
    # Exports are written beside the file, then renamed over it: the folder itself must be writable.
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"Cannot write in {folder} (permission denied)"
    return None


class _KeyboardFirst:
    """Focus in the path box from the start; error lines shown literally."""

    def on_mount(self) -> None:
        # Textual calls the library's on_mount after this one (every class's own, in MRO order), and it focuses
        # the list: the box takes the focus once that is done.
        self.call_after_refresh(self._focus_box)  # type: ignore[attr-defined]

    def _focus_box(self) -> None:
        self.query_one(Input).focus()  # type: ignore[attr-defined]

    def _set_error(self, message: str = "") -> None:
        self.query_one(Dialog).border_subtitle = Content(clean(message)) if message else ""  # type: ignore[attr-defined]


class FileOpen(_KeyboardFirst, _FileOpen):
    @on(DirectoryNavigation.Selected)
    def _open_selected(self, event: DirectoryNavigation.Selected) -> None:
        """Enter (or a click) on a file opens it, rather than only copying its name into the box."""
        event.stop()
        event.prevent_default()  # the library's handler (copy the name, focus the box) is not wanted
        if self._should_return(event.path):
            self.dismiss(result=event.path)


class FileSave(_KeyboardFirst, _FileSave):
    def _should_return(self, candidate: Path) -> bool:
        if (why := unwritable_reason(candidate)) is not None:
            self._set_error(why)
            return False
        return super()._should_return(candidate)


class SaveFile(FileSave):
    """A save dialog with a format choice beside the path: typing an extension picks its format, picking a format
    puts its extension on the name. `chosen_format` holds the choice once the dialog is dismissed with a path."""

    DEFAULT_CSS = """
    SaveFile InputBar #save-format { width: 1fr; }
    """

    def __init__(
        self,
        location: Path,
        title: str,
        *,
        default_file: str,
        formats: dict[str, tuple[str, tuple[str, ...]]],
        format_for: Callable[[str], str],  # file name -> format name
    ) -> None:
        """`formats`: name -> (label, extensions, the first being the one a file gets)."""
        super().__init__(location, title, default_file=default_file)
        self.formats = formats
        self.format_for = format_for
        self.chosen_format = format_for(default_file)

    def _input_bar(self) -> ComposeResult:
        yield from super()._input_bar()
        options = [(Content(label), name) for name, (label, _) in self.formats.items()]
        yield Select(options, value=self.chosen_format, allow_blank=False, id="save-format", compact=True)

    def _known_suffix(self, name: str) -> bool:
        suffix = Path(name).suffix.lower()
        return any(suffix in extensions for _, extensions in self.formats.values())

    @on(Input.Changed)
    def _follow_extension(self, event: Input.Changed) -> None:
        # Not stopped: the library clears its error line on the same event.
        if self._known_suffix(event.value):
            select = self.query_one("#save-format", Select)
            self.chosen_format = self.format_for(event.value)
            with select.prevent(Select.Changed):
                select.value = self.chosen_format

    @on(Select.Changed, "#save-format")
    def _format_picked(self, event: Select.Changed) -> None:
        event.stop()
        event.prevent_default()  # the library's handler would take it for its file filter
        self.chosen_format = str(event.value)
        box = self.query_one(Input)
        name = box.value.strip()
        extension = self.formats[self.chosen_format][1][0]
        if name and (self._known_suffix(name) or not Path(name).suffix):
            stem = name[: -len(Path(name).suffix)] if Path(name).suffix else name
            with box.prevent(Input.Changed):
                box.value = stem + extension
