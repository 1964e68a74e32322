"""Print answer-quality and speed figures for the question ranker beside the original one.

Run from the repository root: ``python -m bench.bench_answers``.

For each ranker and each half of ``tests/questions.toml`` (English; Spanish apart):

- right topic: share of answerable questions answered outright with a right topic;
- right in suggestions: share where a right topic is shown outright or as a button;
- honest unknown: share of questions the guide does not answer that get no topic (for the new
  ranker: ``best is None and not covered``; the baseline has no flag, so ``best is None``);
- invented figures: numbers in what the answer shows (topic text, passage) that are nowhere
  in the content file;
- latency p50/p99 of one ``answer()`` call, in microseconds (after a warm-up);
- index memory: bytes allocated by building the index (tracemalloc), in KiB.

The baseline is the original ranker, kept verbatim below, run on the content file as it was at
commit ``BASELINE_COMMIT`` (read with ``git show`` when the repository is a git checkout; else
on the current content, said so in the output). Optional rows compare the same tokens ranked
by ``bm25s`` and BM25 fused with ``wordllama`` similarity, when those libraries are installed.
"""

from __future__ import annotations

import importlib
import math
import re
import statistics
import subprocess
import tempfile
import time
import tomllib
import tracemalloc
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from rapidfuzz import fuzz, process

from bot.answers import QuestionIndex
from bot.guide import Guide, GuideError, Topic, default_guide_path, load_guide, load_guides
from bot.languages import supported

REPO_ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = REPO_ROOT / "tests" / "questions.toml"
FRESH = REPO_ROOT / "tests" / "questions_fresh.toml"
BASELINE_COMMIT = "4974f98"
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
ROUNDS = 20

# ---- the original ranker, verbatim (renamed) -------------------------------------------------
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
class BaselineMatch:
    topic: Topic
    score: float


@dataclass(frozen=True, slots=True)
class BaselineAnswer:
    """The best topic when confident, and the runners-up to offer otherwise."""

    best: Topic | None
    confidence: float
    suggestions: tuple[Topic, ...]


class BaselineIndex:
    """The original ranker, kept verbatim as the baseline."""

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

    def answer(self, question: str) -> BaselineAnswer:
        """Return the best topic for ``question`` if confident, else suggestions."""
        terms = self.query_terms(question)
        if not terms:
            return BaselineAnswer(None, 0.0, ())
        ranked = self._rank(terms)
        if not ranked:
            return BaselineAnswer(None, 0.0, ())
        best = ranked[0]
        confidence = self._coverage(terms, self._topics.index(best.topic))
        suggestions = tuple(match.topic for match in ranked[:3])
        if confidence >= self._floor:
            return BaselineAnswer(best.topic, confidence, suggestions)
        return BaselineAnswer(None, confidence, suggestions)

    def search(self, question: str, limit: int = 10) -> list[BaselineMatch]:
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

    def _rank(self, terms: list[str]) -> list[BaselineMatch]:
        scored = []
        for index, doc in enumerate(self._docs):
            score = self._bm25(terms, doc, self._lengths[index])
            if score > 0:
                scored.append(BaselineMatch(self._topics[index], score))
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


# ---- the bench ---------------------------------------------------------------------------------


class Answering(Protocol):
    def answer(self, question: str) -> Any: ...


@dataclass(frozen=True, slots=True)
class Question:
    text: str
    expect: frozenset[str]
    split: str
    lang: str

    @property
    def unknown(self) -> bool:
        return self.expect == frozenset({"unknown"})


def load_questions(path: Path = QUESTIONS) -> list[Question]:
    """Read the labelled question sets: the first set (its "tune" and "held" halves, both
    looked at by now) and the fresh set written later (see :func:`_fresh`)."""
    found = []
    for source in (path, FRESH):
        raw = tomllib.loads(source.read_text(encoding="utf-8"))["questions"]
        found += [
            Question(q["text"], frozenset(q["expect"]), q.get("split") or _fresh(n), q["lang"])
            for n, q in enumerate(raw)
        ]
    return found


