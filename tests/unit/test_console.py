"""The console front end on a real core: plain-text replies, numbered buttons, nudges."""

from __future__ import annotations

import asyncio
import io
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot import commands as registry
from bot.actions import ShowTopic
from bot.core import Core, FrontEnd
from bot.guide import Guide, load_guide
from bot.replies import Figure, Figures, Heading, Reply, SourceRef, Sources, b, line, link, para
from bot.screens import guide as guide_screens
from bot.settings import Settings
from handlers.console import ConsoleFrontEnd, chat_session, nudge_routes, render
from tests.conftest import FakeClock

ROOT = Path(__file__).resolve().parents[2]


class Transcript(io.StringIO):
    """Everything the console printed; a test can wait for a text to appear."""

    def __init__(self) -> None:
        super().__init__()
        self._written = asyncio.Event()

    def write(self, text: str) -> int:
        self._written.set()
        return super().write(text)

    async def wait_for(self, text: str) -> None:
        """Wait until ``text`` has been printed (fails after ten seconds)."""
        async with asyncio.timeout(10):
            while text not in self.getvalue():
                self._written.clear()
                await self._written.wait()

    def since(self, mark: int) -> str:
        """What was printed after ``mark`` (a length of the transcript)."""
        return self.getvalue()[mark:]


async def no_input() -> str | None:
    return None


@pytest_asyncio.fixture
async def console(tmp_path: Path) -> AsyncIterator[tuple[ConsoleFrontEnd, Transcript]]:
    """A console on an open core (no lines read: tests call handle_line)."""
    out = Transcript()
    async with Core.open(Settings(data_dir=tmp_path / "data")) as core:
        yield ConsoleFrontEnd(core, no_input, out), out


@pytest.fixture(scope="module")
def guide() -> Guide:
    return load_guide()


def test_render_shows_figures_with_their_date_and_source_and_links_with_their_address() -> None:
    source = SourceRef("BLS", "https://www.bls.gov/ooh/")
    reply = Reply(
        (
            Heading("Salary"),
            para(line("Pay is ", b("good"), "; see ", link("the guide", "https://example.org"))),
            Figures((Figure("Median pay", "$50,250", "May 2024", source),)),
            Sources((source, SourceRef("Career Karma"))),
        )
    )
    assert render(reply) == (
        "Salary\n\n"
        "Pay is good; see the guide (https://example.org)\n\n"
        "📊 Median pay: $50,250 (as of May 2024; BLS (https://www.bls.gov/ooh/))\n\n"
        "Source: BLS (https://www.bls.gov/ooh/); Career Karma"
    )


async def test_a_question_is_answered_from_the_guide(
    console: tuple[ConsoleFrontEnd, Transcript],
) -> None:
    front_end, out = console
    assert await front_end.handle_line("how long does it take")
    assert "18 months to 4.5 years" in out.getvalue()


async def test_a_number_presses_that_button_of_the_last_reply(
    console: tuple[ConsoleFrontEnd, Transcript], guide: Guide
) -> None:
    front_end, out = console
    await front_end.handle_line("/certs")
    codes = [c.code for c in guide.certifications]
    assert f"[{codes.index('CPC') + 1}] CPC" in out.getvalue()
    mark = len(out.getvalue())
    await front_end.handle_line(str(codes.index("CPC") + 1))
    assert "CPC: Certified Professional Coder" in out.since(mark)


async def test_a_number_past_the_buttons_is_a_question(
    console: tuple[ConsoleFrontEnd, Transcript],
) -> None:
    front_end, out = console
    await front_end.handle_line("/faq")
    mark = len(out.getvalue())
    await front_end.handle_line("99")
    assert "[1]" in out.since(mark)  # an answer with its topic buttons, not a press
    assert "no longer valid" not in out.since(mark)


async def test_a_stale_action_changes_nothing_and_says_so(
    console: tuple[ConsoleFrontEnd, Transcript],
) -> None:
    front_end, out = console
    await front_end.press(ShowTopic("no-such-topic"))
    assert guide_screens.STALE_BUTTON in out.getvalue()


