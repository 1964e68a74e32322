"""The slash commands, generated from the command registry (:mod:`bot.commands`).

One ``app_commands.Command`` per registry command, its description from the registry (cut to
Discord's 100 characters). Commands that take arguments get typed options; each callback joins
its options into the argument text the core parses, as typed after ``/name`` on Telegram:

- ``/steps [step]``, ``/certs [code]`` (choices: the guide's steps and certifications),
  ``/ask question`` (required), ``/pause [days]`` (1..365);
- ``/remind [time] [days] [timezone]``: all optional, so a bare /remind starts the buttons
  (and a typed time, see :mod:`handlers.discord.pending`); ``timezone`` autocompletes IANA
  names with the chat's previous choice first, as does ``/timezone [zone]``;
- ``/language [language]``.

Descriptions and choice names are English, with each other language's words as Discord
localizations (:class:`Translator`, from the guide's translations): a Spanish Discord shows
the picker in Spanish.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, Protocol

import discord
from discord import app_commands

from bot import commands as registry
from bot.guide import Guide
from bot.reminders import MAX_PAUSE_DAYS

MAX_DESCRIPTION = 100  # a slash command's or an option's description
MAX_CHOICES = 25

# The options each command takes; what one says is the message discord.<command>_<option>.
OPTIONS: dict[str, tuple[str, ...]] = {
    "steps": ("step",),
    "certs": ("code",),
    "ask": ("question",),
    "remind": ("time", "days", "timezone"),
    "pause": ("days",),
    "timezone": ("zone",),
    "language": ("language",),
    "broadcast": ("text",),
    "announcements": ("setting",),
}
# Discord's locales for each language the bot speaks besides English.
LOCALES: dict[str, tuple[discord.Locale, ...]] = {
    "es": (discord.Locale.spain_spanish, discord.Locale.latin_american_spanish),
}


def _option_text(guide: Guide, command: str, option: str) -> str:
    key = f"discord.{command}_{option}"
    if command == "pause":
        return guide.messages.text(key, max=MAX_PAUSE_DAYS)[:MAX_DESCRIPTION]
    return guide.messages.text(key)[:MAX_DESCRIPTION]


def _step_choice(guide: Guide, number: int) -> str:
    step = guide.step(number)
    return f"{number}. {step.title if step else ''}"[:MAX_DESCRIPTION]


class Translator(app_commands.Translator):
    """The words of the slash commands in each language the guide is translated into: a
    command's description, an option's description, a /steps choice (each ``locale_str``
    carries what it is in its extras)."""

    def __init__(self, guide: Guide) -> None:
        super().__init__()
        self._by_locale = {
            locale: guide.for_language(code)
            for code, locales in LOCALES.items()
            for locale in locales
        }

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        """The text for ``locale``, or None (Discord shows the English)."""
        guide = self._by_locale.get(locale)
        if guide is None:
            return None
        extras = string.extras
        if "command" in extras:
            found = registry.find(guide, extras["command"])
            return found.description[:MAX_DESCRIPTION] if found else None
        if "option" in extras:
            return _option_text(guide, extras["for"], extras["option"])
        if "step" in extras:
            return _step_choice(guide, extras["step"])
        return None


class Commands(Protocol):
    """What the slash commands call on the front end."""

    async def command(self, interaction: discord.Interaction[Any], name: str, args: str) -> None:
        """Answer ``/name args``."""
        ...

    async def zone_choices(
        self, interaction: discord.Interaction[Any], typed: str
    ) -> list[app_commands.Choice[str]]:
        """The time zones offered for ``typed``."""
        ...


def register(tree: app_commands.CommandTree[Any], guide: Guide, front: Commands) -> None:
    """Add one slash command per registry command to ``tree``; their localizations come from
    a :class:`Translator` set on the tree before syncing."""
    for entry in registry.commands(guide):
        description = app_commands.locale_str(
            entry.description[:MAX_DESCRIPTION], command=entry.name
        )
        tree.add_command(
            app_commands.Command(
                name=entry.name,
                description=description,
                callback=_callback(entry.name, guide, front),
            )
        )


Callback = Callable[..., Coroutine[Any, Any, None]]


def _callback(name: str, guide: Guide, front: Commands) -> Callback:
    """The callback of ``/name``: its options joined into the argument text."""
    describe = app_commands.describe(
        **{
            option: app_commands.locale_str(
                _option_text(guide, name, option), option=option, **{"for": name}
            )
            for option in OPTIONS.get(name, ())
        }
    )
    zones = app_commands.autocomplete(timezone=front.zone_choices)
    if name == "steps":
        numbered = [
            (s.number, app_commands.locale_str(_step_choice(guide, s.number), step=s.number))
            for s in guide.steps
        ]

        @describe
        @app_commands.choices(step=[app_commands.Choice(name=t, value=n) for n, t in numbered])
        async def steps(interaction: discord.Interaction, step: int | None = None) -> None:
            await front.command(interaction, name, "" if step is None else str(step))

        return steps
    if name == "certs":
        codes = [c.code for c in guide.certifications][:MAX_CHOICES]

        @describe
        @app_commands.choices(code=[app_commands.Choice(name=c, value=c) for c in codes])
        async def certs(interaction: discord.Interaction, code: str | None = None) -> None:
            await front.command(interaction, name, code or "")

        return certs
    if name == "ask":

        @describe
        async def ask(interaction: discord.Interaction, question: str) -> None:
            await front.command(interaction, name, question)

        return ask
    if name == "remind":

        @describe
        @zones
        async def remind(
            interaction: discord.Interaction,
            time: str | None = None,
            days: str | None = None,
            timezone: str | None = None,
        ) -> None:
            args = " ".join(part for part in (time, days, timezone) if part)
            await front.command(interaction, name, args)

        return remind
    if name == "pause":

        @describe
        async def pause(
            interaction: discord.Interaction,
            days: app_commands.Range[int, 1, MAX_PAUSE_DAYS] | None = None,
        ) -> None:
            await front.command(interaction, name, "" if days is None else str(days))

        return pause
    if name == "timezone":

        @describe
        @app_commands.autocomplete(zone=front.zone_choices)
        async def timezone(interaction: discord.Interaction, zone: str | None = None) -> None:
            await front.command(interaction, name, zone or "")

        return timezone
    if name == "broadcast":

        @describe
        async def broadcast(interaction: discord.Interaction, text: str) -> None:
            await front.command(interaction, name, text)

        return broadcast
    if name == "announcements":

        @describe
        @app_commands.choices(
            setting=[app_commands.Choice(name=v, value=v) for v in ("on", "off")]
        )
        async def announcements(
            interaction: discord.Interaction, setting: str | None = None
        ) -> None:
            await front.command(interaction, name, setting or "")

        return announcements
    if name == "language":

        @describe
        async def language(interaction: discord.Interaction, language: str | None = None) -> None:
            await front.command(interaction, name, language or "")

        return language

    async def plain(interaction: discord.Interaction) -> None:
        await front.command(interaction, name, "")

    return plain
