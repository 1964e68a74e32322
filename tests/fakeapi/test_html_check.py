"""Telegram's HTML parse mode and UTF-16 lengths, as the simulator checks them."""

import pytest

from tests.fakeapi.simulator import HtmlParseError, parse_html, utf16_len
from tests.fakeapi.simulator.checks import render_text
from tests.fakeapi.simulator.errors import ApiError


@pytest.mark.parametrize(
    ("text", "units"),
    [("", 0), ("abc", 3), ("é", 1), ("😀", 2), ("a😀b", 4), ("👩‍⚕️", 5)],
)
def test_utf16_len_counts_code_units(text: str, units: int) -> None:
    assert utf16_len(text) == units


def test_nested_tags_become_entities_with_utf16_offsets() -> None:
    parsed = parse_html("😀 <b>bold <i>both</i></b> &lt;tag&gt; &amp; &quot;q&quot; &#65;&#x42;")
    assert parsed.text == '😀 bold both <tag> & "q" AB'
    assert parsed.entities == [
        {"offset": 3, "length": 9, "type": "bold"},
        {"offset": 8, "length": 4, "type": "italic"},
    ]


@pytest.mark.parametrize(
    ("markup", "entity"),
    [
        ('<a href="https://aapc.com/?a=1&b=2">AAPC</a>', {"type": "text_link"}),
        ("<u>x</u>", {"type": "underline"}),
        ("<ins>x</ins>", {"type": "underline"}),
        ("<del>x</del>", {"type": "strikethrough"}),
        ("<tg-spoiler>x</tg-spoiler>", {"type": "spoiler"}),
        ('<span class="tg-spoiler">x</span>', {"type": "spoiler"}),
        ("<code>x</code>", {"type": "code"}),
        ('<pre><code class="language-python">x</code></pre>', {"language": "python"}),
        ("<blockquote>x</blockquote>", {"type": "blockquote"}),
        ("<blockquote expandable>x</blockquote>", {"type": "expandable_blockquote"}),
        ('<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>', {"type": "custom_emoji"}),
    ],
)
def test_supported_tags_are_accepted(markup: str, entity: dict[str, str]) -> None:
    [parsed_entity] = parse_html(markup).entities
    assert entity.items() <= parsed_entity.items()


@pytest.mark.parametrize(
    ("markup", "error"),
    [
        ("<b>open", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<div>x</div>", 'Unsupported start tag "div" at byte offset 0'),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("é & co", 'Character "&" at byte offset 3 must be escaped'),
        ("&nbsp;", 'Character "&" at byte offset 0 must be escaped'),
        ("<b", "Unclosed start tag at byte offset 0"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler"'),
        ("<a href>x</a>", 'Expected equal sign in declaration of an attribute of the tag "a"'),
        ("<tg-emoji>x</tg-emoji>", "Invalid custom emoji identifier specified"),
    ],
)
def test_malformed_markup_is_refused_like_telegram(markup: str, error: str) -> None:
    with pytest.raises(HtmlParseError, match=error.replace("(", r"\(")):
        parse_html(markup)


def test_length_limit_applies_after_parsing_and_in_utf16_units() -> None:
    assert render_text("<b>" + "a" * 4096 + "</b>", "HTML").text == "a" * 4096
    with pytest.raises(ApiError, match="message is too long"):
        render_text("a" * 4095 + "😀")


def test_text_empty_after_parsing_or_trimming_is_refused() -> None:
    for text in ("", "   ", "<b> </b>"):
        with pytest.raises(ApiError, match="message text is empty"):
            render_text(text, "HTML")


def test_surrounding_whitespace_is_trimmed_and_entities_shifted() -> None:
    parsed = render_text("\n  <b>hi</b>  \n", "HTML")
    assert parsed.text == "hi"
    assert parsed.entities == [{"offset": 0, "length": 2, "type": "bold"}]


def test_unknown_parse_mode_is_refused() -> None:
    with pytest.raises(ApiError, match="unsupported parse_mode"):
        render_text("x", "RTF")
