"""`LabelledEnum`: the one way a stored code gets its translated label."""

import enum
import functools

from wtforms.fields.choices import SelectChoice


class LabelledEnum(enum.StrEnum):
    """A string enum whose members carry a translated `label`: the subclass's `labels()` maps each member to a
    lazy string (translated when shown, in the page's language)."""

    @property
    def label(self) -> str:
        return str(_labels_of(type(self))[self])

    @classmethod
    def labels(cls) -> dict:
        raise NotImplementedError

    @classmethod
    def choices(cls) -> list[SelectChoice]:
        return [SelectChoice(member.value, member.label) for member in cls]


@functools.cache
def _labels_of(enum_class: type[LabelledEnum]) -> dict:
    """Built once per class: the strings are lazy, so one mapping serves every language."""
    return enum_class.labels()


def label_of(enum_class: type[LabelledEnum]):
    """For templates: a stored code's label, or the code itself when `enum_class` does not know it."""
    return lambda code: enum_class(code).label if code in enum_class._value2member_map_ else code
