"""The profiles blueprint: its views, the label helpers of profile codes, and the members' next steps."""

from flask import Blueprint
from flask_babel import get_locale

from app.auth.models import Role
from app.core.enums import label_of
from app.core.next_steps import register_next_steps
from app.profiles import next_steps
from app.profiles.choices import CompanyType, LanguageLevel, Sector, language_name
from app.profiles.forms import WEEKDAYS

bp = Blueprint("profiles", __name__, url_prefix="/<lang:lang_code>")


@bp.app_context_processor
def _profile_labels() -> dict:
    """Label helpers that any template may use to show profile codes in the page's language."""
    return {
        "Role": Role,
        "sector_label": label_of(Sector),
        "company_type_label": label_of(CompanyType),
        "level_label": label_of(LanguageLevel),
        "spoken_language_name": lambda code: language_name(code, get_locale()),
        "weekday_label": lambda index: str(WEEKDAYS[index]),
    }


# The home page shows how complete a candidate's profile is, and what an interviewer still has to fill in.
register_next_steps("candidate", next_steps.candidate_steps, order=90)
register_next_steps("interviewer", next_steps.interviewer_steps, order=90)

from app.profiles import routes  # noqa: E402,F401  (registers the views on bp)
