"""The one error type that schedule parsing raises for bad user input."""

from __future__ import annotations

from bot.messages import CATALOGUE, Messages, default_messages

MAX_ECHO_CHARS = 24


class ScheduleInputError(ValueError):
    """User input that is not a valid time, day list or time zone.

    ``keys`` name the messages that explain it, said one after the other (``schedule.*``:
    what is wrong, then how to write it); ``values`` fill their placeholders. Say it with
    :meth:`in_words` in the chat's language; ``message`` is the English.
    """

    def __init__(self, *keys: str, **values: str) -> None:
        self.keys = keys
        self.values = values
        super().__init__(self.message)

    def in_words(self, m: Messages) -> str:
        """The explanation in the language of ``m``."""
        return " ".join(
            m.text(key, **{name: self.values[name] for name in CATALOGUE[key]})
            for key in self.keys
        )

    @property
    def message(self) -> str:
        """The explanation in English."""
        return self.in_words(default_messages())


def echo(text: str) -> str:
    """Quote a piece of user input for an error message, shortened so it never floods a reply."""
    text = text.strip()
    if len(text) > MAX_ECHO_CHARS:
        text = text[: MAX_ECHO_CHARS - 1] + "…"
    return f"“{text}”"
