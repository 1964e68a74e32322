"""Answer a free-text question from the guide: the best topic, the passage, or an honest "no".

Ranking is BM25 over each topic (title and keywords weighted up) fused with BM25 over the
topic's sentences, after typo correction and synonym folding. A certification code or a step
named in the question lands on that entity's topic. A question that asks for something the
guide lists under ``meta.not_covered`` (an exam's pass rate, pay in one state, a code lookup),
or whose words the guide mostly does not contain, is answered with ``covered=False`` and the
nearest topics instead of a guess.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.guide import Guide, Topic
from bot.languages import ENGLISH, Language, detect, fold, languages, normalize

MAX_QUESTION_CHARS = 500
MAX_SUGGESTIONS = 3
_TOKEN = re.compile(r"[a-z0-9]+(?:\.[0-9]+)?")
_TITLE_WEIGHT = 1
_KEYWORD_WEIGHT = 4
_K1 = 1.4
_B = 0.6
_FUZZY_CUTOFF = 75.0
_SENTENCE_B = 0.3
_SENTENCE_END = re.compile(r"(?<!U\.S\.)(?<=[.!?;:])\s+(?=[A-Z¿¡ÁÉÍÓÚ“\"(])")
_ABOUT_KEY = "about"
_GUESSED_WEIGHT = 0.5  # how much a typo-corrected word counts towards coverage


@dataclass(frozen=True, slots=True)
class Match:
    """One ranked topic; ``score`` is the fused ranking score (unitless, higher is better)."""

    topic: Topic
    score: float


@dataclass(frozen=True, slots=True)
class Answer:
    """What the guide says about a question.

    - ``best``: the topic to show, or None when no topic is plausible enough.
    - ``confidence``: 0.0 to 1.0, how sure the ranking is of ``best`` (or of the first
      suggestion when ``best`` is None).
    - ``suggestions``: up to three other plausible topics, best first (never ``best`` itself).
    - ``covered``: False when the guide does not answer the question; ``best`` is then None
      and ``suggestions`` holds the nearest topics (empty when nothing in the guide is near).
    - ``passage``: the sentence of ``best`` that answers the question most directly, verbatim
      from the guide, or None.
    - ``language``: the language the question was read in; the topics are that language's.
    - ``narrow``: the question asks for one fact (who, when, what year...), so ``passage``
      answers it better than the whole topic.
    """

    best: Topic | None
    confidence: float
    suggestions: tuple[Topic, ...]
    covered: bool = True
    passage: str | None = None
    language: str = ENGLISH
    narrow: bool = False


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Decision thresholds, calibrated on the tuning half of the question set.

    - ``answer``: the lowest fused score (unitless) at which the top topic is shown outright.
    - ``coverage``: the lowest idf-weighted share (0..1) of the question's words the guide must
      contain for the question to count as covered.
    - ``suggest``: a runner-up is offered when its score is at least this share of the top.
    """

    answer: float = 2.0
    coverage: float = 0.4
    suggest: float = 0.5


class _Bm25:
    """Okapi BM25 over a fixed list of term bags; scores are unitless, higher is better."""

    def __init__(self, docs: Sequence[Counter[str]], *, k1: float, b: float) -> None:
        self.docs = list(docs)
        self.lengths = [sum(doc.values()) for doc in self.docs]
        self.average = (sum(self.lengths) / len(self.lengths)) if self.docs else 1.0
        frequency: Counter[str] = Counter()
        for doc in self.docs:
            frequency.update(doc.keys())
        count = len(self.docs)
        self.idf = {
            t: math.log(1 + (count - df + 0.5) / (df + 0.5)) for t, df in frequency.items()
        }
        self.norms = [k1 * (1 - b + b * length / self.average) for length in self.lengths]
        self.k1 = k1

    def score(self, terms: Sequence[str], index: int) -> float:
        """The BM25 score of document ``index`` for the query ``terms``."""
        doc, norm, total = self.docs[index], self.norms[index], 0.0
        for term in terms:
            tf = doc.get(term, 0)
            if tf:
                total += self.idf[term] * tf * (self.k1 + 1) / (tf + norm)
        return total


