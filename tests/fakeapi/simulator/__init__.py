"""An in-memory Telegram Bot API for the tests and benchmarks (no network, no token)."""

from tests.fakeapi.simulator.errors import ApiError
from tests.fakeapi.simulator.html_check import (
    HtmlParseError,
    ParsedText,
    parse_html,
    utf16_len,
)
from tests.fakeapi.simulator.models import (
    ApiCall,
    CallbackAnswer,
    InlineAnswer,
    RateLimits,
    SentMessage,
    SimChat,
    SimUser,
)
from tests.fakeapi.simulator.records import SimulatorTimeout
from tests.fakeapi.simulator.state import BotApiSimulator

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
