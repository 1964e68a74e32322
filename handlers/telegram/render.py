"""Render the core's neutral Reply as Telegram HTML messages and an inline keyboard."""

from __future__ import annotations

import functools
import re
from dataclasses import replace
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import MessageLimit

from bot.actions import encode
from bot.replies import (
    Block,
    Bullets,
    Buttons,
    Figures,
    Heading,
    Line,
    Paragraph,
    Reply,
    Sources,
    Span,
)

_TAGS = {"bold": "b", "italic": "i", "code": "code"}


def e(text: str) -> str:
    """Escape text for Telegram's HTML parse mode."""
    return escape(text, quote=False)


def messages(reply: Reply, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """The reply's text as HTML messages, each at most ``limit`` UTF-16 code units.

    Blocks are separated by a blank line. A reply too long for one message is split between
    blocks, then between lines, then between spans, then between words: nothing is cut off,
    and each message is valid HTML on its own.
    """
    out: list[str] = []
    current = ""
    for index, block in enumerate(reply.blocks):
        for number, spans in enumerate(_block_lines(block)):
            separator = "\n\n" if number == 0 and index else "\n"
            for piece in _fit(spans, limit):
                candidate = f"{current}{separator}{piece}" if current else piece
                if current and _units(candidate) > limit:
                    out.append(current)
                    current = piece
                else:
                    current = candidate
                separator = "\n"
    if current:
        out.append(current)
    return out


def html(reply: Reply) -> str:
    """The whole reply as one HTML text (for places with no length limit to meet)."""
    return "\n\n".join(
        "\n".join(_render(spans) for spans in _block_lines(block)) for block in reply.blocks
    )


@functools.lru_cache(maxsize=1024)
def keyboard(buttons: Buttons) -> InlineKeyboardMarkup | None:
    """The reply's button rows as an inline keyboard (cached: replies are immutable)."""
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(button.label, callback_data=encode(button.action))
                for button in row
            ]
            for row in buttons
        ]
    )


def _block_lines(block: Block) -> list[Line]:
    """One block as lines of spans."""
    match block:
        case Heading(text):
            return [(Span(text, "bold"),)]
        case Paragraph(lines):
            return list(lines)
        case Figures(items, as_of):
            return [
                (
                    Span(f"📊 {f.label}: "),
                    Span(f.value, "bold"),
                    Span(f" ({as_of} {f.as_of}; {f.source.name})"),
                )
                for f in items
            ]
        case Bullets(items):
            return [(Span("• "), *item) for item in items]
        case Sources(refs, label):
            spans = [Span(label, "italic")]
            for number, ref in enumerate(refs):
                if number:
                    spans.append(Span("; ", "italic"))
                spans.append(Span(ref.name, "italic", ref.url))
            return [tuple(spans)]


def _render(spans: Line) -> str:
    return "".join(_span(span) for span in spans)


def _span(span: Span) -> str:
    text = e(span.text)
    if span.style != "plain":
        tag = _TAGS[span.style]
        text = f"<{tag}>{text}</{tag}>"
    if span.url:
        text = f'<a href="{escape(span.url, quote=True)}">{text}</a>'
    return text


def _fit(spans: Line, limit: int) -> list[str]:
    """One line as HTML pieces of at most ``limit`` units: whole spans, or a span's words."""
    rendered = _render(spans)
    if _units(rendered) <= limit:
        return [rendered]
    pieces: list[str] = []
    current = ""
    for span in spans:
        for part in _split_span(span, limit):
            if current and _units(current + part) > limit:
                pieces.append(current)
                current = part
            else:
                current += part
    if current:
        pieces.append(current)
    return pieces


def _split_span(span: Span, limit: int) -> list[str]:
    """A span as rendered pieces that each fit, split after spaces (or anywhere, if none)."""
    whole = _span(span)
    if _units(whole) <= limit:
        return [whole]
    wrapper = _units(_span(replace(span, text=""))) + 8  # tags, plus room for one entity
    pieces: list[str] = []
    chunk = ""
    for word in re.split(r"(?<=\s)", span.text):
        while word:
            room = limit - wrapper - _units(e(chunk))
            if _units(e(word)) <= room:
                chunk += word
                word = ""
            elif chunk:
                pieces.append(_span(replace(span, text=chunk)))
                chunk = ""
            else:  # one word longer than a message: cut it, keeping whole characters
                take = _prefix_fitting(word, limit - wrapper)
                pieces.append(_span(replace(span, text=word[:take])))
                word = word[take:]
    if chunk:
        pieces.append(_span(replace(span, text=chunk)))
    return pieces


def _prefix_fitting(word: str, room: int) -> int:
    """How many characters of ``word`` fit in ``room`` units once escaped (at least one)."""
    used = 0
    for index, char in enumerate(word):
        used += _units(e(char))
        if used > room:
            return max(index, 1)
    return len(word)


def _units(text: str) -> int:
    """Length in UTF-16 code units, as Telegram counts it."""
    return len(text.encode("utf-16-le")) // 2
