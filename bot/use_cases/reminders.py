"""Reminder and progress use cases: (actor, command + argument text | action) -> Reply.

The group-admin rule lives here: every use case that changes a chat's shared state (its
reminders, time zone, pause, progress) refuses an actor who may not manage the chat, and then
changes nothing. Only the commands in MANAGING_COMMANDS and every reminder or progress action
need that answer, so a front end may ask its platform (an admin check) for those alone.

Instants the service returns are aware UTC; screens show them in the chat's zone.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from bot.actions import (
    Action,
    AnswerNudge,
    ConfirmStop,
    ManageReminder,
    MoveZone,
    RemindFlow,
    ResumeAfterBlock,
    SetProgress,
    Unknown,
)
from bot.actor import Actor
from bot.guide import Guide
from bot.languages import normalize
from bot.messages import Messages
from bot.numbers import parse_whole_number
from bot.reminders import MAX_PAUSE_DAYS, LimitReached, ReminderService
from bot.replies import Reply, text_reply
from bot.schedule import (
    ReminderSpec,
    ScheduleInputError,
    parse_remind_args,
    parse_time,
    parse_zone,
)
from bot.screens import reminders as screens
from storage.records import ChatKey

# Commands that change the chat's state (so, in a group, only its managers may use them).
MANAGING_COMMANDS = frozenset({"remind", "timezone", "pause", "resume", "stopreminders", "done"})
# Every command these use cases answer.
COMMANDS = frozenset({*MANAGING_COMMANDS, "reminders", "progress"})
# The actions these use cases carry out; all of them change the chat's state.
ACTIONS = (
    RemindFlow,
    ManageReminder,
    ConfirmStop,
    MoveZone,
    ResumeAfterBlock,
    SetProgress,
    AnswerNudge,
)


def chat_key(actor: Actor) -> ChatKey:
    """The stored chat the actor acts in: its platform and the platform's chat id."""
    return ChatKey(actor.platform, actor.chat_id)


def needs_manager(what: str | Action | Unknown) -> bool:
    """Whether answering ``what`` (a command name or an action) depends on ``may_manage``."""
    if isinstance(what, str):
        return what in MANAGING_COMMANDS
    return isinstance(what, ACTIONS)


Method = TypeVar("Method", bound=Callable[..., Awaitable[Reply]])


def _in_actors_language(method: Method) -> Method:
    """Run a use case with the guide and words of its actor's language (``actor.language``)."""

    @functools.wraps(method)
    async def speaking(self: ReminderUseCases, actor: Actor, *args: Any) -> Reply:
        return await method(self.speaking(actor.language), actor, *args)

    return cast(Method, speaking)


