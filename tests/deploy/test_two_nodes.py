"""Two nodes behind HAProxy (deploy/two_nodes.py, deploy/haproxy.cfg), sharing PostgreSQL, Redis and
S3-compatible storage: whatever node a request lands on, the member sees one portal.

Every request goes through the load balancer, which answers with the node that served it (X-Served-By).
"""

import os
import re
import shutil
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.engine import make_url

from app import create_app
from app.auth.models import Role, User
from app.auth.passwords import hash_password
from app.auth.services import grant_role
from app.config import Defaults
from app.core.timeutil import utcnow
from app.extensions import db
from app.privacy import services as privacy_services
from app.privacy.models import PolicyVersion
from app.profiles.models import InterviewerProfile
from deploy.two_nodes import TwoNodes
from tests.conftest import CSRF_PATTERN, PASSWORD
from tests.live_servers import TcpProxy, fresh_postgres_database
from tests.profiles import files
from tests.s3_server import s3_server  # noqa: F401 (a fixture)
from tests.simulations.conftest import REQUEST_FORM, THURSDAY, window_fields

requests = pytest.importorskip("requests")
pytestmark = pytest.mark.nodes


def _require_haproxy():
    if shutil.which("haproxy") is None:
        message = "haproxy is not installed (apt-get install haproxy): the two-node tests are skipped"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


class Browser:
    """A member's browser against the load balancer: cookies, CSRF tokens, and which node answered."""

    def __init__(self, nodes: TwoNodes):
        self.base = nodes.url
        self.session = requests.Session()
        self.session.trust_env = False  # the machine's CA bundle variables would replace our certificate
        self.session.verify = str(nodes.ca_file)
        self.served_by: list[str] = []

    def get(self, path, **kwargs):
        response = self.session.get(self.base + path, allow_redirects=False, timeout=30, **kwargs)
        self.served_by.append(response.headers.get("X-Served-By"))
        return response

    def post(self, path, data, *, page=None, files=None):
        form_page = self.get(page or path)
        token = CSRF_PATTERN.search(form_page.text)
        assert token, f"no form on {page or path} ({form_page.status_code} {form_page.headers.get('Location')})"
        token = token.group(1) or token.group(2)
        response = self.session.post(
            self.base + path,
            data={**data, "csrf_token": token},
            files=files,
            headers={"Referer": self.base + (page or path)},  # as a browser sends it (CSRF checks it on HTTPS)
            allow_redirects=False,
            timeout=30,
        )
        self.served_by.append(response.headers.get("X-Served-By"))
        return response

    def login(self, email, lang="en"):
        response = self.post(f"/{lang}/login", {"identifier": email, "password": PASSWORD})
        assert response.status_code == 302, response.text[:500]
        return response

    def aim(self, name, requests_in_action=1):
        """Make the last request of the next action (of that many requests) land on node `name`: round robin
        hands each request to the node after the last one."""
        while True:
            last = self.served_by[-1] if self.served_by else None
            landing = last if requests_in_action % 2 == 0 else _other(last)
            if landing == name:
                return
            self.get("/healthz")

    def on_node(self, name, do, tries=6):
        """Repeat `do()` until the load balancer hands it to node `name` (round robin: within two tries)."""
        for _ in range(tries):
            before = len(self.served_by)
            response = do()
            if self.served_by[-1] == name:
                return response
            if (len(self.served_by) - before) % 2 == 0:  # an even number of requests: shift by one
                self.get("/healthz")
        raise AssertionError(f"never served by {name}: {self.served_by[-tries:]}")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, s3_server):  # noqa: F811
    _require_haproxy()
    workdir = tmp_path_factory.mktemp("two_nodes")
    with fresh_postgres_database("two_nodes") as url:
        server = make_url(url)
        # Node A reaches the database through a cable a test can cut; node B directly.
        cable = TcpProxy(server.host or "127.0.0.1", server.port or 5432)
        cable.start()
        through_cable = server.set(host="127.0.0.1", port=cable.port).render_as_string(hide_password=False)
        environ = {**os.environ, "DATABASE_URL": url, **s3_server.settings(s3_server.new_bucket())}
        nodes = TwoNodes(workdir, environ=environ, node_environment={"node_a": {"DATABASE_URL": through_cable}})
        nodes.start()
        nodes.cable = cable
        nodes.database_url = url
        nodes.s3_bucket = environ["S3_BUCKET"]
        try:
            _seed(url, tmp_path_factory.mktemp("seed"))
            yield nodes
        finally:
            nodes.stop()
            cable.stop()


