"""Baseline for bench_commands.py: a bare PTB bot answering the same commands with fixed text."""

from __future__ import annotations

import os

from telegram import InlineKeyboardMarkup, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CommandHandler,
    ContextTypes,
)

COMMANDS = ["start", "help", "steps", "certs", "salary", "cost", "timeline", "faq"]


FIXED = "A fixed answer."


async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Reply with a fixed text."""
    if update.effective_chat is not None:
        await context.bot.send_message(update.effective_chat.id, FIXED)


def same_replies() -> dict[str, tuple[str, InlineKeyboardMarkup | None]]:
    """MedCoder Coach's reply to each command, from its own screens and renderer, once."""
    from bot.actor import Actor
    from bot.answers import QuestionIndex
    from bot.guide import load_guide
    from bot.use_cases import guide as use_case
    from handlers.telegram import render

    guide = load_guide()
    questions = QuestionIndex(guide)
    learner = Actor("telegram", chat_id=1, user_id=1, first_name="Learner")
    replies = {}
    for command in COMMANDS:
        reply = use_case.command(guide, questions, learner, command)
        replies[command] = (render.messages(reply)[0], render.keyboard(reply.buttons))
    return replies


def answer_same(replies: dict[str, tuple[str, InlineKeyboardMarkup | None]]):
    """A handler that sends the coach's own (precomputed) reply: same bytes, no logic."""

    async def handler(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or not message.text:
            return
        text, markup = replies[message.text.split()[0].lstrip("/").split("@")[0]]
        await context.bot.send_message(
            message.chat_id,
            text,
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        )

    return handler


def main() -> None:
    """Poll the Bot API server named in the environment."""
    builder = ApplicationBuilder().token(os.environ["TELEGRAM_BOT_TOKEN"])
    builder = builder.base_url(os.environ["TELEGRAM_API_BASE_URL"])
    # A rate limiter changes the bot's type (ExtBot[int], not ExtBot[None]): either will do here.
    app: Application
    if os.environ.get("BENCH_RATE_LIMITER", "1") == "1":
        app = builder.rate_limiter(AIORateLimiter(max_retries=3)).build()
    else:
        app = builder.build()
    if os.environ.get("BENCH_BARE_REPLIES") == "same":
        app.add_handler(CommandHandler(COMMANDS, answer_same(same_replies())))
    else:
        app.add_handler(CommandHandler(COMMANDS, answer))
    app.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
