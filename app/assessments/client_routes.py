"""Assignment pages: clients assign tests and read the results of their own assignments; candidates start
assigned tests, contest a score and declare extra time; clients search consenting candidates by results."""

import math
from datetime import UTC, date, datetime, time
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from babel import dates as babel_dates
from babel import numbers as babel_numbers
from flask import flash, get_template_attribute, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from app.assessments import assignments, corrections, routes, services
from app.assessments.blueprint import bp
from app.assessments.forms import (
    TIME_FACTORS,
    AccommodationForm,
    AssignForm,
    CancelAssignmentForm,
    CandidateSearchForm,
    ContestForm,
    StartForm,
)
from app.assessments.models import AssignmentStatus
from app.assessments.services import AssessmentError
from app.auth.models import Role, User
from app.auth.permissions import admin_required, role_required
from app.core import charts
from app.core.access_log import AccessedData, AccessReason, record_access
from app.core.errors import found_or_404
from app.core.forms import commit_or_show_refusal, flash_domain_error, show_domain_error
from app.core.i18n import current_language, url_for_each
from app.core.input_guard import page_argument
from app.core.ratelimit import form_kept_when_limited
from app.core.security import form_checks_csrf
from app.core.timeutil import local_to_utc
from app.extensions import db, limiter

EXPIRED_FORM = "Your form has expired or was sent from elsewhere. Check what you typed and send it again."


# --- clients ------------------------------------------------------------------------------------------


class Page:
    """What admin/_pager.html needs to page through a list."""

    def __init__(self, page: int, per_page: int, total: int):
        self.page, self.total = page, total
        self.pages = max(1, math.ceil(total / per_page))
        self.has_prev, self.has_next = page > 1, page < self.pages
        self.prev_num, self.next_num = page - 1, page + 1


@bp.route("/assignments/")
@role_required(Role.CLIENT)
def client_assignments():
    """The client's assignments and, for two years after they were made available, their results."""
    page_number = page_argument()
    test_slug = request.args.get("test") or None
    rows, total = assignments.client_assignments(current_user, test_slug=test_slug, page=page_number)
    tests = assignments.client_tests(current_user)
    return render_template(
        "assessments/clients/list.html",
        lines=_list_lines(rows, tests),
        page=Page(page_number, 50, total),
        tests=tests,
        test_slug=test_slug,
    )


class ListLine(NamedTuple):
    """One row of the client's list with every cell ready to print: the template does no work per row."""

    url: str
    who: str  # the candidate's name, or the e-mail of someone invited to create an account
    is_invited: bool
    test_title: str
    due: str
    status: str
    has_extra_time: bool
    result: str
    #: The percentage of the points, drawn as a compact bar beside the result (None: nothing to draw).
    meter: Markup | None = None


def _list_lines(rows: list[assignments.ListedAssignment], tests) -> list[ListLine]:
    lang = current_language()
    titles = {test.id: services.localised_title(test, lang) for test in tests}
    detail_url = url_for_each("assessments.client_assignment")
    status_labels = AssignmentStatus.labels_by_code()
    due, result = _due_date_formatter(), _result_formatter()
    return [
        ListLine(
            url=detail_url(row.public_id),
            who=row.candidate_name or row.email,
            is_invited=not row.candidate_name,
            test_title=titles[row.test_id],
            due=due(row.due_dt),
            status=status_labels.get(row.status, row.status),
            has_extra_time=row.has_accommodation,
            result=result(row),
            meter=_meter(row),
        )
        for row in rows
    ]


def _meter(row: assignments.ListedAssignment) -> Markup | None:
    """The bar beside a completed test's score; none for a personality profile, which has no score."""
    if row.status != AssignmentStatus.COMPLETED or row.is_personality:
        return None
    return _meter_markup(charts.meter(row.percentage or 0).width)


@lru_cache(maxsize=1024)
def _meter_markup(width: float) -> Markup:
    """A bar's SVG reads nothing but its width (tenths of a unit, no text): drawn once per width and process,
    rather than by a macro call on each of the list's 50 rows."""
    return get_template_attribute("macros/charts.html", "meter")(charts.Meter(width=width, empty=False))


def _due_date_formatter():
    """Due dates shown as the client's calendar day (they are the end of that day)."""
    zone, locale = ZoneInfo(current_user.timezone), str(get_locale())
    return lambda moment: _medium_date(locale, moment.replace(tzinfo=UTC).astimezone(zone).date())


def _result_formatter():
    """The Result cell: the score of a completed test (or that it is a personality profile), else a dash."""
    locale = str(get_locale())
    # Translated once per page; without variables, gettext leaves the pattern's placeholders for us to fill.
    personality, score_pattern = _("Personality profile"), _("%(percentage)s%%")

    def result(row: assignments.ListedAssignment) -> str:
        if row.status != AssignmentStatus.COMPLETED:
            return "—"
        if row.is_personality:
            return personality
        return score_pattern % {"percentage": _percentage(locale, row.percentage or 0)}

    return result


