"""The aiosqlite store: batches, the submission log, submitted requests, results and their search index."""

from batchtui.core.models import BatchChange
from batchtui.core.store.errors import InvalidTransitionError, NotFoundError, SchemaTooNewError, StoreError
from batchtui.core.store.schema import LATEST_VERSION
from batchtui.core.store.store import Store

__all__ = [
    "LATEST_VERSION",
    "BatchChange",
    "InvalidTransitionError",
    "NotFoundError",
    "SchemaTooNewError",
    "Store",
    "StoreError",
]
