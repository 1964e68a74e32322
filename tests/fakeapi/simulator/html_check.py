"""Telegram's HTML parse mode: turns markup into plain text plus entities, or rejects it.

Follows tdlib's parser (same tags, attributes and error texts) with one deliberate strictness:
a bare `&` that does not start `&lt;`, `&gt;`, `&amp;`, `&quot;` or a numeric reference is an
error, because it means a string reached the reply without `html.escape`.
"""

import re
from dataclasses import dataclass, field
from typing import Any

SUPPORTED_TAGS = frozenset(
    {
        "a", "b", "strong", "i", "em", "u", "ins", "s", "strike", "del",
        "tg-spoiler", "span", "code", "pre", "blockquote", "tg-emoji",
    }
)  # fmt: skip
_SIMPLE_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}
_NAMED_REFERENCES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_REFERENCE = re.compile(r"&(?:(lt|gt|amp|quot)|#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6}));")
_LINK = re.compile(r"^(?:(?:https?|tg|ton|mailto)://?\S+|[\w-]+(?:\.[\w-]+)+(?:[/?#]\S*)?)$")


class HtmlParseError(ValueError):
    """Markup that Telegram refuses with `can't parse entities: ...`."""


@dataclass(frozen=True)
class ParsedText:
    """Plain text as the user sees it and its entities (offsets in UTF-16 code units)."""

    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)


def utf16_len(text: str) -> int:
    """Count UTF-16 code units, the unit Telegram uses for lengths and entity offsets."""
    return len(text.encode("utf-16-le")) // 2


@dataclass
class _OpenTag:
    name: str
    argument: str
    byte_offset: int
    utf16_start: int
    text_start: int
    expandable: bool = False


class _HtmlParser:
    def __init__(self, markup: str) -> None:
        self.src = markup
        self.pos = 0
        self.out: list[str] = []
        self.out_utf16 = 0
        self.open_tags: list[_OpenTag] = []
        self.entities: list[dict[str, Any]] = []
        self.code_languages: dict[tuple[int, int], str] = {}

    def byte_offset(self, index: int) -> int:
        return len(self.src[:index].encode("utf-8"))

    def char(self, index: int) -> str:
        return self.src[index] if index < len(self.src) else ""

    def append(self, text: str) -> None:
        self.out.append(text)
        self.out_utf16 += utf16_len(text)

    def append_run(self) -> None:
        """Append the plain text up to the next tag or entity in one step."""
        ends = [i for i in (self.src.find("<", self.pos), self.src.find("&", self.pos)) if i >= 0]
        end = min(ends) if ends else len(self.src)
        self.append(self.src[self.pos : end])
        self.pos = end

    def parse(self) -> ParsedText:
        while self.pos < len(self.src):
            current = self.src[self.pos]
            if current == "&":
                self.read_reference()
            elif current != "<":
                self.append_run()
            elif self.char(self.pos + 1) == "/":
                self.read_end_tag()
            else:
                self.read_start_tag()
        if self.open_tags:
            name = self.open_tags[-1].name
            raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{name}"')
        entities = sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))
        return ParsedText("".join(self.out), entities)

    def read_reference(self) -> None:
        decoded, end = decode_reference(self.src, self.pos)
        if decoded is None:
            raise HtmlParseError(
                f'Character "&" at byte offset {self.byte_offset(self.pos)} '
                'must be escaped as "&amp;"'
            )
        self.append(decoded)
        self.pos = end

    def skip_spaces(self) -> None:
        while self.char(self.pos).isspace():
            self.pos += 1

    def read_start_tag(self) -> None:
        begin = self.pos
        where = f"at byte offset {self.byte_offset(begin)}"
        self.pos += 1
        while (
            self.char(self.pos)
            and not self.char(self.pos).isspace()
            and (self.char(self.pos) != ">")
        ):
            self.pos += 1
        if not self.char(self.pos):
            raise HtmlParseError(f"Unclosed start tag {where}")
        name = self.src[begin + 1 : self.pos].lower()
        if name not in SUPPORTED_TAGS:
            raise HtmlParseError(f'Unsupported start tag "{name}" {where}')
        tag = _OpenTag(name, "", self.byte_offset(begin), self.out_utf16, len(self.out))
        self.read_attributes(tag, where)
        self.pos += 1
        if name == "span" and tag.argument != "spoiler":
            raise HtmlParseError(f'Tag "span" must have class "tg-spoiler" {where}')
        self.open_tags.append(tag)

    def read_attributes(self, tag: _OpenTag, where: str) -> None:
        while True:
            self.skip_spaces()
            if not self.char(self.pos):
                raise HtmlParseError(f"Unclosed start tag {where}")
            if self.char(self.pos) == ">":
                return
            name_start = self.pos
            while (
                self.char(self.pos)
                and self.char(self.pos) not in "=>"
                and (not self.char(self.pos).isspace())
            ):
                self.pos += 1
            attribute = self.src[name_start : self.pos].lower()
            if not attribute:
                raise HtmlParseError(f'Empty attribute name in the tag "{tag.name}" {where}')
            self.skip_spaces()
            if self.char(self.pos) != "=":
                if tag.name == "blockquote" and attribute == "expandable":
                    tag.expandable = True
                    continue
                raise HtmlParseError(
                    "Expected equal sign in declaration of an attribute of the tag "
                    f'"{tag.name}" {where}'
                )
            self.pos += 1
            self.skip_spaces()
            if not self.char(self.pos):
                raise HtmlParseError(f'Unclosed start tag "{tag.name}" {where}')
            value = self.read_attribute_value()
            if not self.char(self.pos):
                raise HtmlParseError(f"Unclosed start tag {where}")
            apply_attribute(tag, attribute, value)

    def read_attribute_value(self) -> str:
        quote = self.char(self.pos)
        if quote not in "'\"":
            token_start = self.pos
            while self.char(self.pos).isalnum() or self.char(self.pos) in ".-":
                self.pos += 1
            if (
                self.char(self.pos)
                and not self.char(self.pos).isspace()
                and (self.char(self.pos) != ">")
            ):
                raise HtmlParseError(
                    f"Unexpected end of name token at byte offset {self.byte_offset(token_start)}"
                )
            return self.src[token_start : self.pos].lower()
        self.pos += 1
        value: list[str] = []
        while self.char(self.pos) and self.char(self.pos) != quote:
            decoded, end = decode_reference(self.src, self.pos)
            if self.char(self.pos) == "&" and decoded is not None:
                value.append(decoded)
                self.pos = end
            else:
                value.append(self.src[self.pos])
                self.pos += 1
        if self.char(self.pos) == quote:
            self.pos += 1
        return "".join(value)

    def read_end_tag(self) -> None:
        begin = self.pos
        where = f"at byte offset {self.byte_offset(begin)}"
        if not self.open_tags:
            raise HtmlParseError(f"Unexpected end tag {where}")
        self.pos += 2
        while (
            self.char(self.pos)
            and not self.char(self.pos).isspace()
            and (self.char(self.pos) != ">")
        ):
            self.pos += 1
        end_name = self.src[begin + 2 : self.pos]
        self.skip_spaces()
        if self.char(self.pos) != ">":
            raise HtmlParseError(f"Unclosed end tag {where}")
        self.pos += 1
        tag = self.open_tags.pop()
        if end_name and end_name.lower() != tag.name:
            raise HtmlParseError(
                f'Unmatched end tag {where}, expected "</{tag.name}>", found "</{end_name}>"'
            )
        self.close_entity(tag)

    def close_entity(self, tag: _OpenTag) -> None:
        length = self.out_utf16 - tag.utf16_start
        if tag.name == "tg-emoji" and not (tag.argument.isdigit() and int(tag.argument) > 0):
            raise HtmlParseError("Invalid custom emoji identifier specified")
        if length <= 0:
            return
        entity: dict[str, Any] = {"offset": tag.utf16_start, "length": length}
        if tag.name in _SIMPLE_ENTITY_TYPES:
            entity["type"] = _SIMPLE_ENTITY_TYPES[tag.name]
        elif tag.name == "a":
            url = tag.argument or "".join(self.out[tag.text_start :])
            if not _LINK.match(url):
                return
            entity.update(type="text_link", url=url)
        elif tag.name == "code":
            entity["type"] = "code"
            if tag.argument:
                self.code_languages[(tag.utf16_start, length)] = tag.argument
        elif tag.name == "pre":
            entity["type"] = "pre"
            self.merge_inner_code(entity)
        elif tag.name == "blockquote":
            entity["type"] = "expandable_blockquote" if tag.expandable else "blockquote"
        else:
            entity.update(type="custom_emoji", custom_emoji_id=tag.argument)
        self.entities.append(entity)

    def merge_inner_code(self, pre: dict[str, Any]) -> None:
        """Turn `<pre><code class="language-x">` into one pre entity with a language."""
        span = (pre["offset"], pre["length"])
        for inner in list(self.entities):
            if inner["type"] == "code" and (inner["offset"], inner["length"]) == span:
                self.entities.remove(inner)
                if span in self.code_languages:
                    pre["language"] = self.code_languages[span]


