"""No trace, found by content: a member fills every form she can with unique markers, erases her account
through the real page and job, and then no table, no file under the instance and uploads folders, and (on
SQLite) no byte of the database file or its write-ahead log holds any of them."""

import io
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import JSON, LargeBinary, String, Text, select

from app.assessments.models import Attempt
from app.auth.models import Role, User
from app.core.mail import deliver_pending
from app.core.timeutil import utcnow
from app.extensions import db
from app.privacy.models import ErasureJob
from app.simulations.models import InterviewSession
from tests.conftest import PASSWORD, AuthActions, csrf_from, outbox, shown
from tests.profiles import files
from tests.sponsors.conftest import add_admin, make_organisation, token_in

#: What she types, each value unique in the whole database. Lower-case ASCII, so that the raw bytes of the
#: database and of files can be searched too (addresses are stored lower-cased, names as typed).
MARKERS = {
    "first_name": "Zqfirstname",
    "last_name": "Zqlastname",
    "email": "zqmailbox.member@example.com",
    "phone": "+33699887766",
    "username": "zqusername",
    "company": "Zqcompanyname",
    "sponsor_first_name": "Zqsponsorfirst",
    "sponsor_last_name": "Zqsponsorlast",
    "sponsor_grade": "Zqsponsorgrade",
    "headline": "Zqheadline",
    "skill": "Zqskill",
    "target_role": "Zqtargetrole",
    "school": "Zqschool",
    "degree": "Zqdegree",
    "field": "Zqfieldofstudy",
    "grade": "Zqgradedistinction",
    "employer": "Zqemployer",
    "job_title": "Zqjobtitle",
    "job_description": "Zqjobdescription",
    "cv_name": "zqcvfilename",
    "cv_content": "Zqcvcontent",
    "photo_name": "zqphotofilename",
    "goal": "Zqsimulationgoal",
    "strengths": "Zqstrengths",
    "improvements": "Zqimprovements",
    "recommendations": "Zqrecommendations",
    "rating_comment": "Zqratingcomment",
    "test_comment": "Zqtestcomment",
    "contest": "Zqscorecontest",
    "correction": "Zqsponsorcorrection",
    "request_subject": "Zqrequestsubject",
    "request_message": "Zqrequestmessage",
    "objection": "Zqobjectionreason",
}
#: The phone number is stored in E.164; its digits are what would survive.
SEARCHED = {key: value.lstrip("+").lower() for key, value in MARKERS.items()}
SEARCHED["email"] = "zqmailbox"


def post(client, url, data=None, *, page=None, **kwargs):
    token = csrf_from(client.get(page or url).text)
    return client.post(url, data={**(data or {}), "csrf_token": token}, **kwargs)


def expect_redirect(response):
    assert response.status_code == 302, shown(response)[:1500]
    return response


def cv_pdf(marker: str) -> bytes:
    """A real PDF whose text names her."""
    from pypdf import PdfWriter
    from pypdf.generic import NameObject, StreamObject

    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    content = StreamObject()
    content._data = f"BT /F1 12 Tf 72 720 Td ({marker}) Tj ET".encode()
    page[NameObject("/Contents")] = writer._add_object(content)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


# --- filling every form ------------------------------------------------------------------------------


def before_she_joins(app, make_user):
    """A school invites her (with the data it provides about her), a client invites her to take a test."""
    school = make_organisation(app, "École Alpha", cohorts=("M1 Finance",))
    admin_id = make_user("admin.alpha@example.com", roles=(Role.SPONSOR_ADMIN,), first_name="Anne")
    add_admin(app, school, admin_id)
    sponsor = AuthActions(app.test_client())
    sponsor.login("admin.alpha@example.com")
    expect_redirect(
        post(
            sponsor.client,
            f"/en/sponsors/{school}/invitations/new",
            {
                "email": MARKERS["email"],
                "first_name": MARKERS["sponsor_first_name"],
                "last_name": MARKERS["sponsor_last_name"],
                "cohort": "",
                "grade": MARKERS["sponsor_grade"],
                "locale": "en",
            },
        )
    )
    make_user("hr@acme.example", roles=[Role.CLIENT], first_name="Hannah", company="Acme")
    client_user = AuthActions(app.test_client())
    client_user.login("hr@acme.example")
    with app.app_context():
        from app.assessments.bank import load_bank

        tests = {test.slug: test.public_id for test in load_bank()}
        db.session.commit()
    due = (utcnow() + timedelta(days=10)).date().isoformat()
    expect_redirect(
        post(
            client_user.client,
            "/en/tests/assignments/new",
            {"test": tests["numerical-reasoning"], "emails": MARKERS["email"], "due_date": due},
        )
    )
    assert len(outbox(app, MARKERS["email"])) == 2  # both e-mails reached her before she had an account


