"""The guide loader: the packaged file loads, and malformed files fail naming the field."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from bot.guide import GuideError, default_guide_path, load_guide


def write_variant(tmp_path: Path, old: str, new: str) -> Path:
    text = default_guide_path().read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "guide.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_packaged_guide_loads_with_every_part() -> None:
    guide = load_guide()
    assert [s.number for s in guide.steps] == [1, 2, 3, 4]
    assert [c.code for c in guide.certifications] == ["CCA", "CBCS", "CPC", "COC", "CRC", "CIC"]
    assert {c.code for c in guide.certifications if c.level == "preliminary"} == {"CCA", "CBCS"}
    assert {f.id for f in guide.faqs} == {"cost", "pay", "jobs"}
    assert guide.section("salary").figures[0].value == "$50,250"
    assert guide.section("salary").figures[0].as_of == "May 2024"


def test_every_figure_names_a_source_and_a_date() -> None:
    guide = load_guide()
    figures = [figure for section in guide.sections for figure in section.figures]
    assert len(figures) >= 4
    for figure in figures:
        assert guide.source(figure.source).publisher
        assert figure.as_of


def test_advert_and_repeated_section_are_left_out() -> None:
    text = default_guide_path().read_text(encoding="utf-8")
    assert "Venus" not in text and "Rockbot" not in text and "bootcamp" not in text
    guide = load_guide()
    first_sentence = "A medical coder is a healthcare administrator"
    bodies = [p for s in guide.sections for p in s.paragraphs if first_sentence in p]
    assert len(bodies) == 1


def test_guide_objects_are_frozen() -> None:
    guide = load_guide()
    with pytest.raises(AttributeError):
        guide.steps[0].title = "changed"  # type: ignore[misc]


def test_missing_field_is_named(tmp_path: Path) -> None:
    path = write_variant(tmp_path, 'code = "CPC"', 'cod = "CPC"')
    with pytest.raises(GuideError, match=r"guide\.toml: field 'certifications\[2\]\.code'"):
        load_guide(path)


def test_unknown_source_is_named(tmp_path: Path) -> None:
    path = write_variant(tmp_path, 'source = "bls"', 'source = "nowhere"')
    with pytest.raises(GuideError, match="unknown source 'nowhere'"):
        load_guide(path)


def test_wrong_type_is_named(tmp_path: Path) -> None:
    path = write_variant(tmp_path, "number = 2", 'number = "two"')
    with pytest.raises(GuideError, match=r"field 'steps\[1\]\.number' must be a whole number"):
        load_guide(path)


def test_bad_toml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("[meta\ntitle = 1", encoding="utf-8")
    with pytest.raises(GuideError, match=r"broken\.toml: not valid TOML"):
        load_guide(path)


def test_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(GuideError, match="file not found"):
        load_guide(tmp_path / "nope.toml")


def test_duplicate_certification_code_is_refused(tmp_path: Path) -> None:
    path = write_variant(tmp_path, 'code = "COC"', 'code = "CPC"')
    with pytest.raises(GuideError, match="'CPC' twice"):
        load_guide(path)


def test_packaged_file_is_plain_toml() -> None:
    raw = tomllib.loads(default_guide_path().read_text(encoding="utf-8"))
    assert raw["meta"]["publisher"] == "Career Karma"
