"""What a test does as Discord's users: invoke commands, press buttons, write, leave guilds.

Each control builds the event as Discord would, refuses what a real client could not send
(an unregistered command, a button that is not on the message), dispatches it on the gateway
and returns at once; the test then awaits the bot's answer with a `next_*` helper.
"""

from typing import Any

from tests.fakediscord.events import command_data, interaction_payload
from tests.fakediscord.interactions import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    MESSAGE_COMPONENT,
    InteractionBook,
    PendingInteraction,
)
from tests.fakediscord.messages import StoredMessage, pinged
from tests.fakediscord.ratelimit import RateLimiter
from tests.fakediscord.records import (
    CommandRegistration,
    InteractionResponse,
    RequestRecord,
    SentMessage,
    Violation,
)
from tests.fakediscord.state import FakeState
from tests.fakediscord.world import (
    DIRECT_MESSAGES,
    GUILD_MESSAGES,
    MESSAGE_CONTENT,
    DMChannel,
    FakeChannel,
    FakeGuild,
    FakeRole,
    FakeUser,
)

DEFAULT_TIMEOUT = 5.0


class EventControls:
    """Test controls and awaitable records; mixed into `FakeDiscord`."""

    state: FakeState
    interactions: InteractionBook

    # The world ---------------------------------------------------------------------------------

    @property
    def bot(self) -> FakeUser:
        """The bot's user."""
        return self.state.world.bot

    def add_user(
        self, username: str, *, accepts_dms: bool = True, locale: str = "en-US"
    ) -> FakeUser:
        """A user; with `accepts_dms=False` a DM to them fails with 403 / 50007; `locale` is
        their Discord client's language, which their interactions carry."""
        return self.state.world.add_user(username, accepts_dms=accepts_dms, locale=locale)

    def add_guild(
        self, name: str, owner: FakeUser, channels: tuple[str, ...] = ("general",)
    ) -> FakeGuild:
        """A guild with text channels, the bot in it (add guilds before the client connects)."""
        return self.state.world.add_guild(name, owner, channels=channels)

    def add_role(self, guild: FakeGuild, name: str, permissions: int) -> FakeRole:
        """A role in `guild`."""
        return self.state.world.add_role(guild, name, permissions)

    def join(self, guild: FakeGuild, user: FakeUser, *roles: FakeRole) -> None:
        """Make `user` a member of `guild`."""
        self.state.world.join(guild, user, *roles)

    def dm_channel(self, user: FakeUser) -> DMChannel:
        """The DM channel between the bot and `user`."""
        return self.state.world.dm_with(user)

    # Events ------------------------------------------------------------------------------------

    async def slash(
        self,
        user: FakeUser,
        command: str,
        options: dict[str, Any] | None = None,
        *,
        channel: FakeChannel | None = None,
    ) -> PendingInteraction:
        """`user` runs "/command [sub] [options]" in `channel` (or in their DM with the bot)."""
        where, guild = self._where(user, channel)
        data = command_data(
            self.state.commands, command, options or {}, guild.id if guild else None
        )
        self._check_may_invoke(user, data, guild)
        return await self._interact(APPLICATION_COMMAND, user, data, where, guild)

    async def autocomplete(
        self,
        user: FakeUser,
        command: str,
        focused: str,
        typed: str,
        options: dict[str, Any] | None = None,
        *,
        channel: FakeChannel | None = None,
    ) -> PendingInteraction:
        """`user` types `typed` into option `focused` of /command."""
        where, guild = self._where(user, channel)
        values = {**(options or {}), focused: typed}
        data = command_data(
            self.state.commands, command, values, guild.id if guild else None, focused
        )
        return await self._interact(AUTOCOMPLETE, user, data, where, guild)

    async def press_button(
        self, user: FakeUser, message: SentMessage, custom_id: str
    ) -> PendingInteraction:
        """`user` presses the button `custom_id` on `message` (which must carry it, enabled)."""
        stored = self.state.messages.by_id.get(message.id)
        if stored is None:
            raise LookupError(f"message {message.id} is gone")
        buttons = [
            item
            for row in stored.fields.get("components") or []
            for item in row.get("components", [])
        ]
        button = next((b for b in buttons if b.get("custom_id") == custom_id), None)
        if button is None or button.get("disabled"):
            raise LookupError(f"no enabled component {custom_id!r} on message {message.id}")
        owner = self.interactions.by_id.get(stored.interaction_id or 0)
        if stored.flags & (1 << 6) and owner is not None and owner.user.id != user.id:
            raise PermissionError("only the user who got an ephemeral message sees its buttons")
        channel, guild = self.state.world.find_channel(stored.channel_id)
        data = {"custom_id": custom_id, "component_type": button["type"]}
        return await self._interact(MESSAGE_COMPONENT, user, data, channel, guild, stored)

    async def send_message(
        self, author: FakeUser, content: str, *, channel: FakeChannel | None = None
    ) -> dict[str, Any] | None:
        """`author` writes in `channel` (or DMs the bot); the MESSAGE_CREATE sent, or None.

        Without the MESSAGE_CONTENT intent the bot gets a guild message's content only when the
        message mentions it; without GUILD_MESSAGES / DIRECT_MESSAGES it gets no event at all.
        """
        where, guild = self._where(author, channel)
        message = StoredMessage(
            self.state.world.ids.next(),
            where.id,
            guild.id if guild else None,
            author,
            {"content": content},
        )
        message.mentions, message.mention_roles = pinged(content, None, self.state.world.users)
        self.state.messages.add(message)
        session = self.state.gateway.current
        if session is None or not session.intents & (GUILD_MESSAGES if guild else DIRECT_MESSAGES):
            return None
        payload = message.payload()
        if guild is not None:
            member = guild.member_payload(author.id)
            payload["member"] = {key: value for key, value in member.items() if key != "user"}
            mentioned = any(user.id == self.bot.id for user in message.mentions)
            if not session.intents & MESSAGE_CONTENT and not mentioned:
                payload.update(content="", embeds=[], attachments=[], components=[])
        await self.state.gateway.dispatch("MESSAGE_CREATE", payload)
        return payload

    async def remove_guild(self, guild: FakeGuild, *, outage: bool = False) -> None:
        """GUILD_DELETE: the bot left `guild` (or, with `outage`, the guild is unavailable)."""
        data: dict[str, Any] = {"id": str(guild.id)}
        if outage:
            data["unavailable"] = True
        else:
            self.state.left_guilds.add(guild.id)
        await self.state.gateway.dispatch("GUILD_DELETE", data)

    async def add_back(self, guild: FakeGuild) -> None:
        """GUILD_CREATE: the bot was invited back to `guild` it had been removed from."""
        self.state.left_guilds.discard(guild.id)
        await self.state.gateway.dispatch("GUILD_CREATE", guild.payload(self.bot.id))

    def fail_next(self, route: str | None = None, status: int = 503, *, times: int = 1) -> None:
        """Answer the next `times` requests to `route` (None: any) with `status` (a 5xx)."""
        self.state.faults.fail_next(route, status, times=times)

    async def request_reconnect(self) -> None:
        """Send op 7 RECONNECT; the client should RESUME and get events it missed."""
        await self.state.gateway.request_reconnect()

    async def wait_identified(self, timeout: float = DEFAULT_TIMEOUT) -> None:  # noqa: ASYNC109
        """Until a client has identified and READY was sent."""
        await self.state.records.wait_for(lambda: self.state.gateway.current, timeout)

    @property
    def limiter(self) -> RateLimiter:
        """Rate limits: set `limiter.limits`, or `limiter.force_429(route)` for one refusal."""
        return self.state.limiter

    # Records -----------------------------------------------------------------------------------

    @property
    def requests(self) -> list[RequestRecord]:
        """Every REST request, oldest first."""
        return self.state.records.requests

    @property
    def violations(self) -> list[Violation]:
        """Requests and gateway traffic Discord would refuse; the fixture fails on any."""
        return self.state.records.violations

    @property
    def registrations(self) -> list[CommandRegistration]:
        """Accepted bulk overwrites of commands."""
        return self.state.records.registrations

    def messages_in(self, channel_id: int) -> list[SentMessage]:
        """Messages the bot created in a channel."""
        return self.state.records.messages_in(channel_id)

    def dms_to(self, user: FakeUser) -> list[SentMessage]:
        """Messages the bot sent to `user` in their DM channel."""
        return self.messages_in(self.dm_channel(user).id)

    async def next_message(self, channel_id: int, timeout: float = DEFAULT_TIMEOUT) -> SentMessage:  # noqa: ASYNC109
        """The next message the bot created in `channel_id` (not a "thinking…" placeholder)."""
        return await self.state.records.next_message(channel_id, timeout)

    async def next_edit(
        self,
        message_id: int | None = None,
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109
    ) -> SentMessage:
        """The next edit (of `message_id` if given)."""
        return await self.state.records.next_edit(message_id, timeout)

    async def next_reply(
        self,
        interaction: PendingInteraction,
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109
    ) -> SentMessage:
        """The next visible message answering `interaction` (its response's message, the
        followup that ended "thinking…", another followup, or an edit of one of these)."""
        return await self.state.records.next_reply(interaction.id, timeout)

    async def next_interaction_response(
        self,
        interaction: PendingInteraction,
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109
    ) -> InteractionResponse:
        """The accepted initial response to `interaction`."""
        return await self.state.records.next_interaction_response(interaction.id, timeout)

    async def next_registration(self, timeout: float = DEFAULT_TIMEOUT) -> CommandRegistration:  # noqa: ASYNC109
        """The next accepted command registration."""
        return await self.state.records.next_registration(timeout)

    async def next_violation(self, timeout: float = DEFAULT_TIMEOUT) -> Violation:  # noqa: ASYNC109
        """The next violation (for tests that provoke one on purpose)."""
        return await self.state.records.next(
            "violations", self.violations, lambda v: True, timeout
        )

    def take_violations(self) -> list[Violation]:
        """Return and clear the violations a test provoked on purpose."""
        taken = list(self.violations)
        self.violations.clear()
        return taken

    def assert_clean(self) -> None:
        """Fail with every recorded violation, if any."""
        if self.violations:
            listed = "\n".join(f"  {violation}" for violation in self.violations)
            raise AssertionError(f"the bot did what Discord refuses:\n{listed}")

    # Helpers -----------------------------------------------------------------------------------

    def _where(
        self, user: FakeUser, channel: FakeChannel | None
    ) -> tuple[FakeChannel | DMChannel, FakeGuild | None]:
        if channel is None:
            return self.state.world.dm_with(user), None
        guild = self.state.world.guilds[channel.guild_id]
        if guild.id in self.state.left_guilds or user.id not in guild.members:
            raise PermissionError(f"{user.username} cannot act in {channel.name}")
        return channel, guild

    def _check_may_invoke(
        self, user: FakeUser, data: dict[str, Any], guild: FakeGuild | None
    ) -> None:
        """Discord hides a command from users without its default_member_permissions or context."""
        command = next(
            c
            for scope in self.state.commands.scopes.values()
            for c in scope
            if c["id"] == data["id"]
        )
        contexts = command.get("contexts")
        if contexts is not None and (0 if guild else 1) not in contexts:
            raise PermissionError(f"/{command['name']} is not offered in this context")
        if guild is None and command.get("dm_permission") is False:
            raise PermissionError(f"/{command['name']} is not offered in DMs")
        required = command.get("default_member_permissions")
        if (
            guild is not None
            and required is not None
            and int(required) & ~guild.permissions_of(user.id)
        ):
            raise PermissionError(
                f"{user.username} lacks the permissions /{command['name']} needs"
            )

    async def _interact(
        self,
        kind: int,
        user: FakeUser,
        data: dict[str, Any],
        channel: FakeChannel | DMChannel,
        guild: FakeGuild | None,
        source: StoredMessage | None = None,
    ) -> PendingInteraction:
        pending = self.interactions.open(
            kind, channel.id, guild.id if guild else None, user, source
        )
        payload = interaction_payload(self.state.world, pending, data, channel, guild)
        await self.state.gateway.dispatch("INTERACTION_CREATE", payload)
        return pending
