"""A tiny PTB bot used only to exercise the fake Bot API end to end."""

import asyncio
from html import escape

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQuery,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Message,
    Update,
    User,
)
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

PING_KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("Ping", callback_data="ping")]])


# Each handler is registered only for updates that carry what it reads; these say so to mypy.
def message_of(update: Update) -> Message:
    message = update.effective_message
    assert message is not None
    return message


def user_of(update: Update) -> User:
    user = update.effective_user
    assert user is not None
    return user


def callback_query_of(update: Update) -> CallbackQuery:
    query = update.callback_query
    assert query is not None
    return query


def inline_query_of(update: Update) -> InlineQuery:
    query = update.inline_query
    assert query is not None
    return query


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greet the user in HTML with a Ping button."""
    name = escape(user_of(update).first_name)
    await message_of(update).reply_html(f"Hello <b>{name}</b>!", reply_markup=PING_KEYBOARD)


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List the commands."""
    await message_of(update).reply_text("Commands: /start /help")


async def broken_html(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send markup Telegram refuses."""
    await message_of(update).reply_html("<b>unclosed")


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Repeat the user's text."""
    message = message_of(update)
    assert message.text is not None  # filters.TEXT
    await message.reply_text(message.text)


async def ping(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer the Ping button and replace the message."""
    query = callback_query_of(update)
    await query.answer("pong")
    await query.edit_message_text("Pinged")


async def inline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Offer one article quoting the query."""
    inline_query = inline_query_of(update)
    query = inline_query.query or "nothing"
    content = InputTextMessageContent(f"<i>{escape(query)}</i>", parse_mode=ParseMode.HTML)
    article = InlineQueryResultArticle(id="quote", title=query, input_message_content=content)
    await inline_query.answer([article], cache_time=0)


async def keep_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Hand handler errors to the test through bot_data["errors"]."""
    context.bot_data["errors"].put_nowait(context.error)


def build_tiny_bot(builder: ApplicationBuilder) -> Application:
    """Build the tiny bot on `builder`; its handler errors go to bot_data["errors"]."""
    app = builder.build()
    app.bot_data["errors"] = asyncio.Queue()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("help", help_command))
    app.add_handler(CommandHandler("broken", broken_html))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.add_handler(CallbackQueryHandler(ping, pattern="^ping$"))
    app.add_handler(InlineQueryHandler(inline))
    app.add_error_handler(keep_error)
    return app
