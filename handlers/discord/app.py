"""The Discord front end on an open core: ``DiscordFrontEnd(core, settings.discord)``.

A plain :class:`discord.Client` (no privileged intent) with an ``app_commands.CommandTree``
generated from the command registry (:mod:`bot.commands`). Each slash command, button press
and plain question becomes an :class:`bot.actor.Actor` with ``platform="discord"`` and the
channel's id as ``chat_id`` (the DM channel in a DM), and is answered by the same use cases as
on every platform. Buttons carry their encoded action as ``custom_id``; one ``on_interaction``
decodes every press, so buttons keep working after a restart. Guide answers are public;
reminder, progress and operator answers are ephemeral in a guild.

Lifecycle (see :class:`bot.core.FrontEnd`): ``connected()`` logs in (a rejected token is a
FrontEndError, exit status 2) and yields the nudge sender; ``serving()`` syncs the commands,
connects the gateway and waits until it is ready; on exit it closes the gateway (no more
updates) but keeps the REST session for the nudges still draining, and ``connected()``'s exit
closes the client.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any, Final

import aiohttp
import discord
import discord.gateway
import discord.http
import yarl
from discord import app_commands

from bot import commands as registry
from bot.actions import Action, Unknown, decode
from bot.actor import Actor
from bot.core import Core, FrontEndError
from bot.delivery_errors import ChatUnreachable, TransientError
from bot.reminders import Nudge, NudgeSender
from bot.replies import Reply
from bot.screens import guide as guide_screens
from bot.screens.reminders import nudge as nudge_screen
from bot.settings import DiscordSettings
from bot.use_cases import admin as admin_use_cases
from bot.use_cases import guide as guide_use_cases
from bot.use_cases import reminders as reminder_use_cases
from handlers.discord.render import render, view

log = logging.getLogger(__name__)

PLATFORM: Final = "discord"
READY_TIMEOUT = 30.0
MAX_DESCRIPTION = 100  # a slash command's description
UNREACHABLE_CODES = frozenset({50007, 50001, 10003})  # closed DMs, no access, no channel
NO_MENTIONS = discord.AllowedMentions.none()
SORRY = "Sorry, something went wrong. Try again."
_MENTION = re.compile(r"<@!?[0-9]+>")


def _actor(channel_id: int, user: discord.abc.User, *, in_guild: bool, may_manage: bool) -> Actor:
    return Actor(
        platform=PLATFORM,
        chat_id=channel_id,
        user_id=user.id,
        is_group=in_guild,
        may_manage=may_manage or not in_guild,
        first_name=user.display_name,
    )


def interaction_actor(interaction: discord.Interaction[Any]) -> Actor:
    """The actor of an interaction: in a guild, a manager is a member with Manage Server."""
    in_guild = interaction.guild_id is not None
    return _actor(
        interaction.channel_id or interaction.user.id,
        interaction.user,
        in_guild=in_guild,
        may_manage=in_guild and interaction.permissions.manage_guild,
    )


class _Client(discord.Client):
    """The discord.py client; its events go to the front end."""

    def __init__(self, front_end: DiscordFrontEnd) -> None:
        super().__init__(intents=discord.Intents.default(), guild_ready_timeout=0.01)
        self.front_end = front_end

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        """A button press (slash commands go to the command tree)."""
        if interaction.type == discord.InteractionType.component:
            await self.front_end.press(interaction)

    async def on_message(self, message: discord.Message) -> None:
        """A DM, or a guild message mentioning the bot: a question."""
        await self.front_end.message(message)


class DiscordFrontEnd:
    """Discord on an open core (see :class:`bot.core.FrontEnd` and the module docstring)."""

    platform = PLATFORM

    def __init__(self, core: Core, settings: DiscordSettings) -> None:
        self._core = core
        self._settings = settings
        self._reminders = reminder_use_cases.ReminderUseCases(core.reminders, core.guide)
        self._admin = admin_use_cases.AdminUseCases(core.settings, core.repository, core.reminders)
        self._serving = False
        self.client = _Client(self)
        self.tree: app_commands.CommandTree[_Client] = app_commands.CommandTree(self.client)
        self.tree.on_error = self._on_tree_error  # type: ignore[method-assign]
        _register(self.tree, self)

    # ----- FrontEnd ----------------------------------------------------------------------

    @asynccontextmanager
    async def connected(self) -> AsyncIterator[NudgeSender]:
        """Log in (prove the token); yield the nudge sender; close the client on exit."""
        if self._settings.api_base_url:
            discord.http.Route.BASE = self._settings.api_base_url.rstrip("/")
        if self._settings.gateway_url:
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self._settings.gateway_url)
        try:
            await self.client.login(self._settings.token.get_secret_value())
        except discord.LoginFailure as exc:
            await self.client.close()
            raise FrontEndError("Discord refused DISCORD_BOT_TOKEN (401 Unauthorized)", 2) from exc
        except (discord.HTTPException, aiohttp.ClientError, OSError) as exc:
            await self.client.close()
            raise FrontEndError(f"cannot reach Discord: {type(exc).__name__}", 1) from exc
        try:
            yield self.send_nudge
        finally:
            await self.client.close()

    @asynccontextmanager
    async def serving(self) -> AsyncIterator[None]:
        """Sync the slash commands, connect the gateway, take updates until the block exits."""
        await self.tree.sync()
        self._serving = True
        task = asyncio.create_task(self.client.connect(), name="discord-gateway")
        ready = asyncio.create_task(self.client.wait_until_ready())
        try:
            done, _ = await asyncio.wait(
                {task, ready}, timeout=READY_TIMEOUT, return_when=asyncio.FIRST_COMPLETED
            )
            if task in done:
                task.result()
                raise FrontEndError("the Discord gateway closed during start-up", 1)
            if ready not in done:
                raise FrontEndError("the Discord gateway was not ready in time", 1)
            yield
        finally:
            # Stop taking updates but keep the REST session: the reminder engine's drain
            # still sends through it; connected()'s exit closes the client.
            self._serving = False
            ready.cancel()
            task.cancel()
            with suppress(asyncio.CancelledError, discord.ConnectionClosed):
                await task
            if self.client.ws is not None and self.client.ws.open:
                await self.client.ws.close(code=1000)

    # ----- updates in ----------------------------------------------------------------------

    async def command(self, interaction: discord.Interaction[Any], name: str, args: str) -> None:
        """Answer ``/name args`` through the use case the registry's command belongs to."""
        if not self._serving:
            return
        core, actor = self._core, interaction_actor(interaction)
        personal = True
        if guide_use_cases.handles(core.guide, name):
            reply = guide_use_cases.command(core.guide, core.questions, actor, name, args)
            personal = False
        elif name in reminder_use_cases.COMMANDS:
            reply = await self._reminders.command(actor, name, args)
        elif name in admin_use_cases.COMMANDS:
            reply = await self._admin.command(actor, name, args)
        else:
            reply = guide_screens.unknown_command(f"/{name}")
        log.info("discord command /%s (%s)", name, "guild" if actor.is_group else "dm")
        await self._answer(interaction, reply, ephemeral=personal and actor.is_group)

    async def press(self, interaction: discord.Interaction[Any]) -> None:
        """Carry out the action a pressed button's custom_id encodes."""
        if not self._serving:
            return
        data: dict[str, Any] = dict(interaction.data or {})
        custom_id = data.get("custom_id", "")
        action: Action | Unknown = decode(str(custom_id))
        actor = interaction_actor(interaction)
        try:
            if isinstance(action, reminder_use_cases.ACTIONS):
                reply = await self._reminders.press(actor, action)
                personal = True
            else:
                reply = guide_use_cases.press(self._core.guide, actor, action)
                personal = False
            log.info("discord button (%s)", "guild" if actor.is_group else "dm")
            await self._answer(interaction, reply, ephemeral=personal and actor.is_group)
        except Exception:
            log.exception("a Discord button press failed")
            await self._sorry(interaction)

    async def message(self, message: discord.Message) -> None:
        """Answer a DM, or a guild message that mentions the bot, as a question."""
        me = self.client.user
        if not self._serving or message.author.bot or me is None:
            return
        in_guild = message.guild is not None
        if in_guild and me not in message.mentions:
            return
        text = _MENTION.sub("", message.content).strip()
        if not text:
            return
        may_manage = isinstance(message.author, discord.Member) and (
            message.author.guild_permissions.manage_guild
        )
        actor = _actor(
            message.channel.id, message.author, in_guild=in_guild, may_manage=may_manage
        )
        reply = guide_use_cases.ask(self._core.guide, self._core.questions, actor, text)
        log.info("discord question (%s)", "guild" if in_guild else "dm")
        for index, part in enumerate(render(reply)):
            sent_view = view(part.buttons) if part.buttons else None
            if index == 0:
                await message.reply(
                    embeds=part.embeds,
                    view=sent_view or discord.utils.MISSING,
                    allowed_mentions=NO_MENTIONS,
                    mention_author=False,
                )
            else:
                await message.channel.send(
                    embeds=part.embeds,
                    view=sent_view or discord.utils.MISSING,
                    allowed_mentions=NO_MENTIONS,
                )

    # ----- replies out ---------------------------------------------------------------------

    async def _answer(
        self, interaction: discord.Interaction[Any], reply: Reply, *, ephemeral: bool
    ) -> None:
        """Answer ``interaction`` once with ``reply``; further messages as followups."""
        parts = render(reply)
        is_press = interaction.type == discord.InteractionType.component
        if not parts:
            text = reply.notice or "OK"
            await interaction.response.send_message(
                text, ephemeral=True, allowed_mentions=NO_MENTIONS
            )
            return
        for index, part in enumerate(parts):
            kwargs: dict[str, Any] = {"embeds": part.embeds}
            if part.buttons:
                kwargs["view"] = view(part.buttons)
            if index == 0 and is_press and reply.replace:
                if "view" not in kwargs:
                    kwargs["view"] = None
                await interaction.response.edit_message(**kwargs)
            elif index == 0:
                await interaction.response.send_message(
                    reply.notice if is_press and reply.notice else None,
                    ephemeral=ephemeral,
                    allowed_mentions=NO_MENTIONS,
                    **kwargs,
                )
            else:
                await interaction.followup.send(
                    ephemeral=ephemeral, allowed_mentions=NO_MENTIONS, **kwargs
                )

    async def _sorry(self, interaction: discord.Interaction[Any]) -> None:
        with suppress(discord.HTTPException):
            if interaction.response.is_done():
                await interaction.followup.send(SORRY, ephemeral=True)
            else:
                await interaction.response.send_message(SORRY, ephemeral=True)

    async def _on_tree_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        log.error("a Discord slash command failed", exc_info=error.__cause__ or error)
        await self._sorry(interaction)

    async def send_nudge(self, nudge: Nudge) -> None:
        """Send ``nudge`` to its channel (a DM channel or a guild channel).

        403 / 50007 or 50001 and 404 / 10003 are ChatUnreachable; 5xx and network failures are
        TransientError (discord.py waits out 429s itself).
        """
        channel = self.client.get_partial_messageable(nudge.chat_id)
        try:
            for part in render(nudge_screen(self._core.guide, nudge)):
                await channel.send(
                    embeds=part.embeds,
                    view=view(part.buttons) if part.buttons else discord.utils.MISSING,
                    allowed_mentions=NO_MENTIONS,
                )
        except discord.HTTPException as exc:
            if exc.code in UNREACHABLE_CODES:
                raise ChatUnreachable(f"Discord {exc.status} / {exc.code}") from exc
            if exc.status >= 500:
                raise TransientError(f"Discord {exc.status}") from exc
            raise
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise TransientError(type(exc).__name__) from exc


