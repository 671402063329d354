"""Simulation pages: the candidate's requests and matches, the interviewer's invitations, the sessions."""

from flask import abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from app.auth.models import Role
from app.auth.permissions import admin_required, role_required
from app.core import charts
from app.core.access_log import AccessReason, may_access
from app.core.forms import commit_or_flash_refusal, flash_domain_error, show_domain_error
from app.core.ratelimit import form_kept_when_limited
from app.core.security import form_checks_csrf
from app.extensions import db, limiter
from app.profiles import services as profile_services
from app.profiles.models import EducationEntry, ExperienceEntry
from app.simulations import messages, planning, services
from app.simulations.blueprint import bp
from app.simulations.explain import SUGGESTIONS, funnel_lines, obstacle_sentence, reasons_text
from app.simulations.forms import (
    AcceptForm,
    CancelRequestForm,
    CancelSessionForm,
    DeclineForm,
    InviteBestForm,
    InviteForm,
    MessageForm,
    NoShowForm,
    RatingForm,
    RequestForm,
    RescheduleForm,
    feedback_form_class,
)
from app.simulations.matching import main_mismatch
from app.simulations.models import InvitationStatus, RequestStatus, SessionStatus
from app.simulations.services import CRITERIA, SimulationError

#: Messages a member may send in an hour, over all her sessions: a conversation, not a flood of e-mails.
MESSAGE_LIMIT = "30 per hour"


def _show_error(form, error: SimulationError) -> None:
    """As show_domain_error, but the windows' message shows inside their fieldset, which is not a form field."""
    if error.field == "windows":
        db.session.rollback()
        form.windows_error = str(error.message)
    else:
        show_domain_error(form, error)


@bp.route("/")
@login_required
def index():
    """The member's requests, invitations and sessions, with their status."""
    if not current_user.has_role(Role.CANDIDATE, Role.INTERVIEWER):
        abort(403)
    return render_template(
        "simulations/index.html",
        requests=services.candidate_requests(current_user) if current_user.has_role(Role.CANDIDATE) else [],
        invitations=services.invitations_for(current_user, InvitationStatus.PENDING)
        if current_user.has_role(Role.INTERVIEWER)
        else [],
        sessions=services.sessions_for(current_user),
    )


# --- the candidate's request -------------------------------------------------------------------------


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.CANDIDATE)
@form_kept_when_limited
@limiter.limit(lambda: current_app.config["SIMULATION_REQUEST_LIMIT"], methods=["POST"])  # per candidate
@form_checks_csrf
def new_request():
    """Ask for a mock interview: type, mode, target, language and two or more time windows."""
    form = RequestForm()
    if request.method == "GET":
        profile = profile_services.candidate_profile(current_user)
        form.sector.data = (profile.target_sectors or [""])[0]
        form.company_type.data = (profile.target_company_types or [""])[0]
        form.language.data = current_user.locale
        db.session.rollback()
    if form.validate_on_submit():
        data = services.RequestData(
            mode=form.mode.data,
            interview_type=form.interview_type.data,
            language=form.language.data,
            windows=form.chosen_windows(),
            sector=form.sector.data,
            company_type=form.company_type.data,
            city=form.city.data or "",
            goal=form.goal.data or "",
            is_auto_invite=form.is_auto_invite.data,
        )
        try:
            simulation_request = services.create_request(current_user, data)
        except SimulationError as error:
            _show_error(form, error)
        else:
            db.session.commit()
            return redirect(url_for("simulations.request_page", public_id=simulation_request.public_id))
    return render_template("simulations/new.html", form=form)


def _own_request_or_404(public_id: str, *, with_invitations: bool = False):
    simulation_request = services.find_request(public_id, with_invitations=with_invitations)
    if simulation_request is None or simulation_request.candidate_id != current_user.id:
        abort(404)
    return simulation_request


@bp.route("/requests/<public_id>")
@role_required(Role.CANDIDATE)
def request_page(public_id: str):
    """The request: the best interviewers with the reason for each, or how to widen it; then its status."""
    simulation_request = _own_request_or_404(public_id, with_invitations=True)
    if services.expire_invitations():
        # Only when some expired: a commit expires every loaded object, and the page then read them all again.
        db.session.commit()
    result = services.find_matches(simulation_request) if simulation_request.status == RequestStatus.OPEN else None
    session = next(iter(services.sessions_for_request(simulation_request)), None)
    return render_template(
        "simulations/request.html",
        sim=simulation_request,
        result=result,
        session=session,
        explain=lambda reasons: reasons_text(reasons, current_user.timezone),
        suggestions=[SUGGESTIONS[code] for code in result.suggestions] if result else [],
        **_why_nobody_fits(simulation_request, result),
        invite_form=InviteForm(),
        invite_best_form=InviteBestForm(),
        cancel_form=CancelRequestForm(),
        has_pending=any(i.status == InvitationStatus.PENDING for i in simulation_request.invitations),
    )


