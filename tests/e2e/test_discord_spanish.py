"""Spanish on Discord, end to end through the fake: command localizations, /language with its
buttons, and requests said in plain words."""

from __future__ import annotations

from pathlib import Path

from bot.guide import load_guides
from tests.fakediscord.coach import coach_on_discord, text_of
from tests.fakediscord.harness import fake_discord
from tests.fakediscord.server import FakeDiscord

__all__ = ["fake_discord"]  # the fixture, used by name

GUIDES = load_guides()
ES = GUIDES.for_language("es")


def registered(fake: FakeDiscord, name: str) -> dict:
    for scope in fake.state.commands.scopes.values():
        for command in scope:
            if command["name"] == name:
                return command
    raise LookupError(name)


async def test_commands_are_registered_with_spanish_localizations(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    async with coach_on_discord(fake_discord, tmp_path):
        remind = registered(fake_discord, "remind")
        steps = registered(fake_discord, "steps")
    spanish = ES.messages.text("commands.remind")
    assert remind["description_localizations"] == {"es-ES": spanish, "es-419": spanish}
    assert remind["description"] == GUIDES.messages.text("commands.remind")
    time = next(option for option in remind["options"] if option["name"] == "time")
    assert time["description_localizations"]["es-419"] == ES.messages.text("discord.remind_time")
    choices = steps["options"][0]["choices"]
    assert choices[0]["name_localizations"]["es-ES"] == f"1. {ES.steps[0].title}"[:100]


async def test_language_by_slash_command_and_back_by_button(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    ann = fake_discord.add_user("ann", locale="en-US")
    async with coach_on_discord(fake_discord, tmp_path):
        chosen = await fake_discord.next_reply(
            await fake_discord.slash(ann, "language", {"language": "español"})
        )
        assert ES.messages.text("language.set", name="Español") in text_of(chosen)
        salary = await fake_discord.next_reply(await fake_discord.slash(ann, "salary"))
        assert ES.section("salary").title in text_of(salary)
        picker = await fake_discord.next_reply(await fake_discord.slash(ann, "language"))
        assert {"lang:en", "lang:es", "lang:auto"} <= set(picker.custom_ids())
        press = await fake_discord.press_button(ann, picker, "lang:auto")
        await fake_discord.next_interaction_response(press)
        await fake_discord.next_edit(picker.id)
        again = await fake_discord.next_reply(await fake_discord.slash(ann, "salary"))
        assert GUIDES.section("salary").title in text_of(again)


async def test_plain_words_by_dm_offer_a_reminder_in_spanish(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    ana = fake_discord.add_user("ana", locale="es-ES")
    async with coach_on_discord(fake_discord, tmp_path):
        await fake_discord.send_message(ana, "recuérdame todos los días a las 8 de la noche")
        offer = await fake_discord.next_message(fake_discord.dm_channel(ana).id)
        await fake_discord.send_message(ana, "¡muchas gracias!")
        thanks = await fake_discord.next_message(fake_discord.dm_channel(ana).id)
    assert "20:00" in text_of(offer)
    assert any(cid.startswith("rf:2000:") for cid in offer.custom_ids())
    assert "dismiss" in offer.custom_ids()
    assert ES.messages.text("intents.thanks") in text_of(thanks)
