"""Input refused at the door, in one place for every form, URL, JSON body and imported file.

- Text: NUL, control characters (C0, DEL, C1; tab and line breaks only where a field holds several lines),
  direction overrides and isolates (they reorder what other members read), non-characters and lone
  surrogates are refused; bytes that are not UTF-8 get their own message (never "your form has expired").
- Integers from the URL or a form stay within what the database holds (PostgreSQL's integer), and page
  numbers within a bound: past it the page is not found, in a form it is a field error.
- JSON is parsed with a size and a nesting limit (Python's parser recurses: a few kilobytes of brackets
  would exhaust the stack), numbers bounded (NaN and infinities read as null), strings under the text rules above.
"""

import json
import math
import re
from urllib.parse import unquote_to_bytes

from flask import Flask, Request, abort, jsonify, make_response, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import lazy_gettext as _l
from werkzeug.formparser import FormDataParser
from werkzeug.routing import IntegerConverter, ValidationError
from werkzeug.utils import cached_property
from wtforms import Field
from wtforms.fields import DecimalField, FloatField, IntegerField
from wtforms.widgets import TextArea

from app.core.errors import render_error

#: The largest integer a URL, a form or a JSON body may carry: PostgreSQL's `integer` (SQLite holds more).
MAX_INTEGER = 2**31 - 1
#: The last page number a list answers (at 50 rows a page, five million rows).
MAX_PAGE = 100_000
#: JSON bodies of the portal's pages (the autosave) are small; files (test imports) pass their own size.
JSON_MAX_BYTES = 64 * 1024
JSON_MAX_DEPTH = 32
#: JSON numbers beyond what a browser's JavaScript represents exactly.
JSON_MAX_NUMBER = 2**53

_NONCHARACTERS = "\ufdd0-\ufdef" + "".join(
    f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17)
)
#: Refused everywhere: C0 controls but tab and line breaks, DEL and C1, bidi overrides and isolates,
#: non-characters, lone surrogates (a JSON "\ud800" escape).
_FORBIDDEN = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff" + _NONCHARACTERS + "]"
)
_LINE_BREAKS = re.compile("[\t\n\r]")
#: What a decoder leaves where the bytes were not UTF-8 (werkzeug's multipart parser, and ours below).
_REPLACEMENT = "\ufffd"

TEXT_NOT_ALLOWED = _l(
    "This field contains characters that are not allowed (control characters, direction overrides or "
    "non-characters). Remove them and try again."
)
TEXT_ONE_LINE = _l("This field holds a single line: remove the tabs and line breaks.")
TEXT_NOT_UTF8 = _l("This field contains bytes that are not valid text (UTF-8). Type it again.")
NUMBER_TOO_LARGE = _l("This number is too large.")
NUMBER_NOT_FINITE = _l("Enter a number.")
ADDRESS_NOT_ALLOWED = _l("The address contains characters that are not allowed. Check the link and try again.")
JSON_NOT_VALID = _l("The data sent is not valid JSON.")
JSON_NUMBER = _l("The JSON holds a number that is too large.")
JSON_TEXT = _l(
    "The JSON contains characters that are not allowed (control characters, direction overrides or non-characters)."
)


def text_problem(value: str, *, multiline: bool = False):
    """Why `value` is refused (a lazy message), or None: a textarea may hold tabs and line breaks."""
    if _REPLACEMENT in value:
        return TEXT_NOT_UTF8
    if _FORBIDDEN.search(value):
        return TEXT_NOT_ALLOWED
    if not multiline and _LINE_BREAKS.search(value):
        return TEXT_ONE_LINE
    return None


# --- integers ------------------------------------------------------------------------------------------


class BoundedIntegerConverter(IntegerConverter):
    """`<int:...>` in every route: past MAX_INTEGER the URL names nothing (404), never a database error."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_INTEGER, signed=False):  # noqa: A002 (werkzeug's names)
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)

    def to_python(self, value: str):
        if len(value.lstrip("-")) > len(str(self.max)):  # int() of thousands of digits is itself refused
            raise ValidationError()
        return super().to_python(value)


def page_argument(name: str = "page") -> int:
    """The page asked for in the query string: 1 when missing, not a number or below 1; past MAX_PAGE, 404."""
    value = request.args.get(name, "").strip()
    if not value.isascii() or not value.lstrip("-").isdigit():
        return 1
    if len(value) > len(str(MAX_PAGE)) or int(value) > MAX_PAGE:
        abort(404)
    return max(int(value), 1)


def _number_problem(field: Field):
    data = field.data
    if isinstance(field, IntegerField) and isinstance(data, int) and abs(data) > MAX_INTEGER:
        return NUMBER_TOO_LARGE
    if isinstance(field, DecimalField | FloatField) and data is not None:
        if not math.isfinite(data):
            return NUMBER_NOT_FINITE
        if abs(data) > MAX_INTEGER:
            return NUMBER_TOO_LARGE
    return None


# --- forms -----------------------------------------------------------------------------------------------


def field_problem(field: Field):
    """Why what was sent for `field` is refused before any of its validators runs, or None."""
    multiline = isinstance(field.widget, TextArea)
    for value in field.raw_data or ():
        if isinstance(value, str) and (problem := text_problem(value, multiline=multiline)):
            return problem
    return _number_problem(field)


def _validate_after_the_door(original):
    def validate(self, form, extra_validators=()):
        problem = field_problem(self)
        if problem is None:
            return original(self, form, extra_validators)
        # Other fields of the form are still checked (and kept); this one stops here: no validator, no
        # database lookup ever sees the refused text.
        self.errors = [str(problem)]
        return False

    validate.door_checked = True
    return validate


def guard_every_field() -> None:
    """Every WTForms field, of every form, refuses hostile input first (idempotent: tests build many apps)."""
    if not getattr(Field.validate, "door_checked", False):
        Field.validate = _validate_after_the_door(Field.validate)


# --- request parsing: bytes that are not UTF-8 ----------------------------------------------------------


def _decoded_pairs(raw: bytes):
    """Name/value pairs of a query string or a url-encoded body. Bytes that are not UTF-8 become U+FFFD,
    which the fields refuse with their own message: werkzeug would keep them percent-encoded ("%FF", stored
    as typed) or, for raw bytes in a body, drop the whole form (its CSRF token too: "your form has expired")."""
    for pair in raw.split(b"&"):
        if not pair:
            continue
        name, _, value = pair.partition(b"=")
        yield _decode(name), _decode(value)


def _decode(part: bytes) -> str:
    return unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8", "replace")


class _FormDataParser(FormDataParser):
    def _parse_urlencoded(self, stream, mimetype, content_length, options):
        return stream, self.cls(_decoded_pairs(stream.read())), self.cls()


class PortalRequest(Request):
    form_data_parser_class = _FormDataParser

    @cached_property
    def args(self):
        return self.parameter_storage_class(_decoded_pairs(self.query_string))


def _refuse_hostile_address():
    """A path naming something with a control character names nothing (404); a query string with one is
    refused with a clear page, before any view reads it."""
    for value in (request.view_args or {}).values():
        if isinstance(value, str) and text_problem(value):
            abort(404)
    for name, value in request.args.items(multi=True):
        if text_problem(name) or text_problem(value):
            return render_error(400, ADDRESS_NOT_ALLOWED)
    return None


# --- JSON ------------------------------------------------------------------------------------------------


class JSONRefused(ValueError):
    """A JSON text refused for its size, depth, numbers or characters; `message` is lazy."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_JSON_BRACKET = re.compile(r"[\[\]{}]")


