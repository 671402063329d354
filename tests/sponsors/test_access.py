"""What a sponsor sees: only its own organisation, never a restricted member, never a figure about fewer
than 5 members; and what the member sees of the data their sponsor provided."""

import pytest
from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from app.privacy.models import PrivacyRequest, RequestKind
from app.sponsors import services
from app.sponsors.models import Cohort, CorrectionRequest, Enrolment, Invitation
from tests.conftest import csrf_from, outbox, post_form, shown, signed_in
from tests.sponsors.conftest import enrol


def _ids(app, model, **where):
    with app.app_context():
        query = select(model.public_id)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return list(db.session.scalars(query))


def test_sponsor_a_never_reads_sponsor_b(app, school, employer, make_user):
    """Every page and action of the school answers 404 to the employer's admin, and the reverse."""
    member_id = make_user("student@example.com")
    enrolment_id = enrol(app, school.public_id, member_id, cohort="M1 Finance")
    post_form(
        school,
        f"/en/sponsors/{school.public_id}/invitations/new",
        {"email": "pending@example.com", "first_name": "P", "last_name": "Q", "cohort": "", "locale": ""},
    )
    [invitation_id] = _ids(app, Invitation)
    cohort_id = _ids(app, Cohort, name="M1 Finance")[0]
    member = signed_in(app, "student@example.com")
    post_form(member, f"/en/sponsors/mine/{enrolment_id}/correction", {"message": "My grade is M2."})
    [correction_id] = _ids(app, CorrectionRequest)
    school_pages = [
        f"/en/sponsors/{school.public_id}",
        f"/en/sponsors/{school.public_id}/members",
        f"/en/sponsors/{school.public_id}/members?cohort={cohort_id}",
        f"/en/sponsors/{school.public_id}/invitations",
        f"/en/sponsors/{school.public_id}/invitations/new",
        f"/en/sponsors/{school.public_id}/import",
        f"/en/sponsors/{school.public_id}/cohorts",
        f"/en/sponsors/{school.public_id}/admins",
        f"/en/sponsors/{school.public_id}/corrections",
        f"/en/sponsors/members/{enrolment_id}/edit",
    ]
    for url in school_pages:
        assert school.get(url).status_code == 200, url
        assert employer.get(url).status_code == 404, url
    token = csrf_from(employer.get(f"/en/sponsors/{employer.public_id}").text)
    actions = [
        f"/en/sponsors/members/{enrolment_id}/edit",
        f"/en/sponsors/members/{enrolment_id}/remove",
        f"/en/sponsors/invitations/{invitation_id}/resend",
        f"/en/sponsors/invitations/{invitation_id}/revoke",
        f"/en/sponsors/{school.public_id}/cohorts",
        f"/en/sponsors/cohorts/{cohort_id}/delete",
        f"/en/sponsors/{school.public_id}/admins",
        f"/en/sponsors/{school.public_id}/invitations/new",
        f"/en/sponsors/corrections/{correction_id}/refuse",
        f"/en/sponsors/mine/{enrolment_id}/leave",
        f"/en/sponsors/mine/{enrolment_id}/correction",
    ]
    for url in actions:
        response = employer.post(url, data={"csrf_token": token, "email": "x@example.com", "name": "Hack"})
        assert response.status_code == 404, url
    # Nothing changed on the school's side.
    with app.app_context():
        assert db.session.scalar(select(Enrolment)).is_active
        assert db.session.scalar(select(Invitation)) is not None
        assert db.session.scalar(select(Cohort).where(Cohort.public_id == cohort_id)) is not None
    assert "Hack" not in shown(school.get(f"/en/sponsors/{school.public_id}/cohorts"))
    # The employer's own overview shows none of the school's figures.
    page = shown(employer.get(f"/en/sponsors/{employer.public_id}"))
    assert "0 of 10 used" in page and "M1 Finance" not in page


def test_members_and_visitors_cannot_reach_sponsor_pages(app, school, make_user):
    make_user("plain@example.com")
    plain = signed_in(app, "plain@example.com")
    assert plain.get(f"/en/sponsors/{school.public_id}").status_code == 403
    assert plain.get("/en/sponsors/").status_code == 403
    assert app.test_client().get(f"/en/sponsors/{school.public_id}").status_code == 302
    assert plain.get("/en/sponsors/mine").status_code == 200


def test_a_restricted_member_disappears_from_the_sponsor_lists(app, school, make_user):
    visible_id = make_user("visible@example.com", first_name="Victor", last_name="Visible")
    hidden_id = make_user("hidden@example.com", first_name="Hector", last_name="Hidden")
    enrol(app, school.public_id, visible_id, cohort="M1 Finance")
    hidden_enrolment = enrol(app, school.public_id, hidden_id, cohort="M1 Finance")
    page = shown(school.get(f"/en/sponsors/{school.public_id}/members"))
    assert "Victor" in page and "Hector" in page
    hidden = signed_in(app, "hidden@example.com")
    post_form(hidden, "/en/privacy/restriction", page="/en/privacy/dashboard")
    with app.app_context():
        assert db.session.get(User, hidden_id).is_processing_restricted
    page = shown(school.get(f"/en/sponsors/{school.public_id}/members"))
    assert "Victor" in page and "Hector" not in page
    assert school.get(f"/en/sponsors/members/{hidden_enrolment}/edit").status_code == 404
    cohorts = shown(school.get(f"/en/sponsors/{school.public_id}/cohorts"))
    assert "<td>1</td>" in cohorts  # only the visible member is counted


