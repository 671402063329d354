"""The proof that walks the routes: for every recipient the registry declares, sign in as that recipient and open
every page that shows the member's data, with the member restricted, then objecting to statistics, then erased.

A page "shows her" when it names her (first name or e-mail), serves her file, or when an aggregate on it still
has the value it had while she counted. Each walk says in which states the page must stop showing her; where a
restriction keeps something (app/privacy/disclosure.py KEPT_WHILE_RESTRICTED, listed on her dashboard), the page
must go on showing it. Every GET route of the app is either walked here or declared, with a reason, as not
showing another member's data; every recipient of the registry is either walked or declared not walkable.
"""

import io
import re
from datetime import time, timedelta
from typing import NamedTuple

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app.assessments import assignments
from app.assessments import services as assessment_services
from app.assessments.models import Test
from app.auth.models import Role, User
from app.core import registry
from app.extensions import db
from app.privacy import consents
from app.privacy.erasure import start_erasure
from app.privacy.models import ConsentPurpose, ConsentSource, ObjectionTopic
from app.privacy.services import restrict_processing
from app.profiles.models import AvailabilitySlot, InterviewerProfile
from app.simulations.models import InterviewSession
from app.sponsors import services as sponsor_services
from app.sponsors.models import Enrolment
from tests.assessments.populate import make_test, submitted_attempt, take_many
from tests.conftest import AuthActions, csrf_from, post_form, shown
from tests.profiles import files
from tests.simulations.conftest import REQUEST_FORM, public_id_of
from tests.simulations.test_flow import accept, invitation_of, invite_all
from tests.sponsors.conftest import add_admin, enrol, make_organisation

pytestmark = pytest.mark.sweep  # long: run first (tests/conftest.py)

EMAIL = "ombeline@example.com"
#: Her first name appears on no other page of this world: a page that prints it names her.
MARKERS = ("Ombeline", EMAIL)

RESTRICTED, OBJECTING, ERASED = "restricted", "objecting", "erased"
#: Hidden in every state: a page for one person's eyes.
ALWAYS = frozenset({RESTRICTED, ERASED})
#: A statistic: hidden from restriction and objection; after erasure, what is anonymised keeps counting.
STATISTIC = frozenset({RESTRICTED, OBJECTING, ERASED})


class Walk(NamedTuple):
    actor: str
    endpoint: str
    url: str  # formatted with the world's ids
    #: "names"; "file:<kind>"; "contains:<text>" (formatted with the world's ids, for a page that lists her
    #: request without her name); or a regular expression whose first group is the aggregate's value.
    probe: str
    hidden_in: frozenset