def she_joins(app):
    """She accepts the school's invitation by creating her account, and completes it."""
    token = token_in(outbox(app, MARKERS["email"])[0].body_text)
    member = app.test_client()
    url = f"/en/sponsors/join/{token}/account"
    fields = {"first_name": MARKERS["first_name"], "last_name": MARKERS["last_name"], "password": PASSWORD}
    expect_redirect(post(member, url, {**fields, "accept_policy": "y"}, page=f"/en/sponsors/join/{token}"))
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == MARKERS["email"]))
        # The account page of another team is changing (phone and username): set them as it would.
        user.phone, user.username, user.company = MARKERS["phone"], MARKERS["username"], MARKERS["company"]
        db.session.commit()
        return member, user.id


def fill_profile(member):
    expect_redirect(
        post(
            member,
            "/en/profile/goals",
            {
                "headline": MARKERS["headline"],
                "skills": f"{MARKERS['skill']}, Excel",
                "target_sectors": ["consulting"],
                "target_company_types": ["consulting_firm"],
                "target_roles": MARKERS["target_role"],
            },
        )
    )
    education = {
        "school": MARKERS["school"],
        "degree": MARKERS["degree"],
        "field": MARKERS["field"],
        "start_year": "2021",
        "end_year": "2024",
        "grade": MARKERS["grade"],
    }
    expect_redirect(post(member, "/en/profile/education/new", education))
    experience = {
        "employer": MARKERS["employer"],
        "title": MARKERS["job_title"],
        "start_month": "2022-09",
        "end_month": "2023-06",
        "description": MARKERS["job_description"],
    }
    expect_redirect(post(member, "/en/profile/experience/new", experience))
    expect_redirect(post(member, "/en/profile/languages", {"language": "en", "level": "c1"}, page="/en/profile"))
    uploads = (
        ("photo", files.png(), f"{MARKERS['photo_name']}.png", {}),
        ("cv", cv_pdf(MARKERS["cv_content"]), f"{MARKERS['cv_name']}.pdf", {"visibility": "connections"}),
    )
    for kind, data, name, extra in uploads:
        expect_redirect(
            post(
                member,
                f"/en/profile/{kind}",
                {kind: (io.BytesIO(data), name), **extra},
                page="/en/profile",
                content_type="multipart/form-data",
            )
        )


