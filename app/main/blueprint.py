"""The main blueprints (the language prefix's home and dashboard, and the bare root) and their views."""

from flask import Blueprint

from app.main.menu import main_menu

#: Routes outside the language prefix (only `/`, which picks the language).
root_bp = Blueprint("root", __name__)
bp = Blueprint("main", __name__, url_prefix="/<lang:lang_code>")


@bp.record_once
def _add_menu_to_templates(state) -> None:
    state.app.jinja_env.globals["main_menu"] = main_menu


from app.main import routes  # noqa: E402,F401  (registers the views)
