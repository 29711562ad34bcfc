"""textual-fspicker's dialogs, with file names made inert.

The picker lists directory entries as `Text(location.name)`: no markup is parsed, but an ESC or other control
character in a file name would still reach the terminal (a file can be named `\\x1b]52;c;...`). File names are
untrusted text, so every entry name goes through `clean()` first. Import the dialogs from here, not from
textual_fspicker.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual_fspicker import FileOpen, FileSave, Filters
from textual_fspicker.parts import directory_navigation

from batchtui.core.sanitize import clean

__all__ = ["FileOpen", "FileSave", "Filters"]


def _clean_name(cls: type, location: Path) -> Text:
    # The library's own _name, with the file name cleaned.
    link = cls.LINK_ICON if directory_navigation.is_symlink(location) else ""  # type: ignore[attr-defined]
    return Text.assemble(clean(location.name), " ", link)


if not getattr(directory_navigation.DirectoryEntry, "_batchtui_clean", False):
    directory_navigation.DirectoryEntry._name = classmethod(_clean_name)  # type: ignore[assignment]
    directory_navigation.DirectoryEntry._batchtui_clean = True  # type: ignore[attr-defined]
