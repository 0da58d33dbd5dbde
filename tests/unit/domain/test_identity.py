"""One person's phone number or e-mail address, however a channel wrote it, is one form."""

from __future__ import annotations

import pytest

from complaint_events.application.secrets import identity_digest, pseudonymous_id
from complaint_events.domain.identity import normalised_email, normalised_phone

KEY = b"k" * 32


@pytest.mark.parametrize(
    ("written", "normalised"),
    [
        ("13812345678", "+8613812345678"),  # the web form
        ("138 1234 5678", "+8613812345678"),
        ("138-1234-5678", "+8613812345678"),
        ("+86 138-1234-5678", "+8613812345678"),  # the hotline's caller id
        ("+86 (138) 1234 5678", "+8613812345678"),
        ("0086 13812345678", "+8613812345678"),
        ("86 13812345678", "+8613812345678"),  # the country code without "+"
        ("８６１３８１２３４５６７８", "+8613812345678"),  # full-width, as typed in Chinese
        ("＋86 138 1234 5678", "+8613812345678"),
        ("010-8765 4321", "+861087654321"),  # a Beijing landline: the trunk 0 goes
        ("+86 0755 8765 4321", "+8675587654321"),  # "+86" then the trunk 0: read the same
        ("0755-87654321", "+8675587654321"),
        ("+1 (415) 555-0100", "+14155550100"),  # another country keeps its code
        ("0044 20 7946 0958", "+442079460958"),
    ],
)
def test_a_phone_number_is_its_digits_with_the_country_code(written: str, normalised: str) -> None:
    assert normalised_phone(written) == normalised


@pytest.mark.parametrize(
    "written",
    [
        None,
        "",
        "+",
        "12315",  # a service number is nobody's identity
        "95588",
        "1381234567",  # a mobile number one digit short
        "138123456789",  # and one too long
        "138 1234 5678 转 12",  # an extension: not one number
        "13812345678 / 13987654321",  # two numbers
        "call me",
    ],
)
def test_what_is_not_one_phone_number_gives_no_identity(written: str | None) -> None:
    assert normalised_phone(written) is None


@pytest.mark.parametrize(
    ("written", "normalised"),
    [
        ("wang.fang@example.cn", "wang.fang@example.cn"),
        ("  Wang.Fang@Example.CN ", "wang.fang@example.cn"),
        ("WANG.FANG@EXAMPLE.CN", "wang.fang@example.cn"),
        ("mailto:wang.fang@example.cn", "wang.fang@example.cn"),
        ("ｗａｎｇ@example.cn", "wang@example.cn"),
        # dots and +tags are kept: most providers do not ignore them
        ("wangfang@example.cn", "wangfang@example.cn"),
        ("wang.fang+shop@example.cn", "wang.fang+shop@example.cn"),
    ],
)
def test_an_email_address_is_trimmed_and_lower_cased(written: str, normalised: str) -> None:
    assert normalised_email(written) == normalised


@pytest.mark.parametrize("written", [None, "", "wang", "wang@", "@example.cn", "wang@localhost"])
def test_what_is_not_an_address_gives_no_identity(written: str | None) -> None:
    assert normalised_email(written) is None


def test_the_digest_is_keyed_and_reveals_nothing_of_the_contact() -> None:
    digest = identity_digest(KEY, "phone", "+8613812345678")

    assert digest == identity_digest(KEY, "phone", "+8613812345678")
    assert digest != identity_digest(b"o" * 32, "phone", "+8613812345678")  # another key
    assert digest.startswith("phone:")
    assert "13812345678" not in digest
    assert len(digest) == len("phone:") + 32
    # never the consumer id an adapter derives from the same number: it links nothing
    assert digest != pseudonymous_id(KEY, "phone", "+8613812345678")
    assert digest.partition(":")[2] not in pseudonymous_id(KEY, "phone", "+8613812345678")
