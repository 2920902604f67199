"""Content-hashed names for the static files, worked out once at start-up (no Flask here).

``css/voice.css`` becomes ``css/voice.<hash>.css``: a name whose content can never
change, so browsers may keep it for a year. ``url()`` references in stylesheets are
rewritten to the hashed names first, and a stylesheet's hash is taken over the
rewritten text, so a changed font also changes the name of the CSS that loads it.
Text files are compressed once here (brotli and gzip), never per request.
See docs/decisions/0009-production-serving.md.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import brotli

HASH_LENGTH = 12
COMPRESSIBLE_TYPES = frozenset(
    {
        "text/css",
        "text/javascript",
        "application/javascript",
        "image/svg+xml",
        "text/plain",
        "text/markdown",
        "application/json",
    }
)
# Below this, compression saves less than a packet and costs the client a decode.
MIN_COMPRESS_BYTES = 500
# url(...) in CSS, quoted or not.
CSS_URL = re.compile(r"""url\(\s*(?P<quote>['"]?)(?P<ref>[^'")\s]+)(?P=quote)\s*\)""")
NOT_A_FILE_REFERENCE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//|/|#)", re.IGNORECASE)


@dataclass(frozen=True)
class StaticAsset:
    logical_name: str  # as templates write it: css/voice.css
    hashed_name: str  # css/voice.0123456789ab.css
    mimetype: str
    body: bytes
    gzip_body: bytes | None
    brotli_body: bytes | None


@dataclass(frozen=True)
class StaticManifest:
    by_logical: dict[str, StaticAsset]
    by_hashed: dict[str, StaticAsset]

    def hashed_name(self, logical_name: str) -> str:
        """The hashed name of a file; an unknown name is left as it is (it will 404)."""
        asset = self.by_logical.get(logical_name)
        return asset.hashed_name if asset else logical_name


def hashed_file_name(logical_name: str, digest: str) -> str:
    folder, name = posixpath.split(logical_name)
    stem, dot, suffix = name.partition(".")
    hashed = f"{stem}.{digest}.{suffix}" if dot else f"{name}.{digest}"
    return posixpath.join(folder, hashed) if folder else hashed


def rewrite_css_urls(css: str, css_name: str, hashed_names: dict[str, str]) -> str:
    """Point every relative ``url()`` at the hashed name of the file it names."""
    folder = posixpath.dirname(css_name)

    def replace(match: re.Match[str]) -> str:
        ref = match.group("ref")
        if NOT_A_FILE_REFERENCE.match(ref):
            return match.group(0)
        path, _, rest = ref.partition("?")
        path, hash_mark, fragment = path.partition("#")
        target = posixpath.normpath(posixpath.join(folder, path))
        if target not in hashed_names:
            return match.group(0)
        relative = posixpath.relpath(hashed_names[target], folder or ".")
        suffix = (f"#{fragment}" if hash_mark else "") + (f"?{rest}" if rest else "")
        quote = match.group("quote")
        return f"url({quote}{relative}{suffix}{quote})"

    return CSS_URL.sub(replace, css)


def _asset(logical_name: str, body: bytes) -> StaticAsset:
    digest = hashlib.sha256(body).hexdigest()[:HASH_LENGTH]
    mimetype = mimetypes.guess_type(logical_name)[0] or "application/octet-stream"
    compress = mimetype in COMPRESSIBLE_TYPES and len(body) >= MIN_COMPRESS_BYTES
    return StaticAsset(
        logical_name=logical_name,
        hashed_name=hashed_file_name(logical_name, digest),
        mimetype=mimetype,
        body=body,
        gzip_body=gzip.compress(body, compresslevel=9, mtime=0) if compress else None,
        brotli_body=brotli.compress(body, quality=11) if compress else None,
    )


def build_manifest(files: dict[str, bytes]) -> StaticManifest:
    """Hash every file; stylesheets after what they reference, with their url()s rewritten."""
    assets: dict[str, StaticAsset] = {}
    for name, body in files.items():
        if not name.endswith(".css"):
            assets[name] = _asset(name, body)
    hashed_names = {name: asset.hashed_name for name, asset in assets.items()}
    pending = {name for name in files if name.endswith(".css")}

    def add_stylesheet(name: str, visiting: frozenset[str]) -> None:
        visiting = visiting | {name}
        css = files[name].decode("utf-8")
        folder = posixpath.dirname(name)
        for match in CSS_URL.finditer(css):
            # One stylesheet importing another: hash the imported one first.
            target = posixpath.normpath(posixpath.join(folder, match.group("ref").split("?")[0]))
            if target in pending and target not in visiting:
                add_stylesheet(target, visiting)
        rewritten = rewrite_css_urls(css, name, hashed_names)
        assets[name] = _asset(name, rewritten.encode("utf-8"))
        hashed_names[name] = assets[name].hashed_name
        pending.discard(name)

    while pending:
        add_stylesheet(min(pending), frozenset())
    return StaticManifest(
        by_logical=assets, by_hashed={asset.hashed_name: asset for asset in assets.values()}
    )


def _static_files(folder: Path) -> Iterable[Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file())


@lru_cache(maxsize=4)
def _manifest_for_folder(
    folder: Path, signature: tuple[tuple[str, int, int], ...]
) -> StaticManifest:
    # The signature (names, sizes, mtimes) is the cache key: several apps in one process
    # (the tests) share one manifest, and an edited file gives a new one.
    del signature
    files = {
        path.relative_to(folder).as_posix(): path.read_bytes() for path in _static_files(folder)
    }
    return build_manifest(files)


def manifest_for_folder(folder: Path) -> StaticManifest:
    signature = tuple(
        (path.relative_to(folder).as_posix(), stat.st_size, stat.st_mtime_ns)
        for path in _static_files(folder)
        for stat in (path.stat(),)
    )
    return _manifest_for_folder(folder, signature)
