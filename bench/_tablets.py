"""Simulated tablets: each walks whole journeys with its own cookies and CSRF tokens.

Kept light, because it shares the CPUs with the server it loads: one thread per tablet,
``http.client`` with keep-alive, regular expressions rather than an HTML parser. Not a
benchmark itself (``make bench`` skips files starting with ``_``).
"""

from __future__ import annotations

import gzip
import http.client
import random
import re
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
SUBMISSION = re.compile(r'name="submission_id" value="([^"]+)"')
FORMAT = re.compile(r"fv-question--(\w+)")
INPUT = re.compile(r"<input\b[^>]*>")
ATTRIBUTE = re.compile(r'(\w[\w-]*)="([^"]*)"')
OPTION = re.compile(r'<option value="([^"]+)"')
AUDIENCES = ("child_4_7", "child_8_12", "young_13_17", "parent_carer")
WRITTEN = "More time to play outside with my friends."


class JourneyFailed(Exception):
    """The site answered something a person walking the journey would not expect."""


@dataclass
class Timings:
    """What the tablets measured inside the timed window (seconds)."""

    question_gets: list[float] = field(default_factory=list)
    answer_posts: list[float] = field(default_factory=list)
    journeys: int = 0
    requests: int = 0
    failures: list[str] = field(default_factory=list)
    # Requests each finished journey took, in or out of the window (the unit of work).
    journey_requests: list[int] = field(default_factory=list)

    def merge(self, other: Timings) -> None:
        self.question_gets += other.question_gets
        self.answer_posts += other.answer_posts
        self.journeys += other.journeys
        self.requests += other.requests
        self.failures += other.failures
        self.journey_requests += other.journey_requests


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (``share`` in 0..1); NaN when nothing was measured."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


class Tablet:
    """One device: one keep-alive connection and its own cookie jar."""

    def __init__(self, host: str, port: int, deadline: float, window_start: float = 0) -> None:
        self.host, self.port, self.deadline = host, port, deadline
        self.window_start = window_start  # only what happens from here on is measured
        self.requests_made = 0
        self.journey_began_at = 0
        self.connection = http.client.HTTPConnection(host, port, timeout=30)
        self.cookies: dict[str, str] = {}
        self.timings = Timings()

    def fresh_person(self) -> None:
        self.cookies.clear()
        self.journey_began_at = self.requests_made

    def in_window(self) -> bool:
        return time.monotonic() >= self.window_start

    def record(self, samples: list[float], seconds: float) -> None:
        if self.in_window():
            samples.append(seconds)

    def journey_done(self) -> None:
        self.timings.journey_requests.append(self.requests_made - self.journey_began_at)
        if self.in_window():
            self.timings.journeys += 1

    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def request(
        self, method: str, path: str, form: dict[str, str | list[str]] | None = None
    ) -> tuple[int, str, str, float]:
        """(status, Location, body, seconds). Raises TimeoutError once the window is over."""
        if time.monotonic() >= self.deadline:
            raise TimeoutError
        headers = {"Host": f"{self.host}:{self.port}", "Accept-Encoding": "gzip"}
        if self.cookies:
            headers["Cookie"] = self.cookie_header()
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):
            started = time.perf_counter()
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                raw = response.read()
                seconds = time.perf_counter() - started
                break
            except (OSError, http.client.HTTPException) as failure:
                # Never reuse a connection left half way through an exchange.
                self.connection.close()
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
                idle_close = isinstance(failure, http.client.RemoteDisconnected | ConnectionError)
                if attempt == 2 or not idle_close:
                    raise  # (an idle keep-alive closed by the server is retried once)
        if response.getheader("Content-Encoding") == "gzip":
            raw = gzip.decompress(raw)  # as a browser would ask for, and unpack
        text = raw.decode("utf-8", "replace")
        self.requests_made += 1
        if self.in_window():
            self.timings.requests += 1
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                cookie_value = rest.split(";", 1)[0]
                if cookie_value and "max-age=0" not in value.lower():
                    self.cookies[name.strip()] = cookie_value
                else:
                    self.cookies.pop(name.strip(), None)
        location = urlsplit(response.getheader("Location", "")).path
        return response.status, location, text, seconds

    def expect(self, method: str, path: str, status: int, form: dict | None = None):
        got, location, body, seconds = self.request(method, path, form)
        if got != status:
            raise JourneyFailed(f"{method} {path}: {got}, expected {status}")
        return location, body, seconds


def _csrf(body: str, path: str) -> str:
    found = CSRF.search(body)
    if not found:
        raise JourneyFailed(f"no CSRF token on {path}")
    return found.group(1)


def answer_for(body: str, rng: random.Random) -> dict[str, str | list[str]]:
    """What a person might answer on this question page, from the page's own inputs."""
    found = FORMAT.search(body)
    answer_format = found.group(1) if found else ""
    if answer_format == "free_text":
        return {"answer": WRITTEN}
    if answer_format == "top_three":
        options = list(dict.fromkeys(OPTION.findall(body)))
        picks = rng.sample(options, min(3, len(options)))
        return {f"rank_{rank}": value for rank, value in enumerate(picks, start=1)}
    values = [
        attributes["value"]
        for tag in INPUT.findall(body)
        if (attributes := dict(ATTRIBUTE.findall(tag))).get("name") == "answer"
    ]
    if not values:
        raise JourneyFailed(f"no answers to choose on a {answer_format or 'question'} page")
    if answer_format == "choose_many":
        return {"answer": rng.sample(values, min(len(values), rng.randint(1, 2)))}
    return {"answer": rng.choice(values)}


