"""Plain words in a chat: a request the bot recognises (remind me, stop my reminders, I studied
today, thanks; see :mod:`bot.intents`) or else a question for the guide.

Nothing changes without a confirmation: a reminder asked for in words comes back as an offer
with a "Set it" button (the /remind buttons' own action), "stop my reminders" as the /stopreminders
question. "I studied today" records the day, as /done does. Replies are in the language of the
words (a Spanish request gets Spanish), as answers to questions are.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.actions import Action, Dismiss, Unknown
from bot.actor import Actor
from bot.answers import QuestionIndex
from bot.guide import Guide
from bot.intents import (
    Intent,
    RemindRequest,
    StopReminders,
    StudiedToday,
    Thanks,
    default_intent_words,
    fold,
    read_intent,
)
from bot.replies import Reply
from bot.schedule import EVERY_DAY
from bot.screens import conversation as screens
from bot.screens import reminders as reminder_screens
from bot.use_cases import guide as guide_use_cases
from bot.use_cases.reminders import ReminderUseCases

# The actions these use cases carry out.
ACTIONS = (Dismiss,)


def intent_of(text: str) -> Intent | None:
    """What ``text`` asks for in plain words, or None for a question (well under 1 ms)."""
    return read_intent(text)


def needs_manager(intent: Intent | None) -> bool:
    """Whether answering ``intent`` depends on ``may_manage`` (it may change the chat)."""
    return isinstance(intent, RemindRequest | StopReminders | StudiedToday)


@dataclass(frozen=True, slots=True)
class Conversation:
    """Plain words over the guide, its question index and the reminder use cases."""

    guide: Guide
    questions: QuestionIndex
    reminders: ReminderUseCases

    async def said(self, actor: Actor, text: str, intent: Intent | None = None) -> Reply:
        """The reply to ``text`` (``intent``: what :func:`intent_of` read from it, if the
        front end already asked, to decide on an admin check)."""
        intent = intent if intent is not None else intent_of(text)
        if intent is None:
            return guide_use_cases.ask(self.guide, self.questions, actor, text)
        actor = replace(actor, language=intent.language)
        m = self.guide.for_language(actor.language).messages
        match intent:
            case Thanks():
                return screens.thanks(m)
            case StopReminders():
                return await self.reminders.stop_reminders(actor)
            case StudiedToday():
                return await self.reminders.done(actor)
            case RemindRequest():
                if not default_intent_words().not_today.isdisjoint(fold(text)):
                    # "remind me tomorrow at 7": a one-off the bot cannot set; the /remind
                    # buttons (recurring reminders) instead of a daily one by mistake.
                    return await self.reminders.remind(actor, "")
                return await self._remind(actor, intent)

    async def press(self, actor: Actor, action: Action | Unknown) -> Reply:
        """Cancel under an offer: nothing is set."""
        return screens.dismissed(self.guide.for_language(actor.language).messages)

    async def _remind(self, actor: Actor, asked: RemindRequest) -> Reply:
        m = self.guide.for_language(actor.language).messages
        if not actor.may_manage:
            return reminder_screens.refusal(m, button=False)
        readings = asked.readings()
        days = asked.days or EVERY_DAY
        if not readings:  # no time said: the /remind buttons, from the time
            return await self.reminders.remind(actor, "")
        if len(readings) > 1:
            return screens.which_time(m, readings, days, asked.zone)
        hour, minute = readings[0]
        return screens.confirm_reminder(m, hour, minute, days, asked.zone)