def apply_attribute(tag: _OpenTag, attribute: str, value: str) -> None:
    """Keep the attributes Telegram understands; ignore the rest like tdlib does."""
    if tag.name == "a" and attribute == "href":
        tag.argument = value
    elif tag.name == "code" and attribute == "class" and value.startswith("language-"):
        tag.argument = value.removeprefix("language-")
    elif tag.name == "span" and attribute == "class" and value.startswith("tg-"):
        tag.argument = value.removeprefix("tg-")
    elif tag.name == "tg-emoji" and attribute == "emoji-id":
        tag.argument = value


def decode_reference(text: str, index: int) -> tuple[str | None, int]:
    """Decode the character reference starting at `index`; None if there is none."""
    match = _REFERENCE.match(text, index)
    if match is None:
        return None, index
    named, decimal, hexadecimal = match.groups()
    if named:
        return _NAMED_REFERENCES[named], match.end()
    code_point = int(decimal) if decimal else int(hexadecimal, 16)
    if code_point == 0 or code_point >= 0x10FFFF or 0xD800 <= code_point <= 0xDFFF:
        return None, index
    return chr(code_point), match.end()


def parse_html(markup: str) -> ParsedText:
    """Parse Telegram HTML into text and entities, raising HtmlParseError like Telegram."""
    return _HtmlParser(markup).parse()


def strip_text(parsed: ParsedText) -> ParsedText:
    """Trim surrounding whitespace like Telegram does, shifting and clipping the entities."""
    stripped = parsed.text.strip()
    if stripped == parsed.text:
        return parsed
    shift = utf16_len(parsed.text[: len(parsed.text) - len(parsed.text.lstrip())])
    limit = utf16_len(stripped)
    entities: list[dict[str, Any]] = []
    for entity in parsed.entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, limit)
        if end > start:
            entities.append({**entity, "offset": start, "length": end - start})
    return ParsedText(stripped, entities)
