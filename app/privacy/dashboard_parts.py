"""The parts of the privacy dashboard that are the same for every member, rendered once per process and
language (privacy/_dashboard_parts.html); dashboard_routes writes the member's own data around them."""

from typing import Any

from flask import get_template_attribute, request
from flask_babel import get_locale
from markupsafe import Markup

from app.core.i18n import current_language
from app.privacy import inventory
from app.privacy.forms import ConsentForm, ObjectionForm
from app.privacy.models import ConsentPurpose


class FixedParts:
    """The parts of the dashboard that are the same for every member: the texts and links of each data card,
    the consent purposes, the fields of a fresh form. They never change while the process runs, so each is
    rendered once per process (privacy/_dashboard_parts.html) instead of on every view: the 29 cards alone
    were about a third of the page's template work. One per view.

    Each part is kept under exactly what it reads, and never under anything of the member's but what the key
    names: the locale of its texts, the language and root of its links (a part with links), and its own
    arguments (tests/core/test_caches.py renders two members who differ in everything, interleaved).
    """

    TEMPLATE = "privacy/_dashboard_parts.html"
    #: Counts of records below this are kept once rendered; larger ones are rare and rendered each time.
    COUNTS_KEPT = 1000
    #: (locale, macro, *what else it reads) -> (what it was rendered for, its HTML)
    _rendered: dict[tuple, tuple[Any, Markup]] = {}

    def __init__(self) -> None:
        self.locale = str(get_locale())
        #: What a link reads besides its endpoint: the language that url_for adds, the script root.
        self.links = (current_language(), request.script_root)

    def card_head(self, holding: inventory.Holding) -> Markup:
        """Reads the entry's key and its texts (the entry's, in the locale)."""
        return self._render("card_head", (holding.entry.key,), holding.entry, lambda: (holding,))

    def card_facts(self, holding: inventory.Holding) -> Markup:
        return self._render("card_facts", (holding.entry.key,), holding.entry, lambda: (holding,))

    def card_foot(self, holding: inventory.Holding) -> Markup:
        """Reads the entry (sponsor data, its member page) and the correction link, which depends on the
        member's roles (see inventory._edit_endpoint): one part for each link."""
        key = (holding.entry.key, holding.edit_endpoint, *self.links)
        return self._render("card_foot", key, holding.entry, lambda: (holding,))

    def record_count(self, count: int) -> Markup:
        """A card's "3 records": the same few numbers come back on every card and every page."""
        if count >= self.COUNTS_KEPT:
            return get_template_attribute(self.TEMPLATE, "record_count")(count)
        return self._render("record_count", (count,), None, lambda: (count,))

    def consent_purpose(self, purpose: ConsentPurpose) -> Markup:
        """The purpose's label and hint; whether the member ticked it is written around it, on every view."""
        return self._render("consent_purpose", (purpose.value,), purpose, lambda: (purpose,))

    def consent_submit(self) -> Markup:
        return self._render("consent_submit", (), None, lambda: (ConsentForm(formdata=None),))

    def objection_fields(self, objection_form: ObjectionForm | None) -> Markup:
        """A fresh form's fields, or those of `objection_form` that came back with errors."""
        if objection_form is not None:
            return get_template_attribute(self.TEMPLATE, "objection_fields")(objection_form)
        return self._render("objection_fields", (), None, lambda: (ObjectionForm(formdata=None),))

    def _render(self, macro: str, reads: tuple, source, arguments) -> Markup:
        """`source` is what the part shows: another one under the same key (tests add entries) renders again."""
        cache_key = (self.locale, macro, *reads)
        cached = self._rendered.get(cache_key)
        if cached is None or cached[0] is not source:
            cached = self._rendered[cache_key] = (source, get_template_attribute(self.TEMPLATE, macro)(*arguments()))
        return cached[1]
