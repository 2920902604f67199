"""Friendly error pages. No visitor ever sees a stack trace or a bare status line."""

from __future__ import annotations

from flask import Flask, g, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

MESSAGES = {
    400: (
        _l("Something was wrong with that request"),
        _l("Go back, check what you entered and try again."),
    ),
    403: (
        _l("You cannot see this page"),
        _l("Your account does not have permission to use this page."),
    ),
    404: (_l("Page not found"), _l("Check the web address, or go back to the start.")),
    405: (_l("That did not work"), _l("This page cannot be used that way. Go back and try again.")),
    413: (_l("That was too large to send"), _l("Send something smaller and try again.")),
    429: (_l("Too many tries"), _l("Wait a few minutes, then try again.")),
    500: (
        _l("Sorry, something went wrong"),
        _l("Nothing you did caused this. Try again in a moment."),
    ),
}
CSRF_MESSAGE = (
    _l("This form has expired"),
    _l(
        "For your security, forms stop working after a while or after you sign out. "
        "Go back, reload the page and try again."
    ),
)


def render_error(status: int, title: str, body: str) -> tuple[str, int]:
    return render_template("errors/error.html", title=title, body=body, status=status), status


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(_error: CSRFError) -> tuple[str, int]:
        title, body = CSRF_MESSAGE
        return render_error(400, str(title), str(body))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int]:
        status = error.code or 500
        title, body = MESSAGES.get(status, MESSAGES[400 if status < 500 else 500])
        return render_error(status, str(title), str(body))

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception) -> tuple[str, int]:
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        # The failed transaction is abandoned (nothing of it is kept), and the error page,
        # which may look up the signed-in user, starts from a clean one.
        db_session = g.get("db_session")
        if db_session is not None:
            db_session.rollback()
        title, body = MESSAGES[InternalServerError.code]
        return render_error(500, str(title), str(body))
