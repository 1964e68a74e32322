"""The fake's shared state and the message operations REST routes and interactions share."""

from dataclasses import dataclass, field
from typing import Any

from tests.fakediscord import errors
from tests.fakediscord.commands import CommandBook
from tests.fakediscord.faults import Faults
from tests.fakediscord.gateway import Gateway
from tests.fakediscord.message_rules import check_message, is_empty
from tests.fakediscord.messages import EDITABLE, LOADING, MessageStore, StoredMessage, pinged
from tests.fakediscord.ratelimit import RateLimiter
from tests.fakediscord.records import EPHEMERAL, Records
from tests.fakediscord.world import (
    DIRECT_MESSAGES,
    GUILD_MESSAGES,
    SEND_MESSAGES,
    VIEW_CHANNEL,
    DMChannel,
    FakeChannel,
    FakeGuild,
    FakeUser,
    World,
)


@dataclass
class FakeState:
    """Everything one fake Discord holds, shared by its routes, gateway and test controls."""

    token: str
    world: World
    records: Records
    gateway: Gateway
    limiter: RateLimiter
    commands: CommandBook
    messages: MessageStore = field(default_factory=MessageStore)
    left_guilds: set[int] = field(default_factory=set)
    faults: Faults = field(default_factory=Faults)

    def visible_channel(self, channel_id: int) -> tuple[FakeChannel | DMChannel, FakeGuild | None]:
        """The channel if the bot can see it: else 10003 (unknown) or 50001 (missing access)."""
        try:
            channel, guild = self.world.find_channel(channel_id)
        except KeyError:
            raise errors.unknown(errors.UNKNOWN_CHANNEL, "Channel") from None
        if guild is not None:
            if guild.id in self.left_guilds:
                raise errors.missing_access()
            assert isinstance(channel, FakeChannel)
            if not guild.permissions_of(self.world.bot.id, channel) & VIEW_CHANNEL:
                raise errors.missing_access()
        return channel, guild

    def writable_channel(
        self, channel_id: int
    ) -> tuple[FakeChannel | DMChannel, FakeGuild | None]:
        """The channel if the bot may post there: else also 50013 or, in a DM, 50007."""
        channel, guild = self.visible_channel(channel_id)
        if isinstance(channel, DMChannel) and not channel.recipient.accepts_dms:
            raise errors.cannot_message_user()
        if (
            guild is not None
            and isinstance(channel, FakeChannel)
            and not guild.permissions_of(self.world.bot.id, channel) & SEND_MESSAGES
        ):
            raise errors.missing_permissions()
        return channel, guild

    def post_message(
        self,
        channel_id: int,
        guild_id: int | None,
        fields: dict[str, Any],
        *,
        author: FakeUser | None = None,
        interaction_id: int | None = None,
    ) -> StoredMessage:
        """Validate and create a message by the bot (or `author`); record it."""
        check_message(fields)
        kept = {key: value for key, value in fields.items() if value is not None}
        message = StoredMessage(
            id=self.world.ids.next(),
            channel_id=channel_id,
            guild_id=guild_id,
            author=author or self.world.bot,
            fields=kept,
            interaction_id=interaction_id,
            webhook_id=self.world.application_id if interaction_id else None,
        )
        self._resolve_mentions(message)
        self.messages.add(message)
        if message.author is self.world.bot:
            self.records.add(self.records.sent, message.snapshot())
            self._answered(message)
        return message

    def edit_message(self, message: StoredMessage, changes: dict[str, Any]) -> StoredMessage:
        """Validate and apply an edit of one of the bot's messages; record it.

        The edit that ends a deferred response's "thinking…" gives the message its first
        content: it is recorded with the sent messages, not with the edits."""
        was_loading = bool(message.flags & LOADING)
        if message.author is not self.world.bot:
            raise errors.cannot_edit_others_message()
        check_message(changes, partial=True)
        merged = {**message.fields, **{k: changes[k] for k in EDITABLE if k in changes}}
        if is_empty(merged):
            raise errors.empty_message()
        self.messages.apply_edit(message, changes)
        self._resolve_mentions(message)
        kind = self.records.sent if was_loading else self.records.edits
        self.records.add(kind, message.snapshot())
        self._answered(message)
        return message

    def _answered(self, message: StoredMessage) -> None:
        """Record a visible state of an interaction's message (not "thinking…") as a reply."""
        if message.interaction_id is not None and not message.flags & LOADING:
            self.records.add(self.records.replies, message.snapshot())

    def _resolve_mentions(self, message: StoredMessage) -> None:
        content = message.fields.get("content") or ""
        allowed = message.fields.get("allowed_mentions")
        message.mentions, message.mention_roles = pinged(content, allowed, self.world.users)

    async def announce(self, event: str, message: StoredMessage) -> None:
        """Dispatch MESSAGE_CREATE/UPDATE for a visible message to a session whose intents ask."""
        session = self.gateway.current
        if session is None or message.flags & EPHEMERAL:
            return
        intent = GUILD_MESSAGES if message.guild_id is not None else DIRECT_MESSAGES
        if session.intents & intent:
            await self.gateway.dispatch(event, message.payload())
