"""The Spanish guide holds the English guide's facts, and the bot says no number its content
files do not contain, in either language."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from bot.answers import QuestionIndex
from bot.guide import (
    GuideError,
    check_translation,
    default_guide_path,
    guide_text,
    load_guide,
    load_guides,
    numbers_in,
)
from bot.languages import supported
from bot.messages import messages_path
from bot.replies import Figures, Paragraph, Reply, Sources
from bot.screens import guide as screens

ROOT = Path(__file__).resolve().parents[2]
QUESTION_SETS = (ROOT / "tests" / "questions.toml", ROOT / "tests" / "questions_fresh.toml")


def said(reply: Reply) -> str:
    """Every word a reply shows (text, figures, sources, button labels)."""
    parts: list[str] = []
    for block in reply.blocks:
        if isinstance(block, Paragraph):
            parts += [span.text for ln in block.lines for span in ln]
        elif isinstance(block, Figures):
            parts += [f"{f.label} {f.value} {f.as_of} {f.source.name}" for f in block.items]
        elif isinstance(block, Sources):
            parts += [ref.name for ref in block.refs]
        else:
            parts.append(str(getattr(block, "text", "")))
    parts += [button.label for row in reply.buttons for button in row]
    return " ".join(parts)


def content_numbers() -> frozenset[str]:
    """Every number written in the packaged content files, in every language."""
    text = " ".join(
        path.read_text(encoding="utf-8")
        for code in supported()
        for path in (default_guide_path(code), messages_path(code))
    )
    return numbers_in(text)


def test_every_language_has_the_same_figures_ids_and_sources() -> None:
    guides = load_guides()
    english = guides.for_language("en")
    for code in supported():
        translated = guides.for_language(code)
        assert translated.language == code
        assert [s.id for s in translated.sections] == [s.id for s in english.sections]
        assert [c.code for c in translated.certifications] == [
            c.code for c in english.certifications
        ]
        for ours, theirs in zip(english.sections, translated.sections, strict=True):
            assert [(numbers_in(f"{f.value} {f.as_of}"), f.source) for f in ours.figures] == [
                (numbers_in(f"{f.value} {f.as_of}"), f.source) for f in theirs.figures
            ], (code, ours.id)
        assert numbers_in(guide_text(translated)) <= numbers_in(guide_text(english))


def test_the_spanish_guide_says_it_is_a_translation() -> None:
    spanish = load_guides().for_language("es")
    assert spanish.translation and "How to Become a Medical Coder" in spanish.translation
    shown = said(screens.sources(spanish))
    assert spanish.translation in shown


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ('value = "$50,250"', 'value = "$52,250"', "figures"),
        ('command = "salary"', 'command = "salario"', "command"),
        ("18 meses", "19 meses", "numbers not in the English guide"),
    ],
)
def test_a_translation_that_changes_a_fact_is_refused(
    tmp_path: Path, old: str, new: str, problem: str
) -> None:
    text = default_guide_path("es").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "guide.es.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(GuideError, match=problem):
        check_translation(load_guide(), load_guide(path, language="es"), path)


def test_no_topic_shows_a_number_the_content_does_not_have() -> None:
    known = content_numbers()
    guides = load_guides()
    for code in supported():
        guide = guides.for_language(code)
        for key in sorted(guide.topic_keys()):
            shown = screens.topic(guide, key)
            assert shown is not None, key
            assert numbers_in(said(shown)) <= known, (code, key)


def test_no_answer_shows_a_number_the_content_does_not_have() -> None:
    known = content_numbers()
    guides = load_guides()
    index = QuestionIndex(guides)
    for path in QUESTION_SETS:
        for question in tomllib.loads(path.read_text(encoding="utf-8"))["questions"]:
            found = index.answer(question["text"], question["lang"])
            reply = screens.answer(guides.for_language(found.language), found)
            invented = numbers_in(said(reply)) - known
            assert not invented, (question["text"], invented)
