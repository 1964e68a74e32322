"""The command registry: one table for the menus, the /help page and the README."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from telegram.ext import Application, CommandHandler

from bot import commands
from bot.guide import Guide, load_guide
from bot.replies import Paragraph
from bot.screens import guide as screens
from handlers.telegram import register_all
from handlers.telegram.menus import bot_commands, description

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture(scope="module")
def guide() -> Guide:
    return load_guide()


def test_names_are_unique_and_valid_telegram_commands(guide: Guide) -> None:
    names = [c.name for c in commands.commands(guide)]
    assert len(names) == len(set(names))
    for command in commands.commands(guide):
        assert re.fullmatch(r"[a-z0-9_]{1,32}", command.name), command.name
        assert 1 <= len(command.description) <= 256, command.name


def test_the_section_commands_come_from_the_guide(guide: Guide) -> None:
    names = [c.name for c in commands.commands(guide)]
    assert [s.command for s in guide.sections] == [
        n for n in names if n in {s.command for s in guide.sections}
    ]
    assert commands.find(guide, "SALARY") == commands.section_command(guide, "salary")


def test_the_readme_table_matches_the_registry(guide: Guide) -> None:
    table = commands.readme_table(guide)
    assert table in README.read_text(encoding="utf-8"), (
        "README.md's Commands table is out of date; regenerate it with "
        "`python -m bot.commands` and paste it in:\n" + table
    )


def test_every_registered_command_has_a_telegram_handler(guide: Guide) -> None:
    app = Application.builder().token("123:TEST").build()
    register_all(app, guide)
    handled = {
        name
        for handlers in app.handlers.values()
        for handler in handlers
        if isinstance(handler, CommandHandler)
        for name in handler.commands
    }
    missing = {c.name for c in commands.commands(guide)} - handled
    assert not missing


def test_the_menus_follow_the_registry_and_its_scopes(guide: Guide) -> None:
    private = [c.command for c in bot_commands(guide, group=False)]
    group = [c.command for c in bot_commands(guide, group=True)]
    assert private == [c.name for c in commands.commands(guide) if "private" in c.offered]
    assert group == [c.name for c in commands.commands(guide) if "group" in c.offered]
    assert "start" in private and "start" not in group and "stats" not in private
    certs = next(c for c in bot_commands(guide, group=True) if c.command == "certs")
    assert certs.description == "Certifications: CCA, CBCS, CPC, COC, CRC, CIC"


def test_every_offered_command_is_named_on_the_help_page(guide: Guide) -> None:
    page = screens.help_page(guide)
    words = " ".join(
        span.text
        for block in page.blocks
        if isinstance(block, Paragraph)
        for ln in block.lines
        for span in ln
    )
    for command in commands.commands(guide):
        if command.offered and command.name != "help":
            assert re.search(rf"/{command.name}\b", words), command.name


def test_the_bot_description_names_the_guide_certifications(guide: Guide) -> None:
    assert "(CCA, CBCS, CPC, COC, CRC, CIC)" in description(guide)
    assert len(description(guide)) <= 512


def test_usage_shows_the_bare_form_when_it_works_alone() -> None:
    steps = commands.Command("steps", "d", commands.EVERYWHERE, "doc", args="N")
    ask = commands.Command("ask", "d", commands.EVERYWHERE, "doc", args="QUESTION", bare=False)
    assert steps.usage() == ("/steps", "/steps N")
    assert ask.usage() == ("/ask QUESTION",)
