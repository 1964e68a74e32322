"""Delivery failures as core exceptions, so core code never imports the Telegram library."""

from __future__ import annotations


class DeliveryError(Exception):
    """Base class of every failure the transport reports for one send."""


class RetryAfter(DeliveryError):
    """The transport is still rate limited (HTTP 429) after its own waits of ``seconds``.

    The rate limiter already retried; the occurrence is dropped, never retried again here.
    """

    def __init__(self, seconds: float) -> None:
        super().__init__(f"rate limited; retry after {seconds} s")
        self.seconds = float(seconds)


class TransientError(DeliveryError):
    """A failure that may pass (5xx, timeout, network): reported failed; the reminder engine
    retries the same occurrence once a minute while it is within the grace."""


class ChatUnreachable(DeliveryError):
    """The chat cannot receive messages (blocked, kicked, not found): never retry."""


class ChatMoved(DeliveryError):
    """The group was upgraded to a supergroup: send to ``new_chat_id`` from now on."""

    def __init__(self, new_chat_id: int) -> None:
        super().__init__(f"the chat moved to {new_chat_id}")
        self.new_chat_id = new_chat_id
