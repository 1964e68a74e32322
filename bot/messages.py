"""Load the words of the bot's own screens (``content/messages.toml``) into a frozen object.

The guide's facts live in ``guide.toml``; what the bot itself says around them ("Reminder
set: ...", refusals, button labels, nudge headings) lives here, one keyed message per entry,
with named ``{placeholders}``. :data:`CATALOGUE` is the code's side of the contract: every key
the screens use and exactly the placeholders they supply. The file is checked against it at
load, and a mistake raises :class:`MessagesError` naming the file, the key and what is wrong.

No markup lives in the file: a screen passes a styled :class:`~bot.replies.Span` (bold, code,
italic) as a placeholder's value and :meth:`Messages.line` keeps the style.

Other languages sit next to the English file as ``messages.<language>.toml``; a key they do not
give falls back to English (see :func:`load_messages`).
"""

from __future__ import annotations

import functools
import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType

from bot.replies import Line, Span

ENGLISH = "en"


class MessagesError(Exception):
    """The messages file is missing, malformed or does not match what the code needs."""


def _keys(section: str, placeholders: Mapping[str, str]) -> dict[str, frozenset[str]]:
    return {f"{section}.{key}": frozenset(names.split()) for key, names in placeholders.items()}


# Every message the code uses -> the placeholders it supplies (space-separated names).
CATALOGUE: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        **_keys(
            "guide",
            {
                "stale_button": "",
                "bot_name": "",
                "greeting": "",
                "greeting_named": "first_name",
                "welcome": "greeting bot title publisher",
                "welcome_hint": "",
                "resume_offer": "",
                "resume_button": "",
                "help_guide": "",
                "help_reminders": "",
                "help_privacy": "",
                "help_groups": "",
                "steps_title": "",
                "steps_item": "number title summary",
                "steps_hint": "",
                "steps_out_of_range": "count",
                "step_button": "number",
                "step_heading": "number count title",
                "step_certs": "codes",
                "step_previous": "number",
                "step_next": "number",
                "all_steps": "",
                "certs_heading": "",
                "level_heading": "name step",
                "topic_steps_title": "",
                "topic_steps_summary": "",
                "topic_step_title": "number title",
                "topic_certs_title": "",
                "topic_sources_summary": "",
                "certs_item": "code name",
                "certs_hint": "note example",
                "cert_level": "level step",
                "cert_issuer": "issuer",
                "cert_when": "when",
                "all_certs": "",
                "unknown_cert": "code codes",
                "faq_heading": "",
                "all_faqs": "",
                "sources_heading": "",
                "source_item": "number publisher title",
                "sources_about": "about",
                "sources_checked": "date",
                "source_label": "",
                "figure_as_of": "",
                "whole_section": "title",
                "not_covered_nearest": "",
                "not_covered_menu": "",
                "did_you_mean": "",
                "no_match": "example",
                "no_match_example": "",
                "ask_how": "",
                "unknown_command": "command",
                "inline_read_all": "",
                "bot_description": "codes",
                "bot_short_description": "",
                "translation_label": "",
            },
        ),
        **_keys(
            "commands",
            {
                "start": "",
                "start_help": "",
                "steps": "",
                "steps_help": "",
                "certs": "codes",
                "certs_help": "",
                "faq": "",
                "faq_help": "",
                "sources": "",
                "sources_help": "",
                "ask": "",
                "ask_help": "question",
                "ask_question": "",
                "help": "",
                "language": "",
                "language_help": "",
                "remind": "",
                "remind_help": "",
                "reminders": "",
                "reminders_help": "",
                "timezone": "",
                "timezone_help": "",
                "pause": "",
                "pause_help": "",
                "resume": "",
                "progress": "",
                "progress_help": "",
                "done": "",
                "stopreminders": "",
                "stopreminders_help": "",
                "stats": "",
                "backup": "",
                "mydata": "",
                "mydata_help": "",
                "deleteme": "",
                "deleteme_help": "",
                "announcements": "",
                "announcements_help": "",
                "broadcast": "",
            },
        ),
        **_keys(
            "language",
            {
                "title": "",
                "chosen": "name",
                "automatic": "name",
                "pick": "",
                "auto_button": "",
                "set": "name",
                "set_auto": "",
                "unknown": "names codes",
            },
        ),
        **_keys(
            "intents",
            {
                "thanks": "",
                "remind_confirm": "schedule",
                "remind_command": "schedule command",
                "remind_which": "morning evening",
                "set_button": "",
                "cancel_button": "",
                "cancelled": "",
            },
        ),
        **_keys(
            "reminders",
            {
                "refusal": "",
                "stale_flow": "",
                "gone": "",
                "well_done_note": "",
                "day_0": "",
                "day_1": "",
                "day_2": "",
                "day_3": "",
                "day_4": "",
                "day_5": "",
                "day_6": "",
                "topic_label": "thread",
                "pick_time_title": "",
                "pick_time_ask": "example",
                "pick_time_one_line": "example",
                "one_line_example": "",
                "every_day": "",
                "weekdays": "",
                "weekends": "",
                "choose_days": "",
                "pick_days": "time",
                "choose_days_prompt": "time",
                "day_checked": "day",
                "done_button": "",
                "pick_zone": "command example remind",
                "pick_zone_command": "",
                "pick_zone_example": "",
                "state_off": "",
                "state_paused": "",
                "state_next": "when",
                "saved_existed": "schedule",
                "saved_new": "schedule",
                "next_nudge": "next",
                "see_all": "",
                "limit_reached": "limit",
                "typed_time_error": "error",
                "no_reminders": "",
                "list_title": "",
                "list_item": "number schedule state",
                "resume_button": "time",
                "pause_button": "time",
                "delete_button": "time",
                "list_zone_note": "zone",
                "all_paused_until_resume": "",
                "all_paused_until": "when",
                "deleted": "",
                "paused_note": "",
                "resumed_note": "",
                "zone_current": "zone",
                "zone_none": "",
                "zone_how": "",
                "zone_set": "zone",
                "zone_others": "",
                "zone_other_item": "schedule state",
                "zone_move_question": "zone",
                "move_button": "zone",
                "keep_button": "",
                "zone_kept": "",
                "zone_moved": "count zone",
                "zone_all_follow": "zone",
                "reminders_one": "count",
                "reminders_other": "count",
                "days_one": "count",
                "days_other": "count",
                "pause_usage": "max",
                "paused_until_resume": "",
                "paused_for": "days when",
                "resumed": "",
                "not_paused": "",
                "confirm_stop": "all",
                "confirm_stop_all": "",
                "yes_remove": "",
                "no_keep": "",
                "stop_kept": "",
                "stop_removed": "count",
                "stop_removed_all": "",
                "back_on": "count",
                "readd_offer_one": "count",
                "readd_offer_other": "count",
                "readd_button": "",
                "progress_title": "",
                "progress_step": "step",
                "progress_streak_one": "streak",
                "progress_streak_other": "streak",
                "studied_today": "answer",
                "studied_yes": "",
                "studied_no": "",
                "days_total": "count",
                "progress_hint": "",
                "studied_button": "",
                "step_now": "step",
                "well_done": "streak",
                "already_done": "streak",
                "streak_one": "count",
                "streak_other": "count",
                "snoozed": "when",
                "snoozed_note": "",
                "skipped": "",
                "skipped_note": "",
                "nudge_done": "",
                "nudge_snooze": "",
                "nudge_skip": "",
                "group_nudge": "prompt",
                "nudge_due": "",
                "nudge_snoozed": "",
                "nudge_step": "number title",
                "nudge_action": "action",
            },
        ),
        **_keys(
            "schedule",
            {
                "at": "time days zone",
                "every_day": "",
                "weekdays": "",
                "weekends": "",
                "on_days": "days",
                "when": "weekday day month time",
                "time_too_long": "",
                "not_a_time": "text",
                "needs_meridiem": "text clock hour",
                "time_help": "",
                "days_too_long": "",
                "which_days": "",
                "not_a_day": "text",
                "days_help": "",
                "zone_last": "",
                "remind_too_long": "",
                "remind_when": "",
                "remind_usage": "",
                "missing_zone": "",
                "which_zone": "",
                "zone_help": "",
                "zone_too_long": "",
                "fixed_offset": "text",
                "unknown_zone": "text",
                "zone_suggestions": "zones",
                **{f"month_{month}": "" for month in range(1, 13)},
            },
        ),
        **_keys(
            "discord",
            {
                "steps_step": "",
                "certs_code": "",
                "ask_question": "",
                "remind_time": "",
                "remind_days": "",
                "remind_timezone": "",
                "pause_days": "max",
                "timezone_zone": "",
                "language_language": "",
                "broadcast_text": "",
                "announcements_setting": "",
                "sorry": "",
            },
        ),
        **_keys(
            "privacy",
            {
                "export": "",
                "confirm": "",
                "confirm_group": "",
                "yes_delete": "",
                "no_keep": "",
                "erased": "",
                "kept": "",
            },
        ),
        **_keys(
            "announce",
            {
                "preview_one": "count",
                "preview_other": "count",
                "send_button": "count",
                "cancel_button": "",
                "cancelled": "",
                "how_to": "",
                "too_long": "limit",
                "status": "bar percent sent left failed eta",
                "done": "sent failed unreachable total",
                "opted_in": "",
                "opted_out": "",
                "state_on": "",
                "state_off": "",
                "usage": "",
                "busy": "",
            },
        ),
        **_keys(
            "admin",
            {
                "operators_only": "",
                "stats_title": "",
                "stats_profiles": "profiles",
                "stats_reminders": "reminders active",
                "stats_scheduled": "scheduled slots in_flight",
                "stats_sent": "sent failed unreachable",
                "stats_skipped": "late paused dropped",
                "stats_backup": "when",
                "stats_no_backup": "",
                "backup_written": "file size seconds",
                "announcement": "",
                "stats_announcement": "sent failed unreachable total status",
                "announcement_sending": "",
                "announcement_done": "",
                "backup_failed": "reason",
                "no_backup_dir": "",
            },
        ),
    }
)

