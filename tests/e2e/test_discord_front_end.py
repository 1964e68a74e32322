"""The Discord front end end to end: the real discord.Client against the fake Discord.

Each test opens the real core on a temporary folder, runs ``DiscordFrontEnd`` on it through
``bot.core.serving`` (log in, sync the slash commands, connect the gateway) and acts as Discord
users through ``tests.fakediscord``; it asserts on what the bot actually sent.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.core import Core, FrontEndError, serving
from bot.reminders import Nudge
from bot.settings import DiscordSettings, Settings
from bot.slot_scheduler import utc_now
from handlers.discord.app import DiscordFrontEnd
from storage.records import ChatKey
from tests.conftest import FakeClock
from tests.fakediscord.harness import fake_discord
from tests.fakediscord.records import SentMessage
from tests.fakediscord.server import FakeDiscord
from tests.fakediscord.world import MANAGE_GUILD

__all__ = ["fake_discord"]

CHANNEL_MESSAGE, UPDATE_MESSAGE = 4, 7


def discord_settings(fake: FakeDiscord, data_dir: Path, token: str | None = None) -> Settings:
    """Settings that point the Discord front end at ``fake``."""
    return Settings(
        data_dir=data_dir,
        discord=DiscordSettings(
            token=SecretStr(token or fake.token),
            api_base_url=fake.api_base,
            gateway_url=fake.ws_url,
        ),
    )


@asynccontextmanager
async def coach_on_discord(
    fake: FakeDiscord, data_dir: Path, clock: FakeClock | None = None
) -> AsyncIterator[tuple[Core, DiscordFrontEnd]]:
    """The core and the Discord front end running on it until the block exits."""
    settings = discord_settings(fake, data_dir)
    assert settings.discord is not None
    async with Core.open(settings, clock=clock or utc_now) as core:
        front = DiscordFrontEnd(core, settings.discord)
        async with serving(core, [front]):
            yield core, front


def text_of(message: SentMessage) -> str:
    """Every embed's title, description, fields and footer, as one string."""
    parts: list[str] = [message.content]
    for embed in message.embeds:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        parts += [f"{f['name']} {f['value']}" for f in embed.get("fields", [])]
        parts.append((embed.get("footer") or {}).get("text", ""))
    return "\n".join(parts)


