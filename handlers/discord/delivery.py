"""Send nudges through Discord's REST API, paced under its global limit, errors mapped to the
core's delivery errors (:mod:`bot.delivery_errors`).

Pacing: Discord allows a bot 50 requests a second overall (interaction responses excepted) and
answers more with 429s. discord.py only reacts to a 429 after the fact, so a fan-out of many
nudges due in one minute would run into them; the sender spaces its sends at least
1/``per_second`` apart with aiolimiter's leaky bucket of one (a library already installed with
python-telegram-bot's rate limiter): at 49 a second no one-second window holds more than 50,
and the timer's own delays keep the real rate a little lower (~93% of the limit measured). A
429 that still comes (a reply to a message sent meanwhile) is waited out by discord.py. Each
nudge is one ``POST /channels/{id}/messages``: a DM's channel id is what the core stores.

Counting: :func:`rest_trace` watches every answer the client's HTTP session gets (replies and
nudges alike) and counts the 429s and the requests discord.py sends again.

Errors: 403 / 50007 (the user accepts no DMs), 403 / 50001 (no access) and 404 / 10003 (no such
channel) are ChatUnreachable; 5xx and network failures are TransientError (discord.py itself
retries 500, 502, 504 and 524 up to five times first); a 429 discord.py could not wait out in
its five tries is RetryAfter. Anything else is raised as is (a bug of ours, reported failed).
"""

from __future__ import annotations

from types import SimpleNamespace

import aiohttp
import discord
from aiolimiter import AsyncLimiter

from bot.delivery_errors import ChatUnreachable, RetryAfter, TransientError
from bot.guide import Guide
from bot.metrics import FrontEndMetrics
from bot.reminders import Nudge
from bot.screens.reminders import nudge as nudge_screen
from handlers.discord.render import NO_MENTIONS, render, view

UNREACHABLE_CODES = frozenset({50007, 50001, 10003})  # closed DMs, no access, no channel
NUDGES_PER_SECOND = 49.0
TOO_MANY_REQUESTS = 429
# discord.py sends a request again after these (up to five tries in all), as after a 429.
RETRIED_STATUSES = frozenset({500, 502, 504, 524})


class NudgeSender:
    """A :data:`bot.reminders.NudgeSender` over a logged-in discord.py client."""

    def __init__(
        self, client: discord.Client, guide: Guide, per_second: float = NUDGES_PER_SECOND
    ) -> None:
        """``per_second``: the most nudge requests a second (> 0); raises ValueError otherwise."""
        if per_second <= 0:
            raise ValueError("per_second must be positive")
        self._client = client
        self._guide = guide
        # A bucket of one that drains at per_second: sends are evenly spaced, never bunched.
        self._pace = AsyncLimiter(1, 1 / per_second)

    async def __call__(self, nudge: Nudge) -> None:
        """Send ``nudge`` to its channel; raise a :mod:`bot.delivery_errors` error on failure."""
        channel = self._client.get_partial_messageable(nudge.chat_id)
        try:
            for part in render(nudge_screen(self._guide, nudge)):
                async with self._pace:
                    await channel.send(
                        embeds=part.embeds,
                        view=view(part.buttons) if part.buttons else discord.utils.MISSING,
                        allowed_mentions=NO_MENTIONS,
                    )
        except discord.HTTPException as exc:
            raise _mapped(exc) from exc
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise TransientError(type(exc).__name__) from exc


def _mapped(exc: discord.HTTPException) -> Exception:
    # Any 403 (no DMs, no access, Missing Permissions 50013...) will not pass by retrying.
    if exc.code in UNREACHABLE_CODES or isinstance(exc, discord.Forbidden):
        return ChatUnreachable(f"Discord {exc.status} / {exc.code}")
    if exc.status == TOO_MANY_REQUESTS:
        return RetryAfter(_retry_after(exc))
    if exc.status >= 500:
        return TransientError(f"Discord {exc.status}")
    return exc


def _retry_after(exc: discord.HTTPException) -> float:
    """Seconds from the 429's Retry-After header (0 when absent or malformed)."""
    try:
        return float(exc.response.headers.get("Retry-After", 0))
    except (TypeError, ValueError):
        return 0.0


def rest_trace(metrics: FrontEndMetrics) -> aiohttp.TraceConfig:
    """An aiohttp trace for ``discord.Client(http_trace=...)`` counting, for every answer:
    a 429 in ``metrics.rate_limited_once``; a 429 discord.py waits out (one with a ``Via``
    header: without one it takes it for a Cloudflare ban and raises) or a 500/502/504/524 in
    ``metrics.retried_once``. The fifth try's answer counts too, though none follows it."""

    async def on_request_end(
        session: aiohttp.ClientSession,
        context: SimpleNamespace,
        params: aiohttp.TraceRequestEndParams,
    ) -> None:
        status, headers = params.response.status, params.response.headers
        if status == TOO_MANY_REQUESTS:
            metrics.rate_limited_once()
            if "Via" in headers:
                metrics.retried_once()
        elif status in RETRIED_STATUSES:
            metrics.retried_once()

    trace = aiohttp.TraceConfig()
    trace.on_request_end.append(on_request_end)
    return trace
