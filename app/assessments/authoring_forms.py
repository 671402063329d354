"""Forms of the authoring pages. Numbers are typed as text and read here, so that a mistake keeps what was
typed and gets a message in the member's language; each form turns its fields into the service's dataclass."""

import re

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from app.assessments.authoring import SLUG_FORMAT, SLUG_PATTERN, TRAIT_KEY_PATTERN, ItemContent, TestSettings
from app.assessments.models import ItemKind, TestKind
from app.core.forms import PortalForm, at_most, required

CHOICE_TYPES = (ItemKind.SINGLE, ItemKind.MULTIPLE)
MAX_OPTIONS = 20


def item_type_labels() -> dict[str, str]:
    """The item types as authors read them, in the request's language."""
    return {
        ItemKind.SINGLE: str(_l("Single choice")),
        ItemKind.MULTIPLE: str(_l("Multiple choice")),
        ItemKind.NUMERIC: str(_l("Numeric answer")),
        ItemKind.AGREEMENT: str(_l("Agreement scale (1 to 5)")),
    }


def read_number(text: str | None) -> float | int | None:
    """A number typed with a point or a comma (12.5 or 12,5), or None."""
    cleaned = (text or "").strip().replace("\u202f", "").replace("\u00a0", "").replace(" ", "").replace(",", ".")
    try:
        value = float(cleaned)
    except ValueError:
        return None
    if value != value or abs(value) >= 1e12:  # NaN or absurd
        return None
    return int(value) if value.is_integer() else value


