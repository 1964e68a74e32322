"""The fake Discord's world: the bot, users, guilds with roles, channels and members, DMs.

Each object renders itself as the JSON Discord sends (`payload()`), so the REST routes and the
gateway describe one consistent world.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tests.fakediscord.snowflakes import SnowflakeFactory

# Permission bits (https://discord.com/developers/docs/topics/permissions).
ADMINISTRATOR = 1 << 3
MANAGE_GUILD = 1 << 5
ADD_REACTIONS = 1 << 6
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
USE_APPLICATION_COMMANDS = 1 << 31
ALL_PERMISSIONS = (1 << 51) - 1
EVERYONE_DEFAULT = (
    VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | ADD_REACTIONS
    | USE_APPLICATION_COMMANDS
)

# Gateway intents the fake checks before dispatching an event.
GUILDS = 1 << 0
GUILD_MESSAGES = 1 << 9
DIRECT_MESSAGES = 1 << 12
MESSAGE_CONTENT = 1 << 15

GUILD_TEXT = 0
DM = 1
JOINED_AT = "2024-01-01T00:00:00.000000+00:00"


def iso_now() -> str:
    """The current time as Discord writes timestamps."""
    return datetime.now(UTC).isoformat()


@dataclass
class FakeUser:
    """A Discord user; `accepts_dms=False` makes DMs to them fail with 50007."""

    id: int
    username: str
    global_name: str | None = None
    bot: bool = False
    accepts_dms: bool = True
    locale: str = "en-US"  # the language of the user's Discord client (interactions carry it)

    def payload(self) -> dict[str, Any]:
        """The user object."""
        return {
            "id": str(self.id),
            "username": self.username,
            "global_name": self.global_name,
            "discriminator": "0",
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
            "flags": 0,
        }


@dataclass
class FakeRole:
    """A guild role; the @everyone role has the guild's id."""

    id: int
    name: str
    permissions: int = 0
    position: int = 0

    def payload(self) -> dict[str, Any]:
        """The role object."""
        return {
            "id": str(self.id),
            "name": self.name,
            "color": 0,
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": False,
            "mentionable": False,
            "flags": 0,
        }


@dataclass
class FakeChannel:
    """A guild text channel; `bot_denied` is an overwrite denying the bot these permissions."""

    id: int
    name: str
    guild_id: int
    bot_denied: int = 0
    position: int = 0

    def payload(self, bot_id: int) -> dict[str, Any]:
        """The channel object, with the bot's overwrite if any."""
        overwrites = []
        if self.bot_denied:
            overwrites.append(
                {"id": str(bot_id), "type": 1, "allow": "0", "deny": str(self.bot_denied)}
            )
        return {
            "id": str(self.id),
            "type": GUILD_TEXT,
            "guild_id": str(self.guild_id),
            "name": self.name,
            "position": self.position,
            "permission_overwrites": overwrites,
            "topic": None,
            "nsfw": False,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "parent_id": None,
            "flags": 0,
        }


@dataclass
class FakeMember:
    """A user's membership of a guild."""

    user: FakeUser
    role_ids: list[int] = field(default_factory=list)
    nick: str | None = None


@dataclass
class FakeGuild:
    """A guild with its roles, text channels and members."""

    id: int
    name: str
    owner_id: int
    roles: list[FakeRole] = field(default_factory=list)
    channels: list[FakeChannel] = field(default_factory=list)
    members: dict[int, FakeMember] = field(default_factory=dict)
    preferred_locale: str = "en-US"

    def role(self, role_id: int) -> FakeRole:
        """The role with `role_id`."""
        return next(role for role in self.roles if role.id == role_id)

    def permissions_of(self, user_id: int, channel: FakeChannel | None = None) -> int:
        """The member's permissions (owner and administrator get all), in `channel` if given."""
        if user_id == self.owner_id:
            return ALL_PERMISSIONS
        member = self.members.get(user_id)
        role_ids = [self.id, *(member.role_ids if member else [])]
        value = 0
        for role in self.roles:
            if role.id in role_ids:
                value |= role.permissions
        if value & ADMINISTRATOR:
            return ALL_PERMISSIONS
        if channel is not None and member is not None and member.user.bot:
            value &= ~channel.bot_denied
        return value

    def member_payload(self, user_id: int, *, with_permissions: bool = False) -> dict[str, Any]:
        """The guild member object (with `permissions`, as interactions carry it)."""
        member = self.members[user_id]
        data: dict[str, Any] = {
            "user": member.user.payload(),
            "nick": member.nick,
            "avatar": None,
            "roles": [str(role_id) for role_id in member.role_ids],
            "joined_at": JOINED_AT,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }
        if with_permissions:
            data["permissions"] = str(self.permissions_of(user_id))
        return data

    def payload(self, bot_id: int) -> dict[str, Any]:
        """The GUILD_CREATE payload: the guild with channels, roles and members."""
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "owner_id": str(self.owner_id),
            "unavailable": False,
            "large": False,
            "member_count": len(self.members),
            "joined_at": JOINED_AT,
            "roles": [role.payload() for role in self.roles],
            "channels": [channel.payload(bot_id) for channel in self.channels],
            "members": [self.member_payload(user_id) for user_id in self.members],
            "threads": [],
            "presences": [],
            "voice_states": [],
            "emojis": [],
            "stickers": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "features": [],
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "preferred_locale": self.preferred_locale,
            "system_channel_id": None,
            "afk_channel_id": None,
            "afk_timeout": 300,
            "application_id": None,
        }


