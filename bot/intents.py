"""Read what a plain message asks for: a reminder, no more reminders, a day studied, thanks.

:func:`read_intent` turns one message (English or Spanish) into a :class:`RemindRequest`,
:class:`StopReminders`, :class:`StudiedToday` or :class:`Thanks`, or None when it is none of
them (then it is a question for the answer ranker). It decides nothing: the bot shows what it
read and asks before it sets or stops anything. The words it matches live in
``content/intents.toml``, read once on first use.

How a message is read:

- it is folded first: case and accents away, apostrophes dropped, digits apart from letters,
  and a word one typo away from a pattern word (OSA distance 1, words of five letters or more:
  "remnd", "grasias") read as that word, unless the file lists it as a real word;
- a question is never an intent: a message that opens with a question word ("how", "what",
  "is", "qué", "cuánto"...) is left to the ranker, and so is "remind me what/how ...";
- thanks come first but must be the whole message, made only of thank-you words ("thanks
  for reminding me"; "thanks to whom ..." is a question); then stopping, before reminding
  ("stop reminding me" holds "remind me"); then reminders, where a question mark does not
  matter ("remind me at 7?"); then a study day. Thanks and a study day must be short and hold
  no question mark unless a polite word asks ("can you ...?");
- times, days and zones are read by :mod:`bot.intent_times`; an hour said as 1-12 with no am/pm
  or part of the day is returned as said with ``ambiguous`` set, for the bot to ask.
"""

from __future__ import annotations

import functools
import re
import tomllib
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from rapidfuzz.distance import OSA

from bot.intent_times import (
    DayPart,
    IntentsError,
    Phrase,
    TimeWords,
    read_days,
    read_time,
    read_zone,
)
from bot.schedule_parse import DAY_NAMES, EVERY_DAY, WEEKDAYS, WEEKENDS

__all__ = [
    "Intent",
    "IntentWords",
    "IntentsError",
    "RemindRequest",
    "StopReminders",
    "StudiedToday",
    "Thanks",
    "default_intent_words",
    "default_intents_path",
    "fold",
    "load_intent_words",
    "read_intent",
]

MAX_CHARS = 400  # longer messages are never intents; not even folded
MAX_WORDS = 30  # longer messages are never intents either
MAX_SHORT_WORDS = 12  # stop, studied and thanks are short messages; longer ones are questions
MAX_GAP_WORDS = 3  # what "*" stands for in a pattern
TYPO_MIN_CHARS = 5  # shorter words are never corrected
TYPO_TARGET_MIN_CHARS = 6  # nor corrected into
LANGUAGES = ("en", "es")
_DAY_SETS = {"every_day": EVERY_DAY, "weekdays": WEEKDAYS, "weekends": WEEKENDS}

_A_M_P_M = re.compile(r"\b([ap])\s?\.\s?m\b\.?")
_DECIMAL_TIME = re.compile(r"(?<=\d)\.(?=\d\d\b)")
_STRAY_COLON = re.compile(r"(?<!\d):|:(?!\d)")
_DASHES = re.compile(r"[-\u2010-\u2015]")
_NOT_WORD = re.compile(r"[^a-z0-9:/_\- ]+")
_DIGIT_LETTER = re.compile(r"(?<=\d)(?=[a-z])|(?<=[a-z])(?=\d)")
_QUESTION_MARKS = frozenset("?¿？")  # full-width too
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class RemindRequest:
    """A study reminder asked for in plain words; nothing is set until the user confirms.

    ``hour``/``minute``: local wall time, 24-hour (0-23, 0-59), both None when no time was said.
    ``ambiguous``: the hour was said as 1-12 with no am/pm or part of the day ("at 7"); ``hour``
    is then as said and :meth:`readings` gives both readings to ask about.
    ``days``: weekday numbers, 0 = Monday ... 6 = Sunday (as ``parse_days``), None when not
    said (the /remind default). ``zone``: canonical IANA name if one was named, else None.
    ``language``: "en" or "es", the language of the words that asked.
    """

    hour: int | None
    minute: int | None
    days: frozenset[int] | None
    zone: str | None
    language: str
    ambiguous: bool = False

    def readings(self) -> tuple[tuple[int, int], ...]:
        """The (hour, minute) pairs the words allow: none, one, or two (as said, then +12 h)."""
        if self.hour is None or self.minute is None:
            return ()
        if not self.ambiguous:
            return ((self.hour, self.minute),)
        return ((self.hour, self.minute), ((self.hour + 12) % 24, self.minute))


