"""Fixtures of the fake Discord's self-tests."""

from tests.fakediscord.harness import fake_discord

__all__ = ["fake_discord"]
