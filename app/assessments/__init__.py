"""Assessment tests: versioned tests and items in two languages, practice attempts with server deadlines,
scoring, results and the starter bank."""

from flask import Blueprint

bp = Blueprint("assessments", __name__, url_prefix="/<lang:lang_code>/tests")


@bp.app_context_processor
def _assessment_labels() -> dict:
    """Helpers for test content (stored per language) and codes, in the page's language."""
    from flask_babel import format_decimal

    from app.assessments.models import TestKind, localised
    from app.assessments.scoring import trait_level
    from app.core.i18n import current_language

    def text(texts) -> str:
        return localised(texts, current_language())

    return {
        "content_text": text,
        "test_kind_label": lambda code: TestKind(code).label if code in TestKind._value2member_map_ else code,
        "trait_level": trait_level,
        "number": lambda value: format_decimal(value, format="#,##0.##"),
    }


from app.assessments import routes  # noqa: E402,F401  (registers the views on bp)
