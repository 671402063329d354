"""`LabelledEnum`: the one way a stored code gets its translated label."""

import enum
import functools

from flask_babel import get_locale
from wtforms.fields.choices import SelectChoice


class LabelledEnum(enum.StrEnum):
    """A string enum whose members carry a translated `label`, declared next to the code:

        CV = "cv", _l("CV")

    The label is a lazy string, translated when shown, in the page's language. A subclass may instead
    override `labels()` to map each member to its label.
    """

    def __new__(cls, value: str, label=None):
        member = str.__new__(cls, value)
        member._value_ = value
        member._label = label
        return member

    @property
    def label(self) -> str:
        return str(_labels_of(type(self))[self])

    @classmethod
    def labels(cls) -> dict:
        return {member: member._label for member in cls}

    @classmethod
    def labels_by_code(cls) -> dict[str, str]:
        """{stored code: label} in the page's language: a list shows the same few labels on every row, and
        translating one costs a dozen calls, so each language's are translated once per process."""
        return _translated_labels(cls, str(get_locale()))

    @classmethod
    def choices(cls) -> list[SelectChoice]:
        return [SelectChoice(member.value, member.label) for member in cls]


@functools.cache
def _labels_of(enum_class: type[LabelledEnum]) -> dict:
    """Built once per class: the strings are lazy, so one mapping serves every language."""
    return enum_class.labels()


@functools.cache
def _translated_labels(enum_class: type[LabelledEnum], locale: str) -> dict[str, str]:
    """Called in `locale` (the page's): its labels, keyed by the only thing they read besides the code."""
    return {member.value: str(label) for member, label in _labels_of(enum_class).items()}


def label_of(enum_class: type[LabelledEnum]):
    """For templates: a stored code's label, or the code itself when `enum_class` does not know it."""
    return lambda code: enum_class(code).label if code in enum_class._value2member_map_ else code


def label_property(column: str, enum_class: type[enum.Enum]) -> property:
    """For models: a read-only `<column>_label`, the label of the code stored in `column`."""
    return property(lambda row: enum_class(getattr(row, column)).label)
