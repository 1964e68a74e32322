"""The real bot process across a fall-back night: a 01:30 reminder is sent once that day.

On 2027-11-07 America/New_York falls back at 02:00 EDT to 01:00 EST, so 01:30 happens twice:
at 05:30 UTC (EDT) and at 06:30 UTC (EST). The bot runs as a subprocess whose clock only the
test launcher shifts: first just before the first 01:30, then past the second.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.schedule import EVERY_DAY
from storage.records import ChatProfile, Reminder
from storage.repository import Repository
from tests.e2e.test_restart_process import ANN, CHAT, nudges, start_bot, stop_bot
from tests.fakeapi.server import FakeBotApiServer
from tests.harness import barrier

ZONE = "America/New_York"
FIRST_0130 = datetime(2027, 11, 7, 5, 30, tzinfo=UTC)  # 01:30 EDT
SECOND_0130 = datetime(2027, 11, 7, 6, 30, tzinfo=UTC)  # 01:30 EST, the repeated hour
DELIVERED_THE_DAY_BEFORE = datetime(2027, 11, 6, 5, 30, tzinfo=UTC)


def shift_to(moment: datetime) -> float:
    """Seconds to add to real time so the bot's clock reads ``moment`` now (UTC)."""
    return (moment - datetime.now(UTC)).total_seconds()


async def test_a_0130_reminder_fires_once_on_the_fall_back_day(
    fake_api: FakeBotApiServer, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    fake_api.sim.world.add(CHAT)  # Ann talked to the bot before that night
    with Repository.open(data) as repository:
        repository.bulk_load(
            [ChatProfile(CHAT.id, tz=ZONE)],
            [
                Reminder(
                    "dst0130a",
                    CHAT.id,
                    1,
                    30,
                    EVERY_DAY,
                    ZONE,
                    last_fired=DELIVERED_THE_DAY_BEFORE.isoformat(),
                )
            ],
        )

    before_edt = await start_bot(fake_api, data, shift_to(FIRST_0130) - 3)  # 01:29:57 EDT
    nudge = await fake_api.sim.next_message(CHAT.id, timeout=30)
    assert "Time to study" in nudge.plain_text
    await barrier(fake_api.sim)
    await stop_bot(before_edt)

    after_est = await start_bot(fake_api, data, shift_to(SECOND_0130) + 5)  # 01:30:05 EST
    fake_api.sim.send_text(CHAT, ANN, "/reminders")
    listing = await fake_api.sim.next_message(CHAT.id, timeout=30)
    assert "01:30 every day (America/New_York)" in listing.plain_text
    assert "Mon 8 Nov, 01:30" in listing.plain_text  # the next one is tomorrow's
    await barrier(fake_api.sim)
    await stop_bot(after_est)  # drains any send in flight before the process exits

    assert nudges(fake_api) == 1
    assert [m.plain_text for m in fake_api.sim.messages_to(CHAT.id)].count(nudge.plain_text) == 1
