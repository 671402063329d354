"""Fixtures for the sponsor tests: organisations, their admins signed in, members enrolled directly."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.auth.models import Role, User
from app.core.timeutil import utcnow
from app.extensions import db
from app.sponsors import services
from app.sponsors.models import Cohort, Enrolment, Organisation, OrganisationKind, SponsorAdmin
from tests.conftest import signed_in


def make_organisation(app, name="École Alpha", *, kind=OrganisationKind.SCHOOL, seats=10, locale="fr",
                      simulations=10, practice_tests=10, cohorts=()) -> str:  # fmt: skip
    """Create an organisation (and its cohorts); returns its public id."""
    with app.app_context():
        organisation = Organisation(
            name=name,
            kind=kind.value,
            seats=seats,
            default_locale=locale,
            simulation_allowance=simulations,
            practice_test_allowance=practice_tests,
        )
        db.session.add(organisation)
        db.session.flush()
        for cohort in cohorts:
            db.session.add(Cohort(organisation_id=organisation.id, name=cohort))
        db.session.commit()
        return organisation.public_id


def organisation_row(app, public_id) -> Organisation:
    with app.app_context():
        row = db.session.scalar(select(Organisation).where(Organisation.public_id == public_id))
        db.session.expunge(row)
        return row


def add_admin(app, organisation_public_id, user_id) -> None:
    with app.app_context():
        organisation = db.session.scalar(select(Organisation).where(Organisation.public_id == organisation_public_id))
        services.add_admin(organisation, db.session.get(User, user_id), actor=None)
        db.session.commit()


def enrol(app, organisation_public_id, user_id, *, cohort=None, grade="M1", ended_days_ago=None) -> str:
    """Enrol a member directly (as an accepted invitation would); returns the enrolment's public id."""
    with app.app_context():
        organisation = db.session.scalar(select(Organisation).where(Organisation.public_id == organisation_public_id))
        cohort_id = None
        if cohort:
            cohort_id = db.session.scalar(
                select(Cohort.id).where(Cohort.organisation_id == organisation.id, Cohort.name == cohort)
            )
        user = db.session.get(User, user_id)
        enrolment = Enrolment(
            organisation_id=organisation.id,
            user_id=user_id,
            cohort_id=cohort_id,
            first_name=user.first_name,
            last_name=user.last_name,
            grade=grade,
        )
        if ended_days_ago is not None:
            enrolment.ended_dt = utcnow() - timedelta(days=ended_days_ago)
            enrolment.end_reason = "left"
        db.session.add(enrolment)
        db.session.commit()
        return enrolment.public_id


def token_in(text: str) -> str:
    match = re.search(r"/sponsors/join/([A-Za-z0-9_\-]+)", text)
    assert match, "no invitation link in the message"
    return match.group(1)


@pytest.fixture
def school(app, make_user):
    """A school with cohorts, and a signed-in admin (client) of it."""
    public_id = make_organisation(app, "École Alpha", cohorts=("M1 Finance", "M2 Audit"))
    admin_id = make_user("admin.alpha@example.com", roles=(Role.SPONSOR_ADMIN,), first_name="Anne", locale="en")
    add_admin(app, public_id, admin_id)
    client = signed_in(app, "admin.alpha@example.com")
    client.public_id = public_id
    client.admin_id = admin_id
    return client


@pytest.fixture
def employer(app, make_user):
    """Another organisation (an employer) with its own signed-in admin."""
    public_id = make_organisation(app, "Banque Beta", kind=OrganisationKind.EMPLOYER, cohorts=("Audit",), locale="en")
    admin_id = make_user("admin.beta@example.com", roles=(Role.SPONSOR_ADMIN,), first_name="Bruno", locale="fr")
    add_admin(app, public_id, admin_id)
    client = signed_in(app, "admin.beta@example.com")
    client.public_id = public_id
    client.admin_id = admin_id
    return client


def admin_links(app, user_id) -> int:
    with app.app_context():
        return len(list(db.session.scalars(select(SponsorAdmin).where(SponsorAdmin.user_id == user_id))))