WALKS = [
    # recipients-clients: the client that assigned her a test.
    Walk("client", "assessments.client_assignments", "/en/tests/assignments/", "names", ALWAYS),
    Walk("client", "assessments.client_assignment", "/en/tests/assignments/{assignment}", "names", ALWAYS),
    Walk("client", "profiles.view_member", "/en/members/{member}/profile", "names", ALWAYS),
    Walk("client", "profiles.download_file", "/en/members/{member}/files/cv", "file:cv", ALWAYS),
    Walk("client", "profiles.download_file", "/en/members/{member}/files/photo", "file:photo", ALWAYS),
    # consent-share-results: another client, searching candidates who agreed to be found.
    Walk("searching_client", "assessments.search", "/en/tests/candidates/?test=stats-sample", "names", ALWAYS),
    Walk("searching_client", "profiles.view_member", "/en/members/{member}/profile", "names", ALWAYS),
    # recipients-interviewers: invited (pending) and scheduled.
    Walk("invited_interviewer", "simulations.index", "/en/simulations/", "contains:invitations/{pending}", ALWAYS),
    Walk("invited_interviewer", "simulations.invitation", "/en/simulations/invitations/{pending}", "names", ALWAYS),
    Walk("invited_interviewer", "profiles.view_member", "/en/members/{member}/profile", "names", ALWAYS),
    Walk("invited_interviewer", "profiles.download_file", "/en/members/{member}/files/cv", "file:cv", ALWAYS),
    Walk("scheduled_interviewer", "simulations.invitation", "/en/simulations/invitations/{accepted}", "names", ALWAYS),
    Walk("scheduled_interviewer", "profiles.view_member", "/en/members/{member}/profile", "names", ALWAYS),
    Walk("scheduled_interviewer", "profiles.download_file", "/en/members/{member}/files/photo", "file:photo", ALWAYS),
    # Kept while restricted: the session already scheduled, to run or cancel it.
    Walk(
        "scheduled_interviewer",
        "simulations.session",
        "/en/simulations/sessions/{session}",
        "names",
        frozenset({ERASED}),
    ),
    Walk("scheduled_interviewer", "simulations.index", "/en/simulations/", "names", frozenset({ERASED})),
    # recipients-sponsors.
    Walk("sponsor", "sponsors.list_members", "/en/sponsors/{organisation}/members", "names", ALWAYS),
    Walk("sponsor", "sponsors.edit_member", "/en/sponsors/members/{enrolment}/edit", "names", ALWAYS),
    Walk("sponsor", "sponsors.shared_with_us", "/en/sponsors/{organisation}/shared", "names", ALWAYS),
    Walk(
        "sponsor", "sponsors.list_cohorts", "/en/sponsors/{organisation}/cohorts", r"M1</a></td>\s*<td>(\d+)<", ALWAYS
    ),
    Walk(
        "sponsor",
        "sponsors.show_organisation",
        "/en/sponsors/{organisation}",
        r"<th scope=\"row\">All members</th>\s*<td>(\d+)<",
        STATISTIC,
    ),
    # Kept while restricted: the correction she asked the sponsor for.
    Walk(
        "sponsor", "sponsors.list_corrections", "/en/sponsors/{organisation}/corrections", "names", frozenset({ERASED})
    ),
    # recipients-test-authors: item statistics and benchmark (attempts are deleted by erasure).
    Walk(
        "author",
        "assessments.statistics",
        "/en/tests/authoring/{test}/statistics",
        r"(\d+) submitted attempts",
        STATISTIC,
    ),
    # Percentiles: another candidate's percentile; an erased member's anonymised result keeps counting.
    Walk(
        "peer",
        "assessments.result",
        "/en/tests/attempts/{peer_attempt}/result",
        r"Percentile: ([\d.,]+)",
        frozenset({RESTRICTED, OBJECTING}),
    ),
]

#: Every recipient the registry names (in English), with the actors above who stand for it, or the reason no
#: route shows her data to it. A recipient added to a personal_data.py without a line here fails the test.
RECIPIENTS = {
    "Interviewers and clients you work with see your name": (
        "client",
        "invited_interviewer",
        "scheduled_interviewer",
    ),
    "Interviewers you invite for an interview request, and the one who accepts it (the sections you share)": (
        "invited_interviewer",
        "scheduled_interviewer",
    ),
    "Employers that assigned you a test (the sections you share), unless you restrict processing": ("client",),
    "The interviewers you invite": ("invited_interviewer", "scheduled_interviewer"),
    "Your sponsor, as a count only, if it paid": ("sponsor",),
    "The organisation that provided it (its admins), while you are enrolled": ("sponsor",),
    "The organisation that invited you (its admins)": ("sponsor",),
    "The other party of each session": ("scheduled_interviewer",),
    "Your sponsor, only for feedback you chose to share": ("sponsor",),
    "Your sponsor, as totals only": ("sponsor",),
    "The organisation concerned (its admins), and our data-protection contact": ("sponsor",),
    "Test authors, only as averages and anonymous comments, once at least 5 ratings exist": ("author",),
    "The client who assigned the test, for 2 years after the result was made available": ("client",),
    "Other employers, only if you consent to be found by your results and skills": ("searching_client",),
    "The client who assigned the test": ("client",),
    "Clients see only that an accommodation applied, never the note": ("client",),
    # Not walked, with the reason.
    "Candidates whose requests you are matched with": "an interviewer's data: matching leaves out a restricted "
    "interviewer (tests/simulations/test_matching.py), and no page lists interviewers outside matching",
    "The candidate who invited you sees whether you accepted": "an interviewer's answer, shown to the candidate who "
    "asked her; the candidate is a party to the request (kept)",
    "The other admins of the same organisation": "the member acting as an organisation's admin, not her own data",
    "Nobody else for practice tests": "nobody",
    "Caseinjob administrators": "kept while restricted (dashboard): administrators answer requests and legal claims",
    "Our data-protection contact": "kept: the data-protection contact answers the member's requests",
    "The court or authority concerned, if it asks": "no route: disclosure to an authority follows a legal procedure",
    "You": "the member herself",
    "Our e-mail delivery provider": "a processor, reached by SMTP, not by a route",
    "Our text message delivery provider": "a processor, reached by its API, not by a route",
}

