"""Health and readiness for the load balancer; request ids, JSON logs and metrics, with no personal data."""

import io
import json
import logging
import re

import pytest
from werkzeug.middleware.proxy_fix import ProxyFix

from app import create_app
from app.core.mail import OutboxMessage
from app.core.observability import JsonFormatter, RequestIdFilter
from app.extensions import db
from app.privacy.models import ErasureJob
from tests.conftest import AuthActions, recorded_statements
from tests.s3_server import s3_server  # noqa: F401 (a fixture)


def _statements(app, do):
    with recorded_statements(app) as seen:
        response = do()
    return response, seen


def test_healthz_answers_without_touching_the_database(app, client):
    response, statements = _statements(app, lambda: client.get("/healthz"))
    assert response.status_code == 200 and response.json["status"] == "ok"
    assert statements == []
    assert "Set-Cookie" not in response.headers


def test_readyz_wants_the_migrations_at_head(app, runner, client):
    # The test schema comes from create_all: no migration has run, so the node is not ready.
    assert client.get("/readyz").status_code == 503
    assert client.get("/readyz").json["checks"]["database"] == "migrations pending"
    with app.app_context():
        db.drop_all()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    ready, statements = _statements(app, lambda: client.get("/readyz"))
    assert ready.status_code == 200 and ready.json == {"status": "ok", "checks": {"database": "ok"}}
    assert len(statements) <= 3  # cheap: asked every few seconds
    assert runner.invoke(args=["db", "downgrade"]).exit_code == 0
    assert client.get("/readyz").json["checks"]["database"] == "migrations pending"
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0


def test_readyz_says_unavailable_when_the_database_does_not_answer(tmp_path):
    down = create_app(
        {
            "APP_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://postgres@127.0.0.1:9/none?connect_timeout=1",
            "UPLOAD_DIR": str(tmp_path),
        }
    )
    response = down.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["database"] == "unavailable"
    assert down.test_client().get("/healthz").status_code == 200


def test_readyz_checks_redis_and_object_storage_when_configured(app_config, s3_server, tmp_path):  # noqa: F811
    settings = {
        **app_config,
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
        "CACHE_TYPE": "RedisCache",
        "CACHE_REDIS_URL": "redis://127.0.0.1:1/0",  # nothing listens there
        **s3_server.settings(s3_server.new_bucket()),
    }
    response = create_app(settings).test_client().get("/readyz")
    assert response.status_code == 503
    checks = response.json["checks"]
    assert checks["rate_limits"] == "ok" and checks["storage"] == "ok" and checks["cache"] == "unavailable"
    settings["S3_BUCKET"] = "no-such-bucket"
    assert create_app(settings).test_client().get("/readyz").json["checks"]["storage"] == "unavailable"


def test_every_response_carries_a_request_id_and_the_error_page_shows_it(client):
    response = client.get("/en/no-such-page")
    request_id = response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    assert request_id in response.text
    assert "quote this reference" in response.text
    french = client.get("/fr/no-such-page")
    assert french.headers["X-Request-ID"] in french.text and "indiquez cette référence" in french.text
    assert client.get("/healthz").headers["X-Request-ID"] != request_id


@pytest.mark.own_app
def test_a_request_id_is_taken_from_the_proxy_only_when_the_proxy_is_trusted(app):
    asked = {"X-Request-ID": "lb-7f3a9c21-0001"}
    assert app.test_client().get("/healthz", headers=asked).headers["X-Request-ID"] != "lb-7f3a9c21-0001"
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)
    assert app.test_client().get("/healthz", headers=asked).headers["X-Request-ID"] == "lb-7f3a9c21-0001"
    forged = {"X-Request-ID": "x INFO fake line <b>"}  # not the shape of an id: replaced, never logged
    assert app.test_client().get("/healthz", headers=forged).headers["X-Request-ID"] != forged["X-Request-ID"]


@pytest.mark.own_app
def test_log_lines_carry_the_request_id_as_json_and_no_personal_data(app, make_user):
    make_user("camille.dupont@example.com", first_name="Camille", last_name="Dupont")

    @app.route("/boom")
    def boom():
        raise RuntimeError("something broke")

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    logging.getLogger().addHandler(handler)
    try:
        client = app.test_client()
        AuthActions(client).login("camille.dupont@example.com")
        response = client.get("/boom")
    finally:
        logging.getLogger().removeHandler(handler)
    assert response.status_code == 500
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    [error] = [line for line in lines if line["message"] == "unhandled error"]
    assert error["request_id"] == response.headers["X-Request-ID"] and error["level"] == "ERROR"
    assert "RuntimeError" in error["exception"]
    everything = stream.getvalue()
    for personal in ("camille", "Camille", "Dupont", "example.com"):
        assert personal not in everything


def test_metrics_count_requests_by_endpoint_and_show_the_backlogs(app, client):
    client.get("/en/login")
    client.get("/healthz")
    with app.app_context():
        db.session.add(OutboxMessage(to_address="a@example.com", subject="s", body_text="t", body_html="h"))
        db.session.add(ErasureJob(requested_by="member", status="failed"))
        db.session.commit()
    body = client.get("/metrics").text
    assert re.search(r'caseinjob_requests_total\{endpoint="auth.login",method="GET",status="200"\} [1-9]', body)
    assert "healthz" not in body  # probes are not traffic
    assert "caseinjob_outbox_backlog 1.0" in body
    assert "caseinjob_erasure_jobs_failed 1.0" in body
    assert "example.com" not in body


@pytest.mark.parametrize("address", ["10.0.0.5", "203.0.113.9"])
def test_metrics_answer_only_to_the_allowed_networks(client, address):
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": address}).status_code == 404


def test_metrics_networks_come_from_the_settings(app_config):
    app = create_app({**app_config, "METRICS_ALLOWED_NETWORKS": "10.0.0.0/8"})
    client = app.test_client()
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.0.0.5"}).status_code == 200
    assert client.get("/metrics").status_code == 404
