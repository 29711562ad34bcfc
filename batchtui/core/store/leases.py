"""Leases on submissions being recorded or sent. The process that records or sends a submission holds its lease
and renews it while it works (a 250 MB upload can take minutes); reconcile in any other process leaves a leased
submission alone instead of judging it lost. A lease ends when the outcome is known (or found unknown), when its
store closes, when it is not renewed for `LEASE_SECONDS` (its process hung or its machine died), or at once when its
process is gone from this machine (killed)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import socket
from collections.abc import AsyncIterator
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta

from batchtui.core.models import Submission
from batchtui.core.store.base import StoreBase
from batchtui.core.store.batches import wire_time
from batchtui.core.store.db import execute

LEASE_SECONDS = 60.0
RENEW_EVERY = 20.0
_HOST = socket.gethostname()
# The submissions leased inside the current `lease_scope` (per task: a context variable), dropped when it ends.
_SCOPE: ContextVar[set[str] | None] = ContextVar("batchtui_lease_scope", default=None)


def new_owner() -> str:
    """host:pid:token: the token tells apart two stores of one process (tests play two processes that way)."""
    return f"{_HOST}:{os.getpid()}:{secrets.token_hex(4)}"


def _owner_gone(owner: str) -> bool:
    """The owner ran on this machine and its process no longer exists (SIGKILL, crash)."""
    host, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    if host != _HOST or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class LeasesMixin(StoreBase):
    lease_owner: str
    _lease_keeper: asyncio.Task[None] | None
    _leased_here: set[str]  # submissions this store is recording or sending right now

    def _lease_until(self) -> str:
        return wire_time(datetime.now(UTC) + timedelta(seconds=LEASE_SECONDS))  # type: ignore[return-value]

    def _lease_taken(self, submission_id: str) -> None:
        """Inside a `lease_scope`: keep renewing while the send goes on (one keeper task per store, started on
        demand). Outside one, the lease written with the state lapses unrenewed after LEASE_SECONDS."""
        scope = _SCOPE.get()
        if scope is None:
            return
        scope.add(submission_id)
        self._leased_here.add(submission_id)
        if self._lease_keeper is None or self._lease_keeper.done():
            self._lease_keeper = asyncio.get_running_loop().create_task(self._keep_leases())

    def _lease_dropped(self, submission_id: str) -> None:
        self._leased_here.discard(submission_id)

    @contextlib.asynccontextmanager
    async def lease_scope(self) -> AsyncIterator[None]:
        """Around one record → send → outcome: whatever it leased is let go when it ends, however it ends (an
        interrupted send is then judged by reconcile like any other, in this process too)."""
        held: set[str] = set()
        token = _SCOPE.set(held)
        try:
            yield
        finally:
            _SCOPE.reset(token)
            for submission_id in held:
                self._leased_here.discard(submission_id)
            if held:
                with contextlib.suppress(Exception):
                    await asyncio.shield(self._clear_leases(held))

    async def _clear_leases(self, submission_ids: set[str]) -> None:
        async with self._db.transaction() as conn:
            await execute(
                conn,
                "UPDATE submissions SET lease_owner = NULL, lease_until = NULL "
                "WHERE lease_owner = ? AND id IN (SELECT value FROM json_each(?))",
                (self.lease_owner, json.dumps(sorted(submission_ids))),
            )

    async def _keep_leases(self) -> None:
        while self._leased_here:
            await asyncio.sleep(RENEW_EVERY)
            with contextlib.suppress(Exception):  # closing, or busy for a moment: the next round renews
                await self.renew_leases()

    async def renew_leases(self) -> int:
        """Push back the end of every lease this store is working under; returns how many."""
        async with self._db.transaction() as conn:
            return await execute(
                conn,
                "UPDATE submissions SET lease_until = ? WHERE lease_owner = ? AND state IN ('recorded', 'sending') "
                "AND id IN (SELECT value FROM json_each(?))",
                (self._lease_until(), self.lease_owner, json.dumps(sorted(self._leased_here))),
            )

    async def release_leases(self) -> None:
        """On close: what this store was doing is over (a crash never gets here; its leases lapse instead)."""
        self._leased_here.clear()
        if self._lease_keeper is not None:
            self._lease_keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._lease_keeper
            self._lease_keeper = None
        async with self._db.transaction() as conn:
            await execute(
                conn,
                "UPDATE submissions SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ?",
                (self.lease_owner,),
            )

    def is_leased(self, sub: Submission, now: datetime | None = None) -> bool:
        """Someone is recording or sending `sub` right now, so it must not be judged lost: this store (a task of
        this process) or another live process whose lease has not lapsed."""
        if sub.lease_owner is None or sub.lease_until is None:
            return False
        if sub.lease_owner == self.lease_owner:
            return sub.id in self._leased_here
        if sub.lease_until <= (now or datetime.now(UTC)):
            return False
        return not _owner_gone(sub.lease_owner)
