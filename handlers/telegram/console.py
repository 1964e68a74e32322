"""``python -m bot chat``: try the bot in a terminal, with no token and no network.

The real Application and handlers run against the in-process Bot API simulator. Replies are
printed as plain text; buttons are numbered and pressed by typing their number.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from pydantic import SecretStr

from bot.core import Core, serving
from bot.settings import Settings, TelegramSettings
from handlers.telegram.app import TelegramFrontEnd
from handlers.telegram.simulator import BotApiSimulator, SentMessage, SimChat, SimUser
from handlers.telegram.simulator.request import SimulatorRequest

CONSOLE_TOKEN = "123456789:console-chat-no-real-token-here"
YOU = SimUser(1, "You", "console_user")
HIDDEN = SimUser(2, "Barrier", "console_barrier")
QUIT = ("/quit", "/exit")


class ConsoleChat:
    """One console session: the user's lines in, the bot's messages and buttons out."""

    def __init__(self, sim: BotApiSimulator, out: TextIO) -> None:
        self._sim = sim
        self._out = out
        self._chat = SimChat.private(YOU)
        self._hidden = SimChat.private(HIDDEN)
        self._buttons: list[tuple[int, str, str]] = []  # (message id, label, callback data)
        self._seen_callbacks = 0
        self._seen_sent = 0
        self._seen_edits = 0

    async def handle_line(self, line: str) -> None:
        """Send a typed line (or press a numbered button) and print what the bot answers."""
        text = line.strip()
        if not text:
            return
        if text.isdigit() and 1 <= int(text) <= len(self._buttons):
            message_id, _, data = self._buttons[int(text) - 1]
            self._sim.press_button(self._chat, YOU, message_id, data)
        else:
            self._sim.send_text(self._chat, YOU, text)
        await self._settle()
        self._print_news()

    async def _settle(self) -> None:
        # Updates are handled one at a time, so once the hidden chat's /help is answered,
        # everything the user's update caused has been sent.
        self._sim.send_text(self._hidden, HIDDEN, "/help")
        await self._sim.next_message(self._hidden.id, timeout=30.0)

    def _print_news(self) -> None:
        sim = self._sim
        for answer in sim.callback_answers[self._seen_callbacks :]:
            if answer.text:
                self._write(f"  ({answer.text})")
        news = [m for m in sim.sent[self._seen_sent :] if m.chat_id == self._chat.id]
        news += [m for m in sim.edits[self._seen_edits :] if m.chat_id == self._chat.id]
        self._seen_callbacks = len(sim.callback_answers)
        self._seen_sent = len(sim.sent)
        self._seen_edits = len(sim.edits)
        for message in news:
            self._show(message)

    def _show(self, message: SentMessage) -> None:
        self._write("")
        self._write(message.plain_text)
        rows = (message.reply_markup or {}).get("inline_keyboard", [])
        if rows:
            self._buttons = []
            for row in rows:
                cells = []
                for button in row:
                    if "callback_data" not in button:
                        continue
                    self._buttons.append(
                        (message.message_id, button["text"], button["callback_data"])
                    )
                    cells.append(f"[{len(self._buttons)}] {button['text']}")
                self._write("  " + "   ".join(cells))
        self._write("")

    def _write(self, text: str) -> None:
        print(text, file=self._out, flush=True)


async def chat_session(read_line: Callable[[], str | None], out: TextIO, data_dir: Path) -> None:
    """Open the core on ``data_dir``, run the Telegram front end on it against the
    in-process simulator, and relay lines until /quit or end of input."""
    sim = BotApiSimulator()
    settings = Settings(
        data_dir=data_dir,
        log_level="WARNING",
        telegram=TelegramSettings(token=SecretStr(CONSOLE_TOKEN)),
    )
    console = ConsoleChat(sim, out)
    loop = asyncio.get_running_loop()
    async with Core.open(settings) as core:
        front_end = TelegramFrontEnd(
            core,
            request=SimulatorRequest(sim),
            updates_request=SimulatorRequest(sim),
            rate_limiter=False,
            poll_timeout=1,
        )
        async with serving(core, [front_end]):
            await _relay(console, loop, read_line, out)
    print("Bye!", file=out, flush=True)


async def _relay(
    console: ConsoleChat,
    loop: asyncio.AbstractEventLoop,
    read_line: Callable[[], str | None],
    out: TextIO,
) -> None:
    """Greet, send /start, then pass each typed line to the bot until /quit or end of input."""
    print(
        "MedCoder Coach console chat. Type a question or a command, a number to press "
        "a button, /quit to leave.",
        file=out,
        flush=True,
    )
    await console.handle_line("/start")
    while True:
        line = await loop.run_in_executor(None, read_line)
        if line is None or line.strip().lower() in QUIT:
            break
        await console.handle_line(line)


def _read_stdin() -> str | None:
    try:
        return input("> ")
    except EOFError:
        return None


def run_console() -> int:
    """Entry point of ``python -m bot chat``."""
    with tempfile.TemporaryDirectory(prefix="medcoder-chat-") as folder:
        asyncio.run(chat_session(_read_stdin, sys.stdout, Path(folder)))
    return 0
