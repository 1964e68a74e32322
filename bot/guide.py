"""Load the career guide data file into frozen, validated objects."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, is_dataclass, replace
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from bot.languages import fold, normalize, supported
from bot.messages import ENGLISH, Messages, MessagesError, default_messages, load_messages


class GuideError(Exception):
    """The guide data file is missing, malformed or inconsistent."""


@dataclass(frozen=True, slots=True)
class Source:
    id: str
    title: str
    publisher: str
    url: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Figure:
    label: str
    value: str
    as_of: str
    source: str


@dataclass(frozen=True, slots=True)
class Section:
    id: str
    command: str
    title: str
    summary: str
    paragraphs: tuple[str, ...]
    keywords: tuple[str, ...]
    sources: tuple[str, ...]
    figures: tuple[Figure, ...] = ()


@dataclass(frozen=True, slots=True)
class Step:
    number: int
    title: str
    summary: str
    paragraphs: tuple[str, ...]
    actions: tuple[str, ...]
    keywords: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Certification:
    code: str
    name: str
    issuer: str
    level: str
    step: int
    summary: str
    when: str


@dataclass(frozen=True, slots=True)
class Faq:
    id: str
    question: str
    answer: str
    sources: tuple[str, ...]
    keywords: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MenuItem:
    """One button of the topic menu: its label and the topic key it opens."""

    label: str
    topic: str


@dataclass(frozen=True, slots=True)
class Level:
    """A certification level (``preliminary``, ``advanced``) and the step its exams belong to."""

    id: str
    name: str
    step: int


@dataclass(frozen=True, slots=True)
class Topic:
    """One answerable piece of the guide, addressed by a short key such as ``step:2``."""

    key: str
    title: str
    summary: str
    text: str
    keywords: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Guide:
    title: str
    publisher: str
    publisher_about: str
    checked: str
    synonyms: tuple[tuple[str, ...], ...]
    sources: tuple[Source, ...]
    sections: tuple[Section, ...]
    steps: tuple[Step, ...]
    certifications: tuple[Certification, ...]
    faqs: tuple[Faq, ...]
    group_prompts: tuple[str, ...]
    # Phrases naming facts people ask for that the guide does not give (lower case).
    not_covered: tuple[str, ...] = ()
    # Extra ranking keywords for the topics built from the data (``steps``, ``certs``,
    # ``cert:CPC``, ``sources``): pairs of (topic key, keywords).
    topic_keywords: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # The topic menu, in order (every topic key exists: checked at load).
    menu: tuple[MenuItem, ...] = ()
    # Certification levels in the order /certs lists them, the note after the list and the
    # code /certs suggests as an example.
    levels: tuple[Level, ...] = ()
    certs_note: str = ""
    certs_example: str = ""
    # The words of the bot's own screens (content/messages.toml), loaded with the guide.
    messages: Messages = field(default_factory=default_messages)
    # This guide's language, and for a translation the note saying so (meta.translation).
    language: str = ENGLISH
    translation: str | None = None
    # Every language's guide by code, this one included (empty when loaded alone).
    translations: Mapping[str, Guide] = field(
        default_factory=lambda: MappingProxyType({}), repr=False, compare=False
    )

    def for_language(self, language: str | None) -> Guide:
        """The guide in ``language`` (a code or a platform tag such as "es-419"), or in
        English when it is not bundled; this guide when loaded alone."""
        code = normalize(language) or ENGLISH
        return self.translations.get(code) or self.translations.get(ENGLISH) or self

    def section(self, section_id: str) -> Section:
        """Return the section with this id."""
        for section in self.sections:
            if section.id == section_id:
                return section
        raise KeyError(section_id)

    def source(self, source_id: str) -> Source:
        """Return the source with this id."""
        for source in self.sources:
            if source.id == source_id:
                return source
        raise KeyError(source_id)

    def step(self, number: int) -> Step | None:
        """Return step ``number`` (1-based), or None when there is no such step."""
        return self.steps[number - 1] if 1 <= number <= len(self.steps) else None

    def certification(self, code: str) -> Certification | None:
        """Return the certification with this code, in any case."""
        wanted = code.strip().upper()
        return next((c for c in self.certifications if c.code == wanted), None)

    def certifications_at(self, level: str) -> tuple[Certification, ...]:
        """The certifications of one level, in the guide's order."""
        return tuple(c for c in self.certifications if c.level == level)

    def level_heading(self, level: Level) -> str:
        """How /certs heads a level's list, e.g. ``Preliminary (step 2)``."""
        return self.messages.text("guide.level_heading", name=level.name, step=level.step)

    def certs_summary(self) -> str:
        """One line naming every certification by level: ``Preliminary: CCA, CBCS. ...``."""
        return " ".join(
            f"{level.name}: {', '.join(c.code for c in self.certifications_at(level.id))}."
            for level in self.levels
        )

    def topic_keys(self) -> frozenset[str]:
        """Every key a button may open: each topic, plus ``faq`` (all FAQs on one page)."""
        return frozenset(t.key for t in self.topics()) | {"faq"}

    def actions_by_step(self) -> dict[int, tuple[str, ...]]:
        """Map each step number to its concrete study actions."""
        return {step.number: step.actions for step in self.steps}

    def topics(self) -> tuple[Topic, ...]:
        """Every answerable piece of the guide, for search and inline results."""
        m = self.messages
        topics = [
            Topic(s.id, s.title, s.summary, " ".join(s.paragraphs), s.keywords)
            for s in self.sections
        ]
        topics.append(
            Topic(
                "steps",
                m.text("guide.topic_steps_title"),
                m.text("guide.topic_steps_summary"),
                " ".join(
                    m.text("guide.topic_step_title", number=s.number, title=s.title)
                    + f". {s.summary}"
                    for s in self.steps
                ),
                ("steps", "roadmap", "how to become", "path", "plan"),
            )
        )
        topics += [
            Topic(
                f"step:{s.number}",
                m.text("guide.topic_step_title", number=s.number, title=s.title),
                s.summary,
                " ".join(s.paragraphs),
                s.keywords,
            )
            for s in self.steps
        ]
        topics.append(
            Topic(
                "certs",
                m.text("guide.topic_certs_title"),
                self.certs_summary(),
                " ".join(f"{c.code} {c.name}, {c.level}." for c in self.certifications),
                ("certifications", "which certification", "list", "preliminary", "advanced"),
            )
        )
        topics += [
            Topic(
                f"cert:{c.code}",
                f"{c.code}: {c.name}",
                c.summary,
                f"{c.name} ({c.code}), {c.level} certification. {c.issuer} {c.summary} {c.when}",
                (c.code.lower(), c.level, "certification"),
            )
            for c in self.certifications
        ]
        topics += [
            Topic(f"faq:{f.id}", f.question, f.answer, f.answer, f.keywords) for f in self.faqs
        ]
        topics.append(
            Topic(
                "sources",
                m.text("guide.sources_heading"),
                m.text("guide.topic_sources_summary"),
                " ".join(f"{s.publisher} {s.title}" for s in self.sources),
                ("sources", "references", "links", "citations", "bls"),
            )
        )
        extra: dict[str, tuple[str, ...]] = dict(self.topic_keywords)
        # The words people see for a topic are words they ask with: its /command and menu
        # label ("timeline?", "certs").
        for item in self.sections:
            extra[item.id] = (*extra.get(item.id, ()), item.command)
        for entry in self.menu:
            label = "".join(ch for ch in entry.label if ch.isalnum() or ch.isspace()).strip()
            extra[entry.topic] = (*extra.get(entry.topic, ()), label, entry.topic)
        topics = [
            replace(topic, keywords=topic.keywords + extra[topic.key])
            if topic.key in extra
            else topic
            for topic in topics
        ]
        return tuple(topics)


