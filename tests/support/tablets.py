"""Simulated tablets: the participant journey over real HTTP, against a real server.

Each tablet has its own cookie and reads its CSRF tokens and one-time submission ids
from the pages, the way a browser does, with nothing but the standard library. A POST
that meets a dead server (refused, reset, timed out) or a 5xx is sent again unchanged
(same cookie, same CSRF token, same submission id) until the server answers it.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

import gunicorn.config

AUDIENCES = ("child_4_7", "child_8_12", "young_13_17", "parent_carer")
REQUEST_TIMEOUT_S = 15  # longer than SQLite's busy timeout: a slow answer is not a failure
RETRY_PAUSE_S = 0.2
THINK_S = (0.0, 0.2)  # a person reads each page a moment before tapping


# --- reading pages --------------------------------------------------------------------------


@dataclass
class PageForm:
    """The first form of a page that has a CSRF token: its fields and their choices."""

    hidden: dict[str, str] = field(default_factory=dict)
    radios: dict[str, list[str]] = field(default_factory=dict)
    checkboxes: dict[str, list[str]] = field(default_factory=dict)
    selects: dict[str, list[str]] = field(default_factory=dict)
    textareas: list[str] = field(default_factory=list)
    answer_format: str | None = None


class _FormReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.form = PageForm()
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {key: value or "" for key, value in attrs}
        classes = attr.get("class", "").split()
        for css_class in classes:
            if css_class.startswith("fv-question--"):
                self.form.answer_format = css_class.removeprefix("fv-question--")
        name = attr.get("name", "")
        if tag == "input" and name:
            kind = attr.get("type", "text")
            if kind == "hidden":
                self.form.hidden.setdefault(name, attr.get("value", ""))
            elif kind == "radio":
                self.form.radios.setdefault(name, []).append(attr.get("value", ""))
            elif kind == "checkbox":
                self.form.checkboxes.setdefault(name, []).append(attr.get("value", ""))
        elif tag == "select" and name:
            self._select = name
            self.form.selects[name] = []
        elif tag == "option" and self._select and attr.get("value"):
            self.form.selects[self._select].append(attr["value"])
        elif tag == "textarea" and name:
            self.form.textareas.append(name)

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def read_form(html: str) -> PageForm:
    reader = _FormReader()
    reader.feed(html)
    return reader.form


# --- one request, retried ---------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    location: str
    body: str


@dataclass
class Tally:
    """What happened, across every tablet (a lock keeps the counts whole)."""

    errors: Counter[str] = field(default_factory=Counter)
    server_errors_at: list[float] = field(default_factory=list)
    acknowledged: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, kind: str, n: int = 1) -> None:
        with self.lock:
            self.errors[kind] += n


class GaveUp(Exception):
    """The server did not answer a request within the allowed tries."""


class Browser:
    """One tablet's connection to the server: its cookie and nothing else."""

    def __init__(self, port: int, tally: Tally, *, max_tries: int) -> None:
        self.port = port
        self.tally = tally
        self.max_tries = max_tries
        self.cookies: dict[str, str] = {}

    def forget_cookies(self) -> None:
        self.cookies.clear()

    def request(self, method: str, path: str, data: dict[str, object] | None = None) -> Reply:
        """Send until the server answers below 500 (the same bytes each time)."""
        body = urlencode(data or {}, doseq=True)
        for attempt in range(self.max_tries):
            if attempt:
                time.sleep(RETRY_PAUSE_S)
            try:
                reply = self._send(method, path, body)
            except (OSError, http.client.HTTPException) as exc:
                self.tally.count(f"{method} {type(exc).__name__}")
                continue
            if reply.status >= 500:
                self.tally.count(f"{method} HTTP {reply.status}")
                with self.tally.lock:
                    self.tally.server_errors_at.append(time.monotonic())
                continue
            if attempt:
                self.tally.count(f"{method} answered after a retry")
            return reply
        raise GaveUp(f"{method} {path}")

    def _send(self, method: str, path: str, body: str) -> Reply:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT_S)
        headers = {"Connection": "close"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method == "POST":
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(
                method, path, body=body if method == "POST" else None, headers=headers
            )
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            for header in response.headers.get_all("Set-Cookie") or []:
                self._keep_cookie(header)
            return Reply(response.status, response.headers.get("Location", ""), text)
        finally:
            connection.close()

    def _keep_cookie(self, header: str) -> None:
        name, _, rest = header.partition("=")
        value = rest.split(";", 1)[0]
        expired = "max-age=0" in header.lower() or "expires=thu, 01 jan 1970" in header.lower()
        if expired or not value:
            self.cookies.pop(name.strip(), None)
        else:
            self.cookies[name.strip()] = value


# --- a tablet walking journeys -----------------------------------------------------------------


@dataclass
class Sent:
    """An answer (or skip) a tablet sent, and whether the server acknowledged it."""

    submission_id: str
    journey: str
    skipped: bool
    free_text: str | None
    acknowledged_at: float | None = None  # time.monotonic() of the redirect
    gave_up: bool = False


class UnexpectedPage(Exception):
    pass


class Tablet:
    """Walks whole journeys (join, language, who, assent, every question, talk) until told
    to stop; a journey that cannot go on (its page went stale in a crash) starts again."""

    def __init__(self, number: int, port: int, code: str, tally: Tally, max_tries: int) -> None:
        self.number = number
        self.code = code
        self.browser = Browser(port, tally, max_tries=max_tries)
        self.tally = tally
        self.random = random.Random(number)
        self.sent: list[Sent] = []
        self.journeys_finished = 0
        self.journeys_started = 0

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self.journeys_started += 1
            journey = f"t{self.number}-j{self.journeys_started}"
            self.browser.forget_cookies()
            try:
                if self.walk(journey, stop):
                    self.journeys_finished += 1
            except GaveUp:
                self.tally.count("journey given up: server did not answer")
            except UnexpectedPage as page:
                self.tally.count(f"journey restarted: {page}")

    def walk(self, journey: str, stop: threading.Event) -> bool:
        form = self._page("/")
        reply = self._post("/join", form, {"code": self.code})
        self._expect(reply, "/language", "join")
        reply = self.browser.request("GET", "/language")
        if reply.status == 200:
            language = read_form(reply.body)
            reply = self._post("/language", language, {"answer": "en_GB"})
        self._expect(reply, "/who", "language")
        audience = AUDIENCES[self.random.randrange(len(AUDIENCES))]
        reply = self._post("/who", self._page("/who"), {"answer": audience})
        self._expect(reply, "/about", "who")
        reply = self._post("/about", self._page("/about"), {"assent": "yes"})
        self._expect(reply, "/q/1", "assent")
        path = "/q/1"
        while path.startswith("/q/"):
            if stop.is_set():
                return False
            path = self._answer(path, journey)
        if path != "/talk":
            raise UnexpectedPage(f"last question went to {path}")
        reply = self._post("/talk", self._page("/talk"), {"talk": "no"})
        if reply.status == 409:
            # The finish was stored before a crash ate its reply: the retry finds it done.
            self.tally.count("finish already stored when retried")
            return True
        self._expect(reply, "/thanks", "talk")
        self.browser.request("GET", "/thanks")
        return True

    def _answer(self, path: str, journey: str) -> str:
        form = self._page(path)
        submission_id = form.hidden.get("submission_id", "")
        skipped = self.random.random() < 0.2
        fields, free_text = ({}, None) if skipped else self._fill(form, journey)
        sent = Sent(submission_id, journey, skipped, free_text)
        self.sent.append(sent)
        try:
            reply = self._post(path, form, {"action": "skip" if skipped else "answer", **fields})
        except GaveUp:
            sent.gave_up = True
            raise
        if reply.status in (302, 303) and reply.location != path:
            sent.acknowledged_at = time.monotonic()
            with self.tally.lock:
                self.tally.acknowledged += 1
            return reply.location
        raise UnexpectedPage(f"question answered with {reply.status}")

    def _fill(self, form: PageForm, journey: str) -> tuple[dict[str, object], str | None]:
        if form.textareas:
            text = f"Answer from {journey}"
            return {form.textareas[0]: text}, text
        if "answer" in form.radios:
            return {"answer": self.random.choice(form.radios["answer"])}, None
        if "answer" in form.checkboxes:
            return {"answer": self.random.sample(form.checkboxes["answer"], 2)}, None
        ranks = sorted(name for name in form.selects if name.startswith("rank_"))
        if ranks:
            picks = self.random.sample(form.selects[ranks[0]], len(ranks))
            return dict(zip(ranks, picks, strict=True)), None
        raise UnexpectedPage(f"no way to answer format {form.answer_format}")

    def _page(self, path: str) -> PageForm:
        time.sleep(self.random.uniform(*THINK_S))
        reply = self.browser.request("GET", path)
        if reply.status != 200:
            raise UnexpectedPage(f"GET {path.split('/')[1] or 'start'} gave {reply.status}")
        return read_form(reply.body)

    def _post(self, path: str, form: PageForm, data: dict[str, object]) -> Reply:
        return self.browser.request("POST", path, {**form.hidden, **data})

    @staticmethod
    def _expect(reply: Reply, location: str, step: str) -> None:
        if reply.status not in (302, 303) or reply.location != location:
            raise UnexpectedPage(f"{step} gave {reply.status}")


# --- the server ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_environ(database_url: str, **settings: str) -> dict[str, str]:
    """A server's environment: no VOICE_* setting leaks in from ours, only those given.

    Keys are fixed, so every server process started with them accepts the others'
    CSRF tokens; sign-in hashing is cheap, as in the rest of the suite.
    """
    environ = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("VOICE_") and k not in {"GUNICORN_CMD_ARGS", "WEB_CONCURRENCY"}
    }
    environ.update(
        VOICE_ENV="testing",
        VOICE_DATABASE_URL=database_url,
        VOICE_SECRET_KEY="server-secret-key-" + "x" * 32,
        VOICE_PSEUDONYM_KEY="test-pseudonym-key-" + "y" * 32,
        VOICE_ARGON2_TIME_COST="1",
        VOICE_ARGON2_MEMORY_KIB="1024",
    )
    environ.update({f"VOICE_{name}": value for name, value in settings.items()})
    return environ