def interview(app, make_user, member, user_id):
    """She asks for a mock interview; an interviewer accepts, runs it and writes feedback; she rates it."""
    from tests.simulations.test_flow import accept, create_request, invitation_of, invite_all

    interviewer_id = make_user("julien.interviewer@example.com", roles=(Role.INTERVIEWER,), first_name="Julien")
    with app.app_context():
        from datetime import time

        from app.profiles.models import AvailabilitySlot, InterviewerProfile

        db.session.add(
            InterviewerProfile(
                user_id=interviewer_id,
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
        db.session.add(AvailabilitySlot(user_id=interviewer_id, weekday=1, start_time=time(18), end_time=time(22)))
        db.session.commit()
    request_id = create_request(member, goal=MARKERS["goal"])
    invite_all(member, request_id, app, ["julien.interviewer@example.com"])
    interviewer = app.test_client()
    AuthActions(interviewer).login("julien.interviewer@example.com")
    expect_redirect(accept(interviewer, invitation_of(app, "julien.interviewer@example.com")))
    with app.app_context():
        session = db.session.scalar(select(InterviewSession))
        session_id, start = session.public_id, session.start_dt
    from freezegun import freeze_time

    with freeze_time(start + timedelta(hours=2)):
        interviewer = app.test_client()
        AuthActions(interviewer).login("julien.interviewer@example.com")
        expect_redirect(
            post(
                interviewer,
                f"/en/simulations/sessions/{session_id}/feedback",
                {
                    "score_structure": "4",
                    "score_analysis": "3",
                    "score_communication": "5",
                    "score_business_sense": "2",
                    "strengths": MARKERS["strengths"],
                    "improvements": MARKERS["improvements"],
                    "recommendations": MARKERS["recommendations"],
                    "resources": "Case in Point",
                },
                page=f"/en/simulations/sessions/{session_id}",
            )
        )
        member = app.test_client()
        AuthActions(member).login(MARKERS["email"])
        expect_redirect(
            post(
                member,
                f"/en/simulations/sessions/{session_id}/rating",
                {"rating": "5", "comment": MARKERS["rating_comment"], "share_with_sponsor": "y"},
                page=f"/en/simulations/sessions/{session_id}",
            )
        )


def take_the_test(app, member):
    """She takes the test the client assigned, rates it and contests her score."""
    from tests.assessments.test_assignments import take_and_submit

    with app.app_context():
        from app.assessments.models import Assignment

        assignment_id = db.session.scalar(select(Assignment.public_id))
    attempt_id = take_and_submit(app, member, assignment_id, answers_right=2, lang="en")
    result = f"/en/tests/attempts/{attempt_id}/result"
    expect_redirect(
        post(
            member,
            f"/en/tests/attempts/{attempt_id}/rating",
            {"rating": "4", "comment": MARKERS["test_comment"]},
            page=result,
        )
    )
    expect_redirect(
        post(member, f"/en/tests/attempts/{attempt_id}/contest", {"reason": MARKERS["contest"]}, page=result)
    )
    with app.app_context():
        assert db.session.scalar(select(Attempt).where(Attempt.public_id == attempt_id)).submitted_dt is not None


def use_her_rights(app, member):
    """Consents, an objection, a privacy request, a correction of what the school provided."""
    dashboard = "/en/privacy/dashboard"
    expect_redirect(
        post(member, "/en/privacy/consents", {"consent-marketing": "y", "consent-research": "y"}, page=dashboard)
    )
    expect_redirect(
        post(member, "/en/privacy/objections", {"topic": "statistics", "reason": MARKERS["objection"]}, page=dashboard)
    )
    expect_redirect(
        post(
            member,
            "/en/privacy/requests/new",
            {"kind": "question", "subject": MARKERS["request_subject"], "message": MARKERS["request_message"]},
        )
    )
    with app.app_context():
        from app.sponsors.models import Enrolment

        enrolment_id = db.session.scalar(select(Enrolment.public_id))
    expect_redirect(post(member, f"/en/sponsors/mine/{enrolment_id}/correction", {"message": MARKERS["correction"]}))


def erase_through_the_page(member):
    page = member.get("/en/privacy/erase")
    response = member.post(
        "/en/privacy/erase", data={"current_password": PASSWORD, "confirm": "y", "csrf_token": csrf_from(page.text)}
    )
    expect_redirect(response)
    assert "Your account is closed" in shown(member.get(response.headers["Location"]))


# --- scanning ----------------------------------------------------------------------------------------


def markers_in_tables(app) -> dict[str, list[str]]:
    """{marker key: ["table.column", ...]} for every text, JSON and binary column of every table."""
    found: dict[str, list[str]] = {}
    with app.app_context():
        for table in db.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON | LargeBinary)]
            if not columns:
                continue
            for row in db.session.execute(select(*columns)):
                for column, value in zip(columns, row, strict=True):
                    if value is None:
                        continue
                    value = value.decode("latin-1") if isinstance(value, bytes) else str(value)
                    lowered = value.lower()
                    for key, marker in SEARCHED.items():
                        if marker in lowered:
                            found.setdefault(key, []).append(f"{table.name}.{column.name}")
    return found


def markers_in_bytes(data: bytes) -> set[str]:
    lowered = data.lower()
    return {key for key, marker in SEARCHED.items() if marker.encode() in lowered}


def markers_in_files(*folders: Path) -> dict[str, set[str]]:
    found = {}
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file() and (keys := markers_in_bytes(path.read_bytes())):
                found[str(path)] = keys
    return found


def she_fills_everything(app, make_user):
    """The whole story above: she is invited, joins, fills every form, has an interview, takes a test and uses
    her rights. Returns her signed-in client."""
    before_she_joins(app, make_user)
    member, user_id = she_joins(app)
    fill_profile(member)
    interview(app, make_user, member, user_id)
    member = app.test_client()
    AuthActions(member).login(MARKERS["email"])
    take_the_test(app, member)
    use_her_rights(app, member)
    return member


def sqlite_files(app) -> list[Path]:
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("sqlite:///"):
        return []
    database = Path(url.removeprefix("sqlite:///"))
    return [path for path in (database, Path(f"{database}-wal")) if path.exists()]


