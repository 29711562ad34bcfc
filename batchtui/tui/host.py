"""What screens need from the app hosting them, without importing the app (it imports the screens)."""

from __future__ import annotations

from typing import Any

from batchtui.service.session import Session


def session_of(app: Any) -> Session:
    """The host's service session: `BatchTuiApp.session`, or one over a test host's store, api and engine."""
    session = getattr(app, "session", None)
    if isinstance(session, Session):
        return session
    session = Session(app.store, getattr(app, "api", None))
    session.engine = getattr(app, "engine", None)
    return session
