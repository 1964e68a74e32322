"""The bot object: survives updates it cannot parse and knows which button presses it answered."""

from __future__ import annotations

import datetime as dtm
import logging
from collections.abc import Sequence
from typing import Any

from telegram import CallbackQuery, Update
from telegram._utils.defaultvalue import DEFAULT_NONE, DefaultValue
from telegram._utils.types import JSONDict, ODVInput, TimePeriod
from telegram.error import TelegramError
from telegram.ext import ExtBot

from handlers.telegram.update_parsing import parse_updates

log = logging.getLogger(__name__)


class CoachBot(ExtBot[None]):
    """An ExtBot whose getUpdates never fails on one malformed update, and which remembers
    the callback queries it tried to answer, so each press is answered exactly once."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        with self._unfrozen():
            self._answered: set[str] = set()

    async def get_updates(
        self,
        offset: int | None = None,
        limit: int | None = None,
        timeout: TimePeriod | None = None,  # noqa: ASYNC109 (the library's signature)
        allowed_updates: Sequence[str] | None = None,
        *,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
        api_kwargs: JSONDict | None = None,
    ) -> tuple[Update, ...]:
        """Fetch updates like ``Bot.get_updates``, but parse them one by one (see parse_updates).

        The library parses the whole batch at once: one update it cannot read fails the batch,
        which is then never confirmed and fetched again forever, and its data is logged.
        """
        data: JSONDict = {
            "timeout": timeout,
            "offset": offset,
            "limit": limit,
            "allowed_updates": allowed_updates,
        }
        # The read timeout must cover the long poll, as in Bot.get_updates.
        base = (
            self._request[0].read_timeout or 0
            if isinstance(read_timeout, DefaultValue)
            else read_timeout or 0
        )
        waited = timeout.total_seconds() if isinstance(timeout, dtm.timedelta) else timeout or 0
        result = await self._post(
            "getUpdates",
            data,
            read_timeout=base + waited,
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
            api_kwargs=api_kwargs,
        )
        updates = parse_updates(result if isinstance(result, list) else [], self)
        for update in updates:
            self.insert_callback_data(update)
        return updates

    async def answer_callback_query(
        self, callback_query_id: str, *args: Any, **kwargs: Any
    ) -> bool:
        """Answer a callback query, recording that an answer was attempted."""
        self._answered.add(str(callback_query_id))
        return await super().answer_callback_query(callback_query_id, *args, **kwargs)

    def was_answered(self, query: CallbackQuery) -> bool:
        """Whether an answer to ``query`` was already attempted (successfully or not)."""
        return query.id in self._answered

    async def finish_query(self, query: CallbackQuery) -> None:
        """Answer ``query`` if no handler did, then forget it: call once its update is handled."""
        try:
            if query.id not in self._answered:
                await self.answer_callback_query(query.id)
        except TelegramError as exc:
            log.info("could not answer callback query: %s", exc)
        finally:
            self._answered.discard(query.id)
