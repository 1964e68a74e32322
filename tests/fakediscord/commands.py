"""The application commands the bot registered, globally and per guild, with stable ids."""

from typing import Any

from tests.fakediscord.command_rules import check_commands
from tests.fakediscord.snowflakes import SnowflakeFactory


class CommandBook:
    """Registered commands; a bulk overwrite keeps the id of a command whose name stays."""

    def __init__(self, application_id: int, ids: SnowflakeFactory) -> None:
        self.application_id = application_id
        self.ids = ids
        self.scopes: dict[int | None, list[dict[str, Any]]] = {}  # guild id (None: global)

    def overwrite(self, guild_id: int | None, body: Any) -> list[dict[str, Any]]:
        """Validate and store a bulk overwrite; return the commands as Discord echoes them."""
        check_commands(body)
        known = {(c["type"], c["name"]): c["id"] for c in self.scopes.get(guild_id, [])}
        stored = []
        for command in body:
            kind = command.get("type", 1)
            entry = {
                "id": known.get((kind, command["name"])) or str(self.ids.next()),
                "application_id": str(self.application_id),
                "version": str(self.ids.next()),
                "type": kind,
                "name": command["name"],
                "description": command.get("description", ""),
                "name_localizations": command.get("name_localizations"),
                "description_localizations": command.get("description_localizations"),
                "options": command.get("options") or [],
                "default_member_permissions": command.get("default_member_permissions"),
                "dm_permission": command.get("dm_permission", True),
                "nsfw": command.get("nsfw", False),
                "contexts": command.get("contexts"),
                "integration_types": command.get("integration_types") or [0],
            }
            if guild_id is not None:
                entry["guild_id"] = str(guild_id)
            stored.append(entry)
        self.scopes[guild_id] = stored
        return stored

    def listed(self, guild_id: int | None) -> list[dict[str, Any]]:
        """GET .../commands."""
        return list(self.scopes.get(guild_id, []))

    def find(self, name: str, guild_id: int | None, kind: int = 1) -> dict[str, Any]:
        """The command a user can invoke by `name` there (guild commands first)."""
        scopes = [guild_id, None] if guild_id is not None else [None]
        for scope in scopes:
            for command in self.scopes.get(scope, []):
                if command["name"] == name and command["type"] == kind:
                    return command
        raise LookupError(f"no registered command {name!r} usable in guild {guild_id}")