#: GET routes that never show another member's data, with the reason. Every GET route is walked or listed here.
NOT_ANOTHER_MEMBERS_DATA = {
    "static": "static files",
    "root.pick_language": "redirects by language",
    "main.home": "public page",
    "main.dashboard": "the member's own page",
    "main.help_index": "public help page",
    "main.help_page": "public help page, one per role",
    "auth.account": "own account",
    "auth.change_email": "own account",
    "auth.change_password": "own account",
    "auth.sessions": "own sessions",
    "auth.two_step_settings": "own account",
    "auth.two_step_setup": "own account",
    "auth.login": "public form",
    "auth.two_step": "own sign-in",
    "auth.forgot_password": "public form",
    "auth.reset_password": "a token for one's own account",
    "auth.register": "public form",
    "auth.check_email": "own registration",
    "auth.verify_email": "a token for one's own address",
    "admin.members": "administrators: kept while restricted (dashboard), to answer requests and legal claims",
    "admin.audit_log": "administrators: kept (security records)",
    "admin.member": "administrators: kept",
    "admin.failed_mail": "administrators: kept, e-mails still owed to members (their address and subject)",
    "assessments.admin_accommodation": "administrators: kept",
    "privacy.admin_objections": "administrators: kept, they review objections",
    "privacy.admin_policies": "policy versions, no member",
    "privacy.admin_promises": "the ledger of tests, no member",
    "privacy.records_of_processing": "the registry's kinds of data, no member",
    "privacy.admin_requests": "administrators: kept, they answer the requests",
    "privacy.admin_request": "administrators: kept",
    "privacy.admin_runs": "retention runs, counts of rows only",
    "simulations.statistics": "administrators' counts; filtered like every statistic (disclosure.STATISTICS)",
    "privacy.policy": "public page",
    "privacy.accept_policy": "own acceptance",
    "privacy.consent_receipt": "own consent (object checked: tests/privacy)",
    "privacy.dashboard": "own dashboard",
    "privacy.erase_account": "own erasure",
    "privacy.erasure_status": "own erasure job",
    "privacy.show_request": "own privacy request (object checked: tests/privacy)",
    "privacy.new_request": "own form",
    "privacy.policy_versions": "public page",
    "privacy.policy_version": "public page",
    "privacy.unsubscribe": "a signed token for one's own address",
    "profiles.interviewer_profile": "own interviewer profile",
    "profiles.profile": "own profile",
    "profiles.edit_entry": "own entries (object checked: tests/profiles)",
    "profiles.add_entry": "own form",
    "profiles.edit_goals": "own form",
    "profiles.edit_visibility": "own form",
    "simulations.new_request": "own form",
    "simulations.request_page": "own request: the matches are interviewers, of whom restricted ones are left out",
    "sponsors.home": "the organisations the admin runs, no member",
    "sponsors.list_admins": "the organisation's admins, acting for it",
    "sponsors.import_members": "a form; the preview shows what the sponsor itself uploaded",
    "sponsors.preview_import": "the rows the sponsor itself uploaded, before anyone is enrolled",
    "sponsors.list_invitations": "addresses the sponsor typed, of people not enrolled yet",
    "sponsors.invite_member": "a form",
    "sponsors.show_invitation": "a token for one's own invitation",
    "sponsors.manage_organisations": "operators' list of organisations, counts only",
    "sponsors.edit_organisation": "an organisation's settings",
    "sponsors.new_organisation": "a form",
    "sponsors.my_sponsors": "own enrolments",
    "sponsors.request_correction": "own enrolment",
    "assessments.index": "own tests",
    "assessments.instructions": "a test's instructions",
    "assessments.accommodation": "own extra time",
    "assessments.assigned": "own assignment (object checked: tests/assessments)",
    "assessments.assign": "a form",
    "assessments.take": "own attempt (object checked: tests/assessments)",
    "assessments.authoring_index": "the author's tests",
    "assessments.edit_test": "a test's content",
    "assessments.export_test_file": "a test's content",
    "assessments.preview_test": "a test's content",
    "assessments.add_item": "a test's content",
    "assessments.import_test_file": "a form",
    "assessments.edit_item": "a test's content",
    "assessments.create_test": "a form",
    "auth.change_phone": "own account",
    "auth.change_username": "own account",
    "auth.confirm_phone": "own account",
    "auth.reset_code": "a code for one's own account",
    "healthz": "service health, no member",
    "readyz": "service health, no member",
    "metrics": "service counters, no member",
    "privacy.admin_holds": "administrators: kept (legal holds)",
    "simulations.session_calendar": "the session's time and place for one of its two parties (object checked: "
    "tests/simulations/test_session_messages.py); it names no one",
    "applications.index": "own applications",
    "applications.apply_interviewer": "own form",
    "applications.apply_client": "own form",
    "applications.review_queue": "administrators: kept, they decide the applications",
    "applications.review": "administrators: kept",
}


