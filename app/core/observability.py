"""Seeing what runs: a request id on every request and log line, JSON logs, and Prometheus metrics.

- The request id comes from `X-Request-ID` when a trusted proxy sets it (PROXY_HOPS > 0), else it is made
  here; it is sent back in the response and shown on error pages, so that a member can quote it.
- `LOG_FORMAT=json` writes one JSON object a line (for a log shipper); the default is plain text.
- `/metrics` answers only to addresses in METRICS_ALLOWED_NETWORKS: request counts and latency by endpoint
  and status, the outbox backlog and the erasure jobs that failed. Labels carry endpoints and statuses,
  never a member, an address or a URL with an id in it.
"""

import functools
import ipaddress
import json
import logging
import re
import time
import uuid
from collections.abc import Callable

from flask import Flask, Response, abort, g, has_request_context, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

from app.extensions import db

#: A request id we accept from the proxy: short, and nothing that could forge a log line.
_TRUSTED_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
#: Paths that a load balancer asks every few seconds: neither counted as traffic nor logged.
PROBE_PATHS = ("/healthz", "/readyz", "/metrics")

REGISTRY = CollectorRegistry(auto_describe=True)
REQUESTS = Counter(
    "caseinjob_requests",
    "Requests answered, by endpoint, method and status.",
    ("endpoint", "method", "status"),
    registry=REGISTRY,
)
LATENCY = Histogram(
    "caseinjob_request_seconds",
    "Time to answer a request, by endpoint.",
    ("endpoint",),
    buckets=(0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
    registry=REGISTRY,
)


def init_app(app: Flask) -> None:
    app.before_request(_start)
    app.after_request(_finish)
    app.add_url_rule("/metrics", "metrics", _metrics)
    app.jinja_env.globals["request_id"] = current_request_id
    _configure_logging(app)


def current_request_id() -> str | None:
    return g.get("request_id") if has_request_context() else None


def _start() -> None:
    offered = request.headers.get("X-Request-ID", "")
    # Only a proxy we trust may name the request (ProxyFix, PROXY_HOPS > 0, leaves its mark in the environ).
    trusted = offered and _TRUSTED_ID.match(offered) and "werkzeug.proxy_fix.orig" in request.environ
    g.request_id = offered if trusted else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _finish(response: Response) -> Response:
    request_id = g.get("request_id")
    if request_id:
        response.headers["X-Request-ID"] = request_id
    if request.path not in PROBE_PATHS and "request_started" in g:
        count, latency = _metrics_of(request.endpoint or "unmatched", request.method, response.status_code)
        count.inc()
        latency.observe(time.perf_counter() - g.request_started)
    return response


@functools.cache
def _metrics_of(endpoint: str, method: str, status: int) -> tuple:
    """The request's counter and histogram: `labels()` checks and converts its labels and takes a lock on every
    call; the children it gives are the same for the life of the process (as many as endpoints and statuses)."""
    return REQUESTS.labels(endpoint, method, str(status)), LATENCY.labels(endpoint)


# --- metrics ----------------------------------------------------------------------------------------------


#: Figures read from the database at each scrape (name, help, function returning a number). Features add
#: theirs with `register_gauge` (the mail outbox, the erasure jobs): core knows no feature.
_gauges: dict[str, tuple[str, Callable[[], float]]] = {}


def register_gauge(name: str, help_text: str, read: Callable[[], float]) -> None:
    _gauges[name] = (help_text, read)


class _DatabaseGauges:
    """Read at each scrape, not kept in the process: every worker would report the same figure."""

    def collect(self):
        for name, (help_text, read) in _gauges.items():
            try:
                value = float(read())
            except Exception:  # the database is down: /readyz says so; the process's own figures still count
                logging.getLogger("caseinjob.metrics").warning("metric %s could not be read", name)
                db.session.rollback()
                continue
            family = GaugeMetricFamily(name, help_text)
            family.add_metric([], value)
            yield family


def _allowed(address: str | None, networks: str) -> bool:
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(net.strip(), strict=False) for net in networks.split(",") if net.strip())


def _metrics():
    from flask import current_app

    if not _allowed(request.remote_addr, current_app.config["METRICS_ALLOWED_NETWORKS"]):
        abort(404)
    registry = CollectorRegistry()
    registry.register(_DatabaseGauges())
    body = generate_latest(REGISTRY) + generate_latest(registry)
    response = Response(body, mimetype=CONTENT_TYPE_LATEST)
    response.headers["Cache-Control"] = "no-store"
    return response


# --- logs -------------------------------------------------------------------------------------------------


class RequestIdFilter(logging.Filter):
    """Puts the request id (or "-") on every record, so that every formatter can show it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id() or "-"
        return True


class ProbeFilter(logging.Filter):
    """The development server's access line for a health probe is noise: drop it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage() if record.name == "werkzeug" else ""
        return not any(f" {path} " in message for path in PROBE_PATHS)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"


def _configure_logging(app: Flask) -> None:
    """One handler on the root logger with the request id; JSON when LOG_FORMAT=json. Tests keep pytest's."""
    root = logging.getLogger()
    if app.testing:
        return
    handler = next((h for h in root.handlers if getattr(h, "caseinjob", False)), None)
    if handler is None:
        handler = logging.StreamHandler()
        handler.caseinjob = True
        handler.addFilter(RequestIdFilter())
        handler.addFilter(ProbeFilter())
        root.addHandler(handler)
        root.setLevel(logging.INFO)
    handler.setFormatter(JsonFormatter() if app.config["LOG_FORMAT"] == "json" else logging.Formatter(TEXT_FORMAT))
