"""Messages shared across screens. Workers post these; only handlers touch widgets."""

from __future__ import annotations

from textual.message import Message

from batchtui.core.activity import ApiCall
from batchtui.core.events import SyncEvent


class SyncEventMessage(Message):
    """A sync engine event (BatchesUpdated, BatchEnded, ResultsProgress, ResultsComplete, ...). The app handles it
    and forwards it to every screen on the stack, so e.g. an open results view learns its download finished."""

    def __init__(self, event: SyncEvent) -> None:
        super().__init__()
        self.event = event


class ApiCallMessage(Message):
    """One API call, for the activity panel."""

    def __init__(self, call: ApiCall) -> None:
        super().__init__()
        self.call = call
