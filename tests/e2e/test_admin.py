"""Operator commands: /stats for ADMIN_IDS only."""

from __future__ import annotations

from tests.conftest import ADMIN_ID, Coach
from tests.fakeapi.simulator import SimChat, SimUser

OPERATOR = SimUser(ADMIN_ID, "Olga", "olga")
LEARNER = SimUser(8001, "Lee", "lee")


async def test_operator_sees_counts(coach: Coach) -> None:
    await coach.say(SimChat.private(LEARNER), LEARNER, "/remind 08:00 daily UTC")
    reply = await coach.say(SimChat.private(OPERATOR), OPERATOR, "/stats")
    assert "Reminders: 1 (1 active)" in reply.plain_text
    assert "Nudges sent: 0" in reply.plain_text


async def test_learner_is_told_it_is_for_operators(coach: Coach) -> None:
    reply = await coach.say(SimChat.private(LEARNER), LEARNER, "/stats")
    assert "for the bot's operators" in reply.plain_text
    assert "Reminders:" not in reply.plain_text
