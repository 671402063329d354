"""A score contest that changes the score, in a real browser. A French candidate took a test an English client
assigned and contests her score in French; an English administrator upholds the contest by setting the first
question aside; the candidate reads the corrected score and its note in French, the client in English, and each
receives an e-mail in their own language. The pages are photographed in /tmp/screens/ (SCREENS_DIR).
Expected French texts come from the catalog (messages.po), read when the test runs."""

import os
from datetime import timedelta
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import select

from app.assessments import assignments
from app.assessments import services as assessments
from app.assessments.bank import load_bank
from app.assessments.models import Assignment, Result
from app.auth.models import Role, User
from app.core import crypto
from app.core.mail import OutboxMessage
from app.core.timeutil import utcnow
from app.demo import failed_outbox_message
from app.extensions import db
from tests.e2e.catalog import translation as fr
from tests.e2e.pages import sign_in_through_the_form

pytestmark = pytest.mark.promise("right-rectification")

SCREENS = Path(os.environ.get("SCREENS_DIR", "/tmp/screens"))
ADMIN, CANDIDATE, CLIENT = "alex.admin@example.com", "lea.martin@example.com", "hr@lumiere.example"
TOTP_SECRET = pyotp.random_base32()
REASON = "À la question 1, deux réponses étaient justes : je demande une nouvelle correction."


def expect(target):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def set_up(app, make_user) -> tuple[str, str]:
    """The client assigned the numerical test; the candidate took it, with wrong answers to the first questions."""
    admin_id = make_user(ADMIN, roles=(Role.ADMIN,), first_name="Alex", last_name="Admin")
    candidate_id = make_user(CANDIDATE, locale="fr", first_name="Léa", last_name="Martin")
    client_id = make_user(CLIENT, roles=(Role.CLIENT,), first_name="Hugo", last_name="Client", company="Lumière")
    with app.app_context():
        admin = db.session.get(User, admin_id)
        admin.totp_secret_encrypted = crypto.encrypt_text(TOTP_SECRET)
        admin.totp_enabled_dt = utcnow()
        test = next(test for test in load_bank() if test.slug == "numerical-reasoning")
        db.session.flush()
        client, candidate = db.session.get(User, client_id), db.session.get(User, candidate_id)
        assignments.assign(client, test, [candidate.email], utcnow() + timedelta(days=10))
        assignment = db.session.scalar(select(Assignment).where(Assignment.client_id == client.id))
        attempt = assignments.start_assigned(candidate, assignment)
        for number, item in enumerate(test.items):
            assessments.save_answer(attempt, item, _answer(item, is_right=number != 0))
        assessments.submit(attempt)
        db.session.commit()
        return attempt.public_id, assignment.public_id


def _answer(item, *, is_right: bool):
    if item.type == "numeric":
        return float(item.key) + (0 if is_right else 7)
    right = list(item.key or [0])
    choice = right if is_right else [(right[0] + 1) % max(len(item.options or []), 2)]
    return choice if item.type == "multiple" else choice[0]


def sign_in(page, base: str, email: str, lang: str) -> None:
    sign_in_through_the_form(page, base, email, lang, TOTP_SECRET)


def score_of(app, attempt_public_id: str) -> tuple[float, float]:
    from app.assessments.models import Attempt

    with app.app_context():
        attempt = db.session.scalar(select(Attempt).where(Attempt.public_id == attempt_public_id))
        result = db.session.scalar(select(Result).where(Result.attempt_id == attempt.id))
        return result.raw_score, result.max_score


def subjects_to(app, address: str) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(OutboxMessage.subject).where(OutboxMessage.to_address == address)))


def shoot(page, name: str) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"{name}.png"), full_page=True)