def default_guide_path(language: str = ENGLISH) -> Path:
    """Where the packaged guide of ``language`` lives (``guide.toml`` for English,
    ``guide.<code>.toml`` for a translation), inside the installed ``bot`` package."""
    name = "guide.toml" if language == ENGLISH else f"guide.{language}.toml"
    return Path(str(resources.files("bot").joinpath("content", name)))


def load_guides() -> Guide:
    """Load the English guide and every bundled translation (see ``content/languages.toml``);
    each one's ``translations`` maps every language to its guide.

    Raises GuideError naming the file and field, also when a translation's figures, ids or
    numbers differ from the English (:func:`check_translation`).
    """
    shared: dict[str, Guide] = {}
    view = MappingProxyType(shared)
    english = replace(load_guide(), translations=view)
    shared[ENGLISH] = english
    for code in supported():
        if code == ENGLISH:
            continue
        path = default_guide_path(code)
        translated = load_guide(path, language=code)
        check_translation(english, translated, path)
        shared[code] = replace(translated, translations=view)
    return english


def load_guide(
    path: Path | None = None,
    *,
    messages_path: Path | None = None,
    language: str = ENGLISH,
) -> Guide:
    """Read, validate and freeze the guide and the screens' messages (``language``, English
    by default and for any key it lacks); raise GuideError naming the file and field."""
    try:
        messages = load_messages(messages_path, language)
    except MessagesError as exc:
        raise GuideError(str(exc)) from None
    return replace(_load_facts(path, messages), language=language)


