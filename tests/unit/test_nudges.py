"""Nudge rotation: concrete actions for the learner's step, never the same text twice in a row."""

from __future__ import annotations

from itertools import pairwise

import pytest

from bot.nudges import OPENERS, choose_nudge, group_prompt

ACTIONS = {
    1: ["Read the AAPC CPC exam overview.", "List three coding jobs near you."],
    2: [
        "Do 20 ICD-10-CM practice questions.",
        "Review one chapter of CPT.",
        "Make 10 flashcards.",
    ],
    3: ["Book your exam date."],
}


def _no_repeats(texts: list[str]) -> bool:
    return all(first != second for first, second in pairwise(texts))


def _run(step: int, counter: int, times: int) -> list[str]:
    texts = []
    for _ in range(times):
        text, counter = choose_nudge(step, ACTIONS, counter)
        texts.append(text)
    return texts


@pytest.mark.parametrize("step", [1, 2, 3])
def test_never_the_same_text_twice_in_a_row(step: int) -> None:
    texts = _run(step, 0, 30)
    assert _no_repeats(texts)


def test_cycles_through_every_action_of_the_step() -> None:
    assert set(_run(2, 5, 3)) == set(ACTIONS[2])


def test_returns_the_next_counter() -> None:
    assert choose_nudge(1, ACTIONS, 41) == (ACTIONS[1][1], 42)


def test_single_action_gets_a_rotating_opener() -> None:
    text, _ = choose_nudge(3, ACTIONS, 0)
    assert text == f"{OPENERS[0]} Book your exam date."
    assert text.endswith(ACTIONS[3][0])


def test_duplicate_actions_do_not_repeat() -> None:
    actions = {1: ["Study 15 minutes.", "Study 15 minutes.", "Take a quiz."]}
    texts = [choose_nudge(1, actions, counter)[0] for counter in range(6)]
    assert _no_repeats(texts)


def test_missing_step_uses_the_nearest_lower_step() -> None:
    assert choose_nudge(9, ACTIONS, 0)[0].endswith(ACTIONS[3][0])
    assert choose_nudge(0, ACTIONS, 0)[0] == ACTIONS[1][0]


def test_empty_action_lists_are_skipped() -> None:
    actions = {1: ["Read the overview."], 2: ["  "]}
    assert choose_nudge(2, actions, 0)[0].endswith("Read the overview.")


def test_no_actions_at_all_is_an_error() -> None:
    with pytest.raises(ValueError, match="no nudge texts"):
        choose_nudge(1, {}, 0)


def test_group_prompts_rotate() -> None:
    prompts = ["Share one code you learned today.", "Quiz each other on modifiers."]
    first, counter = group_prompt(0, prompts)
    second, counter = group_prompt(counter, prompts)
    third, counter = group_prompt(counter, prompts)
    assert (first, second, third, counter) == (prompts[0], prompts[1], prompts[0], 3)


def test_single_group_prompt_still_changes() -> None:
    texts = [group_prompt(counter, ["Study for 15 minutes."])[0] for counter in range(7)]
    assert _no_repeats(texts)


def test_no_group_prompts_is_an_error() -> None:
    with pytest.raises(ValueError, match="no nudge texts"):
        group_prompt(0, [])


def test_texts_are_plain() -> None:
    text, _ = choose_nudge(3, ACTIONS, 1)
    assert "<" not in text
    assert "*" not in text
