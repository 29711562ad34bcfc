"""The dashboard as a real process with no terminal, for kill and concurrency tests: `python headless_dashboard.py
NOTES -- ARGS...` runs `batchtui ARGS` (no command: the dashboard) on Textual's headless driver, and appends every
notification it shows (severity, title, message) to the file NOTES, so a test can read what a user would have seen.
The code under test is unchanged."""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ["TEXTUAL_DRIVER"] = "textual.drivers.headless_driver:HeadlessDriver"


def record_notifications(notes: Path) -> None:
    from textual.app import App

    original = App.notify

    def notify(self, message, *args, **kwargs):  # type: ignore[no-untyped-def]
        with open(notes, "a", encoding="utf-8") as f:
            f.write(f"{kwargs.get('severity', 'information')}\t{kwargs.get('title', '')}\t{message}\n")
        return original(self, message, *args, **kwargs)

    App.notify = notify  # type: ignore[method-assign]


if __name__ == "__main__":
    notes, sep, *cli_args = sys.argv[1:]
    assert sep == "--", "usage: headless_dashboard.py NOTES -- ARGS..."
    record_notifications(Path(notes))
    from batchtui.cli import main

    sys.exit(main(cli_args))