def _why_nobody_fits(simulation_request, result) -> dict:
    """The real mismatch and how many interviewers each criterion leaves, when nobody fits."""
    found = result.mismatches if result else []
    main = main_mismatch(found)
    return {
        "obstacle": obstacle_sentence(main, simulation_request) if main else None,
        "funnel": funnel_lines(found, simulation_request),
    }


def _invite_and_report(public_id: str, form, choose) -> object:
    """Invite whom `choose(request)` picks, commit, and tell the candidate how many were invited."""
    simulation_request = _own_request_or_404(public_id)
    if form.validate_on_submit():
        try:
            invited = choose(simulation_request)
        except SimulationError as error:
            flash_domain_error(error)
        else:
            db.session.commit()
            flash(
                ngettext(
                    "%(num)d interviewer invited. You will receive an e-mail when they accept.",
                    "%(num)d interviewers invited. You will receive an e-mail when one of them accepts.",
                    len(invited),
                ),
                "success",
            )
    return redirect(url_for("simulations.request_page", public_id=public_id))


@bp.route("/requests/<public_id>/invite", methods=["POST"])
@role_required(Role.CANDIDATE)
def invite(public_id: str):
    """Invite the interviewers the candidate ticked (only among those proposed)."""
    chosen = set(request.form.getlist("interviewer"))

    def ticked(simulation_request):
        return services.invite_chosen(simulation_request, chosen)

    return _invite_and_report(public_id, InviteForm(), ticked)


@bp.route("/requests/<public_id>/invite-best", methods=["POST"])
@role_required(Role.CANDIDATE)
def invite_best(public_id: str):
    """Let the portal invite the three best matches."""
    return _invite_and_report(public_id, InviteBestForm(), services.invite_best)


@bp.route("/requests/<public_id>/cancel", methods=["POST"])
@role_required(Role.CANDIDATE)
def cancel_request(public_id: str):
    simulation_request = _own_request_or_404(public_id)
    form = CancelRequestForm()
    if form.validate_on_submit() and commit_or_flash_refusal(
        lambda: services.cancel_request(simulation_request, form.reason.data or ""), SimulationError
    ):
        flash(_("Your request is cancelled."), "success")
    return redirect(url_for("simulations.request_page", public_id=public_id))


# --- the interviewer's invitation --------------------------------------------------------------------


def _own_invitation_or_404(public_id: str):
    invitation = db.first_or_404(
        db.select(services.SimulationInvitation).where(
            services.SimulationInvitation.public_id == public_id,
            services.SimulationInvitation.interviewer_id == current_user.id,
        )
    )
    # A candidate's restriction (or erasure) pauses her invitations: the interviewer can neither read nor answer them.
    if not may_access(invitation.request.candidate_id, AccessReason.INTERVIEW_REQUEST):
        abort(404)
    return invitation


def _render_invitation(invitation, accept_form=None, decline_form=None, status=200):
    sim = invitation.request
    candidate = sim.candidate
    profile = profile_services.find_candidate_profile(candidate.id)  # viewing never creates one
    accept_form = accept_form or AcceptForm()
    accept_form.window.choices = [(w.public_id, _window_label(w)) for w in sim.windows]
    page = render_template(
        "simulations/invitation.html",
        invitation=invitation,
        sim=sim,
        candidate=candidate,
        profile=profile,
        education=profile_services.entries(EducationEntry, candidate),
        experience=profile_services.entries(ExperienceEntry, candidate),
        accept_form=accept_form,
        decline_form=decline_form or DeclineForm(),
        is_open=invitation.status == InvitationStatus.PENDING and sim.status == RequestStatus.OPEN,
    )
    return page, status


def _window_label(window) -> str:
    from flask_babel import format_datetime

    return f"{format_datetime(window.start_dt, 'EEEE d MMMM, HH:mm')} – {format_datetime(window.end_dt, 'HH:mm')}"


