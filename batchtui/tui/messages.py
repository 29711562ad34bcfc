"""Messages shared across screens. Workers post these; only handlers touch widgets."""

from __future__ import annotations

from textual.message import Message

from batchtui.core.activity import ApiCall
from batchtui.core.events import SyncEvent

GROUP_SEND_WORKERS = "group-submit"  # the worker group of a group being sent (tui/group_send.py); quit asks first


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


class BatchCreated(Message):
    """A batch was just created from the dashboard (a retry): the list shows and selects it. Posted to every screen
    on the stack; those that do not list batches ignore it."""

    def __init__(self, batch_id: str) -> None:
        super().__init__()
        self.batch_id = batch_id
