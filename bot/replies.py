"""The neutral reply: what the core says and which actions it offers, never how it looks.

A front end renders a :class:`Reply`: Telegram as escaped HTML with an inline keyboard, Discord
as embeds with components, the console as plain text with numbered buttons. Blocks are shown
in order, separated by a blank line; the lines of one block by a line break.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from bot.actions import Action

Style = Literal["plain", "bold", "italic", "code"]


@dataclass(frozen=True, slots=True)
class Span:
    """A run of text in one style, optionally a link (``url``, absolute http(s))."""

    text: str
    style: Style = "plain"
    url: str | None = None


Line = tuple[Span, ...]


def b(text: str) -> Span:
    """Bold text."""
    return Span(text, "bold")


def i(text: str) -> Span:
    """Italic text."""
    return Span(text, "italic")


def code(text: str) -> Span:
    """Text to type as it is (a command, a time)."""
    return Span(text, "code")


def link(text: str, url: str) -> Span:
    """A link labelled ``text``."""
    return Span(text, url=url)


def line(*parts: str | Span) -> Line:
    """One line of spans; plain strings become plain spans."""
    return tuple(part if isinstance(part, Span) else Span(part) for part in parts)


@dataclass(frozen=True, slots=True)
class Heading:
    """The title of a reply or of a part of it."""

    text: str


@dataclass(frozen=True, slots=True)
class Paragraph:
    """Lines of text shown together."""

    lines: tuple[Line, ...]


def para(*lines: Line | str | Span) -> Paragraph:
    """A paragraph of lines; a plain string or span is a line of its own."""
    return Paragraph(tuple(line(item) if isinstance(item, str | Span) else item for item in lines))


@dataclass(frozen=True, slots=True)
class SourceRef:
    """Where a fact comes from: the publisher's name and, when known, a link."""

    name: str
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Figure:
    """A figure from the guide: ``value`` as of the date ``as_of``, from ``source``."""

    label: str
    value: str
    as_of: str
    source: SourceRef


@dataclass(frozen=True, slots=True)
class Figures:
    """Figures shown one per line; ``as_of`` is the word before each date ("as of")."""

    items: tuple[Figure, ...]
    as_of: str = "as of"


@dataclass(frozen=True, slots=True)
class Bullets:
    """A list, one item per line."""

    items: tuple[Line, ...]


@dataclass(frozen=True, slots=True)
class Sources:
    """The sources of what the reply says, shown as one line after ``label`` ("Source: ")."""

    refs: tuple[SourceRef, ...]
    label: str = "Source: "


Block = Heading | Paragraph | Figures | Bullets | Sources


@dataclass(frozen=True, slots=True)
class Button:
    """A button that carries out ``action`` when pressed."""

    label: str
    action: Action


Buttons = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent with a reply: its name (``mydata.json``) and content."""

    filename: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Reply:
    """What to say: blocks and button rows.

    - ``replace``: replace the message the pressed button was on instead of sending a new one.
    - ``notice``: a short note for the button press itself (a toast; an alert when ``alert``).
    - ``attachment``: a file sent after the text (a JSON export).
    """

    blocks: tuple[Block, ...] = ()
    buttons: Buttons = field(default_factory=tuple)
    replace: bool = False
    notice: str | None = None
    alert: bool = False
    attachment: Attachment | None = None


def text_reply(*lines: Line | str | Span, buttons: Buttons = ()) -> Reply:
    """A reply of one paragraph."""
    return Reply((para(*lines),), buttons)
