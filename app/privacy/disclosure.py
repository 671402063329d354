"""Who else may read a member's data now: the one place where restriction, objection and erasure are enforced.

Features do not test `is_processing_restricted` or objections themselves. They ask here:

- `may_disclose(member, recipient)` for one member; every view of another member's data goes through
  `core.access_log.record_access`, which asks it (registered by `register_access_check` at start-up), so a
  page that shows someone's data and logs it, as it must, cannot show it to a recipient refused here;
- `disclosed_to(recipient)` (a filter on User) or `disclosed_to(recipient, column)` (a filter on any column
  holding a member's id) for every list and every aggregate over members.

The rules (the policy's right to restriction and right to object):
- while a member restricts processing, her data is only stored: no interviewer, client, employer search,
  sponsor or statistic reads it, except what `KEPT_WHILE_RESTRICTED` names (the dashboard says so);
- an objection to statistics in effect (or upheld) takes her out of every aggregate;
- while her erasure runs (the account is suspended for it), nobody but an administrator reads anything.
"""

import enum

from sqlalchemy import and_, exists, or_, select, true, union

from app.auth.models import User
from app.core.access_log import AccessReason, register_disclosure_check
from app.extensions import db
from app.privacy.models import Objection, ObjectionStatus, ObjectionTopic


class Recipient(enum.StrEnum):
    """Who reads a member's data, as the policy's recipients and the right to object name them."""

    #: An invited or accepting interviewer: the shared profile, CV, photo and the request (recipients-interviewers).
    INTERVIEWER = "interviewer"
    #: The interviewer of a session already scheduled: the session itself (name, time, interview, meeting details).
    SCHEDULED_SESSION = "scheduled_session"
    #: A client that assigned a test: the assignment, the result, the shared profile (recipients-clients).
    CLIENT = "client"
    #: Another client searching candidates who agreed to be found by their results (consent-share-results).
    EMPLOYER_SEARCH = "employer_search"
    #: The admins of a sponsoring organisation: its member list, the data it provided, shared feedback.
    SPONSOR = "sponsor"
    #: The sponsor's admins answering a correction the member asked them for (right-rectification).
    SPONSOR_CORRECTION = "sponsor_correction"
    #: Every aggregate: percentiles, benchmarks, item statistics, ratings, sponsor figures, operator counts.
    STATISTICS = "statistics"
    #: Caseinjob's administrators (to answer the member's requests, and for legal claims).
    ADMIN = "admin"


#: What a restriction keeps (GDPR art. 18(2): storage, legal claims, and what the member herself asked for):
#: administrators answering her requests, the interviewer of a session already scheduled (to run or cancel
#: it: her name, the time, the interview and the meeting details, never her profile, CV or photo), and the
#: sponsor answering the correction she asked for. The privacy dashboard lists the same three.
KEPT_WHILE_RESTRICTED = frozenset({Recipient.ADMIN, Recipient.SCHEDULED_SESSION, Recipient.SPONSOR_CORRECTION})

#: The recipient each reason of the access log stands for.
RECIPIENT_OF_REASON = {
    AccessReason.INTERVIEW_REQUEST: Recipient.INTERVIEWER,
    AccessReason.CLIENT_ASSIGNMENT: Recipient.CLIENT,
    AccessReason.RESULTS_SEARCH: Recipient.EMPLOYER_SEARCH,
    AccessReason.ADMIN_REVIEW: Recipient.ADMIN,
}

#: The account is suspended while its erasure runs (app/privacy/erasure.py sets this reason).
ERASURE_SUSPENSION = "erasure"
_ACTIVE_OBJECTION = (ObjectionStatus.IN_EFFECT.value, ObjectionStatus.UPHELD.value)


def is_being_erased(member) -> bool:
    return bool(member.is_suspended and member.suspended_reason == ERASURE_SUSPENSION)


def objects_to_statistics(member) -> bool:
    return bool(
        db.session.scalar(
            select(Objection.id)
            .where(
                Objection.user_id == member.id,
                Objection.topic == ObjectionTopic.STATISTICS.value,
                Objection.status.in_(_ACTIVE_OBJECTION),
            )
            .limit(1)
        )
    )


def may_disclose(member, recipient: Recipient) -> bool:
    """Whether `recipient` may read this member's data now (the member herself needs no permission)."""
    if member is None:
        return False
    if is_being_erased(member):
        return recipient == Recipient.ADMIN
    if member.is_processing_restricted and recipient not in KEPT_WHILE_RESTRICTED:
        return False
    return not (recipient == Recipient.STATISTICS and objects_to_statistics(member))


def _rules(recipient: Recipient, member=User) -> list:
    """The conditions on `member` (User, or an alias of it) for `recipient`, as SQL."""
    if recipient == Recipient.ADMIN:
        return []
    not_erasing = or_(
        member.is_suspended.is_(False), member.suspended_reason.is_(None), member.suspended_reason != ERASURE_SUSPENSION
    )
    clauses = [not_erasing]
    if recipient not in KEPT_WHILE_RESTRICTED:
        clauses.append(member.is_processing_restricted.is_(False))
    if recipient == Recipient.STATISTICS:
        objection = (
            exists()
            .where(
                Objection.user_id == member.id,
                Objection.topic == ObjectionTopic.STATISTICS.value,
                Objection.status.in_(_ACTIVE_OBJECTION),
            )
            .correlate(member)
        )
        clauses.append(~objection)
    return clauses


def disclosed_to(recipient: Recipient, member_id=None):
    """A filter: the members whose data `recipient` may read now.

    Without `member_id`, a condition on User (the query joins the member's User row). With it, a condition on
    that column (Attempt.candidate_id, InterviewSession.candidate_id...), true for the members allowed; a NULL
    member (an anonymised row) passes, since it names nobody.
    """
    if member_id is None:
        return and_(true(), *_rules(recipient))
    withheld = withheld_from(recipient)
    if withheld is None:
        return true()
    return or_(member_id.is_(None), member_id.not_in(withheld))


def withheld_from(recipient: Recipient):
    """The ids of the members whose data `recipient` may not read now (the complement of `_rules`), or None
    when there are none (an administrator).

    They are few (being erased, restricted, objecting to statistics) and found through their own indexes: a
    list that checked each of its rows' members against `_rules` read a member row per row (a client's 2,000
    assignments: 4.5 ms of its 5.4 ms count). Every id is a member's (foreign keys), never NULL.
    """
    if recipient == Recipient.ADMIN:
        return None
    # "= true", not "IS TRUE": PostgreSQL reads an index for the first only.
    withheld = [select(User.id).where(User.suspended_reason == ERASURE_SUSPENSION, User.is_suspended == true())]
    if recipient not in KEPT_WHILE_RESTRICTED:
        withheld.append(select(User.id).where(User.is_processing_restricted == true()))
    if recipient == Recipient.STATISTICS:
        withheld.append(
            select(Objection.user_id).where(
                Objection.topic == ObjectionTopic.STATISTICS.value, Objection.status.in_(_ACTIVE_OBJECTION)
            )
        )
    return union(*withheld) if len(withheld) > 1 else withheld[0]


# --- the access log asks before anything is shown --------------------------------------------------


def _access_check(owner_id: int, why: AccessReason) -> bool:
    return may_disclose(db.session.get(User, owner_id), RECIPIENT_OF_REASON[AccessReason(why)])


def register_access_check() -> None:
    """Every record_access (every view of another member's data) asks the rules above first."""
    register_disclosure_check(_access_check)
