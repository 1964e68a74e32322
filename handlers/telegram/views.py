"""Render guide content as Telegram HTML plus button rows (label, callback data)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from html import escape

from bot.guide import Certification, Figure, Guide, Section, Step
from bot.numbers import parse_whole_number

Buttons = tuple[tuple[tuple[str, str], ...], ...]

SHOW = "show"  # send the topic as a new message
PAGE = "page"  # replace the message the button is on


@dataclass(frozen=True, slots=True)
class View:
    text: str
    buttons: Buttons = field(default_factory=tuple)


def e(text: str) -> str:
    """Escape text for Telegram's HTML parse mode."""
    return escape(text, quote=False)


def button(label: str, action: str, key: str) -> tuple[str, str]:
    """One inline button whose callback data is ``action:key``."""
    return (label, f"{action}:{key}")


MENU_KEYS = (
    ("🪜 Steps", "steps"),
    ("🎓 Certifications", "certs"),
    ("💵 Salary", "salary"),
    ("📈 Outlook", "outlook"),
    ("⏳ Timeline", "timeline"),
    ("💳 Cost", "cost"),
    ("🧠 Skills", "skills"),
    ("🏥 The job", "about"),
    ("🏢 Workplaces", "workplaces"),
    ("❓ FAQ", "faq"),
    ("📚 Sources", "sources"),
)


def menu_buttons() -> Buttons:
    """The main topic menu, two buttons a row."""
    cells = [button(label, SHOW, key) for label, key in MENU_KEYS]
    return tuple(tuple(cells[i : i + 2]) for i in range(0, len(cells), 2))


def welcome(guide: Guide, first_name: str | None) -> View:
    """The /start greeting with the topic menu."""
    name = f", {e(first_name)}" if first_name else ""
    text = (
        f"👋 Hi{name}! I'm <b>MedCoder Coach</b>. I answer questions about becoming a medical "
        f"coder from the guide <i>{e(guide.title)}</i> ({e(guide.publisher)}), and I can send "
        "you study reminders.\n\n"
        "Pick a topic below, use a command like /steps or /salary, or just ask me a question "
        "in your own words. /help lists everything."
    )
    return View(text, menu_buttons())


def help_text(sections: Iterable[Section], reminders: bool = True) -> View:
    """The /help page: every command with what it does."""
    lines = [
        "<b>What I can do</b>",
        "/start – welcome and topic menu",
        "/steps – the four steps; /steps 2 for one step",
        "/certs – certifications; /certs CPC for one",
    ]
    lines += [f"/{s.command} – {e(s.title.lower())}" for s in sections]
    lines += [
        "/faq – frequently asked questions",
        "/sources – where the facts come from",
        "/ask <i>question</i> – ask in your own words (or just type it in a private chat)",
    ]
    if reminders:
        lines += [
            "",
            "<b>Study reminders</b>",
            "/remind – set a reminder (or /remind 19:30 mon,wed,fri)",
            "/reminders – list, pause or delete them",
            "/timezone Area/City – set your time zone",
            "/pause [days] and /resume – take a break",
            "/progress – your step and study streak; /done – record today's study",
            "/stopreminders – remove all reminders",
        ]
    lines += ["", "In groups, mention me, reply to me or use /ask; I stay quiet otherwise."]
    return View("\n".join(lines), menu_buttons())


def section(guide: Guide, item: Section) -> View:
    """A plain guide section with its figures and sources."""
    parts = [f"<b>{e(item.title)}</b>"]
    parts += [e(paragraph) for paragraph in item.paragraphs]
    if item.figures:
        parts.append("\n".join(_figure(guide, figure) for figure in item.figures))
    parts.append(_sources_line(guide, item.sources))
    return View("\n\n".join(parts), related_buttons(item.id))


def related_buttons(current: str) -> Buttons:
    """A short row of neighbouring topics so a reader can keep browsing."""
    keys = [key for _, key in MENU_KEYS if key != current][:3]
    labels = dict((key, label) for label, key in MENU_KEYS)
    return (tuple(button(labels[key], SHOW, key) for key in keys),)


def steps_overview(guide: Guide) -> View:
    """All steps in one message, each with a button to its detail."""
    lines = ["<b>How to become a medical coder: the four steps</b>", ""]
    lines += [f"<b>{s.number}.</b> {e(s.title)} – {e(s.summary)}" for s in guide.steps]
    lines += ["", "Tap a step for details, or send /steps 2."]
    row = tuple(button(f"Step {s.number}", PAGE, f"step:{s.number}") for s in guide.steps)
    return View("\n".join(lines), (row,))


