"""Gateway event payloads a user's actions produce: interactions and incoming messages."""

from typing import Any

from tests.fakediscord.commands import CommandBook
from tests.fakediscord.interactions import PendingInteraction
from tests.fakediscord.world import (
    ALL_PERMISSIONS,
    DMChannel,
    FakeChannel,
    FakeGuild,
    World,
)

SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
CONVERTERS: dict[int, type] = {3: str, 4: int, 5: bool, 6: str, 7: str, 8: str, 9: str, 10: float}
GUILD_CONTEXT, BOT_DM_CONTEXT = 0, 1


def interaction_payload(
    world: World,
    pending: PendingInteraction,
    data: dict[str, Any],
    channel: FakeChannel | DMChannel,
    guild: FakeGuild | None,
) -> dict[str, Any]:
    """INTERACTION_CREATE as Discord sends it for a guild-installed bot."""
    payload: dict[str, Any] = {
        "id": str(pending.id),
        "application_id": str(world.application_id),
        "type": pending.type,
        "data": data,
        "channel_id": str(channel.id),
        "token": pending.token,
        "version": 1,
        "locale": pending.user.locale,
        "entitlements": [],
        "attachment_size_limit": 10_485_760,
        "authorizing_integration_owners": {"0": str(guild.id if guild else 0)},
    }
    if guild is None:
        assert isinstance(channel, DMChannel)
        payload["channel"] = channel.payload()
        payload["user"] = pending.user.payload()
        payload["context"] = BOT_DM_CONTEXT
        payload["app_permissions"] = str(ALL_PERMISSIONS & ~(1 << 3))
    else:
        assert isinstance(channel, FakeChannel)
        payload["channel"] = channel.payload(world.bot.id)
        payload["guild_id"] = str(guild.id)
        payload["guild"] = {"id": str(guild.id), "locale": guild.preferred_locale, "features": []}
        payload["guild_locale"] = guild.preferred_locale
        payload["member"] = guild.member_payload(pending.user.id, with_permissions=True)
        payload["context"] = GUILD_CONTEXT
        payload["app_permissions"] = str(guild.permissions_of(world.bot.id, channel))
    if pending.source is not None:
        payload["message"] = pending.source.payload()
    return payload


def command_data(
    commands: CommandBook,
    path: str,
    values: dict[str, Any],
    guild_id: int | None,
    focused: str | None = None,
) -> dict[str, Any]:
    """`data` of a slash command (or autocomplete) invoked as "name [group] [sub]" with values."""
    words = path.split()
    command = commands.find(words[0], guild_id)
    definitions = _subcommand_options(command, words[1:])
    options = _option_values(definitions, values, focused)
    data: dict[str, Any] = {
        "id": command["id"],
        "name": command["name"],
        "type": 1,
        "options": _wrap(words[1:], options),
    }
    if "guild_id" in command:
        data["guild_id"] = command["guild_id"]
    return data


def _subcommand_options(command: dict[str, Any], subpath: list[str]) -> list[dict[str, Any]]:
    definitions = command.get("options") or []
    for word in subpath:
        match = next((o for o in definitions if o["name"] == word), None)
        if match is None or match["type"] not in (SUB_COMMAND, SUB_COMMAND_GROUP):
            raise LookupError(f"{command['name']} has no subcommand {word!r}")
        definitions = match.get("options") or []
    return definitions


def _wrap(subpath: list[str], options: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for depth, word in reversed(list(enumerate(subpath))):
        kind = SUB_COMMAND if depth == len(subpath) - 1 else SUB_COMMAND_GROUP
        options = [{"name": word, "type": kind, "options": options}]
    return options


def _option_values(
    definitions: list[dict[str, Any]], values: dict[str, Any], focused: str | None
) -> list[dict[str, Any]]:
    """Check values as Discord's client would (names, required, choices) and type them."""
    by_name = {option["name"]: option for option in definitions}
    unknown = set(values) - set(by_name)
    if unknown:
        raise LookupError(f"no option(s) {sorted(unknown)}")
    if focused is not None and not by_name.get(focused, {}).get("autocomplete"):
        raise ValueError(f"option {focused!r} has no autocomplete")
    missing = [n for n, o in by_name.items() if o.get("required") and n not in values]
    if missing and focused is None:
        raise ValueError(f"the Discord client requires {missing}")
    built = []
    for name, value in values.items():
        definition = by_name[name]
        choices = [choice["value"] for choice in definition.get("choices") or []]
        if focused != name and choices and value not in choices:
            raise ValueError(f"{value!r} is not a choice of {name!r}")
        typed = str(value) if focused == name else CONVERTERS[definition["type"]](value)
        option = {"name": name, "type": definition["type"], "value": typed}
        if focused == name:
            option["focused"] = True
        built.append(option)
    return built