@dataclass(frozen=True, slots=True)
class StopReminders:
    """A request to stop study reminders ("stop my reminders"); the bot asks to confirm."""

    language: str


@dataclass(frozen=True, slots=True)
class StudiedToday:
    """The user says they studied today ("I studied today", "hoy estudié")."""

    language: str


@dataclass(frozen=True, slots=True)
class Thanks:
    """A message that is only a thank-you ("thanks!", "muchas gracias")."""

    language: str


Intent = RemindRequest | StopReminders | StudiedToday | Thanks


@dataclass(frozen=True, slots=True)
class LanguageWords:
    """One language's compiled patterns and word sets."""

    code: str
    remind: re.Pattern[str]
    remind_with_time: re.Pattern[str]
    stop: re.Pattern[str]
    studied: re.Pattern[str]
    thanks: frozenset[str]


@dataclass(frozen=True, slots=True)
class IntentWords:
    """Everything :func:`read_intent` matches, folded and compiled from ``intents.toml``."""

    languages: tuple[LanguageWords, ...]
    question: re.Pattern[str]
    polite: re.Pattern[str]
    not_after_remind: frozenset[str]
    not_today: frozenset[str]
    thanks_words: frozenset[str]  # every word a thank-you may hold, thanks words included
    known: frozenset[str]  # every word of every pattern and phrase: never corrected
    typo_index: Mapping[str, str]  # a word or a one-letter deletion of it -> the word
    not_typos: frozenset[str]
    times: TimeWords


def read_intent(text: str, words: IntentWords | None = None) -> Intent | None:
    """Return the intent of ``text`` (any length; see the module notes), or None."""
    if len(text) > MAX_CHARS:
        return None
    words = words or default_intent_words()
    tokens = [_corrected(token, words) for token in fold(text)]
    if not tokens or len(tokens) > MAX_WORDS or words.question.match(line := " ".join(tokens)):
        return None
    short = len(tokens) <= MAX_SHORT_WORDS
    asks = not _QUESTION_MARKS.isdisjoint(text) and not words.polite.search(line)
    if short and not asks and (language := _thanks(tokens, words)):
        return Thanks(language)
    if short and (language := _first(words, lambda lang: lang.stop.search(line))):
        return StopReminders(language)
    if remind := _remind(tokens, line, words):
        return remind
    if not short or asks or not words.not_today.isdisjoint(tokens):
        return None
    if language := _first(words, lambda lang: lang.studied.search(line)):
        return StudiedToday(language)
    return None


def fold(text: str) -> list[str]:
    """Fold ``text`` into words: lower-case ASCII, no accents or punctuation, "7pm" -> 7, pm."""
    decomposed = _DASHES.sub(" - ", unicodedata.normalize("NFKD", text))
    ascii_text = decomposed.encode("ascii", "ignore").decode().lower()
    ascii_text = _A_M_P_M.sub(r"\1m", ascii_text).replace("'", "").replace("`", "")
    ascii_text = _DECIMAL_TIME.sub(":", ascii_text)
    ascii_text = _STRAY_COLON.sub(" ", ascii_text)
    return _DIGIT_LETTER.sub(" ", _NOT_WORD.sub(" ", ascii_text)).split()


def _thanks(tokens: list[str], words: IntentWords) -> str | None:
    """The language of a message made only of thank-you words, None for any other message."""
    if not words.thanks_words.issuperset(tokens):
        return None
    return _first(words, lambda lang: not lang.thanks.isdisjoint(tokens))


