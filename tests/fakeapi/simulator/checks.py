"""Telegram's validation of message text, keyboards, inline results and bot commands."""

import re
from collections.abc import Sequence
from typing import Any

from tests.fakeapi.simulator.errors import ApiError, bad_request
from tests.fakeapi.simulator.html_check import (
    HtmlParseError,
    ParsedText,
    parse_html,
    strip_text,
    utf16_len,
)

MAX_MESSAGE_LENGTH = 4096
MAX_CALLBACK_DATA_BYTES = 64
MAX_INLINE_RESULTS = 50
MAX_INLINE_RESULT_ID_BYTES = 64
INLINE_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_UNPARSED_MODES = ("markdown", "markdownv2")
_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")
_BUTTON_URL = re.compile(r"^(?:https?|tg)://\S+$")


def render_text(
    text: Any, parse_mode: Any = None, entities: Any = None, *, field: str = "message text"
) -> ParsedText:
    """Apply parse_mode to `text` and check what remains is 1..4096 UTF-16 code units."""
    if not isinstance(text, str) or not text:
        raise bad_request(f"{field} is empty")
    if parse_mode is None or parse_mode == "":
        parsed = ParsedText(text, list(entities or []))
    elif not isinstance(parse_mode, str):
        raise bad_request("unsupported parse_mode")
    elif parse_mode.lower() == "html":
        try:
            parsed = parse_html(text)
        except HtmlParseError as error:
            raise bad_request(f"can't parse entities: {error}") from None
    elif parse_mode.lower() in _UNPARSED_MODES:
        # Markdown is accepted as is: the bot uses HTML, so the simulator does not parse it.
        parsed = ParsedText(text, [])
    else:
        raise bad_request("unsupported parse_mode")
    parsed = strip_text(parsed)
    if not parsed.text:
        raise bad_request(f"{field} is empty")
    if utf16_len(parsed.text) > MAX_MESSAGE_LENGTH:
        raise bad_request("message is too long")
    return parsed


def check_reply_markup(markup: Any, *, inline_only: bool = False) -> None:
    """Validate any kind of reply_markup the way Telegram does."""
    if markup is None:
        return
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        check_inline_keyboard(markup)
    elif inline_only:
        raise bad_request("can't parse inline keyboard markup JSON object")
    elif "keyboard" in markup:
        check_reply_keyboard(markup)
    elif not (markup.get("remove_keyboard") or markup.get("force_reply")):
        raise bad_request("can't parse reply keyboard markup JSON object")


def check_inline_keyboard(markup: dict[str, Any]) -> None:
    """Every button needs text and exactly one action; callback_data is 1..64 bytes."""
    rows = markup.get("inline_keyboard")
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            'field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays'
        )
    for button in (button for row in rows for button in row):
        check_inline_button(button)


def check_inline_button(button: Any) -> None:
    """Validate one InlineKeyboardButton."""
    if not isinstance(button, dict):
        raise bad_request(
            "can't parse inline keyboard button: InlineKeyboardButton must be an Object"
        )
    if not isinstance(button.get("text"), str) or not button["text"].strip():
        raise bad_request("can't parse inline keyboard button: Text must be non-empty")
    actions = [name for name in INLINE_BUTTON_ACTIONS if button.get(name) is not None]
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if len(actions) > 1:
        raise bad_request(
            "can't parse inline keyboard button: exactly one of the optional fields must be "
            f"used, got {', '.join(actions)}"
        )
    data = button.get("callback_data")
    if data is not None and not (
        isinstance(data, str) and 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES
    ):
        raise bad_request("BUTTON_DATA_INVALID")
    url = button.get("url")
    if url is not None and not (isinstance(url, str) and _BUTTON_URL.match(url)):
        raise bad_request("BUTTON_URL_INVALID")


def check_reply_keyboard(markup: dict[str, Any]) -> None:
    """Every reply keyboard button needs non-empty text."""
    rows = markup.get("keyboard")
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            'field "keyboard" of the ReplyKeyboardMarkup should be an Array of Arrays'
        )
    for button in (button for row in rows for button in row):
        text = button if isinstance(button, str) else (button or {}).get("text")
        if not isinstance(text, str) or not text.strip():
            raise bad_request("can't parse keyboard button: Text must be non-empty")


def check_inline_results(results: Any) -> list[dict[str, Any]]:
    """At most 50 results with unique ids of 1..64 bytes; article texts valid like messages.

    Returns `results`, now known to be a list of result objects.
    """
    if not isinstance(results, list):
        raise bad_request("can't parse inline query results JSON object")
    if len(results) > MAX_INLINE_RESULTS:
        raise bad_request("RESULTS_TOO_MUCH")
    seen: set[str] = set()
    for result in results:
        if not isinstance(result, dict):
            raise bad_request("can't parse InlineQueryResult JSON object")
        result_id = result.get("id")
        if not isinstance(result_id, str) or not (
            1 <= len(result_id.encode("utf-8")) <= MAX_INLINE_RESULT_ID_BYTES
        ):
            raise bad_request("RESULT_ID_INVALID")
        if result_id in seen:
            raise bad_request("RESULT_ID_DUPLICATE")
        seen.add(result_id)
        check_inline_result_content(result)
    return results


def check_inline_result_content(result: dict[str, Any]) -> None:
    """Validate an article's title, message content and keyboard."""
    if result.get("type") == "article" and not str(result.get("title") or "").strip():
        raise bad_request("RESULT_TITLE_EMPTY")
    content = result.get("input_message_content")
    if isinstance(content, dict) and "message_text" in content:
        render_text(content["message_text"], content.get("parse_mode"), content.get("entities"))
    elif result.get("type") == "article":
        raise bad_request("can't parse input message content: message text is empty")
    check_reply_markup(result.get("reply_markup"), inline_only=True)


def check_commands(commands: Any) -> list[dict[str, str]]:
    """At most 100 commands: lowercase names of 1..32 chars and descriptions of 1..256."""
    if not isinstance(commands, Sequence) or isinstance(commands, str):
        raise bad_request("can't parse commands JSON object")
    if len(commands) > 100:
        raise bad_request("too many commands specified")
    checked: list[dict[str, str]] = []
    for command in commands:
        if not isinstance(command, dict) or not _COMMAND.match(str(command.get("command"))):
            raise bad_request("BOT_COMMAND_INVALID")
        description = command.get("description")
        if not isinstance(description, str) or not 1 <= len(description) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        checked.append({"command": command["command"], "description": description})
    return checked


def check_length(value: Any, name: str, maximum: int) -> str:
    """Check an optional string parameter is at most `maximum` characters long."""
    text = value or ""
    if not isinstance(text, str):
        raise bad_request(f"{name} must be a String")
    if len(text) > maximum:
        raise bad_request(f"{name.upper()}_TOO_LONG")
    return text


def require_int(params: dict[str, Any], name: str) -> int:
    """Return an Integer parameter, accepting its decimal string form as Telegram does."""
    value = params.get(name)
    if isinstance(value, bool):
        raise bad_request(f"{name} must be an Integer")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    if value is None:
        raise bad_request(f"{name} is empty")
    raise ApiError(400, f"Bad Request: {name} must be an Integer")