def format_number(value) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def lines_of(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class ActionForm(PortalForm):
    """A button that changes something: only the CSRF token."""


class TestForm(PortalForm):
    kind = SelectField(_l("Kind of test"))
    slug = StringField(
        _l("Short name"),
        description=_l("Lowercase letters, digits and hyphens, such as numerical-reasoning. All versions share it."),
        validators=[required(), at_most(80)],
    )
    title_fr = StringField(_l("Title in French"), validators=[required(), at_most(200)])
    title_en = StringField(_l("Title in English"), validators=[required(), at_most(200)])
    instructions_fr = TextAreaField(_l("Instructions in French"), validators=[required(), at_most(5000)])
    instructions_en = TextAreaField(_l("Instructions in English"), validators=[required(), at_most(5000)])
    time_limit_minutes = StringField(_l("Time allowed, in minutes"), default="20", validators=[required()])
    traits = TextAreaField(
        _l("Traits (personality tests)"),
        description=_l(
            "One trait per line: key | French name | English name, such as openness | Ouverture | Openness."
        ),
        validators=[at_most(5000)],
    )
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Labels are lazy: build the choices in the request's language.
        self.kind.choices = [SelectChoice(kind.value, kind.label) for kind in TestKind]

    def validate_slug(self, field) -> None:
        field.data = (field.data or "").strip()
        if not SLUG_PATTERN.match(field.data):
            raise ValidationError(str(SLUG_FORMAT))

    def validate_time_limit_minutes(self, field) -> None:
        value = read_number(field.data)
        if not isinstance(value, int) or not 1 <= value <= 240:
            raise ValidationError(str(_l("Enter a whole number of minutes between 1 and 240.")))

    def validate_traits(self, field) -> None:
        traits = {}
        for number, line in enumerate((field.data or "").splitlines(), start=1):
            if not line.strip():
                continue
            parts = [part.strip() for part in line.split("|")]
            if len(parts) != 3 or not all(parts):
                raise ValidationError(str(_l("Line %(line)d: write key | French name | English name.", line=number)))
            key, name_fr, name_en = parts
            if not TRAIT_KEY_PATTERN.match(key) or len(key) > 40:
                raise ValidationError(
                    str(
                        _l(
                            "Line %(line)d: a key uses lowercase letters, digits and underscores, "
                            "such as emotional_stability.",
                            line=number,
                        )
                    )
                )
            if key in traits:
                raise ValidationError(str(_l("Line %(line)d: the key %(key)s is already used.", line=number, key=key)))
            traits[key] = {"fr": name_fr, "en": name_en}
        if self.kind.data == TestKind.PERSONALITY and not traits:
            raise ValidationError(str(_l("A personality test needs at least one trait.")))
        field.parsed = traits

    def settings(self) -> TestSettings:
        return TestSettings(
            kind=self.kind.data,
            slug=self.slug.data if self.slug else "",
            title={"fr": self.title_fr.data.strip(), "en": self.title_en.data.strip()},
            instructions={"fr": self.instructions_fr.data.strip(), "en": self.instructions_en.data.strip()},
            time_limit_minutes=read_number(self.time_limit_minutes.data),
            traits=self.traits.parsed,
        )

    def fill_from(self, test) -> None:
        """Show the version's settings."""
        self.kind.data = test.kind
        self.title_fr.data, self.title_en.data = test.title.get("fr", ""), test.title.get("en", "")
        self.instructions_fr.data = test.instructions.get("fr", "")
        self.instructions_en.data = test.instructions.get("en", "")
        self.time_limit_minutes.data = str(test.time_limit_minutes)
        self.traits.data = "\n".join(
            f"{key} | {names.get('fr', '')} | {names.get('en', '')}" for key, names in (test.traits or {}).items()
        )


class EditTestForm(TestForm):
    """A version's settings; the slug never changes (versions share it)."""

    slug = None


class SectionForm(PortalForm):
    title_fr = StringField(_l("Section title in French"), validators=[required(), at_most(200)])
    title_en = StringField(_l("Section title in English"), validators=[required(), at_most(200)])
    submit = SubmitField(_l("Save the section"))

    def title(self) -> dict:
        return {"fr": self.title_fr.data.strip(), "en": self.title_en.data.strip()}


class ItemForm(PortalForm):
    """One item; the view sets `item_type` and the test's trait choices. Only the type's fields are read."""

    prompt_fr = TextAreaField(_l("Question in French"), validators=[required(), at_most(2000)])
    prompt_en = TextAreaField(_l("Question in English"), validators=[required(), at_most(2000)])
    options_fr = TextAreaField(_l("Options in French"), description=_l("One option per line."))
    options_en = TextAreaField(
        _l("Options in English"), description=_l("One option per line, in the same order as in French.")
    )
    correct = StringField(
        _l("Correct option"),
        description=_l("The number of the correct option, counting from 1."),
    )
    answer = StringField(_l("Correct answer"), description=_l("A number, such as 92 or 12.5."))
    tolerance = StringField(
        _l("Tolerance"),
        default="0",
        description=_l("How far an answer may be from the correct one and still count: 0 for an exact answer."),
    )
    points = StringField(_l("Points"), default="1")
    trait = SelectField(_l("Trait measured"), validate_choice=False)
    is_reverse = BooleanField(_l("Reverse-keyed: agreeing means less of the trait"))
    submit = SubmitField(_l("Save the item"))

    def __init__(self, item_type: str, traits: dict, lang: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.item_type = item_type
        self.trait.choices = [SelectChoice(key, names.get(lang) or key) for key, names in (traits or {}).items()]
        if item_type == ItemKind.MULTIPLE:
            self.correct.label.text = str(_l("Correct options"))
            self.correct.description = _l(
                "The numbers of every correct option, counting from 1 and separated by commas, such as 1, 3."
            )

    @property
    def is_choice(self) -> bool:
        return self.item_type in CHOICE_TYPES

    def validate_options_fr(self, field) -> None:
        if not self.is_choice:
            return
        count = len(lines_of(field.data))
        if count < 2:
            raise ValidationError(str(_l("Give at least two options, one per line.")))
        if count > MAX_OPTIONS:
            raise ValidationError(str(_l("Give at most %(count)d options.", count=MAX_OPTIONS)))
        if any(len(line) > 500 for line in lines_of(field.data)):
            raise ValidationError(str(_l("Keep each option under 500 characters.")))

    def validate_options_en(self, field) -> None:
        if not self.is_choice:
            return
        count, expected = len(lines_of(field.data)), len(lines_of(self.options_fr.data))
        if count != expected:
            raise ValidationError(
                str(_l("Give as many options in English as in French (%(count)d), in the same order.", count=expected))
            )
        if any(len(line) > 500 for line in lines_of(field.data)):
            raise ValidationError(str(_l("Keep each option under 500 characters.")))

    def validate_correct(self, field) -> None:
        if not self.is_choice:
            return
        count = len(lines_of(self.options_fr.data))
        parts = [part for part in re.split(r"[,;\s]+", field.data or "") if part]
        if not parts or not all(part.isdigit() and 1 <= int(part) <= count for part in parts):
            raise ValidationError(str(_l("Give option numbers between 1 and %(count)d.", count=max(count, 1))))
        if self.item_type == ItemKind.SINGLE and len(set(parts)) != 1:
            raise ValidationError(str(_l("A single-choice item has exactly one correct option.")))
        field.indexes = sorted({int(part) - 1 for part in parts})

    def validate_answer(self, field) -> None:
        if self.item_type == ItemKind.NUMERIC and read_number(field.data) is None:
            raise ValidationError(str(_l("Enter a number, such as 92 or 12.5.")))

    def validate_tolerance(self, field) -> None:
        if self.item_type != ItemKind.NUMERIC:
            return
        value = read_number(field.data or "0")
        if value is None or value < 0:
            raise ValidationError(str(_l("Enter a number, 0 or more.")))

    def validate_points(self, field) -> None:
        if self.item_type == ItemKind.AGREEMENT:
            return
        value = read_number(field.data)
        if not isinstance(value, int) or not 0 <= value <= 1000:
            raise ValidationError(str(_l("Enter a whole number of points between 0 and 1000.")))

    def validate_trait(self, field) -> None:
        if self.item_type != ItemKind.AGREEMENT:
            return
        if not self.trait.choices:
            raise ValidationError(str(_l("The test has no traits yet: add them in its settings first.")))
        if field.data not in {choice.value for choice in self.trait.choices}:
            raise ValidationError(str(_l("Choose one of the test's traits.")))

    def content(self) -> ItemContent:
        kind = self.item_type
        content = ItemContent(type=kind, prompt={"fr": self.prompt_fr.data.strip(), "en": self.prompt_en.data.strip()})
        if self.is_choice:
            pairs = zip(lines_of(self.options_fr.data), lines_of(self.options_en.data), strict=True)
            content.options = [{"fr": fr, "en": en} for fr, en in pairs]
            content.key = self.correct.indexes
        elif kind == ItemKind.NUMERIC:
            content.key = read_number(self.answer.data)
            content.tolerance = float(read_number(self.tolerance.data or "0"))
        elif kind == ItemKind.AGREEMENT:
            content.trait, content.is_reverse = self.trait.data, bool(self.is_reverse.data)
        if kind != ItemKind.AGREEMENT:  # agreement items feed a trait and earn no points
            content.points = read_number(self.points.data)
        return content

    def fill_from(self, item) -> None:
        """Show the item as stored."""
        self.prompt_fr.data, self.prompt_en.data = item.prompt.get("fr", ""), item.prompt.get("en", "")
        self.options_fr.data = "\n".join(option.get("fr", "") for option in item.options or [])
        self.options_en.data = "\n".join(option.get("en", "") for option in item.options or [])
        if isinstance(item.key, list):
            self.correct.data = ", ".join(str(index + 1) for index in item.key)
        elif item.type == ItemKind.NUMERIC:
            self.answer.data = format_number(item.key)
        self.tolerance.data = format_number(item.tolerance)
        self.points.data = str(item.points)
        self.trait.data = item.trait
        self.is_reverse.data = item.is_reverse


class ImportForm(PortalForm):
    file = FileField(_l("Test file (JSON)"), description=_l("A file in the documented format, 1 MB at most."))
    submit = SubmitField(_l("Import as a draft"))

    def validate_file(self, field) -> None:
        if not field.data or not getattr(field.data, "filename", ""):
            raise ValidationError(str(_l("Choose a JSON file.")))
