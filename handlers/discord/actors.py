"""Who is acting, as the core sees it: an :class:`bot.actor.Actor` from a Discord event.

``chat_id`` is the channel's id (a DM channel in a DM, so a nudge there costs one request);
``is_group`` is whether it happened in a server; ``may_manage`` is the Manage Server permission
in a server and always True in a DM; ``language`` is the Discord locale string as Discord
sends it (``"es-ES"``, ``"en-US"``): the user's client language for an interaction, the
server's preferred locale for a message in a server, None for a DM message. The core
normalizes it.
"""

from __future__ import annotations

from typing import Any, Final

import discord

from bot.actor import Actor

PLATFORM: Final = "discord"


def _actor(
    channel_id: int,
    user: discord.abc.User,
    *,
    in_guild: bool,
    may_manage: bool,
    language: str | None,
) -> Actor:
    return Actor(
        platform=PLATFORM,
        chat_id=channel_id,
        user_id=user.id,
        is_group=in_guild,
        may_manage=may_manage or not in_guild,
        first_name=user.display_name,
        language=language,
    )


def interaction_actor(interaction: discord.Interaction[Any]) -> Actor:
    """The actor of a slash command, button press or autocomplete."""
    in_guild = interaction.guild_id is not None
    return _actor(
        interaction.channel_id or interaction.user.id,
        interaction.user,
        in_guild=in_guild,
        may_manage=in_guild and interaction.permissions.manage_guild,
        language=interaction.locale.value,
    )


def message_actor(message: discord.Message) -> Actor:
    """The actor of a DM, or of a server message that mentions the bot."""
    guild = message.guild
    author = message.author
    may_manage = isinstance(author, discord.Member) and author.guild_permissions.manage_guild
    return _actor(
        message.channel.id,
        author,
        in_guild=guild is not None,
        may_manage=may_manage,
        language=guild.preferred_locale.value if guild is not None else None,
    )
