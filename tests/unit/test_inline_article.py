"""Inline results render the same screens and never cut a topic silently."""

from __future__ import annotations

from bot.guide import load_guide
from bot.replies import Reply, para
from bot.screens import guide as screens
from handlers.telegram import render
from handlers.telegram.inline import article_text


def test_a_topic_that_fits_is_the_whole_screen() -> None:
    guide = load_guide()
    shown = screens.topic(guide, "salary")
    assert shown is not None
    assert article_text(shown, "salary", "CoachBot", "Read it all") == render.messages(shown)[0]


def test_a_topic_too_long_ends_with_a_link_to_all_of_it() -> None:
    shown = Reply(tuple(para(f"Paragraph {n}: " + "word " * 40) for n in range(30)))
    text = article_text(shown, "cert:CPC", "CoachBot", "Read it all", limit=1000)
    assert len(text) <= 1000
    assert text.startswith("Paragraph 0:")
    link = '<a href="https://t.me/CoachBot?start=cert-CPC">'
    assert text.endswith(f"… {link}Read it all</a>")