@bp.route("/invitations/<public_id>")
@role_required(Role.INTERVIEWER)
def invitation(public_id: str):
    """An invitation: the request, the candidate's shared profile, and the choice to accept or decline."""
    invitation = _own_invitation_or_404(public_id)
    services.record_profile_view(invitation, current_user)
    page = _render_invitation(invitation)
    db.session.commit()
    return page


@bp.route("/invitations/<public_id>/accept", methods=["POST"])
@role_required(Role.INTERVIEWER)
@form_checks_csrf
def accept(public_id: str):
    """Accept one window. If another interviewer accepted at the same moment, the first one wins."""
    invitation = _own_invitation_or_404(public_id)
    form = AcceptForm()
    form.window.choices = [(w.public_id, w.public_id) for w in invitation.request.windows]
    if not form.validate_on_submit():
        return _render_invitation(invitation, accept_form=form, status=400)
    invitation_id = invitation.id
    try:
        session = services.accept(invitation, form.window.data, form.meeting_details.data)
        db.session.commit()
    except services.AcceptedTooLate as error:
        db.session.rollback()
        services.mark_too_late(invitation_id)
        db.session.commit()
        flash(str(error.message), "info")
        return redirect(url_for("simulations.index"))
    except IntegrityError:
        # The other acceptance won: the database refuses a second session for the request.
        db.session.rollback()
        if not services.request_has_session(invitation_id):
            raise
        services.mark_too_late(invitation_id)
        db.session.commit()
        flash(_("Thank you! Another interviewer has already accepted this request."), "info")
        return redirect(url_for("simulations.index"))
    except SimulationError as error:
        _show_error(form, error)
        return _render_invitation(_own_invitation_or_404(public_id), accept_form=form, status=400)
    flash(_("Thank you! The session is scheduled and the candidate is told."), "success")
    return redirect(url_for("simulations.session", public_id=session.public_id))


@bp.route("/invitations/<public_id>/decline", methods=["POST"])
@role_required(Role.INTERVIEWER)
def decline(public_id: str):
    invitation = _own_invitation_or_404(public_id)
    form = DeclineForm()
    if form.validate_on_submit() and commit_or_flash_refusal(
        lambda: services.decline(invitation, form.reason.data or ""), SimulationError
    ):
        flash(_("You declined this request. Thank you for answering."), "success")
    return redirect(url_for("simulations.index"))


# --- sessions ----------------------------------------------------------------------------------------


def _own_session_or_404(public_id: str):
    session = services.find_session(public_id)
    if session is None or current_user.id not in {session.candidate_id, session.interviewer_id}:
        abort(404)
    return session


def _feedback_trend(session) -> charts.Lines | None:
    """The feedback scores across the candidate's sessions (from 2 on), a line per criterion, 0 to 5."""
    sessions = services.feedback_over_sessions(session, current_user)
    if len(sessions) < 2:
        return None
    criteria = list(dict.fromkeys(criterion for _, scores in sessions for criterion in scores))
    label = services.CRITERION_LABELS
    series = [(str(label.get(code, code)), [scores.get(code) for _, scores in sessions]) for code in criteria]
    return charts.lines([format_date(start, "medium") for start, _ in sessions], series, 0, 5)


def _render_session(session, status=200, **forms):
    is_interviewer = current_user.id == session.interviewer_id
    criteria = CRITERIA.get(session.request.interview_type, ())
    feedback_form = forms.get("feedback_form") or feedback_form_class(criteria)()
    return render_template(
        "simulations/session.html",
        session=session,
        sim=session.request,
        other=services.other_party(session, current_user),
        is_interviewer=is_interviewer,
        criteria=criteria,
        feedback=session.feedback,
        feedback_form=feedback_form,
        rating_form=forms.get("rating_form") or RatingForm(),
        cancel_form=forms.get("cancel_form") or CancelSessionForm(),
        reschedule_form=forms.get("reschedule_form") or RescheduleForm(),
        no_show_form=NoShowForm(),
        message_form=forms.get("message_form") or MessageForm(),
        thread=messages.thread(session),
        feedback_trend=_feedback_trend(session) if session.feedback and session.feedback.submitted_dt else None,
        calendar_links=planning.calendar_links(session, current_user),
        now=services.utcnow(),
        SessionStatus=SessionStatus,
    ), status


@bp.route("/sessions/<public_id>")
@login_required
def session(public_id: str):
    """The session as each party sees it, in their own time zone; feedback and rating."""
    return _render_session(_own_session_or_404(public_id))


