"""Discord's rules for application command registrations (bulk overwrite bodies).

Limits: https://discord.com/developers/docs/interactions/application-commands
"""

import unicodedata
from typing import Any

from tests.fakediscord.errors import DiscordError, FieldErrors, invalid_form_body

CHAT_INPUT, USER, MESSAGE = 1, 2, 3
MAX_COMMANDS = {CHAT_INPUT: 100, USER: 15, MESSAGE: 15}
MAX_OPTIONS = 25
MAX_CHOICES = 25
MAX_DESCRIPTION = 100
MAX_COMMAND_TEXT = 4000
SUB_COMMAND, SUB_COMMAND_GROUP, STRING = 1, 2, 3
CHOICE_TYPES = {3, 4, 10}  # string, integer, number


def check_commands(body: Any) -> None:
    """Raise the 400 Discord answers to a bulk overwrite that breaks a rule."""
    if not isinstance(body, list):
        raise DiscordError(400, 50109, "The request body contains invalid JSON.")
    errors: FieldErrors = {}
    seen: set[tuple[int, str]] = set()
    counts = dict.fromkeys(MAX_COMMANDS, 0)
    for index, command in enumerate(body):
        kind = command.get("type", CHAT_INPUT)
        where = str(index)
        if kind not in MAX_COMMANDS:
            _add(errors, f"{where}.type", "BASE_TYPE_CHOICES", "Value must be one of (1, 2, 3).")
            continue
        counts[kind] += 1
        name = command.get("name") or ""
        if (kind, name) in seen:
            _add(
                errors,
                f"{where}.name",
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
                f"Application command names must be unique: {name}",
            )
        seen.add((kind, name))
        if kind == CHAT_INPUT:
            _check_named(command, where, errors)
            _check_options(command.get("options") or [], f"{where}.options", errors, depth=0)
            if command_text_size(command) > MAX_COMMAND_TEXT:
                _add(
                    errors,
                    where,
                    "APPLICATION_COMMAND_TOO_LARGE",
                    "Command exceeds maximum size (4000)",
                )
        else:
            if not 1 <= len(name) <= 32:
                _add(
                    errors,
                    f"{where}.name",
                    "BASE_TYPE_BAD_LENGTH",
                    "Must be between 1 and 32 in length.",
                )
            if command.get("description"):
                _add(
                    errors,
                    f"{where}.description",
                    "BASE_TYPE_MAX_LENGTH",
                    "Context menu commands cannot have a description.",
                )
    for kind, count in counts.items():
        if count > MAX_COMMANDS[kind]:
            raise DiscordError(400, 30032, "Maximum number of application commands reached")
    if errors:
        raise invalid_form_body(errors)


def valid_name(name: str) -> bool:
    """`^[-_\\p{L}\\p{N}\\p{sc=Deva}\\p{sc=Thai}]{1,32}$` and lowercase where a letter has case."""
    if not 1 <= len(name) <= 32 or name != name.lower():
        return False
    return all(_name_char(char) for char in name)


def command_text_size(command: dict[str, Any]) -> int:
    """Characters of names, descriptions and choices that count towards the 4,000 limit."""
    size = len(command.get("name") or "") + len(command.get("description") or "")
    for option in command.get("options") or []:
        size += command_text_size(option)
        for choice in option.get("choices") or []:
            size += len(str(choice.get("name"))) + len(str(choice.get("value")))
    return size


def _name_char(char: str) -> bool:
    if char in "-_" or unicodedata.category(char)[0] in "LN":
        return True
    return unicodedata.name(char, "").startswith(("DEVANAGARI", "THAI"))


# Discord's locales (the keys of name_localizations and description_localizations).
LOCALES = frozenset(
    "id da de en-GB en-US es-ES es-419 fr hr it lt hu nl no pl pt-BR ro fi sv-SE vi tr cs el "
    "bg ru uk hi th zh-CN ja zh-TW ko".split()
)


def _check_localized(item: dict[str, Any], where: str, errors: FieldErrors) -> None:
    for field in ("name_localizations", "description_localizations"):
        for locale, text in (item.get(field) or {}).items():
            path = f"{where}.{field}.{locale}"
            if locale not in LOCALES:
                _add(errors, path, "LOCALE_INVALID", f"Invalid locale {locale!r}")
            elif field == "name_localizations" and not valid_name(text or ""):
                _add(errors, path, "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
            elif field == "description_localizations" and not 1 <= len(text or "") <= 100:
                _add(errors, path, "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")


def _check_named(item: dict[str, Any], where: str, errors: FieldErrors) -> None:
    _check_localized(item, where, errors)
    if not valid_name(item.get("name") or ""):
        _add(
            errors, f"{where}.name", "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid"
        )
    description = item.get("description") or ""
    if not 1 <= len(description) <= MAX_DESCRIPTION:
        _add(
            errors,
            f"{where}.description",
            "BASE_TYPE_BAD_LENGTH",
            "Must be between 1 and 100 in length.",
        )


def _check_options(
    options: list[dict[str, Any]], where: str, errors: FieldErrors, depth: int
) -> None:
    if len(options) > MAX_OPTIONS:
        _add(errors, where, "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
    names = [option.get("name") for option in options]
    if len(set(names)) != len(names):
        _add(
            errors,
            where,
            "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS",
            "Option names must be unique",
        )
    optional_seen = False
    for index, option in enumerate(options):
        here = f"{where}.{index}"
        _check_named(option, here, errors)
        kind = option.get("type")
        if kind in (SUB_COMMAND, SUB_COMMAND_GROUP):
            if depth >= 2 or (kind == SUB_COMMAND_GROUP and depth >= 1):
                _add(
                    errors,
                    f"{here}.type",
                    "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                    "Sub-command nesting is too deep",
                )
            _check_options(option.get("options") or [], f"{here}.options", errors, depth + 1)
            continue
        if option.get("required"):
            if optional_seen:
                _add(
                    errors,
                    where,
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options",
                )
        else:
            optional_seen = True
        _check_choices(option, here, errors)


def _check_choices(option: dict[str, Any], where: str, errors: FieldErrors) -> None:
    choices = option.get("choices") or []
    if choices and option.get("autocomplete"):
        _add(
            errors,
            f"{where}.autocomplete",
            "APPLICATION_COMMAND_AUTOCOMPLETE_INVALID",
            "Autocomplete cannot be enabled with choices",
        )
    if choices and option.get("type") not in CHOICE_TYPES:
        _add(
            errors,
            f"{where}.choices",
            "APPLICATION_COMMAND_OPTION_CHOICES_INVALID",
            "Choices are not allowed for this option type",
        )
    check_choices(choices, f"{where}.choices", errors)


def check_choices(choices: list[dict[str, Any]], where: str, errors: FieldErrors) -> None:
    """At most 25 choices, names 1-100 characters, string values up to 100 characters."""
    if len(choices) > MAX_CHOICES:
        _add(errors, where, "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
    for index, choice in enumerate(choices):
        if not 1 <= len(str(choice.get("name") or "")) <= 100:
            _add(
                errors,
                f"{where}.{index}.name",
                "BASE_TYPE_BAD_LENGTH",
                "Must be between 1 and 100 in length.",
            )
        value = choice.get("value")
        if isinstance(value, str) and len(value) > 100:
            _add(
                errors,
                f"{where}.{index}.value",
                "BASE_TYPE_MAX_LENGTH",
                "Must be 100 or fewer in length.",
            )


def _add(errors: FieldErrors, path: str, code: str, message: str) -> None:
    errors.setdefault(path, []).append((code, message))
