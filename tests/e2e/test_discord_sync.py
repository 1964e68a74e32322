"""Slash commands are registered at start-up only when the registry changed: each start reads
the registered commands (one GET) and overwrites them (one PUT) only on a difference."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from bot.guide import load_guide
from tests.fakediscord.coach import coach_on_discord
from tests.fakediscord.harness import fake_discord
from tests.fakediscord.server import FakeDiscord

__all__ = ["fake_discord"]

LIST = "GET /applications/{application_id}/commands"
OVERWRITE = "PUT /applications/{application_id}/commands"


def calls(fake: FakeDiscord, route: str) -> int:
    return len(fake.state.records.requests_to(route))


async def test_a_second_start_with_the_same_registry_overwrites_nothing(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    ann = fake_discord.add_user("ann")
    async with coach_on_discord(fake_discord, tmp_path):
        pass
    first = (calls(fake_discord, LIST), calls(fake_discord, OVERWRITE))
    async with coach_on_discord(fake_discord, tmp_path):
        interaction = await fake_discord.slash(ann, "certs", {"code": "CPC"})  # still works
        reply = await fake_discord.next_reply(interaction)
    assert first == (1, 1)
    assert (calls(fake_discord, LIST), calls(fake_discord, OVERWRITE)) == (2, 1)
    assert "CPC" in str(reply.embeds)


async def test_a_changed_registry_is_overwritten_at_the_next_start(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    guide = load_guide()
    async with coach_on_discord(fake_discord, tmp_path, guide=guide):
        pass
    fewer = replace(guide, certifications=guide.certifications[:-1])  # one code less
    async with coach_on_discord(fake_discord, tmp_path, guide=fewer):
        pass
    assert calls(fake_discord, OVERWRITE) == 2
    certs = next(c for c in fake_discord.registrations[-1].commands if c["name"] == "certs")
    codes = [choice["value"] for choice in certs["options"][0]["choices"]]
    assert codes == [c.code for c in fewer.certifications]


async def test_commands_changed_elsewhere_are_put_back(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    async with coach_on_discord(fake_discord, tmp_path):
        pass
    registered = fake_discord.state.commands.scopes[None]
    registered[0] = {**registered[0], "description": "changed in the developer portal"}
    del registered[-1]
    async with coach_on_discord(fake_discord, tmp_path):
        pass
    assert calls(fake_discord, OVERWRITE) == 2
    assert fake_discord.registrations[-1].commands == fake_discord.registrations[0].commands