Value = str | int | Span | Line


@dataclass(frozen=True, slots=True)
class Messages:
    """The bot's UI text in one language: ``key -> template`` (checked against CATALOGUE)."""

    language: str
    # Read-only; left out of the hash so a Guide holding these stays hashable.
    templates: Mapping[str, str] = field(hash=False)

    def text(self, key: str, **values: str | int) -> str:
        """The message ``key`` with its placeholders filled in, as plain text."""
        return self._template(key, values).format_map(values)

    def line(self, key: str, **values: Value) -> Line:
        """The message ``key`` as one line of spans: a Span value keeps its style, a Line
        value its spans; neighbouring plain text merges into one span."""
        template = self._template(key, values)
        spans: list[Span] = []
        for literal, name, _, _ in string.Formatter().parse(template):
            _append(spans, Span(literal))
            if name is None:
                continue
            value = values[name]
            if isinstance(value, Span):
                _append(spans, value)
            elif isinstance(value, tuple):
                for span in value:
                    _append(spans, span)
            else:
                _append(spans, Span(str(value)))
        return tuple(spans)

    def count(self, key: str, count: int) -> str:
        """The singular (``key_one``) or plural (``key_other``) form of ``{count} ...``."""
        return self.text(f"{key}_one" if count == 1 else f"{key}_other", count=count)

    def _template(self, key: str, values: Mapping[str, object]) -> str:
        expected = CATALOGUE.get(key)
        if expected is None:
            raise KeyError(f"no message '{key}' in the catalogue")
        if set(values) != expected:
            raise ValueError(f"message '{key}' takes {sorted(expected)}, got {sorted(values)}")
        return self.templates[key]


