"""Assessment pages: published practice tests, instructions, taking a test page by page, the result."""

import math

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from app.assessments import assignments, corrections, services
from app.assessments.assignments import assignments_for_candidate, client_label
from app.assessments.blueprint import bp
from app.assessments.forms import (
    ContestForm,
    StartForm,
    SubmitAttemptForm,
    cached_page_form_class,
    field_name,
    page_form_class,
)
from app.assessments.models import Assignment, ItemKind
from app.assessments.services import AssessmentError
from app.auth.models import Role
from app.auth.permissions import role_required
from app.core.errors import found_or_404
from app.core.forms import flash_domain_error
from app.core.i18n import current_language
from app.core.input_guard import request_json
from app.core.security import form_checks_csrf
from app.core.timeutil import utcnow
from app.extensions import db, limiter


@bp.route("/")
@role_required(Role.CANDIDATE)
def index():
    """The published practice tests and the candidate's own attempts."""
    return render_template(
        "assessments/index.html",
        tests=services.published_tests(),
        attempts=services.attempts_of(current_user),
        assigned=assignments_for_candidate(current_user),
        client_label=client_label,
    )


@bp.route("/<public_id>")
@role_required(Role.CANDIDATE)
def instructions(public_id: str):
    """What the test measures, how long it lasts (with the member's extra time), and the start button."""
    test = found_or_404(services.find_published_test(public_id))
    return render_instructions(test, open_attempt=services.open_practice_attempt(current_user, test))


def render_instructions(test, **context) -> str:
    """The instructions page of `test` for the signed-in candidate, their extra time included."""
    factor = services.time_factor_of(current_user)
    return render_template(
        "assessments/instructions.html",
        test=test,
        minutes=round(test.time_limit_minutes * factor),
        has_accommodation=factor > 1,
        item_count=len(test.items),
        form=StartForm(),
        **context,
    )


@bp.route("/<public_id>/start", methods=["POST"])
@role_required(Role.CANDIDATE)
@limiter.limit("30 per hour")
@form_checks_csrf
def start(public_id: str):
    """Start a practice attempt (or go back to the open one); the deadline is fixed on the server now."""
    test = found_or_404(services.find_published_test(public_id))
    form = StartForm()
    if not form.validate_on_submit():
        flash(_("Your form has expired or was sent from elsewhere. Check what you typed and send it again."), "error")
        return redirect(url_for("assessments.instructions", public_id=public_id))
    try:
        attempt, _created = services.start_practice(current_user, test)
    except AssessmentError as error:
        flash_domain_error(error)
        return redirect(url_for("assessments.index"))
    db.session.commit()
    return redirect(url_for("assessments.take", public_id=attempt.public_id))


@bp.route("/attempts/<public_id>", methods=["GET", "POST"])
@role_required(Role.CANDIDATE)
@form_checks_csrf
def take(public_id: str):
    """The attempt's current page. Each submit saves the page (no JavaScript needed), then moves or submits."""
    attempt = found_or_404(services.find_own_attempt(current_user, public_id, with_test=True))
    if attempt.submitted_dt is not None or utcnow() >= attempt.deadline_dt:
        return redirect(url_for("assessments.result", public_id=public_id))
    test = attempt.test
    lang = current_language()
    page = attempt.page
    items = services.page_items(test, page)
    if test.is_published:
        form = cached_page_form_class((test.public_id, test.version, page), items, lang)()
    else:
        form = page_form_class(items, lang)()
    if request.method == "GET":
        form.shown_at.data = services.shown_at_value()
        saved = services.saved_answers(attempt)
        for item in items:
            value = saved.get(item.id)
            if value is None:
                continue
            if isinstance(value, list):
                data = [str(index) for index in value]
            elif item.type == ItemKind.NUMERIC:
                data = _format_number(value)
            else:
                data = str(value)
            getattr(form, field_name(item)).data = data
    elif form.validate_on_submit():
        values = {item.id: getattr(form, field_name(item)).data for item in items}
        target = page - 1 if form.previous.data else page + 1
        services.hold_attempt(attempt)  # before any answer is written (services.hold_attempt says why)
        try:
            services.save_page(
                attempt, values, target, seconds=services.seconds_since_shown(attempt, form.shown_at.data)
            )
            if form.finish.data:
                services.submit(attempt)
        except AssessmentError as error:
            db.session.rollback()
            if error.field:
                item_field = getattr(form, f"item_{error.field}", None)
                if item_field is not None:
                    item_field.errors = [str(error.message)]
            else:
                flash(str(error.message), "error")
                return redirect(url_for("assessments.result", public_id=public_id))
        else:
            db.session.commit()
            if form.finish.data:
                flash(_("Your answers are submitted."), "success")
                return redirect(url_for("assessments.result", public_id=public_id))
            return redirect(url_for("assessments.take", public_id=public_id))
    return render_template(
        "assessments/take.html",
        attempt=attempt,
        test=test,
        form=form,
        items=items,
        field_name=field_name,
        page=page,
        pages=services.page_count(test),
        deadline=attempt.deadline_dt,
        # Rounded up: the page's clock reaches 0 only once the deadline has passed on the server too.
        seconds_left=max(0, math.ceil((attempt.deadline_dt - utcnow()).total_seconds())),
        total_seconds=round((attempt.deadline_dt - attempt.started_dt).total_seconds()),
    )


