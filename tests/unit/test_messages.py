"""The screens' words: content/messages.toml, checked against what the code uses."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot import commands
from bot.guide import GuideError, load_guide
from bot.messages import (
    CATALOGUE,
    MessagesError,
    default_messages,
    load_messages,
    messages_path,
    placeholders,
)
from bot.replies import Span, b, code
from handlers.discord import slash

ROOT = Path(__file__).resolve().parents[2]
# The modules that use messages: the screens, the use cases and the guide (its topic titles).
USERS = sorted(
    [
        *ROOT.glob("bot/screens/*.py"),
        *ROOT.glob("bot/use_cases/*.py"),
        *ROOT.glob("handlers/*/*.py"),
        ROOT / "bot/guide.py",
        ROOT / "bot/commands.py",
        ROOT / "bot/schedule_parse.py",
        ROOT / "bot/schedule_zones.py",
    ]
)
SECTIONS = "guide|reminders|admin|commands|language|intents|schedule|discord|privacy|announce"
# A message key written out in the code: "guide.stale_button", "reminders.day_" + a digit.
KEY = re.compile(rf"""["']({SECTIONS})\.([a-z0-9_]+)["']""")
COUNTED = re.compile(rf"""\.count\(\s*["']((?:{SECTIONS})\.[a-z0-9_]+)["']""")


def keys_in_code() -> set[str]:
    found: set[str] = set()
    for path in USERS:
        source = path.read_text(encoding="utf-8")
        counted = set(COUNTED.findall(source))
        written = {f"{section}.{name}" for section, name in KEY.findall(source)}
        found |= written - counted - {"guide.toml"}  # the guide's file name is no message
        for base in counted:
            found |= {f"{base}_one", f"{base}_other"}
        if path.name == "commands.py":  # "commands.<name>" and "commands.<name>_help"
            for entry in commands._REGISTRY:
                if isinstance(entry, commands._Entry):
                    found.add(f"commands.{entry.name}")
                    found |= {f"commands.{entry.name}_help"} if entry.help else set()
        if path.name == "slash.py":  # "discord.<command>_<option>"
            found |= {f"discord.{c}_{o}" for c, options in slash.OPTIONS.items() for o in options}
        if 'f"admin.announcement_{' in source:
            found |= {"admin.announcement_sending", "admin.announcement_done"}
        if 'f"schedule.month_{' in source:
            found |= {f"schedule.month_{month}" for month in range(1, 13)}
        if 'f"reminders.day_{day}"' in source:
            found |= {f"reminders.day_{day}" for day in range(7)}
    return found


def write(tmp_path: Path, text: str, name: str = "messages.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def english_with(tmp_path: Path, old: str, new: str) -> Path:
    text = messages_path().read_text(encoding="utf-8")
    assert old in text
    return write(tmp_path, text.replace(old, new, 1))


def test_the_packaged_file_has_every_key_with_exactly_its_placeholders() -> None:
    messages = load_messages()
    assert set(messages.templates) == set(CATALOGUE)
    for key, expected in CATALOGUE.items():
        assert placeholders(messages.templates[key]) == expected, key


def test_the_catalogue_is_exactly_the_keys_the_screens_and_use_cases_use() -> None:
    used = keys_in_code()
    assert used - set(CATALOGUE) == set(), "used but not in the catalogue"
    assert set(CATALOGUE) - used == set(), "in the catalogue but never used"


def test_no_markup_in_the_file() -> None:
    for key, template in load_messages().templates.items():
        assert not re.search(r"</?[a-z]+>|\*\*|`|__", template), key


def test_the_guide_carries_the_messages() -> None:
    assert load_guide().messages == default_messages()
    assert default_messages().language == "en"


def test_text_fills_the_placeholders() -> None:
    m = default_messages()
    assert m.text("guide.unknown_command", command="/x") == "I don't know /x. See /help."
    assert m.count("reminders.reminders", 1) == "1 reminder"
    assert m.count("reminders.reminders", 2) == "2 reminders"


def test_line_keeps_styled_values_and_merges_plain_text() -> None:
    m = default_messages()
    assert m.line("reminders.saved_new", schedule=b("19:30 every day")) == (
        Span("✅ Reminder set: "),
        b("19:30 every day"),
        Span("."),
    )
    assert m.line("reminders.list_item", number=1, schedule="x", state="paused") == (
        Span("1. x – paused"),
    )
    codes = (b("CPC"), Span(", "), b("COC"))
    assert m.line("guide.step_certs", codes=codes) == (Span("Certifications: "), *codes)
    assert m.line("reminders.pick_time_ask", example=code("19:30"))[1] == code("19:30")


def test_the_code_must_supply_exactly_the_placeholders() -> None:
    m = default_messages()
    with pytest.raises(ValueError, match=re.escape("guide.unknown_command")):
        m.text("guide.unknown_command")
    with pytest.raises(ValueError, match=re.escape("guide.ask_how")):
        m.text("guide.ask_how", extra="x")
    with pytest.raises(KeyError):
        m.text("guide.no_such_message")


@pytest.mark.parametrize(
    ("old", "new", "wrong"),
    [
        (
            'saved_new = "✅ Reminder set: {schedule}."',
            'saved_new = "✅ Reminder set: {when}."',
            "key 'reminders.saved_new' must use the placeholders {schedule}, found {when}",
        ),
        (
            'gone = "That reminder is already gone."',
            'gone = "That reminder {reminder} is already gone."',
            "key 'reminders.gone' must use the placeholders none, found {reminder}",
        ),
        (
            'gone = "That reminder is already gone."',
            'gone = "Gone {0}."',
            "key 'reminders.gone': placeholder '{0}' must be a plain {name}",
        ),
        (
            'gone = "That reminder is already gone."',
            'gone = "Gone {name!r}."',
            "key 'reminders.gone': placeholder '{name}' must be a plain {name}",
        ),
        (
            'gone = "That reminder is already gone."',
            'gone = "Unclosed {."',
            "key 'reminders.gone'",
        ),
        (
            'gone = "That reminder is already gone."',
            'gone = "  "',
            "key 'reminders.gone' must be a non-empty string",
        ),
        (
            'gone = "That reminder is already gone."',
            "gone = 3",
            "key 'reminders.gone' must be a non-empty string",
        ),
        (
            'gone = "That reminder is already gone."',
            'goner = "That reminder is already gone."',
            "key 'reminders.goner' is not a message the bot uses",
        ),
        (
            'gone = "That reminder is already gone."\n',
            "",
            "missing keys: reminders.gone",
        ),
        ("[guide]", "note = 1\n[guide]", "'note' must be a table of messages"),
        ("[admin]", "[admin", "not valid TOML"),
    ],
)
def test_a_mistake_names_the_file_the_key_and_what_is_wrong(
    tmp_path: Path, old: str, new: str, wrong: str
) -> None:
    path = english_with(tmp_path, old, new)
    with pytest.raises(MessagesError) as caught:
        load_messages(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert wrong in str(caught.value)


def test_a_missing_file_stops_the_guide_loading_with_a_guide_error(tmp_path: Path) -> None:
    missing = tmp_path / "messages.toml"
    with pytest.raises(GuideError, match=f"{re.escape(str(missing))}: file not found"):
        load_guide(messages_path=missing)


def test_another_language_falls_back_to_english_for_the_keys_it_lacks(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[reminders]\ngone = "Ese recordatorio ya no existe."\n',
        "messages.es.toml",
    )
    spanish = load_messages(path, language="es")
    assert spanish.language == "es"
    assert spanish.text("reminders.gone") == "Ese recordatorio ya no existe."
    assert spanish.text("guide.ask_how") == default_messages().text("guide.ask_how")
    assert load_guide(messages_path=path, language="es").messages == spanish


def test_another_language_is_checked_like_english(tmp_path: Path) -> None:
    path = write(tmp_path, '[reminders]\ngone = "Ya no existe: {id}."\n', "messages.es.toml")
    with pytest.raises(
        MessagesError, match=re.escape("key 'reminders.gone' must use the placeholders")
    ):
        load_messages(path, language="es")


def test_front_ends_can_still_import_the_stale_button_notice() -> None:
    from bot.screens import guide as guide_screens
    from bot.screens.guide import STALE_BUTTON

    assert STALE_BUTTON == "This button is no longer valid. Send /start for the menu."
    with pytest.raises(AttributeError):
        _ = guide_screens.NOT_THERE
