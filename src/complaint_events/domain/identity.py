"""A person's contact as one comparable form, whatever channel wrote it (docs/channels.md).

The e-mail, hotline and social adapters derive a consumer id per channel, so
the same person has one id by e-mail and another by phone. What they share is
a phone number or an e-mail address, written differently by each channel
("+86 138-1234-5678", "13812345678", "0086 13812345678"). These functions
bring each to one form, so that the same person's complaint about the same
order is recognised across channels. Pure: no key, no storage; the keyed hash
of the result is :func:`complaint_events.application.secrets.identity_digest`.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

DEFAULT_COUNTRY_CODE: Final = "86"  # 中国: a number written without a country code
CHINA_MOBILE_DIGITS: Final = 11  # 1xx xxxx xxxx
_SEPARATORS: Final = re.compile(r"[\s\-().\u00a0\u3000]")  # spaces (incl. full-width), - ( ) .
_CHINA_MOBILE: Final = re.compile(r"1[3-9]")  # 010 is Beijing's area code, not a mobile
_CHINA_NATIONAL_DIGITS: Final = range(9, 12)  # area code + local number, or a mobile
_E164_DIGITS: Final = range(7, 16)  # ITU-T E.164; shorter is a service or extension number
_EMAIL_MAX: Final = 254  # RFC 5321 path limit
_EMAIL_SHAPE: Final = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def normalised_phone(raw: str | None) -> str | None:
    """The number as ``+<country code><number>``, digits only; None if it is not a number.

    Full-width characters are read as their ASCII forms; spaces, dashes, dots and
    parentheses are dropped; ``+`` or ``00`` announce a
    country code. Without one the number is Chinese (+86): a mobile number is
    its 11 digits, a landline loses its trunk ``0`` (``010-1234 5678`` is
    ``+861012345678``). ``+86`` followed by the trunk ``0`` is read the same.
    """
    if raw is None:
        return None
    # NFKC: full-width digits and "＋", as Chinese input methods type them, become ASCII.
    text = _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw[:64]).strip())
    international = text.startswith(("+", "00"))
    digits = text[1:] if text.startswith("+") else text[2:] if text.startswith("00") else text
    if not digits.isascii() or not digits.isdigit():
        return None  # letters, an extension ("转 123"), two numbers: not one number
    if not international:
        if len(digits) == CHINA_MOBILE_DIGITS + 2 and digits.startswith("861"):
            digits = digits[2:]  # "86 138…" written without the "+"
        digits = DEFAULT_COUNTRY_CODE + digits.removeprefix("0")
    elif digits.startswith(DEFAULT_COUNTRY_CODE + "0"):
        digits = DEFAULT_COUNTRY_CODE + digits[len(DEFAULT_COUNTRY_CODE) + 1 :]
    if digits.startswith(DEFAULT_COUNTRY_CODE):
        national = digits[len(DEFAULT_COUNTRY_CODE) :]
        if len(national) not in _CHINA_NATIONAL_DIGITS:
            return None  # a short service number (95xxx, 12315), or digits run together
        if _CHINA_MOBILE.match(national) and len(national) != CHINA_MOBILE_DIGITS:
            return None
    if len(digits) not in _E164_DIGITS:
        return None
    return f"+{digits}"


def normalised_email(raw: str | None) -> str | None:
    """The address trimmed and lower-cased; None if it has not the shape of one.

    Dots and ``+tags`` are kept: only some providers ignore them (Gmail does,
    most do not), and taking two people's addresses for one would merge their
    complaints, which is worse than missing a duplicate a handler can still link.
    """
    if raw is None:
        return None
    text = unicodedata.normalize("NFKC", raw[: _EMAIL_MAX * 2]).strip().lower()
    if text.startswith("mailto:"):
        text = text[len("mailto:") :]
    if len(text) > _EMAIL_MAX or not _EMAIL_SHAPE.fullmatch(text):
        return None
    return text
