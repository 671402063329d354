"""Real objects behind every URL argument of the portal, for tests that walk `app.url_map`.

    from tests.sweep_factories import build, sign_in

    built = build(app, "simulations.session")  # a real interview session, its candidate and interviewer
    url = built.url(app)                       # /en/simulations/sessions/<that session's public id>
    owner = sign_in(app, built.owner_id)       # a test client signed in as the candidate who owns it
    owner.post(url + ..., data={**built.form, "csrf_token": ...})

`build(app, endpoint)` creates, in the app's database (committed), what the endpoint's URL names, and a
member who may use the route, then returns a `Built`:

- `values`: the URL values, `lang_code` ("en") included; `url(app, method)` builds the path;
- `owner_id`: the member who owns the object and may use the route; None when the route is for visitors
  (sign-in, registration, a reset link);
- `owner_roles`: the owner's roles, so that a sweep can make "another member of the same role";
- `form`: a body the route would accept with a valid CSRF token (empty when none is needed); posting it
  without a token must then fail on the token alone;
- `also_allowed`: other members who may use it too (the interviewer of a session);
- `open_to`: roles whose every member may use it (any candidate may start a published test; any
  administrator may open an admin page);
- `access`: "owner" (default: only the owner and the above), "link" (a secret in the URL authorises
  whoever holds it: reset, verification, invitation and unsubscribe links, the erasure receipt), or
  "public" (names no one's data: a policy version);
- `pending_two_step`: the owner has given their password but not their code yet (auth.two_step);
- `query`: a query string the route needs (`?type=single` to add an item);
- `prepare`: what the owner's device must hold first (the number a reset code was sent to);
  `built.owner_client(app)` signs the owner in and applies it.

`sign_in(app, user_id)` signs a member in through the real pages; members with two-step verification
(every administrator made here) type their current code, so admin pages open.

`swept_rules(app)` lists the rules that need a factory (arguments besides the language, or a state-changing
method); `snapshot(app)` and `changes(before, after)` show which tables a request changed (the session's
last activity and "access refused" audit rows left out).

An endpoint that takes URL arguments or changes state and has no entry in FACTORIES raises
`MissingFactory` naming it: add a factory (a function of a `Maker`) when you add such a route.
"""

import functools
import hashlib
import itertools
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

import pyotp
from flask import Flask, url_for
from sqlalchemy import select

from app.applications import services as application_services
from app.assessments import assignments as assessment_assignments
from app.assessments import services as assessment_services
from app.assessments.bank import import_test
from app.assessments.models import Test
from app.auth import services as auth_services
from app.auth import sms_codes
from app.auth.models import Role, User, UserSession
from app.auth.passwords import hash_password
from app.core import crypto
from app.core.timeutil import utcnow
from app.extensions import db
from app.privacy import consents as privacy_consents
from app.privacy import holds as privacy_holds
from app.privacy import requests as privacy_requests
from app.privacy.models import (
    ConsentPurpose,
    ConsentSource,
    ErasureJob,
    ObjectionTopic,
    RequestKind,
    RunStatus,
)
from app.profiles import services as profile_services
from app.profiles import uploads
from app.profiles.models import (
    AvailabilitySlot,
    EducationEntry,
    FileKind,
    InterviewerProfile,
    SpokenLanguage,
)
from app.simulations import services as simulation_services
from app.simulations.models import SimulationInvitation
from app.sponsors import services as sponsor_services
from app.sponsors.models import (
    Enrolment,
    ImportBatch,
    Invitation,
    InvitationRole,
    Organisation,
    OrganisationKind,
)
from tests.assessments.populate import SAMPLE
from tests.conftest import PASSWORD, AuthActions, csrf_from
from tests.profiles.files import png

CANDIDATE, INTERVIEWER, SPONSOR, CLIENT, AUTHOR, ADMIN = (
    Role.CANDIDATE,
    Role.INTERVIEWER,
    Role.SPONSOR_ADMIN,
    Role.CLIENT,
    Role.TEST_AUTHOR,
    Role.ADMIN,
)
_numbers = itertools.count(1)


class MissingFactory(LookupError):
    """An endpoint that a sweep must build but no factory knows."""


@dataclass
class Built:
    values: dict
    owner_id: int | None
    owner_roles: tuple = ()
    form: dict = field(default_factory=dict)
    also_allowed: set = field(default_factory=set)
    open_to: frozenset = frozenset()
    access: str = "owner"
    pending_two_step: bool = False
    query: str = ""
    #: What the owner's device must hold first, e.g. `lambda client: ...` filling its session.
    prepare: Callable | None = None
    endpoint: str = ""

    def url(self, app: Flask, method: str = "GET") -> str:
        with app.test_request_context():
            path = url_for(self.endpoint, _method=method, **self.values)
        return f"{path}?{self.query}" if self.query else path

    def owner_client(self, app: Flask):
        """A test client of the owner (a visitor's for None), in the state the route expects."""
        client = sign_in(app, self.owner_id, pending_two_step=self.pending_two_step)
        if self.prepare is not None:
            self.prepare(client)
        return client


