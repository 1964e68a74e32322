"""A neutral :class:`bot.replies.Reply` as Discord embeds and button components.

Pure functions, no I/O: :func:`render` turns a reply into one or more :class:`Rendered`
messages that each keep within Discord's limits (an embed description up to 4,096 characters,
25 fields, 6,000 characters in all, 10 embeds a message; 5 rows of 5 buttons). A long reply is
split at block or line boundaries into more embeds and messages, never cut. Figures become
fields with their as-of date; the sources go in the footer. Every dynamic string is escaped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import discord

from bot.actions import encode
from bot.replies import (
    Block,
    Bullets,
    Button,
    Buttons,
    Figure,
    Figures,
    Heading,
    Line,
    Paragraph,
    Reply,
    SourceRef,
    Sources,
    Span,
)

MAX_DESCRIPTION = 4096
MAX_TITLE = 256
MAX_FIELDS = 25
MAX_FIELD_NAME = 256
MAX_FIELD_VALUE = 1024
MAX_FOOTER = 2048
MAX_EMBED_TOTAL = 6000
MAX_EMBEDS = 10
MAX_ROWS = 5
MAX_PER_ROW = 5
MAX_LABEL = 80
COLOUR = discord.Colour(0x2E86C1)
NO_MENTIONS = discord.AllowedMentions.none()  # replies never ping anyone


@dataclass(slots=True)
class Rendered:
    """One Discord message: its embeds and, on the last message of a reply, its buttons."""

    embeds: list[discord.Embed] = field(default_factory=list)
    buttons: Buttons = ()


def escape(text: str) -> str:
    """``text`` with Discord markdown and mentions made literal."""
    return discord.utils.escape_markdown(discord.utils.escape_mentions(text))


def span(part: Span) -> str:
    """One span as Discord markdown."""
    text = escape(part.text)
    if part.url:
        return f"[{text}]({part.url})"
    match part.style:
        case "bold":
            return f"**{text}**"
        case "italic":
            return f"*{text}*"
        case "code":
            return f"`{part.text.replace('`', '')}`"
        case _:
            return text


def line_text(spans: Line) -> str:
    """A line of spans as markdown."""
    return "".join(span(part) for part in spans)


def ref_text(ref: SourceRef) -> str:
    """A source as plain text (footers show no links)."""
    return f"{ref.name} ({ref.url})" if ref.url else ref.name


def _block_lines(block: Block) -> list[str]:
    match block:
        case Heading(text):
            return [f"**{escape(text)}**"]
        case Paragraph(lines):
            return [line_text(spans) for spans in lines]
        case Bullets(items):
            return [f"• {line_text(item)}" for item in items]
        case Figures() | Sources():
            return []


def _figure_field(figure: Figure, as_of: str) -> tuple[str, str]:
    name = escape(figure.label)[:MAX_FIELD_NAME]
    date = f"{escape(as_of)} {escape(figure.as_of)}"
    value = f"**{escape(figure.value)}**\n{date} · {escape(figure.source.name)}"
    return name, value[:MAX_FIELD_VALUE]


def _pieces(lines: list[str]) -> list[str]:
    """Lines no longer than the description limit (an overlong line split at spaces)."""
    out: list[str] = []
    for text in lines:
        while len(text) > MAX_DESCRIPTION:
            cut = text.rfind(" ", 0, MAX_DESCRIPTION)
            cut = cut if cut > 0 else MAX_DESCRIPTION
            out.append(text[:cut])
            text = text[cut:].lstrip()
        out.append(text)
    return out


def _size(embed: discord.Embed) -> int:
    return len(embed)


def render(reply: Reply) -> list[Rendered]:
    """The messages that show ``reply`` (empty when it has no blocks and no buttons)."""
    blocks = list(reply.blocks)
    title = None
    if blocks and isinstance(blocks[0], Heading):
        title = escape(blocks.pop(0).text)[:MAX_TITLE]  # type: ignore[union-attr]
    sources = [ref for block in blocks if isinstance(block, Sources) for ref in block.refs]
    figures = [
        (fig, block.as_of) for block in blocks if isinstance(block, Figures) for fig in block.items
    ]
    source_label = next((b.label for b in blocks if isinstance(b, Sources)), "Source: ")
    paragraphs: list[list[str]] = [_block_lines(b) for b in blocks]
    lines: list[str] = []
    for block_lines in paragraphs:
        if not block_lines:
            continue
        if lines:
            lines.append("")
        lines += block_lines

    embeds: list[discord.Embed] = []
    current: list[str] = []

    def flush() -> None:
        text = "\n".join(current).strip("\n")
        if text or not embeds:
            embed = discord.Embed(description=text or None, colour=COLOUR)
            if not embeds and title:
                embed.title = title
            embeds.append(embed)
        current.clear()

    for piece in _pieces(lines):
        if len("\n".join([*current, piece])) > MAX_DESCRIPTION:
            flush()
        current.append(piece)
    if current or not embeds:
        flush()
    for figure, as_of in figures:
        name, value = _figure_field(figure, as_of)
        last = embeds[-1]
        if (
            len(last.fields) >= MAX_FIELDS
            or _size(last) + len(name) + len(value) > MAX_EMBED_TOTAL
        ):
            embeds.append(discord.Embed(colour=COLOUR))
            last = embeds[-1]
        last.add_field(name=name, value=value, inline=False)
    if sources:
        footer = (source_label + "; ".join(ref_text(ref) for ref in sources))[:MAX_FOOTER]
        if _size(embeds[-1]) + len(footer) > MAX_EMBED_TOTAL:
            embeds.append(discord.Embed(colour=COLOUR))
        embeds[-1].set_footer(text=footer)
    if not reply.blocks:
        embeds = []

    messages: list[Rendered] = []
    total = 0
    for embed in embeds:
        if (
            not messages
            or len(messages[-1].embeds) >= MAX_EMBEDS
            or total + _size(embed) > MAX_EMBED_TOTAL
        ):
            messages.append(Rendered())
            total = 0
        messages[-1].embeds.append(embed)
        total += _size(embed)
    buttons = _fit(reply.buttons)
    if buttons:
        if not messages:
            messages.append(Rendered())
        messages[-1].buttons = buttons
    return messages


def _fit(buttons: Buttons) -> Buttons:
    """The button rows, rows longer than five wrapped (at most five rows are kept)."""
    rows: list[tuple[Button, ...]] = []
    for row in buttons:
        for start in range(0, len(row), MAX_PER_ROW):
            rows.append(row[start : start + MAX_PER_ROW])
    return tuple(rows[:MAX_ROWS])


def view(buttons: Buttons) -> discord.ui.View:
    """A view holding ``buttons`` as components; custom_id is the encoded action.

    The view is stopped before it is returned: discord.py then keeps no state for it, and a
    press reaches the front end's one ``on_interaction``, after a restart too.
    """
    holder = discord.ui.View(timeout=None)
    for index, row in enumerate(buttons):
        for button in row:
            holder.add_item(
                discord.ui.Button(
                    label=button.label[:MAX_LABEL],
                    custom_id=encode(button.action),
                    style=discord.ButtonStyle.secondary,
                    row=index,
                )
            )
    holder.stop()
    return holder
