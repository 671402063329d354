"""Enrolment by CSV: read and check the whole file, list every bad row with its reasons, import all or nothing.

Columns (header names in English or French, any order): email, first_name, last_name, cohort, language,
and for a school `grade` (grade or year of study), for an employer `level` (level of hierarchy) and
`recommendation`. Only email, first_name and last_name are required.

The file must be UTF-8 (with or without BOM), separated by commas or semicolons. Cells that a spreadsheet
would run as a formula (starting with = + - @, a tab or a carriage return) are refused.
So are cells holding control characters, direction overrides or non-characters (core.input_guard).
"""

import csv
import io
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from app.auth.services import AuthError, normalise_email
from app.core.input_guard import text_problem
from app.sponsors import services
from app.sponsors.models import Organisation

#: The largest file accepted (bytes) and the most rows in one import.
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: Cells that may hold line breaks and tabs (a textarea in the member form); the other cells hold one line.
MULTILINE_COLUMNS = {"recommendation"}
LIMITS = {"first_name": 100, "last_name": 100, "cohort": 100, "grade": 100, "level": 100, "recommendation": 2000}

#: Accepted header names (lower-cased, spaces and dashes as underscores) for each column.
HEADER_ALIASES = {
    "email": "email",
    "e_mail": "email",
    "mail": "email",
    "courriel": "email",
    "adresse_e_mail": "email",
    "first_name": "first_name",
    "firstname": "first_name",
    "prénom": "first_name",
    "prenom": "first_name",
    "last_name": "last_name",
    "lastname": "last_name",
    "surname": "last_name",
    "nom": "last_name",
    "cohort": "cohort",
    "cohorte": "cohort",
    "language": "language",
    "langue": "language",
    "grade": "grade",
    "year": "grade",
    "année": "grade",
    "niveau_d_études": "grade",
    "level": "level",
    "level_of_hierarchy": "level",
    "hierarchy_level": "level",
    "niveau_hiérarchique": "level",
    "recommendation": "recommendation",
    "recommandation": "recommendation",
}
REQUIRED = ("email", "first_name", "last_name")
SCHOOL_COLUMNS = {"email", "first_name", "last_name", "cohort", "language", "grade"}
EMPLOYER_COLUMNS = {"email", "first_name", "last_name", "cohort", "language", "level", "recommendation"}
LANGUAGE_VALUES = {"fr": "fr", "french": "fr", "français": "fr", "francais": "fr", "en": "en", "english": "en",
                   "anglais": "en"}  # fmt: skip


@dataclass
class RowError:
    line: int
    #: The e-mail cell as written (to help find the row), possibly empty.
    email: str
    reasons: list[str] = field(default_factory=list)


@dataclass
class ImportCheck:
    """The outcome of checking a file: file-level problems, bad rows, and the good rows ready to import."""

    problems: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    people: list[services.MemberData] = field(default_factory=list)
    #: (line, MemberData, cohort name) for the preview.
    preview: list[tuple[int, services.MemberData, str]] = field(default_factory=list)
    row_count: int = 0

    @property
    def is_valid(self) -> bool:
        return not self.problems and not self.errors and bool(self.people)


