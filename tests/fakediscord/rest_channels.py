"""REST routes for channels, DMs, messages and guild members."""

from tests.fakediscord import errors
from tests.fakediscord.rest import Answer, Call, Route
from tests.fakediscord.world import DMChannel


async def create_dm(call: Call) -> Answer:
    """POST /users/@me/channels: open (or reuse) the DM with `recipient_id`."""
    recipient = call.state.world.users.get(int(call.json_object().get("recipient_id") or 0))
    if recipient is None or recipient.bot:
        raise errors.unknown(errors.UNKNOWN_USER, "User")
    return 200, call.state.world.dm_with(recipient).payload()


async def get_channel(call: Call) -> Answer:
    """GET /channels/{channel_id}."""
    channel, _ = call.state.visible_channel(call.snowflake("channel_id"))
    if isinstance(channel, DMChannel):
        return 200, channel.payload()
    return 200, channel.payload(call.state.world.bot.id)


async def create_message(call: Call) -> Answer:
    """POST /channels/{channel_id}/messages."""
    state = call.state
    channel, guild = state.writable_channel(call.snowflake("channel_id"))
    message = state.post_message(channel.id, guild.id if guild else None, call.json_object())
    await state.announce("MESSAGE_CREATE", message)
    return 200, message.payload()


async def get_message(call: Call) -> Answer:
    """GET /channels/{channel_id}/messages/{message_id}."""
    channel, _ = call.state.visible_channel(call.snowflake("channel_id"))
    message = call.state.messages.get(channel.id, call.snowflake("message_id"))
    if message is None or message.flags & (1 << 6):
        raise errors.unknown(errors.UNKNOWN_MESSAGE, "Message")
    return 200, message.payload()


async def edit_message(call: Call) -> Answer:
    """PATCH /channels/{channel_id}/messages/{message_id}."""
    state = call.state
    channel, _ = state.visible_channel(call.snowflake("channel_id"))
    message = state.messages.get(channel.id, call.snowflake("message_id"))
    if message is None:
        raise errors.unknown(errors.UNKNOWN_MESSAGE, "Message")
    state.edit_message(message, call.json_object())
    await state.announce("MESSAGE_UPDATE", message)
    return 200, message.payload()


async def get_member(call: Call) -> Answer:
    """GET /guilds/{guild_id}/members/{user_id}."""
    guild = call.state.world.guilds.get(call.snowflake("guild_id"))
    if guild is None or guild.id in call.state.left_guilds:
        raise errors.unknown(errors.UNKNOWN_GUILD, "Guild")
    if call.snowflake("user_id") not in guild.members:
        raise errors.unknown(errors.UNKNOWN_MEMBER, "Member")
    return 200, guild.member_payload(call.snowflake("user_id"))


ROUTES: list[Route] = [
    ("POST", "/users/@me/channels", create_dm),
    ("GET", "/channels/{channel_id}", get_channel),
    ("POST", "/channels/{channel_id}/messages", create_message),
    ("GET", "/channels/{channel_id}/messages/{message_id}", get_message),
    ("PATCH", "/channels/{channel_id}/messages/{message_id}", edit_message),
    ("GET", "/guilds/{guild_id}/members/{user_id}", get_member),
]
