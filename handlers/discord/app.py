"""The Discord front end on an open core: ``DiscordFrontEnd(core, settings.discord)``.

A plain :class:`discord.Client` (no privileged intent) with an ``app_commands.CommandTree``
generated from the command registry (:mod:`handlers.discord.slash`). Each slash command,
button press and plain question becomes an :class:`bot.actor.Actor`
(:mod:`handlers.discord.actors`) and is answered by the same use cases as on every platform.
Buttons carry their encoded action as ``custom_id``; one ``on_interaction`` decodes every
press, so buttons keep working after a restart. Guide answers are public and answered at
once; reminder, progress and operator answers are deferred first (they wait on storage) and
are ephemeral in a server (:mod:`handlers.discord.respond`).

Each update answered (a slash command, a button press, a message) is counted with its
latency in ``core.metrics`` and logged once at DEBUG; every REST answer of the client is
watched for 429s and retries (:func:`handlers.discord.delivery.rest_trace`).

In a chat whose reminders were switched off (the user accepts no DMs, the bot lost access or
was removed from the server), the next command of someone who may manage them is followed by
an offer to turn them back on (the core's resume-after-block flow).

Lifecycle (see :class:`bot.core.FrontEnd`): ``connected()`` logs in (a rejected token is a
FrontEndError, exit status 2) and yields the nudge sender; ``serving()`` syncs the commands if
they changed, connects the gateway and waits until it is ready; on exit it closes the gateway
(no more updates) but keeps the REST session for the nudges still draining, and
``connected()``'s exit closes the client.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any

import aiohttp
import discord
import discord.gateway
import discord.http
import yarl
from discord import app_commands

from bot.actions import Action, ChooseLanguage, Unknown, decode
from bot.actor import Actor
from bot.core import Core, FrontEndError
from bot.logs import event_fields
from bot.reminders import NudgeSender as CoreNudgeSender
from bot.replies import Reply
from bot.screens import guide as guide_screens
from bot.settings import DiscordSettings
from bot.use_cases import admin as admin_use_cases
from bot.use_cases import announcing, conversation, privacy
from bot.use_cases import guide as guide_use_cases
from bot.use_cases import language as language_use_cases
from bot.use_cases import reminders as reminder_use_cases
from bot.use_cases.reminders import chat_key
from handlers.discord import slash
from handlers.discord.actors import PLATFORM, interaction_actor, message_actor
from handlers.discord.delivery import NudgeSender, rest_trace
from handlers.discord.pending import AwaitedTimes
from handlers.discord.render import NO_MENTIONS, render, view
from handlers.discord.respond import (
    answer_later,
    answer_now,
    follow_announcement,
    send_followups,
    sorry,
)
from handlers.discord.sync import sync_if_changed
from handlers.discord.zones import zone_choices
from storage.records import ChatKey

log = logging.getLogger(__name__)

READY_TIMEOUT = 30.0  # seconds for the gateway to be ready at start-up
# Only what the bot reads: servers and their channels and roles (permissions, GUILD_DELETE),
# and messages in servers and DMs (their content only for DMs and mentions: no privileged
# message-content intent). No typing, presence, voice or reaction events.
INTENTS = discord.Intents(guilds=True, guild_messages=True, dm_messages=True)
ZONE_LOOKUP_TIMEOUT = 1.0  # seconds an autocomplete waits for the stored zone (3 s in all)
LANGUAGE_LOOKUP_TIMEOUT = 1.0  # seconds an immediate answer waits for the chat's language
_MENTION = re.compile(r"<@!?[0-9]+>")


class _Client(discord.Client):
    """The discord.py client; its events go to the front end."""

    def __init__(self, front_end: DiscordFrontEnd) -> None:
        super().__init__(
            intents=INTENTS, guild_ready_timeout=0.01, http_trace=rest_trace(front_end.metrics)
        )
        self.front_end = front_end

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        """A button press (slash commands and autocomplete go to the command tree)."""
        if interaction.type == discord.InteractionType.component:
            await self.front_end.press(interaction)

    async def on_message(self, message: discord.Message) -> None:
        """A DM, or a guild message mentioning the bot: a question or an awaited time."""
        await self.front_end.message(message)

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """The bot was removed from ``guild`` (GUILD_DELETE without ``unavailable``)."""
        await self.front_end.guild_removed(guild)


class DiscordFrontEnd:
    """Discord on an open core (see :class:`bot.core.FrontEnd` and the module docstring)."""

    platform = PLATFORM

    def __init__(self, core: Core, settings: DiscordSettings) -> None:
        self._core = core
        self._settings = settings
        self._reminders = reminder_use_cases.ReminderUseCases(core.reminders, core.guide)
        self._admin = admin_use_cases.AdminUseCases.of(core)
        self._language = language_use_cases.LanguageUseCases(core.reminders, core.guide)
        self._talk = conversation.Conversation(core.guide, core.questions, self._reminders)
        self._privacy = privacy.PrivacyUseCases(core.reminders, core.announcements, core.guide)
        self._announcing = announcing.AnnouncingUseCases(
            core.settings, core.announcements, core.reminders, core.guide
        )
        self._serving = False
        self._status_tasks: set[asyncio.Task[None]] = set()
        self.metrics = core.metrics.front_end(PLATFORM)
        self.awaited = AwaitedTimes()
        self.client = _Client(self)
        self.tree: app_commands.CommandTree[_Client] = app_commands.CommandTree(self.client)
        self.tree.on_error = self._on_tree_error  # type: ignore[method-assign]
        slash.register(self.tree, core.guide, self)
        self.send_nudge: CoreNudgeSender = NudgeSender(self.client, core.guide)

    # ----- FrontEnd ----------------------------------------------------------------------

    @asynccontextmanager
    async def connected(self) -> AsyncIterator[CoreNudgeSender]:
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
        """Sync the slash commands if they changed, connect the gateway, take updates until
        the block exits."""
        await self.tree.set_translator(slash.Translator(self._core.guide))
        try:
            await sync_if_changed(self.tree, self.client)
        except discord.HTTPException as exc:
            raise FrontEndError(f"Discord refused the slash commands: {exc}", 1) from exc
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise FrontEndError(f"cannot reach Discord: {type(exc).__name__}", 1) from exc
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
        started = time.perf_counter()
        core, actor = self._core, interaction_actor(interaction)
        try:
            if guide_use_cases.handles(core.guide, name):
                actor = await self._localized_now(actor, start=name == "start")
                reply = guide_use_cases.command(core.guide, core.questions, actor, name, args)
                await answer_now(interaction, reply, ephemeral=False)
            else:

                async def personal() -> Reply:
                    return await self._personal_command(await core.localized(actor), name, args)

                await answer_later(interaction, personal, ephemeral=actor.is_group)
        finally:
            self._handled("command", f"command /{name}", actor, started)
        try:
            await self._offer_resume(interaction, actor)
        except Exception:  # the command was answered: no apology for an extra that failed
            log.exception("the offer to resume reminders after /%s failed", name)

    async def _personal_command(self, actor: Actor, name: str, args: str) -> Reply:
        """The reply of a reminder, progress or operators' command (these wait on storage)."""
        if name in reminder_use_cases.COMMANDS:
            if name == "remind" and actor.may_manage:
                if args:
                    self.awaited.forget(actor.chat_id, actor.user_id)
                else:  # the prompt says "or type one": read the next message as the time
                    self.awaited.expect(actor.chat_id, actor.user_id)
            return await self._reminders.command(actor, name, args)
        if name in admin_use_cases.COMMANDS:
            return await self._admin.command(actor, name, args)
        if name in language_use_cases.COMMANDS:
            return await self._language.command(actor, args)
        if name in privacy.COMMANDS:
            return await self._privacy.command(actor, name)
        if name in announcing.COMMANDS:
            return await self._announcing.command(actor, name, args)
        words = self._core.guide.for_language(actor.language).messages
        return guide_screens.unknown_command(f"/{name}", words)

    async def _offer_resume(self, interaction: discord.Interaction[Any], actor: Actor) -> None:
        """After a command in a chat whose reminders were switched off, to those who may
        manage them: an offer to turn them back on (in a server, with how many wait)."""
        chat = chat_key(actor)
        if not actor.may_manage:
            return
        if actor.is_group:
            offer = await self._reminders.bot_added_back(chat, is_group=True)
        elif await self._core.reminders.is_blocked(chat):
            offer = guide_screens.resume_offer(
                self._core.guide.for_language(actor.language).messages
            )
        else:
            offer = None
        if offer is not None:
            await send_followups(interaction, offer, ephemeral=actor.is_group)

    async def press(self, interaction: discord.Interaction[Any]) -> None:
        """Carry out the action a pressed button's custom_id encodes."""
        if not self._serving:
            return
        started = time.perf_counter()
        data: dict[str, Any] = dict(interaction.data or {})
        action: Action | Unknown = decode(str(data.get("custom_id", "")))
        actor = interaction_actor(interaction)
        localized = self._core.localized
        try:
            if isinstance(action, reminder_use_cases.ACTIONS):
                self.awaited.forget(actor.chat_id, actor.user_id)  # buttons took over

                async def change() -> Reply:
                    return await self._reminders.press(await localized(actor), action)

                await answer_later(interaction, change, ephemeral=actor.is_group)
            elif isinstance(action, ChooseLanguage):

                async def choose() -> Reply:
                    return await self._language.press(await localized(actor), action)

                await answer_later(interaction, choose, ephemeral=actor.is_group)
            elif isinstance(action, privacy.ACTIONS):

                async def erase() -> Reply:
                    return await self._privacy.press(await localized(actor), action)

                await answer_later(interaction, erase, ephemeral=actor.is_group)
            elif isinstance(action, announcing.ACTIONS):
                sending: list[announcing.Sending] = []

                async def send() -> Reply:
                    sending.append(await self._announcing.press(await localized(actor), action))
                    return sending[0].reply

                await answer_later(interaction, send, ephemeral=actor.is_group)
                if sending and sending[0].announcement_id is not None:
                    self._follow(interaction, await localized(actor), sending[0].announcement_id)
            elif isinstance(action, conversation.ACTIONS):
                actor = await self._localized_now(actor)
                reply = await self._talk.press(actor, action)
                await answer_now(interaction, reply, ephemeral=actor.is_group)
            else:
                actor = await self._localized_now(actor)
                reply = guide_use_cases.press(self._core.guide, actor, action)
                await answer_now(interaction, reply, ephemeral=False)
        except Exception:
            log.exception("a Discord button press failed")
            await sorry(interaction, self._sorry(actor.language))
        finally:
            self._handled("button", "button", actor, started)

    def _follow(
        self, interaction: discord.Interaction[Any], actor: Actor, announcement_id: str
    ) -> None:
        """Keep an announcement's status message fresh (edited in place) until it is done."""
        task = asyncio.create_task(
            follow_announcement(interaction, self._announcing, actor, announcement_id),
            name=f"announcement-status-{announcement_id}",
        )
        self._status_tasks.add(task)
        task.add_done_callback(self._status_tasks.discard)

    async def zone_choices(
        self, interaction: discord.Interaction[Any], typed: str
    ) -> list[app_commands.Choice[str]]:
        """Time zones for an autocomplete: the chat's stored zone first, then matches."""
        previous: str | None = None
        with suppress(TimeoutError):
            async with asyncio.timeout(ZONE_LOOKUP_TIMEOUT):
                profile = await self._core.reminders.profile(
                    chat_key(interaction_actor(interaction))
                )
                previous = profile.tz
        return [app_commands.Choice(name=z, value=z) for z in zone_choices(typed, previous)]

    async def message(self, message: discord.Message) -> None:
        """Answer a DM, or a guild message that mentions the bot: a time /remind awaits, or a
        question."""
        me = self.client.user
        if not self._serving or message.author.bot or me is None:
            return
        if message.guild is not None and me not in message.mentions:
            return
        text = _MENTION.sub("", message.content).strip()
        if not text:
            return
        started = time.perf_counter()
        actor, what = message_actor(message), "question"
        try:
            actor = await self._core.localized(actor)
            if self.awaited.take(message.channel.id, message.author.id):
                what = "typed time"
                reply = await self._reminders.typed_time(actor, text)
            else:
                reply = await self._talk.said(actor, text)
            for index, part in enumerate(render(reply)):
                sent_view = view(part.buttons) if part.buttons else discord.utils.MISSING
                if index == 0:
                    await message.reply(
                        embeds=part.embeds,
                        view=sent_view,
                        allowed_mentions=NO_MENTIONS,
                        mention_author=False,
                    )
                else:
                    await message.channel.send(
                        embeds=part.embeds, view=sent_view, allowed_mentions=NO_MENTIONS
                    )
        finally:
            self._handled("message", what, actor, started)

    async def guild_removed(self, guild: discord.Guild) -> None:
        """Switch off the reminders of every channel of a server the bot was removed from."""
        service = self._core.reminders
        switched = 0
        for channel in [*guild.channels, *guild.threads]:
            chat = ChatKey(PLATFORM, channel.id)
            if await service.list(chat) and not await service.is_blocked(chat):
                await self._reminders.bot_removed(chat)
                switched += 1
        log.info(
            "discord: removed from server %d; reminders of %d channel(s) switched off",
            guild.id,
            switched,
        )

    # ----- errors ----------------------------------------------------------------------------

    async def _on_tree_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        log.error("a Discord slash command failed", exc_info=error.__cause__ or error)
        await sorry(interaction, self._sorry(str(interaction.locale)))

    async def _localized_now(self, actor: Actor, *, start: bool = False) -> Actor:
        """``actor`` in its chat's language (and, for a /start, the chat's profile recorded),
        unless that would keep an interaction waiting past LANGUAGE_LOOKUP_TIMEOUT (storage
        busy): then in its Discord locale, and the next /start records it."""
        found = actor
        with suppress(TimeoutError):
            async with asyncio.timeout(LANGUAGE_LOOKUP_TIMEOUT):
                found = await self._core.localized(actor)
                if start:
                    await self._core.started(found)
        return found

    def _handled(self, kind: str, what: str, actor: Actor, started: float) -> None:
        """Count an update of ``kind`` ("command", "button", "message") answered since
        ``started`` (``time.perf_counter()``); log it once at DEBUG as ``what`` (a command's
        name, never message text) with its chat type and latency."""
        seconds = time.perf_counter() - started
        self.metrics.update_handled(kind, seconds)
        where = "guild" if actor.is_group else "dm"
        log.debug(
            "discord %s (%s) in %.0f ms",
            what,
            where,
            seconds * 1000,
            extra=event_fields(
                platform=PLATFORM, update_kind=kind, chat_type=where, latency_ms=seconds * 1000
            ),
        )

    def _sorry(self, language: str | None) -> str:
        """The apology for a failure, in ``language`` (a code or Discord locale)."""
        return self._core.guide.for_language(language).messages.text("discord.sorry")
