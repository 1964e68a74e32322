"""Interactions the fake dispatched and what the bot may do with them, by Discord's rules.

One initial response (40060 on a second), within the deadline measured from dispatch (10062
after it); the callback type must suit the interaction type; then the token works for 15 minutes
on `@original` and followups. https://discord.com/developers/docs/interactions/receiving-and-responding
"""

import secrets
import time
from dataclasses import dataclass
from typing import Any

from tests.fakediscord import errors
from tests.fakediscord.command_rules import check_choices
from tests.fakediscord.errors import FieldErrors
from tests.fakediscord.messages import LOADING, StoredMessage
from tests.fakediscord.records import EPHEMERAL, InteractionResponse
from tests.fakediscord.state import FakeState
from tests.fakediscord.world import FakeUser

APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 2, 3, 4, 5
MESSAGE, DEFERRED, DEFERRED_UPDATE, UPDATE, AUTOCOMPLETE_RESULT, MODAL = 4, 5, 6, 7, 8, 9
ALLOWED_CALLBACKS = {
    APPLICATION_COMMAND: {MESSAGE, DEFERRED, MODAL},
    MESSAGE_COMPONENT: {MESSAGE, DEFERRED, DEFERRED_UPDATE, UPDATE, MODAL},
    AUTOCOMPLETE: {AUTOCOMPLETE_RESULT},
    MODAL_SUBMIT: {MESSAGE, DEFERRED, DEFERRED_UPDATE, UPDATE},
}


@dataclass
class PendingInteraction:
    """One dispatched interaction and how the bot has answered it so far."""

    id: int
    token: str
    type: int
    channel_id: int
    guild_id: int | None
    user: FakeUser
    dispatched_at: float
    source: StoredMessage | None = None  # the message a pressed component sits on
    response_type: int | None = None
    original: StoredMessage | None = None


class InteractionBook:
    """Open interactions by id and token; the callback and webhook operations on them."""

    def __init__(self, state: FakeState) -> None:
        self.state = state
        self.deadline_seconds = 3.0
        self.token_lifetime_seconds = 15 * 60.0
        self.by_id: dict[int, PendingInteraction] = {}

    def open(
        self,
        kind: int,
        channel_id: int,
        guild_id: int | None,
        user: FakeUser,
        source: StoredMessage | None = None,
    ) -> PendingInteraction:
        """A new interaction; its 3 s start now (call just before dispatching it)."""
        interaction = PendingInteraction(
            self.state.world.ids.next(),
            "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(48),
            kind,
            channel_id,
            guild_id,
            user,
            time.monotonic(),
            source,
        )
        self.by_id[interaction.id] = interaction
        return interaction

    def callback(
        self, interaction_id: int, token: str, body: dict[str, Any]
    ) -> tuple[PendingInteraction, StoredMessage | None]:
        """Apply POST /interactions/{id}/{token}/callback; the message it created or updated."""
        interaction = self.by_id.get(interaction_id)
        if interaction is None or interaction.token != token:
            raise errors.unknown(errors.UNKNOWN_INTERACTION, "interaction")
        if interaction.response_type is not None:
            raise errors.already_acknowledged()
        delay = time.monotonic() - interaction.dispatched_at
        if delay > self.deadline_seconds:
            raise errors.unknown(errors.UNKNOWN_INTERACTION, "interaction")
        kind = body.get("type")
        data = body.get("data") or {}
        if kind not in ALLOWED_CALLBACKS[interaction.type]:
            raise errors.invalid_form_body(
                {
                    "type": [
                        (
                            "INTERACTION_CALLBACK_TYPE_INVALID",
                            f"Callback type {kind} is invalid for interaction {interaction.type}",
                        )
                    ]
                }
            )
        message = self._apply(interaction, kind, data)
        interaction.response_type = kind
        self.state.records.add(
            self.state.records.responses, InteractionResponse(interaction.id, kind, data, delay)
        )
        return interaction, message

    def _apply(
        self, interaction: PendingInteraction, kind: int, data: dict[str, Any]
    ) -> StoredMessage | None:
        state = self.state
        if kind == MESSAGE:
            interaction.original = state.post_message(
                interaction.channel_id, interaction.guild_id, data, interaction_id=interaction.id
            )
            return interaction.original
        if kind == DEFERRED:
            flags = LOADING | (int(data.get("flags") or 0) & EPHEMERAL)
            interaction.original = state.messages.add(
                StoredMessage(
                    state.world.ids.next(),
                    interaction.channel_id,
                    interaction.guild_id,
                    state.world.bot,
                    {"content": "", "flags": flags},
                    interaction_id=interaction.id,
                    webhook_id=state.world.application_id,
                )
            )
            state.records.add(state.records.sent, interaction.original.snapshot())
            return interaction.original
        if kind in (DEFERRED_UPDATE, UPDATE):
            interaction.original = interaction.source
            if kind == UPDATE and interaction.source is not None:
                return state.edit_message(interaction.source, data)
            return None
        if kind == AUTOCOMPLETE_RESULT:
            found: FieldErrors = {}
            check_choices(data.get("choices") or [], "data.choices", found)
            if found:
                raise errors.invalid_form_body(found)
        return None

    def webhook(self, application_id: int, token: str) -> PendingInteraction:
        """The acknowledged, unexpired interaction behind a webhook token."""
        interaction = next((i for i in self.by_id.values() if i.token == token), None)
        if interaction is None or application_id != self.state.world.application_id:
            raise errors.unknown(errors.UNKNOWN_WEBHOOK, "Webhook")
        if time.monotonic() - interaction.dispatched_at > self.token_lifetime_seconds:
            raise errors.invalid_webhook_token()
        if interaction.response_type is None:
            raise errors.unknown(errors.UNKNOWN_WEBHOOK, "Webhook")
        return interaction

    def original(self, interaction: PendingInteraction) -> StoredMessage:
        """The message `@original` names."""
        if interaction.original is None:
            raise errors.unknown(errors.UNKNOWN_MESSAGE, "Message")
        return interaction.original

    def edit_original(
        self, interaction: PendingInteraction, changes: dict[str, Any]
    ) -> StoredMessage:
        """PATCH @original; editing a deferred reply ends its loading state."""
        message = self.original(interaction)
        if message.flags & LOADING:
            changes = {**changes, "flags": message.flags & ~LOADING}
        return self.state.edit_message(message, changes)

    def followup(self, interaction: PendingInteraction, data: dict[str, Any]) -> StoredMessage:
        """POST a followup; the first one after a deferral replaces the loading message."""
        original = interaction.original
        if (
            interaction.response_type == DEFERRED
            and original is not None
            and original.flags & LOADING
        ):
            return self.edit_original(interaction, data)
        return self.state.post_message(
            interaction.channel_id, interaction.guild_id, data, interaction_id=interaction.id
        )

    def owned_message(self, interaction: PendingInteraction, message_id: int) -> StoredMessage:
        """A response or followup of this interaction (10008 otherwise)."""
        message = self.state.messages.by_id.get(message_id)
        if message is None or message.interaction_id != interaction.id:
            raise errors.unknown(errors.UNKNOWN_MESSAGE, "Message")
        return message
