"""The Discord renderer: a Reply as embeds within Discord's limits, split and never cut."""

from __future__ import annotations

from bot.actions import ShowTopic
from bot.replies import (
    Button,
    Figure,
    Figures,
    Heading,
    Reply,
    SourceRef,
    Sources,
    para,
)
from handlers.discord.render import MAX_DESCRIPTION, MAX_EMBED_TOTAL, MAX_EMBEDS, render, view

SOURCE = SourceRef("AAPC", "https://www.aapc.com")


def test_heading_is_the_title_figures_are_fields_sources_the_footer() -> None:
    figure = Figure("Median pay", "$50,250", "2024-05", SOURCE)
    reply = Reply(
        (Heading("Salary"), para("Pay *varies*."), Figures((figure,)), Sources((SOURCE,)))
    )
    (message,) = render(reply)
    (embed,) = message.embeds
    assert embed.title == "Salary"
    assert embed.description == "Pay \\*varies\\*."
    assert embed.fields[0].name == "Median pay"
    assert "$50,250" in str(embed.fields[0].value) and "as of 2024-05" in str(
        embed.fields[0].value
    )
    assert embed.footer.text == "Source: AAPC (https://www.aapc.com)"


def test_a_long_reply_is_split_into_embeds_and_messages_without_losing_a_line() -> None:
    lines = [f"line {n} " + "x" * 90 for n in range(400)]  # about 40,000 characters
    button = Button("Next", ShowTopic("steps"))
    messages = render(Reply((Heading("Long"), *(para(text) for text in lines)), ((button,),)))
    embeds = [embed for message in messages for embed in message.embeds]
    assert len(messages) > 1
    for message in messages:
        assert len(message.embeds) <= MAX_EMBEDS
        assert sum(len(embed) for embed in message.embeds) <= MAX_EMBED_TOTAL
    assert all(len(embed.description or "") <= MAX_DESCRIPTION for embed in embeds)
    shown = "\n".join(embed.description or "" for embed in embeds)
    assert all(text in shown for text in lines)
    assert [bool(message.buttons) for message in messages] == [False] * (len(messages) - 1) + [
        True
    ]


async def test_buttons_carry_the_encoded_action_as_custom_id() -> None:
    buttons = ((Button("Step 2", ShowTopic("step:2", replace=True)),),)
    holder = view(buttons)
    assert [item.custom_id for item in holder.children] == ["page:step:2"]  # type: ignore[attr-defined]
    assert holder.is_finished()  # discord.py keeps no state for it