def test_french_candidate_contests_english_admin_sets_a_question_aside_both_see_the_new_score(
    live_server, new_page, make_user
):
    base, app = live_server.url, live_server.app
    attempt, assignment = set_up(app, make_user)
    raw_before, max_before = score_of(app, attempt)

    # 1. The candidate contests her score, in French, from her result page.
    candidate = new_page(locale="fr-FR")
    sign_in(candidate, base, CANDIDATE, "fr")
    candidate.goto(f"{base}/fr/tests/attempts/{attempt}/result")
    candidate.get_by_label(fr("What do you contest, and why?"), exact=True).fill(REASON)
    candidate.locator("main").get_by_role("button", name=fr("Contest this score"), exact=True).click()
    expect(candidate.locator(".flash-success")).to_be_visible()

    # 2. The administrator, in English, sets the first question aside and answers.
    admin = new_page(locale="en-GB")
    sign_in(admin, base, ADMIN, "en")
    admin.goto(f"{base}/en/privacy/admin/requests")
    admin.locator("main tr", has_text="Contest of a test score").get_by_role("link").first.click()
    expect(admin.locator("#uphold h2")).to_have_text("Uphold the contest: correct the score")
    shoot(admin, "contest-correction-form-en")
    admin.locator("#uphold input[type=checkbox]").first.check()
    admin.locator("#uphold textarea").fill("You are right: question 1 had two right answers. We set it aside.")
    admin.get_by_role("button", name="Uphold the contest and correct the score", exact=True).click()
    expect(admin.locator(".flash-success")).to_be_visible()
    raw_after, max_after = score_of(app, attempt)
    assert max_after == max_before - 1 and raw_after == raw_before  # the wrong answer no longer counts

    # 3. The candidate reads the corrected score and its note, in French.
    candidate.goto(f"{base}/fr/tests/attempts/{attempt}/result")
    note = candidate.locator("main .notice[role=note]")
    expect(note).to_contain_text(
        fr("Your score was corrected from %(old)s to %(new)s on %(date)s, after your contest.").split(" %(old)s")[0]
    )
    shoot(candidate, "contest-corrected-result-fr")

    # 4. The client reads it in English, with the note worded for the employer.
    client = new_page(locale="en-GB")
    sign_in(client, base, CLIENT, "en")
    client.goto(f"{base}/en/tests/assignments/{assignment}")
    expect(client.locator("main .notice[role=note]")).to_contain_text("This score was corrected from")
    expect(client.locator("main")).not_to_contain_text("two right answers")  # the answer is the candidate's
    shoot(client, "contest-corrected-result-client-en")

    # 5. Each was told by e-mail, in their own language.
    assert any(subject == fr("Your test score is corrected") for subject in subjects_to(app, CANDIDATE)), subjects_to(
        app, CANDIDATE
    )
    assert "A test score was corrected" in subjects_to(app, CLIENT), subjects_to(app, CLIENT)


def test_the_admin_reads_failed_mail_in_french(live_server, new_page, make_user):
    base, app = live_server.url, live_server.app
    set_up(app, make_user)
    with app.app_context():
        member = db.session.scalar(select(User).where(User.email == CANDIDATE))
        db.session.add(failed_outbox_message(member, "Votre résultat", "SMTPRecipientsRefused: 452 4.2.2 mailbox full"))
        db.session.commit()
    admin = new_page(locale="fr-FR")
    sign_in(admin, base, ADMIN, "fr")
    admin.goto(f"{base}/fr/dashboard")
    admin.locator("a.next-step-action", has_text=fr("%(num)d e-mail could not be sent") % {"num": 1}).click()
    expect(admin.locator("h1")).to_have_text(fr("E-mails that could not be sent"))
    expect(admin.locator("main table")).to_contain_text("Léa Martin")
    shoot(admin, "failed-mail-fr")
    admin.get_by_role("button", name=fr("Send every failed e-mail again"), exact=True).click()
    expect(admin.locator(".flash-success")).to_contain_text(fr("%(num)d e-mail is back in the queue.") % {"num": 1})
    expect(admin.locator("main table")).to_contain_text(fr("Every e-mail was sent."))
