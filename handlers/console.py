"""The console front end: ``python -m bot chat``, the real core in a terminal.

No token, no network and no platform library: it opens the core on a data folder (a
throwaway temporary one unless ``--data-dir DIR`` names one), reads lines, and turns each into
a use-case call with an ``Actor(platform="console")``:

- ``/name args``: the command registry names it; the guide, reminder or operators' use case
  answers (an unknown name gets the unknown-command reply);
- a number: presses that button of the last reply shown (its action is encoded and decoded
  with the one codec, as any front end does);
- anything else: a question (or, right after a bare ``/remind``, the time it asked for);
- ``/quit`` (or ``/exit``, or the end of input): leave.

Replies are printed as plain text: styles dropped, links as ``text (url)``, figures with
their as-of date and source, buttons as ``[1] label``. Nudges are printed as they fire: this
is a :class:`bot.core.FrontEnd` whose NudgeSender prints.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import tempfile
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Final, TextIO

from bot import commands as registry
from bot import reminders as reminders_module
from bot.actions import Action, ChooseLanguage, Unknown, decode, encode
from bot.actor import Actor
from bot.core import Core
from bot.reminders import Nudge, NudgeSender
from bot.replies import (
    Block,
    Bullets,
    Figures,
    Heading,
    Line,
    Paragraph,
    Reply,
    SourceRef,
    Sources,
)
from bot.screens import guide as guide_screens
from bot.screens.reminders import nudge as nudge_screen
from bot.settings import Settings
from bot.use_cases import admin as admin_use_cases
from bot.use_cases import announcing, conversation, privacy
from bot.use_cases import guide as guide_use_cases
from bot.use_cases import language as language_use_cases
from bot.use_cases import reminders as reminder_use_cases

log = logging.getLogger(__name__)

PLATFORM: Final = "console"
CHAT_ID = 1  # the console's one chat (and its one user)
QUIT = frozenset({"/quit", "/exit"})
GREETING = (
    "MedCoder Coach console chat. Type a question or a command, a number to press a button, "
    "/quit to leave."
)
SORRY = "Sorry, something went wrong. Try again, or /quit."

ReadLine = Callable[[], Awaitable[str | None]]


def render(reply: Reply) -> str:
    """The reply's blocks as plain text, separated by blank lines (no buttons, no notice)."""
    return "\n\n".join("\n".join(_block_lines(block)) for block in reply.blocks)


def _block_lines(block: Block) -> list[str]:
    match block:
        case Heading(text):
            return [text]
        case Paragraph(lines):
            return [_line(spans) for spans in lines]
        case Figures(items, as_of):
            return [
                f"📊 {f.label}: {f.value} ({as_of} {f.as_of}; {_ref(f.source)})" for f in items
            ]
        case Bullets(items):
            return [f"• {_line(item)}" for item in items]
        case Sources(refs, label):
            return [label + "; ".join(_ref(ref) for ref in refs)]


def _line(spans: Line) -> str:
    return "".join(f"{s.text} ({s.url})" if s.url and s.url != s.text else s.text for s in spans)


def _ref(ref: SourceRef) -> str:
    return f"{ref.name} ({ref.url})" if ref.url else ref.name