def _format_number(value) -> str:
    """A saved number as the candidate typed it: "12,5" in French (both separators are read back)."""
    return format_decimal(value, format="0.######")


def _attempt_key() -> str:
    """One budget per attempt: candidates of a school often share one address, and must not share a limit."""
    return f"attempt:{request.view_args.get('public_id')}:{getattr(current_user, 'id', None)}"


@bp.route("/attempts/<public_id>/answers", methods=["POST"])
@role_required(Role.CANDIDATE)
@limiter.limit("600 per hour", key_func=_attempt_key)
def autosave(public_id: str):
    """Save one answer given as JSON {"item": public id, "value": ...} (the JavaScript autosave).

    Optional: "elapsed", the seconds since the page was shown; "sent", the browser's time; "gap", the stretch
    during which the page could not save, reported with the first request that reaches us again.
    """
    try:
        payload = request_json()  # bounded in size, depth, numbers and characters: a clear 400 otherwise
    except HTTPException:
        # Somebody else's attempt is a 404 whatever is sent: only its owner hears that the body was refused.
        found_or_404(services.find_own_attempt(current_user, public_id))
        raise
    payload = payload if isinstance(payload, dict) else {}
    # One item by its public id: loading all the test's items with their content cost more than the save.
    ids = found_or_404(services.find_own_item(current_user, public_id, str(payload.get("item"))))
    # That read took no lock; from here on the attempt is held, and read as it now is, until the commit.
    attempt, item = services.hold_attempt_and_item(*ids)
    # Recorded even when the answer is refused: the result then tells that answers waited until the test closed.
    services.record_gap(attempt, payload.get("gap"), sent=payload.get("sent"))
    try:
        services.save_answer(
            attempt, item, payload.get("value"), seconds=services.answer_seconds(attempt, payload.get("elapsed"))
        )
    except AssessmentError as error:
        db.session.commit()  # keeps the submission made at the deadline, if this request made it
        return jsonify(ok=False, error=str(error.message)), 409 if error.field is None else 400
    db.session.commit()
    return jsonify(ok=True, saved=utcnow().isoformat() + "Z")


@bp.route("/attempts/<public_id>/result")
@role_required(Role.CANDIDATE)
def result(public_id: str):
    """The score (and percentile where the norm group is large enough); an overdue attempt is closed first."""
    attempt = found_or_404(services.find_own_attempt(current_user, public_id))
    if attempt.submitted_dt is None:
        if not services.close_if_due(attempt):
            return redirect(url_for("assessments.take", public_id=public_id))
        db.session.commit()  # the deadline passed: the server submits what was saved, once
    outcome = found_or_404(services.result_of(attempt))
    lang = current_language()
    return render_template(
        "assessments/result.html",
        attempt=attempt,
        test=attempt.test,
        view=services.describe_result(attempt, outcome),
        trait_name=lambda trait: (attempt.test.traits.get(trait) or {}).get(lang, trait),
        trait_description=lambda trait, value: services.trait_level_description(attempt.test, trait, value, lang),
        submit_form=SubmitAttemptForm(),
        **_sharing_and_contests(attempt, outcome),
    )


def _sharing_and_contests(attempt, outcome) -> dict:
    """Who else sees this result (the assigning client, until when), the candidate's contests of it and the
    corrections they brought."""
    assignment = db.session.get(Assignment, attempt.assignment_id) if attempt.assignment_id else None
    shared = None
    if assignment is not None and assignment.result_shared_dt is not None:
        shared = {
            "client": assignments.client_label(assignment.client),
            "until": assignment.result_shared_dt + assignments.result_visibility(),
        }
    return {
        "shared": shared,
        "corrections": corrections.notes_of(outcome),
        "contests": assignments.contests_of(outcome),
        "can_contest": assignments.open_contest(outcome) is None,
        "contest_form": ContestForm(),
    }
