"""Where a session takes place, checked by its mode: a video link must be a web address a browser can open,
a phone number must be one, a face-to-face session has an address (shown as text, never as a link).

Pure functions: no app needed."""

import re
from urllib.parse import urlsplit

import phonenumbers

#: A number without a country code is read as French, as sign-up does.
DEFAULT_REGION = "FR"
_UNSAFE = re.compile(r"[\s\"'<>\\^`{|}\x00-\x1f\x7f]")


def video_url(text: str) -> str | None:
    """`text` as a link: http(s), a host, nothing a browser would have to guess (spaces, quotes); else None."""
    text = (text or "").strip()
    if not text or _UNSAFE.search(text):
        return None
    try:
        parts = urlsplit(text)
        host = parts.hostname
    except ValueError:  # a malformed port or IPv6 address
        return None
    if parts.scheme.lower() not in ("http", "https") or not host or "." not in host.strip("."):
        return None
    return text


def phone_number(text: str, region: str = DEFAULT_REGION) -> str | None:
    """`text` as an international phone number ("+33 6 12 34 56 78"), or None when it is not a valid one."""
    try:
        number = phonenumbers.parse((text or "").strip(), region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def clean_details(mode: str, text: str) -> str | None:
    """The meeting details to store for `mode` ("video", "phone", "in_person"), or None when they do not fit."""
    text = (text or "").strip()
    if mode == "video":
        return video_url(text)
    if mode == "phone":
        return phone_number(text)
    return text or None


def link_for(mode: str, text: str) -> str | None:
    """The address to link to on the session page: only a video session's valid link (older rows included)."""
    return video_url(text) if mode == "video" else None
