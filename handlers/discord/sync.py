"""Register the slash commands at start-up only when they differ from what Discord holds.

A bulk overwrite (``PUT /applications/{id}/commands``) on every start is wasteful and Discord
limits it (200 creates a day); comparing with a stored hash would miss changes made elsewhere
(another deployment of the same application, the developer portal). So each start reads the
registered global commands (one ``GET``) and overwrites them only when they differ from what
the command tree generates from the registry. Both sides are compared in one canonical form:
Discord echoes defaults (``required: false``, ``integration_types: [0]``, empty
localizations) that the tree may leave out, and the order of commands does not matter.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

import discord
from discord import app_commands
from discord.http import Route

log = logging.getLogger(__name__)

Canonical = dict[tuple[int, str], dict[str, Any]]
GUILD_INSTALL = [0]  # the integration type Discord assumes when none is given


def _localized(value: Any) -> Any:
    return value or None  # None, {} and a missing key all mean "no localizations"


def _option(option: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "type": option["type"],
        "name": option["name"],
        "description": option.get("description", ""),
        "name_localizations": _localized(option.get("name_localizations")),
        "description_localizations": _localized(option.get("description_localizations")),
        "required": bool(option.get("required", False)),
        "autocomplete": bool(option.get("autocomplete", False)),
        "choices": [
            {
                "name": choice["name"],
                "value": choice["value"],
                "name_localizations": _localized(choice.get("name_localizations")),
            }
            for choice in option.get("choices") or []
        ],
        "channel_types": sorted(option.get("channel_types") or []),
        "min_value": option.get("min_value"),
        "max_value": option.get("max_value"),
        "min_length": option.get("min_length"),
        "max_length": option.get("max_length"),
        "options": [_option(sub) for sub in option.get("options") or []],
    }


def canonical(commands: Iterable[Mapping[str, Any]]) -> Canonical:
    """Commands as Discord stores them (JSON objects), keyed by (type, name), defaults filled."""
    found: Canonical = {}
    for command in commands:
        kind = int(command.get("type") or 1)
        permissions = command.get("default_member_permissions")
        found[kind, command["name"]] = {
            "description": command.get("description", ""),
            "name_localizations": _localized(command.get("name_localizations")),
            "description_localizations": _localized(command.get("description_localizations")),
            "options": [_option(option) for option in command.get("options") or []],
            "default_member_permissions": None if permissions is None else str(permissions),
            "nsfw": bool(command.get("nsfw", False)),
            "dm_permission": bool(command.get("dm_permission", True)),
            "contexts": sorted(command["contexts"]) if command.get("contexts") else None,
            "integration_types": sorted(command.get("integration_types") or GUILD_INSTALL),
        }
    return found


async def sync_if_changed(tree: app_commands.CommandTree[Any], client: discord.Client) -> bool:
    """Overwrite the global commands if they differ from ``tree``'s; return whether it did.

    Call after login (the application id is known). Raises discord.HTTPException when Discord
    refuses the read or the overwrite.
    """
    application_id = client.application_id
    if application_id is None:
        raise RuntimeError("log in before syncing the commands")
    # discord.py's get_global_commands leaves localizations out of the answer, and they
    # are part of what must match.
    route = Route("GET", "/applications/{application_id}/commands", application_id=application_id)
    registered = await client.http.request(route, params={"with_localizations": "true"})
    translator = tree.translator
    wanted = [
        await command.get_translated_payload(tree, translator)
        if translator is not None
        else command.to_dict(tree)
        for command in tree.get_commands()
    ]
    if canonical(registered) == canonical(wanted):
        log.info("discord: %d slash commands already registered, not synced", len(wanted))
        return False
    await tree.sync()
    log.info("discord: slash commands changed; %d registered", len(wanted))
    return True
