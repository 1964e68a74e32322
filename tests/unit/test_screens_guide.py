"""The guide's screens as Replies (blocks, spans, buttons) and the guide data they rely on."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.actions import ResumeAfterBlock, ShowTopic, encode
from bot.answers import QuestionIndex
from bot.guide import Guide, GuideError, default_guide_path, load_guide
from bot.replies import Bullets, Figures, Heading, Paragraph, Reply, Sources, Span
from bot.screens import guide as screens


@pytest.fixture(scope="module")
def guide() -> Guide:
    return load_guide()


def texts(reply: Reply) -> str:
    """Every span's text, blocks joined by blank lines (a plain rendering for asserts)."""
    out = []
    for block in reply.blocks:
        match block:
            case Heading(text):
                out.append(text)
            case Paragraph(lines) | Bullets(lines):
                out.append("\n".join("".join(span.text for span in line) for line in lines))
            case Figures(items):
                out.append(
                    "\n".join(f"{f.label}: {f.value} ({f.as_of}; {f.source.name})" for f in items)
                )
            case Sources(refs):
                out.append("Source: " + "; ".join(ref.name for ref in refs))
    return "\n\n".join(out)


def actions(reply: Reply) -> list[object]:
    return [button.action for row in reply.buttons for button in row]


def test_every_topic_has_a_screen_whose_buttons_open_topics_that_exist(guide: Guide) -> None:
    keys = guide.topic_keys()
    for key in keys:
        shown = screens.topic(guide, key)
        assert shown is not None, key
        assert shown.blocks, key
        for action in actions(shown):
            assert isinstance(action, ShowTopic), key
            assert action.key in keys, (key, action)
            assert len(encode(action).encode()) <= 64


@pytest.mark.parametrize(
    "key", ["", "step:9", "step:0", "cert:XYZ", "cert:cpc", "faq:nope", "nope", "step:"]
)
def test_unknown_topic_keys_have_no_screen(guide: Guide, key: str) -> None:
    assert screens.topic(guide, key) is None


def test_a_section_shows_each_figure_with_its_source_and_date(guide: Guide) -> None:
    shown = screens.section(guide, guide.section("salary"))
    assert shown.blocks[0] == Heading("Medical coder salary")
    figures = next(block for block in shown.blocks if isinstance(block, Figures))
    (figure,) = figures.items
    assert (figure.value, figure.as_of) == ("$50,250", "May 2024")
    assert figure.source.name == "U.S. Bureau of Labor Statistics (BLS)"
    assert figure.source.url and figure.source.url.startswith("https://www.bls.gov/")
    assert isinstance(shown.blocks[-1], Sources)


def test_a_section_offers_the_next_menu_topics_but_not_itself(guide: Guide) -> None:
    salary = screens.section(guide, guide.section("salary"))
    keys = [a.key for a in actions(salary) if isinstance(a, ShowTopic)]
    assert keys == [item.topic for item in guide.menu if item.topic != "salary"][:3]
    assert "salary" not in keys


def test_the_welcome_greets_by_name_and_offers_the_menu(guide: Guide) -> None:
    shown = screens.welcome(guide, "Ann <b>")
    assert "Hi, Ann <b>!" in texts(shown)
    first = shown.blocks[0]
    assert isinstance(first, Paragraph) and Span("MedCoder Coach", "bold") in first.lines[0]
    assert actions(shown) == [ShowTopic(item.topic) for item in guide.menu]
    assert all(len(row) == 2 for row in shown.buttons[:-1])


def test_help_lists_every_command_the_menus_offer(guide: Guide) -> None:
    from bot import commands

    page = texts(screens.help_page(guide))
    for command in commands.commands(guide):
        if command.offered and command.name != "help":
            assert f"/{command.name}" in page, command.name
    assert "Study reminders" not in texts(screens.help_page(guide, reminders=False))


def test_the_step_pager_stops_at_both_ends(guide: Guide) -> None:
    first = screens.step_detail(guide, guide.steps[0])
    last = screens.step_detail(guide, guide.steps[-1])
    assert actions(first)[:2] == [ShowTopic("steps", True), ShowTopic("step:2", True)]
    assert ShowTopic(f"step:{len(guide.steps) - 1}", True) in actions(last)
    assert all(a != ShowTopic(f"step:{len(guide.steps) + 1}", True) for a in actions(last))


def test_a_step_links_its_certifications(guide: Guide) -> None:
    shown = screens.step_detail(guide, guide.steps[1])
    assert "Certifications: CCA, CBCS" in texts(shown)
    assert shown.buttons[1] == (screens.show("CCA", "cert:CCA"), screens.show("CBCS", "cert:CBCS"))


def test_the_steps_overview_can_lead_with_a_notice(guide: Guide) -> None:
    shown = screens.steps_overview(guide, "There are steps 1 to 4.")
    assert texts(shown).startswith("There are steps 1 to 4. How to become a medical coder")
    assert actions(shown) == [ShowTopic(f"step:{s.number}", True) for s in guide.steps]


def test_certifications_are_listed_under_their_level_headings(guide: Guide) -> None:
    shown = screens.certs_overview(guide)
    body = texts(shown)
    assert "Preliminary (step 2)\n• CCA – Certified Coding Associate" in body
    assert "Advanced (step 4)\n• CPC" in body
    assert actions(shown) == [ShowTopic(f"cert:{c.code}", True) for c in guide.certifications]