class ConsoleFrontEnd:
    """The console on an open core (see :class:`bot.core.FrontEnd`): lines in, text out.

    ``read`` returns the next typed line, or None at the end of input; ``out`` receives
    everything printed.
    """

    platform = PLATFORM

    def __init__(self, core: Core, read: ReadLine, out: TextIO) -> None:
        self._core = core
        self._read = read
        self._out = out
        # The terminal's language (LANG, e.g. es_ES.UTF-8) plays the app's language.
        self._actor = Actor(
            platform=PLATFORM, chat_id=CHAT_ID, user_id=CHAT_ID, language=os.environ.get("LANG")
        )
        self._reminders = reminder_use_cases.ReminderUseCases(core.reminders, core.guide)
        self._admin = admin_use_cases.AdminUseCases.of(core)
        self._language = language_use_cases.LanguageUseCases(core.reminders, core.guide)
        self._talk = conversation.Conversation(core.guide, core.questions, self._reminders)
        self._privacy = privacy.PrivacyUseCases(core.reminders, core.announcements, core.guide)
        self._announcing = announcing.AnnouncingUseCases(
            core.settings, core.announcements, core.reminders, core.guide
        )
        self._buttons: list[str] = []  # the last reply's buttons, as encoded actions
        self._awaiting_time = False  # a bare /remind asked for a time
        self._finished = asyncio.Event()

    # ----- FrontEnd --------------------------------------------------------------------

    @asynccontextmanager
    async def connected(self) -> AsyncIterator[NudgeSender]:
        """Nothing to connect to: yield the sender that prints nudges."""
        yield self.send_nudge

    @asynccontextmanager
    async def serving(self) -> AsyncIterator[None]:
        """Greet, show /start, then take lines until the block exits (or /quit)."""
        task = asyncio.create_task(self._serve(), name="console")
        try:
            yield
        finally:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task

    async def finished(self) -> None:
        """Wait until the user quits (``/quit`` or the end of input)."""
        await self._finished.wait()

    async def _serve(self) -> None:
        try:
            self._write(GREETING)
            await self.handle_line("/start")
            while (text := await self._read()) is not None:
                try:
                    if not await self.handle_line(text):
                        break
                except Exception:  # one failed line must not end the session
                    log.exception("the console could not answer a line")
                    self._write(SORRY)
        finally:
            self._finished.set()

    # ----- lines in ----------------------------------------------------------------------

    async def handle_line(self, text: str) -> bool:
        """Carry out one typed line and print the answer; False once the user quits."""
        text = text.strip()
        if not text:
            return True
        if text.lower() in QUIT:
            return False
        if text.isdigit() and 1 <= int(text) <= len(self._buttons):
            await self.press(decode(self._buttons[int(text) - 1]))
        elif text.startswith("/"):
            word, _, args = text.partition(" ")
            await self.command(word[1:].split("@")[0].lower(), args.strip())
        elif self._awaiting_time:
            self._awaiting_time = False
            self.show(await self._reminders.typed_time(await self._speaker(), text))
        else:
            self.show(await self._talk.said(await self._speaker(), text))
        return True

    async def _speaker(self) -> Actor:
        """The console user, speaking their effective language (see Core.localized)."""
        return await self._core.localized(self._actor)

    async def command(self, name: str, args: str = "") -> None:
        """Answer ``/name args`` through the use case the registry's command belongs to."""
        core, actor = self._core, await self._speaker()
        if name == "start":
            await core.started(actor)
        self._awaiting_time = name == "remind" and not args
        if registry.find(core.guide, name) is None:
            self.show(guide_screens.unknown_command(f"/{name}"))
        elif guide_use_cases.handles(core.guide, name):
            self.show(guide_use_cases.command(core.guide, core.questions, actor, name, args))
        elif name in reminder_use_cases.COMMANDS:
            self.show(await self._reminders.command(actor, name, args))
        elif name in admin_use_cases.COMMANDS:
            self.show(await self._admin.command(actor, name, args))
        elif name in language_use_cases.COMMANDS:
            self.show(await self._language.command(actor, args))
        elif name in privacy.COMMANDS:
            self.show(await self._privacy.command(actor, name))
        elif name in announcing.COMMANDS:
            self.show(await self._announcing.command(actor, name, args))
        else:  # a registry entry no use case answers (a test keeps this from happening)
            self.show(guide_screens.unknown_command(f"/{name}"))

    async def press(self, action: Action | Unknown) -> None:
        """Carry out a decoded button action, as a button press on any platform would."""
        actor = await self._speaker()
        if isinstance(action, reminder_use_cases.ACTIONS):
            self._awaiting_time = False  # the buttons took over from typing
            self.show(await self._reminders.press(actor, action))
        elif isinstance(action, ChooseLanguage):
            self.show(await self._language.press(actor, action))
        elif isinstance(action, conversation.ACTIONS):
            self.show(await self._talk.press(actor, action))
        elif isinstance(action, privacy.ACTIONS):
            self.show(await self._privacy.press(actor, action))
        elif isinstance(action, announcing.ACTIONS):
            self.show((await self._announcing.press(actor, action)).reply)
        else:  # a topic, or stale data: the guide's use case answers both
            self.show(guide_use_cases.press(self._core.guide, actor, action))

    # ----- text out ----------------------------------------------------------------------

    def show(self, reply: Reply) -> None:
        """Print ``reply``: its notice, its text, and its buttons numbered from 1."""
        if reply.notice:
            self._write(f"  ({'! ' if reply.alert else ''}{reply.notice})")
        if not reply.blocks:
            return
        self._write("")
        self._write(render(reply))
        if reply.attachment is not None:
            self._write(f"[{reply.attachment.filename}]")
            self._write(reply.attachment.data.decode("utf-8", errors="replace"))
        self._buttons = []
        for row in reply.buttons:
            cells = []
            for button in row:
                self._buttons.append(encode(button.action))
                cells.append(f"[{len(self._buttons)}] {button.label}")
            self._write("  " + "   ".join(cells))
        self._write("")

    async def send_nudge(self, nudge: Nudge) -> None:
        """Print a nudge as it fires; its buttons become the ones a number presses."""
        self.show(nudge_screen(self._core.guide, nudge))

    def _write(self, text: str) -> None:
        print(text, file=self._out, flush=True)