def decode(data: bytes) -> str:
    """The file as text; raises SponsorError for anything that is not UTF-8."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise services.SponsorError(
            _l(
                "The file is not encoded in UTF-8. In your spreadsheet, save it as “CSV UTF-8” "
                "(comma or semicolon separated) and try again."
            )
        ) from None


def _header_key(name: str) -> str:
    return "_".join(name.strip().lower().replace("-", " ").replace("'", " ").replace("’", " ").split())


def _delimiter(first_line: str) -> str | None:
    commas, semicolons = first_line.count(","), first_line.count(";")
    if not commas and not semicolons:
        return None
    return ";" if semicolons > commas else ","


def check_file(organisation: Organisation, text: str) -> ImportCheck:
    """Check every row of the file against the organisation; nothing is written."""
    result = ImportCheck()
    if len(text.encode("utf-8")) > MAX_BYTES:
        result.problems.append(str(_l("The file is too large: split it into files of at most 2 MB.")))
        return result
    lines = text.splitlines()
    first_line = next((line for line in lines if line.strip()), "")
    if not first_line:
        result.problems.append(str(_l("The file is empty.")))
        return result
    delimiter = _delimiter(first_line)
    if delimiter is None:
        result.problems.append(
            str(
                _l(
                    "We could not find the columns: separate them with commas or semicolons, with a first line "
                    "naming them (email, first_name, last_name...)."
                )
            )
        )
        return result
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    columns: list[str | None] = []
    allowed = SCHOOL_COLUMNS if organisation.is_school else EMPLOYER_COLUMNS
    rows: list[tuple[int, dict[str, str], list[str]]] = []
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = cells
                columns = [HEADER_ALIASES.get(_header_key(name)) for name in cells]
                unknown = [name for name, column in zip(cells, columns, strict=True) if column not in allowed]
                if unknown:
                    result.problems.append(
                        str(
                            _l(
                                "Unknown columns: %(names)s. The columns are: %(expected)s.",
                                names=", ".join(name.strip() or "?" for name in unknown),
                                expected=", ".join(_expected(organisation)),
                            )
                        )
                    )
                missing = [name for name in REQUIRED if name not in columns]
                if missing:
                    result.problems.append(str(_l("Missing columns: %(names)s.", names=", ".join(missing))))
                duplicated = {column for column in columns if column and columns.count(column) > 1}
                if duplicated:
                    result.problems.append(
                        str(_l("Columns given twice: %(names)s.", names=", ".join(sorted(duplicated))))
                    )
                if result.problems:
                    return result
                continue
            reasons: list[str] = []
            if len(cells) != len(columns):
                reasons.append(
                    str(
                        _l(
                            "This row has %(found)d cells where the first line names %(expected)d columns.",
                            found=len(cells),
                            expected=len(columns),
                        )
                    )
                )
            values = {column: cell for column, cell in zip(columns, cells, strict=False) if column}
            rows.append((reader.line_num, values, reasons))
            if len(rows) > MAX_ROWS:
                result.problems.append(
                    str(_l("The file has more than %(count)d rows: split it into several files.", count=MAX_ROWS))
                )
                return result
    except csv.Error:
        result.problems.append(str(_l("The file could not be read as CSV near line %(line)d.", line=reader.line_num)))
        return result
    if header is None or not rows:
        result.problems.append(str(_l("The file has no rows to import.")))
        return result
    result.row_count = len(rows)
    _check_rows(organisation, rows, result)
    return result


def _expected(organisation: Organisation) -> list[str]:
    if organisation.is_school:
        return ["email", "first_name", "last_name", "cohort", "grade", "language"]
    return ["email", "first_name", "last_name", "cohort", "level", "recommendation", "language"]


def _check_rows(organisation: Organisation, rows, result: ImportCheck) -> None:
    cohorts = {cohort.name.lower(): cohort for cohort in services.cohorts_of(organisation)}
    parsed: list[tuple[int, str, dict[str, str], list[str], str | None]] = []
    seen: dict[str, int] = {}
    for line, values, reasons in rows:
        raw_email = values.get("email", "")
        for column, value in values.items():
            if value[:1] in FORMULA_PREFIXES or value.lstrip(" ")[:1] in FORMULA_PREFIXES:
                reasons.append(
                    str(
                        _l(
                            "The cell “%(column)s” starts like a spreadsheet formula (= + - @); remove that sign.",
                            column=column,
                        )
                    )
                )
            if text_problem(value, multiline=column in MULTILINE_COLUMNS) is not None:
                reasons.append(
                    str(
                        _l(
                            "The cell “%(column)s” contains characters that are not allowed (control characters, "
                            "direction overrides or non-characters).",
                            column=column,
                        )
                    )
                )
        clean = {column: value.strip() for column, value in values.items()}
        email = None
        if not clean.get("email"):
            reasons.append(str(_l("The e-mail address is missing.")))
        else:
            try:
                email = normalise_email(clean["email"])
            except AuthError:
                reasons.append(str(_l("“%(value)s” is not a valid e-mail address.", value=clean["email"][:100])))
        for column in ("first_name", "last_name"):
            if not clean.get(column):
                reasons.append(
                    str(_l("The first name is missing.") if column == "first_name" else _l("The last name is missing."))
                )
        for column, limit in LIMITS.items():
            if len(clean.get(column, "")) > limit:
                reasons.append(
                    str(_l("The cell “%(column)s” is too long (%(max)d characters at most).", column=column, max=limit))
                )
        cohort_name = clean.get("cohort", "")
        if cohort_name and cohort_name.lower() not in cohorts:
            reasons.append(
                str(
                    _l(
                        "The cohort “%(name)s” does not exist. Create it first, or correct its name.",
                        name=cohort_name[:100],
                    )
                )
            )
        language = clean.get("language", "")
        if language and language.lower() not in LANGUAGE_VALUES:
            reasons.append(str(_l("Unknown language “%(value)s”: write fr or en.", value=language[:20])))
        if email is not None:
            if email in seen:
                reasons.append(str(_l("This address is already on line %(line)d of the file.", line=seen[email])))
            else:
                seen[email] = line
        parsed.append((line, raw_email, clean, reasons, email))
    emails = [email for *_, email in parsed if email]
    enrolled = services.enrolled_emails(organisation, emails)
    invited = services.invited_emails(organisation, emails)
    for line, raw_email, clean, reasons, email in parsed:
        if email in enrolled:
            reasons.append(str(_l("This person is already enrolled.")))
        elif email in invited:
            reasons.append(str(_l("This person already has a pending invitation.")))
        if reasons:
            result.errors.append(RowError(line=line, email=raw_email[:100], reasons=reasons))
            continue
        cohort = cohorts.get(clean.get("cohort", "").lower())
        language = clean.get("language", "")
        person = services.MemberData(
            email=email,
            first_name=clean["first_name"],
            last_name=clean["last_name"],
            cohort_id=cohort.id if cohort else None,
            grade=clean.get("grade", ""),
            hierarchy_level=clean.get("level", ""),
            recommendation=clean.get("recommendation", ""),
            locale=LANGUAGE_VALUES[language.lower()] if language else None,
        )
        result.people.append(person)
        result.preview.append((line, person, cohort.name if cohort else ""))
    free = services.free_seats(organisation)
    if result.row_count > free:
        result.problems.append(
            str(
                _l(
                    "The file has %(rows)d rows but only %(free)d seats are free. Remove rows, or ask us for more "
                    "seats.",
                    rows=result.row_count,
                    free=free,
                )
            )
        )


def import_people(organisation: Organisation, text: str, actor) -> int:
    """Check the file again (things may have changed since the preview), then invite everyone, or no one."""
    result = check_file(organisation, text)
    if not result.is_valid:
        raise services.SponsorError(_l("The file has changed or is no longer valid. Check it again."))
    services.create_member_invitations(organisation, result.people, actor)
    return len(result.people)
