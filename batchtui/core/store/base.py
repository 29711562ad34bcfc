"""What every part of the store shares. The parts are mixins combined into `Store`."""

from __future__ import annotations

from batchtui.core.store.db import Database


class StoreBase:
    _db: Database
    _keys: dict[str, int]  # batch id → batches.key; a key never changes once given (batch rows are never deleted)

    async def _batch_key(self, batch_id: str) -> int | None:
        key = self._keys.get(batch_id)
        if key is None:
            key = await self._db.scalar("SELECT key FROM batches WHERE id = ?", (batch_id,))
            if key is not None:
                self._keys[batch_id] = key
        return key
