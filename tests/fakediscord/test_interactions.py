"""Slash commands, autocomplete and buttons from the fake, answered by a real discord.py bot."""

import asyncio

import discord

from tests.fakediscord.harness import running_client
from tests.fakediscord.server import FakeDiscord
from tests.fakediscord.tiny_bot import TinyBot

CHANNEL_MESSAGE, DEFERRED, UPDATE_MESSAGE, AUTOCOMPLETE_RESULT = 4, 5, 7, 8
LOADING, EPHEMERAL = 1 << 7, 1 << 6


async def next_error(bot: TinyBot) -> BaseException:
    """The next exception the bot's command tree reported."""
    return await asyncio.wait_for(bot.errors.get(), 5.0)


async def test_slash_command_in_a_dm_replies_with_an_embed_and_a_button(
    fake_discord: FakeDiscord,
) -> None:
    ann = fake_discord.add_user("ann")
    async with running_client(TinyBot(), fake_discord):
        await fake_discord.next_registration()
        interaction = await fake_discord.slash(ann, "coach", {"topic": "cpt codes"})
        response = await fake_discord.next_interaction_response(interaction)
        reply = await fake_discord.next_message(fake_discord.dm_channel(ann).id)
    assert response.type == CHANNEL_MESSAGE
    assert response.delay < 3.0
    assert not reply.ephemeral
    assert reply.embeds[0]["description"] == "Today: cpt codes"
    assert reply.custom_ids() == [f"counter:0:user:{ann.id}"]
    assert reply.interaction_id == interaction.id


async def test_slash_command_in_a_guild_replies_ephemerally(fake_discord: FakeDiscord) -> None:
    ann = fake_discord.add_user("ann")
    bob = fake_discord.add_user("bob")
    guild = fake_discord.add_guild("Coders", ann)
    fake_discord.join(guild, bob)
    channel = guild.channels[0]
    async with running_client(TinyBot(), fake_discord):
        await fake_discord.next_registration()
        interaction = await fake_discord.slash(bob, "coach", {"topic": "hcpcs"}, channel=channel)
        reply = await fake_discord.next_message(channel.id)
    assert reply.ephemeral
    assert reply.embeds[0]["description"] == "Today: hcpcs"
    assert interaction.guild_id == guild.id
    assert fake_discord.dms_to(bob) == []


async def test_button_press_is_handled_after_the_client_restarted(
    fake_discord: FakeDiscord,
) -> None:
    ann = fake_discord.add_user("ann")
    async with running_client(TinyBot(), fake_discord):
        await fake_discord.next_registration()
        await fake_discord.slash(ann, "coach", {"topic": "anatomy"})
        reply = await fake_discord.next_message(fake_discord.dm_channel(ann).id)
    async with running_client(TinyBot(sync_commands=False), fake_discord):
        press = await fake_discord.press_button(ann, reply, f"counter:0:user:{ann.id}")
        response = await fake_discord.next_interaction_response(press)
        edited = await fake_discord.next_edit(reply.id)
    assert response.type == UPDATE_MESSAGE
    assert edited.custom_ids() == [f"counter:1:user:{ann.id}"]
    assert edited.embeds == reply.embeds  # an edit keeps what it does not name
    assert len(fake_discord.state.gateway.connections) == 2


async def test_autocomplete_offers_matching_topics(fake_discord: FakeDiscord) -> None:
    ann = fake_discord.add_user("ann")
    async with running_client(TinyBot(), fake_discord):
        await fake_discord.next_registration()
        typing = await fake_discord.autocomplete(ann, "coach", "topic", "co")
        response = await fake_discord.next_interaction_response(typing)
    assert response.type == AUTOCOMPLETE_RESULT
    assert response.data["choices"] == [{"name": "cpt codes", "value": "cpt codes"}]


async def test_answering_twice_gets_40060(fake_discord: FakeDiscord) -> None:
    ann = fake_discord.add_user("ann")
    async with running_client(bot := TinyBot(), fake_discord):
        await fake_discord.next_registration()
        await fake_discord.slash(ann, "twice")
        error = await next_error(bot)
    assert isinstance(error, discord.HTTPException)
    assert (error.status, error.code) == (400, 40060)
    assert [m.content for m in fake_discord.dms_to(ann)] == ["first"]
    assert len(fake_discord.take_violations()) == 1


async def test_content_over_2000_characters_gets_50035(fake_discord: FakeDiscord) -> None:
    ann = fake_discord.add_user("ann")
    async with running_client(bot := TinyBot(), fake_discord):
        await fake_discord.next_registration()
        await fake_discord.slash(ann, "ramble")
        error = await next_error(bot)
    assert isinstance(error, discord.HTTPException)
    assert (error.status, error.code) == (400, 50035)
    assert "content" in error.text and "2000 or fewer" in error.text
    violation = fake_discord.take_violations()[0]
    assert violation.where == "POST /interactions/{interaction_id}/{interaction_token}/callback"


async def test_an_answer_after_the_deadline_gets_10062(fake_discord: FakeDiscord) -> None:
    ann = fake_discord.add_user("ann")
    fake_discord.interactions.deadline_seconds = 0.0  # every answer is late; no sleeping
    async with running_client(bot := TinyBot(), fake_discord):
        await fake_discord.next_registration()
        await fake_discord.slash(ann, "coach", {"topic": "anatomy"})
        error = await next_error(bot)
    assert isinstance(error, discord.NotFound)
    assert error.code == 10062
    assert fake_discord.dms_to(ann) == []
    assert len(fake_discord.take_violations()) == 1


async def test_a_deferred_answer_shows_thinking_then_the_followup_replaces_it(
    fake_discord: FakeDiscord,
) -> None:
    ann = fake_discord.add_user("ann")
    async with running_client(TinyBot(), fake_discord):
        await fake_discord.next_registration()
        interaction = await fake_discord.slash(ann, "think")
        response = await fake_discord.next_interaction_response(interaction)
        answer = await fake_discord.next_message(fake_discord.dm_channel(ann).id)
    thinking = next(m for m in fake_discord.state.records.sent if m.loading)
    assert (response.type, response.ephemeral) == (DEFERRED, True)
    assert thinking.flags == LOADING | EPHEMERAL and thinking.id == answer.id
    assert (answer.content, answer.flags) == ("Done thinking.", EPHEMERAL)
    assert fake_discord.state.records.edits == []  # its first content, not an edit
    assert len(fake_discord.messages_in(fake_discord.dm_channel(ann).id)) == 1
