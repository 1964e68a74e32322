"""A PTB request backend that hands Bot API calls straight to a BotApiSimulator (no sockets)."""

import asyncio
import json
from typing import Any

from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import TimedOut
from telegram.request import BaseRequest, RequestData

from tests.fakeapi.simulator.state import BotApiSimulator


class SimulatorRequest(BaseRequest):
    """Route PTB's requests to a simulator in-process, decoded as the HTTP server would."""

    def __init__(self, simulator: BotApiSimulator, *, read_timeout: float | None = 5.0) -> None:
        self._simulator = simulator
        self._read_timeout = read_timeout

    @property
    def simulator(self) -> BotApiSimulator:
        """The simulator this request talks to."""
        return self._simulator

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout; getUpdates adds its long-polling timeout to it."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Nothing to open: there is no connection pool."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Call the simulator for the API method named at the end of `url`."""
        api_method = url.rstrip("/").rsplit("/", 1)[-1]
        params = decode_parameters(request_data)
        timeout = self._read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout
        try:
            status, body = await asyncio.wait_for(
                self._simulator.handle(api_method, params), timeout
            )
        except TimeoutError as error:
            raise TimedOut from error
        return status, json.dumps(body).encode("utf-8")


def decode_parameters(request_data: RequestData | None) -> dict[str, Any]:
    """The call's parameters as JSON values, the form the server hands to the simulator."""
    if request_data is None:
        return {}
    # A JSON round trip turns tuples into lists and proves every value is serialisable.
    return json.loads(json.dumps(request_data.parameters))