def _remind(tokens: list[str], line: str, words: IntentWords) -> RemindRequest | None:
    said_alone = _first_match(words, lambda lang: lang.remind.search(line))
    with_time = said_alone or _first_match(words, lambda lang: lang.remind_with_time.search(line))
    if with_time is None:
        return None
    language, match = with_time
    time = read_time(tokens, words.times)
    days = read_days(tokens, words.times)
    if time is None and days is None:
        following = line[match.end() :].split(maxsplit=1)
        if said_alone is None or (following and following[0] in words.not_after_remind):
            return None
    return RemindRequest(
        hour=time.hour if time else None,
        minute=time.minute if time else None,
        days=days,
        zone=read_zone(tokens, words.times, time.end if time else None),
        language=language,
        ambiguous=time.ambiguous if time else False,
    )


def _first(words: IntentWords, test: Callable[[LanguageWords], object]) -> str | None:
    """The code of the first language whose words pass ``test``."""
    return next((lang.code for lang in words.languages if test(lang)), None)


def _first_match(
    words: IntentWords, search: Callable[[LanguageWords], re.Match[str] | None]
) -> tuple[str, re.Match[str]] | None:
    for lang in words.languages:
        if match := search(lang):
            return lang.code, match
    return None


def _corrected(token: str, words: IntentWords) -> str:
    """``token``, or the pattern word it misspells by one letter."""
    if len(token) < TYPO_MIN_CHARS or token in words.known or token in words.not_typos:
        return token
    if not token.isalpha():
        return token
    index = words.typo_index
    for variant in (token, *_deletions(token)):
        target = index.get(variant)
        if target is not None and OSA.distance(token, target, score_cutoff=1) <= 1:
            return target
    return token


def _deletions(word: str) -> list[str]:
    return [word[:at] + word[at + 1 :] for at in range(len(word))]


# --- loading ---------------------------------------------------------------------------------


def default_intents_path() -> Path:
    """Where the packaged intents vocabulary lives (inside the installed ``bot`` package)."""
    return Path(str(resources.files("bot").joinpath("content", "intents.toml")))


@functools.cache
def default_intent_words() -> IntentWords:
    """The packaged vocabulary, read and compiled on first use."""
    return load_intent_words()


def load_intent_words(path: Path | None = None) -> IntentWords:
    """Read, check and compile the intents vocabulary; raise IntentsError naming the field."""
    path = path or default_intents_path()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise IntentsError(f"{path}: file not found") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise IntentsError(f"{path}: not valid TOML: {exc}") from exc
    try:
        return _build(_Table(raw, ""))
    except IntentsError as exc:
        raise IntentsError(f"{path}: {exc}") from None


