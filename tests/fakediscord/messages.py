"""Messages in the fake: the JSON Discord returns for them, mentions, and the store of them."""

import re
from dataclasses import dataclass, field
from typing import Any

from tests.fakediscord import records
from tests.fakediscord.records import SentMessage
from tests.fakediscord.world import FakeUser, iso_now

USER_MENTION = re.compile(r"<@!?(\d+)>")
ROLE_MENTION = re.compile(r"<@&(\d+)>")
LOADING = records.LOADING  # the "is thinking..." state of a deferred interaction response
EDITABLE = ("content", "embeds", "components", "allowed_mentions", "flags", "attachments")


@dataclass
class StoredMessage:
    """A message as the fake holds it; `fields` are the parts the author controls."""

    id: int
    channel_id: int
    guild_id: int | None
    author: FakeUser
    fields: dict[str, Any]
    timestamp: str = field(default_factory=iso_now)
    edited_timestamp: str | None = None
    interaction_id: int | None = None
    webhook_id: int | None = None
    mentions: list[FakeUser] = field(default_factory=list)
    mention_roles: list[int] = field(default_factory=list)

    @property
    def flags(self) -> int:
        """The message flags."""
        return int(self.fields.get("flags") or 0)

    def snapshot(self) -> SentMessage:
        """The record tests see."""
        return SentMessage(
            id=self.id,
            channel_id=self.channel_id,
            content=self.fields.get("content") or "",
            embeds=list(self.fields.get("embeds") or []),
            components=list(self.fields.get("components") or []),
            flags=self.flags,
            allowed_mentions=self.fields.get("allowed_mentions"),
            interaction_id=self.interaction_id,
            files={
                a["filename"]: a.get("_content", b"")
                for a in self.fields.get("attachments") or []
                if "filename" in a
            },
        )

    def payload(self) -> dict[str, Any]:
        """The message object Discord returns and dispatches."""
        data: dict[str, Any] = {
            "id": str(self.id),
            "channel_id": str(self.channel_id),
            "type": 20 if self.interaction_id else 0,
            "author": self.author.payload(),
            "content": self.fields.get("content") or "",
            "timestamp": self.timestamp,
            "edited_timestamp": self.edited_timestamp,
            "tts": False,
            "mention_everyone": False,
            "mentions": [user.payload() for user in self.mentions],
            "mention_roles": [str(role) for role in self.mention_roles],
            "attachments": [
                {key: value for key, value in attachment.items() if key != "_content"}
                for attachment in self.fields.get("attachments") or []
            ],
            "embeds": [_received_embed(embed) for embed in self.fields.get("embeds") or []],
            "components": list(self.fields.get("components") or []),
            "pinned": False,
            "flags": self.flags,
        }
        if self.guild_id is not None:
            data["guild_id"] = str(self.guild_id)
        if self.webhook_id is not None:
            data["webhook_id"] = str(self.webhook_id)
            data["application_id"] = str(self.webhook_id)
        return data


def _received_embed(embed: dict[str, Any]) -> dict[str, Any]:
    """Discord fills in the embed type ("rich") when the sender left it out."""
    return {"type": "rich", **embed}


def pinged(
    content: str, allowed: dict[str, Any] | None, users: dict[int, FakeUser]
) -> tuple[list[FakeUser], list[int]]:
    """The users and roles a message mentions and that `allowed_mentions` lets Discord ping."""
    user_ids = [int(found) for found in USER_MENTION.findall(content)]
    role_ids = [int(found) for found in ROLE_MENTION.findall(content)]
    if allowed is not None:
        parse = allowed.get("parse") or []
        allowed_users = {int(x) for x in allowed.get("users") or []}
        allowed_roles = {int(x) for x in allowed.get("roles") or []}
        user_ids = [u for u in user_ids if "users" in parse or u in allowed_users]
        role_ids = [r for r in role_ids if "roles" in parse or r in allowed_roles]
    return [users[u] for u in dict.fromkeys(user_ids) if u in users], role_ids


class MessageStore:
    """Every message in the fake by id, the bot's and the users' alike."""

    def __init__(self) -> None:
        self.by_id: dict[int, StoredMessage] = {}

    def add(self, message: StoredMessage) -> StoredMessage:
        """Keep `message`."""
        self.by_id[message.id] = message
        return message

    def get(self, channel_id: int, message_id: int) -> StoredMessage | None:
        """The message `message_id` if it is in `channel_id`."""
        message = self.by_id.get(message_id)
        return message if message is not None and message.channel_id == channel_id else None

    @staticmethod
    def apply_edit(message: StoredMessage, changes: dict[str, Any]) -> None:
        """Replace the fields present in `changes`; Discord keeps the others."""
        for key in EDITABLE:
            if key in changes:
                message.fields[key] = changes[key]
        message.edited_timestamp = iso_now()
