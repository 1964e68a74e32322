"""Telegram and Discord in one process on one core, as ``python -m bot`` runs them.

Each test opens the real core once (``Core.open``) and runs both front ends on it through
``bot.core.serving``: ``TelegramFrontEnd`` polls the fake Bot API (``fake_api``) and
``DiscordFrontEnd`` talks to the fake Discord (``fake_discord``). The Telegram chat and the
Discord DM channel share the numeric id 42, so only the platform tells them apart.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from pydantic import SecretStr

from bot.core import Core, serving
from bot.settings import DiscordSettings, Settings, TelegramSettings
from handlers.discord.app import DiscordFrontEnd
from handlers.telegram.app import TelegramFrontEnd
from storage.records import ChatKey
from tests.conftest import ADMIN_ID, FakeClock
from tests.fakeapi.server import FakeBotApiServer
from tests.fakeapi.simulator import SimChat, SimUser
from tests.fakediscord.harness import fake_discord
from tests.fakediscord.records import SentMessage
from tests.fakediscord.server import FakeDiscord
from tests.fakediscord.world import DMChannel, FakeUser
from tests.harness import watching

__all__ = ["fake_discord"]

SHARED_ID = 42
TG_USER = SimUser(SHARED_ID, "Ann", "ann")
TG_CHAT = SimChat.private(TG_USER)
TG_CHAT_KEY = ChatKey("telegram", SHARED_ID)
DC_CHAT_KEY = ChatKey("discord", SHARED_ID)
NUDGE = "Time to study"
POLL_TIMEOUT_SECONDS = 1


def both_settings(api: FakeBotApiServer, discord: FakeDiscord, data_dir: Path) -> Settings:
    """Settings with both tokens: Telegram at ``api``, Discord at ``discord``."""
    return Settings(
        data_dir=data_dir,
        telegram=TelegramSettings(
            token=SecretStr(api.token),
            api_base_url=api.base_url,
            admin_ids=frozenset({ADMIN_ID}),
        ),
        discord=DiscordSettings(
            token=SecretStr(discord.token),
            api_base_url=discord.api_base,
            gateway_url=discord.ws_url,
        ),
    )


def discord_user_with_dm_42(discord: FakeDiscord) -> tuple[FakeUser, DMChannel]:
    """A Discord user whose DM channel with the bot has the id 42 (the Telegram chat's id)."""
    user = discord.add_user("ann")
    dm = DMChannel(SHARED_ID, user)
    discord.state.world.dms[user.id] = dm
    assert discord.dm_channel(user) is dm
    return user, dm


@asynccontextmanager
async def both_running(
    api: FakeBotApiServer, discord: FakeDiscord, data_dir: Path, clock: FakeClock
) -> AsyncIterator[Core]:
    """One core, both front ends serving on it, until the block exits."""
    settings = both_settings(api, discord, data_dir)
    assert settings.discord is not None
    async with Core.open(settings, clock=clock) as core:
        telegram = await asyncio.to_thread(
            TelegramFrontEnd, core, poll_timeout=POLL_TIMEOUT_SECONDS
        )
        discord_front = DiscordFrontEnd(core, settings.discord)
        with watching(api.sim, telegram.app):
            async with serving(core, [telegram, discord_front]):
                yield core


def text_of(message: SentMessage) -> str:
    """A Discord message's content and every embed's visible text, as one string."""
    parts: list[str] = [message.content]
    for embed in message.embeds:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        parts += [f"{f['name']} {f['value']}" for f in embed.get("fields", [])]
        parts.append((embed.get("footer") or {}).get("text", ""))
    return "\n".join(parts)


async def test_salary_is_answered_on_telegram_and_on_discord(
    fake_api: FakeBotApiServer, fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    ann, dm = discord_user_with_dm_42(fake_discord)
    async with both_running(fake_api, fake_discord, tmp_path, FakeClock()):
        fake_api.sim.send_text(TG_CHAT, TG_USER, "/salary")
        interaction = await fake_discord.slash(ann, "salary")
        tg_reply = await fake_api.sim.next_message(TG_CHAT.id)
        await fake_discord.next_interaction_response(interaction)
        dc_reply = await fake_discord.next_message(dm.id)
    assert "$50,250" in tg_reply.plain_text
    assert "$50,250" in text_of(dc_reply)
    assert len(fake_api.sim.messages_to(TG_CHAT.id)) == 1
    assert len(fake_discord.messages_in(dm.id)) == 1


async def test_reminders_from_both_platforms_are_stored_apart_and_each_nudges_its_own(
    fake_api: FakeBotApiServer, fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    ann, dm = discord_user_with_dm_42(fake_discord)
    clock = FakeClock()
    async with both_running(fake_api, fake_discord, tmp_path, clock) as core:
        # Due a whole minute ahead, so setting both reminders never races the slot.
        minute = clock.set_seconds_before_next_minute(50)
        hhmm = f"{minute:%H:%M}"
        fake_api.sim.send_text(TG_CHAT, TG_USER, f"/remind {hhmm} daily UTC")
        tg_set = await fake_api.sim.next_message(TG_CHAT.id)
        options = {"time": hhmm, "days": "daily", "timezone": "UTC"}
        await fake_discord.slash(ann, "remind", options)
        dc_set = await fake_discord.next_message(dm.id)
        assert "Reminder set" in tg_set.plain_text, tg_set.plain_text
        assert hhmm in text_of(dc_set), text_of(dc_set)

        # (2) one store, two keys: neither platform sees the other's reminder.
        on_telegram = await core.reminders.list(TG_CHAT_KEY)
        on_discord = await core.reminders.list(DC_CHAT_KEY)
        assert len(on_telegram) == 1 and len(on_discord) == 1
        assert on_telegram[0].reminder.id != on_discord[0].reminder.id
        stored_tg = await core.repository.reminders_for(TG_CHAT_KEY)
        stored_dc = await core.repository.reminders_for(DC_CHAT_KEY)
        assert [r.id for r in stored_tg] == [on_telegram[0].reminder.id]
        assert [r.id for r in stored_dc] == [on_discord[0].reminder.id]
        assert [r.key for r in stored_tg + stored_dc] == [TG_CHAT_KEY, DC_CHAT_KEY]

        # (3) both fall due: each nudge on its own platform, once.
        clock.set_seconds_before_next_minute(1)
        core.reminders.dispatcher.wake()
        tg_nudge = await fake_api.sim.next_message(TG_CHAT.id, timeout=10)
        dc_nudge = await fake_discord.next_message(dm.id, timeout=10)
        await asyncio.wait_for(core.reminders.outbox.join(), 10)
        tg_sent = [m.plain_text for m in fake_api.sim.messages_to(TG_CHAT.id)]
        dc_sent = [text_of(m) for m in fake_discord.messages_in(dm.id)]
        assert (await core.reminders.list(TG_CHAT_KEY))[0].reminder.last_fired is not None
        assert (await core.reminders.list(DC_CHAT_KEY))[0].reminder.last_fired is not None
    assert NUDGE in tg_nudge.plain_text and tg_nudge.button_data()
    assert NUDGE in text_of(dc_nudge)
    assert {"ng:done", "ng:snooze", "ng:skip"} <= set(dc_nudge.custom_ids())
    assert [NUDGE in text for text in tg_sent] == [False, True]  # confirmation, one nudge
    assert [NUDGE in text for text in dc_sent] == [False, True]
    assert len(fake_api.sim.sent) == 2  # nothing to any other Telegram chat
    assert {m.channel_id for m in fake_discord.state.records.sent} == {dm.id}
