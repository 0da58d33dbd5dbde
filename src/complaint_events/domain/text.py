"""What "blank" means for a text people write, the same for every reader.

Unicode's White_Space characters, spelled out: Python's ``str.isspace`` and
``\\s`` also take U+001C..U+001F (information separators), ECMAScript's and
Rust's ``\\s`` do not, so the published schemas, the contract models and the
domain's rules all use this one list (docs/contracts.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

WHITE_SPACE: Final = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


def is_blank(text: str | Mapping[str, Any]) -> bool:
    """Empty, or only white space (a sealed text is not: it was checked before sealing)."""
    return isinstance(text, str) and not text.strip(WHITE_SPACE)


def trimmed(text: str) -> str:
    """The text without white space around it."""
    return text.strip(WHITE_SPACE)
