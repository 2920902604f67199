"""Compressed responses (brotli or gzip) for text, when the client accepts it.

Flask-Compress does the work; this module only sets our defaults, which an operator
can override with VOICE_COMPRESS_* (``VOICE_COMPRESS_REGISTER=false`` turns it off behind
a proxy that compresses). Static files arrive already compressed from
``voice_app.static_assets``, so they are left alone here. Why pages with CSRF tokens
are still compressed (BREACH): docs/decisions/0009-production-serving.md.
"""

from __future__ import annotations

from flask import Flask
from flask_compress import Compress

compress = Compress()

DEFAULTS = {
    # brotli first for browsers that accept it; gzip for the rest. No zstd: few tablets.
    "COMPRESS_ALGORITHM": ["br", "gzip"],
    "COMPRESS_MIMETYPES": [
        "text/html",
        "text/css",
        "text/csv",
        "text/plain",
        "text/javascript",
        "application/javascript",
        "application/json",
        "application/schema+json",
        "image/svg+xml",
    ],
    # Smaller bodies (redirects, tiny JSON) gain nothing worth the CPU.
    "COMPRESS_MIN_SIZE": 500,
    "COMPRESS_LEVEL": 6,
    "COMPRESS_BR_LEVEL": 4,
}


def init_app(app: Flask) -> None:
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    compress.init_app(app)
