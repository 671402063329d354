"""The assessments blueprint: its views, its template helpers, and what it registers with other features
(profile grounds, next steps, the upholding of a score contest)."""

from flask import Blueprint
from flask_babel import format_decimal

from app.assessments import corrections, next_steps, result_charts
from app.assessments.assignments import client_ground, consent_ground
from app.assessments.models import AssignmentStatus, TestKind, localised
from app.assessments.scoring import trait_level
from app.core.i18n import current_language
from app.core.next_steps import register_next_steps
from app.privacy.models import RequestKind
from app.privacy.requests import Upholding, on_upholding
from app.profiles.access import register_ground

bp = Blueprint("assessments", __name__, url_prefix="/<lang:lang_code>/tests")


@bp.app_context_processor
def _assessment_labels() -> dict:
    """Helpers for test content (stored per language) and codes, in the page's language."""

    def text(texts) -> str:
        return localised(texts, current_language())

    return {
        "content_text": text,
        "test_kind_label": lambda code: TestKind(code).label if code in TestKind._value2member_map_ else code,
        "trait_level": trait_level,
        "assignment_status_label": lambda code: (
            AssignmentStatus(code).label if code in AssignmentStatus._value2member_map_ else code
        ),
        "number": lambda value: format_decimal(value, format="#,##0.##"),
        "score_chart": result_charts.score_chart,
        "trait_chart": result_charts.trait_chart,
    }


# Registers the views on bp (authoring_routes: the test authors' pages; statistics_routes: statistics, ratings).
from app.assessments import authoring_routes, client_routes, routes, statistics_routes  # noqa: E402,F401

# Clients may see the profile of a candidate they assigned a test to, or who consented to be found.
register_ground(client_ground)
register_ground(consent_ground)

# The home page lists tests to take, clients' assignments and results, authors' drafts and statistics.
register_next_steps("candidate", next_steps.candidate_steps, order=20)
register_next_steps("client", next_steps.client_steps, order=10)
register_next_steps("test_author", next_steps.author_steps, order=10)

# An admin upholds a score contest by correcting that attempt's scoring, on the request's handling page.
on_upholding(
    RequestKind.SCORE_CONTEST,
    Upholding(
        form=corrections.contest_form,
        template="assessments/admin/_contest_correction.html",
        uphold=corrections.uphold_contest,
    ),
)
