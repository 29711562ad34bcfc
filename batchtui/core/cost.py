"""Cost at Message Batches rates (50 % of standard). Placeholder: being implemented."""

from __future__ import annotations

from datetime import datetime


def message_cost_usd(model: str | None, usage: dict | None, *, at: datetime | None = None) -> float | None:
    """USD billed for one succeeded request, or None when the model's price is unknown."""
    return None
