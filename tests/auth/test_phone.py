"""Phone number and username as identifiers: reset by SMS code, adding, changing and removing a number
(re-verified by a code), the username, and the limits on codes sent by SMS."""

import logging
import re
from datetime import timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from app.auth.models import PhoneCode, User
from app.auth.passwords import hash_password, verify_password
from app.core.audit import AuditEvent
from app.core.sms import SmsMessage
from app.core.timeutil import utcnow
from app.extensions import db
from tests.conftest import PASSWORD, AuthActions, csrf_from, outbox, shown
from tests.e2e.catalog import translation

PHONE = "+33612345678"
PHONE_TYPED = "06 12 34 56 78"
NEW_PHONE = "+33698765432"
NEW_PASSWORD = "brand-new-secret-77"  # noqa: S105 (a test password)
WRONG_CODE_EN = "This code is not correct or no longer valid"


@pytest.fixture
def make_phone_member(app):
    """A member who registered with a phone number only (no e-mail), or with both."""

    def make(phone=PHONE, *, locale="fr", email=None, email_verified=False, phone_verified=False, **fields):
        with app.app_context():
            user = User(
                first_name=fields.pop("first_name", "Inès"),
                last_name=fields.pop("last_name", "Morel"),
                email=email,
                email_verified_dt=utcnow() if email and email_verified else None,
                phone=phone,
                phone_verified_dt=utcnow() if phone_verified else None,
                password_hash=hash_password(PASSWORD),
                locale=locale,
                **fields,
            )
            db.session.add(user)
            db.session.commit()
            return user.id

    return make


def texts(app, to=None) -> list[SmsMessage]:
    with app.app_context():
        query = select(SmsMessage).order_by(SmsMessage.id)
        if to:
            query = query.where(SmsMessage.to_number == to)
        rows = list(db.session.scalars(query))
        db.session.expunge_all()
        return rows


def code_in(message: SmsMessage) -> str:
    match = re.search(r"\b(\d{6})\b", message.body)
    assert match, f"no code in {message.body!r}"
    return match.group(1)


def member(app, user_id) -> User:
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


def ask_reset(client, identifier, lang="en"):
    page = client.get(f"/{lang}/password/forgot")
    return client.post(f"/{lang}/password/forgot", data={"identifier": identifier, "csrf_token": csrf_from(page.text)})


def type_code(client, code, lang="en", url=None):
    url = url or f"/{lang}/password/reset/code"
    page = client.get(url)
    return client.post(url, data={"code": code, "csrf_token": csrf_from(page.text)})


def without_token(page: str) -> str:
    return re.sub(r'name="csrf_token"[^>]*value="[^"]+"', "", page)


def choose_password(client, link, password=NEW_PASSWORD):
    page = client.get(link)
    return client.post(link, data={"password": password, "confirm": password, "csrf_token": csrf_from(page.text)})


# --- reset by phone --------------------------------------------------------------------------------


@pytest.mark.promise("security-measures")
def test_a_phone_only_member_resets_her_password_with_a_code_by_sms(app, client, make_phone_member):
    user_id = make_phone_member(locale="fr")
    response = ask_reset(client, PHONE_TYPED, lang="en")
    assert response.headers["Location"] == "/en/password/reset/code"
    page = shown(client.get("/en/password/reset/code"))
    assert "If +33 6 12 34 56 78 belongs to an account, a text message with a code is on its way." in page
    [message] = texts(app)
    assert message.to_number == PHONE and message.user_id == user_id
    code = code_in(message)
    # In the member's language (French), not the page's.
    expected = translation(
        "%(portal)s: your code to reset your password is %(code)s. It works once, for %(minutes)d minutes. "
        "Never give it to anyone."
    ) % {"portal": "Caseinjob", "code": code, "minutes": 10}
    assert message.body == expected

    response = type_code(client, code)
    link = response.headers["Location"]
    assert link.startswith("/en/password/reset/")
    assert choose_password(client, link).headers["Location"] == "/en/login"
    user = member(app, user_id)
    assert verify_password(user.password_hash, NEW_PASSWORD)
    assert user.phone_verified_dt is not None  # getting the code proved the number is hers
    assert user.email_verified_dt is None
    assert AuthActions(client).login(PHONE_TYPED, NEW_PASSWORD).headers["Location"] == "/en/dashboard"
    # The code and the link work once.
    assert choose_password(client, link, "another-secret-88").status_code == 400


