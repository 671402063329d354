"""The stylesheet, script and images, kept by browsers for a year under addresses that change with their content.

Flask sends static files with `no-cache` and an ETag, so a browser asked again for the stylesheet, the script
and the icons on every page it opened: four more requests for each page. `url_for("static", ...)` now adds the
file's content version (`?v=`), and an answer to that exact version may be kept; a new file gets a new address.
"""

import functools
import hashlib
from pathlib import Path

from flask import Flask, current_app, request
from werkzeug.security import safe_join

#: How long a browser may keep a versioned file (a year: the longest the HTTP caching RFC advises).
VERSIONED_MAX_AGE = 365 * 24 * 3600


def init_app(app: Flask) -> None:
    app.url_defaults(_add_version)
    app.after_request(_cache_versioned)


def version_of(filename: str, folder: str) -> str:
    """The first 12 hex digits of the file's SHA-256, read again only when its size or time changes."""
    path = safe_join(folder, filename)
    if path is None:  # outside the folder
        return "0"
    try:
        stat = Path(path).stat()
    except OSError:
        return "0"
    return _digest(path, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=256)
def _digest(path: str, mtime_ns: int, size: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def _add_version(endpoint: str, values: dict) -> None:
    if endpoint == "static" and "filename" in values and "v" not in values:
        values["v"] = version_of(values["filename"], current_app.static_folder)


def _cache_versioned(response):
    # Not while developing: templates remember their links for the process, so an edited stylesheet keeps its
    # old address until a restart, and a browser would keep showing the old file.
    if request.endpoint != "static" or response.status_code not in (200, 304) or current_app.debug:
        return response
    filename = (request.view_args or {}).get("filename", "")
    if request.args.get("v") == version_of(filename, current_app.static_folder):
        response.cache_control.no_cache = None
        response.cache_control.public = True
        response.cache_control.max_age = VERSIONED_MAX_AGE
        response.cache_control.immutable = True
    return response