@dataclass
class DMChannel:
    """A DM channel between the bot and one user."""

    id: int
    recipient: FakeUser

    def payload(self) -> dict[str, Any]:
        """The DM channel object."""
        return {
            "id": str(self.id),
            "type": DM,
            "last_message_id": None,
            "flags": 0,
            "recipients": [self.recipient.payload()],
        }


class World:
    """Everything the fake knows: the bot, its application, users, guilds and DM channels."""

    def __init__(self, bot: FakeUser, application_id: int, ids: SnowflakeFactory) -> None:
        self.bot = bot
        self.application_id = application_id
        self.ids = ids
        self.developer = FakeUser(ids.next(), "developer", "Developer")  # owns the application
        self.users: dict[int, FakeUser] = {bot.id: bot, self.developer.id: self.developer}
        self.guilds: dict[int, FakeGuild] = {}
        self.left_guilds: set[int] = set()  # guilds the bot was removed from
        self.dms: dict[int, DMChannel] = {}  # recipient id -> channel

    def add_user(
        self, username: str, *, accepts_dms: bool = True, locale: str = "en-US"
    ) -> FakeUser:
        """A new user (not yet in any guild)."""
        user = FakeUser(
            self.ids.next(), username, username.title(), accepts_dms=accepts_dms, locale=locale
        )
        self.users[user.id] = user
        return user

    def add_guild(
        self,
        name: str,
        owner: FakeUser,
        *,
        channels: tuple[str, ...] = ("general",),
        everyone_permissions: int = EVERYONE_DEFAULT,
    ) -> FakeGuild:
        """A guild owned by `owner` with text channels; the bot is a member with its own role."""
        guild_id = self.ids.next()
        guild = FakeGuild(guild_id, name, owner.id)
        guild.roles.append(FakeRole(guild_id, "@everyone", everyone_permissions))
        bot_role = FakeRole(self.ids.next(), self.bot.username, EVERYONE_DEFAULT, position=1)
        guild.roles.append(bot_role)
        for position, channel_name in enumerate(channels):
            guild.channels.append(
                FakeChannel(self.ids.next(), channel_name, guild_id, 0, position)
            )
        guild.members[owner.id] = FakeMember(owner)
        guild.members[self.bot.id] = FakeMember(self.bot, [bot_role.id])
        self.guilds[guild_id] = guild
        return guild

    def add_role(self, guild: FakeGuild, name: str, permissions: int) -> FakeRole:
        """A new role in `guild`."""
        role = FakeRole(self.ids.next(), name, permissions, position=len(guild.roles))
        guild.roles.append(role)
        return role

    def join(self, guild: FakeGuild, user: FakeUser, *roles: FakeRole) -> FakeMember:
        """Make `user` a member of `guild` with `roles`."""
        member = FakeMember(user, [role.id for role in roles])
        guild.members[user.id] = member
        return member

    def dm_with(self, user: FakeUser) -> DMChannel:
        """The DM channel with `user` (created on first use, like POST /users/@me/channels)."""
        if user.id not in self.dms:
            self.dms[user.id] = DMChannel(self.ids.next(), user)
        return self.dms[user.id]

    def find_channel(self, channel_id: int) -> tuple[FakeChannel | DMChannel, FakeGuild | None]:
        """The channel with `channel_id` and its guild; KeyError if unknown."""
        for dm in self.dms.values():
            if dm.id == channel_id:
                return dm, None
        for guild in self.guilds.values():
            for channel in guild.channels:
                if channel.id == channel_id:
                    return channel, guild
        raise KeyError(channel_id)