def _seed(url, folder):
    app = create_app({"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url, "UPLOAD_DIR": str(folder)})
    with app.app_context():
        privacy_services.ensure_shipped_versions()

        def member(email, first_name, roles=(Role.CANDIDATE,), locale="en"):
            user = User(
                email=email,
                first_name=first_name,
                last_name="Nodes",
                password_hash=hash_password(PASSWORD),
                locale=locale,
                email_verified_dt=utcnow(),
                created_dt=utcnow() - timedelta(days=365),  # members long before any new policy version
            )
            db.session.add(user)
            db.session.flush()
            for role in roles:
                grant_role(user, role)
            privacy_services.record_acceptance(user, privacy_services.current_policy())
            return user

        for email, name in (("camille@example.com", "Camille"), ("emma@example.com", "Emma")):
            member(email, name)
        member("ines@example.com", "Ines", locale="fr")
        member("paul@example.com", "Paul")
        julien = member("julien@example.com", "Julien", roles=(Role.INTERVIEWER,))
        db.session.add(
            InterviewerProfile(
                user_id=julien.id,
                languages=["fr", "en"],
                modes=["video"],
                interview_types=["case"],
                sectors=["consulting"],
                company_types=["consulting_firm"],
                former_employers=[],
                weekly_capacity=4,
                is_accepting=True,
            )
        )
        db.session.commit()
        db.engine.dispose()


def test_a_cv_uploaded_through_one_node_downloads_through_the_other(cluster, s3_server):  # noqa: F811
    camille = Browser(cluster)
    camille.login("camille@example.com")
    cv = files.pdf()

    camille.aim("node_a", requests_in_action=2)
    sent = camille.post(
        "/en/profile/cv",
        {"visibility": "connections"},
        page="/en/profile",
        files={"cv": ("cv.pdf", cv, "application/pdf")},
    )
    assert sent.status_code == 302 and camille.served_by[-1] == "node_a"
    profile = camille.get("/en/profile").text
    link = re.search(r'href="(/en/members/[0-9a-f]+/files/cv)"', profile).group(1)
    downloaded = camille.on_node("node_b", lambda: camille.get(link))
    assert downloaded.status_code == 200 and downloaded.content == cv
    stored = s3_server.objects(cluster.s3_bucket)
    assert stored and all(b"%PDF" not in blob for blob in stored.values())
    # Neither node kept a copy on its own disk.
    for node in cluster.nodes:
        assert not [p for p in (node.instance / "uploads").rglob("*") if p.is_file()]


def test_a_session_opened_on_one_node_is_valid_on_the_other_and_ends_on_both(cluster):
    emma = Browser(cluster)
    emma.login("emma@example.com")
    opened_on = emma.served_by[-1]
    other = "node_b" if opened_on == "node_a" else "node_a"
    assert emma.on_node(other, lambda: emma.get("/en/dashboard")).status_code == 200
    assert emma.on_node(opened_on, lambda: emma.get("/en/dashboard")).status_code == 200
    emma.aim(other, requests_in_action=2)
    assert emma.post("/en/logout", {}, page="/en/dashboard").status_code == 302
    assert emma.served_by[-1] == other
    for node in ("node_a", "node_b"):
        assert emma.on_node(node, lambda: emma.get("/en/dashboard")).status_code == 302


def test_rate_limits_count_across_both_nodes(cluster):
    limit = int(Defaults.EXPORT_LIMIT.split()[0])  # "5 per hour": exports per member
    paul = Browser(cluster)
    paul.login("paul@example.com")
    answers = [paul.post("/en/privacy/export", {}, page="/en/privacy/dashboard").status_code for _ in range(limit)]
    assert answers == [200] * limit
    assert {"node_a", "node_b"} <= set(paul.served_by)
    assert paul.post("/en/privacy/export", {}, page="/en/privacy/dashboard").status_code == 429
    assert paul.post("/en/privacy/export", {}, page="/en/privacy/dashboard").status_code == 429


def test_a_change_committed_on_one_node_is_seen_by_matching_on_the_other_at_once(cluster):
    camille = Browser(cluster)
    camille.login("camille@example.com")
    thursdays = {**window_fields(0, THURSDAY, 9, 11), **window_fields(1, THURSDAY + timedelta(days=7), 9, 11)}
    created = camille.post("/fr/simulations/new", {**REQUEST_FORM, **thursdays})
    assert created.status_code == 302, created.text[:1000]
    request_page = created.headers["Location"]
    assert "Julien Nodes" in camille.get(request_page).text
    assert "pas encore de disponibilité sur vos créneaux" in camille.get(request_page).text

    julien = Browser(cluster)
    julien.login("julien@example.com")
    slot = {"weekday": "3", "start_time": "08:00", "end_time": "12:00"}
    julien.aim("node_a", requests_in_action=2)
    added = julien.post("/en/interviewer-profile/slots", slot, page="/en/interviewer-profile")
    assert added.status_code == 302, added.text[:3000]
    assert julien.served_by[-1] == "node_a"
    seen = camille.on_node("node_b", lambda: camille.get(request_page))
    assert "libre le jeudi matin" in seen.text


def test_the_language_choice_and_the_policy_acceptance_follow_the_member(cluster):
    ines = Browser(cluster)
    ines.login("ines@example.com", lang="fr")
    ines.aim("node_a", requests_in_action=2)
    switched = ines.post("/fr/language", {"language": "en", "next": "/fr/dashboard"}, page="/fr/dashboard")
    assert switched.status_code == 302 and ines.served_by[-1] == "node_a"
    landing = ines.on_node("node_b", lambda: ines.get("/"))
    assert landing.headers["Location"].startswith("/en/")

    app = create_app({"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": cluster.database_url})
    with app.app_context():
        version = privacy_services.publish_version(
            version="9.0",
            effective_date=utcnow().date() + timedelta(days=400),
            is_material=True,
            template="privacy/policies/v2.html",
            summary_en="Adds video recordings of sessions.",
            summary_fr="Ajoute l'enregistrement vidéo des séances.",
        )
        db.session.flush()
        # It takes effect now (as if the announced date had come).
        db.session.execute(
            update(PolicyVersion).where(PolicyVersion.id == version.id).values(effective_date=utcnow().date())
        )
        db.session.commit()
        db.engine.dispose()
    for node in ("node_a", "node_b"):
        asked = ines.on_node(node, lambda: ines.get("/en/dashboard"))
        assert asked.status_code == 302 and asked.headers["Location"] == "/en/privacy/accept"
    ines.aim("node_a", requests_in_action=2)
    accepted = ines.post("/en/privacy/accept", {"accept": "y"})
    assert accepted.status_code == 302 and ines.served_by[-1] == "node_a"
    assert ines.on_node("node_b", lambda: ines.get("/en/dashboard")).status_code == 200


def test_a_node_that_loses_its_database_is_taken_out_and_comes_back(cluster):
    """Node A's way to PostgreSQL is cut: its /readyz fails, HAProxy stops sending it members, node B serves
    them all; when the database is back, so is node A."""
    emma = Browser(cluster)
    emma.login("emma@example.com")
    if emma.get("/en/dashboard").headers.get("Location") == "/en/privacy/accept":  # the version another test published
        assert emma.post("/en/privacy/accept", {"accept": "y"}).status_code == 302
    cluster.cable.stop()
    try:
        _wait_for(lambda: not cluster.node_is_ready(cluster.nodes[0]), "node A to report not ready")
        time.sleep(2.5)  # two failed checks a second apart: HAProxy takes it out
        answers = [emma.get("/en/dashboard") for _ in range(8)]
        assert [response.status_code for response in answers] == [200] * 8, [r.headers.get("Location") for r in answers]
        assert set(emma.served_by[-8:]) == {"node_b"}
    finally:
        cluster.cable.start()
    _wait_for(lambda: cluster.node_is_ready(cluster.nodes[0]), "node A to be ready again")
    _wait_for(lambda: emma.get("/en/dashboard").headers.get("X-Served-By") == "node_a", "node A to serve again")
    assert emma.get("/en/dashboard").status_code == 200


def _other(node):
    return "node_b" if node == "node_a" else "node_a"


def _wait_for(condition, what, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"waited {seconds} s for {what}")


def test_the_readme_production_section_uses_the_files_this_test_uses():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert "deploy/haproxy.cfg" in readme and "deploy/two_nodes.py" in readme and "node_c" in readme
