"""Pick the next study nudge text, rotating so the same text never comes twice in a row."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

# Used only when a list has a single text: a changing opener keeps consecutive nudges distinct.
OPENERS = ("Next step:", "Today's task:", "Keep going:")


def choose_nudge(
    step: int, actions_by_step: Mapping[int, Sequence[str]], counter: int
) -> tuple[str, int]:
    """Return the next action text for the learner's step and the counter to store next time.

    A step missing from ``actions_by_step`` uses the nearest step below it (or the first step).
    """
    return _rotate(_actions_for(step, actions_by_step), counter)


def group_prompt(counter: int, prompts: Sequence[str]) -> tuple[str, int]:
    """Return the next general study prompt for a group and the counter to store next time."""
    return _rotate(prompts, counter)


def _actions_for(step: int, actions_by_step: Mapping[int, Sequence[str]]) -> Sequence[str]:
    steps = sorted(key for key, actions in actions_by_step.items() if _distinct(actions))
    if not steps:
        raise ValueError("no nudge texts to choose from")
    below = [key for key in steps if key <= step]
    return actions_by_step[below[-1] if below else steps[0]]


def _rotate(texts: Sequence[str], counter: int) -> tuple[str, int]:
    """Consecutive counters give different texts: distinct texts cycle, a lone one gets openers."""
    distinct = _distinct(texts)
    if not distinct:
        raise ValueError("no nudge texts to choose from")
    if len(distinct) == 1:
        text = f"{OPENERS[counter % len(OPENERS)]} {distinct[0]}"
    else:
        text = distinct[counter % len(distinct)]
    return text, counter + 1


def _distinct(texts: Sequence[str]) -> list[str]:
    """Non-blank texts, stripped, duplicates removed, order kept."""
    return list(dict.fromkeys(text.strip() for text in texts if text.strip()))
