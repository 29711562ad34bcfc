"""The file dialogs from the keyboard: focus starts in the path box, a typed full path is honoured (open and save),
Enter on a file in the list opens it, the save dialog's format follows the extension (or sets it), and a path that
cannot be written is refused with the reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.app import App
from textual.screen import Screen
from textual.widgets import Input, Select
from textual_fspicker.base_dialog import Dialog
from textual_fspicker.parts import DirectoryNavigation

from batchtui.tui.file_dialogs import FileOpen, SaveFile
from batchtui.tui.screens.export import FORMATS, format_for
from tests.tui.app_support import screen_text

SIZE = (120, 40)


class Host(App[None]):
    """Shows one dialog and keeps what it was dismissed with."""

    def __init__(self, dialog: Screen[Any]) -> None:
        super().__init__()
        self.dialog = dialog
        self.answer: object = "not answered"

    def on_mount(self) -> None:
        self.push_screen(self.dialog, self._answered)

    def _answered(self, answer: object) -> None:
        self.answer = answer


def save_dialog(folder: Path, default: str = "results.jsonl") -> SaveFile:
    return SaveFile(folder, "Export", default_file=default, formats=FORMATS, format_for=format_for)


def error_line(dialog: Screen[Any]) -> str:
    return str(dialog.query_one(Dialog).border_subtitle)


async def type_path(pilot, text: str) -> None:
    box = pilot.app.screen.query_one(Input)
    box.value = ""
    await pilot.press(*text)


async def test_open_starts_in_the_path_box_and_honours_a_typed_full_path(tmp_path: Path):
    here, elsewhere = tmp_path / "here", tmp_path / "elsewhere"
    here.mkdir(), elsewhere.mkdir()
    wanted = elsewhere / "requests.jsonl"
    wanted.write_text("{}\n")
    app = Host(FileOpen(here))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.focused, Input)  # typing goes straight into the path
        await type_path(pilot, str(wanted))
        await pilot.press("enter")
        await pilot.pause()
    assert app.answer == wanted


async def test_enter_on_a_file_in_the_list_opens_it(tmp_path: Path):
    (tmp_path / "a.jsonl").write_text("{}\n")
    (tmp_path / "b.jsonl").write_text("{}\n")
    app = Host(FileOpen(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        listing = app.screen.query_one(DirectoryNavigation)
        listing.focus()
        await pilot.pause(0.2)
        listing.highlighted = next(i for i, o in enumerate(listing.options) if o.location.name == "b.jsonl")
        await pilot.press("enter")
        await pilot.pause()
    assert app.answer == tmp_path / "b.jsonl"


async def test_save_honours_a_typed_full_path_and_its_extension_picks_the_format(tmp_path: Path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    dialog = save_dialog(tmp_path)
    app = Host(dialog)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.focused, Input)
        assert dialog.query_one("#save-format", Select).value == "jsonl"
        await type_path(pilot, str(elsewhere / "errors.csv"))
        assert dialog.query_one("#save-format", Select).value == "csv"  # follows what is typed
        await pilot.press("enter")
        await pilot.pause()
    assert app.answer == elsewhere / "errors.csv"
    assert dialog.chosen_format == "csv"


async def test_picking_a_format_in_the_save_dialog_sets_the_extension(tmp_path: Path):
    dialog = save_dialog(tmp_path, "support-results.jsonl")
    app = Host(dialog)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        dialog.query_one("#save-format", Select).value = "md"
        await pilot.pause()
        assert dialog.query_one(Input).value == "support-results.md"
        dialog.query_one(Input).focus()
        await pilot.press("enter")
        await pilot.pause()
    assert app.answer == tmp_path / "support-results.md"
    assert dialog.chosen_format == "md"


async def test_save_to_a_path_that_cannot_be_written_says_why_and_stays_open(tmp_path: Path):
    (tmp_path / "taken").mkdir()
    dialog = save_dialog(tmp_path)
    app = Host(dialog)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await type_path(pilot, str(tmp_path / "missing" / "out.jsonl"))
        await pilot.press("enter")
        await pilot.pause()
        assert app.answer == "not answered" and app.screen is dialog
        assert error_line(dialog) == f"No folder {tmp_path / 'missing'}: create it first, or pick another"
        assert "No folder" in screen_text(app)  # in the dialog's bottom edge
        await type_path(pilot, str(tmp_path / "file-as-folder.jsonl" / "out.jsonl"))
        (tmp_path / "file-as-folder.jsonl").write_text("")
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is dialog
        assert error_line(dialog) == f"{tmp_path / 'file-as-folder.jsonl'} is not a folder"
