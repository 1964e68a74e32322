"""The /language screens: the current choice with a button per language, and the result."""

from __future__ import annotations

from bot.actions import ChooseLanguage
from bot.guide import Guide
from bot.languages import languages
from bot.replies import Button, Buttons, Heading, Reply, para, text_reply


def picker(guide: Guide, chosen: str | None, own: str) -> Reply:
    """The chat's language (``chosen`` code, or None: each person's ``own``) and a button
    per language plus "automatic"."""
    m = guide.messages
    names = languages()
    if chosen is not None and chosen in names:
        now = m.text("language.chosen", name=names[chosen].name)
    else:
        now = m.text("language.automatic", name=names[own].name if own in names else own)
    return Reply(
        (Heading(m.text("language.title")), para(now), para(m.text("language.pick"))),
        _buttons(guide),
    )


def chosen(guide: Guide, language: str | None, *, replace: bool) -> Reply:
    """The confirmation, in the language now spoken (``guide``'s)."""
    m = guide.messages
    if language is None:
        said = m.text("language.set_auto")
    else:
        said = m.text("language.set", name=languages()[language].name)
    return Reply((para(said),), replace=replace, notice=said if replace else None)


def unknown(guide: Guide) -> Reply:
    """``/language xx`` for a language the bot does not speak: what it speaks, and buttons."""
    names = languages()
    said = guide.messages.text(
        "language.unknown",
        names=", ".join(lang.name for lang in names.values()),
        codes=", ".join(names),
    )
    return text_reply(said, buttons=_buttons(guide))


def refusal(guide: Guide, *, button: bool) -> Reply:
    """A group member who is not an admin (the same refusal as for the group's reminders;
    an alert for a button)."""
    said = guide.messages.text("reminders.refusal")
    return Reply(notice=said, alert=True) if button else text_reply(said)


def stale(guide: Guide) -> Reply:
    """A forged or outdated /language button: a toast, nothing changes."""
    return Reply(notice=guide.messages.text("guide.stale_button"))


def _buttons(guide: Guide) -> Buttons:
    row = tuple(Button(lang.name, ChooseLanguage(code)) for code, lang in languages().items())
    auto = (Button(guide.messages.text("language.auto_button"), ChooseLanguage(None)),)
    return (row, auto)