def step_detail(guide: Guide, step: Step) -> View:
    """One step with ◀ ▶ buttons that page through the steps in place."""
    parts = [f"<b>Step {step.number} of {len(guide.steps)}: {e(step.title)}</b>"]
    parts += [e(paragraph) for paragraph in step.paragraphs]
    certs = [c for c in guide.certifications if c.step == step.number]
    if certs:
        parts.append("Certifications: " + ", ".join(f"<b>{e(c.code)}</b>" for c in certs))
    parts.append(_sources_line(guide, ("guide",)))
    nav = []
    if step.number > 1:
        nav.append(button(f"◀ Step {step.number - 1}", PAGE, f"step:{step.number - 1}"))
    nav.append(button("All steps", PAGE, "steps"))
    if step.number < len(guide.steps):
        nav.append(button(f"Step {step.number + 1} ▶", PAGE, f"step:{step.number + 1}"))
    rows = [tuple(nav)]
    if certs:
        rows.append(tuple(button(c.code, SHOW, f"cert:{c.code}") for c in certs))
    return View("\n\n".join(parts), tuple(rows))


def certs_overview(guide: Guide) -> View:
    """The certifications grouped by level, with a button for each."""
    lines = ["<b>Medical coding certifications</b>"]
    for level, heading in (
        ("preliminary", "Preliminary (step 2)"),
        ("advanced", "Advanced (step 4)"),
    ):
        lines += ["", f"<b>{heading}</b>"]
        lines += [
            f"• <b>{e(c.code)}</b> – {e(c.name)}" for c in guide.certifications if c.level == level
        ]
    lines += [
        "",
        "Advanced certifications are best after one to two years of work. "
        "Tap one, or send /certs CPC.",
    ]
    cells = [button(c.code, PAGE, f"cert:{c.code}") for c in guide.certifications]
    return View("\n".join(lines), (tuple(cells[:3]), tuple(cells[3:])))


def cert_detail(guide: Guide, cert: Certification) -> View:
    """One certification in full."""
    lines = [
        f"<b>{e(cert.code)}: {e(cert.name)}</b>",
        "",
        f"Level: {e(cert.level)} (step {cert.step})",
        f"Issued by: {e(cert.issuer)}",
        f"When: {e(cert.when)}",
        "",
        e(cert.summary),
        "",
        _sources_line(guide, ("guide",)),
    ]
    rows = (
        (
            button("All certifications", PAGE, "certs"),
            button(f"Step {cert.step}", SHOW, f"step:{cert.step}"),
        ),
    )
    return View("\n".join(lines), rows)


def unknown_cert(guide: Guide, code: str) -> View:
    """The reply to /certs with a code the guide does not have."""
    codes = ", ".join(c.code for c in guide.certifications)
    shown = e(code[:20])
    return View(
        f"I don't know a certification called <b>{shown}</b>. Try one of: {codes}.",
        certs_overview(guide).buttons,
    )


def faq_list(guide: Guide) -> View:
    """Every FAQ with its answer."""
    parts = ["<b>Frequently asked questions</b>"]
    for faq in guide.faqs:
        parts.append(
            f"<b>{e(faq.question)}</b>\n{e(faq.answer)}\n{_sources_line(guide, faq.sources)}"
        )
    return View("\n\n".join(parts))


def faq_one(guide: Guide, faq_id: str) -> View:
    """One FAQ."""
    faq = next(f for f in guide.faqs if f.id == faq_id)
    text = f"<b>{e(faq.question)}</b>\n\n{e(faq.answer)}\n\n{_sources_line(guide, faq.sources)}"
    return View(text, ((button("All FAQs", SHOW, "faq"),),))


def sources(guide: Guide) -> View:
    """The sources behind the guide's facts, with links and the check date."""
    lines = ["<b>Sources</b>", ""]
    for index, source in enumerate(guide.sources, start=1):
        line = f"{index}. {e(source.publisher)}: <i>{e(source.title)}</i>"
        if source.url:
            line += f'\n<a href="{escape(source.url, quote=True)}">{e(source.url)}</a>'
        if source.note:
            line += f"\n{e(source.note)}"
        lines.append(line)
    lines += [
        "",
        f"About the guide's publisher: {e(guide.publisher_about)}",
        f"Content last checked against the guide on {e(guide.checked)}.",
    ]
    return View("\n".join(lines))


def topic(guide: Guide, key: str) -> View | None:
    """Render any topic key (``salary``, ``step:2``, ``cert:CPC``, ``faq:cost``...), or None."""
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
    if kind == "faq" and any(f.id == rest for f in guide.faqs):
        return faq_one(guide, rest)
    match = [s for s in guide.sections if s.id == key]
    return section(guide, match[0]) if match else None


def _figure(guide: Guide, figure: Figure) -> str:
    publisher = guide.source(figure.source).publisher
    return (
        f"📊 {e(figure.label)}: <b>{e(figure.value)}</b> (as of {e(figure.as_of)}; {e(publisher)})"
    )


def _sources_line(guide: Guide, source_ids: Iterable[str]) -> str:
    names = []
    for source_id in source_ids:
        source = guide.source(source_id)
        label = e(source.publisher)
        names.append(
            f'<a href="{escape(source.url, quote=True)}">{label}</a>' if source.url else label
        )
    return "<i>Source: " + "; ".join(names) + "</i>"
