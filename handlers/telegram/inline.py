"""Inline mode: @bot <query> returns guide topics as articles, rendered from the same screens."""

from __future__ import annotations

from html import escape

from telegram import InlineQueryResultArticle, InputTextMessageContent, Update
from telegram.constants import InlineQueryLimit, MessageLimit
from telegram.ext import Application, ContextTypes, InlineQueryHandler

from bot.guide import Topic
from bot.languages import normalize
from bot.replies import Reply
from bot.screens import guide as screens
from handlers.telegram import render
from handlers.telegram.common import services

MAX_RESULTS = 10


async def inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer an inline query with the best-matching topics, or the menu's topics if empty."""
    query = update.inline_query
    if query is None:
        return
    found = services(context)
    text = query.query.strip()[: InlineQueryLimit.MAX_QUERY_LENGTH]
    language = normalize(query.from_user.language_code)
    if text:
        language = found.questions.language_of(text, language)
        matches = found.questions.search(text, MAX_RESULTS, language)
        topics = [match.topic for match in matches]
    guide = found.guide.for_language(language)
    if not text:
        by_key = {topic.key: topic for topic in guide.topics()}
        menu = [by_key[item.topic] for item in guide.menu if item.topic in by_key]
        topics = menu[:MAX_RESULTS]
    more = guide.messages.text("guide.inline_read_all")
    results = []
    for topic in topics:
        shown = screens.topic(guide, topic.key)
        if shown is not None:
            html = article_text(shown, topic.key, context.bot.username, more)
            results.append(_article(topic, html))
    await query.answer(results, cache_time=300)


def article_text(
    shown: Reply,
    key: str,
    username: str,
    read_all: str,
    limit: int = MessageLimit.MAX_TEXT_LENGTH,
) -> str:
    """The topic as one message: whole when it fits, else its start and a link to all of it.

    An inline result is a single message, so a topic too long for one is never cut silently:
    the message ends with a link (its words ``read_all``) that opens the whole topic in a
    private chat with the bot.
    """
    parts = render.messages(shown, limit)
    if len(parts) <= 1:
        return parts[0] if parts else ""
    url = f"https://t.me/{username}?start={key.replace(':', '-', 1)}"
    more = f'\n\n… <a href="{escape(url, quote=True)}">{escape(read_all)}</a>'
    room = limit - len(more.encode("utf-16-le")) // 2
    return render.messages(shown, room)[0] + more


def _article(topic: Topic, html: str) -> InlineQueryResultArticle:
    return InlineQueryResultArticle(
        id=topic.key,
        title=topic.title,
        description=topic.summary,
        input_message_content=InputTextMessageContent(html),
    )


def register(app: Application) -> None:
    """Add the inline query handler."""
    app.add_handler(InlineQueryHandler(inline_query))
