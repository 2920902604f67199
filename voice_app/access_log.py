"""gunicorn's access log, with nothing in it that could open a door or name a person.

Query strings are dropped (a session's QR code puts its join code there), a tablet link's
token is blanked out of its path, and no request or response header is logged (cookies,
API tokens, referrers). Used by ``gunicorn.conf.py`` as ``logger_class``.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from gunicorn.glogging import Logger

# Paths whose last part is itself a secret: /kiosk/<token> binds a tablet to a session.
SECRET_IN_PATH = re.compile(r"^(/kiosk/)[^/]+")
ACCESS_LOG_FORMAT = '%(t)s "%(r)s" %(s)s %(B)s %(M)sms'


def loggable_path(path: str) -> str:
    return SECRET_IN_PATH.sub(r"\1[token]", path)


class AccessLogger(Logger):
    def atoms(
        self, resp: Any, req: Any, environ: dict[str, Any], request_time: timedelta
    ) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        path = loggable_path(environ.get("PATH_INFO") or "")
        # Headers ({name}i, {name}o) and environ entries ({name}e) are never logged.
        kept = {key: value for key, value in atoms.items() if not key.startswith("{")}
        kept.update(
            U=path,
            q="",
            f="-",
            r=f"{environ.get('REQUEST_METHOD')} {path} {environ.get('SERVER_PROTOCOL')}",
        )
        return kept
