"""One meaning of "blank" for the schemas, the contract models and the domain rules."""

from __future__ import annotations

import re

import pytest

from complaint_events.contracts.bounds import NON_BLANK_PATTERN
from complaint_events.domain.text import WHITE_SPACE, is_blank, trimmed


@pytest.mark.parametrize(
    ("text", "blank"),
    [
        ("", True),
        (" \t\r\n", True),
        ("\u3000\u00a0\u2028", True),  # ideographic space, no-break space, line separator
        ("\x1f", False),  # Python's isspace() says blank; Unicode and ECMAScript do not
        ("\x1c\x1d\x1e", False),
        ("a", False),
        ("\u3000投诉", False),
    ],
)
def test_blank_is_unicode_white_space_only(text: str, blank: bool) -> None:
    assert is_blank(text) is blank
    # The published pattern agrees (read with the engine of the models, Python's).
    assert (re.fullmatch(NON_BLANK_PATTERN, text) is None) is blank


def test_the_list_is_unicodes_white_space_property() -> None:
    # White_Space (PropList.txt): 25 code points, none of them U+001C..U+001F.
    assert len(WHITE_SPACE) == 25
    assert not set(WHITE_SPACE) & {"\x1c", "\x1d", "\x1e", "\x1f"}
    assert trimmed("\u3000 商品 \t") == "商品"