def _append(spans: list[Span], span: Span) -> None:
    if not span.text:
        return
    last = spans[-1] if spans else None
    plain = span.style == "plain" and span.url is None
    if plain and last is not None and last.style == "plain" and last.url is None:
        spans[-1] = Span(last.text + span.text)
    else:
        spans.append(span)


def messages_path(language: str = ENGLISH) -> Path:
    """Where the packaged messages of ``language`` live (``messages.toml`` for English)."""
    name = "messages.toml" if language == ENGLISH else f"messages.{language}.toml"
    return Path(str(resources.files("bot").joinpath("content", name)))


def placeholders(template: str) -> frozenset[str]:
    """The ``{names}`` a template uses; raise ValueError for a malformed or complex one."""
    names: set[str] = set()
    for _, name, spec, conversion in string.Formatter().parse(template):
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise ValueError(f"placeholder '{{{name}}}' must be a plain {{name}}")
        names.add(name)
    return frozenset(names)


def load_messages(path: Path | None = None, language: str = ENGLISH) -> Messages:
    """Read and check the messages of ``language``; keys it lacks come from English.

    ``path`` overrides where the file of ``language`` is read from (English always comes
    from the packaged file unless ``language`` is English). Raises MessagesError naming the
    file, the key and what is wrong.
    """
    own = _read(path or messages_path(language), partial=language != ENGLISH)
    if language == ENGLISH:
        return Messages(language, MappingProxyType(own))
    english = load_messages()
    return Messages(language, MappingProxyType({**english.templates, **own}))


@functools.cache
def default_messages() -> Messages:
    """The packaged English messages, read on first use (for callers given none)."""
    return load_messages()


def _read(path: Path, *, partial: bool) -> dict[str, str]:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise MessagesError(f"{path}: file not found") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise MessagesError(f"{path}: not valid TOML: {exc}") from exc
    templates: dict[str, str] = {}
    for section, table in raw.items():
        if not isinstance(table, dict):
            raise MessagesError(f"{path}: '{section}' must be a table of messages")
        for key, value in table.items():
            templates[f"{section}.{key}"] = value
    for key, value in templates.items():
        if key not in CATALOGUE:
            raise MessagesError(f"{path}: key '{key}' is not a message the bot uses")
        if not isinstance(value, str) or not value.strip():
            raise MessagesError(f"{path}: key '{key}' must be a non-empty string")
        try:
            found = placeholders(value)
        except ValueError as exc:
            raise MessagesError(f"{path}: key '{key}': {exc}") from None
        expected = CATALOGUE[key]
        if found != expected:
            raise MessagesError(
                f"{path}: key '{key}' must use the placeholders {_names(expected)}, "
                f"found {_names(found)}"
            )
    missing = sorted(set(CATALOGUE) - set(templates))
    if missing and not partial:
        raise MessagesError(f"{path}: missing keys: {', '.join(missing)}")
    return templates


def _names(names: frozenset[str]) -> str:
    return ", ".join(f"{{{name}}}" for name in sorted(names)) or "none"
