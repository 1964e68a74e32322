"""The one error type that schedule parsing raises for bad user input."""

from __future__ import annotations

MAX_ECHO_CHARS = 24


class ScheduleInputError(ValueError):
    """User input that is not a valid time, day list or time zone; ``message`` is user-facing."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def echo(text: str) -> str:
    """Quote a piece of user input for an error message, shortened so it never floods a reply."""
    text = text.strip()
    if len(text) > MAX_ECHO_CHARS:
        text = text[: MAX_ECHO_CHARS - 1] + "…"
    return f"“{text}”"
