"""`batchtui` with no command: open settings, the store, the demo emulator (`--demo`), the API client and the sync
engine, run the dashboard, and close everything on the way out whatever happens.

No key is not an error here: the dashboard opens from the cache, offline, and says how to set one.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from batchtui.core.config import resolve_settings, resolve_temporal
from batchtui.core.errors import BatchtuiError, describe, is_sdk_error
from batchtui.core.sanitize import clean
from batchtui.service.session import open_session

# Short enough for the status bar, and says what to do.
NO_KEY = "No API key: export ANTHROPIC_API_KEY=sk-ant-… and restart, or try `batchtui --demo`."


# Batches up to this size are indexed for full-text search as soon as their results are in.
INDEX_AFTER_DOWNLOAD = 50_000


def run_dashboard(args: argparse.Namespace) -> int:
    try:
        return asyncio.run(_run(args))
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if not isinstance(exc, BatchtuiError | OSError) and not is_sdk_error(exc):
            raise
        # Only start-up can get here (the store cannot be opened, the demo cannot start): the app itself never
        # lets an API error or a bad file escape.
        print(f"batchtui: {clean(describe(exc))}", file=sys.stderr)
        return 1


async def _run(args: argparse.Namespace) -> int:
    # Textual is imported here, not at module level, so `batchtui --help` and the CLI commands stay quick.
    from batchtui.tui.app import BatchTuiApp
    from batchtui.tui.hooks import load_hooks
    from batchtui.tui.keymap import load_keymap

    settings = resolve_settings(
        db=args.db,
        base_url=args.base_url,
        demo=args.demo,
        demo_batch_seconds=getattr(args, "demo_batch_seconds", None),
    )
    online = bool(settings.api_key)
    keymap, notices = load_keymap()
    temporal, problems = resolve_temporal()  # $TEMPORAL_ADDRESS, or [temporal] in the same config file
    hooks, hook_problems = load_hooks()  # [hooks]: a mistake there is told, and the dashboard runs without hooks
    # The cache paints first; the SDK (over a second to import) loads behind it and the app goes online then.
    async with open_session(
        settings, online=online, connect=False, index_after_download=INDEX_AFTER_DOWNLOAD
    ) as session:

        async def connect():
            api = await session.connect()
            return api, session.engine

        app = BatchTuiApp(
            store=session.store,
            api=session.api,
            engine=session.engine if session.online else None,
            offline_reason=None if online else NO_KEY,
            demo=settings.demo,
            keymap=keymap,
            notices=[*notices, *problems, *hook_problems],
            connect=connect if online else None,
            session=session,
            temporal=temporal,
            hooks=hooks,
        )
        await app.run_async()
    return app.return_code or 0