def _english(text) -> str:
    with force_locale("en"):
        return str(text)


# --- the world ---------------------------------------------------------------------------------------


def _sign_in(app, email):
    client = app.test_client()
    AuthActions(client).login(email)
    return client


def _make_interviewer(app, make_user, email):
    user_id = make_user(email, roles=(Role.INTERVIEWER,), first_name=email.split(".")[0].title(), last_name="Asker")
    with app.app_context():
        db.session.add(
            InterviewerProfile(
                user_id=user_id,
                languages=["fr", "en"],
                modes=["video", "phone"],
                interview_types=["case"],
                sectors=["consulting"],
                company_types=["consulting_firm"],
                former_employers=[],
                weekly_capacity=4,
                is_accepting=True,
            )
        )
        db.session.add(AvailabilitySlot(user_id=user_id, weekday=1, start_time=time(18), end_time=time(22)))
        db.session.commit()


def _request(member) -> str:
    form = {key: value for key, value in REQUEST_FORM.items() if key != "is_auto_invite"}
    response = post_form(member, "/en/simulations/new", form)
    assert response.status_code == 302, shown(response)[:1000]
    return response.headers["Location"].rsplit("/", 1)[-1]


def build_world(app, make_user) -> dict:
    """Ombeline, a candidate with a profile, photo and CV, and one member for every recipient of her data."""
    member_id = make_user(EMAIL, first_name="Ombeline", last_name="Vasseur")
    make_user("client.assigning@example.com", roles=(Role.CLIENT,), first_name="Claude", last_name="Client")
    make_user("client.searching@example.com", roles=(Role.CLIENT,), first_name="Sacha", last_name="Search")
    author_id = make_user("author@example.com", roles=(Role.TEST_AUTHOR,), first_name="Élise", last_name="Author")
    peer_id = make_user("peer@example.com", first_name="Pierre", last_name="Peer")
    sponsor_id = make_user("sponsor@example.com", roles=(Role.SPONSOR_ADMIN,), first_name="Sue", last_name="Sponsor")
    _make_interviewer(app, make_user, "ines.invited@example.com")
    _make_interviewer(app, make_user, "sam.scheduled@example.com")
    member = _sign_in(app, EMAIL)
    uploaded = {"photo": files.png(), "cv": files.pdf()}
    for kind, name in (("photo", "me.png"), ("cv", "cv.pdf")):
        token = csrf_from(member.get("/en/profile").text)
        response = member.post(
            f"/en/profile/{kind}",
            data={kind: (io.BytesIO(uploaded[kind]), name), "visibility": "connections", "csrf_token": token},
            content_type="multipart/form-data",
        )
        assert response.status_code == 302
    served = {kind: member.get(f"/en/members/{public_id_of(app, EMAIL)}/files/{kind}").data for kind in uploaded}

    # Interviews: one session scheduled (then held, with feedback shared with the sponsor), one invitation pending.
    first = _request(member)
    assert invite_all(member, first, app, ["sam.scheduled@example.com"]).status_code == 302
    accepted = invitation_of(app, "sam.scheduled@example.com")
    assert accept(_sign_in(app, "sam.scheduled@example.com"), accepted).status_code == 302
    second = _request(member)
    assert invite_all(member, second, app, ["ines.invited@example.com"]).status_code == 302
    pending = invitation_of(app, "ines.invited@example.com")

    # Tests: 30 other takers and a peer practise; the client assigns the same test to her, which she takes.
    test_id = make_test(app, author_id)
    take_many(
        app, test_id, [{0: "1", 1: ["0", "2"], 2: "92"}] * 12 + [{0: "1", 1: ["0"], 2: "100"}] * 12 + [{0: "0"}] * 6
    )
    peer_attempt = submitted_attempt(app, peer_id, test_id, {0: "1", 1: ["0"], 2: "100"})
    organisation = make_organisation(app, "École Alpha", cohorts=("M1",))
    add_admin(app, organisation, sponsor_id)
    enrolment = enrol(app, organisation, member_id, cohort="M1")
    for number in range(5):
        enrol(app, organisation, make_user(first_name="Classmate", last_name=f"N{number}"), cohort="M1")
    with app.app_context():
        user = db.session.get(User, member_id)
        test = db.session.scalar(select(Test).where(Test.public_id == test_id))
        client = db.session.scalar(select(User).where(User.email == "client.assigning@example.com"))
        assignments.assign(client, test, [EMAIL], assessment_services.utcnow() + timedelta(days=7))
        [assignment] = assignments.assignments_for_candidate(user)
        attempt = assignments.start_assigned(user, assignment)
        for position, raw in {0: "1", 1: ["0", "2"], 2: "92"}.items():
            assessment_services.save_answer(attempt, test.items[position], raw)
        assessment_services.submit(attempt)
        consents.set_consent(user, ConsentPurpose.SHARE_RESULTS, True, ConsentSource.DASHBOARD)
        session = db.session.scalar(select(InterviewSession).where(InterviewSession.candidate_id == member_id))
        session.start_dt -= timedelta(days=30)
        session.end_dt -= timedelta(days=30)
        from app.simulations.services import Feedback

        db.session.add(
            Feedback(
                session=session,
                scores={"structure": 4},
                strengths="Calm and structured",
                improvements="Faster maths",
                submitted_dt=session.start_dt,
                is_shared_with_sponsor=True,
            )
        )
        row = db.session.scalar(select(Enrolment).where(Enrolment.public_id == enrolment))
        sponsor_services.request_correction(row, "My grade is M2, not M1.")
        ids = {
            "member": user.public_id,
            "assignment": assignment.public_id,
            "session": session.public_id,
            "pending": pending.public_id,
            "accepted": accepted.public_id,
            "organisation": organisation,
            "enrolment": enrolment,
            "test": test_id,
            "peer_attempt": peer_attempt,
        }
        db.session.commit()
    actors = {
        "client": "client.assigning@example.com",
        "searching_client": "client.searching@example.com",
        "invited_interviewer": "ines.invited@example.com",
        "scheduled_interviewer": "sam.scheduled@example.com",
        "sponsor": "sponsor@example.com",
        "author": "author@example.com",
        "peer": "peer@example.com",
    }
    return {
        "ids": ids,
        "member_id": member_id,
        "files": served,
        "clients": {name: _sign_in(app, email) for name, email in actors.items()},
    }


