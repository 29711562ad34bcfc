"""Labels: a local name for a batch (the API keeps no batch metadata), shown instead of its id wherever it is
named. Any batch of the workspace can have one, including batches created elsewhere."""

from __future__ import annotations

from batchtui.core.errors import NotFound, UsageError
from batchtui.core.models import BatchRecord
from batchtui.core.sanitize import clean
from batchtui.service.session import Session

MAX_LABEL = 200


def normalize_label(text: str | None) -> str | None:
    """Trimmed, one line, no control characters; empty means no label. Too long is a usage error."""
    if text is None:
        return None
    label = " ".join(clean(text).split())
    if len(label) > MAX_LABEL:
        raise UsageError(f"a label is at most {MAX_LABEL} characters (this one has {len(label)})")
    return label or None


async def set_label(session: Session, batch_id: str, text: str | None) -> BatchRecord:
    """Set (or, with None or "", clear) the label of `batch_id`, fetching the batch first if the cache lacks it."""
    label = normalize_label(text)
    store = session.store
    if await store.get_batch(batch_id) is None and session.online:
        try:
            await session.engine.refresh_one(batch_id)
        except Exception as exc:
            if getattr(exc, "status_code", None) != 404:
                raise
    if await store.get_batch(batch_id) is None:
        raise NotFound(f"No batch {batch_id} in this workspace or the cache.")
    await store.set_label(batch_id, label)
    record = await store.get_batch(batch_id)
    assert record is not None
    return record
