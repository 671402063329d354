"""Values written for people: languages and countries by name, file sizes, devices named from their user agent,
and any stored value (lists, yes/no, dates, nested records) as text in the reader's language and time zone.

Stored data keeps codes ("fr", "FR", "Europe/Paris") and ISO timestamps, as an export must; what a page shows
goes through here, so that no page writes `{'cv': 'connections'}` or "2026-12-01T18:32:59".
"""

import datetime as dt
import re
from collections.abc import Callable, Mapping
from functools import lru_cache

from babel import Locale, UnknownLocaleError, dates, units
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape

from app.core.dateformat import DateTimeFormatter

#: An ISO date, or date and time, as exports write them ("2026-12-01", "2026-12-01T18:32:59.609531").
ISO_DATE = re.compile(r"^\d{4}-\d\d-\d\d$")
ISO_DATETIME = re.compile(r"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?$")
#: Fields whose value is a language code, or a country code, whatever the entry.
LANGUAGE_FIELDS = frozenset({"language", "languages", "locale", "default_locale", "spoken_languages"})
COUNTRY_FIELDS = frozenset({"country", "countries", "territory"})
SIZE_FIELDS = frozenset({"size", "size_bytes", "bytes"})
TIMEZONE_FIELDS = frozenset({"timezone", "time_zone"})
#: Systems under the name people know them by today.
SYSTEM_NAMES = {"Mac OS X": "macOS"}
#: A user agent's first product name: "Werkzeug" in "Werkzeug/3.1.3".
PRODUCT = re.compile(r"[^/\s;()]*")


def init_app(app) -> None:
    """Template filters: `code|language_name`, `code|country_name`, `user_agent|device_name`, `bytes|file_size`,
    `date|month_name`."""
    app.jinja_env.filters.update(
        language_name=language_name,
        country_name=country_name,
        device_name=device_name,
        file_size=file_size,
        month_name=month_name,
    )


def month_name(day: dt.date) -> str:
    """A month as a chart's axis writes it: "Jul 2026" / "juil. 2026"."""
    return dates.format_skeleton("yMMM", day, locale=_locale())


def _locale() -> Locale:
    return get_locale() or Locale("en")


def language_name(code: str | None, locale: Locale | None = None) -> str:
    """ "fr" -> "French" / "français": the language's name in the reader's language (the code if unknown)."""
    if not code:
        return ""
    locale = locale or _locale()
    try:
        name = Locale.parse(str(code).replace("-", "_")).get_display_name(locale)
    except (ValueError, UnknownLocaleError):
        name = None
    return _capitalised(name, locale) if name else str(code)


def country_name(code: str | None, locale: Locale | None = None) -> str:
    """ "FR" -> "France": the country's name in the reader's language (the code if unknown)."""
    if not code:
        return ""
    return (locale or _locale()).territories.get(str(code).upper(), str(code))


def timezone_name(name: str | None, locale: Locale | None = None) -> str:
    """ "Europe/Paris" -> "France (Paris)" in English, "France (Paris)" in French: the place, not the identifier."""
    if not name:
        return ""
    locale = locale or _locale()
    try:
        city = dates.get_timezone_location(name, locale=locale, return_city=True)
        country = _timezone_country(name, str(locale))
    except LookupError:
        return str(name)
    return f"{country} ({city})" if country and country != city else city


@lru_cache(maxsize=512)
def _timezone_country(name: str, locale: str) -> str:
    """The country of a time zone, in `locale` ("" for zones with no country, such as UTC)."""
    country = dates.get_global("zone_territories").get(name)
    return Locale.parse(locale).territories.get(country, "") if country and country != "001" else ""


def file_size(size: int | float | None, locale: Locale | None = None) -> str:
    """12_345 -> "12 kB" / "12 ko": a size a person reads, in the reader's language."""
    if size is None:
        return ""
    locale = locale or _locale()
    for unit, scale in (("digital-gigabyte", 10**9), ("digital-megabyte", 10**6), ("digital-kilobyte", 10**3)):
        if size >= scale:
            return units.format_unit(size / scale, unit, length="short", format="#,##0.#", locale=locale)
    return units.format_unit(size, "digital-byte", length="short", locale=locale)


def _capitalised(text: str, locale: Locale) -> str:
    """Babel writes language names in lower case in French ("anglais"): a value on its own starts with a capital."""
    return text[:1].upper() + text[1:]


# --- devices -----------------------------------------------------------------------------------------------


@lru_cache(maxsize=1024)
def _parsed_device(user_agent: str) -> tuple[str, str, str]:
    """(browser, operating system, device model) from a user-agent string, "" where unknown."""
    from ua_parser import parse

    result = parse(user_agent)
    browser = result.user_agent.family if result.user_agent else ""
    system = result.os.family if result.os else ""
    model = result.device.family if result.device else ""
    unknown = {"Other", "Generic Smartphone", "Generic Feature Phone", ""}
    return (
        "" if browser in unknown else browser,
        "" if system in unknown else system,
        "" if model in unknown or model in ("Mac", "Spider") else model,
    )