class QuestionIndex:
    """One :class:`LanguageIndex` per language of the guide; a question is answered in the
    language its words are in (ties go to the asker's language)."""

    def __init__(self, guide: Guide, *, thresholds: Thresholds | None = None) -> None:
        guides = dict(guide.translations) or {guide.language: guide}
        self._indexes = {
            code: LanguageIndex(found, languages()[code], thresholds=thresholds)
            for code, found in guides.items()
        }
        self._default = guide.language

    def language_of(self, question: str, preferred: str | None = None) -> str:
        """The language ``question`` is written in (one the index has); ``preferred`` (a
        code or platform tag) wins ties."""
        tokens = _TOKEN.findall(fold(question[:MAX_QUESTION_CHARS]))
        preferred = normalize(preferred) or self._default
        found = detect(tokens)
        if found in self._indexes:
            return found
        # No telling word: the language whose guide holds more of the question's words.
        coverage = {code: index.coverage(question) for code, index in self._indexes.items()}
        best = max(coverage.values())
        if coverage.get(preferred) == best:
            return preferred
        return max(coverage, key=coverage.__getitem__)

    def index(self, language: str | None = None) -> LanguageIndex:
        """The index of ``language`` (a code or tag), or of the guide's own language."""
        return self._indexes.get(normalize(language) or "", self._indexes[self._default])

    def answer(self, question: str, language: str | None = None) -> Answer:
        """Answer ``question`` in the language it is written in (see :meth:`language_of`;
        ``language`` is the asker's). Well under a millisecond on one core."""
        return self._indexes[self.language_of(question, language)].answer(question)

    def search(self, question: str, limit: int = 10, language: str | None = None) -> list[Match]:
        """Return up to ``limit`` topics ranked for ``question``, best first."""
        return self._indexes[self.language_of(question, language)].search(question, limit)

    def query_terms(self, question: str, language: str | None = None) -> list[str]:
        """Tokenize a question, fix typos against the vocabulary and fold synonyms."""
        return self.index(language).query_terms(question)


