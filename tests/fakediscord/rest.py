"""What REST handlers receive and return; shared helpers for reading ids."""

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from tests.fakediscord import errors
from tests.fakediscord.interactions import InteractionBook
from tests.fakediscord.state import FakeState


@dataclass(frozen=True)
class Call:
    """One REST request: path parameters, query, JSON body, and the fake's state."""

    params: Mapping[str, str]
    query: Mapping[str, str]
    body: Any
    state: FakeState
    interactions: InteractionBook

    def snowflake(self, name: str) -> int:
        """A path parameter as an id (Discord answers 404 to one that is not a number)."""
        value = self.params[name]
        if not value.isdigit():
            raise errors.not_found()
        return int(value)

    def json_object(self) -> dict[str, Any]:
        """The body, which must be a JSON object."""
        if not isinstance(self.body, dict):
            raise errors.DiscordError(400, 50109, "The request body contains invalid JSON.")
        return self.body


Answer = tuple[int, Any]  # status, JSON body (None: 204 No Content)
Handler = Callable[[Call], Awaitable[Answer]]
Route = tuple[str, str, Handler]  # method, path template under /api/v10, handler