def test_the_answer_is_the_same_for_known_and_unknown_numbers(app, client, make_phone_member):
    make_phone_member()
    known = ask_reset(client, PHONE_TYPED)
    known_page = shown(client.get(known.headers["Location"]))
    other = app.test_client()
    unknown = ask_reset(other, "06 11 22 33 44")
    unknown_page = shown(other.get(unknown.headers["Location"]))
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    assert without_token(known_page).replace("+33 6 12 34 56 78", "X") == without_token(unknown_page).replace(
        "+33 6 11 22 33 44", "X"
    )
    assert [message.to_number for message in texts(app)] == [PHONE]
    wrong_unknown = shown(type_code(other, "123456"))
    assert WRONG_CODE_EN in wrong_unknown


def test_a_bad_identifier_is_refused_next_to_the_field_in_both_languages(client):
    english = shown(ask_reset(client, "not a number", lang="en"))
    assert "Enter your e-mail address, or your mobile phone number such as 06 12 34 56 78." in english
    assert 'value="not a number"' in english
    french = shown(ask_reset(client, "pas un numéro", lang="fr"))
    assert translation("Enter your e-mail address, or your mobile phone number such as 06 12 34 56 78.") in french


def test_the_e_mail_path_still_sends_a_link(app, client, make_user):
    make_user("member@example.com")
    response = ask_reset(client, "Member@Example.com")
    assert response.status_code == 200
    assert [message.to_address for message in outbox(app)] == ["member@example.com"]
    assert texts(app) == []


@pytest.mark.promise("security-measures")
def test_wrong_codes_count_and_the_fifth_spends_the_code(app, client, make_phone_member):
    make_phone_member()
    ask_reset(client, PHONE_TYPED)
    code = code_in(texts(app)[0])
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(4):
        response = type_code(client, wrong)
        assert response.status_code == 200 and WRONG_CODE_EN in shown(response)
    with app.app_context():
        assert db.session.scalar(select(PhoneCode.wrong_attempts)) == 4
    type_code(client, wrong)
    refused = type_code(client, code)  # right, but too late
    assert "Location" not in refused.headers and WRONG_CODE_EN in shown(refused)


def test_a_code_expires_after_ten_minutes_and_a_new_one_replaces_the_old(app, client, make_phone_member):
    make_phone_member()
    with freeze_time("2026-12-01 09:00:00") as clock:
        ask_reset(client, PHONE_TYPED)
        first = code_in(texts(app)[0])
        clock.tick(timedelta(minutes=2))
        ask_reset(client, PHONE_TYPED)
        second = code_in(texts(app)[1])
        if first != second:
            assert WRONG_CODE_EN in shown(type_code(client, first))  # replaced
        clock.tick(timedelta(minutes=10, seconds=1))
        expired = client.get("/en/password/reset/code")
        assert expired.headers["Location"] == "/en/password/forgot"
        ask_reset(client, PHONE_TYPED)
        clock.tick(timedelta(minutes=9))
        with app.app_context():
            db.session.execute(PhoneCode.__table__.update().values(expires_dt=utcnow() - timedelta(seconds=1)))
            db.session.commit()
        assert WRONG_CODE_EN in shown(type_code(client, code_in(texts(app)[2])))


@pytest.mark.promise("security-measures")
def test_codes_are_stored_as_keyed_hashes_and_sms_texts_go_once_delivered(app, client, make_phone_member):
    make_phone_member()
    ask_reset(client, PHONE_TYPED)
    code = code_in(texts(app)[0])
    with app.app_context():
        row = db.session.scalar(select(PhoneCode))
        assert code not in row.code_hash and len(row.code_hash) == 64
        from app.core.crypto import sha256_hex

        assert row.code_hash != sha256_hex(code)  # keyed: a leaked table is not enough
        from app.core.sms import deliver_pending

        deliver_pending()
        assert db.session.scalar(select(SmsMessage.body)) is None


def test_a_suspended_member_gets_no_code(app, client, make_phone_member):
    make_phone_member(is_suspended=True, suspended_reason="fraud")
    assert ask_reset(client, PHONE_TYPED).headers["Location"] == "/en/password/reset/code"
    assert texts(app) == []


