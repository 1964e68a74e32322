"""An in-memory Telegram Bot API for tests and the local console chat (no network, no token)."""

from handlers.telegram.simulator.errors import ApiError
from handlers.telegram.simulator.html_check import (
    HtmlParseError,
    ParsedText,
    parse_html,
    utf16_len,
)
from handlers.telegram.simulator.models import (
    ApiCall,
    CallbackAnswer,
    InlineAnswer,
    RateLimits,
    SentMessage,
    SimChat,
    SimUser,
)
from handlers.telegram.simulator.records import SimulatorTimeout
from handlers.telegram.simulator.state import BotApiSimulator

__all__ = [
    "ApiCall",
    "ApiError",
    "BotApiSimulator",
    "CallbackAnswer",
    "HtmlParseError",
    "InlineAnswer",
    "ParsedText",
    "RateLimits",
    "SentMessage",
    "SimChat",
    "SimUser",
    "SimulatorTimeout",
    "parse_html",
    "utf16_len",
]
