"""Discord's REST rate limits: per-route buckets, the global limit, and forced 429s for tests.

Off unless a `RateLimits` is given (like the fake Bot API). When on, every answer carries the
`X-RateLimit-*` headers discord.py reads, and a request over a limit gets 429 with
`{"message", "retry_after", "global"}`. Every answer has `Via`, which discord.py requires on a
429 (without it discord.py takes the 429 for a Cloudflare ban and raises).
"""

import hashlib
import math
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

RouteKey = tuple[str, str, str]  # method, route template, major parameter


@dataclass(frozen=True)
class RateLimits:
    """Limits to enforce; None switches one off. Interaction routes skip the global limit."""

    global_per_second: int | None = 50
    per_route: int | None = 5
    route_window_seconds: float = 5.0


@dataclass
class RateLimitDecision:
    """What the limiter says about one request: headers to add and, if refused, the 429 body."""

    headers: dict[str, str]
    refusal: dict[str, Any] | None = None


@dataclass
class _Window:
    started: float
    used: int = 0


@dataclass(frozen=True)
class _Forced:
    route: str | None
    retry_after: float
    is_global: bool


class RateLimiter:
    """Count requests per bucket and globally; refuse the ones over a limit."""

    def __init__(self, limits: RateLimits | None) -> None:
        self.limits = limits
        self._windows: dict[RouteKey, _Window] = {}
        self._global: deque[float] = deque()
        self._forced: list[_Forced] = []

    def force_429(
        self, route: str | None = None, *, retry_after: float = 0.1, is_global: bool = False
    ) -> None:
        """Refuse the next request to `route` ("POST /channels/{channel_id}/messages") or any."""
        self._forced.append(_Forced(route, retry_after, is_global))

    def check(self, key: RouteKey, *, exempt_from_global: bool) -> RateLimitDecision:
        """Count one request and decide whether Discord would serve it."""
        headers = {"Via": "1.1 google"}
        forced = self._take_forced(f"{key[0]} {key[1]}")
        if forced is not None:
            return self._refuse(headers, forced.retry_after, forced.is_global)
        if self.limits is None:
            return RateLimitDecision(headers)
        now = time.monotonic()
        if not exempt_from_global and self.limits.global_per_second is not None:
            while self._global and now - self._global[0] >= 1.0:
                self._global.popleft()
            if len(self._global) >= self.limits.global_per_second:
                retry_after = 1.0 - (now - self._global[0])
                return self._refuse(headers, retry_after, is_global=True)
            self._global.append(now)
        if self.limits.per_route is None:
            return RateLimitDecision(headers)
        window = self._windows.get(key)
        if window is None or now - window.started >= self.limits.route_window_seconds:
            window = self._windows[key] = _Window(now)
        reset_after = max(0.0, window.started + self.limits.route_window_seconds - now)
        headers.update(
            {
                "X-RateLimit-Limit": str(self.limits.per_route),
                "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
                "X-RateLimit-Reset-After": f"{reset_after:.3f}",
                "X-RateLimit-Bucket": bucket_hash(key),
            }
        )
        if window.used >= self.limits.per_route:
            headers["X-RateLimit-Remaining"] = "0"
            return self._refuse(headers, reset_after, is_global=False)
        window.used += 1
        headers["X-RateLimit-Remaining"] = str(self.limits.per_route - window.used)
        return RateLimitDecision(headers)

    def _take_forced(self, route: str) -> _Forced | None:
        for index, forced in enumerate(self._forced):
            if forced.route in (None, route):
                return self._forced.pop(index)
        return None

    @staticmethod
    def _refuse(headers: dict[str, str], retry_after: float, is_global: bool) -> RateLimitDecision:
        retry_after = round(max(retry_after, 0.001), 3)
        headers["Retry-After"] = str(math.ceil(retry_after))
        headers["X-RateLimit-Scope"] = "global" if is_global else "user"
        if is_global:
            headers["X-RateLimit-Global"] = "true"
        body = {
            "message": "You are being rate limited.",
            "retry_after": retry_after,
            "global": is_global,
        }
        return RateLimitDecision(headers, body)


def bucket_hash(key: RouteKey) -> str:
    """An opaque bucket id shared by every major parameter of one route, like Discord's."""
    return hashlib.sha1(f"{key[0]} {key[1]}".encode()).hexdigest()[:16]