def _observe(world, walk: Walk):
    """What the page shows of her: True/False for names and files, the aggregate's value otherwise."""
    response = world["clients"][walk.actor].get(walk.url.format(**world["ids"]))
    if walk.probe.startswith("file:"):
        return response.status_code == 200 and response.data == world["files"][walk.probe[5:]]
    if response.status_code != 200:
        return False if walk.probe == "names" or walk.probe.startswith("contains:") else None
    page = shown(response)
    if walk.probe == "names":
        return any(marker in page for marker in MARKERS)
    if walk.probe.startswith("contains:"):
        return walk.probe[9:].format(**world["ids"]) in page
    found = re.search(walk.probe, page)
    return found.group(1) if found else None


def _shows(world, walk: Walk, baseline) -> bool:
    seen = _observe(world, walk)
    return seen is True or (not isinstance(seen, bool) and seen is not None and seen == baseline)


def _enter(app, member_id, state: str) -> None:
    with app.app_context():
        user = db.session.get(User, member_id)
        if state == RESTRICTED:
            restrict_processing(user)
        elif state == OBJECTING:
            consents.object_to(user, ObjectionTopic.STATISTICS, "I do not want to be counted in statistics.")
        else:
            assert start_erasure(user).status == "done"
        db.session.commit()


# --- the tests ---------------------------------------------------------------------------------------


