"""Candidate and interviewer profiles, photo and CV uploads, and who may see them."""

from flask import Blueprint

bp = Blueprint("profiles", __name__, url_prefix="/<lang:lang_code>")


@bp.app_context_processor
def _profile_labels() -> dict:
    """Label helpers that any template may use to show profile codes in the page's language."""
    from flask_babel import get_locale

    from app.auth.models import Role
    from app.core.enums import label_of
    from app.profiles.choices import CompanyType, LanguageLevel, Sector, language_name
    from app.profiles.forms import WEEKDAYS

    return {
        "Role": Role,
        "sector_label": label_of(Sector),
        "company_type_label": label_of(CompanyType),
        "level_label": label_of(LanguageLevel),
        "spoken_language_name": lambda code: language_name(code, get_locale()),
        "weekday_label": lambda index: str(WEEKDAYS[index]),
    }


def _register_next_steps() -> None:
    """The home page shows how complete a candidate's profile is, and what an interviewer still has to fill in."""
    from app.core.next_steps import register_next_steps
    from app.profiles import next_steps

    register_next_steps("candidate", next_steps.candidate_steps, order=90)
    register_next_steps("interviewer", next_steps.interviewer_steps, order=90)


_register_next_steps()

from app.profiles import routes  # noqa: E402,F401  (registers the views on bp)
