"""Errors the store raises on purpose (sqlite3 errors for anything unexpected still propagate as they are)."""

from __future__ import annotations


class StoreError(Exception):
    pass


class SchemaTooNewError(StoreError, RuntimeError):
    """The database was written by a newer batchtui; using it could damage what that version relies on."""


class NotFoundError(StoreError, LookupError):
    """No batch or submission with that id in the store."""


class InvalidTransitionError(StoreError, ValueError):
    """A submission state change the submission log does not allow (e.g. a created submission marked failed)."""
