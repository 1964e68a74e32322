"""Inline mode: @bot <query> returns guide topics as articles."""

from __future__ import annotations

from telegram import InlineQueryResultArticle, InputTextMessageContent, Update
from telegram.constants import InlineQueryLimit
from telegram.ext import Application, ContextTypes, InlineQueryHandler

from bot.guide import Topic
from handlers.telegram import views
from handlers.telegram.common import services, split_html

MAX_RESULTS = 10


async def inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer an inline query with the best-matching topics, or the main topics if empty."""
    query = update.inline_query
    if query is None:
        return
    found = services(context)
    text = query.query.strip()[: InlineQueryLimit.MAX_QUERY_LENGTH]
    if text:
        topics = [match.topic for match in found.questions.search(text, MAX_RESULTS)]
    else:
        by_key = {topic.key: topic for topic in found.guide.topics()}
        topics = [by_key[key] for _, key in views.MENU_KEYS if key in by_key][:MAX_RESULTS]
    results = []
    for topic in topics:
        view = views.topic(found.guide, topic.key)
        if view is not None:
            results.append(_article(topic, split_html(view.text)[0]))
    await query.answer(results, cache_time=300)


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
