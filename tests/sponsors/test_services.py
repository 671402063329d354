"""Services other features call (charge_sponsor, active_sponsorship), and the registry entries: export,
erasure, retention."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.auth.models import User
from app.core import registry
from app.core.timeutil import utcnow
from app.extensions import db
from app.sponsors import services
from app.sponsors.models import Enrolment, Invitation, Organisation, OrganisationKind, Usage
from tests.sponsors.conftest import enrol, make_organisation


def _user(user_id) -> User:
    return db.session.get(User, user_id)


def _organisation(public_id) -> Organisation:
    return db.session.scalar(select(Organisation).where(Organisation.public_id == public_id))


def test_charge_sponsor_uses_the_allowance_then_returns_none(app, make_user):
    school = make_organisation(app, "École", simulations=2, practice_tests=None)
    member_id = make_user("sponsored@example.com")
    lonely_id = make_user("lonely@example.com")
    enrol(app, school, member_id)
    with app.app_context():
        member = _user(member_id)
        assert services.active_sponsorship(member).organisation.name == "École"
        assert services.active_sponsorship(_user(lonely_id)) is None
        assert services.charge_sponsor(_user(lonely_id), "simulation") is None
        first = services.charge_sponsor(member, "simulation")
        assert first is not None and first.kind == "simulation" and first.user_id == member_id
        assert first.organisation_name == "École"
        assert services.charge_sponsor(member, "simulation") is not None
        assert services.charge_sponsor(member, "simulation") is None  # allowance of 2 used up
        for _ in range(3):
            assert services.charge_sponsor(member, "practice_test") is not None  # no limit
        used = {item.kind.value: (item.used, item.allowance) for item in services.consumption(_organisation(school))}
        assert used == {"simulation": (2, 2), "practice_test": (3, None)}
        with pytest.raises(ValueError):
            services.charge_sponsor(member, "coffee")


def test_charge_falls_back_to_a_second_sponsor_and_not_after_leaving(app, make_user):
    first = make_organisation(app, "Première", simulations=0)
    second = make_organisation(app, "Seconde", kind=OrganisationKind.EMPLOYER, simulations=5)
    member_id = make_user("two@example.com")
    enrol(app, first, member_id)
    enrol(app, second, member_id)
    with app.app_context():
        usage = services.charge_sponsor(_user(member_id), "simulation")
        assert usage.organisation.name == "Seconde"
        for enrolment in db.session.scalars(select(Enrolment)):
            services.end_enrolment(enrolment, services.EndReason.LEFT)
        assert services.charge_sponsor(_user(member_id), "simulation") is None
        assert services.active_sponsorship(_user(member_id)) is None


def test_registry_export_and_erasure(app, make_user):
    school = make_organisation(app, "École Export", cohorts=("M1",))
    member_id = make_user("exported@example.com")
    enrol(app, school, member_id, cohort="M1", grade="Year 2")
    entry = registry.find("sponsor_data")
    assert entry.extra["provided_by_sponsor"] and entry.purge is not None
    with app.app_context():
        member = _user(member_id)
        services.charge_sponsor(member, "simulation")
        [row] = entry.export(member)
        assert row["organisation"] == "École Export" and row["grade_or_year"] == "Year 2" and row["cohort"] == "M1"
        assert row["provided"] and row["ended"] is None
        assert entry.count(member) == 1
        assert registry.find("sponsor_usage").count(member) == 1
        for key in ("sponsor_data", "sponsor_usage", "sponsor_invitations", "sponsor_corrections", "sponsor_admin"):
            registry.find(key).erase(member)
        db.session.commit()
        assert db.session.scalar(select(func.count(Enrolment.id))) == 0
        usage = db.session.scalar(select(Usage))
        assert usage.user_id is None  # the sponsor's total keeps the use, without the member
        assert services.used_allowance(_organisation(school), services.UsageKind.SIMULATION) == 1


def test_every_sponsor_table_is_covered_by_the_registry(app):
    covered = registry.covered_tables()
    for table in db.metadata.tables:
        if table.startswith("sponsor_"):
            assert table in covered or table == "sponsor_cohort", table


@pytest.mark.promise("retention-sponsor-data")
def test_retention_deletes_data_a_year_after_the_enrolment_ends(app, make_user):
    school = make_organisation(app, "École Purge")
    old_id, recent_id, active_id = (make_user(f"{name}@example.com") for name in ("old", "recent", "active"))
    enrol(app, school, old_id, ended_days_ago=400)
    enrol(app, school, recent_id, ended_days_ago=200)
    enrol(app, school, active_id)
    purge = registry.find("sponsor_data").purge
    with app.app_context():
        assert purge(utcnow()) == 1
        db.session.commit()
        remaining = set(db.session.scalars(select(Enrolment.user_id)))
        assert remaining == {recent_id, active_id}
        assert purge(utcnow()) == 0  # a second run touches nothing


def test_retention_is_configurable(app, make_user):
    app.config["SPONSOR_DATA_RETENTION"] = timedelta(days=30)
    school = make_organisation(app, "École Courte")
    member_id = make_user("short@example.com")
    enrol(app, school, member_id, ended_days_ago=60)
    with app.app_context():
        assert registry.find("sponsor_data").purge(utcnow()) == 1


def test_expired_invitations_are_purged(app, make_user):
    school = make_organisation(app, "École Invitations")
    with app.app_context():
        organisation = _organisation(school)
        actor = _user(make_user("inviter@example.com"))
        [invitation] = services.create_member_invitations(
            organisation, [services.MemberData(email="gone@example.com", first_name="G", last_name="O")], actor
        )
        invitation.expires_dt = utcnow() - timedelta(days=31)
        db.session.commit()
        assert registry.find("sponsor_invitations").purge(utcnow()) == 1
        assert db.session.scalar(select(Invitation)) is None


def test_cli_purge_runs_the_sponsor_entries(app, runner, make_user):
    school = make_organisation(app, "École CLI")
    enrol(app, school, make_user("cli@example.com"), ended_days_ago=500)
    result = runner.invoke(args=["privacy", "purge"])
    assert "sponsor_data: deleted or anonymised 1" in result.output
