"""The Discord front end end to end: the real discord.Client against the fake Discord.

Each test opens the real core on a temporary folder, runs ``DiscordFrontEnd`` on it through
``bot.core.serving`` (log in, sync the slash commands, connect the gateway) and acts as Discord
users through ``tests.fakediscord``; it asserts on what the bot actually sent. The fixture
fails a test on anything Discord would refuse (a second response is 40060, a late one 10062).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.core import Core, FrontEndError, serving
from bot.delivery_errors import ChatUnreachable
from bot.guide import load_guides
from bot.reminders import Nudge
from bot.use_cases import guide as guide_use_cases
from handlers.discord.app import DiscordFrontEnd
from storage.records import ChatKey
from tests.conftest import FakeClock
from tests.fakediscord.coach import coach_on_discord, discord_settings, text_of
from tests.fakediscord.harness import fake_discord
from tests.fakediscord.server import FakeDiscord
from tests.fakediscord.world import MANAGE_GUILD, SEND_MESSAGES, FakeChannel, FakeUser

GUIDES = load_guides()

__all__ = ["fake_discord"]

CHANNEL_MESSAGE, DEFERRED, UPDATE_MESSAGE = 4, 5, 7
OPTIONS: dict[str, dict[str, Any]] = {
    "ask": {"question": "how long does it take"},
    "broadcast": {"text": "Hello"},
}


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


@dataclass(frozen=True)
class Answered:
    """How the bot answered one slash command."""

    response_type: int
    ephemeral: bool
    text: str
    personal: bool  # not a guide command: it waits on storage, so it is deferred


async def answer_every_command(
    fake: FakeDiscord, core: Core, user: FakeUser, channel: FakeChannel | None
) -> dict[str, Answered]:
    """Run every registered slash command once, by name."""
    answered: dict[str, Answered] = {}
    for command in fake.registrations[-1].commands:
        name = command["name"]
        interaction = await fake.slash(user, name, OPTIONS.get(name), channel=channel)
        response = await fake.next_interaction_response(interaction)
        reply = await fake.next_reply(interaction)
        assert response.delay < 3.0, name
        personal = not guide_use_cases.handles(core.guide, name)
        answered[name] = Answered(response.type, reply.ephemeral, text_of(reply), personal)
    return answered


async def test_every_slash_command_in_a_dm_is_answered_once_in_time(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    ann = fake_discord.add_user("ann")
    async with coach_on_discord(fake_discord, tmp_path) as (core, _):
        answered = await answer_every_command(fake_discord, core, ann, None)
    assert len(answered) >= 24
    for name, found in answered.items():
        assert found.response_type == (DEFERRED if found.personal else CHANNEL_MESSAGE), name
        assert not found.ephemeral and found.text.strip(), name
    assert {"remind", "reminders", "progress", "stats"} <= {
        name for name, found in answered.items() if found.personal
    }
    assert "18 months to 4.5 years" in answered["ask"].text
    assert "operators" in answered["stats"].text.lower()  # not an operator: refused
    replies = fake_discord.state.records.replies
    files = [reply for reply in replies if reply.files]  # /mydata's JSON follows its note
    assert [list(reply.files) for reply in files] == [["medcoder-mydata.json"]]
    assert len(replies) - len(files) == len(answered)  # one reply each


async def test_every_slash_command_in_a_server_is_answered_once_personal_ones_privately(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    owner = fake_discord.add_user("owner")
    guild = fake_discord.add_guild("Coders", owner)
    channel = guild.channels[0]
    async with coach_on_discord(fake_discord, tmp_path) as (core, _):
        answered = await answer_every_command(fake_discord, core, owner, channel)
    for name, found in answered.items():
        assert found.response_type == (DEFERRED if found.personal else CHANNEL_MESSAGE), name
        assert found.ephemeral == found.personal and found.text.strip(), name
    replies = fake_discord.state.records.replies
    assert len([r for r in replies if not r.files]) == len(answered)


async def test_an_operator_gets_the_usage_figures(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    ops = fake_discord.add_user("ops")
    async with coach_on_discord(fake_discord, tmp_path, admin_ids=frozenset({ops.id})):
        interaction = await fake_discord.slash(ops, "stats")
        response = await fake_discord.next_interaction_response(interaction)
        figures = await fake_discord.next_reply(interaction)
    assert response.type == DEFERRED
    assert "operators" not in text_of(figures).lower()
    assert "reminders" in text_of(figures).lower()


async def test_steps_2_pages_in_place_when_a_button_is_pressed(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    ann = fake_discord.add_user("ann")
    async with coach_on_discord(fake_discord, tmp_path):
        await fake_discord.slash(ann, "steps", {"step": 2})
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


async def test_remind_in_a_dm_is_deferred_and_stores_a_reminder_keyed_by_the_dm_channel(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    ann = fake_discord.add_user("ann")
    dm = fake_discord.dm_channel(ann)
    async with coach_on_discord(fake_discord, tmp_path) as (core, _):
        options = {"time": "19:30", "days": "mon,wed,fri", "timezone": "America/Chicago"}
        interaction = await fake_discord.slash(ann, "remind", options)
        response = await fake_discord.next_interaction_response(interaction)
        reply = await fake_discord.next_reply(interaction)
        stored = await core.reminders.list(ChatKey("discord", dm.id))
    assert response.type == DEFERRED
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
        asked = await fake_discord.slash(bob, "remind", options, channel=channel)
        refused = await fake_discord.next_reply(asked)
        assert await core.reminders.list(ChatKey("discord", channel.id)) == []
        asked = await fake_discord.slash(cat, "remind", options, channel=channel)
        accepted = await fake_discord.next_reply(asked)
        stored = await core.reminders.list(ChatKey("discord", channel.id))
    assert refused.ephemeral and "08:00" not in text_of(refused)
    assert "admins" in text_of(refused)
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
        await fake_discord.next_reply(await fake_discord.slash(ann, "remind", options))
        nudge = await fake_discord.state.records.wait_for(
            lambda: [m for m in fake_discord.dms_to(ann) if m.interaction_id is None], 15
        )
    assert "Time to study" in text_of(nudge[0])
    assert {"ng:done", "ng:snooze", "ng:skip"} <= set(nudge[0].custom_ids())
    assert nudge[0].channel_id == dm.id


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
        await fake_discord.next_reply(await fake_discord.slash(ann, "remind", options))
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


async def test_a_channel_the_bot_may_no_longer_write_in_is_switched_off(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    owner = fake_discord.add_user("owner")
    guild = fake_discord.add_guild("Coders", owner)
    channel = guild.channels[0]
    channel.bot_denied = SEND_MESSAGES  # 403 / 50013 Missing Permissions
    async with coach_on_discord(fake_discord, tmp_path) as (_, front):
        with pytest.raises(ChatUnreachable):
            await front.send_nudge(Nudge(channel.id, True, 1, "Study hour!", False))


# ----- the actor's language ------------------------------------------------------------------


async def test_a_slash_command_answers_in_the_users_discord_locale(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    ana = fake_discord.add_user("ana", locale="es-ES")
    bob = fake_discord.add_user("bob", locale="pt-BR")  # a language the bot does not speak
    async with coach_on_discord(fake_discord, tmp_path):
        spanish = text_of(await fake_discord.next_reply(await fake_discord.slash(ana, "salary")))
        english = text_of(await fake_discord.next_reply(await fake_discord.slash(bob, "salary")))
    assert GUIDES.for_language("es").section("salary").title in spanish
    assert GUIDES.section("salary").title in english
    assert "datos de mayo de 2024" in spanish and "as of May 2024" in english


async def test_a_message_follows_the_servers_locale_and_a_dm_its_words(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    ana = fake_discord.add_user("ana", locale="en-US")
    guild = fake_discord.add_guild("Codificadores", ana)
    guild.preferred_locale = "es-419"
    channel = guild.channels[0]
    spanish_when = GUIDES.for_language("es").certification("CPC")
    english_when = GUIDES.certification("CPC")
    assert spanish_when is not None and english_when is not None
    async with coach_on_discord(fake_discord, tmp_path):
        await fake_discord.send_message(ana, f"<@{fake_discord.bot.id}> CPC", channel=channel)
        in_guild = text_of(await fake_discord.next_message(channel.id))
        await fake_discord.send_message(ana, "CPC")
        in_dm = text_of(await fake_discord.next_message(fake_discord.dm_channel(ana).id))
    assert spanish_when.when in in_guild
    assert english_when.when in in_dm
