"""Serve static files under their content-hashed names (see ``voice_app.static_manifest``).

``url_for('static', filename='css/voice.css')`` gives ``/static/css/voice.<hash>.css``,
cached for a year; the plain name still works, with a short cache; any other name is a
404. Files are served from memory, already compressed, with no database or session.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, Response, abort, current_app, request

from voice_app.static_manifest import StaticAsset, StaticManifest, manifest_for_folder

IMMUTABLE = "public, max-age=31536000, immutable"
# Plain names may be stale after a deploy for this long, never longer.
SHORT_CACHE = "public, max-age=300"


def current_manifest() -> StaticManifest:
    app = current_app
    if app.debug:
        # While developing, an edited stylesheet shows on the next reload.
        app.extensions["voice_static"] = manifest_for_folder(Path(app.static_folder or ""))
    return app.extensions["voice_static"]


def _chosen_encoding(asset: StaticAsset) -> tuple[bytes, str | None]:
    accepted = request.accept_encodings
    if asset.brotli_body is not None and accepted["br"]:
        return asset.brotli_body, "br"
    if asset.gzip_body is not None and accepted["gzip"]:
        return asset.gzip_body, "gzip"
    return asset.body, None


def serve_static(filename: str) -> Response:
    """Stands in for Flask's static view: only files known at start-up, from memory."""
    manifest = current_manifest()
    asset = manifest.by_hashed.get(filename)
    cache_control = IMMUTABLE
    if asset is None:
        asset = manifest.by_logical.get(filename)
        cache_control = SHORT_CACHE
    if asset is None:
        abort(404)
    body, encoding = _chosen_encoding(asset)
    response = Response(body, mimetype=asset.mimetype)
    response.headers["Cache-Control"] = cache_control
    if asset.gzip_body is not None:
        response.vary.add("Accept-Encoding")
    if encoding:
        # Set before Flask-Compress looks: it leaves an encoded response alone.
        response.headers["Content-Encoding"] = encoding
    response.set_etag(f"{asset.hashed_name}:{encoding or 'identity'}")
    return response.make_conditional(request)


def add_hashed_static_name(endpoint: str, values: dict[str, Any]) -> None:
    if endpoint == "static" and "filename" in values:
        values["filename"] = current_manifest().hashed_name(values["filename"])


def init_app(app: Flask) -> None:
    app.extensions["voice_static"] = manifest_for_folder(Path(app.static_folder or ""))
    app.view_functions["static"] = serve_static
    app.url_defaults(add_hashed_static_name)
