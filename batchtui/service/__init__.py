"""Every action batchtui takes, once, for every front end (CLI, dashboard, Temporal activities).

Open a session with `open_session(settings)`, then call the actions: `prepare` / `submit` (service.submit),
`reconcile` (service.reconcile), `sync_once` (service.sync), `cancel`, `delete`, `ensure_results`, `wait`
(service.actions) and `export` (service.export). Nothing here parses arguments or touches a widget, and importing
a module of this package does not import the SDK (the dashboard paints before it loads).
"""
