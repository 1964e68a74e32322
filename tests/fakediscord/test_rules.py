"""Discord's limits on messages and command registrations, as the fake enforces them."""

from typing import Any

import aiohttp
import discord
import pytest

from tests.fakediscord.command_rules import check_commands, valid_name
from tests.fakediscord.errors import DiscordError
from tests.fakediscord.harness import running_client
from tests.fakediscord.message_rules import check_message
from tests.fakediscord.server import FakeDiscord
from tests.fakediscord.tiny_bot import TinyBot


def refusal(data: Any, check: Any = check_message) -> DiscordError:
    """The error `check(data)` raises."""
    with pytest.raises(DiscordError) as raised:
        check(data)
    return raised.value


def button(custom_id: str) -> dict[str, Any]:
    return {"type": 2, "style": 1, "label": "Go", "custom_id": custom_id}


def rows(*per_row: int) -> list[dict[str, Any]]:
    return [
        {"type": 1, "components": [button(f"b{r}-{i}") for i in range(count)]}
        for r, count in enumerate(per_row)
    ]


@pytest.mark.parametrize(
    ("data", "path"),
    [
        ({"content": "x" * 2001}, "content"),
        ({"embeds": [{"description": "x" * 4097}]}, "embeds.0.description"),
        ({"embeds": [{"title": "x" * 257}]}, "embeds.0.title"),
        ({"embeds": [{"fields": [{"name": "n", "value": "v"}] * 26}]}, "embeds.0.fields"),
        ({"embeds": [{"fields": [{"name": "n", "value": ""}]}]}, "embeds.0.fields.0.value"),
        ({"embeds": [{"description": "x" * 4000}, {"description": "x" * 2001}]}, "embeds"),
        ({"embeds": [{"title": "t"}] * 11}, "embeds"),
        ({"content": "x", "components": rows(1, 1, 1, 1, 1, 1)}, "components"),
        ({"content": "x", "components": rows(6)}, "components.0.components"),
        (
            {"content": "x", "components": [{"type": 1, "components": [button("x" * 101)]}]},
            "components.0.components.0.custom_id",
        ),
        (
            {
                "content": "x",
                "components": [{"type": 1, "components": [button("a"), button("a")]}],
            },
            "components.0.components.1.custom_id",
        ),
        (
            {"content": "x", "allowed_mentions": {"parse": ["users"], "users": ["1"]}},
            "allowed_mentions.users",
        ),
    ],
)
def test_a_limit_broken_is_invalid_form_body(data: dict[str, Any], path: str) -> None:
    error = refusal(data)
    assert (error.status, error.code) == (400, 50035)
    assert path in error.errors


def test_the_limits_themselves_are_allowed() -> None:
    check_message({"content": "x" * 2000, "components": rows(5, 5, 5, 5, 5)})
    check_message(
        {"embeds": [{"description": "x" * 4096, "fields": [{"name": "n", "value": "v"}] * 25}]}
    )
    check_message({"embeds": [{"title": "t"}] * 10})


@pytest.mark.parametrize("data", [{}, {"content": "  "}, {"content": "", "components": rows(1)}])
def test_an_empty_message_is_50006(data: dict[str, Any]) -> None:
    error = refusal(data)
    assert (error.status, error.code) == (400, 50006)


def test_the_error_body_nests_like_discord() -> None:
    body = refusal({"embeds": [{"description": "x" * 4097}]}).body()
    assert body == {
        "message": "Invalid Form Body",
        "code": 50035,
        "errors": {
            "embeds": {
                "0": {
                    "description": {
                        "_errors": [
                            {
                                "code": "BASE_TYPE_MAX_LENGTH",
                                "message": "Must be 4096 or fewer in length.",
                            }
                        ]
                    }
                }
            }
        },
    }


@pytest.mark.parametrize("name", ["coach", "icd-10", "ask_me", "médico", "कोड", "x" * 32])
def test_valid_command_names(name: str) -> None:
    assert valid_name(name)


@pytest.mark.parametrize("name", ["Coach", "ask me", "", "x" * 33, "why?", "emoji😀"])
def test_invalid_command_names(name: str) -> None:
    assert not valid_name(name)


def command(**changes: Any) -> dict[str, Any]:
    return {"name": "coach", "description": "Coach me", "type": 1, **changes}


def option(name: str, **changes: Any) -> dict[str, Any]:
    return {"name": name, "description": "An option", "type": 3, **changes}


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ([command(name="Coach")], "0.name"),
        ([command(description="")], "0.description"),
        ([command(description="x" * 101)], "0.description"),
        ([command(), command()], "1.name"),
        ([command(options=[option(f"o{i}") for i in range(26)])], "0.options"),
        (
            [command(options=[option("a", choices=[{"name": "c", "value": "c"}] * 26)])],
            "0.options.0.choices",
        ),
        ([command(options=[option("a"), option("b", required=True)])], "0.options"),
        (
            [
                command(
                    options=[option("a", autocomplete=True, choices=[{"name": "c", "value": "c"}])]
                )
            ],
            "0.options.0.autocomplete",
        ),
    ],
)
def test_a_bad_registration_is_invalid_form_body(body: list[dict[str, Any]], path: str) -> None:
    error = refusal(body, check_commands)
    assert error.code == 50035
    assert path in error.errors


def test_more_than_100_chat_commands_is_30032() -> None:
    body = [command(name=f"c{i}") for i in range(101)]
    assert refusal(body, check_commands).code == 30032


async def test_an_oversized_embed_sent_by_discord_py_is_refused(fake_discord: FakeDiscord) -> None:
    ann = fake_discord.add_user("ann")
    guild = fake_discord.add_guild("Coders", ann)
    async with running_client(bot := TinyBot(sync_commands=False), fake_discord):
        channel = bot.get_channel(guild.channels[0].id)
        assert isinstance(channel, discord.TextChannel)
        with pytest.raises(discord.HTTPException) as raised:
            await channel.send(embed=discord.Embed(description="x" * 4097))
    assert raised.value.code == 50035
    assert [v.where for v in fake_discord.take_violations()] == [
        "POST /channels/{channel_id}/messages"
    ]


async def test_a_bad_registration_over_rest_is_400(fake_discord: FakeDiscord) -> None:
    url = (
        f"{fake_discord.api_base}/applications/{fake_discord.state.world.application_id}/commands"
    )
    headers = {"Authorization": f"Bot {fake_discord.token}"}
    async with (
        aiohttp.ClientSession() as session,
        session.put(url, json=[command(name="Has Spaces")], headers=headers) as response,
    ):
        assert response.status == 400
        assert (await response.json())["code"] == 50035
    assert fake_discord.registrations == []
    assert len(fake_discord.take_violations()) == 1


async def test_routes_discord_lacks_and_missing_tokens_are_violations(
    fake_discord: FakeDiscord,
) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(fake_discord.api_base + "/users/@me") as response:
            assert response.status == 401
        async with session.get(fake_discord.api_base + "/no/such/route") as response:
            assert response.status == 404
    assert [v.where for v in fake_discord.take_violations()] == [
        "GET /users/@me",
        "GET /api/v10/no/such/route",
    ]