# ----- slash commands from the registry ----------------------------------------------------


def _register(tree: app_commands.CommandTree[_Client], front: DiscordFrontEnd) -> None:
    """Add one slash command per registry command, with the options its arguments need."""
    for entry in registry.commands(front._core.guide):
        description = entry.description[:MAX_DESCRIPTION]
        callback = _callback(entry.name, front)
        tree.add_command(
            app_commands.Command(name=entry.name, description=description, callback=callback)
        )


def _callback(name: str, front: DiscordFrontEnd) -> Any:
    """The slash command callback of ``name``: its options joined into the argument text."""
    if name == "steps":

        @app_commands.describe(step="A step number (1-4)")
        async def steps(interaction: discord.Interaction, step: str | None = None) -> None:
            await front.command(interaction, name, step or "")

        return steps
    if name == "certs":

        @app_commands.describe(code="A certification code, such as CPC")
        async def certs(interaction: discord.Interaction, code: str | None = None) -> None:
            await front.command(interaction, name, code or "")

        return certs
    if name == "ask":

        @app_commands.describe(question="Your question, in your own words")
        async def ask(interaction: discord.Interaction, question: str) -> None:
            await front.command(interaction, name, question)

        return ask
    if name == "remind":

        @app_commands.describe(
            time="Local time, such as 19:30",
            days="Days, such as mon,wed,fri or daily",
            timezone="Time zone (Area/City)",
        )
        async def remind(
            interaction: discord.Interaction,
            time: str | None = None,
            days: str | None = None,
            timezone: str | None = None,
        ) -> None:
            args = " ".join(part for part in (time, days, timezone) if part)
            await front.command(interaction, name, args)

        return remind
    if name == "pause":

        @app_commands.describe(days="How many days (none: until /resume)")
        async def pause(interaction: discord.Interaction, days: int | None = None) -> None:
            await front.command(interaction, name, "" if days is None else str(days))

        return pause
    if name == "timezone":

        @app_commands.describe(zone="Your time zone (Area/City)")
        async def timezone(interaction: discord.Interaction, zone: str | None = None) -> None:
            await front.command(interaction, name, zone or "")

        return timezone

    async def plain(interaction: discord.Interaction) -> None:
        await front.command(interaction, name, "")

    return plain
