"""The French catalog as the e2e tests read it: expected texts come from messages.po, not from the test."""

from functools import cache
from pathlib import Path

import pytest

TRANSLATIONS_DIR = Path(__file__).resolve().parents[2] / "app" / "translations"


def po_path(lang: str) -> Path:
    return TRANSLATIONS_DIR / lang / "LC_MESSAGES" / "messages.po"


@cache
def _catalog(lang: str):
    from babel.messages.pofile import read_po

    with po_path(lang).open("rb") as handle:
        return read_po(handle, locale=lang)


def translation(msgid: str, lang: str = "fr") -> str:
    """The msgstr of `msgid`; the test fails, naming the message, when the catalog has no usable translation.

    A fuzzy entry counts as missing: `pybabel compile` leaves it out, so the portal would show English.
    """
    message = _catalog(lang).get(msgid)
    if message is None:
        pytest.fail(f"{msgid!r} is not in {po_path(lang)}: run `make translations` to extract it")
    text = message.string if isinstance(message.string, str) else message.string[0]
    if not text:
        pytest.fail(f"The {lang} translation of {msgid!r} is missing (empty msgstr in {po_path(lang)})")
    if message.fuzzy:
        pytest.fail(f"The {lang} translation of {msgid!r} is marked fuzzy in {po_path(lang)}: review it")
    return text


def compile_catalogs(target: Path) -> Path:
    """Compile every messages.po into `target` (same layout), so the portal serves what the tests read."""
    from babel.messages.mofile import write_mo

    for po in TRANSLATIONS_DIR.glob("*/LC_MESSAGES/messages.po"):
        lang = po.parent.parent.name
        mo = target / lang / "LC_MESSAGES" / "messages.mo"
        mo.parent.mkdir(parents=True, exist_ok=True)
        with mo.open("wb") as handle:
            write_mo(handle, _catalog(lang), use_fuzzy=False)
    return target
