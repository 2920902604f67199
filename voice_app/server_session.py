"""Sessions kept on the server.

The browser's cookie holds only a random id (256 bits); the database keeps a
SHA-256 of that id with the session's data, so even a copy of the database does not
give anyone a working cookie. Logging out or resetting a tablet deletes the row:
the old cookie is then worth nothing. See docs/decisions/0001-server-side-sessions.md.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from flask import Flask, Request, Response
from flask.sessions import SessionInterface, SessionMixin
from sqlalchemy import bindparam, delete, insert, select, update
from werkzeug.datastructures import CallbackDict

from voice_app.extensions import db
from voice_app.models import WebSession, utcnow

# Refresh the sliding expiry at most this often, to spare a write on every request.
TOUCH_INTERVAL = timedelta(seconds=60)

# Built once (every request runs the first; SQLAlchemy then skips rebuilding its cache key).
_READ = select(WebSession.data, WebSession.last_seen_at).where(
    WebSession.id_sha256 == bindparam("session_hash"), WebSession.expires_at > bindparam("now")
)
_TOUCH = (
    update(WebSession)
    .where(WebSession.id_sha256 == bindparam("session_hash"))
    .values(last_seen_at=bindparam("seen_at"), expires_at=bindparam("expires"))
)
_SAVE = (
    update(WebSession)
    .where(WebSession.id_sha256 == bindparam("session_hash"))
    .values(
        data=bindparam("session_data"),
        last_seen_at=bindparam("seen_at"),
        expires_at=bindparam("expires"),
    )
)


def hash_session_id(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class ServerSession(CallbackDict[str, Any], SessionMixin):
    def __init__(self, initial: dict[str, Any] | None = None, session_id: str | None = None):
        def on_update(_self: Any) -> None:
            self.modified = True

        super().__init__(initial or {}, on_update)
        self.session_id = session_id
        self.modified = False
        self.rotate_requested = False
        self.destroy_requested = False
        self.needs_touch = False

    @property
    def new(self) -> bool:  # type: ignore[override]
        return self.session_id is None

    def rotate(self) -> None:
        """Give this session a new id (call at login: stops session fixation)."""
        self.rotate_requested = True
        self.modified = True

    def destroy(self) -> None:
        """End this session for good: its row is deleted and the cookie cleared.

        Anything stored after this goes into a brand-new session with a new id.
        """
        self.clear()
        self.destroy_requested = True
        self.modified = True


class ServerSessionInterface(SessionInterface):
    def open_session(self, app: Flask, request: Request) -> ServerSession:
        if app.static_url_path and request.path.startswith(app.static_url_path + "/"):
            # Static files need no session: no database read, and (left empty) no write.
            return ServerSession()
        session_id = request.cookies.get(self.get_cookie_name(app))
        if not session_id or len(session_id) > 128:
            return ServerSession()
        # On the request's own database connection: one checkout (and, on PostgreSQL, one
        # liveness ping) per request instead of two. A read takes no lock on SQLite; the
        # request's session is closed before save_session writes on a connection of its own.
        row = (
            db.session.connection()
            .execute(_READ, {"session_hash": hash_session_id(session_id), "now": utcnow()})
            .first()
        )
        if row is None:
            return ServerSession()
        session = ServerSession(dict(row.data or {}), session_id)
        session.needs_touch = utcnow() - row.last_seen_at > TOUCH_INTERVAL
        return session

    def save_session(self, app: Flask, session: ServerSession, response: Response) -> None:  # type: ignore[override]
        engine = app.extensions["voice_db"]
        cookie_name = self.get_cookie_name(app)
        domain = self.get_cookie_domain(app)
        path = self.get_cookie_path(app)
        if session.accessed:
            response.vary.add("Cookie")

        if session.destroy_requested:
            if session.session_id:
                with engine.begin() as connection:
                    connection.execute(
                        delete(WebSession).where(
                            WebSession.id_sha256 == hash_session_id(session.session_id)
                        )
                    )
                session.session_id = None
            if not dict(session):
                response.delete_cookie(
                    cookie_name,
                    domain=domain,
                    path=path,
                    secure=self.get_cookie_secure(app),
                    httponly=True,
                    samesite=self.get_cookie_samesite(app),
                )
                return
            # Something was set after the end (a "signed out" message): a fresh session.

        now = utcnow()
        expires_at = now + timedelta(minutes=app.config["STAFF_IDLE_MINUTES"])
        if not session.modified and not session.needs_touch:
            return
        if not session.modified:
            with engine.begin() as connection:
                connection.execute(
                    _TOUCH,
                    {
                        "session_hash": hash_session_id(session.session_id or ""),
                        "seen_at": now,
                        "expires": expires_at,
                    },
                )
            return
        if session.new and not dict(session):
            return  # nothing worth keeping: no row, no cookie

        with engine.begin() as connection:
            if session.session_id and not session.rotate_requested:
                connection.execute(
                    _SAVE,
                    {
                        "session_hash": hash_session_id(session.session_id),
                        "session_data": dict(session),
                        "seen_at": now,
                        "expires": expires_at,
                    },
                )
            else:
                if session.session_id:
                    connection.execute(
                        delete(WebSession).where(
                            WebSession.id_sha256 == hash_session_id(session.session_id)
                        )
                    )
                session.session_id = secrets.token_urlsafe(32)
                connection.execute(
                    insert(WebSession).values(
                        id_sha256=hash_session_id(session.session_id),
                        data=dict(session),
                        created_at=now,
                        last_seen_at=now,
                        expires_at=expires_at,
                    )
                )
                # Old expired rows go when new ones come, so the table never grows unbounded.
                connection.execute(delete(WebSession).where(WebSession.expires_at <= now))
        response.set_cookie(
            cookie_name,
            session.session_id,
            domain=domain,
            path=path,
            secure=self.get_cookie_secure(app),
            httponly=True,
            samesite=self.get_cookie_samesite(app),
        )
