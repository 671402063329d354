"""Restriction of processing: while it lasts, data is only stored (no matching, no clients, no marketing)."""

import pytest
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from app.privacy import consents, services
from app.privacy.models import ConsentPurpose
from tests.conftest import outbox, shown
from tests.privacy.conftest import load_user


@pytest.mark.promise("right-restriction")
def test_restriction_stops_everything_but_storage_and_can_be_lifted(app, member, sign_in):
    other = sign_in("other@example.com")
    for someone in (member, other):
        someone.post("/en/privacy/consents", {"consent-marketing": "y", "consent-share_results": "y"})

    response = member.post("/en/privacy/restriction")
    assert response.headers["Location"].endswith("#restriction")
    user = load_user(app, member.user_id)
    assert user.is_processing_restricted and user.restricted_dt is not None
    text = shown(member.get("/en/privacy/dashboard"))
    assert "Processing of your data is restricted since" in text and "Lift the restriction" in text

    with app.test_request_context("/"):
        user = db.session.get(User, member.user_id)
        assert services.is_restricted(user)
        # Matching, clients and sponsors filter on unrestricted(); employers' searches on consenting().
        assert set(db.session.scalars(select(User.email).where(services.unrestricted()))) == {"other@example.com"}
        searchable = set(
            db.session.scalars(select(User.email).where(consents.consenting(ConsentPurpose.SHARE_RESULTS)))
        )
        assert searchable == {"other@example.com"}
        assert not consents.has_consent(user, ConsentPurpose.MARKETING)
        assert (
            consents.queue_marketing_email(
                user, ConsentPurpose.MARKETING, template="news", subject=_l("News"), headline="h", text="t"
            )
            is None
        )
        db.session.commit()
    assert outbox(app, to="member@example.com") == []

    member.post("/en/privacy/restriction/lift")
    user = load_user(app, member.user_id)
    assert not user.is_processing_restricted
    with app.app_context():
        assert consents.has_consent(db.session.get(User, member.user_id), ConsentPurpose.MARKETING)


def test_restriction_needs_a_csrf_token(app, member):
    assert member.client.post("/en/privacy/restriction").status_code == 400
    assert not load_user(app, member.user_id).is_processing_restricted


def test_restriction_is_audited(app, member):
    member.post("/en/privacy/restriction")
    from app.core.audit import AuditEvent

    with app.app_context():
        kinds = list(db.session.scalars(select(AuditEvent.kind).where(AuditEvent.user_id == member.user_id)))
    assert "processing_restricted" in kinds
