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
Part = Literal["guide", "reminders", "operators"]
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

_REGISTRY: Final[tuple[Command | _Sections, ...]] = (
    Command(
        "start",
        "Welcome and topic menu",
        PRIVATE,
        "Welcome and topic menu. Deep links open a section: `t.me/<bot>?start=certs`, "
        "`?start=step-2`, `?start=cert-CPC`, `?start=salary`",
        help=line("/start – welcome and topic menu"),
    ),
    Command(
        "steps",
        "The four steps to become a medical coder",
        EVERYWHERE,
        "The four steps; one step with ◀ ▶ buttons that page in place",
        help=line("/steps – the four steps; /steps 2 for one step"),
        args="N",
    ),
    Command(
        "certs",
        "Certifications: {codes}",
        EVERYWHERE,
        "Certifications; one in detail (any case; an unknown code lists the valid ones)",
        help=line("/certs – certifications; /certs CPC for one"),
        args="CODE",
    ),
    SECTIONS,
    Command(
        "faq",
        "Frequently asked questions",
        EVERYWHERE,
        "The FAQs",
        help=line("/faq – frequently asked questions"),
    ),
    Command(
        "sources",
        "Where the facts come from",
        EVERYWHERE,
        "The sources with links",
        help=line("/sources – where the facts come from"),
    ),
    Command(
        "ask",
        "Ask a question in your own words",
        EVERYWHERE,
        "A question in your own words (in a private chat you can just type it)",
        help=line(
            "/ask ",
            italic("question"),
            " – ask in your own words (or just type it in a private chat)",
        ),
        args="QUESTION",
        bare=False,
    ),
    Command("help", "Everything I can do", EVERYWHERE, "Every command"),
    Command(
        "remind",
        "Set a study reminder",
        EVERYWHERE,
        "Set a study reminder by buttons or in one line (up to 5; setting one you already "
        "have changes nothing and says so)",
        help=line("/remind – set a reminder (or /remind 19:30 mon,wed,fri)"),
        args="19:30 mon,wed,fri [Area/City]",
        part="reminders",
    ),
    Command(
        "reminders",
        "List your study reminders",
        EVERYWHERE,
        "List reminders with the next time (in your zone), pause/resume and delete buttons",
        help=line("/reminders – list, pause or delete them"),
        part="reminders",
    ),
    Command(
        "timezone",
        "Set your time zone",
        PRIVATE,
        "Set your time zone; reminders set in another zone are listed with a button to move "
        "them to the new zone at the same local time",
        help=line("/timezone Area/City – set your time zone"),
        args="Area/City",
        bare=False,
        part="reminders",
    ),
    Command(
        "pause",
        "Pause reminders for a few days",
        PRIVATE,
        "Pause all reminders for some days (the end is shown in your zone) or until `/resume`",
        help=line("/pause [days] and /resume – take a break"),
        args="[days]",
        bare=False,
        part="reminders",
    ),
    Command(
        "resume",
        "Resume paused reminders",
        PRIVATE,
        "Resume paused reminders",
        part="reminders",
    ),
    Command(
        "progress",
        "Your step and study streak",
        PRIVATE,
        "Your current step (1–4) and study streak",
        help=line("/progress – your step and study streak; /done – record today's study"),
        part="reminders",
    ),
    Command(
        "done",
        "Record that you studied today",
        PRIVATE,
        "Record today's study",
        part="reminders",
    ),
    Command(
        "stopreminders",
        "Remove all your reminders",
        PRIVATE,
        "Remove all reminders, after a confirmation button",
        help=line("/stopreminders – remove all reminders"),
        part="reminders",
    ),
    Command(
        "stats",
        "Operators only: usage figures",
        NOWHERE,
        "Operators only (`ADMIN_IDS`): subscribers, reminders and delivery counts",
        part="operators",
    ),
)


def commands(guide: Guide) -> tuple[Command, ...]:
    """Every command in order, the guide's section commands in their place."""
    codes = ", ".join(c.code for c in guide.certifications)
    found: list[Command] = []
    for entry in _REGISTRY:
        if isinstance(entry, _Sections):
            found += [section_command(guide, s.command) for s in guide.sections]
        else:
            found.append(
                Command(
                    entry.name,
                    entry.description.format(codes=codes),
                    entry.offered,
                    entry.doc,
                    entry.help,
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
