"""The Telegram renderer: HTML that the strict parser accepts, split but never cut."""

from __future__ import annotations

import pytest

from bot.actions import ShowTopic
from bot.replies import (
    Bullets,
    Button,
    Figure,
    Figures,
    Heading,
    Reply,
    SourceRef,
    Sources,
    b,
    code,
    i,
    line,
    link,
    para,
)
from handlers.telegram.render import html, keyboard, messages
from tests.fakeapi.simulator import parse_html, utf16_len

SOURCE = SourceRef("U.S. Bureau of Labor Statistics", "https://www.bls.gov/ooh/?a=1&b=2")


def test_every_block_kind_renders_as_telegram_html() -> None:
    reply = Reply(
        (
            Heading("Salary & pay"),
            para(line("Median ", b("$50,250"), " <per year>"), line(i("note"), " ", code("/x"))),
            Figures((Figure("Median pay", "$50,250", "2024", SOURCE),)),
            Bullets((line("one"), line(link("two", "https://example.org")))),
            Sources((SOURCE, SourceRef("U.S. Career Institute"))),
        )
    )
    text = html(reply)
    assert text == (
        "<b>Salary &amp; pay</b>\n\n"
        "Median <b>$50,250</b> &lt;per year&gt;\n<i>note</i> <code>/x</code>\n\n"
        "📊 Median pay: <b>$50,250</b> (as of 2024; U.S. Bureau of Labor Statistics)\n\n"
        '• one\n• <a href="https://example.org">two</a>\n\n'
        '<i>Source: </i><a href="https://www.bls.gov/ooh/?a=1&amp;b=2"><i>U.S. Bureau of Labor '
        "Statistics</i></a><i>; </i><i>U.S. Career Institute</i>"
    )
    assert parse_html(text).text.startswith("Salary & pay")
    assert messages(reply) == [text]


@pytest.mark.parametrize("limit", [4096, 200, 40])
def test_a_long_reply_is_split_into_valid_messages_and_nothing_is_lost(limit: int) -> None:
    words = " ".join(f"word{n}&<{n}>" for n in range(900))
    reply = Reply(
        (
            Heading("Long"),
            para(line("plain ", b(words), " tail")),
            para("💉" * 3000),
            para("x" * 5000),
        )
    )
    parts = messages(reply, limit)
    assert len(parts) > 1
    shown = "".join(parse_html(part).text for part in parts)
    for part in parts:
        assert utf16_len(part) <= limit
    expected = "Long" + "plain " + words + " tail" + "💉" * 3000 + "x" * 5000
    assert shown.replace("\n", "") == expected.replace("\n", "")


def test_buttons_carry_the_encoded_action() -> None:
    markup = keyboard(((Button("Salary", ShowTopic("salary")),),))
    assert markup is not None
    assert markup.inline_keyboard[0][0].callback_data == "show:salary"
    assert keyboard(()) is None
