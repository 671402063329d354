"""The text of a policy version, rendered once per process and language.

A version's template never changes once published, and its text depends only on what the key below names:
the locale of its paragraphs, the language and root of its one link, and the controller's details
(configuration). Rendering its few hundred translated paragraphs on every view of the policy page is work
that can be done once. Development, which reloads templates, renders every time.
"""

from flask import current_app, render_template, request
from flask_babel import get_locale
from markupsafe import Markup

from app.core.i18n import current_language
from app.privacy.services import controller_context

_rendered: dict[tuple, Markup] = {}


def policy_text(template: str) -> Markup:
    context = controller_context()
    if current_app.jinja_env.auto_reload:
        return Markup(render_template(template, **context))  # noqa: S704 (rendered with autoescape)
    key = (template, str(get_locale()), current_language(), request.script_root, tuple(sorted(context.items())))
    text = _rendered.get(key)
    if text is None:
        text = _rendered[key] = Markup(render_template(template, **context))  # noqa: S704 (autoescaped)
    return text
