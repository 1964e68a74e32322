"""Discord's JSON error bodies ({"code", "message", "errors"}) and the statuses they come with."""

from dataclasses import dataclass, field
from typing import Any

# JSON error codes (https://discord.com/developers/docs/topics/opcodes-and-status-codes).
UNKNOWN_CHANNEL = 10003
UNKNOWN_MESSAGE = 10008
UNKNOWN_WEBHOOK = 10015
UNKNOWN_INTERACTION = 10062
INTERACTION_ALREADY_ACKNOWLEDGED = 40060
MISSING_ACCESS = 50001
CANNOT_SEND_EMPTY_MESSAGE = 50006
CANNOT_MESSAGE_USER = 50007
MISSING_PERMISSIONS = 50013
INVALID_FORM_BODY = 50035

FieldErrors = dict[str, list[tuple[str, str]]]  # "embeds.0.description" -> [(code, message)]


@dataclass
class DiscordError(Exception):
    """A request Discord refuses; `body()` is the JSON Discord would answer with."""

    status: int
    code: int
    message: str
    errors: FieldErrors = field(default_factory=dict)

    def __str__(self) -> str:
        details = "; ".join(
            f"{path}: {text}" for path, found in self.errors.items() for _, text in found
        )
        return f"{self.status} {self.code} {self.message}" + (f" ({details})" if details else "")

    def body(self) -> dict[str, Any]:
        """`{"code", "message"}` plus the nested `errors` tree of an invalid form body."""
        data: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors:
            data["errors"] = _nest(self.errors)
        return data


def _nest(errors: FieldErrors) -> dict[str, Any]:
    """Turn {"embeds.0.title": [...]} into Discord's {"embeds": {"0": {"title": {"_errors"}}}}."""
    tree: dict[str, Any] = {}
    for path, found in errors.items():
        node = tree
        for part in path.split("."):
            node = node.setdefault(part, {})
        node.setdefault("_errors", []).extend(
            {"code": code, "message": message} for code, message in found
        )
    return tree


def invalid_form_body(errors: FieldErrors) -> DiscordError:
    """400 / 50035, the answer to any field that breaks a documented limit."""
    return DiscordError(400, INVALID_FORM_BODY, "Invalid Form Body", errors)


def empty_message() -> DiscordError:
    """400 / 50006."""
    return DiscordError(400, CANNOT_SEND_EMPTY_MESSAGE, "Cannot send an empty message")


def cannot_message_user() -> DiscordError:
    """403 / 50007: the user accepts no DMs from the bot."""
    return DiscordError(403, CANNOT_MESSAGE_USER, "Cannot send messages to this user")


def missing_access() -> DiscordError:
    """403 / 50001: the bot cannot see the channel."""
    return DiscordError(403, MISSING_ACCESS, "Missing Access")


def missing_permissions() -> DiscordError:
    """403 / 50013: the bot sees the channel but lacks a permission there."""
    return DiscordError(403, MISSING_PERMISSIONS, "Missing Permissions")


def unknown(code: int, what: str) -> DiscordError:
    """404 for an unknown channel, message, webhook or interaction."""
    return DiscordError(404, code, f"Unknown {what}")


def already_acknowledged() -> DiscordError:
    """400 / 40060: a second initial response to one interaction."""
    return DiscordError(
        400, INTERACTION_ALREADY_ACKNOWLEDGED, "Interaction has already been acknowledged."
    )


def unauthorized() -> DiscordError:
    """401 with code 0, as Discord answers a bad or missing token."""
    return DiscordError(401, 0, "401: Unauthorized")


def not_found() -> DiscordError:
    """404 with code 0, Discord's answer to a route it does not have."""
    return DiscordError(404, 0, "404: Not Found")


UNKNOWN_GUILD = 10004
UNKNOWN_MEMBER = 10007
UNKNOWN_USER = 10013
CANNOT_EDIT_OTHERS_MESSAGE = 50005
INVALID_WEBHOOK_TOKEN = 50027


def invalid_webhook_token() -> DiscordError:
    """401 / 50027: an interaction token that is wrong or older than 15 minutes."""
    return DiscordError(401, INVALID_WEBHOOK_TOKEN, "Invalid Webhook Token")


def cannot_edit_others_message() -> DiscordError:
    """403 / 50005."""
    return DiscordError(
        403, CANNOT_EDIT_OTHERS_MESSAGE, "Cannot edit a message authored by another user"
    )