class Maker:
    """Creates rows inside the app context that `build` opened; `build` commits at the end."""

    def member(self, *roles: Role, two_step: bool | None = None, **fields) -> User:
        """A verified member with `roles` (candidate by default); administrators get two-step verification."""
        number = next(_numbers)
        user = User(
            email=fields.pop("email", f"sweep{number}@example.com"),
            first_name=fields.pop("first_name", "Sam"),
            last_name=fields.pop("last_name", f"Sweep{number}"),
            password_hash=hash_password(PASSWORD),
            locale=fields.pop("locale", "en"),
            email_verified_dt=fields.pop("email_verified_dt", utcnow()),
            **fields,
        )
        if two_step if two_step is not None else ADMIN in roles:
            user.totp_secret_encrypted = crypto.encrypt_text(pyotp.random_base32())
            user.totp_enabled_dt = utcnow()
        db.session.add(user)
        db.session.flush()
        for role in roles or (CANDIDATE,):
            auth_services.grant_role(user, role)
        db.session.flush()
        return user

    # --- profiles ------------------------------------------------------------------------------------

    def interviewer(self) -> User:
        user = self.member(INTERVIEWER)
        db.session.add(
            InterviewerProfile(
                user_id=user.id,
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
        db.session.add(AvailabilitySlot(user_id=user.id, weekday=1, start_time=time(18), end_time=time(22)))
        db.session.flush()
        return user

    def education(self, owner: User) -> EducationEntry:
        entry = EducationEntry(user_id=owner.id, school="HEC Paris", degree="MSc Finance", start_year=2020)
        db.session.add(entry)
        db.session.flush()
        return entry

    def photo(self, owner: User) -> None:
        change = profile_services.replace_file(owner, FileKind.PHOTO, uploads.clean_photo(png()), "photo.png")
        change.after_commit()

    # --- simulations ---------------------------------------------------------------------------------

    def simulation_request(self, candidate: User | None = None):
        candidate = candidate or self.member(CANDIDATE)
        start = datetime.combine(utcnow().date() + timedelta(days=5), time(10))
        data = simulation_services.RequestData(
            mode="video",
            interview_type="case",
            language="fr",
            sector="consulting",
            company_type="consulting_firm",
            goal="Market sizing",
            windows=[
                (start, start + timedelta(hours=3)),
                (start + timedelta(days=1), start + timedelta(days=1, hours=3)),
            ],
            is_auto_invite=False,
        )
        return simulation_services.create_request(candidate, data)

    def simulation_invitation(self):
        request = self.simulation_request()
        interviewer = self.interviewer()
        invitation = SimulationInvitation(
            request=request, interviewer_id=interviewer.id, expires_dt=utcnow() + timedelta(days=2)
        )
        db.session.add(invitation)
        db.session.flush()
        return invitation

    def interview_session(self, *, past: bool = False, with_feedback: bool = False):
        """A scheduled session; `past`: it took place an hour ago; `with_feedback`: the interviewer's is in."""
        invitation = self.simulation_invitation()
        session = simulation_services.accept(
            invitation, invitation.request.windows[0].public_id, "https://meet.example"
        )
        if past:
            session.start_dt = utcnow() - timedelta(hours=2)
            session.end_dt = utcnow() - timedelta(hours=1)
            db.session.flush()
        if with_feedback:
            simulation_services.submit_feedback(
                session,
                scores=dict.fromkeys(simulation_services.CRITERIA["case"], 4),
                strengths="Clear structure.",
                improvements="Check the numbers.",
                recommendations="",
                resources="",
            )
            db.session.flush()
        return session

    # --- assessments ---------------------------------------------------------------------------------

    def test(self, *, author: User | None = None, published: bool = True) -> Test:
        data = {**SAMPLE, "slug": f"sweep-{next(_numbers)}"}
        test = import_test(data, author=author, publish=published)
        db.session.flush()
        return test

    def attempt(self, *, submitted: bool = False):
        candidate = self.member(CANDIDATE)
        test = self.test()
        attempt, _created = assessment_services.start_practice(candidate, test)
        if submitted:
            assessment_services.save_answer(attempt, test.items[0], test.items[0].key[0])
            assessment_services.submit(attempt)
        db.session.flush()
        return attempt

    def assignment(self):
        client = self.member(CLIENT)
        candidate = self.member(CANDIDATE)
        test = self.test()
        assessment_assignments.assign(client, test, [candidate.email], utcnow() + timedelta(days=14))
        return assessment_assignments.assignments_for_candidate(candidate)[0]

    # --- sponsors ------------------------------------------------------------------------------------

    def organisation(self, admin: User | None = None) -> Organisation:
        organisation = Organisation(
            name=f"École Sweep {next(_numbers)}",
            kind=OrganisationKind.SCHOOL.value,
            seats=10,
            default_locale="en",
            simulation_allowance=10,
            practice_test_allowance=10,
        )
        db.session.add(organisation)
        db.session.flush()
        sponsor_services.add_admin(organisation, admin or self.member(SPONSOR), actor=None)
        db.session.flush()
        return organisation

    def organisation_admin(self, organisation: Organisation) -> User:
        return sponsor_services.admins_of(organisation)[0].user

    def enrolment(self) -> Enrolment:
        organisation = self.organisation()
        member = self.member(CANDIDATE)
        enrolment = Enrolment(
            organisation_id=organisation.id,
            user_id=member.id,
            first_name=member.first_name,
            last_name=member.last_name,
            grade="M1",
        )
        db.session.add(enrolment)
        db.session.flush()
        return enrolment

    def sponsor_invitation(self, email: str, organisation: Organisation | None = None) -> tuple[Invitation, str]:
        """An invitation to `email` and the secret token of its link."""
        organisation = organisation or self.organisation()
        token = secrets.token_urlsafe(32)
        invitation = Invitation(
            organisation_id=organisation.id,
            role=InvitationRole.MEMBER.value,
            email=email,
            first_name="Ivy",
            last_name="Invited",
            locale="en",
            token_hash=hashlib.sha256(token.encode()).hexdigest(),
            expires_dt=utcnow() + timedelta(days=7),
            invited_by_id=self.organisation_admin(organisation).id,
        )
        db.session.add(invitation)
        db.session.flush()
        return invitation, token

    # --- privacy and accounts ------------------------------------------------------------------------

    def device_session(self, owner: User) -> UserSession:
        """Another open session (device) of `owner`."""
        row = UserSession(token_hash=secrets.token_hex(32), user_id=owner.id, expires_dt=utcnow() + timedelta(days=1))
        db.session.add(row)
        db.session.flush()
        return row


# --- the factories, one per endpoint ---------------------------------------------------------------

Factory = Callable[[Maker], Built]


def signed_in(*roles: Role, form: dict | None = None, **member_fields) -> Factory:
    """A route without object arguments, used by a member holding `roles`."""

    def make(m: Maker) -> Built:
        owner = m.member(*roles, **member_fields)
        open_to = frozenset({ADMIN}) if ADMIN in roles else frozenset()
        return Built({}, owner.id, roles or (CANDIDATE,), form=dict(form or {}), open_to=open_to)

    return make


def visitor(form: dict | None = None) -> Factory:
    return lambda m: Built({}, None, form=dict(form or {}), access="public")


def _admin_on_member(**extra):
    def make(m: Maker) -> Built:
        target = m.member(CANDIDATE)
        admin = m.member(ADMIN)
        return Built(
            {"public_id": target.public_id, **extra.get("values", {})},
            admin.id,
            (ADMIN,),
            form=dict(extra.get("form", {})),
            open_to=frozenset({ADMIN}),
        )

    return make


def _failed_mail(m: Maker) -> Built:
    """An e-mail to a member, given up after every attempt: only an administrator may send it again."""
    from app.demo import failed_outbox_message

    message = failed_outbox_message(m.member(CANDIDATE), "Welcome", "SMTPServerDisconnected: gone")
    db.session.add(message)
    db.session.flush()
    return Built({"message_id": message.id}, m.member(ADMIN).id, (ADMIN,), open_to=frozenset({ADMIN}))


def _draft(values: Callable, form: dict | None = None, query: str = "") -> Factory:
    """A route on a draft test (or its section or item) of a test author."""

    def make(m: Maker) -> Built:
        author = m.member(AUTHOR)
        test = m.test(author=author, published=False)
        return Built(values(test), author.id, (AUTHOR,), form=dict(form or {}), query=query)

    return make


def _published_by_author(m: Maker) -> Built:
    author = m.member(AUTHOR)
    test = m.test(author=author, published=True)
    return Built({"public_id": test.public_id}, author.id, (AUTHOR,))


def _published_test(m: Maker) -> Built:
    owner = m.member(CANDIDATE)
    return Built({"public_id": m.test().public_id}, owner.id, (CANDIDATE,), open_to=frozenset({CANDIDATE}))


def _attempt(submitted: bool, form: dict | None = None) -> Factory:
    def make(m: Maker) -> Built:
        attempt = m.attempt(submitted=submitted)
        return Built({"public_id": attempt.public_id}, attempt.candidate_id, (CANDIDATE,), form=dict(form or {}))

    return make


def _assignment(as_client: bool) -> Factory:
    def make(m: Maker) -> Built:
        assignment = m.assignment()
        if as_client:
            return Built({"public_id": assignment.public_id}, assignment.client_id, (CLIENT,))
        return Built({"public_id": assignment.public_id}, assignment.candidate_id, (CANDIDATE,))

    return make


def _request(form: dict | None = None) -> Factory:
    def make(m: Maker) -> Built:
        request = m.simulation_request()
        return Built({"public_id": request.public_id}, request.candidate_id, (CANDIDATE,), form=dict(form or {}))

    return make


def _invitation(form: Callable | None = None) -> Factory:
    def make(m: Maker) -> Built:
        invitation = m.simulation_invitation()
        body = form(invitation) if form else {}
        return Built({"public_id": invitation.public_id}, invitation.interviewer_id, (INTERVIEWER,), form=body)

    return make


def _session(party="candidate", form: dict | None = None, both=True, past=False, with_feedback=False) -> Factory:
    def make(m: Maker) -> Built:
        session = m.interview_session(past=past or with_feedback, with_feedback=with_feedback)
        owner, other = (
            (session.candidate_id, session.interviewer_id)
            if party == "candidate"
            else (session.interviewer_id, session.candidate_id)
        )
        role = CANDIDATE if party == "candidate" else INTERVIEWER
        return Built(
            {"public_id": session.public_id},
            owner,
            (role,),
            form=dict(form or {}),
            also_allowed={other} if both else set(),
        )

    return make


def _organisation(form: dict | None = None) -> Factory:
    """A route on an organisation, used by its sponsor admin."""

    def make(m: Maker) -> Built:
        organisation = m.organisation()
        admin = m.organisation_admin(organisation)
        return Built({"public_id": organisation.public_id}, admin.id, (SPONSOR,), form=dict(form or {}))

    return make


def _operator_organisation(form: dict | None = None) -> Factory:
    """A route on an organisation, used by the portal's administrators."""

    def make(m: Maker) -> Built:
        organisation = m.organisation()
        admin = m.member(ADMIN)
        return Built(
            {"public_id": organisation.public_id}, admin.id, (ADMIN,), form=dict(form or {}), open_to=frozenset({ADMIN})
        )

    return make


def _enrolment_for_sponsor(m: Maker) -> Built:
    enrolment = m.enrolment()
    admin = m.organisation_admin(enrolment.organisation)
    return Built({"public_id": enrolment.public_id}, admin.id, (SPONSOR,))


def _enrolment_for_member(form: dict | None = None) -> Factory:
    def make(m: Maker) -> Built:
        enrolment = m.enrolment()
        return Built({"public_id": enrolment.public_id}, enrolment.user_id, (CANDIDATE,), form=dict(form or {}))

    return make


def _sponsor_invitation_by_admin(m: Maker) -> Built:
    organisation = m.organisation()
    invitation, _token = m.sponsor_invitation(f"invitee{next(_numbers)}@example.com", organisation)
    return Built({"public_id": invitation.public_id}, m.organisation_admin(organisation).id, (SPONSOR,))


def _invitation_link_for_member(m: Maker) -> Built:
    invitee = m.member(CANDIDATE)
    _invitation, token = m.sponsor_invitation(invitee.email)
    return Built({"token": token}, invitee.id, (CANDIDATE,), access="link")


def _invitation_link_for_visitor(m: Maker) -> Built:
    _invitation, token = m.sponsor_invitation(f"newcomer{next(_numbers)}@example.com")
    form = {"first_name": "Nora", "last_name": "Newcomer", "password": "a long enough passphrase 7", "accept": "y"}
    return Built({"token": token}, None, form=form, access="link")


def _import_batch(m: Maker) -> Built:
    organisation = m.organisation()
    admin = m.organisation_admin(organisation)
    content = "email,first_name,last_name,cohort,grade,language\nnina@example.com,Nina,Import,,M1,en\n"
    batch = ImportBatch(organisation_id=organisation.id, uploaded_by_id=admin.id, content=content, row_count=1)
    db.session.add(batch)
    db.session.flush()
    return Built({"public_id": batch.public_id}, admin.id, (SPONSOR,))


def _cohort(m: Maker) -> Built:
    organisation = m.organisation()
    cohort = sponsor_services.add_cohort(organisation, "M1 Sweep")
    return Built({"public_id": cohort.public_id}, m.organisation_admin(organisation).id, (SPONSOR,))


def _correction(m: Maker) -> Built:
    enrolment = m.enrolment()
    correction = sponsor_services.request_correction(enrolment, "My grade is M2, not M1.")
    return Built({"public_id": correction.public_id}, m.organisation_admin(enrolment.organisation).id, (SPONSOR,))


def _own_row(make_row: Callable, *roles: Role, form: dict | None = None, **values) -> Factory:
    """A route on a row that belongs to its member (a profile entry, a consent receipt, a request)."""

    def make(m: Maker) -> Built:
        owner = m.member(*roles)
        row = make_row(m, owner)
        return Built({"public_id": row.public_id, **values}, owner.id, roles or (CANDIDATE,), form=dict(form or {}))

    return make


def _admin_on_row(make_row: Callable, form: dict | None = None) -> Factory:
    """An admin route on a row of some member (their privacy request, objection, erasure)."""

    def make(m: Maker) -> Built:
        row = make_row(m, m.member(CANDIDATE))
        admin = m.member(ADMIN)
        return Built(
            {"public_id": row.public_id}, admin.id, (ADMIN,), form=dict(form or {}), open_to=frozenset({ADMIN})
        )

    return make


def _privacy_request(m: Maker, owner: User):
    return privacy_requests.submit_request(owner, RequestKind.QUESTION, "What do you hold?", "Tell me, please.")


def _score_contest(m: Maker) -> Built:
    """An admin upholds a candidate's score contest by setting a question aside for that attempt."""
    attempt = m.attempt(submitted=True)
    result = assessment_services.result_of(attempt)
    contest = assessment_assignments.contest_score(attempt.candidate, attempt, result, "Question 2 was scored wrong.")
    form = {"set_aside": [attempt.test.items[1].public_id], "answer": "Question 2 is set aside."}
    admin = m.member(ADMIN)
    return Built({"public_id": contest.request.public_id}, admin.id, (ADMIN,), form=form, open_to=frozenset({ADMIN}))


def _objection(m: Maker, owner: User):
    return privacy_consents.object_to(owner, ObjectionTopic.STATISTICS, "I do not want to be counted.")


def _consent_event(m: Maker, owner: User):
    privacy_consents.set_consent(owner, ConsentPurpose.SURVEYS, True, ConsentSource.DASHBOARD)
    db.session.flush()
    return privacy_consents.consent_history(owner, limit=1)[0]


def _failed_erasure(m: Maker, owner: User):
    job = ErasureJob(user_id=owner.id, requested_by="member", status=RunStatus.FAILED.value, steps={})
    db.session.add(job)
    db.session.flush()
    return job


def _erasure_receipt(m: Maker) -> Built:
    job = _failed_erasure(m, m.member(CANDIDATE))
    return Built({"public_id": job.public_id}, None, access="link")


def _unsubscribe_link(m: Maker) -> Built:
    owner = m.member(CANDIDATE)
    privacy_consents.set_consent(owner, ConsentPurpose.MARKETING, True, ConsentSource.DASHBOARD)
    return Built({"token": privacy_consents.unsubscribe_token(owner, ConsentPurpose.MARKETING)}, None, access="link")


def _reset_link(m: Maker) -> Built:
    owner = m.member(CANDIDATE)
    form = {"password": "a brand new passphrase 9", "confirm": "a brand new passphrase 9"}
    return Built({"token": auth_services.password_reset_token(owner)}, None, form=form, access="link")


def _verification_link(m: Maker) -> Built:
    owner = m.member(CANDIDATE, email_verified_dt=None)
    return Built({"token": auth_services.email_verification_token(owner)}, None, access="link")


def _device_session(m: Maker) -> Built:
    owner = m.member(CANDIDATE)
    return Built({"public_id": m.device_session(owner).public_id}, owner.id, (CANDIDATE,))


def _pending_two_step(m: Maker) -> Built:
    owner = m.member(CANDIDATE, two_step=True)
    return Built({}, owner.id, (CANDIDATE,), form={"code": "123456"}, pending_two_step=True)


def _member_with_photo(m: Maker) -> Built:
    owner = m.member(CANDIDATE)
    m.photo(owner)
    return Built({"public_id": owner.public_id, "kind": "photo"}, owner.id, (CANDIDATE,))


def _own_profile(m: Maker) -> Built:
    owner = m.member(CANDIDATE)
    return Built({"public_id": owner.public_id}, owner.id, (CANDIDATE,))


def _policy_version(m: Maker) -> Built:
    return Built({"version": "2.0"}, None, access="public")


def _help_page(m: Maker) -> Built:
    return Built({"role": "candidate"}, None, access="public")


def _first_section(test) -> dict:
    return {"public_id": test.public_id, "section_id": test.sections[0].id}


def _first_item(test) -> dict:
    return {"public_id": test.items[0].public_id}


TEST_SETTINGS = {
    "kind": "aptitude",
    "title_en": "Sweep test",
    "title_fr": "Test de balayage",
    "instructions_en": "Answer.",
    "instructions_fr": "Répondez.",
    "time_limit_minutes": "20",
}
ENTRY_FORM = {"school": "ESSEC", "degree": "MSc", "start_year": "2019"}
SECTION_FORM = {"title_en": "Part 2", "title_fr": "Partie 2"}

FACTORIES: dict[str, Factory] = {
    # admin
    "admin.member": _admin_on_member(),
    "admin.grant_role": _admin_on_member(form={"role": "interviewer"}),
    "admin.remove_role": _admin_on_member(values={"role": "candidate"}),
    "admin.suspend": _admin_on_member(form={"reason": "Spam"}),
    "admin.reinstate": _admin_on_member(),
    "admin.failed_mail": signed_in(ADMIN),
    "admin.send_mail_again": _failed_mail,
    "admin.send_all_mail_again": signed_in(ADMIN),
    # assessments: candidates
    "assessments.accommodation": signed_in(CANDIDATE, form={"factor": "1.5"}),
    "assessments.instructions": _published_test,
    "assessments.start": _published_test,
    "assessments.take": _attempt(False),
    "assessments.autosave": _attempt(False),
    "assessments.result": _attempt(True),
    "assessments.contest": _attempt(True, form={"reason": "Question 2 was marked wrong but my answer was right."}),
    "assessments.rate_attempt": _attempt(True, form={"rating": "4", "comment": "Clear questions."}),
    "assessments.assigned": _assignment(as_client=False),
    "assessments.start_assigned": _assignment(as_client=False),
    # assessments: clients
    "assessments.assign": signed_in(CLIENT),
    "assessments.client_assignment": _assignment(as_client=True),
    "assessments.cancel_assignment": _assignment(as_client=True),
    "assessments.admin_accommodation": _admin_on_member(form={"factor": "1.5"}),
    # assessments: authors
    "assessments.create_test": signed_in(AUTHOR, form={**TEST_SETTINGS, "slug": "sweep-new"}),
    "assessments.import_test_file": signed_in(AUTHOR),
    "assessments.edit_test": _draft(lambda test: {"public_id": test.public_id}, form=TEST_SETTINGS),
    "assessments.add_section": _draft(lambda test: {"public_id": test.public_id}, form=SECTION_FORM),
    "assessments.rename_section": _draft(_first_section, form=SECTION_FORM),
    "assessments.delete_section": _draft(_first_section),
    "assessments.move_section": _draft(lambda test: {**_first_section(test), "direction": "down"}),
    "assessments.add_item": _draft(_first_section, query="type=single"),
    "assessments.edit_item": _draft(_first_item),
    "assessments.delete_item": _draft(_first_item),
    "assessments.move_item": _draft(lambda test: {**_first_item(test), "direction": "down"}),
    "assessments.publish_test": _draft(lambda test: {"public_id": test.public_id}),
    "assessments.preview_test": _draft(lambda test: {"public_id": test.public_id}),
    "assessments.export_test_file": _draft(lambda test: {"public_id": test.public_id}),
    "assessments.new_test_version": _published_by_author,
    "assessments.statistics": _published_by_author,
    # accounts
    "auth.register": visitor(),
    "auth.login": visitor(),
    "auth.forgot_password": visitor(form={"identifier": "someone@example.com"}),
    "auth.reset_password": _reset_link,
    "auth.verify_email": _verification_link,
    "auth.two_step": _pending_two_step,
    "auth.logout": signed_in(CANDIDATE),
    "auth.resend_verification": signed_in(CANDIDATE, email_verified_dt=None),
    "auth.account": signed_in(CANDIDATE, form={"first_name": "Sam", "last_name": "Changed", "locale": "en"}),
    "auth.change_email": signed_in(CANDIDATE, form={"email": "new.address@example.com", "current_password": PASSWORD}),
    "auth.change_password": signed_in(CANDIDATE),
    "auth.end_session": _device_session,
    "auth.two_step_setup": signed_in(CANDIDATE),
    "auth.two_step_disable": signed_in(CANDIDATE, two_step=True, form={"current_password": PASSWORD}),
    "auth.two_step_new_codes": signed_in(CANDIDATE, two_step=True, form={"codes-current_password": PASSWORD}),
    "main.switch_language": signed_in(CANDIDATE, form={"lang": "fr"}),
    # privacy
    "privacy.accept_policy": signed_in(CANDIDATE),
    "privacy.update_consents": signed_in(CANDIDATE, form={"surveys": "y"}),
    "privacy.object_to": signed_in(CANDIDATE, form={"topic": "direct_marketing"}),
    "privacy.restrict_processing": signed_in(CANDIDATE),
    "privacy.lift_restriction": signed_in(CANDIDATE),
    "privacy.export_data": signed_in(CANDIDATE),
    "privacy.new_request": signed_in(CANDIDATE, form={"kind": "question", "subject": "Data", "message": "Which?"}),
    "privacy.erase_account": signed_in(CANDIDATE, form={"current_password": PASSWORD, "confirm": "y"}),
    "privacy.consent_receipt": _own_row(_consent_event),
    "privacy.withdraw_objection": _own_row(_objection),
    "privacy.show_request": _own_row(_privacy_request),
    "privacy.erasure_status": _erasure_receipt,
    "privacy.unsubscribe": _unsubscribe_link,
    "privacy.policy_version": _policy_version,
    "main.help_page": _help_page,
    "privacy.admin_policies": signed_in(ADMIN),
    "privacy.admin_request": _admin_on_row(_privacy_request, form={"status": "in_progress", "extend_months": "0"}),
    "privacy.review_objection": _admin_on_row(_objection, form={"decision": "uphold"}),
    "privacy.uphold_request": _score_contest,
    "privacy.retry_erasure": _admin_on_row(_failed_erasure),
    # profiles
    "profiles.edit_goals": signed_in(CANDIDATE, form={"headline": "Analyst"}),
    "profiles.edit_visibility": signed_in(CANDIDATE),
    "profiles.add_entry": lambda m: Built({"kind": "education"}, m.member().id, (CANDIDATE,), form=ENTRY_FORM),
    "profiles.edit_entry": _own_row(Maker.education, form=ENTRY_FORM, kind="education"),
    "profiles.delete_entry": _own_row(Maker.education, kind="education"),
    "profiles.move_entry": _own_row(Maker.education, kind="education", direction="up"),
    "profiles.add_language": signed_in(CANDIDATE, form={"language": "de", "level": "b2"}),
    "profiles.delete_language": _own_row(lambda m, owner: _language(owner)),
    "profiles.upload_photo": signed_in(CANDIDATE),
    "profiles.upload_cv": signed_in(CANDIDATE),
    "profiles.delete_upload": lambda m: Built({"kind": "photo"}, _with_photo(m).id, (CANDIDATE,)),
    "profiles.download_file": _member_with_photo,
    "profiles.view_member": _own_profile,
    "profiles.interviewer_profile": lambda m: Built({}, m.interviewer().id, (INTERVIEWER,), form={"bio": "Partner"}),
    "profiles.add_slot": lambda m: Built(
        {}, m.interviewer().id, (INTERVIEWER,), form={"weekday": "2", "start": "09:00", "end": "11:00"}
    ),
    "profiles.delete_slot": _own_row(lambda m, owner: _slot(owner), INTERVIEWER),
    # simulations
    "simulations.new_request": signed_in(CANDIDATE),
    "simulations.request_page": _request(),
    "simulations.invite": _request(),
    "simulations.invite_best": _request(),
    "simulations.cancel_request": _request(form={"reason": "No longer needed."}),
    "simulations.invitation": _invitation(),
    "simulations.accept": _invitation(
        lambda invitation: {
            "window": invitation.request.windows[0].public_id,
            "meeting_details": "https://meet.example",
        }
    ),
    "simulations.decline": _invitation(lambda invitation: {"reason": "Not available."}),
    "simulations.session": _session(),
    "simulations.cancel_session": _session(form={"reason": "I am ill."}),
    "simulations.reschedule": _session(form={"reason": "A clash."}),
    "simulations.report_no_show": _session(),
    "simulations.rate": _session(form={"rating": "5", "comment": "Useful."}, both=False, with_feedback=True),
    "simulations.submit_feedback": _session("interviewer", both=False, past=True),
    # sponsors: operators
    "sponsors.new_organisation": signed_in(ADMIN),
    "sponsors.edit_organisation": _operator_organisation(),
    "sponsors.invite_organisation_admin": _operator_organisation(form={"email": "new.admin@example.com"}),
    # sponsors: their admins
    "sponsors.show_organisation": _organisation(),
    "sponsors.shared_with_us": _organisation(),
    "sponsors.list_members": _organisation(),
    "sponsors.list_invitations": _organisation(),
    "sponsors.list_cohorts": _organisation(),
    "sponsors.list_admins": _organisation(),
    "sponsors.list_corrections": _organisation(),
    "sponsors.add_cohort": _organisation(form={"name": "M2 Sweep"}),
    "sponsors.import_members": _organisation(),
    "sponsors.invite_member": _organisation(form={"email": "invitee@example.com", "first_name": "I", "last_name": "V"}),
    "sponsors.invite_admin": _organisation(form={"email": "co.admin@example.com"}),
    "sponsors.edit_member": _enrolment_for_sponsor,
    "sponsors.remove_member": _enrolment_for_sponsor,
    "sponsors.resend_invitation": _sponsor_invitation_by_admin,
    "sponsors.revoke_invitation": _sponsor_invitation_by_admin,
    "sponsors.preview_import": _import_batch,
    "sponsors.commit_import": _import_batch,
    "sponsors.delete_cohort": _cohort,
    # sponsors: members and invitees
    "sponsors.leave_sponsor": _enrolment_for_member(),
    "sponsors.request_correction": _enrolment_for_member(form={"message": "My grade is M2."}),
    "sponsors.show_invitation": _invitation_link_for_member,
    "sponsors.accept_invitation": _invitation_link_for_member,
    "sponsors.join_with_new_account": _invitation_link_for_visitor,
}


def _language(owner: User) -> SpokenLanguage:
    language = profile_services.add_language(owner, "de", "b2")
    db.session.flush()
    return language


def _slot(owner: User) -> AvailabilitySlot:
    slot = AvailabilitySlot(user_id=owner.id, weekday=3, start_time=time(9), end_time=time(12))
    db.session.add(slot)
    db.session.flush()
    return slot


def _with_photo(m: Maker) -> User:
    owner = m.member(CANDIDATE)
    m.photo(owner)
    return owner


def _phone() -> str:
    return f"+3367{next(_numbers):07d}"


def _pending_phone(m: Maker) -> Built:
    owner = m.member(CANDIDATE)
    auth_services.send_phone_verification(owner, _phone())
    return Built({}, owner.id, (CANDIDATE,), form={"code": "123456"})


def _reset_code_sent(m: Maker) -> Built:
    """A visitor whose device asked for a reset code by SMS for a member's number."""
    phone = _phone()
    m.member(CANDIDATE, phone=phone, phone_verified_dt=utcnow())

    def remember_number(client) -> None:
        with client.session_transaction() as session:
            session[sms_codes.PHONE_RESET_KEY] = {"phone": phone, "at": utcnow().timestamp()}

    return Built({}, None, form={"code": "123456"}, access="public", prepare=remember_number)


def _legal_hold(m: Maker, owner: User):
    scope = [entry.key for entry in privacy_holds.holdable_entries()][:1]
    return privacy_holds.place_hold(
        owner, reason="Litigation", scope=scope, until=utcnow().date() + timedelta(days=30), admin=m.member(ADMIN)
    )


FACTORIES.update(
    {
        "auth.change_phone": signed_in(CANDIDATE, form={"phone": "+33612345679", "current_password": PASSWORD}),
        "auth.send_phone_code": lambda m: Built({}, m.member(phone=_phone()).id, (CANDIDATE,)),
        "auth.confirm_phone": _pending_phone,
        "auth.remove_phone": lambda m: Built(
            {}, m.member(phone=_phone()).id, (CANDIDATE,), form={"remove-current_password": PASSWORD}
        ),
        "auth.change_username": signed_in(CANDIDATE, form={"username": "sam_sweep", "current_password": PASSWORD}),
        "auth.reset_code": _reset_code_sent,
        "privacy.admin_holds": signed_in(ADMIN, form={"reason": "Litigation"}),
        "privacy.lift_hold": _admin_on_row(_legal_hold),
        "sponsors.refuse_correction": lambda m: _with_form(_correction(m), {"reason": "The school's records say M1."}),
    }
)


def _role_application(m: Maker, owner: User):
    return application_services.apply_as_client(
        owner, organisation="Sweep SAS", website="https://sweep.example.com", motivation="We recruit analysts."
    )


INTERVIEWER_APPLICATION = {
    "experience": "Ten years in strategy consulting.",
    "sectors": "consulting",
    "company_types": "consulting_firm",
    "languages": "fr",
}
FACTORIES.update(
    {
        "simulations.session_calendar": _session(),
        "simulations.post_message": _session(form={"body": "Shall we meet five minutes early?"}),
        "applications.apply_interviewer": signed_in(CANDIDATE, form=INTERVIEWER_APPLICATION),
        "applications.apply_client": signed_in(
            CANDIDATE,
            form={"organisation": "Sweep SAS", "website": "https://sweep.example.com", "motivation": "Analysts."},
        ),
        "applications.review": _admin_on_row(_role_application),
        "applications.accept": _admin_on_row(_role_application),
        "applications.refuse": _admin_on_row(_role_application, form={"reason": "We could not verify the company."}),
    }
)


def _with_form(built: Built, form: dict) -> Built:
    built.form = form
    return built


# --- what the sweeps call ----------------------------------------------------------------------------

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def needs_factory(rule) -> bool:
    """A route that takes arguments (besides the language) or changes state cannot be opened blindly."""
    return bool(rule.arguments - {"lang_code"}) or bool(set(rule.methods or ()) & STATE_CHANGING)


def swept_rules(app: Flask) -> list:
    """Every rule a sweep must build: all but static files and the language picker at /."""
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint != "static" and needs_factory(rule)]


def build(app: Flask, endpoint: str) -> Built:
    """Create what `endpoint`'s URL names and who may use it; MissingFactory when no factory knows it."""
    factory = FACTORIES.get(endpoint)
    if factory is None:
        raise MissingFactory(
            f"No factory builds the URL of {endpoint!r}: add one to FACTORIES in tests/sweep_factories.py"
        )
    with app.app_context():
        built = factory(Maker())
        db.session.commit()
    built.values = {"lang_code": "en", **built.values}
    built.endpoint = endpoint
    return built


def make_member(app: Flask, *roles: Role, two_step: bool | None = None) -> int:
    """A new verified member with `roles` (administrators with two-step verification unless `two_step` is
    False); returns their id."""
    with app.app_context():
        user_id = Maker().member(*roles, two_step=two_step).id
        db.session.commit()
        return user_id


def roles_of(app: Flask, user_id: int) -> tuple:
    with app.app_context():
        return tuple(db.session.get(User, user_id).role_set)


def sign_in(app: Flask, user_id: int | None, *, pending_two_step: bool = False):
    """A test client signed in as `user_id` through the real pages (a visitor's client for None)."""
    client = app.test_client()
    if user_id is None:
        return client
    with app.app_context():
        user = db.session.get(User, user_id)
        email = user.email
        secret = crypto.decrypt_text(user.totp_secret_encrypted) if user.totp_secret_encrypted else None
    response = AuthActions(client).login(email)
    assert response.status_code == 302, f"member {email} could not sign in ({response.status_code})"
    if secret and not pending_two_step:
        page = client.get("/en/login/two-step")
        code = pyotp.TOTP(secret).now()
        response = client.post("/en/login/two-step", data={"code": code, "csrf_token": csrf_from(page.text)})
        assert response.status_code == 302, f"member {email} could not pass two-step verification"
    return client


#: Columns that a request writes without changing anything the member did (the session's last activity).
VOLATILE_COLUMNS = {("user_session", "last_seen_dt")}


def snapshot(app: Flask) -> dict:
    """Every row of every table (volatile columns left out), to show that a refused request changed nothing.

    A refused access is logged on purpose (an audit row "access_refused"): those rows are left out too. The rows
    are the driver's own values (no JSON or date decoding): equal rows stay equal, and the sweep reads every table
    before and after each of its thousands of requests.
    """
    with app.app_context(), db.engine.connect() as connection:
        # The driver's own cursor: SQLAlchemy's execution context took a third of the access sweep's time, once per
        # table, for rows the snapshot only compares (and repr of plain tuples: Row.__repr__ cost a tenth more).
        cursor = connection.connection.driver_connection.cursor()
        try:
            return {
                name: sorted(map(repr, cursor.execute(sql).fetchall()))
                for name, sql in _snapshot_statements(db.engine.dialect.name)
            }
        finally:
            cursor.close()


@functools.cache
def _snapshot_statements(dialect_name: str) -> tuple[tuple[str, str], ...]:
    """The snapshot's SQL, compiled with the current app's engine; kept by dialect name (each test's app has an
    engine of its own, and every engine of one dialect compiles the same SQL)."""
    dialect = db.engine.dialect
    statements = []
    for table in db.metadata.sorted_tables:
        columns = [column for column in table.columns if (table.name, column.name) not in VOLATILE_COLUMNS]
        query = select(*columns)
        if table.name == "audit_event":
            query = query.where(table.c.kind != "access_refused")
        compiled = query.compile(dialect=dialect, compile_kwargs={"literal_binds": True})
        statements.append((table.name, str(compiled)))
    return tuple(statements)


def changes(before: dict, after: dict) -> list[str]:
    """The tables whose rows differ between two snapshots, with how many rows came and went."""
    found = []
    for name in sorted(set(before) | set(after)):
        old, new = set(before.get(name, ())), set(after.get(name, ()))
        if old != new:
            found.append(f"{name} (+{len(new - old)} -{len(old - new)})")
    return found
