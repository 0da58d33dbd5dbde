"""Masking personal data before a merchant sees a case (个人信息保护法, docs/rules.md).

Merchants need the order, the SKU, the complaint and the evidence, not the person
behind them (PIPL Art. 6, data minimisation).  They see a masked name (``林**``)
and phone (``183****2807``), an address only when a return or exchange must be
shipped, and never ID numbers, payment accounts, e-mail addresses or medical data.
Free text written by the consumer is scrubbed of the numbers and addresses people
paste into it.

The contact is stored sealed (:mod:`complaint_events.application.personal_data`):
open it first, then mask it; once the consumer's data has been erased there is
nothing to mask and the merchant sees :data:`ERASED`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from complaint_events.domain.complaint import Contact

MASK: Final = "*"
ERASED: Final = "[erased]"
"""What is shown in place of personal data whose key has been erased."""

# A mainland mobile number: 11 digits starting 13-19, optionally after +86 / 0086,
# with spaces or hyphens between the groups (183-1234-2807).
# The prefix is atomic: a mobile without it starts with 1, never with +, 0 or 8,
# so once a prefix matched there is nothing to gain by trying without it.
_MOBILE: Final = r"(?>(?:(?:\+|00)?86[ -]?)?)1[3-9]\d[ -]?\d{4}[ -]?\d{4}"
# A resident ID number (身份证): 17 digits and a check digit or X.
_ID_NUMBER: Final = r"\d{17}[\dXx]"
# A bank card: 16-19 digits, optionally grouped by spaces or hyphens.
_BANK_CARD: Final = r"\d(?:[ -]?\d){15,18}"
# An e-mail address within the limits of RFC 5321 (a local part of at most 64
# characters, labels of at most 63).  Every repetition is bounded and a match can
# start only where a run of address characters starts (the lookbehind after the
# first character), so no position is tried twice and masking takes time linear
# in the text: the unbounded pattern before, tried at every letter of a long run
# of letters, was quadratic (80,000 letters took 10 s).  Starting with a
# character class lets the regex engine skip other text (Chinese, punctuation)
# without entering the pattern.
_LOCAL_CHAR: Final = r"[A-Za-z0-9._%+-]"
_LABEL: Final = r"[A-Za-z0-9-]{1,63}"
_EMAILS: Final = re.compile(
    rf"{_LOCAL_CHAR}(?<!{_LOCAL_CHAR}{_LOCAL_CHAR}){_LOCAL_CHAR}{{0,63}}"
    rf"@{_LABEL}(?:\.{_LABEL}){{0,8}}\.[A-Za-z]{{2,24}}"
)

# Longest kinds first, never starting or ending inside a longer run of digits, so
# an 18-digit ID is not read as a phone number followed by 7 digits.  Letters may
# touch a number ("电话18312342807", "tel18312342807"): masking too much is the
# safer mistake.  A match starts only where a run of digits starts, and every
# repetition is bounded, so this pass is linear too.
_NUMBERS: Final = re.compile(
    rf"(?=[+\d])(?<!\d)(?:(?P<id>{_ID_NUMBER})|(?P<card>{_BANK_CARD})|(?P<mobile>{_MOBILE}))(?!\d)"
)
_A_DIGIT: Final = re.compile(r"\d")
# Every number above lies in a run of at least 11 characters that starts with a
# digit or "+" and holds only digits, X, spaces, hyphens and "+".  Such runs are
# found by a pattern the regex engine scans for in C (it starts with a character
# class), and only they are searched for numbers: most of a complaint's text is
# never entered, and a run is maximal, so the lookarounds of _NUMBERS see the
# same neighbours in a run as in the text.
_NUMBER_RUNS: Final = re.compile(r"[+\d][\dXx +-]{10,}")
_HIDE_ALL: Final = str.maketrans(dict.fromkeys("0123456789Xx", MASK))
_NOT_A_DIGIT: Final = re.compile(r"\D")
_FULL_MOBILE: Final = re.compile(_MOBILE)


@dataclass(frozen=True, slots=True)
class ConsumerContact:
    """Everything the platform holds to reach a consumer; never shown to a merchant as is."""

    name: str
    phone: str | None
    email: str | None
    address: str | None
    id_number: str | None
    payment_account: str | None

    @classmethod
    def from_contact(cls, contact: Contact) -> ConsumerContact:
        """The contact a complaint carries (no ID number or payment account in it)."""
        return cls(
            name=contact.name,
            phone=contact.phone or None,
            email=contact.email or None,
            address=contact.address or None,
            id_number=None,
            payment_account=None,
        )


@dataclass(frozen=True, slots=True)
class MaskedContact:
    """What a merchant may see of the consumer: no e-mail, ID number or payment account."""

    name: str
    phone: str | None
    address: str | None


def mask_name(name: str) -> str:
    """Keep the first character and mask every other one, keeping spaces.

    ``林小明`` -> ``林**``; ``Lin Xiaoming`` -> ``L** ********``.  A one-character
    name is masked entirely, since keeping it would reveal the whole name.
    """
    name = name.strip()
    if len(name) <= 1:
        return MASK * len(name)
    return name[0] + "".join(ch if ch.isspace() else MASK for ch in name[1:])


def mask_phone(phone: str) -> str:
    """Mask a phone number: ``183****2807`` for a mainland mobile, whatever its format.

    The +86 / 0086 prefix and separators are dropped.  Other numbers (landlines,
    foreign numbers) keep only their last 4 digits; numbers of 4 digits or fewer
    are masked entirely.
    """
    digits = "".join(ch for ch in phone if ch.isdigit())
    if _FULL_MOBILE.fullmatch(phone.strip()):
        local = digits[-11:]
        return local[:3] + MASK * 4 + local[-4:]
    if len(digits) <= 4:
        return MASK * len(digits)
    return MASK * (len(digits) - 4) + digits[-4:]


def mask_email(email: str) -> str:
    """Keep the first character of the local part and the domain: ``l***@example.com``.

    The mask has a fixed length so that it does not reveal the length of the name.
    Text that is not an e-mail address is masked entirely.
    """
    local, at, domain = email.strip().rpartition("@")
    if not at or not local or not domain:
        return MASK * 3
    return local[0] + MASK * 3 + "@" + domain


def _mask_email_match(match: re.Match[str]) -> str:
    return mask_email(match.group(0))


def _mask_number_match(match: re.Match[str]) -> str:
    number = match.group(0)
    if match.lastgroup == "mobile":
        # As mask_phone does for a mainland mobile, without parsing it again.
        local = _NOT_A_DIGIT.sub("", number)[-11:]
        return local[:3] + MASK * 4 + local[-4:]
    # ID numbers and payment cards are never shown, not even in part (PIPL).
    return number.translate(_HIDE_ALL)


def _mask_numbers_in_run(run: re.Match[str]) -> str:
    return _NUMBERS.sub(_mask_number_match, run.group(0))


def scrub_text(text: str) -> str:
    """Mask mobile numbers, ID numbers, bank-card numbers and e-mails inside free text.

    Any run of 16-19 digits is treated as a card number, so order ids belong in
    their own field rather than in the complaint text.  E-mail addresses are
    masked first, so the digits of ``13800138000@qq.com`` read as an address.
    Linear in the length of the text (a megabyte in tens of milliseconds).
    """
    if "@" in text:
        text = _EMAILS.sub(_mask_email_match, text)
    if _A_DIGIT.search(text):
        text = _NUMBER_RUNS.sub(_mask_numbers_in_run, text)
    return text


def mask_contact(
    contact: ConsumerContact | Contact | None, *, return_needed: bool
) -> MaskedContact:
    """The consumer as a merchant may see them (PIPL Art. 6, data minimisation).

    The address is shown only when goods must be shipped between them (a return
    or an exchange); it is then shown whole, because a courier needs all of it.
    ``None`` is an erased contact: the name reads :data:`ERASED`, nothing else shows.
    """
    if contact is None:
        return MaskedContact(name=ERASED, phone=None, address=None)
    return MaskedContact(
        name=mask_name(contact.name),
        phone=None if contact.phone is None else mask_phone(contact.phone),
        address=contact.address if return_needed else None,
    )


_MIN_KNOWN_VALUE: Final = 2  # shorter values would mask ordinary characters of any text


@dataclass(frozen=True, slots=True)
class KnownDetailsRedactor:
    """Masks the consumer's own details wherever free text repeats them, then scrubs numbers.

    A name cannot be found in text by its shape; a known name can: "我是林小明"
    becomes "我是林**" when the case's contact says 林小明."""

    replacements: tuple[tuple[str, str], ...]

    @classmethod
    def for_contact(cls, contact: ConsumerContact | None) -> KnownDetailsRedactor:
        """A redactor that knows the consumer's details (none: numbers are still scrubbed)."""
        if contact is None:
            return cls(())
        known = [
            (contact.name, mask_name(contact.name)),
            (contact.phone, None if contact.phone is None else mask_phone(contact.phone)),
            (contact.email, None if contact.email is None else mask_email(contact.email)),
            (contact.address, MASK * 3),
            (contact.id_number, MASK * 3),
            (contact.payment_account, MASK * 3),
        ]
        pairs = [
            (value, masked or MASK * 3)
            for value, masked in known
            if value is not None and len(value.strip()) >= _MIN_KNOWN_VALUE
        ]
        # Longest first, so an address containing the name is replaced whole.
        pairs.sort(key=lambda pair: len(pair[0]), reverse=True)
        return cls(tuple((value.strip(), masked) for value, masked in pairs))

    def text(self, text: str) -> str:
        """Free text with the consumer's known details masked, then numbers scrubbed."""
        for value, masked in self.replacements:
            text = text.replace(value, masked)
        return scrub_text(text)
