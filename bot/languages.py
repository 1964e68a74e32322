"""The languages the bot speaks (``content/languages.toml``) and how text is compared in them.

- :func:`supported` names them (``("en", "es")``, English first: the fallback).
- :func:`normalize` maps a platform's language tag (Telegram ``language_code`` "es",
  Discord locale "es-ES", "es-419") onto one of them, or None.
- :func:`fold` lower-cases and strips accents, so "Cuánto" and "cuanto" compare equal.
- :func:`detect` tells which language a question's words are in.
"""

from __future__ import annotations

import functools
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType
from typing import Any, Literal

ENGLISH = "en"
Plural = Literal["english", "spanish"]
_PLURALS = ("english", "spanish")


class LanguagesError(Exception):
    """``content/languages.toml`` is malformed; the message names the field."""


@dataclass(frozen=True, slots=True)
class Language:
    """One language's words for the question ranking (see ``content/languages.toml``)."""

    code: str
    name: str
    aliases: frozenset[str]
    plural: Plural
    stopwords: frozenset[str]
    markers: frozenset[str]
    narrow: frozenset[str]
    quantity: tuple[tuple[str, ...], ...]  # phrases, as word tuples
    generic: frozenset[str]
    who: frozenset[str]
    step: str
    numbers: Mapping[str, int]
    ordinals: Mapping[str, int]
    last: frozenset[str]

    def singular(self, word: str) -> str:
        """Fold a plain plural onto its singular (coders -> coder, pasos -> paso)."""
        if len(word) <= 4 or not word.endswith("s") or word.endswith("ss"):
            return word
        if self.plural == "spanish" and word.endswith("es") and word[-3] in "nrldj":
            return word[:-2]  # certificaciones -> certificacion, codificadores -> codificador
        return word[:-1]


def fold(text: str) -> str:
    """Lower-case ``text`` and drop its accents ("¿Cuánto?" -> "¿cuanto?"); ñ becomes n."""
    lowered = text.lower()
    if lowered.isascii():
        return lowered
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@functools.cache
def languages() -> Mapping[str, Language]:
    """Every language the bot speaks, by code, English first (read once).

    Raises LanguagesError naming the field when the file is malformed.
    """
    path = resources.files("bot").joinpath("content", "languages.toml")
    raw = tomllib.loads(path.read_text(encoding="utf-8")).get("language")
    if not isinstance(raw, dict) or ENGLISH not in raw:
        raise LanguagesError("languages.toml: [language.en] is required")
    found = {code: _language(code, table) for code, table in raw.items()}
    ordered = {ENGLISH: found.pop(ENGLISH), **found}
    return MappingProxyType(ordered)


def supported() -> tuple[str, ...]:
    """The codes of the languages the bot speaks, English first."""
    return tuple(languages())


def normalize(tag: str | None) -> str | None:
    """The supported language a tag names ("es-419" -> "es"), or None (unknown, unset)."""
    if not tag:
        return None
    code = tag.strip().replace("_", "-").split("-")[0].lower()
    return code if code in languages() else None


AUTOMATIC = "auto"


def parse_choice(text: str) -> str | None:
    """What someone typed after /language: a supported code ("es" for "Español", "spanish",
    "es-MX"), :data:`AUTOMATIC` for "auto", or None when it names no language the bot speaks.
    """
    word = fold(text.strip())
    if word in _automatic():
        return AUTOMATIC
    found = next((code for code, lang in languages().items() if word in lang.aliases), None)
    return found or (normalize(word) if "-" in word else None)


@functools.cache
def _automatic() -> frozenset[str]:
    path = resources.files("bot").joinpath("content", "languages.toml")
    words = tomllib.loads(path.read_text(encoding="utf-8")).get("automatic", [])
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        raise LanguagesError("languages.toml: automatic must be a list of words")
    return frozenset(fold(w) for w in words) | {AUTOMATIC}


def detect(tokens: Iterable[str]) -> str | None:
    """The language whose own words (stopwords and markers no other language shares) the
    ``tokens`` (folded words) use most, or None when none leads."""
    counts = dict.fromkeys(languages(), 0)
    for token in tokens:
        for code in _telling().get(token, ()):
            counts[code] += 1
    ranked = sorted(counts.values(), reverse=True)
    if ranked[0] == 0 or (len(ranked) > 1 and ranked[0] == ranked[1]):
        return None
    return max(counts, key=counts.__getitem__)


@functools.cache
def _telling() -> Mapping[str, tuple[str, ...]]:
    """Each word that tells a language, and that language (words of several: none)."""
    owners: dict[str, list[str]] = {}
    for code, language in languages().items():
        for word in language.stopwords | language.markers:
            owners.setdefault(word, []).append(code)
    return {word: tuple(codes) for word, codes in owners.items() if len(codes) == 1}


def _phrases(table: dict[str, Any], where: str, key: str) -> list[str]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(p, str) and p for p in value):
        raise LanguagesError(f"{where}.{key} must be a list of phrases")
    return value


def _language(code: str, table: Any) -> Language:
    where = f"languages.toml: language.{code}"
    if not isinstance(table, dict):
        raise LanguagesError(f"{where} must be a table")

    def words(key: str) -> frozenset[str]:
        value = table.get(key)
        items = value.split() if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(w, str) and w for w in items):
            raise LanguagesError(f"{where}.{key} must be a list of words")
        return frozenset(fold(word) for word in items)

    def numbers(key: str) -> Mapping[str, int]:
        value = table.get(key)
        if not isinstance(value, dict) or not all(isinstance(n, int) for n in value.values()):
            raise LanguagesError(f"{where}.{key} must map words to whole numbers")
        return MappingProxyType({fold(word): number for word, number in value.items()})

    name, step, plural = table.get("name"), table.get("step"), table.get("plural")
    if not isinstance(name, str) or not name:
        raise LanguagesError(f"{where}.name must be the language's name")
    if not isinstance(step, str) or not step:
        raise LanguagesError(f"{where}.step must be the word for 'step'")
    if plural not in _PLURALS:
        raise LanguagesError(f"{where}.plural must be one of {', '.join(_PLURALS)}")
    return Language(
        code=code,
        name=name,
        aliases=words("aliases") | {code, fold(name)},
        plural=plural,
        stopwords=words("stopwords"),
        markers=words("markers"),
        narrow=words("narrow"),
        quantity=tuple(tuple(fold(p).split()) for p in _phrases(table, where, "quantity")),
        generic=words("generic"),
        who=words("who"),
        step=fold(step),
        numbers=numbers("numbers"),
        ordinals=numbers("ordinals"),
        last=words("last"),
    )