def begin_journey(tablet: Tablet, code: str, language: str, audience: str) -> str:
    """Code, language, who and about, as a new person; returns the first question's path."""
    tablet.fresh_person()
    _, body, _ = tablet.expect("GET", "/", 200)
    form = {"csrf_token": _csrf(body, "/"), "code": code}
    location, _, _ = tablet.expect("POST", "/join", 302, form)
    status, location_after, body, _ = tablet.request("GET", location)
    if status == 200:  # more than one language offered
        form = {"csrf_token": _csrf(body, location), "answer": language, "listen": ""}
        location, _, _ = tablet.expect("POST", location, 302, form)
    elif status == 302:
        location = location_after
    else:
        raise JourneyFailed(f"GET {location}: {status}")
    _, body, _ = tablet.expect("GET", location, 200)
    form = {"csrf_token": _csrf(body, location), "answer": audience}
    location, _, _ = tablet.expect("POST", location, 302, form)
    _, body, _ = tablet.expect("GET", location, 200)
    form = {"csrf_token": _csrf(body, location), "assent": "yes"}
    location, _, _ = tablet.expect("POST", location, 302, form)
    return location


def voice_journey(tablet: Tablet, code: str, language: str, audience: str, rng: random.Random):
    """Code, language, who, about, every question, talk, thanks: one whole person."""
    timings = tablet.timings
    location = begin_journey(tablet, code, language, audience)
    while location.startswith("/q/"):
        _, body, seconds = tablet.expect("GET", location, 200)
        tablet.record(timings.question_gets, seconds)
        submission = SUBMISSION.search(body)
        if not submission:
            raise JourneyFailed(f"no submission id on {location}")
        form = {
            "csrf_token": _csrf(body, location),
            "submission_id": submission.group(1),
            "action": "answer",
            **answer_for(body, rng),
        }
        location, _, seconds = tablet.expect("POST", location, 302, form)
        tablet.record(timings.answer_posts, seconds)
    if location != "/talk":
        raise JourneyFailed(f"the questions ended at {location}, not /talk")
    _, body, _ = tablet.expect("GET", "/talk", 200)
    form = {"csrf_token": _csrf(body, "/talk"), "talk": "no"}
    location, _, _ = tablet.expect("POST", "/talk", 302, form)
    tablet.expect("GET", location, 200)
    tablet.journey_done()


def floor_journey(tablet: Tablet, rng: random.Random) -> None:
    """The floor's five questions, then thanks."""
    timings = tablet.timings
    tablet.fresh_person()
    location = "/q/1"
    while location.startswith("/q/"):
        _, body, seconds = tablet.expect("GET", location, 200)
        tablet.record(timings.question_gets, seconds)
        form = {"csrf_token": _csrf(body, location), "action": "answer", **answer_for(body, rng)}
        location, _, seconds = tablet.expect("POST", location, 302, form)
        tablet.record(timings.answer_posts, seconds)
    tablet.expect("GET", location, 200)
    tablet.journey_done()


def run_tablets(
    host: str,
    port: int,
    tablets: int,
    seconds: float,
    journey: Callable[[Tablet, int, random.Random], None],
    stop_when: Callable[[list[Tablet]], bool] | None = None,
    warmup: float = 0,
) -> tuple[Timings, float]:
    """``tablets`` threads walk journeys for ``warmup`` then ``seconds`` more, without a
    break; (what they measured in those ``seconds``, the measured wall time).

    A journey still running when the time is up is abandoned: its requests count, as
    work done, but it is not a finished journey.
    """
    window_start = time.monotonic() + warmup
    deadline = window_start + seconds
    devices = [Tablet(host, port, deadline, window_start) for _ in range(tablets)]
    stop = threading.Event()

    def walk(index: int, device: Tablet) -> None:
        rng = random.Random(index)
        # Tablets switch on one after another during the warm-up, as in a room, not all in
        # the same millisecond (which hands every keep-alive connection to one worker).
        time.sleep(min(warmup, 1.0) * index / tablets)
        while not stop.is_set():
            try:
                journey(device, index, rng)
            except TimeoutError:
                return
            except (JourneyFailed, OSError, http.client.HTTPException) as failure:
                device.timings.failures.append(f"{type(failure).__name__}: {failure}")
                if len(device.timings.failures) > 20:
                    return
            if stop_when and stop_when(devices):
                stop.set()

    threads = [
        threading.Thread(target=walk, args=(i, d), daemon=True) for i, d in enumerate(devices)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(warmup + seconds + 60)
    elapsed = max(0.0, min(time.monotonic() - window_start, seconds))
    total = Timings()
    for device in devices:
        total.merge(device.timings)
        device.connection.close()
    return total, elapsed
