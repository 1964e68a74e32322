"""Fixtures of the fake Bot API self-tests."""

from tests.harness import fake_api

__all__ = ["fake_api"]
