"""Whole numbers typed by users: ASCII digits only, within a range."""

from __future__ import annotations

import re

_ASCII_DIGITS = re.compile(r"[0-9]{1,9}", re.ASCII)


def parse_whole_number(text: str, low: int, high: int) -> int | None:
    """Return ``text`` as an int in ``[low, high]``, or None.

    Only ASCII digits count: ``str.isdigit()`` also accepts "²" or "③", which ``int()``
    refuses, and other scripts' digits that users do not mean as a step or day count.
    """
    stripped = text.strip()
    if _ASCII_DIGITS.fullmatch(stripped) is None:
        return None
    value = int(stripped)
    return value if low <= value <= high else None