def _load_facts(path: Path | None, messages: Messages) -> Guide:
    path = path or default_guide_path()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise GuideError(f"{path}: file not found") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise GuideError(f"{path}: not valid TOML: {exc}") from exc
    try:
        return _build_guide(_Reader(raw, ""), messages)
    except GuideError as exc:
        raise GuideError(f"{path}: {exc}") from None


class _Reader:
    """Typed access to one TOML table that names the field on every error."""

    def __init__(self, table: Mapping[str, Any], where: str) -> None:
        self.table = table
        self.where = where

    def _name(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def text(self, key: str, *, required: bool = True) -> str:
        value = self.table.get(key)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or not value.strip():
            raise GuideError(f"field '{self._name(key)}' must be a non-empty string")
        return value.strip()

    def optional_text(self, key: str) -> str | None:
        return self.text(key, required=False) or None

    def integer(self, key: str) -> int:
        value = self.table.get(key)
        if not isinstance(value, int) or isinstance(value, bool):
            raise GuideError(f"field '{self._name(key)}' must be a whole number")
        return value

    def texts(self, key: str, *, required: bool = True) -> tuple[str, ...]:
        value = self.table.get(key, [] if not required else None)
        if not isinstance(value, list) or (required and not value):
            raise GuideError(f"field '{self._name(key)}' must be a non-empty list of strings")
        if not all(isinstance(item, str) and item.strip() for item in value):
            raise GuideError(f"field '{self._name(key)}' must hold only non-empty strings")
        return tuple(item.strip() for item in value)

    def tables(self, key: str, *, required: bool = True) -> list[_Reader]:
        value = self.table.get(key, [] if not required else None)
        if not isinstance(value, list) or (required and not value):
            raise GuideError(f"field '{self._name(key)}' must be a non-empty list of tables")
        readers = []
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                raise GuideError(f"field '{self._name(key)}[{index}]' must be a table")
            readers.append(_Reader(item, f"{self._name(key)}[{index}]"))
        return readers

    def table_(self, key: str) -> _Reader:
        value = self.table.get(key)
        if not isinstance(value, dict):
            raise GuideError(f"table '{self._name(key)}' is missing")
        return _Reader(value, self._name(key))


def _build_guide(root: _Reader, messages: Messages) -> Guide:
    meta = root.table_("meta")
    sources = tuple(
        Source(
            r.text("id"),
            r.text("title"),
            r.text("publisher"),
            r.optional_text("url"),
            r.optional_text("note"),
        )
        for r in root.tables("sources")
    )
    source_ids = {s.id for s in sources}
    sections = tuple(_section(r, source_ids) for r in root.tables("sections"))
    steps = tuple(
        Step(
            r.integer("number"),
            r.text("title"),
            r.text("summary"),
            r.texts("paragraphs"),
            r.texts("actions"),
            r.texts("keywords"),
        )
        for r in root.tables("steps")
    )
    _check_numbering(steps)
    certs = root.table_("certs")
    levels = tuple(_level(r, len(steps)) for r in certs.tables("levels"))
    _check_unique("certs.levels[].id", [level.id for level in levels])
    certifications = tuple(_certification(r, levels) for r in root.tables("certifications"))
    faqs = tuple(
        Faq(
            r.text("id"),
            r.text("question"),
            r.text("answer"),
            _source_refs(r, "sources", source_ids),
            r.texts("keywords"),
        )
        for r in root.tables("faqs")
    )
    _check_unique("sources[].id", [s.id for s in sources])
    _check_unique("sections[].id", [s.id for s in sections])
    _check_unique("sections[].command", [s.command for s in sections])
    _check_unique("certifications[].code", [c.code for c in certifications])
    _check_unique("faqs[].id", [f.id for f in faqs])
    synonyms = tuple(tuple(fold(word) for word in group) for group in _synonym_groups(meta))
    guide = Guide(
        title=meta.text("title"),
        publisher=meta.text("publisher"),
        publisher_about=meta.text("publisher_about"),
        checked=meta.text("checked"),
        translation=meta.optional_text("translation"),
        synonyms=synonyms,
        sources=sources,
        sections=sections,
        steps=steps,
        certifications=certifications,
        faqs=faqs,
        group_prompts=root.table_("nudges").texts("group_prompts"),
        not_covered=tuple(fold(p) for p in meta.texts("not_covered", required=False)),
        topic_keywords=_topic_keywords(meta),
        menu=tuple(MenuItem(r.text("label"), r.text("topic")) for r in root.tables("menu")),
        levels=levels,
        certs_note=certs.text("note"),
        certs_example=certs.text("example"),
        messages=messages,
    )
    keys = guide.topic_keys()
    unknown = {key for key, _ in guide.topic_keywords} - keys
    if unknown:
        raise GuideError(f"field 'meta.topic_keywords' names unknown topics: {sorted(unknown)}")
    _check_unique("menu[].topic", [item.topic for item in guide.menu])
    for index, item in enumerate(guide.menu):
        if item.topic not in keys:
            raise GuideError(f"field 'menu[{index}].topic' names unknown topic '{item.topic}'")
    if guide.certification(guide.certs_example) is None:
        raise GuideError(
            f"field 'certs.example' names unknown certification '{guide.certs_example}'"
        )
    empty = [level.id for level in levels if not guide.certifications_at(level.id)]
    if empty:
        raise GuideError(f"field 'certs.levels' has levels with no certification: {empty}")
    return guide


def _topic_keywords(meta: _Reader) -> tuple[tuple[str, tuple[str, ...]], ...]:
    value = meta.table.get("topic_keywords", {})
    if not isinstance(value, dict):
        raise GuideError("field 'meta.topic_keywords' must be a table of lists of words")
    table = _Reader(value, f"{meta.where}.topic_keywords")
    return tuple((key, table.texts(key)) for key in value)


def _section(r: _Reader, source_ids: set[str]) -> Section:
    figures = tuple(
        Figure(f.text("label"), f.text("value"), f.text("as_of"), f.text("source"))
        for f in r.tables("figures", required=False)
    )
    for index, figure in enumerate(figures):
        if figure.source not in source_ids:
            raise GuideError(
                f"field '{r.where}.figures[{index}].source' names unknown source '{figure.source}'"
            )
    command = r.text("command")
    if not command.isascii() or not command.isalnum() or not command.islower():
        raise GuideError(f"field '{r.where}.command' must be lower-case letters and digits")
    return Section(
        id=r.text("id"),
        command=command,
        title=r.text("title"),
        summary=r.text("summary"),
        paragraphs=r.texts("paragraphs"),
        keywords=r.texts("keywords"),
        sources=_source_refs(r, "sources", source_ids),
        figures=figures,
    )


def _level(r: _Reader, step_count: int) -> Level:
    step = r.integer("step")
    if not 1 <= step <= step_count:
        raise GuideError(f"field '{r.where}.step' must be a step number from 1 to {step_count}")
    return Level(r.text("id"), r.text("name"), step)


def _certification(r: _Reader, levels: tuple[Level, ...]) -> Certification:
    code = r.text("code")
    if not code.isascii() or not code.isalpha() or not code.isupper():
        raise GuideError(f"field '{r.where}.code' must be upper-case letters, like CPC")
    level = r.text("level")
    found = next((known for known in levels if known.id == level), None)
    if found is None:
        names = ", ".join(known.id for known in levels)
        raise GuideError(f"field '{r.where}.level' must be one of {names} (certs.levels)")
    step = r.integer("step")
    if step != found.step:
        raise GuideError(
            f"field '{r.where}.step' must be {found.step}, the step of level '{level}'"
        )
    return Certification(
        code, r.text("name"), r.text("issuer"), level, step, r.text("summary"), r.text("when")
    )


def _source_refs(r: _Reader, key: str, known: set[str]) -> tuple[str, ...]:
    refs = r.texts(key)
    for ref in refs:
        if ref not in known:
            raise GuideError(f"field '{r.where}.{key}' names unknown source '{ref}'")
    return refs


def _synonym_groups(meta: _Reader) -> list[tuple[str, ...]]:
    value = meta.table.get("synonyms", [])
    if not isinstance(value, list) or not all(
        isinstance(group, list) and group and all(isinstance(w, str) and w for w in group)
        for group in value
    ):
        raise GuideError("field 'meta.synonyms' must be a list of non-empty lists of words")
    return [tuple(group) for group in value]


def _check_numbering(steps: tuple[Step, ...]) -> None:
    if [s.number for s in steps] != list(range(1, len(steps) + 1)):
        raise GuideError("field 'steps[].number' must count 1, 2, 3, ... in order")


def _check_unique(field: str, values: list[str]) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise GuideError(f"field '{field}' has '{value}' twice")
        seen.add(value)


_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def numbers_in(text: str) -> frozenset[str]:
    """The figures written in digits in ``text`` ("$50,250 in May 2024" -> 50,250 and 2024)."""
    return frozenset(_NUMBER.findall(text))


def guide_text(guide: Guide, *, messages: bool = True) -> str:
    """Every string of the guide's facts and (``messages``) of its screens' words, joined."""
    parts: list[str] = list(guide.messages.templates.values()) if messages else []

    def walk(value: object) -> None:
        if isinstance(value, str):
            parts.append(value)
        elif isinstance(value, tuple):
            for item in value:
                walk(item)
        elif is_dataclass(value) and not isinstance(value, (type, Messages)):
            for item in fields(value):
                if item.name != "translations":
                    walk(getattr(value, item.name))

    walk(guide)
    return "\n".join(parts)


def check_translation(english: Guide, translated: Guide, path: Path) -> None:
    """Raise GuideError unless ``translated`` holds the same facts as ``english``: the same
    ids, commands, step numbers, certification codes, menu topics and sources, the same
    numbers in each figure, and no number the English guide does not contain."""

    def same(field_name: str, ours: object, theirs: object) -> None:
        if ours != theirs:
            raise GuideError(f"{path}: {field_name} differ from the English guide")

    same("sections[].id", [s.id for s in english.sections], [s.id for s in translated.sections])
    same(
        "sections[].command",
        [s.command for s in english.sections],
        [s.command for s in translated.sections],
    )
    same("steps[].number", [s.number for s in english.steps], [s.number for s in translated.steps])
    same(
        "certifications[].code",
        [c.code for c in english.certifications],
        [c.code for c in translated.certifications],
    )
    same(
        "certifications[].step",
        [c.step for c in english.certifications],
        [c.step for c in translated.certifications],
    )
    same("faqs[].id", [f.id for f in english.faqs], [f.id for f in translated.faqs])
    same("menu[].topic", [m.topic for m in english.menu], [m.topic for m in translated.menu])
    same("sources[].id", [s.id for s in english.sources], [s.id for s in translated.sources])
    same("sources[].url", [s.url for s in english.sources], [s.url for s in translated.sources])
    for ours, theirs in zip(english.sections, translated.sections, strict=True):
        same(
            f"sections[{ours.id}].figures",
            [(numbers_in(f.value + " " + f.as_of), f.source) for f in ours.figures],
            [(numbers_in(f.value + " " + f.as_of), f.source) for f in theirs.figures],
        )
    facts, words = (
        numbers_in(guide_text(translated, messages=False))
        - numbers_in(guide_text(english, messages=False)),
        numbers_in(" ".join(translated.messages.templates.values()))
        - numbers_in(" ".join(english.messages.templates.values())),
    )
    invented = facts | words
    if invented:
        raise GuideError(f"{path}: numbers not in the English guide: {sorted(invented)}")
