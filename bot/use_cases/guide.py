"""The guide's use cases: (actor, command and its argument text | action | question) -> Reply.

A front end parses its platform event into one of these calls and renders what comes back;
nothing here knows how a reply looks or where it goes.
"""

from __future__ import annotations

import re

from bot.actions import Action, ShowTopic, Unknown
from bot.actor import Actor
from bot.answers import QuestionIndex
from bot.guide import Guide
from bot.numbers import parse_whole_number
from bot.replies import Reply
from bot.screens import guide as screens

# A /start payload (deep link): t.me/<bot>?start=step-2 opens topic ``step:2``.
_PAYLOAD = re.compile(r"[A-Za-z0-9_-]{1,64}", re.ASCII)
# The guide's own commands (besides the section commands, which the guide data names).
COMMANDS = ("start", "help", "steps", "certs", "faq", "sources", "ask")


def handles(guide: Guide, name: str) -> bool:
    """Whether :func:`command` answers the command ``name``."""
    return name in COMMANDS or any(s.command == name for s in guide.sections)


def command(
    guide: Guide, questions: QuestionIndex, actor: Actor, name: str, text: str = ""
) -> Reply:
    """The reply to ``/name text`` (``name`` without slash or bot name, any case).

    - ``/start`` greets, or opens the topic a deep link names (``step-2``, ``cert-CPC``).
    - ``/steps N`` and ``/certs CODE`` show one item; a bad one says what exists.
    - ``/ask QUESTION`` answers; any other name is an unknown command.
    """
    guide = guide.for_language(actor.language)
    name = name.lower()
    argument = text.split()[0] if text.split() else ""
    match name:
        case "start":
            return start(guide, actor, argument)
        case "help":
            return screens.help_page(guide)
        case "steps":
            return steps(guide, argument)
        case "certs":
            return certs(guide, argument)
        case "faq":
            return screens.faq_list(guide)
        case "sources":
            return screens.sources(guide)
        case "ask":
            if text.strip():
                return ask(guide, questions, actor, text)
            return screens.ask_how(guide.messages)
    section = next((s for s in guide.sections if s.command == name), None)
    if section is not None:
        return screens.section(guide, section)
    return screens.unknown_command(f"/{name}", guide.messages)


def start(guide: Guide, actor: Actor, payload: str = "") -> Reply:
    """The welcome, or the topic a deep-link payload names (an unknown one: the welcome)."""
    guide = guide.for_language(actor.language)
    shown = deep_link(guide, payload)
    return screens.welcome(guide, actor.first_name) if shown is None else shown


def deep_link(guide: Guide, payload: str) -> Reply | None:
    """The topic a /start payload names (``step-2`` is ``step:2``), or None."""
    if not _PAYLOAD.fullmatch(payload):
        return None
    return screens.topic(guide, payload.replace("-", ":", 1))


def steps(guide: Guide, argument: str = "") -> Reply:
    """The steps overview, or step N; a number out of range says which steps exist."""
    if not argument:
        return screens.steps_overview(guide)
    number = parse_whole_number(argument, 1, len(guide.steps))
    step = guide.step(number) if number is not None else None
    if step is None:
        notice = guide.messages.text("guide.steps_out_of_range", count=len(guide.steps))
        return screens.steps_overview(guide, notice)
    return screens.step_detail(guide, step)


def certs(guide: Guide, code: str = "") -> Reply:
    """The certifications overview, or one certification (any case), or the valid codes."""
    if not code:
        return screens.certs_overview(guide)
    cert = guide.certification(code)
    return screens.unknown_cert(guide, code) if cert is None else screens.cert_detail(guide, cert)


def press(guide: Guide, actor: Actor, action: Action | Unknown) -> Reply:
    """The reply to a topic button: the topic (in place when the action says so), or the
    stale-button notice for an unknown, stale or forged one."""
    guide = guide.for_language(actor.language)
    if not isinstance(action, ShowTopic):
        return screens.stale(guide.messages)
    shown = screens.topic(guide, action.key)
    if shown is None:
        return screens.stale(guide.messages)
    return Reply(shown.blocks, shown.buttons, replace=action.replace)


def ask(guide: Guide, questions: QuestionIndex, actor: Actor, question: str) -> Reply:
    """The answer to a question in the asker's own words, in the language it is asked in
    (ties: the actor's)."""
    found = questions.answer(question, actor.language)
    return screens.answer(guide.for_language(found.language), found)