def device_name(user_agent: str | None) -> str:
    """ "Mozilla/5.0 (X11; Linux x86_64) ... Chrome/131 ..." -> "Chrome on Linux" ("" when nothing is known)."""
    if not user_agent:
        return ""
    browser, system, model = _parsed_device(user_agent[:1000])
    # An iPhone or an iPad says more than "iOS"; an Android phone's model name says less than "Android".
    where = model if model and system in ("", "iOS") else SYSTEM_NAMES.get(system, system)
    if browser and where:
        return _("%(browser)s on %(system)s", browser=browser, system=where)
    # A program the parser does not know ("Werkzeug/3.1", a script): its name, without versions and details.
    return browser or where or PRODUCT.match(user_agent).group(0)[:40] or _("Unknown device")


# --- any stored value --------------------------------------------------------------------------------------


class ValueWriter:
    """Writes stored values for one page: formats are looked up once, values rendered by their type.

    `words` maps a field to a function that turns its stored value into words (an enum's label, a list of
    labels); what it returns is then written by type like any value."""

    DASH = "—"

    def __init__(self) -> None:
        self.locale = _locale()
        self.datetime = DateTimeFormatter("short")
        self.yes, self.no = _("Yes"), _("No")

    def __call__(self, value, field: str = "", words: Mapping[str, Callable] | None = None) -> Markup:
        if words and field in words and value not in (None, "", [], {}):
            value = words[field](value)
        return self._write(value, field)

    def _write(self, value, field: str) -> Markup:
        if value is None or value == "" or value == [] or value == {}:
            return escape(self.DASH)
        if isinstance(value, bool):
            return escape(self.yes if value else self.no)
        if isinstance(value, Mapping):
            return self._record(value)
        if isinstance(value, list | tuple | set | frozenset):
            return self._list(list(value), field)
        return escape(self.text(value, field))

    def text(self, value, field: str = "") -> str:
        """One scalar value as text."""
        if isinstance(value, dt.datetime):
            return self.datetime(value)
        if isinstance(value, dt.date):
            return format_date(value, "medium")
        if isinstance(value, int | float) and field in SIZE_FIELDS:
            return file_size(value, self.locale)
        if isinstance(value, int | float):
            from flask_babel import format_decimal

            return format_decimal(value)
        text = str(value)
        if ISO_DATETIME.match(text):
            return self.datetime(_parse_datetime(text))
        if ISO_DATE.match(text):
            return format_date(dt.date.fromisoformat(text), "medium")
        if field in LANGUAGE_FIELDS:
            return language_name(text, self.locale)
        if field in COUNTRY_FIELDS:
            return country_name(text, self.locale)
        if field in TIMEZONE_FIELDS:
            return timezone_name(text, self.locale)
        return text

    def _list(self, items: list, field: str) -> Markup:
        if all(not isinstance(item, Mapping | list | tuple) for item in items):
            return escape(", ".join(self.text(item, field) for item in items if item not in (None, "")) or self.DASH)
        rows = Markup("").join(Markup("<li>%s</li>") % self._write(item, field) for item in items)
        return Markup('<ul class="value-list">%s</ul>') % rows

    def _record(self, record: Mapping) -> Markup:
        """A nested record: "Key: value" pairs on one line, keys written as words."""
        parts = [
            Markup("%s: %s") % (_words(key), self._write(value, str(key)))
            for key, value in record.items()
            if value not in (None, "", [], {})
        ]
        return escape(" · ").join(parts) if parts else escape(self.DASH)


def labels_of(vocabulary) -> Callable:
    """For a registry entry's "words": a stored code, or a list of codes, as the labels of `vocabulary` (an enum
    whose members have a `label`); a code it does not know stays as it is."""

    def label(code):
        try:
            return vocabulary(code).label
        except ValueError:
            return code

    return lambda value: [label(code) for code in value] if isinstance(value, list | tuple) else label(value)


def record_labels(keys, values) -> Callable:
    """For a stored {code: code} mapping (a section and who sees it): both sides as labels."""
    key_label, value_label = labels_of(keys), labels_of(values)
    return lambda mapping: {key_label(key): value_label(value) for key, value in mapping.items()}


def _words(key) -> str:
    """A field name as words, for a record with no labels: "start_year" -> "Start year"."""
    text = str(key).replace("_", " ")
    return text[:1].upper() + text[1:]


def _parse_datetime(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment.astimezone(dt.UTC).replace(tzinfo=None) if moment.tzinfo else moment
