"""Response headers that every response gets, and caching rules for pages with answers.

This module is the one place the policies are written: no view sets its own. The
Content-Security-Policy allows only our own files: no inline script or style, no other
site, no plugins, no framing. Browser features are denied everywhere, except the
microphone on the one page where advisors record a question in the browser.
"""

from __future__ import annotations

from flask import Flask, Response, request

_SOURCES = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "media-src": "'self'",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}
CONTENT_SECURITY_POLICY = "; ".join(f"{name} {value}" for name, value in _SOURCES.items())
# The studio's recording page: static/js/studio.js records with getUserMedia and plays the
# take back from a blob: URL before it is uploaded.
RECORDING_ENDPOINTS = frozenset({"codesign.audio"})
RECORDING_PAGE_POLICY = CONTENT_SECURITY_POLICY.replace(
    "media-src 'self'", "media-src 'self' blob:"
)
DENIED_FEATURES = ("camera", "geolocation", "payment", "usb")
# Two years, for every subdomain: outside development the site is only reached by HTTPS.
STRICT_TRANSPORT_SECURITY = "max-age=63072000; includeSubDomains"


def content_security_policy(endpoint: str | None) -> str:
    return RECORDING_PAGE_POLICY if endpoint in RECORDING_ENDPOINTS else CONTENT_SECURITY_POLICY


def permissions_policy(endpoint: str | None) -> str:
    """Every feature off; the microphone only for our own origin on the recording page."""
    microphone = "microphone=(self)" if endpoint in RECORDING_ENDPOINTS else "microphone=()"
    return ", ".join([*(f"{feature}=()" for feature in DENIED_FEATURES), microphone])


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy(request.endpoint))
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("Permissions-Policy", permissions_policy(request.endpoint))
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    if request.endpoint != "static":
        # Pages show or take answers and staff data: never keep a copy anywhere.
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
    return response


def add_strict_transport(response: Response) -> Response:
    response.headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
    # Development runs on plain http://127.0.0.1, where HSTS would only get in the way.
    if app.config["ENV"] != "development":
        app.after_request(add_strict_transport)
