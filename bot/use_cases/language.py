"""The /language use cases: show and choose the language the bot answers a chat in.

A chat's choice is stored with its profile; without one, each person is answered in their
app's language (Telegram ``language_code``, Discord locale) when the bot speaks it. In a group,
choosing is for those who may manage it, like its reminders.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.actions import Action, ChooseLanguage, Unknown
from bot.actor import Actor
from bot.guide import Guide
from bot.languages import AUTOMATIC, ENGLISH, languages, normalize, parse_choice
from bot.reminders import ReminderService
from bot.replies import Reply
from bot.screens import language as screens
from storage.records import ChatKey

COMMANDS = frozenset({"language"})


def needs_manager(args: str) -> bool:
    """Whether ``/language args`` changes the chat (so a group's admin check is needed)."""
    return bool(args.strip())


@dataclass(frozen=True, slots=True)
class LanguageUseCases:
    """/language and its buttons over the reminder service (which keeps chats' profiles)."""

    service: ReminderService
    guide: Guide

    async def command(self, actor: Actor, args: str = "") -> Reply:
        """``/language``: the current choice and a button per language; ``/language es``
        (a code or a name, or ``auto``) chooses; an unknown one lists what exists."""
        guide = self.guide.for_language(actor.language)
        if not args.strip():
            chosen = await self.service.chosen_language(_chat(actor))
            return screens.picker(guide, chosen, actor.language or ENGLISH)
        choice = parse_choice(args)
        if choice is None:
            return screens.unknown(guide)
        return await self._choose(actor, None if choice == AUTOMATIC else choice, replace=False)

    async def press(self, actor: Actor, action: Action | Unknown) -> Reply:
        """A /language button: choose that language (or automatic)."""
        if not isinstance(action, ChooseLanguage) or (
            action.language is not None and action.language not in languages()
        ):
            return screens.stale(self.guide.for_language(actor.language))
        return await self._choose(actor, action.language, replace=True)

    async def _choose(self, actor: Actor, language: str | None, *, replace: bool) -> Reply:
        if not actor.may_manage:
            return screens.refusal(self.guide.for_language(actor.language), button=replace)
        await self.service.set_language(_chat(actor), language, is_group=actor.is_group)
        # Answered in the new language (automatic: the person's own app language).
        now = language or normalize(actor.language) or ENGLISH
        return screens.chosen(self.guide.for_language(now), language, replace=replace)


def _chat(actor: Actor) -> ChatKey:
    return ChatKey(actor.platform, actor.chat_id)
