"""The command registry: every command's name, menu description, scopes, arguments and help.

One table, read by everything that lists commands: the platform menus (Telegram's
setMyCommands), the /help page (:func:`bot.screens.guide.help_page`) and the README's
Commands table (:func:`readme_table`; a test keeps the README in step). The guide's section
commands (/salary, /skills, ...) come from the guide data and take the place of
:data:`SECTIONS` in the order.

Kept in Python, not in guide.toml: a command is behaviour (each needs a handler in every front
end, which a test checks), while guide.toml is content an editor changes without touching
code. The table is still plain data: no logic lives in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from bot.guide import Guide
from bot.replies import Line, line
from bot.replies import i as italic

Scope = Literal["private", "group"]
Part = Literal["guide", "reminders", "privacy", "operators"]
EVERYWHERE: Final = frozenset[Scope]({"private", "group"})
PRIVATE: Final = frozenset[Scope]({"private"})
NOWHERE: Final = frozenset[Scope]()


@dataclass(frozen=True, slots=True)
class Command:
    """One command.

    - ``description``: the menu line (at most 256 characters); ``{codes}`` stands for the
      certification codes.
    - ``offered``: the chats whose command menu lists it (it may still work elsewhere).
    - ``args``: its arguments as typed after the name (``N``, ``[days]``), or empty.
    - ``bare``: whether it also works with no arguments (``/steps`` as well as ``/steps N``).
    - ``help``: its line on the /help page, or None when another line names it or it is not
      for everyone.
    - ``doc``: what it does, for the README (Markdown).
    - ``part``: the /help heading it is listed under.
    """

    name: str
    description: str
    offered: frozenset[Scope]
    doc: str
    help: Line | None = None
    args: str = ""
    bare: bool = True
    part: Part = "guide"

    def usage(self) -> tuple[str, ...]:
        """How to type it: ``("/steps", "/steps N")``, ``("/ask QUESTION",)``."""
        plain = f"/{self.name}"
        if not self.args:
            return (plain,)
        with_args = f"{plain} {self.args}"
        return (plain, with_args) if self.bare else (with_args,)


@dataclass(frozen=True, slots=True)
class _Sections:
    """Where the guide's section commands go in the order."""


SECTIONS: Final = _Sections()


@dataclass(frozen=True, slots=True)
class _Entry:
    """A registry row: a :class:`Command` without its words, which are the messages
    ``commands.<name>`` (menu description) and, with ``help``, ``commands.<name>_help``."""

    name: str
    offered: frozenset[Scope]
    doc: str
    help: bool = False
    args: str = ""
    bare: bool = True
    part: Part = "guide"


