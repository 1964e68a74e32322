"""Messages both ways: mentions without the message-content intent, DMs, refusals, leaving."""

import asyncio

import discord
import pytest

from tests.fakediscord.harness import running_client
from tests.fakediscord.server import FakeDiscord
from tests.fakediscord.tiny_bot import TinyBot
from tests.fakediscord.world import SEND_MESSAGES


async def test_a_mention_reaches_the_bot_and_its_reply_pings_nobody(
    fake_discord: FakeDiscord,
) -> None:
    ann = fake_discord.add_user("ann")
    guild = fake_discord.add_guild("Coders", ann)
    channel = guild.channels[0]
    async with running_client(bot := TinyBot(sync_commands=False), fake_discord):
        await fake_discord.send_message(ann, "just chatting", channel=channel)
        await fake_discord.send_message(ann, f"<@{fake_discord.bot.id}> hi", channel=channel)
        chatter = await asyncio.wait_for(bot.seen.get(), 5.0)
        mention = await asyncio.wait_for(bot.seen.get(), 5.0)
        reply = await fake_discord.next_message(channel.id)
    assert chatter.content == ""  # no message-content intent: only mentions carry content
    assert mention.content == f"<@{fake_discord.bot.id}> hi"
    assert reply.content == f"Hello <@{ann.id}>!"
    assert reply.allowed_mentions == {"parse": []}
    stored = fake_discord.state.messages.by_id[reply.id]
    assert stored.mentions == []  # Discord pinged nobody


async def test_the_bot_sends_a_dm(fake_discord: FakeDiscord) -> None:
    ann = fake_discord.add_user("ann")
    async with running_client(TinyBot(), fake_discord):
        await fake_discord.next_registration()
        await fake_discord.slash(ann, "nudge")
        dm = await fake_discord.next_message(fake_discord.dm_channel(ann).id)
        confirmation = await fake_discord.next_message(fake_discord.dm_channel(ann).id)
    assert dm.content == "Time to study!"
    assert dm.interaction_id is None
    assert confirmation.content == "Sent you a DM." and confirmation.ephemeral
    assert [r.route for r in fake_discord.requests if r.method == "POST"][:2] == [
        "POST /users/@me/channels",
        "POST /channels/{channel_id}/messages",
    ]


async def test_a_dm_to_a_user_who_accepts_none_is_refused_with_50007(
    fake_discord: FakeDiscord,
) -> None:
    ann = fake_discord.add_user("ann", accepts_dms=False)
    async with running_client(TinyBot(), fake_discord):
        await fake_discord.next_registration()
        await fake_discord.slash(ann, "nudge")
        answer = await fake_discord.next_message(fake_discord.dm_channel(ann).id)
    assert answer.content == "I can't DM you (50007)."
    refused = fake_discord.state.records.requests_to("POST /channels/{channel_id}/messages")
    assert [(r.status, r.response["code"]) for r in refused] == [(403, 50007)]
    assert fake_discord.violations == []  # the world refused; the bot did nothing wrong


async def test_guild_delete_removes_the_guild_and_its_channels(fake_discord: FakeDiscord) -> None:
    ann = fake_discord.add_user("ann")
    guild = fake_discord.add_guild("Coders", ann)
    async with running_client(bot := TinyBot(sync_commands=False), fake_discord):
        await fake_discord.remove_guild(guild)
        left = await asyncio.wait_for(bot.left.get(), 5.0)
        assert bot.get_guild(guild.id) is None
        with pytest.raises(discord.Forbidden) as refused:
            await bot.http.send_message(guild.channels[0].id, params=_text("still there?"))
    assert left == guild.id
    assert refused.value.code == 50001


async def test_a_channel_the_bot_may_not_write_in_gets_50013(fake_discord: FakeDiscord) -> None:
    ann = fake_discord.add_user("ann")
    guild = fake_discord.add_guild("Coders", ann, channels=("general", "rules"))
    guild.channels[1].bot_denied = SEND_MESSAGES
    async with running_client(bot := TinyBot(sync_commands=False), fake_discord):
        rules = bot.get_channel(guild.channels[1].id)
        assert isinstance(rules, discord.TextChannel)
        assert not rules.permissions_for(rules.guild.me).send_messages  # same world both sides
        with pytest.raises(discord.Forbidden) as refused:
            await rules.send("hello")
    assert refused.value.code == 50013


def _text(content: str) -> discord.http.MultipartParameters:
    return discord.http.handle_message_parameters(content=content)
