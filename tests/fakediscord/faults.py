"""Server failures on demand: the next request(s) to a route get a 5xx (or any status).

    fake.fail_next("POST /channels/{channel_id}/messages", 503)

A fault is answered after authentication and rate limiting, in place of the route's handler
(nothing happens: no message is created), with Discord's JSON error body and code 0, and is
logged in `requests` like any answer. It is not a violation: the bot did nothing wrong.
"""

from dataclasses import dataclass
from http import HTTPStatus
from typing import Any


@dataclass(frozen=True)
class Fault:
    """One queued failure: the route it hits (None: any) and the answer's status."""

    route: str | None
    status: int

    def body(self) -> dict[str, Any]:
        """The JSON body Discord answers an outage with."""
        return {"message": f"{self.status}: {HTTPStatus(self.status).phrase}", "code": 0}


class Faults:
    """Failures waiting for their request, oldest first."""

    def __init__(self) -> None:
        self._queued: list[Fault] = []

    def fail_next(self, route: str | None = None, status: int = 503, *, times: int = 1) -> None:
        """Answer the next `times` requests to `route` ("POST /channels/{channel_id}/messages",
        None: any route) with `status`."""
        self._queued += [Fault(route, status)] * times

    def take(self, route: str) -> Fault | None:
        """The fault for this request, if one is queued (it is used up)."""
        for index, fault in enumerate(self._queued):
            if fault.route in (None, route):
                return self._queued.pop(index)
        return None
