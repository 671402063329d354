"""Invitations: in the invitee's language, accepted by an existing account or a new one, a seat taken only
then; members leave and free their seat; admins invited by operators or by other admins."""

from datetime import timedelta

from sqlalchemy import select

from app.auth.models import Role, User
from app.core.timeutil import utcnow
from app.extensions import db
from app.privacy.models import PolicyAcceptance
from app.sponsors.models import Enrolment, Invitation, SponsorAdmin
from tests.auth.test_two_step import sign_in_admin_with_two_step
from tests.conftest import AuthActions, outbox, post_form, shown, signed_in
from tests.sponsors.conftest import admin_links, make_organisation, organisation_row, token_in


def invite(client, email, **fields):
    url = f"/en/sponsors/{client.public_id}/invitations/new"
    data = {"email": email, "first_name": "Léa", "last_name": "Petit", "cohort": "", "grade": "M1", "locale": ""}
    data.update(fields)
    return post_form(client, url, data)


def seats_used(client) -> str:
    return shown(client.get(f"/en/sponsors/{client.public_id}"))


def test_invitation_goes_out_in_the_organisation_language_by_default(app, school):
    response = invite(school, "Lea.Petit@Example.com")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/en/sponsors/{school.public_id}/invitations")
    [message] = outbox(app, "lea.petit@example.com")
    assert message.subject == "École Alpha vous offre les services du portail" or "École Alpha" in message.subject
    assert "/fr/sponsors/join/" in message.body_text  # the school's default language is French
    page = shown(school.get(f"/en/sponsors/{school.public_id}/invitations"))
    assert "lea.petit@example.com" in page
    assert "0 of 10 used" in seats_used(school)  # nothing taken before acceptance
    assert "Invitations pending" in seats_used(school)


def test_invitation_in_the_chosen_or_the_account_language(app, school, make_user):
    invite(school, "chosen@example.com", locale="en")
    make_user("english.member@example.com", locale="en")
    invite(school, "english.member@example.com")
    [chosen] = outbox(app, "chosen@example.com")
    [member] = outbox(app, "english.member@example.com")
    assert "/en/sponsors/join/" in chosen.body_text and "offers you" in chosen.body_text
    assert "/en/sponsors/join/" in member.body_text
    assert member.user_id is not None and chosen.user_id is None


def test_bad_invitations_are_refused_next_to_the_field(app, school, make_user):
    response = invite(school, "not-an-address")
    assert response.status_code == 400
    assert "Enter a valid e-mail address" in shown(response)
    invite(school, "twice@example.com")
    response = invite(school, "twice@example.com")
    assert response.status_code == 400 and "already has a pending invitation" in shown(response)
    assert len(outbox(app, "twice@example.com")) == 1


def test_existing_member_accepts_and_takes_a_seat(app, school, make_user):
    member_id = make_user("camille@example.com", first_name="Camille")
    invite(school, "camille@example.com", grade="M2")
    token = token_in(outbox(app, "camille@example.com")[0].body_text)
    visitor = app.test_client()
    page = shown(visitor.get(f"/en/sponsors/join/{token}"))
    assert "An account already uses camille@example.com" in page and "M2" in page
    member = signed_in(app, "camille@example.com")
    response = post_form(member, f"/en/sponsors/join/{token}", follow=True)
    assert "sponsors you from now on" in shown(response)
    with app.app_context():
        enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == member_id))
        assert enrolment.is_active and enrolment.grade == "M2"
        assert db.session.scalar(select(Invitation)) is None  # the invitation is used up
    assert "1 of 10 used" in seats_used(school)
    # The link works once.
    assert member.get(f"/en/sponsors/join/{token}").status_code == 400


def test_new_person_creates_an_account_and_is_signed_in(app, school):
    invite(school, "newcomer@example.com", locale="en", first_name="Nina", last_name="Roux")
    token = token_in(outbox(app, "newcomer@example.com")[0].body_text)
    client = app.test_client()
    page = client.get(f"/en/sponsors/join/{token}")
    assert 'value="Nina"' in page.text
    weak = post_form(
        client,
        f"/en/sponsors/join/{token}/account",
        {"first_name": "Nina", "last_name": "Roux", "password": "short", "accept_policy": "y"},
        page=f"/en/sponsors/join/{token}",
    )
    assert weak.status_code == 400 and 'value="Roux"' in weak.text
    response = post_form(
        client,
        f"/en/sponsors/join/{token}/account",
        {"first_name": "Nina", "last_name": "Roux", "password": "a long enough passphrase", "accept_policy": "y"},
        page=f"/en/sponsors/join/{token}",
        follow=True,
    )
    assert response.status_code == 200
    assert "My sponsors" in shown(response) and "École Alpha" in shown(response)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "newcomer@example.com"))
        assert user.is_email_verified and user.locale == "en" and user.has_role(Role.CANDIDATE)
        assert db.session.scalar(select(PolicyAcceptance).where(PolicyAcceptance.user_id == user.id)) is not None
        assert db.session.scalar(select(Enrolment).where(Enrolment.user_id == user.id)).is_active
    assert "1 of 10 used" in seats_used(school)


def test_another_account_cannot_accept(app, school, make_user):
    make_user("someone.else@example.com")
    invite(school, "target@example.com")
    token = token_in(outbox(app, "target@example.com")[0].body_text)
    other = signed_in(app, "someone.else@example.com")
    assert "was sent to target@example.com" in shown(other.get(f"/en/sponsors/join/{token}"))
    response = post_form(other, f"/en/sponsors/join/{token}", page=f"/en/sponsors/join/{token}", follow=True)
    assert "sent to another e-mail address" in shown(response)
    with app.app_context():
        assert db.session.scalar(select(Enrolment)) is None


