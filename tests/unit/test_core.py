"""The core: opened with everything in place, closed in order, front ends run in order."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot.core import Core, FrontEndError, serving
from bot.reminders import Nudge, NudgeSender, ReminderService
from bot.settings import Settings
from storage.async_repository import AsyncRepository


class Recorder:
    """Records, in order, what the core and the fake front ends did."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.events: list[str] = []
        self.senders: dict[str, NudgeSender] = {}
        start, stop = ReminderService.start, ReminderService.stop
        close = AsyncRepository.close

        async def started(service: ReminderService, senders: Mapping[str, NudgeSender]) -> None:
            self.events.append("reminders start")
            self.senders = dict(senders)
            await start(service, senders)

        async def stopped(service: ReminderService) -> None:
            self.events.append("reminders stop")
            await stop(service)

        async def closed(repository: AsyncRepository) -> None:
            self.events.append("storage close")
            await close(repository)

        monkeypatch.setattr(ReminderService, "start", started)
        monkeypatch.setattr(ReminderService, "stop", stopped)
        monkeypatch.setattr(AsyncRepository, "close", closed)


class FakeFrontEnd:
    """A front end that records its phases; ``fail`` makes connecting fail."""

    def __init__(self, platform: str, recorder: Recorder, *, fail: bool = False) -> None:
        self.platform = platform
        self._events = recorder.events
        self._fail = fail

    async def send(self, nudge: Nudge) -> None:
        self._events.append(f"{self.platform} sends to {nudge.chat_id}")

    @asynccontextmanager
    async def connected(self) -> AsyncIterator[NudgeSender]:
        if self._fail:
            raise FrontEndError(f"{self.platform} refused the token", 2)
        self._events.append(f"{self.platform} connect")
        try:
            yield self.send
        finally:
            self._events.append(f"{self.platform} disconnect")

    @asynccontextmanager
    async def serving(self) -> AsyncIterator[None]:
        self._events.append(f"{self.platform} serve")
        try:
            yield
        finally:
            self._events.append(f"{self.platform} stop serving")


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    return Recorder(monkeypatch)


async def test_open_fills_every_service_and_closes_reminders_then_storage(
    tmp_path: Path, recorder: Recorder
) -> None:
    async with Core.open(Settings(data_dir=tmp_path / "data")) as core:
        assert core.guide.steps and core.questions is not None
        assert isinstance(core.repository, AsyncRepository)
        assert isinstance(core.reminders, ReminderService)
        assert core.settings.data_dir == tmp_path / "data"
        assert (tmp_path / "data" / "meta.json").is_file()
        assert recorder.events == []
    assert recorder.events == ["reminders stop", "storage close"]


async def test_front_ends_start_after_delivery_and_stop_before_it_disconnect_after(
    tmp_path: Path, recorder: Recorder
) -> None:
    async with Core.open(Settings(data_dir=tmp_path / "data")) as core:
        fronts = [FakeFrontEnd("telegram", recorder), FakeFrontEnd("other", recorder)]
        async with serving(core, fronts):
            assert recorder.events == [
                "telegram connect",
                "other connect",
                "reminders start",
                "telegram serve",
                "other serve",
            ]
            assert set(recorder.senders) == {"telegram", "other"}
            recorder.events.clear()
    assert recorder.events == [
        "other stop serving",
        "telegram stop serving",
        "reminders stop",
        "other disconnect",
        "telegram disconnect",
        "reminders stop",  # Core.open's own stop: a no-op by now
        "storage close",
    ]


async def test_a_front_end_that_cannot_connect_closes_what_was_opened(
    tmp_path: Path, recorder: Recorder
) -> None:
    fronts = [FakeFrontEnd("telegram", recorder), FakeFrontEnd("other", recorder, fail=True)]
    with pytest.raises(FrontEndError, match="other refused the token") as caught:
        async with Core.open(Settings(data_dir=tmp_path / "data")) as core, serving(core, fronts):
            pytest.fail("serving must not start")
    assert caught.value.exit_status == 2
    assert recorder.events == [
        "telegram connect",
        "telegram disconnect",
        "reminders stop",
        "storage close",
    ]


async def test_delivery_needs_a_sender(tmp_path: Path, recorder: Recorder) -> None:
    async with Core.open(Settings(data_dir=tmp_path / "data")) as core:
        with pytest.raises(ValueError, match="no nudge sender"):
            async with core.delivering({}):
                pytest.fail("delivery must not start")


async def test_a_discord_front_end_alone_serves(tmp_path: Path, recorder: Recorder) -> None:
    async with (
        Core.open(Settings(data_dir=tmp_path / "data")) as core,
        serving(core, [FakeFrontEnd("discord", recorder)]),
    ):
        assert "discord connect" in recorder.events
    assert recorder.events[-2:] == ["reminders stop", "storage close"]


async def test_no_front_end_is_refused(tmp_path: Path) -> None:
    async with Core.open(Settings(data_dir=tmp_path / "data")) as core:
        with pytest.raises(ValueError, match="no front end"):
            async with serving(core, []):
                pytest.fail("serving must not start")
