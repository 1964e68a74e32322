"""Whole numbers typed by users."""

from __future__ import annotations

import pytest

from bot.numbers import parse_whole_number


@pytest.mark.parametrize(
    ("text", "expected"),
    [("3", 3), (" 4 ", 4), ("1", 1), ("365", 365), ("007", 7)],
)
def test_ascii_numbers_in_range(text: str, expected: int) -> None:
    assert parse_whole_number(text, 1, 365) == expected


@pytest.mark.parametrize(
    "text", ["0", "366", "²", "③", "¹", "٣", "-1", "+2", "1.5", "", "   ", "9" * 5000, "3 4"]
)
def test_everything_else_is_refused(text: str) -> None:
    assert parse_whole_number(text, 1, 365) is None