class LanguageIndex:
    """Topic and sentence indexes over one language's guide, built once at start-up (a few
    ms, < 1 MB)."""

    def __init__(
        self, guide: Guide, language: Language, *, thresholds: Thresholds | None = None
    ) -> None:
        self._language = language
        self._limits = thresholds or Thresholds()
        self._canonical = {
            word: group[0] for group in guide.synonyms for word in group if " " not in word
        }
        self._phrases = [
            (tuple(word.split()), group[0]) for group in guide.synonyms for word in group
        ]
        self._phrases = [(words, canon) for words, canon in self._phrases if len(words) > 1]
        self._topics = guide.topics()
        self._position = {topic.key: i for i, topic in enumerate(self._topics)}
        self._topic_index = _Bm25(
            [Counter(self._document_terms(t)) for t in self._topics], k1=_K1, b=_B
        )
        self._sentences: list[tuple[int, str]] = [
            (i, sentence) for i, topic in enumerate(self._topics) for sentence in _sentences(topic)
        ]
        self._sentence_index = _Bm25(
            [Counter(self._fold(self._tokens(text))) for _, text in self._sentences],
            k1=_K1,
            b=_SENTENCE_B,
        )
        self._idf = self._topic_index.idf
        self._max_idf = max(self._idf.values())
        vocabulary = set(self._idf) | set(self._canonical)
        self._by_initial: dict[str, list[str]] = {}
        for word in sorted(vocabulary):
            self._by_initial.setdefault(word[0], []).append(word)
        self._codes = {c.code.lower(): c for c in guide.certifications}
        self._issuers = {f"cert:{c.code}": c.issuer for c in guide.certifications}
        self._steps_of_code = {c.code.lower(): c.step for c in guide.certifications}
        self._step_count = len(guide.steps)
        self._not_covered = [
            (tuple(_TOKEN.findall(phrase.lower())), phrase) for phrase in guide.not_covered
        ]

    # -- public ---------------------------------------------------------------------------

    def answer(self, question: str) -> Answer:
        """Return the topic that answers ``question``, or suggestions, or an honest "not covered".

        ``question`` is cut to 500 characters. Takes well under a millisecond on one core.
        """
        tokens = self._question_tokens(question)
        terms = self._terms(tokens)
        guessed = self._guessed(tokens, terms)
        ranked = self._rank(terms, tokens)
        code = self._language.code
        if not ranked:
            return Answer(None, 0.0, (), covered=False, language=code)
        top = ranked[0]
        entity = self._entity_topics(tokens, terms)
        coverage = self._coverage(terms, guessed)
        gap = self._gap(tokens)
        confidence = _squash(top.score / self._limits.answer) * min(1.0, 0.5 + coverage)
        if gap or (coverage < self._limits.coverage and not entity):
            nearest = tuple(m.topic for m in ranked[:MAX_SUGGESTIONS])
            # Short of words only because typos were guessed: "did you mean", not "not covered".
            typos = not gap and self._coverage(terms) >= self._limits.coverage
            return Answer(None, round(confidence, 3), nearest, covered=typos, language=code)
        others = tuple(
            m.topic
            for m in ranked[1 : MAX_SUGGESTIONS + 1]
            if m.score >= self._limits.suggest * top.score
        )
        if self._asks_quantity(tokens) and not _has_number(top.topic):
            # A number asked for, and the topic that matches best states none.
            nearest = tuple(m.topic for m in ranked[:MAX_SUGGESTIONS])
            return Answer(None, round(confidence, 3), nearest, covered=False, language=code)
        if top.score >= self._limits.answer or entity:
            asks_who = self._language.who & set(tokens)
            passage = self._issuers.get(top.topic.key) if asks_who else None
            passage = passage or self._passage(terms, self._position[top.topic.key])
            narrow = bool(self._language.narrow & set(tokens))
            return Answer(
                top.topic,
                round(confidence, 3),
                others,
                passage=passage,
                language=code,
                narrow=narrow,
            )
        suggestions = (top.topic, *others)[:MAX_SUGGESTIONS]
        return Answer(None, round(confidence, 3), suggestions, language=code)

    def search(self, question: str, limit: int = 10) -> list[Match]:
        """Return up to ``limit`` topics ranked for ``question``, best first."""
        tokens = self._question_tokens(question)
        return self._rank(self._terms(tokens), tokens)[:limit]

    def query_terms(self, question: str) -> list[str]:
        """Tokenize a question, fix typos against the vocabulary and fold synonyms."""
        return self._terms(self._question_tokens(question))

    # -- ranking --------------------------------------------------------------------------

    def _rank(self, terms: list[str], tokens: list[str]) -> list[Match]:
        if not terms:
            return []
        scores = [self._topic_index.score(terms, i) for i in range(len(self._topics))]
        for key in self._entity_topics(tokens, terms):
            scores[self._position[key]] += max(scores) + 1.0
        ranked = [Match(self._topics[i], s) for i, s in enumerate(scores) if s > 0]
        ranked.sort(key=lambda match: match.score, reverse=True)
        return ranked

    def coverage(self, question: str) -> float:
        """The idf-weighted share (0..1) of the question's words this guide contains, as
        written (no typo correction: this compares languages, cheaply)."""
        return self._coverage(self._fold(self._question_tokens(question)))

    def _passage(self, terms: list[str], topic_index: int) -> str | None:
        """The topic's sentence with the best BM25 score for ``terms``, if any scores."""
        best, best_score = None, 0.0
        for position, (owner, text) in enumerate(self._sentences):
            if owner == topic_index:
                score = self._sentence_index.score(terms, position)
                if score > best_score:
                    best, best_score = text, score
        return best

    def _entity_topics(self, tokens: list[str], terms: list[str]) -> list[str]:
        """Topic keys the question names outright: the job alone, a certification, a step."""
        words = self._language
        if terms and set(terms) <= words.generic and _ABOUT_KEY in self._position:
            return [_ABOUT_KEY]
        codes = [token for token in dict.fromkeys(tokens) if token in self._codes]
        if len(codes) == 1:
            return [f"cert:{self._codes[codes[0]].code}"]
        if codes:
            steps = {self._steps_of_code[code] for code in codes}
            return [f"step:{steps.pop()}"] if len(steps) == 1 else ["certs"]
        for before, after in itertools.pairwise(tokens):
            number = None
            if before == words.step:
                number = words.numbers.get(after)
            elif after == words.step:
                number = words.ordinals.get(before) or (
                    self._step_count if before in words.last else None
                )
            if number and 1 <= number <= self._step_count:
                return [f"step:{number}"]
        return []

    def _asks_quantity(self, tokens: list[str]) -> bool:
        """Whether the question asks for a number ("how much", "cuántos")."""
        return _holds_any(tokens, self._language.quantity)

    def _gap(self, tokens: list[str]) -> bool:
        """Whether the question asks for something the guide says it does not cover."""
        return _holds_any(tokens, [words for words, _ in self._not_covered])

    def _coverage(self, terms: list[str], guessed: frozenset[str] = frozenset()) -> float:
        """The idf-weighted share (0..1) of the question's terms found anywhere in the guide;
        a term found only by correcting a typo (``guessed``) counts half."""
        total = sum(self._idf.get(term, self._max_idf) for term in terms)
        found = sum(
            self._idf[term] * (_GUESSED_WEIGHT if term in guessed else 1.0)
            for term in terms
            if term in self._idf
        )
        return found / total if total else 0.0

    def _guessed(self, tokens: list[str], terms: list[str]) -> frozenset[str]:
        """The terms that are typo corrections, not words the question wrote."""
        written = set(self._fold(tokens))
        return frozenset(term for term in terms if term not in written)

    # -- text -----------------------------------------------------------------------------

    def _terms(self, tokens: list[str]) -> list[str]:
        terms = []
        for token in self._join_phrases(tokens):
            if token in self._language.stopwords:
                continue
            term = self._stem(self._canonical.get(token, token))
            if term not in self._idf and len(token) >= 4:
                corrected = self._closest(token) or token
                term = self._stem(self._canonical.get(corrected, corrected))
            terms.append(term)
        return terms

    def _join_phrases(self, tokens: list[str]) -> list[str]:
        """Replace multi-word synonyms ("good at") by their group's first word."""
        if not self._phrases:
            return tokens
        out, i = [], 0
        while i < len(tokens):
            for words, canon in self._phrases:
                if tuple(tokens[i : i + len(words)]) == words:
                    out.append(canon)
                    i += len(words)
                    break
            else:
                out.append(tokens[i])
                i += 1
        return out

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
            self._stem(self._canonical.get(token, token))
            for token in self._join_phrases(tokens)
            if token not in self._language.stopwords
        ]

    def _stem(self, word: str) -> str:
        return self._language.singular(word)

    @staticmethod
    def _tokens(text: str) -> list[str]:
        return _TOKEN.findall(fold(text).replace(",", "").replace("’", "'"))

    @classmethod
    def _question_tokens(cls, question: str) -> list[str]:
        """A question's tokens; a bare "$" (as in "how much $$") reads as "dollars"."""
        return cls._tokens(re.sub(r"\$+(?![0-9])", " dollars ", question[:MAX_QUESTION_CHARS]))


def _sentences(topic: Topic) -> list[str]:
    """The topic's summary and the sentences of its text, each stripped."""
    parts = [topic.summary, *_SENTENCE_END.split(topic.text)]
    return [part.strip() for part in dict.fromkeys(parts) if part.strip()]


def _holds_any(tokens: list[str], phrases: Sequence[tuple[str, ...]]) -> bool:
    """Whether ``tokens`` contain one of ``phrases`` (each a run of words) in order."""
    for words in phrases:
        size = len(words)
        if any(tuple(tokens[i : i + size]) == words for i in range(len(tokens) - size + 1)):
            return True
    return False


def _has_number(topic: Topic) -> bool:
    """Whether the topic states a figure (a digit anywhere in what it says)."""
    return any(ch.isdigit() for ch in f"{topic.summary} {topic.text}")


def _squash(x: float) -> float:
    """Map a non-negative ratio onto 0..1 (0 -> 0, 1 -> 0.5, large -> 1)."""
    return x / (1.0 + x)