def test_the_code_page_without_a_request_sends_back_to_the_form(client):
    assert client.get("/en/password/reset/code").headers["Location"] == "/en/password/forgot"


# --- phone number on the account -------------------------------------------------------------------


def change_phone(auth, phone, password=PASSWORD, lang="en"):
    return auth.post(f"/{lang}/account/phone", {"phone": phone, "current_password": password})


@pytest.mark.promise("right-rectification")
def test_changing_the_number_needs_the_password_and_a_code_sent_to_the_new_number(app, client, auth, make_phone_member):
    user_id = make_phone_member(email="ines@example.com", email_verified=True, phone_verified=True, locale="en")
    auth.login("ines@example.com")
    wrong = change_phone(auth, "06 98 76 54 32", password="not my password")
    assert "Your current password is not correct." in shown(wrong)
    assert 'value="06 98 76 54 32"' in shown(wrong)  # what was typed stays
    assert texts(app) == []

    response = change_phone(auth, "06 98 76 54 32")
    assert response.headers["Location"] == "/en/account/phone/confirm"
    assert member(app, user_id).phone == PHONE  # unchanged until the code comes back
    [message] = texts(app, NEW_PHONE)
    assert "your code to confirm this phone number is" in message.body
    assert "+33 6 98 76 54 32" in shown(client.get("/en/account/phone/confirm"))

    wrong_code = type_code(
        client, "000000" if code_in(message) != "000000" else "111111", url="/en/account/phone/confirm"
    )
    assert WRONG_CODE_EN in shown(wrong_code)
    assert member(app, user_id).phone == PHONE

    done = type_code(client, code_in(message), url="/en/account/phone/confirm")
    assert done.headers["Location"] == "/en/account"
    user = member(app, user_id)
    assert user.phone == NEW_PHONE and user.phone_verified_dt is not None
    assert "was removed from your account and replaced" in texts(app, PHONE)[0].body  # the old number is told
    assert "Your mobile phone number was changed" in [m.subject for m in outbox(app, "ines@example.com")]
    account_page = shown(client.get("/en/account"))
    assert "+33 6 98 76 54 32 (verified)" in account_page
    with app.app_context():
        kinds = db.session.scalars(select(AuditEvent.kind).where(AuditEvent.user_id == user_id)).all()
    assert "phone_changed" in kinds
    # Sign in with the new number; the old one no longer names the account.
    other = app.test_client()
    assert AuthActions(other).login("06 98 76 54 32").headers["Location"] == "/en/dashboard"
    assert AuthActions(app.test_client()).login(PHONE_TYPED).status_code == 401


def test_a_phone_only_member_adds_no_number_that_is_taken_or_invalid(app, auth, make_phone_member):
    make_phone_member(NEW_PHONE)
    make_phone_member(locale="en")
    auth.login(PHONE_TYPED)
    taken = change_phone(auth, "06 98 76 54 32")
    assert "This phone number cannot be used. Choose another one." in shown(taken)
    invalid = change_phone(auth, "12")
    assert "Enter a valid phone number" in shown(invalid)
    french = change_phone(auth, "12", lang="fr")
    assert translation("Enter a valid phone number, such as 06 12 34 56 78 or +44 20 7946 0958.") in shown(french)
    assert texts(app) == []


def test_a_member_verifies_the_number_she_registered_with(app, client, auth, make_phone_member):
    user_id = make_phone_member(locale="en")
    auth.login(PHONE_TYPED)
    page = shown(client.get("/en/account/phone"))
    assert "+33 6 12 34 56 78" in page and "not verified yet" in page
    response = auth.post("/en/account/phone/verify", {}, page="/en/account/phone")
    assert response.headers["Location"] == "/en/account/phone/confirm"
    [message] = texts(app, PHONE)
    type_code(client, code_in(message), url="/en/account/phone/confirm")
    assert member(app, user_id).phone_verified_dt is not None
    assert texts(app, PHONE)[1:] == []  # no "your number changed" notice for the same number