@bp.route("/sessions/<public_id>/calendar.ics")
@login_required
def session_calendar(public_id: str):
    """The session as a calendar file, in the reader's language (times in UTC: calendars show their zone)."""
    session = _own_session_or_404(public_id)
    response = make_response(planning.ics_for(session, current_user))
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = "attachment; filename=interview.ics"
    return response


@bp.route("/sessions/<public_id>/messages", methods=["POST"])
@login_required
@form_kept_when_limited
@limiter.limit(MESSAGE_LIMIT, methods=["POST"])  # per member
@form_checks_csrf
def post_message(public_id: str):
    """Write to the other party of the session; they are told by e-mail."""
    return _session_action(
        public_id,
        MessageForm,
        lambda s, f: messages.post_message(s, current_user, f.body.data),
        "message_form",
        lambda: _("Your message is sent."),
        anchor="messages",
    )


def _session_action(public_id: str, form_class, action, form_key: str, success, anchor: str | None = None):
    session = _own_session_or_404(public_id)
    form = form_class()
    if form.validate_on_submit():
        try:
            action(session, form)
        except SimulationError as error:
            _show_error(form, error)
        else:
            db.session.commit()
            flash(success(), "success")
            return redirect(url_for("simulations.session", public_id=public_id, _anchor=anchor))
    return _render_session(_own_session_or_404(public_id), status=400, **{form_key: form})


@bp.route("/sessions/<public_id>/cancel", methods=["POST"])
@login_required
@form_checks_csrf
def cancel_session(public_id: str):
    return _session_action(
        public_id,
        CancelSessionForm,
        lambda s, f: services.cancel_session(s, current_user, f.reason.data),
        "cancel_form",
        lambda: _("The session is cancelled and the other person is told."),
    )


@bp.route("/sessions/<public_id>/reschedule", methods=["POST"])
@login_required
@form_checks_csrf
def reschedule(public_id: str):
    return _session_action(
        public_id,
        RescheduleForm,
        lambda s, f: services.reschedule(s, current_user, f.start.data, f.reason.data),
        "reschedule_form",
        lambda: _("The session is moved and the other person is told."),
    )


@bp.route("/sessions/<public_id>/no-show", methods=["POST"])
@login_required
def report_no_show(public_id: str):
    return _session_action(
        public_id,
        NoShowForm,
        lambda s, f: services.report_no_show(s, current_user),
        "no_show_form",
        lambda: _("Thank you: the no-show is recorded."),
    )


@bp.route("/sessions/<public_id>/feedback", methods=["POST"])
@role_required(Role.INTERVIEWER)
@form_checks_csrf
def submit_feedback(public_id: str):
    """The interviewer's structured feedback, once the session has started."""
    session = _own_session_or_404(public_id)
    if current_user.id != session.interviewer_id:
        abort(404)
    criteria = CRITERIA.get(session.request.interview_type, ())
    form = feedback_form_class(criteria)()
    if form.validate_on_submit():
        try:
            services.submit_feedback(
                session,
                scores={criterion: int(getattr(form, f"score_{criterion}").data) for criterion in criteria},
                strengths=form.strengths.data,
                improvements=form.improvements.data,
                recommendations=form.recommendations.data or "",
                resources=form.resources.data or "",
            )
        except SimulationError as error:
            _show_error(form, error)
        else:
            db.session.commit()
            flash(_("Thank you! Your feedback is sent to the candidate."), "success")
            return redirect(url_for("simulations.session", public_id=public_id))
    return _render_session(session, status=400, feedback_form=form)


@bp.route("/sessions/<public_id>/rating", methods=["POST"])
@role_required(Role.CANDIDATE)
@form_checks_csrf
def rate(public_id: str):
    """The candidate rates the session and may share the feedback with their sponsor."""
    session = _own_session_or_404(public_id)
    if current_user.id != session.candidate_id:
        abort(404)
    return _session_action(
        public_id,
        RatingForm,
        lambda s, f: services.rate_session(s, int(f.rating.data), f.comment.data or "", f.share_with_sponsor.data),
        "rating_form",
        lambda: _("Thank you for your rating."),
    )


@bp.route("/statistics")
@admin_required
def statistics():
    """Aggregated counts of interviews, by profile type and by interviewer."""
    return render_template(
        "simulations/statistics.html",
        by_profile=services.interview_counts_by_profile(),
        by_interviewer=services.interview_counts_by_interviewer(),
    )
