"""Discord's limits on a message body: content, embeds, components, allowed_mentions.

`check_message` raises the `DiscordError` Discord would answer with (50035 with field errors,
or 50006 for an empty message). Limits: https://discord.com/developers/docs/resources/message
"""

from typing import Any

from tests.fakediscord.errors import FieldErrors, empty_message, invalid_form_body

MAX_CONTENT = 2000
MAX_EMBEDS = 10
MAX_EMBED_TOTAL = 6000
MAX_FIELDS = 25
MAX_ROWS = 5
MAX_ROW_ITEMS = 5
MAX_CUSTOM_ID = 100
MAX_LABEL = 80
EMBED_TEXT_LIMITS = {"title": 256, "description": 4096}
ACTION_ROW, BUTTON = 1, 2
SELECT_TYPES = {3, 5, 6, 7, 8}
LINK_STYLE, PREMIUM_STYLE = 5, 6
MENTION_KINDS = {"roles", "users", "everyone"}


def check_message(data: dict[str, Any], *, partial: bool = False) -> None:
    """Raise if `data` breaks a limit; unless `partial` (an edit), it must not be empty."""
    errors: FieldErrors = {}
    content = data.get("content")
    if content is not None:
        if not isinstance(content, str):
            _add(errors, "content", "BASE_TYPE_STRING", "Must be a string.")
        elif len(content) > MAX_CONTENT:
            _too_long(errors, "content", MAX_CONTENT)
    embeds = data.get("embeds") or []
    _check_embeds(embeds, errors)
    _check_components(data.get("components") or [], errors)
    _check_allowed_mentions(data.get("allowed_mentions"), errors)
    if errors:
        raise invalid_form_body(errors)
    if not partial and is_empty(data):
        raise empty_message()


def is_empty(data: dict[str, Any]) -> bool:
    """Whether a message has nothing Discord would show (components alone do not count)."""
    has_text = bool((data.get("content") or "").strip())
    has_other = any(data.get(key) for key in ("embeds", "attachments", "sticker_ids", "poll"))
    return not (has_text or has_other)


def embed_size(embed: dict[str, Any]) -> int:
    """Characters that count towards the 6,000 limit shared by all embeds of a message."""
    size = len(embed.get("title") or "") + len(embed.get("description") or "")
    size += len((embed.get("footer") or {}).get("text") or "")
    size += len((embed.get("author") or {}).get("name") or "")
    for item in embed.get("fields") or []:
        size += len(item.get("name") or "") + len(item.get("value") or "")
    return size


def _check_embeds(embeds: list[dict[str, Any]], errors: FieldErrors) -> None:
    if len(embeds) > MAX_EMBEDS:
        _too_long(errors, "embeds", MAX_EMBEDS)
    for index, embed in enumerate(embeds):
        where = f"embeds.{index}"
        for key, limit in EMBED_TEXT_LIMITS.items():
            if len(embed.get(key) or "") > limit:
                _too_long(errors, f"{where}.{key}", limit)
        if len((embed.get("footer") or {}).get("text") or "") > 2048:
            _too_long(errors, f"{where}.footer.text", 2048)
        if len((embed.get("author") or {}).get("name") or "") > 256:
            _too_long(errors, f"{where}.author.name", 256)
        fields = embed.get("fields") or []
        if len(fields) > MAX_FIELDS:
            _too_long(errors, f"{where}.fields", MAX_FIELDS)
        for number, item in enumerate(fields):
            for key, limit in (("name", 256), ("value", 1024)):
                text = item.get(key)
                if not text:
                    _add(
                        errors,
                        f"{where}.fields.{number}.{key}",
                        "BASE_TYPE_REQUIRED",
                        "This field is required",
                    )
                elif len(text) > limit:
                    _too_long(errors, f"{where}.fields.{number}.{key}", limit)
    if sum(embed_size(embed) for embed in embeds) > MAX_EMBED_TOTAL:
        _add(
            errors, "embeds", "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000"
        )


def _check_components(rows: list[dict[str, Any]], errors: FieldErrors) -> None:
    if len(rows) > MAX_ROWS:
        _too_long(errors, "components", MAX_ROWS)
    seen: set[str] = set()
    for index, row in enumerate(rows):
        where = f"components.{index}"
        if row.get("type") != ACTION_ROW:
            _add(
                errors,
                f"{where}.type",
                "UNION_TYPE_CHOICES",
                'Value of field "type" must be one of (1,).',
            )
            continue
        items = row.get("components") or []
        if not 1 <= len(items) <= MAX_ROW_ITEMS:
            _add(
                errors,
                f"{where}.components",
                "BASE_TYPE_BAD_LENGTH",
                "Must be between 1 and 5 in length.",
            )
        if any(item.get("type") in SELECT_TYPES for item in items) and len(items) > 1:
            _add(
                errors,
                f"{where}.components",
                "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                "The specified component exceeds the maximum width",
            )
        for number, item in enumerate(items):
            _check_item(item, f"{where}.components.{number}", seen, errors)


def _check_item(item: dict[str, Any], where: str, seen: set[str], errors: FieldErrors) -> None:
    custom_id = item.get("custom_id")
    link_like = item.get("type") == BUTTON and item.get("style") in (LINK_STYLE, PREMIUM_STYLE)
    if item.get("type") == BUTTON:
        if item.get("style") not in range(1, 7):
            _add(
                errors,
                f"{where}.style",
                "BASE_TYPE_CHOICES",
                "Value must be one of (1, 2, 3, 4, 5, 6).",
            )
        if len(item.get("label") or "") > MAX_LABEL:
            _too_long(errors, f"{where}.label", MAX_LABEL)
        if item.get("style") == LINK_STYLE and not item.get("url"):
            _add(errors, f"{where}.url", "BASE_TYPE_REQUIRED", "This field is required")
    if link_like:
        if custom_id is not None:
            _add(
                errors,
                f"{where}.custom_id",
                "COMPONENT_INVALID_FIELD",
                "A link button cannot have a custom_id",
            )
        return
    if not custom_id:
        _add(errors, f"{where}.custom_id", "BASE_TYPE_REQUIRED", "This field is required")
        return
    if len(custom_id) > MAX_CUSTOM_ID:
        _too_long(errors, f"{where}.custom_id", MAX_CUSTOM_ID)
    if custom_id in seen:
        _add(
            errors,
            f"{where}.custom_id",
            "COMPONENT_CUSTOM_ID_DUPLICATED",
            "Component custom id cannot be duplicated",
        )
    seen.add(custom_id)


def _check_allowed_mentions(value: Any, errors: FieldErrors) -> None:
    if value is None:
        return
    parse = value.get("parse") or []
    if not set(parse) <= MENTION_KINDS:
        _add(
            errors,
            "allowed_mentions.parse",
            "BASE_TYPE_CHOICES",
            "Value must be one of ('roles', 'users', 'everyone').",
        )
    for kind in ("users", "roles"):
        listed = value.get(kind) or []
        if listed and kind in parse:
            _add(
                errors,
                f"allowed_mentions.{kind}",
                "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                f'parse:["{kind}"] and {kind}: [ids...] are mutually exclusive.',
            )
        if len(listed) > 100:
            _too_long(errors, f"allowed_mentions.{kind}", 100)


def _too_long(errors: FieldErrors, path: str, limit: int) -> None:
    _add(errors, path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")


def _add(errors: FieldErrors, path: str, code: str, message: str) -> None:
    errors.setdefault(path, []).append((code, message))
