"""Sending a file too big for one batch as a group, from the dashboard.

It runs in an app worker, not the create dialog's: waiting for a full processing queue can take hours, and the
dialog may be closed meanwhile (the sending goes on). Each part goes through the service's crash-safe group submit
(`service.group_submit.submit_group`); its notes ("part 3 of 5 waits for the queue: …") and the upload progress
are posted to every screen on the stack, tagged with the plan's digest (which names the group before its id is
known), and the outcome comes last. The worker only calls the service and posts messages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.message import Message
from textual.worker import Worker

from batchtui.core.errors import BatchtuiError, describe
from batchtui.tui.host import session_of
from batchtui.tui.messages import GROUP_SEND_WORKERS

if TYPE_CHECKING:  # the submit path is loaded when a group is sent, not when the dashboard starts (~30 ms)
    from batchtui.service.group_submit import GroupOutcome
    from batchtui.service.queue import QueuePolicy
    from batchtui.service.split import PreparedParts


class GroupSendNote(Message):
    """One line of what the group submit is doing (a part sent, created, waiting for the queue, busy)."""

    def __init__(self, digest: str, text: str) -> None:
        super().__init__()
        self.digest = digest
        self.text = text


class GroupSendProgress(Message):
    def __init__(self, digest: str, phase: str, done: int, total: int) -> None:
        super().__init__()
        self.digest = digest
        self.phase, self.done, self.total = phase, done, total


class GroupSendDone(Message):
    """The group submit returned (`outcome`: its parts, `outcome.error` when it stopped early) or failed before
    sending anything (`problem`)."""

    def __init__(self, digest: str, outcome: GroupOutcome | None, problem: str | None = None) -> None:
        super().__init__()
        self.digest = digest
        self.outcome = outcome
        self.problem = problem


def post_everywhere(app: App[Any], message: Message) -> None:
    """To every screen on the stack (the list, and the create dialog while it is open); thread-safe."""
    for screen in list(app.screen_stack):
        screen.post_message(message)


def start_group_send(
    app: App[Any], prepared: PreparedParts, *, label: str | None, policy: QueuePolicy | None = None
) -> Worker[None]:
    """Send `prepared` (the validated, spooled parts; the submit owns and removes the spools from here on)."""
    return app.run_worker(
        _send(app, prepared, label, policy), name="group submit", group=GROUP_SEND_WORKERS, exit_on_error=False
    )


async def _send(app: App[Any], prepared: PreparedParts, label: str | None, policy: QueuePolicy | None) -> None:
    from batchtui.service.group_submit import submit_group

    digest = prepared.digest

    def note(text: str) -> None:
        post_everywhere(app, GroupSendNote(digest, text))

    def progress(phase: str, done: int, total: int) -> None:
        post_everywhere(app, GroupSendProgress(digest, phase, done, total))

    try:
        outcome = await submit_group(
            session_of(app), prepared, label=label, on_note=note, on_progress=progress, policy=policy
        )
    except BatchtuiError as exc:  # refused before anything was sent (an unknown part: sync first), or offline
        post_everywhere(app, GroupSendDone(digest, None, str(exc)))
    except Exception as exc:  # never take the app down
        post_everywhere(app, GroupSendDone(digest, None, describe(exc)))
    else:
        post_everywhere(app, GroupSendDone(digest, outcome, outcome.error))