def test_an_unknown_certification_lists_the_valid_codes(guide: Guide) -> None:
    shown = screens.unknown_cert(guide, "x" * 50)
    assert "x" * 20 + ". Try one of: CCA, CBCS, CPC, COC, CRC, CIC." in texts(shown)
    assert "x" * 21 not in texts(shown)


def test_a_certification_links_back_to_the_list_and_its_step(guide: Guide) -> None:
    shown = screens.cert_detail(guide, guide.certifications[0])
    assert actions(shown) == [ShowTopic("certs", True), ShowTopic("step:2")]


def test_faqs_and_sources_carry_their_links(guide: Guide) -> None:
    faqs = screens.faq_list(guide)
    links = [s.url for b in faqs.blocks if isinstance(b, Paragraph) for ln in b.lines for s in ln]
    assert any(url and "bls.gov" in url for url in links)
    listing = texts(screens.sources(guide))
    assert f"Content last checked against the guide on {guide.checked}." in listing
    one = screens.topic(guide, "faq:pay")
    assert one is not None and actions(one) == [ShowTopic("faq")]


def test_a_question_the_guide_does_not_cover_gets_no_guess(guide: Guide) -> None:
    questions = QuestionIndex(guide)
    shown = screens.answer(guide, questions.answer("what is the pass rate of the CPC exam?"))
    assert texts(shown).startswith("The guide doesn't cover that, so I won't guess.")
    assert "$" not in texts(shown)


def test_an_answer_adds_related_topics_it_does_not_already_link(guide: Guide) -> None:
    questions = QuestionIndex(guide)
    shown = screens.answer(guide, questions.answer("how long until I can get certified"))
    found = actions(shown)
    assert ShowTopic("cert:COC") in found
    assert len(found) == len(set(found))


def test_the_stale_reply_is_only_a_notice() -> None:
    assert screens.stale() == Reply(notice=screens.STALE_BUTTON)


def test_the_resume_offer_keeps_its_button() -> None:
    offer = screens.resume_offer()
    assert actions(offer) == [ResumeAfterBlock()]
    assert encode(ResumeAfterBlock()) == "back:on"


# --- guide.toml: the menu and the certification levels are data, checked at load ---


def _edited(tmp_path: Path, old: str, new: str) -> Path:
    text = default_guide_path().read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "guide.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_removing_a_section_the_menu_names_fails_at_load(tmp_path: Path) -> None:
    text = default_guide_path().read_text(encoding="utf-8")
    start = text.index('[[sections]]\nid = "cost"')
    end = text.index("[[steps]]")
    path = tmp_path / "guide.toml"
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    with pytest.raises(GuideError, match=r"menu\[\d+\]\.topic' names unknown topic 'cost'"):
        load_guide(path)


def test_a_menu_without_the_removed_section_has_no_dead_button(tmp_path: Path) -> None:
    text = default_guide_path().read_text(encoding="utf-8")
    text = text[: text.index('[[sections]]\nid = "cost"')] + text[text.index("[[steps]]") :]
    text = text.replace('[[menu]]\nlabel = "💳 Cost"\ntopic = "cost"\n\n', "")
    path = tmp_path / "guide.toml"
    path.write_text(text, encoding="utf-8")
    guide = load_guide(path)
    keys = guide.topic_keys()
    for key in keys:
        shown = screens.topic(guide, key)
        assert shown is not None
        assert all(isinstance(a, ShowTopic) and a.key in keys for a in actions(shown))


NEW_CERT = """[[certifications]]
code = "CCS"
name = "Certified Coding Specialist"
issuer = "The guide does not name the issuing body."
level = "advanced"
step = 4
summary = "An advanced credential."
when = "After work experience."

[[faqs]]"""


def test_a_new_certification_appears_everywhere_certifications_are_summed_up(
    tmp_path: Path,
) -> None:
    from bot import commands

    guide = load_guide(_edited(tmp_path, "[[faqs]]", NEW_CERT))
    overview = screens.certs_overview(guide)
    assert "• CCS – Certified Coding Specialist" in texts(overview)
    assert ShowTopic("cert:CCS", True) in actions(overview)
    assert "Advanced: CPC, COC, CRC, CIC, CCS." in next(
        t.summary for t in guide.topics() if t.key == "certs"
    )
    certs = commands.find(guide, "certs")
    assert certs is not None and certs.description.endswith("CRC, CIC, CCS")
    assert "CCS" in texts(screens.unknown_cert(guide, "XYZ"))


@pytest.mark.parametrize(
    ("old", "new", "error"),
    [
        ('level = "advanced"\nstep = 4', 'level = "expert"\nstep = 4', "must be one of"),
        ('level = "advanced"\nstep = 4', 'level = "advanced"\nstep = 3', "must be 4"),
        ('example = "CPC"', 'example = "XYZ"', "unknown certification 'XYZ'"),
    ],
)
def test_certification_levels_are_checked_at_load(
    tmp_path: Path, old: str, new: str, error: str
) -> None:
    with pytest.raises(GuideError, match=error):
        load_guide(_edited(tmp_path, old, new))