_REGISTRY: Final[tuple[_Entry | _Sections, ...]] = (
    _Entry(
        "start",
        PRIVATE,
        "Welcome and topic menu. Deep links open a section: `t.me/<bot>?start=certs`, "
        "`?start=step-2`, `?start=cert-CPC`, `?start=salary`",
        help=True,
    ),
    _Entry(
        "steps",
        EVERYWHERE,
        "The four steps; one step with ◀ ▶ buttons that page in place",
        help=True,
        args="N",
    ),
    _Entry(
        "certs",
        EVERYWHERE,
        "Certifications; one in detail (any case; an unknown code lists the valid ones)",
        help=True,
        args="CODE",
    ),
    SECTIONS,
    _Entry(
        "faq",
        EVERYWHERE,
        "The FAQs",
        help=True,
    ),
    _Entry(
        "sources",
        EVERYWHERE,
        "The sources with links",
        help=True,
    ),
    _Entry(
        "ask",
        EVERYWHERE,
        "A question in your own words (in a private chat you can just type it)",
        help=True,
        args="QUESTION",
        bare=False,
    ),
    _Entry("help", EVERYWHERE, "Every command"),
    _Entry(
        "language",
        EVERYWHERE,
        "Choose the language I answer in (English, Español) or follow each person's app; "
        "in a group, its admins choose",
        help=True,
        args="CODE",
    ),
    _Entry(
        "remind",
        EVERYWHERE,
        "Set a study reminder by buttons or in one line (up to 5; setting one you already "
        "have changes nothing and says so)",
        help=True,
        args="19:30 mon,wed,fri [Area/City]",
        part="reminders",
    ),
    _Entry(
        "reminders",
        EVERYWHERE,
        "List reminders with the next time (in your zone), pause/resume and delete buttons",
        help=True,
        part="reminders",
    ),
    _Entry(
        "timezone",
        PRIVATE,
        "Set your time zone; reminders set in another zone are listed with a button to move "
        "them to the new zone at the same local time",
        help=True,
        args="Area/City",
        bare=False,
        part="reminders",
    ),
    _Entry(
        "pause",
        PRIVATE,
        "Pause all reminders for some days (the end is shown in your zone) or until `/resume`",
        help=True,
        args="[days]",
        bare=False,
        part="reminders",
    ),
    _Entry(
        "resume",
        PRIVATE,
        "Resume paused reminders",
        part="reminders",
    ),
    _Entry(
        "progress",
        PRIVATE,
        "Your current step (1–4) and study streak",
        help=True,
        part="reminders",
    ),
    _Entry(
        "done",
        PRIVATE,
        "Record today's study",
        part="reminders",
    ),
    _Entry(
        "stopreminders",
        PRIVATE,
        "Remove all reminders, after a confirmation button",
        help=True,
        part="reminders",
    ),
    _Entry(
        "mydata",
        EVERYWHERE,
        "Everything stored about you (or, for a group's admins, the group) as a JSON file",
        help=True,
        part="privacy",
    ),
    _Entry(
        "deleteme",
        EVERYWHERE,
        "Delete everything stored about you (a group's admins: the group), after a "
        "confirmation button; using the bot again starts afresh",
        help=True,
        part="privacy",
    ),
    _Entry(
        "announcements",
        PRIVATE,
        "`/announcements off` stops the operators' announcements, `on` turns them back on",
        help=True,
        args="[on|off]",
        part="privacy",
    ),
    _Entry(
        "stats",
        NOWHERE,
        "Operators only (`ADMIN_IDS`): subscribers, reminders and delivery counts",
        part="operators",
    ),
    _Entry(
        "broadcast",
        NOWHERE,
        "Operators only: announce a text to every learner, after a preview with the recipient "
        "count; delivery survives restarts and sends no one the same announcement twice",
        args="TEXT",
        bare=False,
        part="operators",
    ),
    _Entry(
        "backup",
        NOWHERE,
        "Operators only: write a snapshot of the data folder to `BACKUP_DIR` now, while the "
        "bot keeps running",
        part="operators",
    ),
)


def commands(guide: Guide) -> tuple[Command, ...]:
    """Every command in order, the guide's section commands in their place."""
    codes = ", ".join(c.code for c in guide.certifications)
    m = guide.messages
    found: list[Command] = []
    for entry in _REGISTRY:
        if isinstance(entry, _Sections):
            found += [section_command(guide, s.command) for s in guide.sections]
            continue
        key = f"commands.{entry.name}"
        description = m.text(key, codes=codes) if entry.name == "certs" else m.text(key)
        help_line = None
        if entry.help:
            question = italic(m.text("commands.ask_question"))
            help_line = (
                m.line(f"{key}_help", question=question)
                if entry.name == "ask"
                else m.line(f"{key}_help")
            )
        found.append(
            Command(
                entry.name,
                description,
                entry.offered,
                entry.doc,
                help_line,
                entry.args,
                entry.bare,
                entry.part,
            )
        )
    return tuple(found)


def section_command(guide: Guide, name: str) -> Command:
    """The command that shows the guide section whose command is ``name``."""
    section = next(s for s in guide.sections if s.command == name)
    return Command(
        section.command,
        section.title[:256],
        EVERYWHERE,
        f"{section.title}, with its sources and each figure's “as of” date",
        help=line(f"/{section.command} – {section.title.lower()}"),
    )


def offered(guide: Guide, scope: Scope) -> tuple[Command, ...]:
    """The commands a chat's menu lists, in order."""
    return tuple(c for c in commands(guide) if scope in c.offered)


def find(guide: Guide, name: str) -> Command | None:
    """The command called ``name`` (any case), or None."""
    wanted = name.lower()
    return next((c for c in commands(guide) if c.name == wanted), None)


def readme_table(guide: Guide) -> str:
    """The README's Commands table (Markdown), one row per command."""
    rows = ["| Command | What it does |", "|---|---|"]
    for command in commands(guide):
        usage = ", ".join(f"`{form}`" for form in command.usage())
        rows.append(f"| {usage} | {command.doc} |")
    return "\n".join(rows)


if __name__ == "__main__":  # print the README table: python -m bot.commands
    from bot.guide import load_guide

    print(readme_table(load_guide()))