class Gunicorn:
    """``gunicorn`` in a process group of its own, so SIGKILL takes master and workers."""

    def __init__(
        self,
        port: int,
        instance: Path,
        environ: dict[str, str],
        log: Path,
        *,
        workers: int = 2,
        threads: int = 4,
    ) -> None:
        self.port = port
        self.instance = instance
        self.environ = environ
        self.log = log
        self.workers = workers
        self.threads = threads
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.launch()
        self.wait_until_ready()

    def launch(self) -> None:
        command = [
            str(Path(sys.executable).with_name("gunicorn")),
            "--workers",
            str(self.workers),
            "--threads",
            str(self.threads),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--timeout",
            "30",
            f"voice_app:create_app(instance_path={str(self.instance)!r})",
        ]
        if any(s.name == "control_socket_disable" for s in gunicorn.config.KNOWN_SETTINGS):
            # gunicorn 25.1+ listens on one control socket per user: not for test servers.
            command.insert(1, "--no-control-socket")
        with self.log.open("ab") as log:
            # Run from the instance folder: the options above, not the production
            # gunicorn.conf.py in the repository root, say how this server runs.
            self.process = subprocess.Popen(
                command,
                cwd=self.instance,
                env=self.environ,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )

    def wait_until_ready(self, within_s: float = 30) -> None:
        assert self.process is not None, "launch() first"
        deadline = time.monotonic() + within_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log.read_text()[-2000:]}")
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            try:
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    return
            except (OSError, http.client.HTTPException):
                pass
            finally:
                connection.close()
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn not ready: {self.log.read_text()[-2000:]}")

    def kill(self) -> None:
        """SIGKILL the whole group: no worker finishes its request or its reply."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process = None
