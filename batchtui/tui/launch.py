"""`batchtui` with no command: open settings, the store, the demo emulator (`--demo`), the API client and the sync
engine, run the dashboard, and close everything on the way out whatever happens.

No key is not an error here: the dashboard opens from the cache, offline, and says how to set one.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

import anthropic

from batchtui.commands.context import open_context
from batchtui.core.config import resolve_settings
from batchtui.core.errors import BatchtuiError, describe
from batchtui.core.sanitize import clean

# Short enough for the status bar, and says what to do.
NO_KEY = "No API key: export ANTHROPIC_API_KEY=sk-ant-… and restart, or try `batchtui --demo`."


def run_dashboard(args: argparse.Namespace) -> int:
    try:
        return asyncio.run(_run(args))
    except KeyboardInterrupt:
        return 130
    except (BatchtuiError, anthropic.AnthropicError, OSError) as exc:
        # Only start-up can get here (the store cannot be opened, the demo cannot start): the app itself never
        # lets an API error or a bad file escape.
        print(f"batchtui: {clean(describe(exc))}", file=sys.stderr)
        return 1


async def _run(args: argparse.Namespace) -> int:
    # Textual is imported here, not at module level, so `batchtui --help` and the CLI commands stay quick.
    from batchtui.tui.app import BatchTuiApp
    from batchtui.tui.keymap import load_keymap

    settings = resolve_settings(db=args.db, base_url=args.base_url, demo=args.demo)
    online = bool(settings.api_key)
    keymap, notices = load_keymap()
    async with open_context(args, online=online) as ctx:
        app = BatchTuiApp(
            store=ctx.store,
            api=ctx.api,
            engine=ctx.sync() if ctx.api is not None else None,
            offline_reason=None if online else NO_KEY,
            demo=settings.demo,
            keymap=keymap,
            notices=notices,
        )
        await app.run_async()
    return app.return_code or 0
