"""Languages: the locale lives in the URL (/fr/..., /en/...); Babel formats dates and numbers."""

from babel import Locale
from flask import Flask, current_app, g, has_app_context, has_request_context, request, url_for
from flask_babel import get_locale, get_translations
from flask_login import current_user
from jinja2 import pass_eval_context
from markupsafe import Markup
from werkzeug.routing import BaseConverter

from app.extensions import babel


class LanguageConverter(BaseConverter):
    """Matches only the portal's languages, so that /de/... is a plain 404."""

    regex = "fr|en"


def init_app(app: Flask) -> None:
    app.url_map.converters["lang"] = LanguageConverter
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    # Without this, a {% trans %} block spread over lines keeps its line breaks and never matches.
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    # Templates translate dozens of strings per page: find the catalogue once per page, not once per string.
    app.jinja_env.install_gettext_callables(
        gettext=lambda message: page_translations().ugettext(message),
        ngettext=lambda singular, plural, n: page_translations().ungettext(singular, plural, n),
        pgettext=lambda context, message: page_translations().upgettext(context, message),
        npgettext=lambda context, singular, plural, n: page_translations().unpgettext(context, singular, plural, n),
        newstyle=True,
    )
    app.jinja_env.globals.update(_TEMPLATE_GETTEXT, _=_TEMPLATE_GETTEXT["gettext"], url_for=remembered_url_for)
    app.before_request(_use_cached_wtforms_catalogue)
    app.url_value_preprocessor(_pull_lang_code)
    app.url_defaults(_add_lang_code)
    app.context_processor(_language_context)


@pass_eval_context
def _gettext(eval_ctx, message: str, /, **variables) -> str:
    return _formatted(eval_ctx, page_translations().ugettext(message), variables)


@pass_eval_context
def _ngettext(eval_ctx, singular: str, plural: str, num: int, /, **variables) -> str:
    variables.setdefault("num", num)
    return _formatted(eval_ctx, page_translations().ungettext(singular, plural, num), variables)


@pass_eval_context
def _pgettext(eval_ctx, context: str, message: str, /, **variables) -> str:
    variables.setdefault("context", context)
    return _formatted(eval_ctx, page_translations().upgettext(context, message), variables)


@pass_eval_context
def _npgettext(eval_ctx, context: str, singular: str, plural: str, num: int, /, **variables) -> str:
    variables.setdefault("context", context)
    variables.setdefault("num", num)
    return _formatted(eval_ctx, page_translations().unpgettext(context, singular, plural, num), variables)


def _formatted(eval_ctx, text: str, variables: dict) -> str:
    """As Jinja's newstyle gettext: escaped when the template is, and always a format string."""
    if eval_ctx.autoescape:
        text = Markup(text)  # noqa: S704 (our catalog's text, as Jinja's own gettext; the variables are escaped by %)
    return text % variables


#: Templates' gettext functions, as Jinja's newstyle ones but given the evaluation context only: Jinja
#: hands a function that asks for the whole template context a copy of it (with the block's variables),
#: for each of the dozens of strings a page translates; `_` called `gettext` through a second such call.
_TEMPLATE_GETTEXT = {"gettext": _gettext, "ngettext": _ngettext, "pgettext": _pgettext, "npgettext": _npgettext}


#: Where an app context keeps the catalogue its pages translate with, beside the locale it was found for.
_PAGE_TRANSLATIONS = "caseinjob_page_translations"


def page_translations():
    """Flask-Babel's translations for this request, looked up once while the locale stays the same: the key is
    the locale object itself (force_locale, for an e-mail in the recipient's language, and refresh() set
    another one, which is looked up again)."""
    if not has_app_context():
        return get_translations()
    namespace = g._get_current_object()
    locale = babel_locale(namespace)
    cached = getattr(namespace, _PAGE_TRANSLATIONS, None)
    if cached is not None and cached[0] is locale:
        return cached[1]
    translations = get_translations()
    setattr(namespace, _PAGE_TRANSLATIONS, (locale, translations))
    return translations


def babel_locale(namespace) -> Locale | None:
    """`get_locale()`, read from Flask-Babel's state in `namespace` (the app context's `g`) when it holds one.

    The one place that reads Flask-Babel's private state (`g._flask_babel.babel_locale`, Flask-Babel 4): its
    get_locale() costs three context look-ups (1.6 µs) and templates ask for each of their strings. When the
    state is not there (not chosen yet, or another Flask-Babel), get_locale() answers: slower, never wrong.
    tests/core/test_caches.py checks that both agree, and that the quick path is the one taken.
    """
    locale = getattr(getattr(namespace, "_flask_babel", None), "babel_locale", None)
    return locale if locale is not None else get_locale()


class _CachedWTFormsTranslations:
    """What Flask-WTF finds in request.wtforms_translations: WTForms' own messages ("Not a valid choice"...)
    from a catalogue loaded once per process and language. Left to itself, Flask-WTF reads and parses the
    catalogue file on every request that shows a form."""

    _catalogues: dict = {}

    def _catalogue(self):
        from babel import support
        from wtforms.i18n import messages_path

        locale = str(get_locale())
        if locale not in self._catalogues:
            self._catalogues[locale] = support.Translations.load(messages_path(), [locale], domain="wtforms")
        return self._catalogues[locale]

    def ugettext(self, string):
        return self._catalogue().ugettext(string)

    def ungettext(self, singular, plural, n):
        return self._catalogue().ungettext(singular, plural, n)


