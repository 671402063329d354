"""What candidates and interviewers have to do next about their profiles, for the home page (registered in
app/profiles/blueprint.py with core.next_steps). A fixed number of queries."""

from flask import url_for
from flask_babel import gettext, ngettext
from sqlalchemy import func, select

from app.core.next_steps import NextStep
from app.extensions import db
from app.profiles import services
from app.profiles.models import AvailabilitySlot, InterviewerProfile


def candidate_steps(member) -> list[NextStep]:
    """Profile completeness, with the next thing to add (a GET creates no profile row)."""
    completeness = services.completeness_of(member.id)
    if completeness is None:
        percent, missing = (
            0,
            [gettext("Choose the sectors and kinds of company you aim at: matching relies on them most.")],
        )
    else:
        percent, missing = completeness.percent, [str(text) for text in completeness.missing]
    if missing:
        text, detail = gettext("Your profile is %(percent)d%% complete", percent=percent), missing[0]
    else:
        text, detail = gettext("Your profile is complete"), gettext("Keep it up to date before each interview.")
    return [NextStep(text, url_for("profiles.profile"), detail=detail, is_status=True)]


def interviewer_steps(member) -> list[NextStep]:
    """An interviewer without a profile or weekly slots is proposed to nobody: say so first."""
    profile = db.session.scalar(select(InterviewerProfile).where(InterviewerProfile.user_id == member.id))
    slots = db.session.scalar(select(func.count(AvailabilitySlot.id)).where(AvailabilitySlot.user_id == member.id))
    if profile is None or not profile.interview_types or not profile.languages:
        what = gettext("Fill in your interviewer profile")
        why = gettext("Candidates are matched with you by your expertise, modes and languages.")
        return _on_interviewer_profile(what, why, is_urgent=True)
    if not slots:
        what = gettext("Say when you are available")
        why = gettext("Without weekly slots, no candidate is proposed to you.")
        return _on_interviewer_profile(what, why, is_urgent=True)
    if not profile.is_accepting:
        what = gettext("You are not accepting new requests")
        why = gettext("Turn it back on when you have time for interviews.")
        return _on_interviewer_profile(what, why, is_status=True)
    return _on_interviewer_profile(
        ngettext("Your availability: %(num)d weekly slot", "Your availability: %(num)d weekly slots", slots),
        ngettext("Up to %(num)d interview a week", "Up to %(num)d interviews a week", profile.weekly_capacity),
        is_status=True,
    )


def _on_interviewer_profile(text: str, detail: str, **flags) -> list[NextStep]:
    """An interviewer's one step: whatever it is, it is done on the interviewer profile page."""
    return [NextStep(text, url_for("profiles.interviewer_profile"), detail=detail, **flags)]
