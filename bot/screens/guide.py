"""What the guide's commands and buttons say, as neutral Replies (no markup, no platform).

Every screen takes the loaded :class:`~bot.guide.Guide` and returns a :class:`Reply`; a front
end renders it. Topic buttons carry :class:`ShowTopic` actions: ``replace=True`` pages the
message in place (step pager, certification list), ``False`` sends a new message.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot import commands as registry
from bot.actions import ResumeAfterBlock, ShowTopic
from bot.answers import Answer
from bot.guide import Certification, Guide, Section, Step
from bot.messages import Messages, default_messages
from bot.numbers import parse_whole_number
from bot.replies import (
    Block,
    Button,
    Buttons,
    Figure,
    Figures,
    Heading,
    Line,
    Paragraph,
    Reply,
    SourceRef,
    Sources,
    Span,
    b,
    i,
    line,
    para,
    text_reply,
)

MAX_RELATED = 3


def __getattr__(name: str) -> str:
    """``STALE_BUTTON``, the English stale-button notice, for front ends that import it.

    New code should use ``messages.text("guide.stale_button")`` (the chat's language).
    """
    if name == "STALE_BUTTON":
        return default_messages().text("guide.stale_button")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def show(label: str, key: str) -> Button:
    """A button that sends topic ``key`` as a new message."""
    return Button(label, ShowTopic(key))


def page(label: str, key: str) -> Button:
    """A button that shows topic ``key`` in place of the message it is on."""
    return Button(label, ShowTopic(key, replace=True))


def stale(messages: Messages | None = None) -> Reply:
    """The answer to a button whose topic no longer exists (or never did)."""
    m = messages or default_messages()
    return Reply(notice=m.text("guide.stale_button"))


def menu_buttons(guide: Guide) -> Buttons:
    """The main topic menu, two buttons a row."""
    cells = [show(item.label, item.topic) for item in guide.menu]
    return tuple(tuple(cells[index : index + 2]) for index in range(0, len(cells), 2))


def related_buttons(guide: Guide, current: str) -> Buttons:
    """A short row of neighbouring menu topics so a reader can keep browsing."""
    items = [item for item in guide.menu if item.topic != current][:MAX_RELATED]
    return (tuple(show(item.label, item.topic) for item in items),)


def welcome(guide: Guide, first_name: str | None) -> Reply:
    """The /start greeting with the topic menu."""
    m = guide.messages
    greeting = (
        m.text("guide.greeting_named", first_name=first_name)
        if first_name
        else m.text("guide.greeting")
    )
    return Reply(
        (
            para(
                m.line(
                    "guide.welcome",
                    greeting=greeting,
                    bot=b(m.text("guide.bot_name")),
                    title=i(guide.title),
                    publisher=guide.publisher,
                )
            ),
            para(m.text("guide.welcome_hint")),
        ),
        menu_buttons(guide),
    )


def resume_offer(messages: Messages | None = None) -> Reply:
    """After /start in a chat whose reminders were switched off: offer to turn them on."""
    m = messages or default_messages()
    return text_reply(
        m.text("guide.resume_offer"),
        buttons=((Button(m.text("guide.resume_button"), ResumeAfterBlock()),),),
    )


# The parts of /help: the command registry's part, and the message key of its title.
_PARTS = (
    ("guide", "guide.help_guide"),
    ("reminders", "guide.help_reminders"),
    ("privacy", "guide.help_privacy"),
)


def help_page(guide: Guide, reminders: bool = True) -> Reply:
    """The /help page, from the command registry: every command with what it does."""
    found = registry.commands(guide)
    blocks: list[Block] = []
    for part, title in _PARTS:
        if part != "guide" and not reminders:
            continue
        lines: list[Line] = [line(b(guide.messages.text(title)))]
        lines += [c.help for c in found if c.part == part and c.help is not None]
        blocks.append(para(*lines))
    blocks.append(para(guide.messages.text("guide.help_groups")))
    return Reply(tuple(blocks), menu_buttons(guide))


def section(guide: Guide, item: Section) -> Reply:
    """A guide section with its figures (each with source and as-of date) and sources."""
    blocks: list[Block] = [Heading(item.title)]
    blocks += [para(paragraph) for paragraph in item.paragraphs]
    if item.figures:
        blocks.append(
            Figures(
                tuple(
                    Figure(f.label, f.value, f.as_of, _ref(guide, f.source)) for f in item.figures
                ),
                guide.messages.text("guide.figure_as_of"),
            )
        )
    blocks.append(_sources(guide, item.sources))
    return Reply(tuple(blocks), related_buttons(guide, item.id))


def steps_overview(guide: Guide, notice: str | None = None) -> Reply:
    """All steps in one message, each with a button to its detail; ``notice`` leads it."""
    m = guide.messages
    title = m.text("guide.steps_title")
    first: Block = para(line(f"{notice} ", b(title))) if notice else Heading(title)
    listing = para(
        *(
            m.line("guide.steps_item", number=b(f"{s.number}."), title=s.title, summary=s.summary)
            for s in guide.steps
        )
    )
    row = tuple(
        page(m.text("guide.step_button", number=s.number), f"step:{s.number}") for s in guide.steps
    )
    return Reply((first, listing, para(m.text("guide.steps_hint"))), (row,))


def step_detail(guide: Guide, step: Step) -> Reply:
    """One step with ◀ ▶ buttons that page through the steps in place."""
    m = guide.messages
    heading = m.text(
        "guide.step_heading", number=step.number, count=len(guide.steps), title=step.title
    )
    blocks: list[Block] = [Heading(heading)]
    blocks += [para(paragraph) for paragraph in step.paragraphs]
    certs = [c for c in guide.certifications if c.step == step.number]
    if certs:
        spans: list[str | Span] = []
        for index, cert in enumerate(certs):
            spans += [", "] if index else []
            spans.append(b(cert.code))
        blocks.append(para(m.line("guide.step_certs", codes=line(*spans))))
    blocks.append(_sources(guide, ("guide",)))
    nav = []
    if step.number > 1:
        back = step.number - 1
        nav.append(page(m.text("guide.step_previous", number=back), f"step:{back}"))
    nav.append(page(m.text("guide.all_steps"), "steps"))
    if step.number < len(guide.steps):
        ahead = step.number + 1
        nav.append(page(m.text("guide.step_next", number=ahead), f"step:{ahead}"))
    rows = [tuple(nav)]
    if certs:
        rows.append(tuple(show(c.code, f"cert:{c.code}") for c in certs))
    return Reply(tuple(blocks), tuple(rows))


def certs_overview(guide: Guide) -> Reply:
    """The certifications grouped by level, with a button for each."""
    m = guide.messages
    blocks: list[Block] = [Heading(m.text("guide.certs_heading"))]
    for level in guide.levels:
        blocks.append(
            para(
                line(b(guide.level_heading(level))),
                *(
                    m.line("guide.certs_item", code=b(c.code), name=c.name)
                    for c in guide.certifications_at(level.id)
                ),
            )
        )
    hint = m.text("guide.certs_hint", note=guide.certs_note, example=guide.certs_example)
    blocks.append(para(hint))
    return Reply(tuple(blocks), _cert_buttons(guide))


def _cert_buttons(guide: Guide) -> Buttons:
    cells = [page(c.code, f"cert:{c.code}") for c in guide.certifications]
    return tuple(tuple(cells[index : index + 3]) for index in range(0, len(cells), 3))


def cert_detail(guide: Guide, cert: Certification) -> Reply:
    """One certification in full."""
    m = guide.messages
    return Reply(
        (
            Heading(f"{cert.code}: {cert.name}"),
            para(
                m.text("guide.cert_level", level=_level_name(guide, cert.level), step=cert.step),
                m.text("guide.cert_issuer", issuer=cert.issuer),
                m.text("guide.cert_when", when=cert.when),
            ),
            para(cert.summary),
            _sources(guide, ("guide",)),
        ),
        (
            (
                page(m.text("guide.all_certs"), "certs"),
                show(m.text("guide.step_button", number=cert.step), f"step:{cert.step}"),
            ),
        ),
    )


def _level_name(guide: Guide, level_id: str) -> str:
    """A certification level's name in the guide's language, lower case as in a sentence."""
    found = next((level for level in guide.levels if level.id == level_id), None)
    return found.name.lower() if found else level_id


def unknown_cert(guide: Guide, code: str) -> Reply:
    """The reply to /certs with a code the guide does not have."""
    codes = ", ".join(c.code for c in guide.certifications)
    return Reply(
        (para(guide.messages.line("guide.unknown_cert", code=b(code[:20]), codes=codes)),),
        _cert_buttons(guide),
    )


def faq_list(guide: Guide) -> Reply:
    """Every FAQ with its answer and sources."""
    blocks: list[Block] = [Heading(guide.messages.text("guide.faq_heading"))]
    blocks += [
        para(line(b(faq.question)), line(faq.answer), _source_line(guide, faq.sources))
        for faq in guide.faqs
    ]
    return Reply(tuple(blocks))


def faq_one(guide: Guide, faq_id: str) -> Reply | None:
    """One FAQ, or None when there is no such FAQ."""
    faq = next((f for f in guide.faqs if f.id == faq_id), None)
    if faq is None:
        return None
    return Reply(
        (Heading(faq.question), para(faq.answer), _sources(guide, faq.sources)),
        ((show(guide.messages.text("guide.all_faqs"), "faq"),),),
    )


def sources(guide: Guide) -> Reply:
    """The sources behind the guide's facts, with links and the check date."""
    m = guide.messages
    lines: list[Line] = []
    for number, source in enumerate(guide.sources, start=1):
        lines.append(
            m.line(
                "guide.source_item",
                number=number,
                publisher=source.publisher,
                title=i(source.title),
            )
        )
        if source.url:
            lines.append(line(Span(source.url, url=source.url)))
        if source.note:
            lines.append(line(source.note))
    return Reply(
        (
            Heading(m.text("guide.sources_heading")),
            para(*lines),
            para(
                m.text("guide.sources_about", about=guide.publisher_about),
                m.text("guide.sources_checked", date=guide.checked),
            ),
            *translation_note(guide),
        )
    )


def translation_note(guide: Guide) -> tuple[Paragraph, ...]:
    """For a translated guide, the paragraph saying whose translation it is; else nothing."""
    if guide.translation is None:
        return ()
    label = b(guide.messages.text("guide.translation_label") + ": ")
    return (para(line(label, guide.translation)),)


def topic(guide: Guide, key: str) -> Reply | None:
    """Any topic key (``salary``, ``steps``, ``step:2``, ``cert:CPC``, ``faq:cost``...), or
    None when the guide has no such topic."""
    kind, _, rest = key.partition(":")
    if key == "steps":
        return steps_overview(guide)
    if key == "certs":
        return certs_overview(guide)
    if key == "faq":
        return faq_list(guide)
    if key == "sources":
        return sources(guide)
    number = parse_whole_number(rest, 1, len(guide.steps)) if kind == "step" else None
    if number is not None and (step := guide.step(number)):
        return step_detail(guide, step)
    if kind == "cert" and (cert := guide.certification(rest)) and cert.code == rest:
        return cert_detail(guide, cert)
    if kind == "faq":
        return faq_one(guide, rest)
    match = [s for s in guide.sections if s.id == key]
    return section(guide, match[0]) if match else None


def answer(guide: Guide, found: Answer) -> Reply:
    """The answer to a question, said plainly when the guide does not cover it.

    - A plausible section and a question after one fact: the passage, the section's figures
      (value, as-of date, source) and sources, and a button to the whole section.
    - Another plausible topic: the whole topic.
    - Either way, up to three "Related" buttons for the other plausible topics it does not
      already link to.
    - Not covered by the guide: says so and offers the nearest topics, never a guess.
    - Nothing plausible: up to three "did you mean" buttons, or the topic menu.
    """
    m = guide.messages
    related = related_topics(found)
    if found.best is not None:
        narrow = found.passage if found.narrow else None
        shown = passage(guide, found.best.key, narrow) or topic(guide, found.best.key)
        if shown is not None:
            linked = {button.action for row in shown.buttons for button in row}
            extra = tuple(row for row in related if row[0].action not in linked)
            return Reply(shown.blocks, shown.buttons + extra)
    if not found.covered:
        if related:
            return text_reply(m.text("guide.not_covered_nearest"), buttons=related)
        return text_reply(m.text("guide.not_covered_menu"), buttons=menu_buttons(guide))
    if related:
        return text_reply(m.text("guide.did_you_mean"), buttons=related)
    return text_reply(
        m.line("guide.no_match", example=i(m.text("guide.no_match_example"))),
        buttons=menu_buttons(guide),
    )


def passage(guide: Guide, key: str, text: str | None) -> Reply | None:
    """The sentence of section ``key`` that answers, with the section's figures and sources
    and a button to the whole section; None when ``key`` is no section or ``text`` is None."""
    item = next((s for s in guide.sections if s.id == key), None)
    if item is None or text is None:
        return None
    whole = section(guide, item)
    facts = tuple(block for block in whole.blocks if isinstance(block, Figures | Sources))
    more = ((show(guide.messages.text("guide.whole_section", title=item.title), key),),)
    return Reply((Heading(item.title), para(text), *facts), more + whole.buttons)


def related_topics(found: Answer) -> Buttons:
    """One button a row for each suggested topic of an answer (labels up to 60 characters)."""
    return tuple((show(t.title[:60], t.key),) for t in found.suggestions)


def ask_how(messages: Messages | None = None) -> Reply:
    """The reply to /ask with no question."""
    return text_reply((messages or default_messages()).text("guide.ask_how"))


def unknown_command(word: str, messages: Messages | None = None) -> Reply:
    """The reply to a command the bot does not have (``word`` as typed, shortened)."""
    m = messages or default_messages()
    return text_reply(m.text("guide.unknown_command", command=word[:40]))


def _ref(guide: Guide, source_id: str) -> SourceRef:
    source = guide.source(source_id)
    return SourceRef(source.publisher, source.url)


def _sources(guide: Guide, source_ids: Iterable[str]) -> Sources:
    refs = tuple(_ref(guide, source_id) for source_id in source_ids)
    return Sources(refs, guide.messages.text("guide.source_label"))


def _source_line(guide: Guide, source_ids: Iterable[str]) -> Line:
    """A "Source:" line inside a paragraph (as a Sources block shows it)."""
    spans = [i(guide.messages.text("guide.source_label"))]
    for number, source_id in enumerate(source_ids):
        if number:
            spans.append(i("; "))
        ref = _ref(guide, source_id)
        spans.append(Span(ref.name, "italic", ref.url))
    return tuple(spans)