@dataclass(frozen=True, slots=True)
class ReminderUseCases:
    """The reminder and progress use cases over one ReminderService and the guide."""

    service: ReminderService
    guide: Guide

    @property
    def m(self) -> Messages:
        """The screens' words (loaded with the guide)."""
        return self.guide.messages

    def speaking(self, language: str | None) -> ReminderUseCases:
        """These use cases answering in ``language`` (English when it is not bundled)."""
        guide = self.guide.for_language(language)
        return self if guide is self.guide else ReminderUseCases(self.service, guide)

    # ----- commands -------------------------------------------------------------------

    @_in_actors_language
    async def command(self, actor: Actor, name: str, args: str = "") -> Reply:
        """Answer ``/name args``; ``args`` is the text after the command, maybe empty."""
        handlers: dict[str, Callable[[Actor, str], Awaitable[Reply]]] = {
            "remind": self.remind,
            "reminders": self.list_reminders,
            "timezone": self.timezone,
            "pause": self.pause,
            "resume": self.resume,
            "stopreminders": self.stop_reminders,
            "progress": self.progress,
            "done": self.done,
        }
        handler = handlers.get(name)
        if handler is None:
            raise ValueError(f"not a reminder command: {name}")
        if name in MANAGING_COMMANDS and not actor.may_manage:
            return screens.refusal(self.m, button=False)
        return await handler(actor, args.strip())

    @_in_actors_language
    async def remind(self, actor: Actor, args: str) -> Reply:
        """/remind: one line (``19:30 mon,wed,fri Area/City``) saves; none starts the buttons."""
        if not actor.may_manage:
            return screens.refusal(self.m, button=False)
        if not args:
            return screens.pick_time(self.m)
        profile = await self.service.profile(chat_key(actor), is_group=actor.is_group)
        try:
            spec = parse_remind_args(args, profile.tz)
        except ScheduleInputError as exc:
            return text_reply(exc.in_words(self.m))
        return await self._save(actor, spec, replace=False)

    @_in_actors_language
    async def typed_time(self, actor: Actor, text: str) -> Reply:
        """A time typed after /remind asked for one (local HH:MM): on to the days."""
        if not actor.may_manage:
            return screens.refusal(self.m, button=False)
        try:
            hour, minute = parse_time(text)
        except ScheduleInputError as exc:
            return screens.typed_time_error(self.m, exc.in_words(self.m))
        return screens.pick_days(self.m, hour, minute)

    @_in_actors_language
    async def list_reminders(self, actor: Actor, args: str = "") -> Reply:
        """/reminders: every reminder, its next time in the chat's zone, its buttons."""
        return await self._listing(actor, replace=False)

    @_in_actors_language
    async def timezone(self, actor: Actor, args: str) -> Reply:
        """/timezone: show the chat's zone, or set it (``Area/City``) and offer to move others."""
        if not actor.may_manage:
            return screens.refusal(self.m, button=False)
        if not args:
            return screens.zone_shown(self.m, await self._zone(actor))
        try:
            tz = parse_zone(args)
        except ScheduleInputError as exc:
            return text_reply(exc.in_words(self.m))
        await self.service.set_timezone(chat_key(actor), tz, is_group=actor.is_group)
        others = [
            item for item in await self.service.list(chat_key(actor)) if item.reminder.tz != tz
        ]
        return screens.zone_set(self.m, tz, others)

    @_in_actors_language
    async def pause(self, actor: Actor, args: str) -> Reply:
        """/pause N: pause every reminder N days (1..MAX_PAUSE_DAYS); /pause: until /resume."""
        if not actor.may_manage:
            return screens.refusal(self.m, button=False)
        days: int | None = None
        if args:
            days = parse_whole_number(args.split()[0], 1, MAX_PAUSE_DAYS)
            if days is None:
                return screens.pause_usage(self.m, MAX_PAUSE_DAYS)
        until = await self.service.pause(chat_key(actor), days)
        return screens.paused(self.m, days, until, await self._zone(actor))

    @_in_actors_language
    async def resume(self, actor: Actor, args: str = "") -> Reply:
        """/resume: end a pause."""
        if not actor.may_manage:
            return screens.refusal(self.m, button=False)
        return screens.resumed(self.m, await self.service.resume(chat_key(actor)))

    @_in_actors_language
    async def stop_reminders(self, actor: Actor, args: str = "") -> Reply:
        """/stopreminders: ask before removing every reminder (nothing changes yet)."""
        if not actor.may_manage:
            return screens.refusal(self.m, button=False)
        return screens.confirm_stop(self.m)

    @_in_actors_language
    async def progress(self, actor: Actor, args: str = "") -> Reply:
        """/progress: the step, streak and step buttons."""
        return screens.progress(self.guide, await self.service.progress(chat_key(actor)))

    @_in_actors_language
    async def done(self, actor: Actor, args: str = "") -> Reply:
        """/done: record today's study (the chat's local date)."""
        if not actor.may_manage:
            return screens.refusal(self.m, button=False)
        before = await self.service.progress(chat_key(actor))
        found = await self.service.record_study(chat_key(actor))
        return screens.well_done(self.m, found.streak, again=before.studied_today)

    # ----- buttons --------------------------------------------------------------------

    @_in_actors_language
    async def press(self, actor: Actor, action: Action | Unknown) -> Reply:
        """Carry out a reminder or progress button; stale data changes nothing."""
        if not isinstance(action, ACTIONS):
            return screens.stale(self.m)
        if not actor.may_manage:
            return screens.refusal(self.m, button=True)
        match action:
            case RemindFlow():
                return await self._flow(actor, action)
            case ManageReminder(op, reminder_id):
                return await self._manage(actor, op, reminder_id)
            case ConfirmStop(confirmed):
                count = await self.service.remove_all(chat_key(actor)) if confirmed else None
                return screens.stopped(self.m, count)
            case MoveZone(tz):
                return await self._move_zone(actor, tz)
            case ResumeAfterBlock():
                return screens.back_on(self.m, await self.service.reactivate(chat_key(actor)))
            case SetProgress(step):
                return await self._set_progress(actor, step)
            case AnswerNudge(answer):
                return await self._answer_nudge(actor, answer)

    async def _flow(self, actor: Actor, action: RemindFlow) -> Reply:
        hour, minute, mask = action.hour, action.minute, action.mask
        if mask is None:
            return screens.pick_days(self.m, hour, minute, replace=True)
        if action.choosing:
            return screens.choose_days(self.m, hour, minute, mask)
        if action.zone is not None:
            if action.zone >= len(screens.COMMON_ZONES):
                return screens.stale(self.m, self.m.text("reminders.stale_flow"))
            tz: str | None = screens.COMMON_ZONES[action.zone]
        else:
            tz = await self._zone(actor)
        if tz is None:
            return screens.pick_zone(self.m, hour, minute, mask)
        spec = ReminderSpec(hour, minute, screens.mask_days(mask), tz)
        return await self._save(actor, spec, replace=True)

    async def _manage(self, actor: Actor, op: str, reminder_id: str) -> Reply:
        if op == "del":
            found = await self.service.delete(chat_key(actor), reminder_id)
        else:
            changed = await self.service.set_paused(
                chat_key(actor), reminder_id, paused=op == "off"
            )
            found = changed is not None
        listing = await self._listing(actor, replace=True)
        return Reply(listing.blocks, listing.buttons, True, screens.manage_note(self.m, op, found))

    async def _move_zone(self, actor: Actor, tz: str | None) -> Reply:
        if tz is None:
            return screens.zone_kept(self.m)
        try:
            zone = parse_zone(tz)
        except ScheduleInputError:
            return screens.stale(self.m)
        return screens.zone_moved(
            self.m, zone, await self.service.move_to_zone(chat_key(actor), zone)
        )

    async def _set_progress(self, actor: Actor, step: int | None) -> Reply:
        if step is None:
            await self.service.record_study(chat_key(actor))
            note = self.m.text("reminders.well_done_note")
        elif self.guide.step(step) is None:
            return screens.stale(self.m)
        else:
            await self.service.set_step(chat_key(actor), step)
            note = self.m.text("reminders.step_now", step=step)
        found = await self.service.progress(chat_key(actor))
        return screens.progress(self.guide, found, replace=True, notice=note)

    async def _answer_nudge(self, actor: Actor, answer: str) -> Reply:
        if answer == "done":
            found = await self.service.record_study(chat_key(actor))
            return screens.well_done(
                self.m, found.streak, replace=True, notice=self.m.text("reminders.well_done_note")
            )
        if answer == "snooze":
            at = await self.service.snooze(chat_key(actor), actor.thread_id)
            return screens.snoozed(self.m, at, await self._zone(actor))
        await self.service.skip_today(chat_key(actor), await self._zone(actor) or "UTC")
        return screens.skipped(self.m)

    # ----- the bot's place in chats -----------------------------------------------------

    async def bot_removed(self, chat: ChatKey) -> None:
        """The bot was blocked or removed: the chat's reminders go quiet (kept stored)."""
        await self.service.chat_unreachable(chat)

    async def bot_added_back(self, chat: ChatKey, *, is_group: bool) -> Reply | None:
        """The bot came back to a chat: in a group with switched-off reminders, an offer."""
        if not is_group or not await self.service.is_blocked(chat):
            return None
        waiting = sum(1 for item in await self.service.list(chat) if not item.reminder.active)
        words = self.speaking(await self.service.chosen_language(chat)).m
        return screens.readd_offer(words, waiting) if waiting else None

    async def chat_moved(self, old: ChatKey, new_id: int) -> None:
        """A group became a supergroup (same platform, id ``new_id``): its reminders and
        progress move along."""
        await self.service.move_chat(old, new_id)

    # ----- helpers --------------------------------------------------------------------

    async def _zone(self, actor: Actor) -> str | None:
        return (await self.service.profile(chat_key(actor))).tz

    async def _listing(self, actor: Actor, *, replace: bool) -> Reply:
        items = await self.service.list(chat_key(actor))
        paused_until = self.service.paused_until(chat_key(actor))
        return screens.reminder_list(
            self.m, items, paused_until, await self._zone(actor), replace=replace
        )

    async def _save(self, actor: Actor, spec: ReminderSpec, *, replace: bool) -> Reply:
        try:
            listed = await self.service.add(
                chat_key(actor),
                spec,
                is_group=actor.is_group,
                thread_id=actor.thread_id,
                language=normalize(actor.language),
            )
        except LimitReached as exc:
            return screens.limit_reached(self.m, exc.args[0], replace=replace)
        return screens.reminder_saved(self.m, listed, await self._zone(actor), replace=replace)
