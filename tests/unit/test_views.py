"""Views: escaping, message splitting, and every topic key renders."""

from __future__ import annotations

from bot.guide import load_guide
from handlers.telegram import views
from handlers.telegram.common import split_html


def test_split_keeps_each_part_under_the_limit() -> None:
    text = "\n".join(f"<b>line {i}</b> " + "x" * 90 for i in range(200))
    parts = split_html(text)
    assert len(parts) > 1
    assert all(len(part) <= 4096 for part in parts)
    assert "".join(parts).replace("\n", "") == text.replace("\n", "")


def test_short_text_is_one_part() -> None:
    assert split_html("hello") == ["hello"]


def test_escape_handles_markup_characters() -> None:
    assert views.e("<b>&") == "&lt;b&gt;&amp;"


def test_every_topic_renders_with_valid_callback_data() -> None:
    guide = load_guide()
    for topic in guide.topics():
        view = views.topic(guide, topic.key)
        assert view is not None, topic.key
        assert len(view.text) <= 4096
        for row in view.buttons:
            for _label, data in row:
                assert len(data.encode()) <= 64


def test_unknown_topic_keys_render_nothing() -> None:
    guide = load_guide()
    for key in ("", "step:9", "step:0", "cert:XYZ", "cert:cpc", "faq:nope", "nope", "step:"):
        assert views.topic(guide, key) is None
