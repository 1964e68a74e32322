"""REST routes about the bot itself: the user, the application, the gateway, commands."""

from typing import Any

from tests.fakediscord import errors
from tests.fakediscord.records import CommandRegistration
from tests.fakediscord.rest import Answer, Call, Route


async def get_me(call: Call) -> Answer:
    """GET /users/@me."""
    return 200, {**call.state.world.bot.payload(), "verified": True, "mfa_enabled": False}


async def get_application(call: Call) -> Answer:
    """GET /oauth2/applications/@me."""
    world = call.state.world
    data: dict[str, Any] = {
        "id": str(world.application_id),
        "name": world.bot.username,
        "icon": None,
        "description": "",
        "bot_public": True,
        "bot_require_code_grant": False,
        "owner": world.developer.payload(),
        "team": None,
        "verify_key": "0" * 64,
        "flags": 0,
        "summary": "",
        "bot": world.bot.payload(),
        "interactions_endpoint_url": None,
        "install_params": {"scopes": ["bot", "applications.commands"], "permissions": "0"},
    }
    return 200, data


async def get_gateway(call: Call) -> Answer:
    """GET /gateway."""
    return 200, {"url": call.state.gateway.url}


async def get_gateway_bot(call: Call) -> Answer:
    """GET /gateway/bot."""
    limit = {"total": 1000, "remaining": 999, "reset_after": 14_400_000, "max_concurrency": 1}
    return 200, {"url": call.state.gateway.url, "shards": 1, "session_start_limit": limit}


def _scope(call: Call) -> int | None:
    if call.snowflake("application_id") != call.state.world.application_id:
        raise errors.missing_access()
    if "guild_id" not in call.params:
        return None
    guild_id = call.snowflake("guild_id")
    if guild_id not in call.state.world.guilds or guild_id in call.state.left_guilds:
        raise errors.missing_access()
    return guild_id


async def list_commands(call: Call) -> Answer:
    """GET the global or one guild's commands; as Discord, without their localizations
    unless ``?with_localizations=true``."""
    listed = call.state.commands.listed(_scope(call))
    if call.query.get("with_localizations") == "true":
        return 200, listed
    return 200, [_unlocalized(command) for command in listed]


def _unlocalized(item: Any) -> Any:
    if isinstance(item, list):
        return [_unlocalized(value) for value in item]
    if not isinstance(item, dict):
        return item
    return {
        key: _unlocalized(value)
        for key, value in item.items()
        if key not in ("name_localizations", "description_localizations")
    }


async def overwrite_commands(call: Call) -> Answer:
    """PUT (bulk overwrite) the global or one guild's commands."""
    guild_id = _scope(call)
    stored = call.state.commands.overwrite(guild_id, call.body)
    records = call.state.records
    records.add(records.registrations, CommandRegistration(guild_id, list(call.body)))
    return 200, stored


ROUTES: list[Route] = [
    ("GET", "/users/@me", get_me),
    ("GET", "/oauth2/applications/@me", get_application),
    ("GET", "/gateway", get_gateway),
    ("GET", "/gateway/bot", get_gateway_bot),
    ("GET", "/applications/{application_id}/commands", list_commands),
    ("PUT", "/applications/{application_id}/commands", overwrite_commands),
    ("GET", "/applications/{application_id}/guilds/{guild_id}/commands", list_commands),
    ("PUT", "/applications/{application_id}/guilds/{guild_id}/commands", overwrite_commands),
]