# Rows share few distinct days and scores, page after page: each is formatted once per process and language.
@lru_cache(maxsize=4096)
def _medium_date(locale: str, day: date) -> str:
    return babel_dates.format_date(day, "medium", locale=locale)


@lru_cache(maxsize=4096)
def _percentage(locale: str, value: float) -> str:
    return babel_numbers.format_decimal(value, format="#,##0.##", locale=locale)


def _published_choices(lang: str) -> list[tuple[str, str]]:
    return [(test.public_id, services.localised_title(test, lang)) for test in services.published_tests()]


@bp.route("/assignments/new", methods=["GET", "POST"])
@role_required(Role.CLIENT)
@form_kept_when_limited
@limiter.limit("60 per hour", methods=["POST"])
@form_checks_csrf
def assign():
    """Assign a published test to candidates by e-mail, with a due date."""
    form = AssignForm()
    form.test.choices = _published_choices(current_language())
    if request.method == "GET" and request.args.get("test"):
        form.test.data = request.args["test"]
    if form.validate_on_submit():
        test = services.find_published_test(form.test.data)
        due = local_to_utc(datetime.combine(form.due_date.data, time(23, 59)), current_user.timezone)
        try:
            addresses = assignments.parse_addresses(form.emails.data)
            outcome = assignments.assign(current_user, test, addresses, due)
        except AssessmentError as error:
            show_domain_error(form, error, flash_unplaced=True)
        else:
            db.session.commit()
            _flash_outcome(outcome)
            return redirect(url_for("assessments.client_assignments"))
    return render_template("assessments/clients/assign.html", form=form)


def _flash_outcome(outcome: assignments.AssignOutcome) -> None:
    if outcome.members:
        flash(
            ngettext(
                "Assigned to %(num)d member, who was told by e-mail.",
                "Assigned to %(num)d members, who were told by e-mail.",
                len(outcome.members),
            ),
            "success",
        )
    if outcome.invited:
        flash(
            ngettext(
                "%(num)d person without an account was invited to create one.",
                "%(num)d people without an account were invited to create one.",
                len(outcome.invited),
            ),
            "success",
        )
    if outcome.already:
        flash(
            _("Already assigned and not yet completed: %(addresses)s", addresses=", ".join(outcome.already)),
            "info",
        )


@bp.route("/assignments/<public_id>")
@role_required(Role.CLIENT)
def client_assignment(public_id: str):
    """One assignment: status and, when completed, the result; the candidate sees in their log that we showed it."""
    row = found_or_404(assignments.find_client_assignment(current_user, public_id))
    view = None
    notes = []
    if row.result is not None and row.attempt is not None:
        view = services.describe_result(row.attempt, row.result)
        notes = corrections.notes_of(row.result)
        if row.assignment.candidate_id is not None:
            record_access(
                owner_id=row.assignment.candidate_id,
                viewer=current_user,
                what=AccessedData.TEST_RESULT,
                why=AccessReason.CLIENT_ASSIGNMENT,
            )
            db.session.commit()
    lang = current_language()
    traits = row.assignment.test.traits or {}
    return render_template(
        "assessments/clients/show.html",
        row=row,
        view=view,
        corrections=notes,
        trait_name=lambda trait: (traits.get(trait) or {}).get(lang, trait),
        cancel_form=CancelAssignmentForm(),
        result_visibility=assignments.result_visibility(),
    )


@bp.route("/assignments/<public_id>/cancel", methods=["POST"])
@role_required(Role.CLIENT)
@form_checks_csrf
def cancel_assignment(public_id: str):
    row = found_or_404(assignments.find_client_assignment(current_user, public_id))
    if not CancelAssignmentForm().validate_on_submit():
        flash(_(EXPIRED_FORM), "error")
        return redirect(url_for("assessments.client_assignment", public_id=public_id))
    try:
        assignments.cancel(current_user, row.assignment)
    except AssessmentError as error:
        flash_domain_error(error)
        return redirect(url_for("assessments.client_assignment", public_id=public_id))
    db.session.commit()
    flash(_("The assignment is cancelled."), "success")
    return redirect(url_for("assessments.client_assignments"))


@bp.route("/candidates/")
@role_required(Role.CLIENT)
@limiter.limit("120 per hour")
def search():
    """Candidates who agreed to be found by employers, by their results of assigned tests and their skills."""
    form = CandidateSearchForm(request.args)
    lang = current_language()
    # One choice per test (slug), titled after its latest version: the list is ordered newest version first.
    titles: dict[str, str] = {}
    for test in assignments.searchable_tests():
        titles.setdefault(test.slug, services.localised_title(test, lang))
    form.test.choices = list(titles.items())
    hits = None
    if "test" in request.args and form.validate():
        hits = assignments.search_candidates(
            current_user,
            test_slug=form.test.data,
            min_percentage=form.min_percentage.data or 0,
            skill=form.skill.data or "",
        )
    return render_template("assessments/clients/search.html", form=form, hits=hits)


