"""The dashboard app: owns the store, API and sync engine handed to it, relays the engine's events and the API's
calls as messages (to itself and every screen), runs the poll loop in a worker, and routes worker failures to calm
notifications. It never blocks on the network or the disk: workers do I/O, handlers update widgets."""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from batchtui.core import fmt
from batchtui.core.activity import ApiCall
from batchtui.core.config import TemporalSettings
from batchtui.core.errors import describe, is_transient
from batchtui.core.events import (
    BatchEnded,
    HookFailed,
    QueueFlushed,
    SubmissionResolved,
    SyncEvent,
    SyncFailed,
    SyncOk,
)
from batchtui.core.sanitize import clean
from batchtui.core.store import Store
from batchtui.service.session import Session
from batchtui.service.sync import watch
from batchtui.tui.commands import BatchCommands
from batchtui.tui.heap import freeze_once
from batchtui.tui.hooks import failure_text
from batchtui.tui.messages import GROUP_SEND_WORKERS, ApiCallMessage, SyncEventMessage
from batchtui.tui.queue import flushed_toast, load_queue_config
from batchtui.tui.screens.help import HelpScreen
from batchtui.tui.screens.main import MainScreen
from batchtui.tui.widgets.activity_panel import MAX_LINES
from batchtui.tui.widgets.status_bar import SyncState

SENDING = (WorkerState.PENDING, WorkerState.RUNNING)

if TYPE_CHECKING:  # the SDK loads after the first paint (see launch.py)
    from batchtui.core.client import BatchApi
    from batchtui.core.hook_settings import HookSettings
    from batchtui.core.queue import QueueStatus
    from batchtui.core.sync import SyncEngine

PALETTE_BINDING = Binding("ctrl+p", "command_palette", "Commands", tooltip="Search every command by name")
# The first poll waits (at most this long) for the cached list to be on screen: its API page and reconcile would
# otherwise share the loop with the first paint.
FIRST_LIST_WAIT = 2.0
QUEUE_REFRESH = 5.0  # seconds between reads of the request queue's size (another process may add to it)