def _fresh(position: int) -> str:
    """The fresh set's halves: even positions may be looked at while tuning ("fresh-tune"),
    odd ones are only measured ("fresh-held")."""
    return "fresh-tune" if position % 2 == 0 else "fresh-held"


def baseline_guide() -> tuple[Guide, str]:
    """The content file as it was at BASELINE_COMMIT, or the current one if git can't say."""
    try:
        text = subprocess.run(
            ["git", "show", f"{BASELINE_COMMIT}:bot/content/guide.toml"],
            cwd=REPO_ROOT,
            capture_output=True,
            check=True,
            text=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return load_guide(), "current content (git history unavailable)"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "guide.toml"
        path.write_text(text, encoding="utf-8")
        try:
            return load_guide(path), f"content at {BASELINE_COMMIT}"
        except GuideError:  # the loader has since required fields that content lacks
            return load_guide(), "current content (the old content no longer loads)"


def content_numbers() -> set[str]:
    """Every number written in the content file, without thousands separators."""
    text = " ".join(default_guide_path(code).read_text(encoding="utf-8") for code in supported())
    return {n.replace(",", "") for n in _NUMBER.findall(text)}


def invented(answer: Any, known: set[str]) -> int:
    """How many numbers in what the answer shows are not in the content file."""
    shown = []
    if answer.best is not None:
        shown += [answer.best.title, answer.best.summary, answer.best.text]
    shown.append(getattr(answer, "passage", None) or "")
    found = {n.replace(",", "") for n in _NUMBER.findall(" ".join(shown))}
    return len(found - known)


def measure(name: str, index: Answering, questions: list[Question], known: set[str]) -> None:
    """Print one row per half for ``index``."""
    for split in ("tune", "held", "fresh-tune", "fresh-held"):
        chosen = [q for q in questions if q.split == split]
        answerable = [q for q in chosen if not q.unknown]
        unanswerable = [q for q in chosen if q.unknown]
        right = shown = honest = figures = 0
        for q in answerable:
            a = index.answer(q.text)
            offered = {t.key for t in a.suggestions} | ({a.best.key} if a.best else set())
            right += a.best is not None and a.best.key in q.expect
            shown += bool(offered & q.expect)
            figures += invented(a, known)
        for q in unanswerable:
            a = index.answer(q.text)
            honest += a.best is None and not getattr(a, "covered", False)
            figures += invented(a, known)
        print(
            f"{name:<22} {split:<10} right topic {_pct(right, len(answerable))} "
            f"in suggestions {_pct(shown, len(answerable))} "
            f"honest unknown {_pct(honest, len(unanswerable))} invented figures {figures}"
        )


def speed(name: str, build: Callable[[], Answering], questions: list[Question]) -> None:
    """Print latency p50/p99 per question (microseconds) and index memory (KiB)."""
    tracemalloc.start()
    index = build()
    size, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    for q in questions:
        index.answer(q.text)
    times = []
    for _ in range(ROUNDS):
        for q in questions:
            start = time.perf_counter_ns()
            index.answer(q.text)
            times.append((time.perf_counter_ns() - start) / 1000)
    times.sort()
    p50 = statistics.median(times)
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    print(f"{name:<22} latency p50 {p50:7.0f} us  p99 {p99:7.0f} us  index {size / 1024:8.0f} KiB")


def _pct(part: int, whole: int) -> str:
    return f"{part:>3}/{whole:<3} = {100 * part / whole:5.1f}%" if whole else "  -/-        "


def main() -> None:
    questions = load_questions()
    english = [q for q in questions if q.lang == "en"]
    spanish = [q for q in questions if q.lang == "es"]
    known = content_numbers()
    old_guide, where = baseline_guide()
    guide = load_guides()
    print(f"questions: {len(english)} English, {len(spanish)} Spanish; baseline on {where}")
    rankers: list[tuple[str, Callable[[], Answering]]] = [
        ("baseline (original)", lambda: BaselineIndex(old_guide)),
        ("new", lambda: QuestionIndex(guide)),
    ]
    for name, build in rankers:
        measure(name, build(), english, known)
    for name, build in rankers:
        measure(f"{name} [es]", build(), spanish, known)
    for name, build in rankers:
        speed(name, build, english)
    _optional_rows(guide, english)


def _optional_rows(guide: Guide, english: list[Question]) -> None:
    """Top-1 of the same tokens under bm25s, and BM25 fused with wordllama, if installed."""
    index = QuestionIndex(guide).index("en")
    topics = guide.topics()
    keys = [t.key for t in topics]
    docs = [index._document_terms(t) for t in topics]
    own = [(q, index.search(q.text, len(topics))) for q in english if not q.unknown]
    for split in ("tune", "held"):
        rows = [(q, m) for q, m in own if q.split == split]
        hits = sum(bool(m) and m[0].topic.key in q.expect for q, m in rows)
        print(f"{'own BM25 top-1':<22} {split:<5} {_pct(hits, len(rows))}")
    try:
        bm25s = importlib.import_module("bm25s")
    except ImportError:
        print("bm25s not installed: row skipped")
    else:
        retriever = bm25s.BM25(k1=1.4, b=0.6)
        retriever.index([list(d) for d in docs], show_progress=False)
        for split in ("tune", "held"):
            plain = [q for q in english if q.split == split and not q.unknown]
            hits = 0
            for q in plain:
                terms = index.query_terms(q.text) or [""]
                scores = retriever.get_scores(terms)
                hits += keys[int(scores.argmax())] in q.expect
            print(f"{'bm25s top-1 (no boosts)':<22} {split:<5} {_pct(hits, len(plain))}")
    try:
        fused = _wordllama_fusion(guide, topics)
    except ImportError:
        print("wordllama not installed: row skipped")
        return
    for weight in (0.0, 1.0, 4.0):
        for split in ("tune", "held"):
            rows = [(q, m) for q, m in own if q.split == split]
            hits = sum(fused(q.text, m, weight) in q.expect for q, m in rows)
            print(f"{f'BM25 + {weight} x wordllama':<22} {split:<5} {_pct(hits, len(rows))}")


def _wordllama_fusion(guide: Guide, topics: tuple[Topic, ...]) -> Callable[[str, Any, float], str]:
    """Load wordllama's packaged 256-dim model offline; return a fused top-1 function."""
    wordllama = importlib.import_module("wordllama")
    load_file = importlib.import_module("safetensors.numpy").load_file
    tokenizer_type = importlib.import_module("tokenizers").Tokenizer
    inference_type = importlib.import_module("wordllama.inference").WordLlamaInference

    base = Path(str(wordllama.__file__)).parent
    tracemalloc.start()
    start = time.perf_counter()
    model = inference_type(
        load_file(str(base / "weights" / "l2_supercat_256.safetensors"))["embedding.weight"],
        tokenizer_type.from_file(str(base / "tokenizers" / "l2_supercat_tokenizer_config.json")),
    )
    texts = [f"{t.title}. {' '.join(t.keywords)}. {t.summary} {t.text}" for t in topics]
    matrix = model.embed(texts, norm=True)
    size, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"wordllama load {time.perf_counter() - start:.2f} s, {size / 2**20:.1f} MiB")
    keys = [t.key for t in topics]
    samples = []
    for _ in range(ROUNDS):
        begin = time.perf_counter_ns()
        model.embed(["how long does it take to become a coder"], norm=True)
        samples.append((time.perf_counter_ns() - begin) / 1000)
    print(f"wordllama embed one question p50 {statistics.median(samples):.0f} us")

    def top(question: str, matches: Any, weight: float) -> str:
        similarity = matrix @ model.embed([question], norm=True)[0]
        scores = [weight * float(s) for s in similarity]
        for match in matches:
            scores[keys.index(match.topic.key)] += match.score
        return keys[max(range(len(keys)), key=scores.__getitem__)]

    return top


if __name__ == "__main__":
    main()