# --- candidates ---------------------------------------------------------------------------------------


@bp.route("/assigned/<public_id>")
@role_required(Role.CANDIDATE)
def assigned(public_id: str):
    """The instructions of an assigned test, who asked for it, and its due date."""
    assignment = found_or_404(assignments.find_candidate_assignment(current_user, public_id))
    attempt = assignments.attempt_of(assignment)
    if attempt is not None:
        target = "assessments.result" if attempt.submitted_dt else "assessments.take"
        return redirect(url_for(target, public_id=attempt.public_id))
    # Through the module: routes may be half-imported here (it imports the blueprint, which imports us).
    return routes.render_instructions(
        assignment.test,
        assignment=assignment,
        client_name=assignments.client_label(assignment.client),
        open_attempt=None,
        start_url=url_for("assessments.start_assigned", public_id=public_id),
    )


@bp.route("/assigned/<public_id>/start", methods=["POST"])
@role_required(Role.CANDIDATE)
@limiter.limit("30 per hour")
@form_checks_csrf
def start_assigned(public_id: str):
    """Start the one attempt of an assignment; a second click or tab lands on the same attempt."""
    assignment = found_or_404(assignments.find_candidate_assignment(current_user, public_id))
    if not StartForm().validate_on_submit():
        flash(_(EXPIRED_FORM), "error")
        return redirect(url_for("assessments.assigned", public_id=public_id))
    try:
        attempt = assignments.start_assigned(current_user, assignment)
    except AssessmentError as error:
        flash_domain_error(error)
        return redirect(url_for("assessments.index"))
    db.session.commit()
    return redirect(url_for("assessments.take", public_id=attempt.public_id))


@bp.route("/attempts/<public_id>/contest", methods=["POST"])
@role_required(Role.CANDIDATE)
@limiter.limit("10 per hour")
@form_checks_csrf
def contest(public_id: str):
    """Contest the score of one's own submitted attempt: a request answered by an admin within one month."""
    attempt = services.find_own_attempt(current_user, public_id)
    result = found_or_404(services.result_of(attempt) if attempt is not None else None)
    form = ContestForm()
    if not form.validate_on_submit():
        message = form.reason.errors[0] if form.reason.errors else _(EXPIRED_FORM)
        flash(str(message), "error")
        return redirect(url_for("assessments.result", public_id=public_id, _anchor="contest"))
    try:
        assignments.contest_score(current_user, attempt, result, form.reason.data)
    except AssessmentError as error:
        flash_domain_error(error)
        return redirect(url_for("assessments.result", public_id=public_id, _anchor="contest"))
    db.session.commit()
    flash(_("Your contest is recorded. An administrator answers within one month."), "success")
    return redirect(url_for("assessments.result", public_id=public_id, _anchor="contest"))


@bp.route("/accommodation", methods=["GET", "POST"])
@role_required(Role.CANDIDATE)
@form_checks_csrf
def accommodation():
    """Declare once the extra time needed on every timed test, with an optional private note."""
    return _accommodation_page(
        current_user,
        saved=_("Your extra time is saved. It applies to the tests you start from now on."),
        next_url=url_for("assessments.accommodation"),
    )


def _factor_choice(factor: float) -> str:
    return min(TIME_FACTORS, key=lambda value: abs(float(value) - factor))


@bp.route("/admin/members/<public_id>/accommodation", methods=["GET", "POST"])
@admin_required
@form_checks_csrf
def admin_accommodation(public_id: str):
    """An administrator sets a member's extra time (for example from a disability document sent by e-mail)."""
    member = db.first_or_404(select(User).where(User.public_id == public_id))
    return _accommodation_page(
        member,
        saved=_("The member's extra time is saved."),
        next_url=url_for("admin.member", public_id=public_id),
        member=member,
    )


def _accommodation_page(owner: User, *, saved: str, next_url: str, **context):
    """The extra-time form for `owner`, filled from what is saved; on a valid post, save, flash, redirect."""
    setting = services.accommodation_of(owner)
    form = AccommodationForm()
    if request.method == "GET" and setting is not None:
        form.time_factor.data = _factor_choice(setting.time_factor)
        form.note.data = setting.note
    if form.validate_on_submit() and commit_or_show_refusal(
        form,
        lambda: services.set_accommodation(
            owner, float(form.time_factor.data), form.note.data or "", actor=current_user
        ),
        AssessmentError,
        flash_unplaced=True,
    ):
        flash(saved, "success")
        return redirect(next_url)
    return render_template("assessments/accommodation.html", form=form, setting=setting, **context)