@pytest.mark.promise("right-erasure")
@pytest.mark.promise("retention-account-lifetime")
@pytest.mark.promise("retention-sponsor-data")
def test_nothing_she_typed_or_was_said_about_her_survives_her_erasure(app, make_user, tmp_path):
    member = she_fills_everything(app, make_user)

    # Every marker is somewhere before: the scan would see it.
    before = markers_in_tables(app)
    missing = sorted(set(SEARCHED) - set(before) - {"cv_content"})  # the CV is encrypted at rest
    assert missing == [], f"markers the forms did not store: {missing}"

    erase_through_the_page(member)
    with app.app_context():
        deliver_pending()  # the erasure confirmation leaves, and is not kept
        job = db.session.scalar(select(ErasureJob))
        assert job.status == "done" and job.user_id is None

    assert markers_in_tables(app) == {}
    uploads = Path(app.config["UPLOAD_DIR"])
    assert markers_in_files(Path(app.instance_path), tmp_path) == {}
    assert not [path for path in uploads.rglob("*") if path.is_file()], "uploaded files left behind"
    # SQLite: neither the database's free pages nor its write-ahead log keep the erased bytes.
    for path in sqlite_files(app):
        assert markers_in_bytes(path.read_bytes()) == set(), path.name


# --- retention of e-mails and invitations -------------------------------------------------------------


def test_delivered_emails_keep_their_text_30_days_and_those_to_people_without_an_account_go(app, make_user):
    from app.core.mail import OutboxMessage, OutboxStatus
    from app.privacy.retention import purge

    member_id = make_user("kept@example.com")
    now = utcnow()
    old, recent = now - timedelta(days=31), now - timedelta(days=5)
    with app.app_context():
        for to, user_id, created, status in (
            ("kept@example.com", member_id, old, OutboxStatus.SENT),
            ("kept@example.com", member_id, recent, OutboxStatus.SENT),
            ("kept@example.com", member_id, old, OutboxStatus.PENDING),  # not delivered yet: untouched
            ("never.joined@example.com", None, old, OutboxStatus.SENT),
            ("not.yet@example.com", None, recent, OutboxStatus.SENT),
        ):
            db.session.add(
                OutboxMessage(
                    user_id=user_id,
                    to_address=to,
                    subject="Hello",
                    body_text=f"Text for {to}",
                    body_html=f"<p>Text for {to}</p>",
                    created_dt=created,
                    status=status.value,
                )
            )
        db.session.commit()
        report = purge(now)
        db.session.commit()
        assert report.counts["emails"] == 2
        messages = {
            (row.to_address, row.created_dt == old, row.status): row
            for row in db.session.scalars(select(OutboxMessage))
        }
    assert ("never.joined@example.com", True, "sent") not in messages
    assert ("not.yet@example.com", False, "sent") in messages
    emptied = messages[("kept@example.com", True, "sent")]
    assert emptied.body_text == "" and emptied.body_html == "" and emptied.subject == "Hello"
    assert messages[("kept@example.com", False, "sent")].body_text == "Text for kept@example.com"
    assert messages[("kept@example.com", True, "pending")].body_text == "Text for kept@example.com"
    with app.app_context():
        assert purge(now).counts["emails"] == 0  # twice in a row touches nothing


def test_test_invitations_to_people_who_never_joined_go_30_days_after_their_due_date(app, make_user):
    from app.assessments.models import Assignment
    from app.privacy.retention import purge

    make_user("hr@acme.example", roles=[Role.CLIENT], first_name="Hannah", company="Acme")
    make_user("registered@example.com", verified=True)
    client_user = AuthActions(app.test_client())
    client_user.login("hr@acme.example")
    with app.app_context():
        from app.assessments.bank import load_bank

        test_id = next(test.public_id for test in load_bank() if test.slug == "numerical-reasoning")
        db.session.commit()
    due = utcnow() + timedelta(days=10)
    emails = "never.joined@example.com, registered@example.com"
    expect_redirect(
        post(
            client_user.client,
            "/en/tests/assignments/new",
            {"test": test_id, "emails": emails, "due_date": due.date().isoformat()},
        )
    )
    with app.app_context():
        assert purge(due + timedelta(days=20)).counts["assessment_assignments"] == 0
        db.session.commit()
        purge(due + timedelta(days=32))
        db.session.commit()
        left = set(db.session.scalars(select(Assignment.email)))
    assert left == {"registered@example.com"}