@pytest.mark.promise("recipients-sponsors")
def test_no_figure_about_fewer_than_five_members(app, school, make_user):
    users = [make_user(f"m{index}@example.com") for index in range(9)]
    for user_id in users[:6]:
        enrol(app, school.public_id, user_id, cohort="M1 Finance")
    for user_id in users[6:]:
        enrol(app, school.public_id, user_id, cohort="M2 Audit")
    with app.app_context():
        for user_id in users[:7]:
            assert services.charge_sponsor(db.session.get(User, user_id), "simulation") is not None
        db.session.commit()
        figures_data = services_figures(app, school.public_id)
    rows = {row.label: row for row in figures_data.rows}
    assert rows["M1 Finance"].values["simulation_requests"] == 6
    pool = next(row for row in figures_data.rows if row.is_pool)
    assert pool.members == 3 and pool.values is None  # M2 Audit (3 members) is withheld
    assert figures_data.total.values is None  # the total would reveal it by subtraction
    page = shown(school.get(f"/en/sponsors/{school.public_id}"))
    assert "Not shown: fewer than 5 members" in page
    assert "M1 Finance" in page
    # Two more members in M2 Audit: every figure can now be shown.
    for index in range(2):
        enrol(app, school.public_id, make_user(f"late{index}@example.com"), cohort="M2 Audit")
    figures_data = services_figures(app, school.public_id)
    rows = {row.label: row for row in figures_data.rows}
    assert rows["M2 Audit"].values["simulation_requests"] == 1
    assert figures_data.total.values["simulation_requests"] == 7
    # In French too.
    page = shown(school.get(f"/fr/sponsors/{school.public_id}"))
    assert '<html lang="fr">' in page


def services_figures(app, public_id):
    from app.sponsors import figures
    from app.sponsors.models import Organisation

    with app.app_context():
        organisation = db.session.scalar(select(Organisation).where(Organisation.public_id == public_id))
        return figures.cohort_figures(organisation)


def test_member_sees_what_was_provided_and_asks_for_a_correction(app, school, make_user):
    member_id = make_user("claire@example.com", first_name="Claire")
    enrolment_id = enrol(app, school.public_id, member_id, cohort="M2 Audit", grade="L3")
    member = signed_in(app, "claire@example.com")
    page = shown(member.get("/en/sponsors/mine"))
    assert "École Alpha" in page and "L3" in page and "M2 Audit" in page and "Provided on" in page
    dashboard = shown(member.get("/en/privacy/dashboard"))
    assert "Data provided by your sponsor" in dashboard
    empty = post_form(member, f"/en/sponsors/mine/{enrolment_id}/correction", {"message": "  "})
    assert empty.status_code == 400 and "This field is required" in shown(empty)
    response = post_form(
        member, f"/en/sponsors/mine/{enrolment_id}/correction", {"message": "I am in M1, not L3."}, follow=True
    )
    assert "sent to École Alpha and to our data-protection contact" in shown(response)
    with app.app_context():
        request_row = db.session.scalar(select(PrivacyRequest))
        assert request_row.kind == RequestKind.SPONSOR_DATA_CORRECTION.value
        assert request_row.user_id == member_id and "M1" in request_row.message
    [message] = outbox(app, "admin.alpha@example.com")
    assert "correct" in message.subject.lower() and "/en/sponsors/" in message.body_text
    assert "I am in M1" not in message.body_text  # the e-mail says where to read it, not what it says
    corrections = shown(school.get(f"/en/sponsors/{school.public_id}/corrections"))
    assert "I am in M1, not L3." in corrections
    response = post_form(
        school,
        f"/en/sponsors/members/{enrolment_id}/edit",
        {"first_name": "Claire", "last_name": "Martin", "cohort": "", "grade": "M1"},
        follow=True,
    )
    assert response.status_code == 200  # saving the corrected data answers the request
    with app.app_context():
        assert db.session.scalar(select(CorrectionRequest)).status == "done"
        enrolment = db.session.scalar(select(Enrolment))
        assert enrolment.grade == "M1" and enrolment.updated_dt is not None
    assert "corrected on" in shown(member.get("/en/sponsors/mine"))


def test_another_member_cannot_touch_my_enrolment(app, school, make_user):
    owner_id = make_user("owner@example.com")
    enrolment_id = enrol(app, school.public_id, owner_id)
    make_user("intruder@example.com")
    intruder = signed_in(app, "intruder@example.com")
    token = csrf_from(intruder.get("/en/sponsors/mine").text)
    assert intruder.post(f"/en/sponsors/mine/{enrolment_id}/leave", data={"csrf_token": token}).status_code == 404
    assert intruder.get(f"/en/sponsors/mine/{enrolment_id}/correction").status_code == 404
    with app.app_context():
        assert db.session.scalar(select(Enrolment)).is_active
