"""Injected failures and delays for chosen Bot API methods."""

from dataclasses import dataclass
from typing import Any

from tests.fakeapi.simulator.errors import ApiError


@dataclass
class _Fault:
    method: str
    status: int
    description: str
    retry_after: int | None
    remaining: int
    chat_id: int | str | None


@dataclass
class _Delay:
    method: str
    seconds: float
    remaining: int | None


class FaultPlan:
    """What the simulator should break next: error answers and slow answers per method."""

    def __init__(self) -> None:
        self._faults: list[_Fault] = []
        self._delays: list[_Delay] = []

    def fail_next(
        self,
        method: str,
        status: int,
        description: str,
        *,
        retry_after: int | None = None,
        times: int = 1,
        chat_id: int | str | None = None,
    ) -> None:
        """Answer the next `times` calls of `method` (optionally to `chat_id`) with an error."""
        self._faults.append(
            _Fault(method.lower(), status, description, retry_after, times, chat_id)
        )

    def delay(self, method: str, seconds: float, *, times: int | None = None) -> None:
        """Hold answers to `method` for `seconds` (the next `times` calls, or all if None)."""
        self._delays.append(_Delay(method.lower(), seconds, times))

    def clear(self) -> None:
        """Forget every pending fault and delay."""
        self._faults.clear()
        self._delays.clear()

    def take_fault(self, method: str, params: dict[str, Any]) -> ApiError | None:
        """Consume and return the fault for this call, if one matches."""
        for fault in self._faults:
            if fault.method != method.lower():
                continue
            if fault.chat_id is not None and str(params.get("chat_id")) != str(fault.chat_id):
                continue
            fault.remaining -= 1
            if fault.remaining <= 0:
                self._faults.remove(fault)
            return ApiError(fault.status, fault.description, retry_after=fault.retry_after)
        return None

    def take_delay(self, method: str) -> float:
        """Consume and return the delay in seconds for this call (0 if none)."""
        for delay in self._delays:
            if delay.method != method.lower():
                continue
            if delay.remaining is not None:
                delay.remaining -= 1
                if delay.remaining <= 0:
                    self._delays.remove(delay)
            return delay.seconds
        return 0.0