def nudge_routes(sender: NudgeSender) -> dict[str, NudgeSender]:
    """The senders to deliver through: the console's own platform.

    Transitional: while the reminder service still sends every nudge through one legacy
    platform (``bot.reminders.NUDGE_PLATFORM``, from before stored chats carried their
    platform), that route leads to the console too; the console's data folder is its own.
    Once chats are keyed by platform the constant is gone and only "console" is routed.
    """
    routes = {PLATFORM: sender}
    legacy = getattr(reminders_module, "NUDGE_PLATFORM", None)
    if isinstance(legacy, str):
        routes[legacy] = sender
    return routes


async def chat_session(settings: Settings, read: ReadLine, out: TextIO) -> None:
    """Open the core on ``settings``, run the console on it until the user quits, close.

    The order is :func:`bot.core.serving`'s: connect, start delivering nudges, take lines;
    then stop taking lines, stop the nudges, disconnect; the core's exit closes storage.
    """
    async with Core.open(settings) as core:
        console = ConsoleFrontEnd(core, read, out)
        async with (
            console.connected() as sender,
            core.delivering(nudge_routes(sender)),
            console.serving(),
        ):
            await console.finished()
    print("Bye!", file=out, flush=True)


def stdin_lines(prompt: bool) -> ReadLine:
    """Read standard input on a daemon thread (so a pending read never holds up the exit);
    each call returns the next line, or None at the end of input."""
    loop = asyncio.get_running_loop()
    lines: asyncio.Queue[str | None] = asyncio.Queue()

    def pump() -> None:
        try:
            for text in sys.stdin:
                loop.call_soon_threadsafe(lines.put_nowait, text)
        finally:
            loop.call_soon_threadsafe(lines.put_nowait, None)

    threading.Thread(target=pump, name="console-stdin", daemon=True).start()

    async def read() -> str | None:
        if prompt:
            print("> ", end="", flush=True)
        return await lines.get()

    return read


def run_console(data_dir: Path | None = None) -> int:
    """Entry point of ``python -m bot chat``: a session on ``data_dir``, or on a temporary
    folder removed afterwards. Returns the exit status."""

    async def session(folder: Path) -> None:
        settings = Settings(data_dir=folder, log_level="WARNING")
        await chat_session(settings, stdin_lines(sys.stdin.isatty()), sys.stdout)

    if data_dir is not None:
        asyncio.run(session(data_dir))
        return 0
    with tempfile.TemporaryDirectory(prefix="medcoder-chat-") as folder:
        asyncio.run(session(Path(folder)))
    return 0
