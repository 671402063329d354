"""The dashboard reads every registry entry in one savepoint, the counts in one statement; a failing entry must
still spoil only itself."""

import re
from datetime import timedelta

from sqlalchemy import func, literal_column, select, table, text

from app.auth.models import User
from app.core import registry
from app.core.audit import AuditEvent, EventKind
from app.core.registry import LegalBasis, PersonalDataEntry
from app.core.timeutil import utcnow
from app.extensions import db
from tests.conftest import recorded_statements, shown

CANNOT_SHOW = "We cannot show this data right now"


def stand_in(key: str, category: str, order: int, **reading) -> PersonalDataEntry:
    """A registry entry of a feature that does not exist, read by `count` or `count_query`."""
    return PersonalDataEntry(
        key=key, category=category, purpose="Testing", legal_basis=LegalBasis.CONTRACT, order=order, **reading
    )


def _failing_count(user) -> int:
    # A failed statement: on PostgreSQL it aborts the transaction, so the next entries need their own savepoint.
    return db.session.scalar(text("SELECT count(*) FROM no_such_table"))


def test_a_failing_entry_shows_as_unavailable_and_the_others_still_show(member, extra_entry):
    extra_entry(stand_in("test_broken", "Something broken", 1, count=_failing_count))
    extra_entry(stand_in("test_after_broken", "Something fine", 2, count=lambda user: 7))
    response = member.get("/en/privacy/dashboard")
    assert response.status_code == 200
    broken = shown(response).split("Something broken")[1].split("Something fine")[0]
    assert CANNOT_SHOW in broken
    fine = response.text.split('id="data-test_after_broken"')[1].split("</article>")[0]
    assert "7 records" in fine and CANNOT_SHOW not in fine
    account = response.text.split('id="data-account"')[1].split("</article>")[0]
    assert CANNOT_SHOW not in account


def test_without_failures_no_entry_shows_as_unavailable(member):
    assert CANNOT_SHOW not in shown(member.get("/en/privacy/dashboard"))


def test_the_dashboard_lists_the_latest_fifty_sign_ins_newest_first_and_no_other_event(app, member):
    start = utcnow() + timedelta(days=1)  # newer than the fixture's own sign-in
    with app.app_context():
        for number in range(55):
            db.session.add(
                AuditEvent(
                    kind=EventKind.LOGIN_SUCCESS.value,
                    user_id=member.user_id,
                    created_dt=start + timedelta(hours=number),
                    user_agent=f"device-{number:02d}",
                )
            )
        db.session.add(
            AuditEvent(
                kind=EventKind.PASSWORD_CHANGED.value,
                user_id=member.user_id,
                created_dt=start + timedelta(days=30),
                user_agent="device-password",
            )
        )
        db.session.commit()
    page = member.get("/en/privacy/dashboard").text
    devices = re.findall(r"device-(\d\d|password)", page.split("My recent sign-ins")[1].split("</table>")[0])
    assert devices == [f"{number:02d}" for number in range(54, 4, -1)]
    assert page.split("My recent sign-ins")[1].split("</table>")[0].count("<tr><td>") == 50


def test_the_dashboard_lists_the_latest_50_consent_choices(app, make_user):
    """The history grows with every choice: the page shows the latest 50 and says the export holds the rest."""
    from app.privacy.consents import set_consent
    from app.privacy.models import ConsentPurpose, ConsentSource
    from tests.conftest import AuthActions

    make_user("chooser@example.com", locale="fr")
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "chooser@example.com"))
        for number in range(60):
            set_consent(user, ConsentPurpose.SURVEYS, number % 2 == 0, ConsentSource.DASHBOARD)
        db.session.commit()
    client = app.test_client()
    AuthActions(client).login("chooser@example.com", lang="fr")
    page = shown(client.get("/fr/privacy/dashboard"))
    assert page.count("/receipt") == 50
    assert "Vos 50 derniers choix ; l’export de vos données les contient tous." in page


def _broken_count_query(user):
    return select(func.count()).select_from(table("no_such_table")).where(literal_column("owner") == user.id)


def test_a_failing_count_query_spoils_only_its_own_entry(member, extra_entry):
    """The counts are read in one statement: when it fails, each entry is read again on its own."""
    extra_entry(stand_in("test_broken_query", "Something broken", 1, count_query=_broken_count_query))
    extra_entry(
        stand_in(
            "test_fine_query",
            "Something fine",
            2,
            count_query=lambda user: select(func.count(AuditEvent.id)).where(AuditEvent.user_id == user.id),
        )
    )
    page = member.get("/en/privacy/dashboard").text
    broken = page.split('id="data-test_broken_query"')[1].split("</article>")[0]
    fine = page.split('id="data-test_fine_query"')[1].split("</article>")[0]
    security_events = page.split('id="data-security_events"')[1].split("</article>")[0]
    assert CANNOT_SHOW in broken
    assert CANNOT_SHOW not in fine and CANNOT_SHOW not in security_events
    assert _count_shown(fine) == _count_shown(security_events) > 0  # the same rows, counted on their own
    sessions = page.split('id="data-sessions"')[1].split("</article>")[0]
    assert _count_shown(sessions) == 1


def _count_shown(card: str) -> int:
    return int(re.search(r'class="count">(\d+) records?<', card).group(1))


def test_the_counts_are_read_in_one_statement(app, member):
    with recorded_statements(app) as statements:
        member.get("/en/privacy/dashboard")
    with app.app_context():
        counted = [entry for entry in registry.entries() if entry.count_query is not None]
    assert len(counted) >= 20
    combined = [statement for statement in statements if statement.count("count(") >= len(counted)]
    assert len(combined) == 1
    # Left: the recovery codes, which the dashboard shows as a value of their own.
    assert len([statement for statement in statements if "count(" in statement]) <= 2
