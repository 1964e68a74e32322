"""Answer an interaction once, within Discord's 3-second window, with a rendered Reply.

Discord takes exactly one initial response per interaction (a second is 40060), within 3 s
of the event (later is 10062); after it, followups and edits of the original response work
for 15 minutes. Two ways in:

- :func:`answer_now`: the Reply is ready (guide screens are pure and fast). The initial
  response carries its first message (a slash command: a new message; a button: an edit of
  the pressed message when the Reply says ``replace``); further messages are followups.
- :func:`answer_later`: the Reply needs I/O (storage, the reminder engine). Defer first
  (a slash command shows "thinking…", a button press is a deferred update), then build the
  Reply and send it as followups, or as an edit of the pressed message when it says
  ``replace``.

Either way the response is sent once; :func:`sorry` answers a failure through whichever
channel is still open.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Any

import discord

from bot.actor import Actor
from bot.replies import Reply
from bot.use_cases.announcing import AnnouncingUseCases
from handlers.discord.render import NO_MENTIONS, Rendered, render, view

log = logging.getLogger(__name__)
DONE = "✅"  # the text of a Reply that has neither blocks nor a notice (Discord needs one)


def _is_press(interaction: discord.Interaction[Any]) -> bool:
    return interaction.type == discord.InteractionType.component


def _content(part: Rendered) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"embeds": part.embeds, "allowed_mentions": NO_MENTIONS}
    if part.buttons:
        kwargs["view"] = view(part.buttons)
    return kwargs


async def answer_now(
    interaction: discord.Interaction[Any], reply: Reply, *, ephemeral: bool
) -> None:
    """Answer with ``reply`` in the initial response; its further messages as followups."""
    parts = render(reply)
    press = _is_press(interaction)
    if not parts:
        await interaction.response.send_message(
            reply.notice or DONE, ephemeral=True, allowed_mentions=NO_MENTIONS
        )
        return
    first = _content(parts[0])
    if press and reply.replace:
        await interaction.response.edit_message(content=reply.notice, **{"view": None, **first})
    else:
        await interaction.response.send_message(
            reply.notice if press else None, ephemeral=ephemeral, **first
        )
    for part in parts[1:]:
        await interaction.followup.send(ephemeral=ephemeral, **_content(part))
    await _attach(interaction, reply, ephemeral=ephemeral)


async def answer_later(
    interaction: discord.Interaction[Any],
    work: Callable[[], Awaitable[Reply]],
    *,
    ephemeral: bool,
) -> Reply:
    """Defer, await ``work()`` for the Reply, send it; return it.

    ``ephemeral``: whether the answer (and a slash command's "thinking…") only shows to the
    user. Raises what ``work`` raises, after the deferral (answer it with :func:`sorry`).
    """
    press = _is_press(interaction)
    if press:
        await interaction.response.defer()
    else:
        await interaction.response.defer(ephemeral=ephemeral, thinking=True)
    reply = await work()
    await send_followups(interaction, reply, ephemeral=ephemeral)
    return reply


async def send_followups(
    interaction: discord.Interaction[Any], reply: Reply, *, ephemeral: bool
) -> None:
    """Send ``reply`` after the initial response: an edit of the pressed message when it says
    ``replace`` (a button press), else followup messages (the first one ends "thinking…")."""
    parts = render(reply)
    if not parts:
        await interaction.followup.send(
            reply.notice or DONE, ephemeral=True, allowed_mentions=NO_MENTIONS
        )
        return
    rest = parts
    press = _is_press(interaction)
    if press and reply.replace:
        await interaction.edit_original_response(
            content=reply.notice, **{"view": None, **_content(parts[0])}
        )
        rest = parts[1:]
    for index, part in enumerate(rest):
        notice = reply.notice if press and index == 0 and rest is parts else None
        await interaction.followup.send(
            notice or discord.utils.MISSING, ephemeral=ephemeral, **_content(part)
        )
    await _attach(interaction, reply, ephemeral=ephemeral)


async def _attach(interaction: discord.Interaction[Any], reply: Reply, *, ephemeral: bool) -> None:
    """Send the reply's attachment, if any, as a file in one more followup."""
    if reply.attachment is None:
        return
    upload = discord.File(io.BytesIO(reply.attachment.data), filename=reply.attachment.filename)
    await interaction.followup.send(file=upload, ephemeral=ephemeral)


async def sorry(interaction: discord.Interaction[Any], said: str) -> None:
    """Tell the user something failed (``said``, in their language), through the response
    or a followup (best effort)."""
    with suppress(discord.HTTPException):
        if interaction.response.is_done():
            await interaction.followup.send(said, ephemeral=True)
        else:
            await interaction.response.send_message(said, ephemeral=True)


STATUS_EVERY = 5.0  # seconds between edits of an announcement's status message


async def follow_announcement(
    interaction: discord.Interaction[Any],
    use_cases: AnnouncingUseCases,
    actor: Actor,
    announcement_id: str,
) -> None:
    """Edit the pressed preview (now the status message) every STATUS_EVERY seconds until
    the announcement is delivered (an interaction's message stays editable for 15 minutes;
    after that the final counts are in /stats)."""
    try:
        async for progress in use_cases.announcements.watch(announcement_id, STATUS_EVERY):
            parts = render(use_cases.status(actor, progress))
            await interaction.edit_original_response(content=None, **_content(parts[0]))
    except discord.HTTPException as exc:
        log.warning("could not update the announcement's status message: %s", exc)