_WTFORMS_TRANSLATIONS = _CachedWTFormsTranslations()


def _use_cached_wtforms_catalogue() -> None:
    request.wtforms_translations = _WTFORMS_TRANSLATIONS


def _pull_lang_code(endpoint, values) -> None:
    if values and "lang_code" in values:
        g.lang_code = values.pop("lang_code")


def _add_lang_code(endpoint, values) -> None:
    if "lang_code" in values or not endpoint:
        return
    if _expects_lang_code(endpoint):
        values["lang_code"] = current_language()


#: app.extensions entry: {endpoint: whether its rules take a lang_code}, per app.
_LANG_CODE_ENDPOINTS = "caseinjob.lang_code_endpoints"


def _expects_lang_code(endpoint: str) -> bool:
    """Asked for every url_for of every page; the url map's answer for an endpoint never changes once its
    routes are registered (Flask refuses new ones after the first request), so it is kept per app."""
    expecting = current_app.extensions.setdefault(_LANG_CODE_ENDPOINTS, {})
    found = expecting.get(endpoint)
    if found is None:
        found = expecting[endpoint] = current_app.url_map.is_endpoint_expecting(endpoint, "lang_code")
    return found


def current_language() -> str:
    """The language of this page: the URL's, else the member's or browser's preference."""
    code = g.get("lang_code")
    if code:
        return code
    first = request.path.strip("/").split("/", 1)[0] if request else ""
    if first in languages():
        return first
    return preferred_language()


def languages() -> tuple[str, ...]:
    from flask import current_app

    return current_app.config["LANGUAGES"]


def preferred_language() -> str:
    """The saved preference of a signed-in member, then Accept-Language, then French."""
    if current_user and current_user.is_authenticated and current_user.locale in languages():
        return current_user.locale
    from flask import current_app

    best = request.accept_languages.best_match(languages()) if request else None
    return best or current_app.config["BABEL_DEFAULT_LOCALE"]


def select_locale() -> str:
    return current_language()


def select_timezone() -> str | None:
    if current_user and current_user.is_authenticated:
        return current_user.timezone
    return None


def url_in_language(code: str) -> str:
    """This page in another language, with the same arguments and query string.

    A page shown in answer to a POST (a form with errors) links to the same address only when that
    address also answers GET; otherwise to the home page, rather than to a 405.
    """
    # Asked for twice per language on every page (head and switcher); the environ lives as long as the request.
    built = request.environ.setdefault("caseinjob.urls_in_language", {})
    if code not in built:
        built[code] = _url_in_language(code)
    return built[code]


def _url_in_language(code: str) -> str:
    rule = request.url_rule
    if request.endpoint and rule and "lang_code" in rule.arguments and "GET" in (rule.methods or ()):
        args = dict(request.view_args or {})
        if request.method == "GET":
            # The query string never overrides the path (?kind=... on a /<kind>/ page, ?lang_code=...), nor
            # reaches url_for's own options (?_external=..., ?_anchor=...): a crafted address is not a 500.
            query = request.args.to_dict(flat=False)
            args.update({name: values for name, values in query.items() if name not in args and name[:1] != "_"})
        args.pop("lang_code", None)
        return url_for(request.endpoint, **args, lang_code=code)
    return url_for("main.home", lang_code=code)


#: Endpoints whose links templates build from string arguments that take few values (file names).
_REMEMBERED_WITH_ARGUMENTS = frozenset({"static"})


def remembered_url_for(endpoint: str, **values) -> str:
    """Templates' url_for. A link without arguments (the menu, the footer, a dashboard's cards), or to a static
    file, is the same on every page of a language: it is built once per process (about 15 µs each, twenty
    on a page) and remembered on the app, under what url_for reads for it (the endpoint, the language that
    `_add_lang_code` gives it, the script root and the file name). Links with arguments (a member's, a
    request's) are built each time.
    """
    # ".name" is the current blueprint's: not the same link on every page.
    if (values and endpoint not in _REMEMBERED_WITH_ARGUMENTS) or endpoint[:1] == ".":
        return url_for(endpoint, **values)
    if not has_request_context() or not all(isinstance(value, str) for value in values.values()):
        return url_for(endpoint, **values)
    key = (endpoint, current_language(), request.script_root, *sorted(values.items()))
    remembered = current_app.extensions.setdefault("remembered_urls", {})
    url = remembered.get(key)
    if url is None:
        url = remembered[key] = url_for(endpoint, **values)
    return url


def url_for_each(endpoint: str):
    """url_for(endpoint, public_id=...) for many rows: the address is built once and each id put in it.
    An id that would need escaping (public ids are hexadecimal) goes through url_for itself."""
    marker = "publicid"
    prefix, _found, suffix = url_for(endpoint, public_id=marker).partition(marker)

    def url(public_id: str) -> str:
        if public_id.isalnum():
            return f"{prefix}{public_id}{suffix}"
        return url_for(endpoint, public_id=public_id)

    return url


LANGUAGE_NAMES = {"fr": "Français", "en": "English"}


def _language_context() -> dict:
    return {
        "current_language": current_language,
        "url_in_language": url_in_language,
        "language_names": LANGUAGE_NAMES,
        "page_locale": lambda: str(get_locale()),
    }
