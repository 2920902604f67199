"""gunicorn settings for Family Voice: `.venv/bin/gunicorn 'voice_app:create_app()'`.

gunicorn reads this file from the directory it starts in. Tuned for a small box (2
cores) behind a TLS-terminating proxy; docs/decisions/0009-production-serving.md gives
the measurements behind each choice. Override with the environment:

  VOICE_BIND        address to listen on (default 127.0.0.1:8000; the proxy talks to it)
  WEB_CONCURRENCY   worker processes (default: one per core)
  GUNICORN_THREADS  threads per worker (default 4); also sizes each worker's database pool
"""

from __future__ import annotations

import os
from typing import Any

from voice_app.access_log import ACCESS_LOG_FORMAT

bind = os.environ.get("VOICE_BIND", "127.0.0.1:8000")

# Processes for CPU (one per core: rendering a page is Python, and Python runs one thread
# at a time per process); threads so a worker keeps serving while one request waits on
# the database. Measured on 2 cores: 2 x 4 gthread beat 5 sync workers (see 0009).
workers = int(os.environ.get("WEB_CONCURRENCY", os.cpu_count() or 2))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# One database connection per thread; voice_app.database sizes its pool from this.
os.environ.setdefault("VOICE_DB_POOL_SIZE", str(threads))

# Load the app once in the master: start-up work (catalogue checks, the static manifest
# and its compressed copies) is done once and shared by the workers, and a broken
# configuration stops the server before any worker starts.
preload_app = True

# A request that takes longer than this is stuck (the slowest real page is an export);
# gunicorn kills its worker and starts a new one.
timeout = 60
# On HUP or TERM, workers finish the requests they have for up to this long.
graceful_timeout = 30
# Behind a proxy that keeps connections open, a little longer than nothing.
keepalive = 5

# Recycle each worker after about this many requests (jittered, so they do not all
# restart at once): bounds any slow memory growth without anyone noticing.
max_requests = 5000
max_requests_jitter = 500

# Heartbeat files on tmpfs: a slow disk cannot make gunicorn think a worker hung.
# (gunicorn makes them there with mkstemp, private to its user.)
SHARED_MEMORY = "/dev/shm"  # noqa: S108
worker_tmp_dir = SHARED_MEMORY if os.path.isdir(SHARED_MEMORY) else None

# Access log without query strings, tablet-link tokens or headers (voice_app.access_log).
accesslog = "-"
errorlog = "-"
logger_class = "voice_app.access_log.AccessLogger"
access_log_format = ACCESS_LOG_FORMAT

# The proxy is on this machine; only it may set X-Forwarded-For and X-Forwarded-Proto.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def when_ready(server: Any) -> None:
    """Compile every template and load Babel's data for each language, once, in the master.

    Workers inherit both, instead of each paying for them on its first pages.
    """
    from babel import Locale

    app = getattr(server.app, "callable", None)
    if app is None or not hasattr(app, "jinja_env"):
        return
    for name in app.jinja_env.list_templates(extensions=["html"]):
        app.jinja_env.get_template(name)
    for code in app.extensions.get("voice_languages", ()):
        locale = Locale.parse(code)
        locale.decimal_formats, locale.percent_formats, locale.plural_form  # noqa: B018


def post_fork(server: Any, worker: Any) -> None:
    """Each worker opens its own database connections, never the master's."""
    app = getattr(worker.app, "callable", None)
    engine = getattr(app, "extensions", {}).get("voice_db")
    if engine is not None:
        # close=False: leave the master's sockets to the master; this process starts afresh.
        engine.dispose(close=False)