def json_depth_exceeds(text: str, max_depth: int) -> bool:
    """True when the brackets outside strings nest deeper than `max_depth`: checked before parsing."""
    depth = 0
    for match in _JSON_BRACKET.finditer(_JSON_STRING.sub("", text)):
        depth += 1 if match.group() in "[{" else -1
        if depth > max_depth:
            return True
    return False


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > len(str(JSON_MAX_NUMBER)) or abs(int(text)) > JSON_MAX_NUMBER:
        raise JSONRefused(JSON_NUMBER)
    return int(text)


def _finite_float(text: str) -> float | None:
    value = float(text)
    if not math.isfinite(value):  # 1e999: as JavaScript's JSON.stringify writes a non-finite number, null
        return None
    if abs(value) > JSON_MAX_NUMBER:
        raise JSONRefused(JSON_NUMBER)
    return value


def _null_constant(name: str) -> None:
    return None  # NaN, Infinity: not JSON (a browser writes null), though Python's parser and writer take them


def _check_strings(value) -> None:
    if isinstance(value, str):
        if text_problem(value, multiline=True):
            raise JSONRefused(JSON_TEXT)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_strings(key)
            _check_strings(item)
    elif isinstance(value, list):
        for item in value:
            _check_strings(item)


def parse_json(text: str | bytes, *, max_bytes: int | None = JSON_MAX_BYTES, max_depth: int = JSON_MAX_DEPTH):
    """The value of a JSON text, or JSONRefused (size, depth, numbers, characters); a syntax error raises
    json.JSONDecodeError (a ValueError, with its line) and bytes that are not UTF-8 UnicodeDecodeError."""
    size = len(text) if isinstance(text, bytes) else len(text.encode("utf-8", "surrogatepass"))
    if max_bytes is not None and size > max_bytes:
        raise JSONRefused(_l("The data sent is too large: at most %(size)d KB.", size=max(max_bytes // 1024, 1)))
    if isinstance(text, bytes):
        text = text.decode("utf-8-sig")
    if json_depth_exceeds(text, max_depth):
        raise JSONRefused(_l("The JSON is nested too deeply: at most %(depth)d levels.", depth=max_depth))
    value = json.loads(text, parse_int=_bounded_int, parse_float=_finite_float, parse_constant=_null_constant)
    _check_strings(value)
    return value


def request_json(*, max_bytes: int = JSON_MAX_BYTES):
    """The request's JSON body; anything refused answers 400 in JSON {"ok": false, "error": message}."""
    if request.content_length is not None and request.content_length > max_bytes:
        _refuse_json(_l("The data sent is too large: at most %(size)d KB.", size=max(max_bytes // 1024, 1)))
    data = request.stream.read(max_bytes + 1)
    try:
        return parse_json(data, max_bytes=max_bytes)
    except JSONRefused as error:
        _refuse_json(error.message)
    except (ValueError, RecursionError):  # a syntax error, or bytes that are not UTF-8
        _refuse_json(JSON_NOT_VALID)


def _refuse_json(message):
    abort(make_response(jsonify(ok=False, error=str(message)), 400))


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's own parsing (request.get_json anywhere) keeps the nesting limit too."""

    def loads(self, s, **kwargs):
        text = s.decode("utf-8", "replace") if isinstance(s, bytes | bytearray) else s
        if json_depth_exceeds(text, JSON_MAX_DEPTH):
            raise JSONRefused(_l("The JSON is nested too deeply: at most %(depth)d levels.", depth=JSON_MAX_DEPTH))
        return super().loads(s, **kwargs)


def init_app(app: Flask) -> None:
    """Before the blueprints register their routes (the `int` converter is looked up as each rule is added)."""
    app.request_class = PortalRequest
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.json = BoundedJSONProvider(app)
    app.before_request(_refuse_hostile_address)
    guard_every_field()