async def test_salary_in_a_dm_is_an_embed_with_the_figure_and_its_date(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    ann = fake_discord.add_user("ann")
    async with coach_on_discord(fake_discord, tmp_path):
        registered = fake_discord.registrations[-1]
        interaction = await fake_discord.slash(ann, "salary")
        response = await fake_discord.next_interaction_response(interaction)
        reply = await fake_discord.next_message(fake_discord.dm_channel(ann).id)
    names = {c["name"] for c in registered.commands}
    assert {"salary", "steps", "certs", "ask", "remind", "pause", "timezone"} <= names
    assert response.type == CHANNEL_MESSAGE and response.delay < 3.0
    assert not reply.ephemeral
    fields = [f for embed in reply.embeds for f in embed.get("fields", [])]
    assert any("$50,250" in f["value"] and "as of" in f["value"] for f in fields)
    assert "Source:" in text_of(reply)
    assert reply.allowed_mentions is not None


async def test_steps_2_pages_in_place_when_a_button_is_pressed(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    ann = fake_discord.add_user("ann")
    async with coach_on_discord(fake_discord, tmp_path):
        await fake_discord.slash(ann, "steps", {"step": "2"})
        page = await fake_discord.next_message(fake_discord.dm_channel(ann).id)
        pager = [cid for cid in page.custom_ids() if cid.startswith("page:")]
        assert pager, page.custom_ids()
        press = await fake_discord.press_button(ann, page, pager[-1])
        response = await fake_discord.next_interaction_response(press)
        edited = await fake_discord.next_edit(page.id)
    assert "2" in (page.embeds[0].get("title") or "") + text_of(page)
    assert response.type == UPDATE_MESSAGE
    assert text_of(edited) != text_of(page)
    assert len(fake_discord.dms_to(ann)) == 1  # paged in place, no new message


async def test_a_question_by_dm_is_answered_as_a_reply(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    ann = fake_discord.add_user("ann")
    async with coach_on_discord(fake_discord, tmp_path):
        await fake_discord.send_message(ann, "how long does it take")
        reply = await fake_discord.next_message(fake_discord.dm_channel(ann).id)
    assert "18 months to 4.5 years" in text_of(reply)


async def test_a_mention_in_a_guild_is_answered_and_other_messages_are_not(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    ann = fake_discord.add_user("ann")
    guild = fake_discord.add_guild("Coders", ann)
    channel = guild.channels[0]
    async with coach_on_discord(fake_discord, tmp_path):
        await fake_discord.send_message(ann, "how long does it take", channel=channel)
        await fake_discord.send_message(
            ann, f"<@{fake_discord.bot.id}> how long does it take", channel=channel
        )
        reply = await fake_discord.next_message(channel.id)
    assert "18 months to 4.5 years" in text_of(reply)
    assert len(fake_discord.messages_in(channel.id)) == 1


async def test_remind_in_a_dm_stores_a_reminder_keyed_by_the_dm_channel(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    ann = fake_discord.add_user("ann")
    dm = fake_discord.dm_channel(ann)
    async with coach_on_discord(fake_discord, tmp_path) as (core, _):
        options = {"time": "19:30", "days": "mon,wed,fri", "timezone": "America/Chicago"}
        await fake_discord.slash(ann, "remind", options)
        reply = await fake_discord.next_message(dm.id)
        stored = await core.reminders.list(ChatKey("discord", dm.id))
    assert "19:30 on Mon, Wed, Fri (America/Chicago)" in text_of(reply)
    assert len(stored) == 1


async def test_a_member_without_manage_server_is_refused_in_a_guild(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    owner = fake_discord.add_user("owner")
    bob = fake_discord.add_user("bob")
    cat = fake_discord.add_user("cat")
    guild = fake_discord.add_guild("Coders", owner)
    managers = fake_discord.add_role(guild, "managers", MANAGE_GUILD)
    fake_discord.join(guild, bob)
    fake_discord.join(guild, cat, managers)
    channel = guild.channels[0]
    options = {"time": "08:00", "days": "daily", "timezone": "UTC"}
    async with coach_on_discord(fake_discord, tmp_path) as (core, _):
        await fake_discord.slash(bob, "remind", options, channel=channel)
        refused = await fake_discord.next_message(channel.id)
        assert await core.reminders.list(ChatKey("discord", channel.id)) == []
        await fake_discord.slash(cat, "remind", options, channel=channel)
        accepted = await fake_discord.next_message(channel.id)
        stored = await core.reminders.list(ChatKey("discord", channel.id))
    assert refused.ephemeral and "08:00" not in text_of(refused)
    assert accepted.ephemeral and "08:00" in text_of(accepted)
    assert len(stored) == 1


async def test_a_due_reminder_is_delivered_by_dm(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    ann = fake_discord.add_user("ann")
    dm = fake_discord.dm_channel(ann)
    clock = FakeClock()
    async with coach_on_discord(fake_discord, tmp_path, clock):
        minute = clock.set_seconds_before_next_minute(2)
        options = {"time": f"{minute:%H:%M}", "days": "daily", "timezone": "UTC"}
        await fake_discord.slash(ann, "remind", options)
        await fake_discord.next_message(dm.id)
        nudge = await fake_discord.next_message(dm.id, timeout=15)
    assert "Time to study" in text_of(nudge)
    assert {"ng:done", "ng:snooze", "ng:skip"} <= set(nudge.custom_ids())


async def test_a_user_who_accepts_no_dms_has_their_reminders_switched_off(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    ann = fake_discord.add_user("ann", accepts_dms=False)
    dm = fake_discord.dm_channel(ann)
    chat = ChatKey("discord", dm.id)
    clock = FakeClock()
    async with coach_on_discord(fake_discord, tmp_path, clock) as (core, _):
        minute = clock.set_seconds_before_next_minute(2)
        options = {"time": f"{minute:%H:%M}", "days": "daily", "timezone": "UTC"}
        await fake_discord.slash(ann, "remind", options)
        await fake_discord.next_message(dm.id)
        service = core.reminders
        refused = await fake_discord.state.records.wait_for(
            lambda: [r for r in fake_discord.requests if r.status == 403], timeout=15
        )
        await asyncio.wait_for(service.outbox.join(), 10)  # the refused send is handled
        assert await service.is_blocked(chat)
        stored = await core.repository.reminders_for(chat)
    assert refused[0].response["code"] == 50007
    assert service.outbox.stats.unreachable == 1 and service.outbox.stats.failed == 0
    assert [r.active for r in stored] == [False]


async def test_a_rejected_token_is_a_front_end_error_with_status_2(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    bad = "MTIzNDU2Nzg5MDEyMzQ1Njc4.wrong.not-the-token-of-this-bot-at-all"
    settings = discord_settings(fake_discord, tmp_path, bad)
    assert settings.discord is not None
    async with Core.open(settings) as core:
        front = DiscordFrontEnd(core, settings.discord)
        with pytest.raises(FrontEndError) as refused:
            async with serving(core, [front]):
                pass
    assert refused.value.exit_status == 2
    fake_discord.take_violations()  # the 401 is the point of the test


async def test_a_nudge_for_a_guild_channel_goes_to_that_channel(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    owner = fake_discord.add_user("owner")
    guild = fake_discord.add_guild("Coders", owner)
    channel = guild.channels[0]
    async with coach_on_discord(fake_discord, tmp_path) as (_, front):
        await front.send_nudge(Nudge(channel.id, True, 1, "Study hour!", False))
        sent = await fake_discord.next_message(channel.id)
    assert "Study hour!" in text_of(sent)
    assert {"ng:done", "ng:snooze", "ng:skip"} <= set(sent.custom_ids())
