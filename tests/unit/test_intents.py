"""Plain-language intents: reminders, stopping them, a day studied, thanks; never questions."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from bot.intents import (
    MAX_CHARS,
    Intent,
    IntentsError,
    RemindRequest,
    StopReminders,
    StudiedToday,
    Thanks,
    default_intent_words,
    default_intents_path,
    fold,
    load_intent_words,
    read_intent,
)
from bot.schedule_parse import EVERY_DAY, WEEKDAYS, WEEKENDS, parse_days

QUESTIONS = Path(__file__).resolve().parents[1] / "questions.toml"
NEW_YORK = "America/New_York"


def remind(
    hour: int | None,
    minute: int | None,
    days: frozenset[int] | set[int] | None = None,
    *,
    zone: str | None = None,
    language: str = "en",
    ambiguous: bool = False,
) -> RemindRequest:
    return RemindRequest(
        hour=hour,
        minute=minute,
        days=frozenset(days) if days is not None else None,
        zone=zone,
        language=language,
        ambiguous=ambiguous,
    )


def es(
    hour: int | None,
    minute: int | None,
    days: frozenset[int] | set[int] | None = None,
    *,
    zone: str | None = None,
    ambiguous: bool = False,
) -> RemindRequest:
    return remind(hour, minute, days, zone=zone, language="es", ambiguous=ambiguous)


POSITIVES: list[tuple[str, Intent]] = [
    # reminders, English
    ("remind me every weekday at 7pm", remind(19, 0, WEEKDAYS)),
    ("remind me to study at 7:30 am on mondays and wednesdays", remind(7, 30, {0, 2})),
    ("can you ping me every day at 19:00", remind(19, 0, EVERY_DAY)),
    ("set a study reminder for 6 in the evening on weekends", remind(18, 0, WEEKENDS)),
    ("Remind me at 8pm every day", remind(20, 0, EVERY_DAY)),
    ("remind me on tuesdays and thursdays at 6:15 pm", remind(18, 15, {1, 3})),
    ("remind me every monday at noon", remind(12, 0, {0})),
    ("remind me daily at 21:30", remind(21, 30, EVERY_DAY)),
    ("remind me at 7 in the morning from monday to friday", remind(7, 0, WEEKDAYS)),
    ("ping me saturdays at 10am", remind(10, 0, {5})),
    ("remind me at 7", remind(7, 0, ambiguous=True)),
    ("remind me at 07:30", remind(7, 30)),
    ("remind me at midnight", remind(0, 0)),
    ("could you remind me at 6:45pm on tue and thu?", remind(18, 45, {1, 3})),
    ("remind me mon-fri at 18:30", remind(18, 30, WEEKDAYS)),
    ("remind me from friday to monday at 7pm", remind(19, 0, {4, 5, 6, 0})),
    ("remind me at 7pm in new york", remind(19, 0, zone=NEW_YORK)),
    ("remind me at 7pm EST", remind(19, 0, zone=NEW_YORK)),
    (
        "remind me at 9am America/Chicago every weekday",
        remind(9, 0, WEEKDAYS, zone="America/Chicago"),
    ),
    ("remind me at 7 in the evening eastern time", remind(19, 0, zone=NEW_YORK)),
    ("remind me at half past 7 pm", remind(19, 30)),
    ("remind me at quarter to 8 pm", remind(19, 45)),
    ("remind me at seven thirty pm", remind(19, 30)),
    ("remind me at 8 tonight", remind(20, 0)),
    ("remind me at 12 at night", remind(0, 0)),
    ("remind me at 12am", remind(0, 0)),
    ("remind me at 7 p.m.", remind(19, 0)),
    ("remind me at 7pm?", remind(19, 0)),
    ("REMIND ME AT 9PM", remind(21, 0)),
    ("remnd me at 9pm", remind(21, 0)),
    ("remind me", remind(None, None)),
    ("remind me to study every weekend", remind(None, None, WEEKENDS)),
    ("i want daily reminders at 8pm", remind(20, 0, EVERY_DAY)),
    ("reminder at 9pm every day", remind(21, 0, EVERY_DAY)),
    ("hey, text me at 7pm", remind(19, 0)),
    # reminders, Spanish
    ("recuérdame a las 7 de lunes a viernes", es(7, 0, WEEKDAYS, ambiguous=True)),
    ("recuérdame estudiar todos los días a las 8 de la noche", es(20, 0, EVERY_DAY)),
    ("avísame los sábados a las 10:00", es(10, 0, {5}, ambiguous=True)),
    ("ponme un recordatorio a las 19 h", es(19, 0)),
    ("RECUERDAME a las 8 de la mañana", es(8, 0)),
    ("recuerdame a las 7 y media de la tarde", es(19, 30)),
    ("recuérdame a las 12 de la noche", es(0, 0)),
    ("recuérdame a la una de la tarde", es(13, 0)),
    ("recuérdame a las ocho de la noche del lunes al viernes", es(20, 0, WEEKDAYS)),
    ("recuérdame a las 8 menos cuarto de la noche", es(19, 45)),
    ("recuérdame a las 7pm en Bogotá", es(19, 0, zone="America/Bogota")),
    ("recuérdame a las 19 horas hora de Madrid", es(19, 0, zone="Europe/Madrid")),
    ("recuérdame a las 20:00 entre semana", es(20, 0, WEEKDAYS)),
    ("avísame todos los días a mediodía", es(12, 0, EVERY_DAY)),
    ("¿puedes recordarme a las 7 de la tarde los fines de semana?", es(19, 0, WEEKENDS)),
    ("¿me recuerdas a las 8?", es(8, 0, ambiguous=True)),
    ("recuérdeme a las 9 pm", es(21, 0)),
    ("recuérdame a las 7:30 de la mañana los lunes, miércoles y viernes", es(7, 30, {0, 2, 4})),
    ("recuerdame estudiar", es(None, None)),
    # stop
    ("stop my reminders", StopReminders("en")),
    ("no more reminders please", StopReminders("en")),
    ("cancel the study reminders", StopReminders("en")),
    ("stop reminding me", StopReminders("en")),
    ("don't remind me anymore", StopReminders("en")),
    ("turn off my reminders", StopReminders("en")),
    ("I don't want reminders anymore", StopReminders("en")),
    ("unsubscribe", StopReminders("en")),
    ("Stop my remnders", StopReminders("en")),
    ("deja de recordarme", StopReminders("es")),
    ("cancela mis recordatorios", StopReminders("es")),
    ("ya no quiero recordatorios", StopReminders("es")),
    ("no me recuerdes más", StopReminders("es")),
    ("desactiva los recordatorios", StopReminders("es")),
    ("dame de baja", StopReminders("es")),
    # a day studied
    ("I studied today", StudiedToday("en")),
    ("done studying for today", StudiedToday("en")),
    ("finished my practice questions today", StudiedToday("en")),
    ("I just studied", StudiedToday("en")),
    ("studied 2 hours today", StudiedToday("en")),
    ("did my practice today", StudiedToday("en")),
    ("I've studied today!", StudiedToday("en")),
    ("hoy estudié", StudiedToday("es")),
    ("ya estudié hoy", StudiedToday("es")),
    ("terminé de estudiar", StudiedToday("es")),
    ("acabo de estudiar", StudiedToday("es")),
    ("estudié 3 horas hoy", StudiedToday("es")),
    ("HOY ESTUDIE", StudiedToday("es")),
    # thanks
    ("thanks", Thanks("en")),
    ("thank you!", Thanks("en")),
    ("thx", Thanks("en")),
    ("ty so much", Thanks("en")),
    ("thanks a lot, that helps", Thanks("en")),
    ("thnks", Thanks("en")),
    ("gracias", Thanks("es")),
    ("muchas gracias", Thanks("es")),
    ("mil gracias", Thanks("es")),
    ("gracias por la ayuda", Thanks("es")),
    ("grasias", Thanks("es")),
    ("thanks for reminding me", Thanks("en")),  # thanks, though it holds "reminding me"
    ("gracias por recordarme", Thanks("es")),  # thanks, though it holds "recordarme"
]

NEGATIVES = [
    # questions about the guide
    "how long does it take to become a coder",
    "what time do coders start work",
    "how much do coders make per day",
    "do I need to remind my employer",
    "is studying every day at night enough to pass the CPC?",
    "thanks to whom is the demand growing?",
    "what should I study first",
    "¿cuánto tiempo se tarda?",
    "¿qué estudio primero?",
    "is it better to study in the morning or at night",
    "what days should I study",
    "¿a qué hora debo estudiar?",
    "¿cuántas horas al día debo estudiar?",
    # a reminder word, but a question
    "remind me what the CPC is",
    "can you remind me how long the CCA takes?",
    "recuérdame qué es el CPC",
    "how do I stop my reminders",
    "why did my reminders stop",
    "if I cancel my reminders will I lose my streak",
    "I deleted my reminders by mistake",
    # times and days, but nobody asks for a reminder
    "my friend will text me at 7pm",
    "my reminder at 7pm didn't come",
    "I get my reminders at 7pm but they come late",
    "the exam is at 8am on saturday",
    "study for 2 hours every day at night",
    "estudio todos los días a las 8",
    # studying, but not a day done today
    "I studied yesterday",
    "I will study today",
    "I studied biology in college",
    "what happens when I finish studying",
    "did the study say coders earn more",
    "I studied today, what should I do next?",
    "I already studied last week",
    "I finished studying for the CPC last year",
    "tomorrow I'll be done studying",
    "ayer ya estudié",
    "ayer estudié",
    "hoy voy a estudiar",
    "hoy estudio a las 8",
    # thanks inside something else
    "no thanks",
    "thanks but how much do coders make",
    "gracias, ¿cuánto gana un codificador?",
    "thanks to the BLS data, what is the median pay",
    "the thanksgiving schedule",
    # too little to go on
    "stop",
    "cancel",
    "I'm done",
    "hi",
    "",
]


@pytest.mark.parametrize(("text", "expected"), POSITIVES, ids=[text for text, _ in POSITIVES])
def test_reads_the_intent(text: str, expected: Intent) -> None:
    assert read_intent(text) == expected


@pytest.mark.parametrize("text", NEGATIVES)
def test_reads_no_intent(text: str) -> None:
    assert read_intent(text) is None


def test_the_tables_are_large_and_cover_every_intent_in_both_languages() -> None:
    kinds = {(type(intent), intent.language) for _, intent in POSITIVES}
    for kind in (RemindRequest, StopReminders, StudiedToday, Thanks):
        assert {(kind, "en"), (kind, "es")} <= kinds
    assert len(POSITIVES) >= 60
    assert len(NEGATIVES) >= 30


def test_no_labelled_question_is_read_as_an_intent() -> None:
    questions = [
        question
        for question in tomllib.loads(QUESTIONS.read_text(encoding="utf-8"))["questions"]
        if not any(label.startswith("intent") for label in question["expect"])
    ]
    assert len(questions) >= 150
    assert {question["lang"] for question in questions} >= {"en", "es"}
    assert [q["text"] for q in questions if read_intent(q["text"]) is not None] == []


@pytest.mark.parametrize(
    ("time", "hour", "minute", "ambiguous"),
    [
        ("at 7", 7, 0, True),
        ("at 7:30", 7, 30, True),
        ("at 12", 12, 0, True),
        ("a las 7", 7, 0, True),
        ("at 07:30", 7, 30, False),
        ("at 0:30", 0, 30, False),
        ("at 13", 13, 0, False),
        ("at 7pm", 19, 0, False),
        ("at 7 in the morning", 7, 0, False),
        ("a las 7 de la tarde", 19, 0, False),
        ("a las 1 de la madrugada", 1, 0, False),
        ("every evening at 7", 19, 0, False),
    ],
)
def test_a_bare_hour_is_ambiguous_unless_a_clock_or_part_of_day_settles_it(
    time: str, hour: int, minute: int, ambiguous: bool
) -> None:
    intent = read_intent(f"remind me {time}")
    assert isinstance(intent, RemindRequest)
    assert (intent.hour, intent.minute, intent.ambiguous) == (hour, minute, ambiguous)


def test_readings_offer_both_clocks_only_when_ambiguous() -> None:
    assert remind(7, 30, ambiguous=True).readings() == ((7, 30), (19, 30))
    assert remind(12, 0, ambiguous=True).readings() == ((12, 0), (0, 0))
    assert remind(19, 0).readings() == ((19, 0),)
    assert remind(None, None).readings() == ()


@pytest.mark.parametrize(
    ("words", "days"),
    [
        ("monday to friday", "mon-fri"),
        ("de lunes a viernes", "mon-fri"),
        ("del viernes al lunes", "fri-mon"),
        ("sat thru sun", "sat-sun"),
        ("on weekends", "weekends"),
        ("los fines de semana", "weekends"),
        ("every weekday", "weekdays"),
        ("todos los días", "daily"),
        ("mondays, wednesdays and fridays", "mon,wed,fri"),
        ("martes y jueves", "tue thu"),
        ("domingos", "sun"),
    ],
)
def test_days_use_the_same_numbers_as_parse_days(words: str, days: str) -> None:
    intent = read_intent(f"remind me at 19:00 {words}")
    assert isinstance(intent, RemindRequest)
    assert intent.days == parse_days(days)


def test_days_not_said_are_none_so_the_remind_default_applies() -> None:
    intent = read_intent("remind me at 7pm")
    assert isinstance(intent, RemindRequest)
    assert intent.days is None
    assert intent.zone is None


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("remind me at 7pm in London", "Europe/London"),
        ("remind me at 7pm pacific time", "America/Los_Angeles"),
        ("remind me at 19:00 utc", "UTC"),
        ("recuérdame a las 19:00 en Ciudad de México", None),
        ("remind me to wake up at 7am", None),
        ("remind me at 7pm in the evening", None),
    ],
)
def test_a_zone_is_read_only_where_a_zone_is_named(text: str, zone: str | None) -> None:
    intent = read_intent(text)
    assert isinstance(intent, RemindRequest)
    assert intent.zone == zone


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Recuérdame a las 7PM", ["recuerdame", "a", "las", "7", "pm"]),
        ("at 7 p.m.", ["at", "7", "pm"]),
        ("19.30", ["19:30"]),
        ("19h30", ["19", "h", "30"]),
        ("don’t stop", ["dont", "stop"]),
        ("mon–fri", ["mon", "-", "fri"]),
        ("\uff11\uff19\uff1a\uff13\uff10", ["19:30"]),  # full-width "19:30"
        ("reminder: 7pm!", ["reminder", "7", "pm"]),
        ("¿Qué?", ["que"]),
        ("in America/New_York", ["in", "america/new_york"]),
    ],
)
def test_fold_lowers_strips_accents_and_splits_digits_from_letters(
    text: str, words: list[str]
) -> None:
    assert fold(text) == words


def test_a_typo_is_corrected_only_into_a_pattern_word_and_never_from_a_real_word() -> None:
    assert read_intent("remidn me at 7pm") == remind(19, 0)  # transposed letters
    assert read_intent("hoy estudio") is None  # "estudio" is listed as a real word
    assert read_intent("hoy estudie") == StudiedToday("es")


def test_overlong_messages_are_never_intents() -> None:
    assert read_intent("thanks " + "x" * MAX_CHARS) is None
    assert read_intent("remind me at 7pm " + "please " * 40) is None


def test_the_packaged_words_load_once() -> None:
    assert default_intent_words() is default_intent_words()
    assert load_intent_words().languages[0].code == "en"


def test_the_words_are_data(tmp_path: Path) -> None:
    path = _edited(tmp_path, '"remindme",', '"remindme", "poke me",')
    assert read_intent("poke me at 7pm") is None
    assert read_intent("poke me at 7pm", load_intent_words(path)) == remind(19, 0)


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("[es]", "[spanish]", "table 'es'"),
        ('  "unsubscribe",\n', '  "unsubscribe *",\n', "en.stop[9]"),
        ('  "unsubscribe",\n', '  "unsubscribe|un.subscribe",\n', "en.stop[9]"),
        ('thanks = ["gracias",', 'thanks = [3, "gracias",', "es.thanks[0]"),
        ('12 = ["twelve", "doce"]\n', "", "times.hour_words"),
        ('sunday = ["sunday",', 'sundae = ["sunday",', "times.days"),
        ("start = 16, end = 24", "start = 16, end = 16", "times.day_parts[4].end"),
        ("hour = 12, minute = 0 }", "hour = 24, minute = 0 }", "times.named[0].hour"),
        ('"cancer",', '"cancer", "remind",', "typos.not_typos"),
        ('markers = [\n  "at",', 'markers = [\n  "at|by",', "times.markers[0]"),
    ],
)
def test_a_bad_words_file_is_refused_naming_the_field(
    tmp_path: Path, old: str, new: str, field: str
) -> None:
    with pytest.raises(IntentsError, match=field.replace("[", r"\[").replace("]", r"\]")):
        load_intent_words(_edited(tmp_path, old, new))


def test_an_unreadable_words_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(IntentsError, match="file not found"):
        load_intent_words(tmp_path / "missing.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[en\n", encoding="utf-8")
    with pytest.raises(IntentsError, match="not valid TOML"):
        load_intent_words(broken)


def _edited(tmp_path: Path, old: str, new: str) -> Path:
    text = default_intents_path().read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "intents.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path