def test_one_members_code_cannot_confirm_another_members_number(app, client, auth, make_phone_member):
    make_phone_member(email="a@example.com", email_verified=True, locale="en")
    other_id = make_phone_member(NEW_PHONE, email="b@example.com", email_verified=True, locale="en")
    auth.login("a@example.com")
    change_phone(auth, "06 55 44 33 22")
    code = code_in(texts(app, "+33655443322")[0])
    other = app.test_client()
    AuthActions(other).login("b@example.com")
    assert other.get("/en/account/phone/confirm").headers["Location"] == "/en/account/phone"
    page = other.get("/en/account/phone")
    other.post("/en/account/phone/confirm", data={"code": code, "csrf_token": csrf_from(page.text)})
    assert member(app, other_id).phone == NEW_PHONE


@pytest.mark.promise("right-rectification")
def test_removing_the_number_keeps_one_verified_way_to_sign_in(app, client, auth, make_phone_member):
    user_id = make_phone_member(email="ines@example.com", email_verified=False, phone_verified=True, locale="en")
    auth.login(PHONE_TYPED)
    refused = auth.post("/en/account/phone/remove", {"remove-current_password": PASSWORD}, page="/en/account/phone")
    assert "Keep this number until your account has a verified e-mail address" in shown(refused)
    assert member(app, user_id).phone == PHONE
    french = auth.post("/fr/account/phone/remove", {"remove-current_password": PASSWORD}, page="/fr/account/phone")
    assert translation(
        "Keep this number until your account has a verified e-mail address: you need one verified "
        "e-mail address or phone number to sign in and to recover your account."
    ) in shown(french)

    with app.app_context():
        db.session.get(User, user_id).email_verified_dt = utcnow()
        db.session.commit()
    wrong = auth.post("/en/account/phone/remove", {"remove-current_password": "nope"}, page="/en/account/phone")
    assert "Your current password is not correct." in shown(wrong)
    assert member(app, user_id).phone == PHONE
    done = auth.post("/en/account/phone/remove", {"remove-current_password": PASSWORD}, page="/en/account/phone")
    assert done.headers["Location"] == "/en/account"
    user = member(app, user_id)
    assert user.phone is None and user.phone_verified_dt is None
    assert "was removed from your account" in texts(app, PHONE)[-1].body
    assert "Your mobile phone number was removed" in [m.subject for m in outbox(app, "ines@example.com")]


def test_phone_pages_need_a_signed_in_member(client):
    for path in ("/en/account/phone", "/en/account/phone/confirm", "/en/account/username"):
        assert client.get(path).headers["Location"].startswith("/en/login")


# --- username --------------------------------------------------------------------------------------


@pytest.mark.promise("right-rectification")
def test_a_member_chooses_changes_and_removes_her_username(app, client, auth, make_user):
    user_id = make_user("member@example.com")
    make_user("taken@example.com", username="taken")
    auth.login("member@example.com")
    no_password = auth.post("/en/account/username", {"username": "ines.m", "current_password": "nope"})
    assert "Your current password is not correct." in shown(no_password)
    assert 'value="ines.m"' in shown(no_password)
    taken = auth.post("/en/account/username", {"username": "Taken", "current_password": PASSWORD})
    assert "This username is taken. Choose another one." in shown(taken)
    bad = auth.post("/en/account/username", {"username": "a b", "current_password": PASSWORD})
    assert "Use 3 to 40 letters" in shown(bad)
    bad_fr = auth.post("/fr/account/username", {"username": "a b", "current_password": PASSWORD})
    assert translation("Use 3 to 40 letters, digits, dots, dashes or underscores, without spaces or accents.") in shown(
        bad_fr
    )

    saved = auth.post("/en/account/username", {"username": "Ines.M", "current_password": PASSWORD})
    assert saved.headers["Location"] == "/en/account"
    assert member(app, user_id).username == "ines.m"
    assert AuthActions(app.test_client()).login("ines.m").headers["Location"] == "/en/dashboard"

    auth.post("/en/account/username", {"username": "ines2", "current_password": PASSWORD})
    assert AuthActions(app.test_client()).login("ines.m").status_code == 401
    removed = auth.post("/en/account/username", {"username": "", "current_password": PASSWORD}, follow=True)
    assert "Your username is removed." in shown(removed)
    assert member(app, user_id).username is None


def test_forms_bind_only_their_fields(app, auth, make_user):
    user_id = make_user("member@example.com")
    auth.login("member@example.com")
    auth.post(
        "/en/account/username",
        {"username": "ines", "current_password": PASSWORD, "phone": NEW_PHONE, "phone_verified_dt": "2020-01-01"},
    )
    user = member(app, user_id)
    assert user.username == "ines" and user.phone is None and user.phone_verified_dt is None