@pytest.mark.promise("right-restriction")
@pytest.mark.promise("right-objection")
@pytest.mark.promise("right-erasure")
@pytest.mark.promise("recipients-clients")
@pytest.mark.promise("recipients-interviewers")
@pytest.mark.promise("recipients-sponsors")
@pytest.mark.promise("recipients-test-authors")
@pytest.mark.parametrize("state", [RESTRICTED, OBJECTING, ERASED])
def test_no_recipient_sees_her_once_she_restricts_objects_or_is_erased(app, make_user, state):
    world = build_world(app, make_user)
    baselines = {}
    for walk in WALKS:
        seen = _observe(world, walk)
        assert seen not in (False, None), f"{walk.actor} {walk.url}: the walk does not see her to begin with"
        baselines[walk] = seen
    _enter(app, world["member_id"], state)
    wrong = [
        f"{walk.actor} {walk.url} ({walk.endpoint}): {'still shows her' if should_hide else 'no longer shows her'}"
        for walk in WALKS
        if _shows(world, walk, baselines[walk]) == (should_hide := state in walk.hidden_in)
    ]
    assert not wrong, f"{state}:\n" + "\n".join(wrong)


@pytest.mark.promise("right-restriction")
@pytest.mark.promise("right-objection")
def test_every_get_route_is_walked_or_declared(app):
    """A new page that shows someone's data must join the walk (or say why it shows no other member's data)."""
    walked = {walk.endpoint for walk in WALKS}
    declared = set(NOT_ANOTHER_MEMBERS_DATA)
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods}
    assert not endpoints - walked - declared, "walk these routes or declare them: " + ", ".join(
        sorted(endpoints - walked - declared)
    )
    assert not walked & declared, walked & declared
    assert not declared - endpoints, f"declared routes that no longer exist: {sorted(declared - endpoints)}"


@pytest.mark.promise("right-restriction")
@pytest.mark.promise("right-objection")
def test_every_recipient_of_the_registry_is_walked_or_declared(app):
    """Each recipient named in a feature's personal_data.py stands for actors of the walk, or says why none."""
    actors = {walk.actor for walk in WALKS}
    with app.test_request_context("/en/"):
        named = {_english(recipient) for entry in registry.entries() for recipient in entry.recipients}
    assert not named - set(RECIPIENTS), f"classify these recipients in RECIPIENTS: {sorted(named - set(RECIPIENTS))}"
    for recipient in named:
        stands_for = RECIPIENTS[recipient]
        if isinstance(stands_for, tuple):
            assert stands_for and set(stands_for) <= actors, recipient
        else:
            assert stands_for.strip(), recipient


@pytest.mark.promise("right-restriction")
@pytest.mark.parametrize(
    ("lang", "hidden", "kept"),
    [
        ("en", "Hidden meanwhile: your profile, CV, photo", "the interviewer of a session already scheduled"),
        ("fr", "Pendant ce temps, nous masquons : votre profil", "l’interviewer d’une séance déjà programmée"),
    ],
)
def test_the_dashboard_says_what_a_restriction_hides_and_keeps(app, make_user, lang, hidden, kept):
    make_user(EMAIL, locale=lang)
    member = app.test_client()
    AuthActions(member).login(EMAIL, lang=lang)
    section = shown(member.get(f"/{lang}/privacy/dashboard")).split('id="restriction"')[1].split("</section>")[0]
    assert hidden in section and kept in section