async def test_the_remind_buttons_set_a_reminder(
    console: tuple[ConsoleFrontEnd, Transcript],
) -> None:
    front_end, out = console
    await front_end.handle_line("/timezone Europe/Madrid")
    await front_end.handle_line("/remind")
    await front_end.handle_line("1")  # 07:00
    await front_end.handle_line("1")  # every day
    assert "Reminder set" in out.getvalue()
    mark = len(out.getvalue())
    await front_end.handle_line("/reminders")
    assert "07:00" in out.since(mark) and "Europe/Madrid" in out.since(mark)


async def test_a_time_typed_after_a_bare_remind_goes_on_to_the_days(
    console: tuple[ConsoleFrontEnd, Transcript],
) -> None:
    front_end, out = console
    await front_end.handle_line("/remind")
    mark = len(out.getvalue())
    await front_end.handle_line("19:30")
    assert "At 19:30. On which days?" in out.since(mark)


async def test_every_registered_command_has_a_console_route(
    console: tuple[ConsoleFrontEnd, Transcript], guide: Guide
) -> None:
    front_end, out = console
    for command in registry.commands(guide):
        mark = len(out.getvalue())
        await front_end.handle_line(f"/{command.name}")
        assert "I don't know" not in out.since(mark), command.name
    mark = len(out.getvalue())
    await front_end.handle_line("/nope")
    assert "I don't know /nope" in out.since(mark)


async def test_stats_are_shown_to_the_console_user(
    console: tuple[ConsoleFrontEnd, Transcript],
) -> None:
    front_end, out = console
    await front_end.handle_line("/remind 08:00 daily UTC")
    await front_end.handle_line("/stats")
    assert "Reminders: 1 (1 active)" in out.getvalue()


async def test_quit_ends_the_session(console: tuple[ConsoleFrontEnd, Transcript]) -> None:
    front_end, _ = console
    assert not await front_end.handle_line("/quit")


async def test_a_nudge_is_printed_as_it_fires_and_its_buttons_answer_it(tmp_path: Path) -> None:
    out = Transcript()
    clock = FakeClock()
    async with Core.open(Settings(data_dir=tmp_path / "data"), clock=clock) as core:
        front_end = ConsoleFrontEnd(core, no_input, out)
        async with front_end.connected() as sender, core.delivering(nudge_routes(sender)):
            minute = clock.set_seconds_before_next_minute(1)
            await front_end.handle_line(f"/remind {minute:%H:%M} daily UTC")
            await out.wait_for("Time to study!")
            assert "[1] Studied ✅" in out.getvalue()
            await front_end.handle_line("1")
            await out.wait_for("Recorded. Well done!")


async def test_a_session_greets_shows_the_menu_and_says_bye(tmp_path: Path) -> None:
    lines: asyncio.Queue[str | None] = asyncio.Queue()
    for text in ("/salary", "/quit", "never read"):
        lines.put_nowait(text)
    out = Transcript()
    await chat_session(Settings(data_dir=tmp_path / "data"), lines.get, out)
    printed = out.getvalue()
    assert printed.startswith("MedCoder Coach console chat.")
    assert "👋 Hi!" in printed and "[1] " in printed  # /start with the topic menu
    assert "$50,250" in printed
    assert printed.endswith("Bye!\n")
    assert lines.qsize() == 1  # nothing read after /quit


async def test_a_session_ends_at_the_end_of_input(tmp_path: Path) -> None:
    out = Transcript()
    await asyncio.wait_for(chat_session(Settings(data_dir=tmp_path), no_input, out), 30)
    assert out.getvalue().endswith("Bye!\n")


def test_the_console_is_a_front_end(tmp_path: Path) -> None:
    def check(core: Core) -> FrontEnd:  # mypy checks the protocol here
        return ConsoleFrontEnd(core, no_input, io.StringIO())

    assert ConsoleFrontEnd.platform == "console"
    assert check.__annotations__


def test_the_console_imports_no_platform_library() -> None:
    code = (
        "import sys, handlers.console; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'telegram', 'discord'}))"
    )
    found = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert found.stdout.strip() == "[]"
