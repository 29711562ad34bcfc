"""File names are untrusted: the file picker shows them literally, with no control character reaching the terminal."""

from pathlib import Path

from textual.app import App

from batchtui.tui.file_dialogs import FileOpen

HOSTILE = ["evil\x1b]52;c;ZXZpbA==\x07.jsonl", "[@click=app.quit]x.jsonl", "[TODO] plan.jsonl", "wipe\x1b[2J.jsonl"]


async def test_hostile_file_names_are_listed_literally(tmp_path: Path):
    for name in HOSTILE:
        (tmp_path / name).write_text("{}\n")

    class Host(App):
        def on_mount(self) -> None:
            self.push_screen(FileOpen(tmp_path))

    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.5)
        svg = app.export_screenshot()
        assert app.is_running
        assert "\x1b" not in svg
        assert "␛]52;c;ZXZpbA==␇.jsonl" in svg.replace("&#160;", " ")
        text = svg.replace("&#160;", " ")
        assert "[@click=app.quit]x.jsonl" in text and "[TODO] plan.jsonl" in text
