"""An in-memory Telegram Bot API for tests and the local console chat (no network, no token)."""

from bot.simulator.errors import ApiError
from bot.simulator.html_check import HtmlParseError, ParsedText, parse_html, utf16_len
from bot.simulator.models import (
    ApiCall,
    CallbackAnswer,
    InlineAnswer,
    RateLimits,
    SentMessage,
    SimChat,
    SimUser,
)
from bot.simulator.records import SimulatorTimeout
from bot.simulator.state import BotApiSimulator

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