def test_no_free_seat_means_no_acceptance(app, make_user):
    public_id = make_organisation(app, "Petite École", seats=0)
    admin_id = make_user("small.admin@example.com", roles=(Role.SPONSOR_ADMIN,))
    from tests.sponsors.conftest import add_admin

    add_admin(app, public_id, admin_id)
    admin = signed_in(app, "small.admin@example.com")
    admin.public_id = public_id
    make_user("full@example.com")
    invite(admin, "full@example.com")
    token = token_in(outbox(app, "full@example.com")[0].body_text)
    member = signed_in(app, "full@example.com")
    response = post_form(member, f"/en/sponsors/join/{token}", page=f"/en/sponsors/join/{token}", follow=True)
    assert "has no free seat" in shown(response)
    with app.app_context():
        assert db.session.scalar(select(Enrolment)) is None
        assert db.session.scalar(select(Invitation)) is not None  # still usable once seats are added


def test_expired_and_withdrawn_links(app, school):
    invite(school, "late@example.com")
    token = token_in(outbox(app, "late@example.com")[0].body_text)
    with app.app_context():
        invitation = db.session.scalar(select(Invitation))
        invitation.expires_dt = utcnow() - timedelta(minutes=1)
        public_id = invitation.public_id
        db.session.commit()
    response = app.test_client().get(f"/en/sponsors/join/{token}")
    assert response.status_code == 400 and "has expired" in shown(response)
    post_form(
        school, f"/en/sponsors/invitations/{public_id}/resend", page=f"/en/sponsors/{school.public_id}/invitations"
    )
    new_token = token_in(outbox(app, "late@example.com")[-1].body_text)
    assert new_token != token
    assert app.test_client().get(f"/en/sponsors/join/{token}").status_code == 400
    assert app.test_client().get(f"/en/sponsors/join/{new_token}").status_code == 200
    post_form(
        school, f"/en/sponsors/invitations/{public_id}/revoke", page=f"/en/sponsors/{school.public_id}/invitations"
    )
    response = app.test_client().get(f"/fr/sponsors/join/{new_token}")
    assert response.status_code == 400
    assert app.test_client().get("/en/sponsors/join/made-up-token").status_code == 400


def test_member_leaves_and_frees_the_seat(app, school, make_user):
    make_user("leaver@example.com")
    invite(school, "leaver@example.com")
    token = token_in(outbox(app, "leaver@example.com")[0].body_text)
    member = signed_in(app, "leaver@example.com")
    post_form(member, f"/en/sponsors/join/{token}", page=f"/en/sponsors/join/{token}")
    assert "1 of 10 used" in seats_used(school)
    with app.app_context():
        enrolment_id = db.session.scalar(select(Enrolment.public_id))
    response = post_form(member, f"/en/sponsors/mine/{enrolment_id}/leave", page="/en/sponsors/mine", follow=True)
    assert "You left École Alpha" in shown(response)
    assert "Deleted on" in shown(response)  # the data stays for the retention period, and the member sees until when
    assert "0 of 10 used" in seats_used(school)


def test_admins_invited_by_an_operator_and_by_another_admin(app, make_user):
    operator = sign_in_admin_with_two_step(app, make_user)
    response = post_form(
        operator,
        "/en/sponsors/manage/new",
        {
            "name": "Lycée Gamma",
            "kind": "school",
            "default_locale": "fr",
            "seats": "30",
            "simulation_allowance": "",
            "practice_test_allowance": "50",
        },  # fmt: skip
    )
    assert response.status_code == 302
    edit_url = response.headers["Location"]
    public_id = edit_url.rstrip("/").rsplit("/", 1)[-1]
    organisation = organisation_row(app, public_id)
    assert organisation.seats == 30 and organisation.simulation_allowance is None
    response = post_form(
        operator,
        f"/en/sponsors/manage/{public_id}/admins",
        {"email": "head@example.com", "locale": "en"},
        page=edit_url,
    )
    assert response.status_code == 302
    token = token_in(outbox(app, "head@example.com")[0].body_text)
    head_id = make_user("head@example.com", roles=(Role.CANDIDATE,))
    head = signed_in(app, "head@example.com")
    response = post_form(head, f"/en/sponsors/join/{token}", page=f"/en/sponsors/join/{token}")
    assert response.headers["Location"].endswith(f"/en/sponsors/{public_id}")
    assert admin_links(app, head_id) == 1
    with app.app_context():
        assert db.session.get(User, head_id).has_role(Role.SPONSOR_ADMIN)
    # The new admin invites a colleague, who creates an account.
    head = signed_in(app, "head@example.com")
    post_form(head, f"/en/sponsors/{public_id}/admins", {"email": "deputy@example.com", "locale": "fr"})
    [message] = outbox(app, "deputy@example.com")
    assert "/fr/sponsors/join/" in message.body_text and "Lycée Gamma" in message.subject
    # Seats cannot drop below those taken; the operator gets the reason next to the field.
    assert operator.get("/en/sponsors/manage").status_code == 200


def test_only_operators_reach_the_operator_pages(app, school):
    assert school.get("/en/sponsors/manage").status_code == 403
    assert school.get("/en/sponsors/manage/new").status_code == 403
    assert app.test_client().get("/en/sponsors/manage").status_code == 302


def test_invitation_page_in_french(app, school):
    invite(school, "francais@example.com", locale="fr")
    message = outbox(app, "francais@example.com")[0]
    token = token_in(message.body_text)
    response = app.test_client().get(f"/fr/sponsors/join/{token}")
    assert response.status_code == 200
    assert '<html lang="fr">' in response.text


def test_an_admin_is_linked_once(app, school):
    with app.app_context():
        assert len(list(db.session.scalars(select(SponsorAdmin)))) == 1
    AuthActions(school).logout()
