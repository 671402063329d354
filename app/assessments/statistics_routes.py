"""Authors' statistics page of a test version, and the candidate's rating of a test after submitting it."""

from dataclasses import dataclass

from flask import flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.assessments import result_charts, routes, services, statistics
from app.assessments.blueprint import bp
from app.assessments.feedback import FeedbackError, RateTestForm, feedback_of, rate_test
from app.assessments.models import ItemKind, TestFeedback, localised
from app.auth.models import Role
from app.auth.permissions import admin_required, refuse, role_required
from app.core.errors import found_or_404
from app.core.forms import flash_domain_error
from app.core.i18n import current_language
from app.core.security import form_checks_csrf
from app.extensions import db, limiter


# Endpoint "assessments.statistics"; the function has another name so that the module `statistics` stays visible.
@bp.route("/authoring/<public_id>/statistics", endpoint="statistics")
@role_required(Role.TEST_AUTHOR, Role.ADMIN)
def statistics_page(public_id: str):
    """Aggregated item statistics, benchmark and ratings of a test version, for its author and admins."""
    test = found_or_404(statistics.find_test_for_statistics(public_id))
    if test.author_id is not None and test.author_id == current_user.id:
        return _render_statistics(test)
    if not current_user.has_role(Role.ADMIN):
        refuse(404)  # another author's test: as if it did not exist
    return admin_required(_render_statistics)(test)  # admins use two-step verification, as on every admin page


def _render_statistics(test):
    lang = current_language()
    return render_template(
        "assessments/statistics.html",
        test=test,
        stats=statistics.statistics_of(test),
        min_attempts=statistics.MIN_ATTEMPTS,
        min_results=statistics.scoring.MIN_NORM_GROUP,
        min_ratings=statistics.MIN_RATINGS,
        trait_name=lambda trait: (test.traits.get(trait) or {}).get(lang, trait),
        bar_label=_bar_labeller(lang),
        item_charts=result_charts.item_charts,
        answers_chart=result_charts.answers_chart,
        ItemKind=ItemKind,
    )


def _bar_labeller(lang: str):
    """A function giving the label of a distribution bar, with the fixed labels translated once per page."""
    fixed = {
        statistics.WITHIN: _("Within the tolerance"),
        statistics.OUTSIDE: _("Outside the tolerance"),
        statistics.NO_ANSWER: _("No answer"),
    }
    agreement = {
        1: _("1 – Strongly disagree"),
        2: _("2 – Disagree"),
        3: _("3 – Neither agree nor disagree"),
        4: _("4 – Agree"),
        5: _("5 – Strongly agree"),
    }

    def label(item, key) -> str:
        if key in fixed:
            return fixed[key]
        if item.type == ItemKind.AGREEMENT:
            return agreement.get(key, str(key))
        options = item.options or []
        return localised(options[key], lang) if 0 <= key < len(options) else str(key)

    return label


# --- rating a test ------------------------------------------------------------------------------------


@dataclass
class RatingPanel:
    feedback: TestFeedback | None
    form: RateTestForm


@bp.app_template_global()
def rating_panel(attempt) -> RatingPanel:
    """What assessments/_rate.html shows on the result page: the rating given, or the form (with its errors)."""
    return RatingPanel(feedback=feedback_of(attempt), form=g.get("rate_test_form") or RateTestForm())


@bp.route("/attempts/<public_id>/rating", methods=["POST"])
@role_required(Role.CANDIDATE)
@limiter.limit("30 per hour")
@form_checks_csrf
def rate_attempt(public_id: str):
    """Record the candidate's rating of a test they submitted; a form with errors shows the result page again."""
    attempt = found_or_404(services.find_own_attempt(current_user, public_id))
    result_url = url_for("assessments.result", public_id=public_id)
    if attempt.submitted_dt is None:
        flash(_("You can rate a test once you have submitted your answers."), "error")
        return redirect(url_for("assessments.take", public_id=public_id))
    if feedback_of(attempt) is not None:
        flash(_("Your rating of this test was already recorded."), "info")
        return redirect(result_url + "#rating")
    form = RateTestForm()
    if not form.validate_on_submit():
        g.rate_test_form = form  # the result page shows it again, with the errors and the comment typed
        return routes.result(public_id)
    try:
        feedback = rate_test(attempt, int(form.rating.data), form.comment.data or "")
    except FeedbackError as error:
        flash_domain_error(error)
        return redirect(result_url + "#rating")
    db.session.commit()
    thanks = _("Thank you: your rating (%(rating)d/5) helps the authors improve this test.", rating=feedback.rating)
    flash(thanks, "success")
    return redirect(result_url + "#rating")
