"""REST routes for interaction responses: the callback, `@original` and followups."""

from typing import Any

from tests.fakediscord.interactions import DEFERRED, PendingInteraction
from tests.fakediscord.messages import LOADING, StoredMessage
from tests.fakediscord.records import EPHEMERAL
from tests.fakediscord.rest import Answer, Call, Route


async def callback(call: Call) -> Answer:
    """POST /interactions/{id}/{token}/callback (`with_response` gets the callback resource)."""
    interaction, message = call.interactions.callback(
        call.snowflake("interaction_id"), call.params["interaction_token"], call.json_object()
    )
    if message is not None:
        await call.state.announce(
            "MESSAGE_CREATE" if message is interaction.original else "MESSAGE_UPDATE", message
        )
    if call.query.get("with_response", "").lower() not in ("1", "true"):
        return 204, None
    return 200, _callback_resource(interaction, message)


def _callback_resource(
    interaction: PendingInteraction, message: StoredMessage | None
) -> dict[str, Any]:
    original = interaction.original
    described: dict[str, Any] = {"id": str(interaction.id), "type": interaction.type}
    if original is not None and interaction.response_type in (4, DEFERRED):
        described["response_message_id"] = str(original.id)
        described["response_message_loading"] = bool(original.flags & LOADING)
        described["response_message_ephemeral"] = bool(original.flags & EPHEMERAL)
    resource: dict[str, Any] = {"type": interaction.response_type}
    if message is not None and not message.flags & LOADING:
        resource["message"] = message.payload()
    return {"interaction": described, "resource": resource}


def _interaction(call: Call) -> PendingInteraction:
    return call.interactions.webhook(call.snowflake("webhook_id"), call.params["webhook_token"])


async def get_original(call: Call) -> Answer:
    """GET .../messages/@original."""
    return 200, call.interactions.original(_interaction(call)).payload()


async def edit_original(call: Call) -> Answer:
    """PATCH .../messages/@original."""
    message = call.interactions.edit_original(_interaction(call), call.json_object())
    await call.state.announce("MESSAGE_UPDATE", message)
    return 200, message.payload()


async def delete_original(call: Call) -> Answer:
    """DELETE .../messages/@original."""
    message = call.interactions.original(_interaction(call))
    call.state.messages.by_id.pop(message.id, None)
    return 204, None


async def followup(call: Call) -> Answer:
    """POST /webhooks/{application_id}/{token}: a followup message."""
    interaction = _interaction(call)
    message = call.interactions.followup(interaction, call.json_object())
    await call.state.announce("MESSAGE_CREATE", message)
    if call.query.get("wait", "").lower() not in ("1", "true"):
        return 204, None
    return 200, message.payload()


async def edit_followup(call: Call) -> Answer:
    """PATCH .../messages/{message_id}: edit a response or followup of this interaction."""
    interaction = _interaction(call)
    message = call.interactions.owned_message(interaction, call.snowflake("message_id"))
    call.state.edit_message(message, call.json_object())
    await call.state.announce("MESSAGE_UPDATE", message)
    return 200, message.payload()


WEBHOOK = "/webhooks/{webhook_id}/{webhook_token}"
ROUTES: list[Route] = [
    ("POST", "/interactions/{interaction_id}/{interaction_token}/callback", callback),
    ("GET", WEBHOOK + "/messages/@original", get_original),
    ("PATCH", WEBHOOK + "/messages/@original", edit_original),
    ("DELETE", WEBHOOK + "/messages/@original", delete_original),
    ("POST", WEBHOOK, followup),
    ("PATCH", WEBHOOK + "/messages/{message_id}", edit_followup),
]