# --- limits ----------------------------------------------------------------------------------------


@pytest.fixture
def limited(app_config):
    app_config.update(
        RATELIMIT_ENABLED=True,
        SMS_LIMIT_PER_NUMBER="2 per minute",
        SMS_LIMIT_PER_ACCOUNT="3 per minute",
        PHONE_CODE_ENTRY_LIMIT="3 per minute",
        PASSWORD_RESET_LIMIT="100 per minute",
    )


@pytest.mark.promise("security-measures")
def test_codes_to_one_number_are_limited_whoever_asks_and_whether_or_not_it_is_known(
    limited, app, client, make_phone_member
):
    make_phone_member()
    statuses = [ask_reset(client, PHONE_TYPED).status_code for _ in range(3)]
    assert statuses == [302, 302, 429]
    assert len(texts(app)) == 2
    assert "+33612345678" not in client.get("/en/password/forgot").text  # the page still works
    # Unknown numbers are limited the same way, so a 429 says nothing about who is registered.
    unknown = [ask_reset(client, "06 11 22 33 44").status_code for _ in range(3)]
    assert unknown == [302, 302, 429]
    # E-mail requests are not counted against numbers.
    assert ask_reset(client, "someone@example.com").status_code == 200
    blocked_fr = ask_reset(client, PHONE_TYPED, lang="fr")
    assert blocked_fr.status_code == 429 and 'lang="fr"' in blocked_fr.text


def test_the_same_number_is_limited_across_pages(limited, app, client, auth, make_phone_member):
    make_phone_member(email="ines@example.com", email_verified=True, locale="en")
    anonymous = app.test_client()
    for _ in range(2):
        ask_reset(anonymous, "06 98 76 54 32")
    auth.login("ines@example.com")
    assert change_phone(auth, "06 98 76 54 32").status_code == 429


def test_codes_one_member_asks_for_are_limited(limited, app, client, auth, make_phone_member):
    make_phone_member(email="ines@example.com", email_verified=True, locale="en")
    auth.login("ines@example.com")
    numbers = ["06 98 76 54 31", "06 98 76 54 32", "06 98 76 54 33", "06 98 76 54 34"]
    statuses = [change_phone(auth, number).status_code for number in numbers]
    assert statuses == [302, 302, 302, 429]


def test_typing_codes_is_limited(limited, app, client, make_phone_member):
    make_phone_member()
    ask_reset(client, PHONE_TYPED)
    statuses = [type_code(client, "999999").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


@pytest.mark.promise("security-measures")
def test_the_limits_log_line_names_no_phone_number(limited, app, client, make_phone_member, caplog):
    """Flask-Limiter logs the key of a limit that is reached: the key holds a keyed digest, not the number."""
    make_phone_member()
    caplog.set_level(logging.DEBUG)
    for _ in range(3):
        ask_reset(client, PHONE_TYPED)
    statuses = [type_code(client, "999999").status_code for _ in range(4)]
    assert statuses[-1] == 429
    assert caplog.text.count("exceeded") >= 2  # both limits were reached, and said so
    assert "612345678" not in caplog.text.replace(" ", "")


# --- the personal-data registry --------------------------------------------------------------------


@pytest.mark.promise("right-access")
@pytest.mark.promise("right-erasure")
def test_phone_codes_are_exported_purged_after_expiry_and_erased(app, client, make_phone_member):
    from app.core import registry

    user_id = make_phone_member()
    with freeze_time(utcnow() - timedelta(days=3)):
        ask_reset(client, PHONE_TYPED)
    ask_reset(app.test_client(), PHONE_TYPED)
    entry = registry.find("phone_codes")
    with app.test_request_context("/en/"):
        user = db.session.get(User, user_id)
        exported = entry.export(user)
        assert [row["sent_to"] for row in exported] == [PHONE, PHONE]
        assert all("code" not in key or key == "code_hash" for row in exported for key in row)
        assert entry.count(user) == 2
        assert entry.purge(utcnow()) == 1  # the one that expired more than a day ago
        assert entry.erase(user) == 1
        db.session.commit()
        assert db.session.scalars(select(PhoneCode.id)).all() == []
