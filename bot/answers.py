"""Rank the guide's topics for a free-text question (BM25 with synonyms and typo tolerance)."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.guide import Guide, Topic

MAX_QUESTION_CHARS = 500
_TOKEN = re.compile(r"[a-z0-9]+(?:\.[0-9]+)?")
_STOPWORDS = frozenset(
    """
    a about an and any are as at be can could did do does doesn don for from get give how i im
    in into is it its know me much my of on or please should so take tell that the there this
    to want what whats when which who why will with would you your
    """.split()
)
_TITLE_WEIGHT = 2
_KEYWORD_WEIGHT = 3
_K1 = 1.4
_B = 0.6
_FUZZY_CUTOFF = 75.0


@dataclass(frozen=True, slots=True)
class Match:
    topic: Topic
    score: float


@dataclass(frozen=True, slots=True)
class Answer:
    """The best topic when confident, and the runners-up to offer otherwise."""

    best: Topic | None
    confidence: float
    suggestions: tuple[Topic, ...]


class QuestionIndex:
    """A BM25 index over the guide's topics, built once at start-up."""

    def __init__(self, guide: Guide, *, confidence_floor: float = 0.5) -> None:
        self._floor = confidence_floor
        self._canonical = {
            word: group[0] for group in guide.synonyms for word in group if " " not in word
        }
        self._topics = guide.topics()
        self._docs = [Counter(self._document_terms(topic)) for topic in self._topics]
        self._lengths = [sum(doc.values()) for doc in self._docs]
        self._average_length = sum(self._lengths) / len(self._lengths)
        frequency: Counter[str] = Counter()
        for doc in self._docs:
            frequency.update(doc.keys())
        count = len(self._docs)
        self._idf = {
            term: math.log(1 + (count - df + 0.5) / (df + 0.5)) for term, df in frequency.items()
        }
        self._by_initial: dict[str, list[str]] = {}
        for word in sorted(set(self._idf) | set(self._canonical)):
            self._by_initial.setdefault(word[0], []).append(word)
        self._max_idf = max(self._idf.values())

    def answer(self, question: str) -> Answer:
        """Return the best topic for ``question`` if confident, else suggestions."""
        terms = self.query_terms(question)
        if not terms:
            return Answer(None, 0.0, ())
        ranked = self._rank(terms)
        if not ranked:
            return Answer(None, 0.0, ())
        best = ranked[0]
        confidence = self._coverage(terms, self._topics.index(best.topic))
        suggestions = tuple(match.topic for match in ranked[:3])
        if confidence >= self._floor:
            return Answer(best.topic, confidence, suggestions)
        return Answer(None, confidence, suggestions)

    def search(self, question: str, limit: int = 10) -> list[Match]:
        """Return up to ``limit`` topics ranked for ``question``, best first."""
        return self._rank(self.query_terms(question))[:limit]

    def query_terms(self, question: str) -> list[str]:
        """Tokenize a question, fix typos against the vocabulary and fold synonyms."""
        terms = []
        for token in self._tokens(question[:MAX_QUESTION_CHARS]):
            if token in _STOPWORDS:
                continue
            term = _stem(self._canonical.get(token, token))
            if term not in self._idf and len(token) >= 4:
                corrected = self._closest(token) or token
                term = _stem(self._canonical.get(corrected, corrected))
            terms.append(term)
        return terms

    def _rank(self, terms: list[str]) -> list[Match]:
        scored = []
        for index, doc in enumerate(self._docs):
            score = self._bm25(terms, doc, self._lengths[index])
            if score > 0:
                scored.append(Match(self._topics[index], score))
        scored.sort(key=lambda match: match.score, reverse=True)
        return scored

    def _bm25(self, terms: list[str], doc: Counter[str], length: int) -> float:
        score = 0.0
        norm = _K1 * (1 - _B + _B * length / self._average_length)
        for term in terms:
            tf = doc.get(term, 0)
            if tf:
                score += self._idf[term] * tf * (_K1 + 1) / (tf + norm)
        return score

    def _coverage(self, terms: list[str], doc_index: int) -> float:
        """The idf-weighted share of the question's terms that the topic contains."""
        doc = self._docs[doc_index]
        total = sum(self._idf.get(term, self._max_idf) for term in terms)
        found = sum(self._idf[term] for term in terms if term in doc)
        return found / total if total else 0.0

    def _closest(self, token: str) -> str | None:
        """The nearest known word with the same first letter (typos rarely change it)."""
        candidates = self._by_initial.get(token[0], [])
        match = process.extractOne(
            token, candidates, scorer=fuzz.ratio, score_cutoff=_FUZZY_CUTOFF
        )
        return match[0] if match else None

    def _document_terms(self, topic: Topic) -> list[str]:
        terms = self._fold(self._tokens(topic.title)) * _TITLE_WEIGHT
        terms += self._fold(self._tokens(" ".join(topic.keywords))) * _KEYWORD_WEIGHT
        terms += self._fold(self._tokens(f"{topic.summary} {topic.text}"))
        return terms

    def _fold(self, tokens: list[str]) -> list[str]:
        return [
            _stem(self._canonical.get(token, token)) for token in tokens if token not in _STOPWORDS
        ]

    @staticmethod
    def _tokens(text: str) -> list[str]:
        return _TOKEN.findall(text.lower().replace(",", "").replace("’", "'"))


def _stem(word: str) -> str:
    """Fold a plain English plural onto its singular (coders -> coder)."""
    if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word
