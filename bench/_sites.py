"""The sites the benchmarks load: Family Voice and the floor app, each under gunicorn.

Not a benchmark itself (``make bench`` skips files starting with ``_``). Everything
listens on 127.0.0.1 only, on a free port, and is stopped when its ``with`` block ends.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from anywhere

from voice_app.database import normalise_url  # noqa: E402

GUNICORN = Path(sys.executable).parent / "gunicorn"
GUNICORN_CONF = ROOT / "gunicorn.conf.py"
# Without gunicorn.conf.py, the settings README.md recommends for one small server.
README_WORKER_SETTINGS = ("--workers", "2", "--threads", "4")
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
LOOPBACK = "127.0.0.1"


def worker_settings() -> tuple[list[str], str]:
    """gunicorn arguments for the recommended workers, and where they came from."""
    if GUNICORN_CONF.exists():
        return ["--config", str(GUNICORN_CONF)], f"{GUNICORN_CONF.name} (the app's own)"
    return list(README_WORKER_SETTINGS), "--workers 2 --threads 4 (README; no gunicorn.conf.py)"


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.1f}, {five:.1f}, {fifteen:.1f} on {os.cpu_count()} CPUs"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Served:
    host: str
    port: int
    master_pid: int

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.master_pid}/task/{self.master_pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def _wait_until_answering(port: int, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode} before answering")
        try:
            connection = http.client.HTTPConnection(LOOPBACK, port, timeout=5)
            connection.request("GET", "/")
            connection.getresponse().read()
            connection.close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer on port {port} within {seconds:.0f} s")


@contextmanager
def gunicorn(
    app_spec: str,
    env: dict[str, str],
    settings: Sequence[str],
    chdir: Path = ROOT,
    log: Path | None = None,
) -> Iterator[Served]:
    """Serve ``app_spec`` with the given worker settings; stopped (SIGTERM) afterwards."""
    port = free_port()
    command = [str(GUNICORN), *settings, "--bind", f"{LOOPBACK}:{port}", "--chdir", str(chdir)]
    output = open(log or os.devnull, "ab")  # noqa: SIM115 - closed below, after the process
    process = subprocess.Popen(
        [*command, app_spec],
        env={**os.environ, **env},
        stdout=output,
        stderr=output,
        start_new_session=True,
    )
    try:
        _wait_until_answering(port, process)
        yield Served(LOOPBACK, port, process.pid)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        output.close()


# --- Family Voice -------------------------------------------------------------------------


@dataclass(frozen=True)
class VoiceSite:
    """A fresh instance folder and database, migrated, with the demo content loaded."""

    instance: Path
    env: dict[str, str]
    session_code: str
    languages: tuple[str, ...]

    @property
    def app_spec(self) -> str:
        return f"voice_app:create_app(instance_path={str(self.instance)!r})"


def voice_env(database_url: str) -> dict[str, str]:
    """Production settings, with throwaway keys: the app as deployed, on plain HTTP."""
    return {
        "VOICE_ENV": "production",
        "VOICE_DATABASE_URL": database_url,
        "VOICE_SECRET_KEY": secrets.token_urlsafe(48),
        "VOICE_PSEUDONYM_KEY": secrets.token_urlsafe(48),
    }


def _load_demo(instance: Path, env: dict[str, str]) -> tuple[str, tuple[str, ...]]:
    # In a child process, so this process's environment and imports stay clean.
    script = (
        "import json, sys\n"
        "from voice_app import create_app\n"
        "from voice_app.extensions import db\n"
        "from voice_app.models import GroupSession\n"
        "app = create_app(instance_path=sys.argv[1])\n"
        "out = app.test_cli_runner().invoke(args=['demo', '--json'])\n"
        "assert out.exit_code == 0, out.output\n"
        "code = json.loads(out.output)['session_code']\n"
        "with app.app_context():\n"
        "    found = db.session.query(GroupSession).filter_by(code=code).one()\n"
        "    print(json.dumps({'code': code, 'languages': list(found.languages)}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(instance)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    if done.returncode:
        raise RuntimeError(f"demo content failed to load:\n{done.stderr[-2000:]}")
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    return loaded["code"], tuple(loaded["languages"])


@contextmanager
def voice_site(database: str, postgres_url: str = DEFAULT_POSTGRES_URL) -> Iterator[VoiceSite]:
    """Family Voice on a fresh SQLite file or a throwaway PostgreSQL database."""
    instance = Path(tempfile.mkdtemp(prefix="voice-bench-site-"))
    try:
        if database == "sqlite":
            opened = nullcontext(f"sqlite:///{instance / 'voice.db'}")
        else:
            opened = throwaway_postgres(postgres_url)
        with opened as database_url:
            env = voice_env(database_url)
            code, languages = _load_demo(instance, env)
            yield VoiceSite(instance, env, code, languages)
    finally:
        shutil.rmtree(instance, ignore_errors=True)


@contextmanager
def throwaway_postgres(server_url: str, prefix: str = "voice_bench") -> Iterator[str]:
    """A database of its own on the server (its URL), dropped afterwards."""
    admin_url = make_url(normalise_url(server_url)).set(database="postgres")
    name = f"{prefix}_{os.getpid()}"
    admin = create_engine(
        admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5}
    )
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield admin_url.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def postgres_reachable(server_url: str) -> str:
    """Empty when the server answers; otherwise why not (one line)."""
    admin_url = make_url(normalise_url(server_url)).set(database="postgres")
    engine = create_engine(admin_url, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # any failure means "skip it", said plainly
        return str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
    finally:
        engine.dispose()
    return ""


# --- the floor ---------------------------------------------------------------------------

FLOOR_QUESTIONS = 5
FLOOR_APP = '''"""The floor: the least a survey page can do in Flask. Written by bench/_sites.py."""
import os
import secrets
import sqlite3
import threading

from flask import Flask, abort, redirect, render_template, request, session

app = Flask(__name__)
app.secret_key = os.environ["FLOOR_SECRET_KEY"]
QUESTIONS = int(os.environ["FLOOR_QUESTIONS"])
CHOICES = {"yes": "Yes", "maybe": "Maybe", "no": "No"}
per_thread = threading.local()


def connection():
    # One connection per worker thread, kept open, as a connection pool would.
    if getattr(per_thread, "db", None) is None:
        per_thread.db = sqlite3.connect(os.environ["FLOOR_DATABASE"], timeout=5,
                                        isolation_level=None, check_same_thread=False)
        per_thread.db.execute("PRAGMA journal_mode=WAL")
        per_thread.db.execute("PRAGMA synchronous=FULL")
    return per_thread.db


@app.get("/q/<int:position>")
def question(position):
    if not 1 <= position <= QUESTIONS:
        abort(404)
    session.setdefault("person", secrets.token_hex(8))
    session.setdefault("csrf", secrets.token_urlsafe(32))
    return render_template("question.html", position=position, total=QUESTIONS,
                           csrf=session["csrf"], choices=CHOICES)


@app.post("/q/<int:position>")
def answer(position):
    token = request.form.get("csrf_token", "")
    if not 1 <= position <= QUESTIONS or not secrets.compare_digest(
        token.encode(), session.get("csrf", "").encode()
    ):
        abort(400)
    value = request.form.get("answer", "")
    if value not in CHOICES:
        abort(400)
    connection().execute("INSERT INTO answer (person, position, value) VALUES (?, ?, ?)",
                         (session["person"], position, value))
    return redirect(f"/q/{position + 1}" if position < QUESTIONS else "/thanks")


@app.get("/thanks")
def thanks():
    session.clear()
    return render_template("thanks.html")


@app.get("/")
def start():
    return redirect("/q/1")
'''
FLOOR_QUESTION_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Question {{ position }} of {{ total }}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><form method="post" novalidate>
<input type="hidden" name="csrf_token" value="{{ csrf }}">
<fieldset><legend><h1>Question {{ position }} of {{ total }}</h1></legend>
{% for value, label in choices.items() %}
<label><input type="radio" name="answer" value="{{ value }}"> {{ label }}</label>
{% endfor %}</fieldset>
<button type="submit" name="action" value="answer">Next</button>
</form></main></body></html>
"""
FLOOR_THANKS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Thank you</title></head>
<body><main><h1>Thank you</h1></main></body></html>
"""


@contextmanager
def floor_site(questions: int = FLOOR_QUESTIONS) -> Iterator[tuple[Path, dict[str, str]]]:
    """The floor app's folder (app, templates, SQLite database in WAL) and environment."""
    folder = Path(tempfile.mkdtemp(prefix="voice-bench-floor-"))
    try:
        (folder / "templates").mkdir()
        (folder / "floor_app.py").write_text(FLOOR_APP, encoding="utf-8")
        (folder / "templates" / "question.html").write_text(FLOOR_QUESTION_PAGE, "utf-8")
        (folder / "templates" / "thanks.html").write_text(FLOOR_THANKS_PAGE, "utf-8")
        database = folder / "floor.db"
        with sqlite3.connect(database) as connection:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute(
                "CREATE TABLE answer (id INTEGER PRIMARY KEY, person TEXT NOT NULL, "
                "position INTEGER NOT NULL, value TEXT NOT NULL)"
            )
        connection.close()
        yield (
            folder,
            {
                "FLOOR_SECRET_KEY": secrets.token_urlsafe(48),
                "FLOOR_DATABASE": str(database),
                "FLOOR_QUESTIONS": str(questions),
            },
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def floor_answers(folder: Path) -> int:
    with sqlite3.connect(folder / "floor.db") as connection:
        (count,) = connection.execute("SELECT COUNT(*) FROM answer").fetchone()
    connection.close()
    return int(count)