class _Table:
    """Typed access to one TOML table that names the field on every error."""

    def __init__(self, table: Mapping[str, Any], where: str) -> None:
        self.table = table
        self.where = where

    def name(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def table_(self, key: str) -> _Table:
        value = self.table.get(key)
        if not isinstance(value, dict):
            raise IntentsError(f"table '{self.name(key)}' is missing")
        return _Table(value, self.name(key))

    def texts(self, key: str) -> tuple[str, ...]:
        value = self.table.get(key)
        if not isinstance(value, list) or not value:
            raise IntentsError(f"field '{self.name(key)}' must be a non-empty list of strings")
        for index, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                raise IntentsError(f"field '{self.name(key)}[{index}]' must be a non-empty string")
        return tuple(value)

    def phrases(self, key: str) -> tuple[Phrase, ...]:
        folded = []
        for index, text in enumerate(self.texts(key)):
            words = tuple(fold(text))
            if not words or "|" in text or "*" in text.split():
                raise IntentsError(
                    f"field '{self.name(key)}[{index}]' must be plain words (no '|' or '*')"
                )
            folded.append(words)
        return tuple(folded)

    def words(self, key: str) -> frozenset[str]:
        return frozenset(word for phrase in self.phrases(key) for word in phrase)

    def integer(self, key: str, low: int, high: int) -> int:
        value = self.table.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise IntentsError(f"field '{self.name(key)}' must be a whole number {low}-{high}")
        return value

    def tables(self, key: str) -> list[_Table]:
        value = self.table.get(key)
        if not isinstance(value, list) or not value:
            raise IntentsError(f"field '{self.name(key)}' must be a non-empty list of tables")
        if not all(isinstance(item, dict) for item in value):
            raise IntentsError(f"field '{self.name(key)}' must hold only tables")
        return [_Table(item, f"{self.name(key)}[{index}]") for index, item in enumerate(value)]


def _build(root: _Table) -> IntentWords:
    known: set[str] = set()
    languages = []
    question: list[str] = []
    polite: list[str] = []
    not_after: set[str] = set()
    not_today: set[str] = set()
    thanks_words: set[str] = set()
    # Greetings and polite words may open a request that must start the message ("^ ...").
    opening = "|".join(
        _alternatives(root.table_(code), key, known, "")
        for code in LANGUAGES
        for key in ("lead_words", "polite")
    )
    for code in LANGUAGES:
        table = root.table_(code)
        thanks = table.words("thanks")
        languages.append(
            LanguageWords(
                code,
                remind=_compile(table, "remind", known, opening),
                remind_with_time=_compile(table, "remind_with_time", known, opening),
                stop=_compile(table, "stop", known, opening),
                studied=_compile(table, "studied", known, opening),
                thanks=thanks,
            )
        )
        question.append(_alternatives(table, "question_words", known, ""))
        polite.append(_alternatives(table, "polite", known, ""))
        leads = _alternatives(table, "lead_words", known, "")
        question[-1] = f"(?:(?:{leads}) )*(?:{question[-1]})"
        not_after |= table.words("not_after_remind") | _single_words(table, "question_words")
        not_today |= table.words("not_today")
        thanks_words |= thanks | table.words("thanks_words")
    times = _time_words(root.table_("times"))
    known |= not_after | not_today | thanks_words | _time_vocabulary(times)
    not_typos = root.table_("typos").words("not_typos")
    if clash := sorted(not_typos & known):
        raise IntentsError(f"field 'typos.not_typos' lists pattern words: {clash}")
    return IntentWords(
        languages=tuple(languages),
        question=re.compile(rf"^(?:{'|'.join(question)})(?= |$)"),
        polite=re.compile(rf"(?:^| )(?:{'|'.join(polite)})(?= |$)"),
        not_after_remind=frozenset(not_after),
        not_today=frozenset(not_today),
        thanks_words=frozenset(thanks_words),
        known=frozenset(known),
        typo_index=_typo_index(known),
        not_typos=not_typos,
        times=times,
    )


def _compile(table: _Table, key: str, known: set[str], opening: str) -> re.Pattern[str]:
    return re.compile(rf"(?:^| )(?:{_alternatives(table, key, known, opening)})(?= |$)")


def _alternatives(table: _Table, key: str, known: set[str], opening: str) -> str:
    return "|".join(
        _pattern(text, f"{table.name(key)}[{index}]", known, opening)
        for index, text in enumerate(table.texts(key))
    )


def _pattern(text: str, where: str, known: set[str], opening: str) -> str:
    """Compile one pattern ("stop * reminder|reminders") to a regex over folded words;
    a leading "^" anchors it to the start, after any words matching ``opening``."""
    elements = text.split()
    start = ""
    if elements[0] == "^" and len(elements) > 1:
        start = f"^(?:(?:{opening}) )*" if opening else "^"
        elements = elements[1:]
    if elements[0] == "*" or elements[-1] == "*":
        raise IntentsError(f"field '{where}' must not start or end with '*'")
    parts: list[str] = [start]
    for element in elements:
        if element == "*":
            parts.append(f"(?: [^ ]+){{0,{MAX_GAP_WORDS}}}")
            continue
        alternatives = []
        for alternative in element.split("|"):
            folded = fold(alternative)
            if len(folded) != 1 or not folded[0].replace("-", "").isalnum():
                raise IntentsError(f"field '{where}' has '{alternative}', not a single word")
            alternatives.append(re.escape(folded[0]))
            known.add(folded[0])
        parts.append(("" if len(parts) == 1 else " ") + f"(?:{'|'.join(alternatives)})")
    return "".join(parts)


def _single_words(table: _Table, key: str) -> set[str]:
    """The words of the one-word patterns of ``key`` (question words that may follow a verb)."""
    return {
        fold(alternative)[0]
        for text in table.texts(key)
        if len(text.split()) == 1
        for alternative in text.split("|")
    }


def _time_words(table: _Table) -> TimeWords:
    return TimeWords(
        markers=table.phrases("markers"),
        suffixes=table.phrases("suffixes"),
        tails=table.phrases("tails"),
        range_words=table.phrases("range_words"),
        zone_before=table.phrases("zone_before"),
        zone_after=table.phrases("zone_after"),
        named=_phrase_map(
            table.tables("named"),
            lambda t: (t.integer("hour", 0, 23), t.integer("minute", 0, 59)),
        ),
        minutes_before=_phrase_map(
            table.tables("minutes_before"), lambda t: t.integer("minutes", -59, 59)
        ),
        minutes_after=_phrase_map(
            table.tables("minutes_after"), lambda t: t.integer("minutes", -59, 59)
        ),
        day_parts=tuple(_day_part(part) for part in table.tables("day_parts")),
        hour_words=_hour_words(table.table_("hour_words")),
        day_names=_day_names(table.table_("days")),
        day_sets=_day_sets(table.table_("day_sets")),
    )


def _phrase_map(tables: Iterable[_Table], value: Callable[[_Table], _T]) -> dict[Phrase, _T]:
    return {phrase: value(t) for t in tables for phrase in t.phrases("words")}


def _day_part(table: _Table) -> DayPart:
    start = table.integer("start", 0, 23)
    end = table.integer("end", start + 1, 30)
    attached = table.table.get("attached", False)
    if not isinstance(attached, bool):
        raise IntentsError(f"field '{table.name('attached')}' must be true or false")
    return DayPart(table.phrases("words"), start, end, attached)


def _hour_words(table: _Table) -> dict[str, int]:
    if set(table.table) != {str(hour) for hour in range(1, 13)}:
        raise IntentsError(f"table '{table.where}' must have one entry per hour, 1 to 12")
    return {word: int(hour) for hour in table.table for word in table.words(hour)}


def _day_names(table: _Table) -> dict[str, int]:
    if set(table.table) != set(DAY_NAMES):
        raise IntentsError(f"table '{table.where}' must have one entry per day, monday to sunday")
    return {word: DAY_NAMES.index(day) for day in DAY_NAMES for word in table.words(day)}


def _day_sets(table: _Table) -> dict[Phrase, frozenset[int]]:
    if set(table.table) != set(_DAY_SETS):
        raise IntentsError(f"table '{table.where}' must have exactly {sorted(_DAY_SETS)}")
    return {phrase: _DAY_SETS[key] for key in _DAY_SETS for phrase in table.phrases(key)}


def _time_vocabulary(times: TimeWords) -> set[str]:
    phrases = [
        *times.markers,
        *times.suffixes,
        *times.tails,
        *times.range_words,
        *times.zone_before,
        *times.zone_after,
        *times.named,
        *times.minutes_before,
        *times.minutes_after,
        *times.day_sets,
        *(phrase for part in times.day_parts for phrase in part.phrases),
    ]
    return (
        {word for phrase in phrases for word in phrase}
        | set(times.hour_words)
        | set(times.day_names)
    )


def _typo_index(known: Iterable[str]) -> dict[str, str]:
    """Each long pattern word and its one-letter deletions -> the word (SymSpell's index);
    a deletion shared by two words is dropped, since it could be either."""
    targets = sorted(w for w in known if len(w) >= TYPO_TARGET_MIN_CHARS and w.isalpha())
    index = {word: word for word in targets}
    shared: set[str] = set()
    for word in targets:
        for variant in set(_deletions(word)) - set(targets):
            if index.setdefault(variant, word) != word:
                shared.add(variant)
    return {variant: word for variant, word in index.items() if variant not in shared}
