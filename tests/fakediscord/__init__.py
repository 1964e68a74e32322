"""A strict fake Discord (REST + gateway) on 127.0.0.1 for end-to-end tests of the Discord bot.

The real `discord.Client` reaches it over loopback sockets; see `server.FakeDiscord` for the
test controls and `harness.py` for the fixture that fails a test on any violation.

Importing discord.py on Python 3.11/3.12 warns once: its voice player imports `audioop`
(PEP 594, removed in 3.13, where discord.py depends on `audioop-lts` instead). The bot uses no
voice, so that one warning is silenced here, narrowly, where the test suite first imports
discord; under `-W error` it would otherwise abort collection.
"""

import warnings

with warnings.catch_warnings():
    warnings.filterwarnings(
        "ignore", message="'audioop' is deprecated", category=DeprecationWarning
    )
    import discord  # noqa: F401
