"""The CLI's way into the service layer: global flags → settings → a session."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import AsyncIterator

from batchtui.core.config import Settings, resolve_settings
from batchtui.service.session import Session, open_session


def settings_of(args: argparse.Namespace) -> Settings:
    return resolve_settings(
        db=args.db,
        base_url=args.base_url,
        demo=args.demo,
        demo_batch_seconds=getattr(args, "demo_batch_seconds", None),
    )


@contextlib.asynccontextmanager
async def cli_session(args: argparse.Namespace, *, online: bool = True, connect: bool = True) -> AsyncIterator[Session]:
    """`connect=False`: the API client (and the SDK import) waits for `session.connect()`."""
    async with open_session(settings_of(args), online=online, connect=connect) as session:
        yield session