class BatchTuiApp(App[None]):
    CSS_PATH = Path(__file__).parent / "app.tcss"
    TITLE = "batchtui"
    SUB_TITLE = "Message Batches"
    COMMANDS = App.COMMANDS | {BatchCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Help", id="app.help", tooltip="Every key, and how to remap them"),
        Binding("q", "quit", "Quit", id="app.quit", tooltip="Leave batchtui (batches keep running on the API)"),
    ]

    def __init__(
        self,
        *,
        store: Store,
        api: BatchApi | None,
        engine: SyncEngine | None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        offline_reason: str | None = None,
        demo: bool = False,
        keymap: dict[str, str] | None = None,
        poll: bool = True,
        notices: Sequence[str] = (),
        connect: Callable[[], Awaitable[tuple[BatchApi, SyncEngine]]] | None = None,
        session: Session | None = None,
        temporal: TemporalSettings | None = None,
        hooks: HookSettings | None = None,
    ) -> None:
        """`notices`: things to tell the user once the app is up (e.g. a broken config file).
        `connect`: builds the API client and engine after the first paint (importing the SDK takes over a second,
        and the cache can be shown without it); the app goes online when it returns.
        `temporal`: where Temporal is (workflow info from visibility, cancel through a workflow's signal).
        `hooks`: completion hooks to run while online (`[hooks]` in config.toml)."""
        super().__init__()
        self.store = store
        self.api = api
        self.engine = engine
        self.clock = clock
        self.demo = demo
        self.poll = poll
        self.keymap = dict(keymap or {})
        self.notices = list(notices)
        self.sync_state = SyncState(offline_reason=offline_reason)
        self.activity: deque[ApiCall] = deque(maxlen=MAX_LINES)  # every call since start, for the panel
        self._stop = asyncio.Event()
        self.first_list_shown = asyncio.Event()  # set by the main screen once its first list is painted
        self._last_sync_error: str | None = None
        self._connect = connect
        self._session = session  # launch's, with its settings; else one is made over store/api/engine
        self.temporal = temporal or TemporalSettings()
        self.hooks = hooks if hooks is not None and hooks.any else None
        self._hooks_started = False
        self.queue_config, queue_problems = load_queue_config()  # [queue]: a mistake is told, defaults apply
        self.notices += queue_problems
        self.queue: QueueStatus | None = None  # the request queue, as last read (the status bar shows it)
        if demo:
            self.sub_title = "demo · built-in emulator, no key needed"

    @property
    def session(self) -> Session:
        """The service session over this app's store, API client and engine (what every action is given)."""
        session = self._session
        if session is None or session.store is not self.store:
            session = self._session = Session(self.store)
        session.api = self.api
        session.engine = self.engine
        return session

    def get_default_screen(self) -> Screen:
        return MainScreen()

    @property
    def main_screen(self) -> MainScreen:
        return self.screen_stack[0]  # type: ignore[return-value]

    def on_mount(self) -> None:
        self.set_keymap(self.keymap)
        for notice in self.notices:
            self.notify(notice, severity="warning", markup=False, timeout=15)
        if self.sync_state.offline_reason:
            self.notify(self.sync_state.offline_reason, title="Offline", severity="warning", markup=False, timeout=20)
        self.set_interval(QUEUE_REFRESH, self.refresh_queue)
        self.refresh_queue()
        if self._connect is not None:
            self.sync_state.syncing = True
            self.connect_in_background()
        else:
            self._start_sync()

    @work(group="connect", exit_on_error=False)
    async def connect_in_background(self) -> None:
        assert self._connect is not None
        api, engine = await self._connect()
        self.go_online(api, engine)

    def go_online(self, api: BatchApi, engine: SyncEngine) -> None:
        """Attach the API client and sync engine, and start polling."""
        self.api, self.engine = api, engine
        freeze_once("online")  # the SDK's modules, imported behind the first paint, live as long as the app
        self._start_sync()

    def _start_sync(self) -> None:
        if self.engine is not None:
            self.engine.set_event_sink(self._relay_event)
        if self.api is not None:
            self.api.set_call_sink(self._relay_call)
        if self.engine is not None and self.poll:
            self.sync_state.syncing = True
            # The service's poll loop: open submissions are reconciled before every refresh.
            self.run_worker(
                # The request queue's triggers run beside it; what they send comes back as QueueFlushed.
                self._poll_after_first_list(),
                name="sync",
                group="sync",
                exclusive=True,
                exit_on_error=False,
            )
        self._start_hooks()

    async def _poll_after_first_list(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.first_list_shown.wait(), FIRST_LIST_WAIT)
        await watch(self.session, self._stop, queue=self.queue_config)

    @work(exclusive=True, group="queue", exit_on_error=False)
    async def refresh_queue(self) -> None:
        from batchtui.service.queue_flush import queue_status

        self.queue = await queue_status(self.session, self.queue_config)
        self.main_screen.show_status()

    def _start_hooks(self) -> None:
        """Completion hooks run for the app's life in a task of their own (a slow or failing hook never holds up
        syncing); their failures come back through the engine's event sink as HookFailed."""
        if self.hooks is None or self.engine is None or self._hooks_started:
            return
        from batchtui.service.hooks import HookRunner

        self._hooks_started = True
        runner = HookRunner(self.session, self.hooks)
        self.run_worker(runner.run(self._stop), name="completion hooks", group="hooks", exit_on_error=False)

    def on_unmount(self) -> None:
        self._stop.set()
        if self.engine is not None:
            self.engine.set_event_sink(None)
        if self.api is not None:
            self.api.set_call_sink(None)

    # -- relays: called by the engine and the API client, on this loop ---------------------------------------

    def _relay_event(self, event: SyncEvent) -> None:
        self.post_message(SyncEventMessage(event))

    def _relay_call(self, call: ApiCall) -> None:
        self.post_message(ApiCallMessage(call))

    @on(SyncEventMessage)
    def sync_event(self, message: SyncEventMessage) -> None:
        event = message.event
        now = self.clock()
        state = self.sync_state
        if isinstance(event, SyncOk):
            state.last_ok, state.error, state.syncing = now, None, False
            self._last_sync_error = None
            delay = self.engine.schedule.delay if self.engine is not None and self.poll else None
            state.next_poll_at = now + timedelta(seconds=delay) if delay else None
        elif isinstance(event, SyncFailed):
            state.error, state.transient, state.syncing = event.message, event.transient, False
            state.next_poll_at = now + timedelta(seconds=event.retry_in) if event.retry_in else None
            if event.message != self._last_sync_error:  # say it once, not on every retry
                self._last_sync_error = event.message
                title = "Offline: showing the cache" if event.transient else "Sync failed"
                self.notify(event.message, title=title, severity="warning", markup=False, timeout=10)
        elif isinstance(event, BatchEnded):
            self.announce_end(event.batch_id)
        elif isinstance(event, SubmissionResolved):
            self.announce_resolved(event)
        elif isinstance(event, QueueFlushed):
            title, text, severity = flushed_toast(event)
            self.notify(text, title=title, severity=severity, markup=False, timeout=10)  # type: ignore[arg-type]
            self.refresh_queue()
        elif isinstance(event, HookFailed):
            title = "Completion hook failed" if event.retry_in is not None else "Completion hook gave up"
            text = failure_text(event, self.main_screen.name_of(event.batch_id))
            self.notify(text, title=title, severity="warning", markup=False, timeout=15)
        for screen in self.screen_stack:
            # stop(): delivered to the screen only, so it does not bubble back up to this handler.
            screen.post_message(SyncEventMessage(event).stop())

    @on(ApiCallMessage)
    def api_call(self, message: ApiCallMessage) -> None:
        self.activity.append(message.call)
        if self.screen_stack:  # a call that ends while the app shuts down has no screen left to tell
            self.main_screen.post_message(ApiCallMessage(message.call).stop())

    @work(group="announce", exit_on_error=False)
    async def announce_end(self, batch_id: str) -> None:
        batch = await self.store.get_batch(batch_id)
        if batch is None:
            return
        c = batch.request_counts
        summary = (
            f"{fmt.count(c.succeeded)} succeeded · {fmt.count(c.errored)} errored · "
            f"{fmt.count(c.canceled)} canceled · {fmt.count(c.expired)} expired"
        )
        self.bell()
        severity = "information" if c.succeeded or not c.total else "warning"
        self.notify(f"{batch.display_name}\n{summary}", title="Batch ended", severity=severity, markup=False)

    def announce_resolved(self, event: SubmissionResolved) -> None:
        """A submission whose create answer was lost has been matched to its batch, or proven never created."""
        if event.state == "created":
            title, text, severity = "Submission found", f"{event.submission_id} is {event.batch_id}", "information"
        elif event.state == "probable":
            title, severity = "Submission probably found", "information"
            text = f"{event.submission_id} is probably {event.batch_id}: {event.message}"
        else:
            title, text, severity = "Submission not created", f"{event.submission_id}: {event.message}", "warning"
        self.notify(text, title=title, severity=severity, markup=False, timeout=15)

    @on(Worker.StateChanged)
    def worker_failed(self, event: Worker.StateChanged) -> None:
        """The one place an unexpected worker failure surfaces: a notification, never a crash."""
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            what = event.worker.name or "a background task"
            self.notify(describe(event.worker.error), title=f"{what} failed", severity="error", markup=False)

    def notify(self, message: str, *, title: str = "", **kwargs) -> None:  # type: ignore[override]
        """Every toast's text is sanitized: labels, file names and API errors may carry terminal escapes (callers
        with runtime values also pass markup=False, so nothing in them is parsed as markup)."""
        super().notify(clean(message), title=clean(title), **kwargs)

    # -- what screens ask of the app -------------------------------------------------------------------------

    def refresh_now(self) -> None:
        """Sync now: wake the poll loop, or run one refresh when not polling."""
        if self.engine is None:
            if self._connect is not None and not self.sync_state.offline_reason:  # the SDK is still loading
                self.notify("Connecting to the API: it syncs as soon as it is up.", title="Refresh", markup=False)
                return
            reason = self.sync_state.offline_reason or "offline"
            self.notify(reason, title="Cannot refresh", severity="warning", markup=False)
            return
        self.sync_state.syncing = True
        if self.poll:
            self.engine.poke()
        else:
            self.refresh_once()

    @work(exclusive=True, group="refresh", exit_on_error=False)
    async def refresh_once(self) -> None:
        assert self.engine is not None
        try:
            await self.engine.refresh()
        except Exception as exc:
            self._relay_event(SyncFailed(describe(exc), is_transient(exc), None))
        else:
            self._relay_event(SyncOk(datetime.now(UTC)))

    def open_results(self, batch_id: str) -> None:
        try:
            from batchtui.tui.screens.results import results_screen
        except ImportError as exc:  # the results view ships separately
            self.notify(f"The results view is not available: {exc}", severity="error", markup=False)
            return
        self.push_screen(results_screen(self, batch_id))  # one screen, reused: composing it anew is most of Enter

    def open_group_results(self, group_id: str, batch_ids: tuple[str, ...], name: str) -> None:
        """Every part's results as one list (its parts' batches, in part order)."""
        from batchtui.tui.screens.group_results import GroupResultsScreen

        self.push_screen(GroupResultsScreen(group_id, batch_ids, name))

    # -- app-wide keys ---------------------------------------------------------------------------------------

    def help_sections(self) -> list[tuple[str, Sequence[Binding]]]:
        screen = self.screen
        title = "Batches" if isinstance(screen, MainScreen) else (screen.title or type(screen).__name__)
        own = [b for b in type(screen).BINDINGS if isinstance(b, Binding)]
        return [(title, own), ("Everywhere", [*self.BINDINGS, PALETTE_BINDING])]  # type: ignore[list-item]

    def action_help(self) -> None:
        # Not over itself (a remapped help.close may leave `?` to the app). The key is not hidden with check_action
        # instead: that changed the footer of the screen beneath as help opened and closed, and each change drew
        # the dimmed backdrop again.
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.help_sections(), self.keymap))

    def sending_groups(self) -> int:
        """Group submits this app is still sending (tui/group_send.py): quitting stops them between parts."""
        return sum(1 for w in self.workers if w.group == GROUP_SEND_WORKERS and w.state in SENDING)

    async def action_quit(self) -> None:
        """Leave; while a group is still being sent, ask first: its parts not sent yet wait for the file's next
        submit (the group continues from where it stopped; nothing is sent twice)."""
        if not (sending := self.sending_groups()):
            self.exit()
            return
        from batchtui.tui.screens.confirm import ConfirmScreen

        noun = "group is" if sending == 1 else "groups are"
        question = (
            "Quitting stops the sending between parts: the parts not sent yet go out when you submit the same "
            "file again (it continues the group; nothing is sent twice). Quit anyway?"
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self.exit()

        self.push_screen(ConfirmScreen(f"{sending} {noun} still being sent", [], question, yes="Quit"), answered)

    async def run_action(self, action, default_namespace=None, namespaces=None) -> bool:  # type: ignore[no-untyped-def]
        """A greyed-out key (check_action None) says why it does nothing, rather than nothing at all: the screen
        that owns it gives the reason (`disabled_reason`)."""
        if await super().run_action(action, default_namespace, namespaces):
            return True
        target, name, params = self._parse_action(action, self if default_namespace is None else default_namespace)
        reason = getattr(target, "disabled_reason", None)
        if reason is None or target.check_action(name, params) is not None:
            return False  # hidden (False) or enabled: nothing to explain
        if text := reason(name):
            self.notify(text, title="Not available", severity="warning", markup=False, timeout=6)
            return True
        return False
