"""The site's main menu, rendered once per process for each thing it can differ by (main/_menu.html).

It was a fifth of a signed-in page's template work (eight links, eight translations, four role checks) and is
the same for every member who has the same roles, on every page of the same section. Its template receives
only the key's values, never the member or the request, so that it cannot show what the key does not name
(tests/core/test_caches.py signs in members with different roles, interleaved); the sign-out form's token,
which is the session's own, is written in afterwards.
"""

from typing import NamedTuple

from flask import get_template_attribute, request
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from app.auth.models import Role
from app.core.i18n import current_language

TEMPLATE = "main/_menu.html"
#: Stands for the sign-out form's CSRF token in the kept HTML.
TOKEN = "\x00csrf-token\x00"

#: Which entry is the current page ("aria-current"), by endpoint.
_SECTION_OF_ENDPOINT = {
    "main.dashboard": "dashboard",
    "auth.login": "login",
    **{f"assessments.{name}": "tests" for name in ("index", "instructions", "take", "result", "assigned")},
}
#: ...or by the start of the endpoint's name.
_SECTION_OF_PREFIX = (("assessments.client", "client"), ("privacy.", "privacy"), ("auth.", "account"))


class MenuKey(NamedTuple):
    """Everything the menu reads."""

    locale: str
    #: The language and root its links are built with.
    language: str
    script_root: str
    signed_in: bool
    is_admin: bool
    is_candidate: bool
    is_client: bool
    is_author: bool
    #: The entry marked as the current page, if any.
    section: str | None


_rendered: dict[MenuKey, Markup] = {}


def current_section(endpoint: str | None, path: str) -> str | None:
    if "/tests/authoring/" in path:
        return "authoring"
    if endpoint in _SECTION_OF_ENDPOINT:
        return _SECTION_OF_ENDPOINT[endpoint]
    for prefix, section in _SECTION_OF_PREFIX:
        if endpoint and endpoint.startswith(prefix):
            return section
    return None


def menu_key() -> MenuKey:
    signed_in = bool(current_user.is_authenticated)
    return MenuKey(
        locale=str(get_locale()),
        language=current_language(),
        script_root=request.script_root,
        signed_in=signed_in,
        is_admin=signed_in and current_user.is_admin,
        is_candidate=signed_in and current_user.has_role(Role.CANDIDATE),
        is_client=signed_in and current_user.has_role(Role.CLIENT),
        is_author=signed_in and current_user.has_role(Role.TEST_AUTHOR, Role.ADMIN),
        section=current_section(request.endpoint, request.path),
    )


def main_menu() -> Markup:
    """The menu for this page and member, with the session's token in its sign-out form."""
    key = menu_key()
    html = _rendered.get(key)
    if html is None:
        html = _rendered[key] = get_template_attribute(TEMPLATE, "main_menu")(key, TOKEN)
    # Markup.replace escapes the token.
    return html.replace(TOKEN, generate_csrf()) if key.signed_in else html
