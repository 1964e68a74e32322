"""MedCoder Coach's Discord front end running on the fake, for end-to-end tests.

    async with coach_on_discord(fake, tmp_path) as (core, front):
        interaction = await fake.slash(ann, "salary")
        reply = await fake.next_reply(interaction)
        assert "$50,250" in text_of(reply)

The real core is opened on a data folder and ``DiscordFrontEnd`` runs on it through
``bot.core.serving`` (log in, sync the slash commands, connect the gateway), as
``python -m bot`` runs it.
"""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

from pydantic import SecretStr

from bot.core import Core, serving
from bot.guide import Guide
from bot.settings import DiscordSettings, Settings
from bot.slot_scheduler import utc_now
from handlers.discord.app import DiscordFrontEnd
from tests.fakediscord.records import SentMessage
from tests.fakediscord.server import FakeDiscord


def discord_settings(
    fake: FakeDiscord,
    data_dir: Path,
    token: str | None = None,
    admin_ids: frozenset[int] = frozenset(),
) -> Settings:
    """Settings that point the Discord front end at ``fake``."""
    return Settings(
        data_dir=data_dir,
        discord=DiscordSettings(
            token=SecretStr(token or fake.token),
            api_base_url=fake.api_base,
            gateway_url=fake.ws_url,
            admin_ids=admin_ids,
        ),
    )


@asynccontextmanager
async def coach_on_discord(
    fake: FakeDiscord,
    data_dir: Path,
    clock: Callable[[], datetime] = utc_now,
    *,
    guide: Guide | None = None,
    admin_ids: frozenset[int] = frozenset(),
) -> AsyncIterator[tuple[Core, DiscordFrontEnd]]:
    """The core and the Discord front end serving on it until the block exits."""
    settings = discord_settings(fake, data_dir, admin_ids=admin_ids)
    assert settings.discord is not None
    async with Core.open(settings, clock=clock, guide=guide) as core:
        front = DiscordFrontEnd(core, settings.discord)
        async with serving(core, [front]):
            yield core, front


def text_of(message: SentMessage) -> str:
    """The content and every embed's title, description, fields and footer, as one string."""
    parts: list[str] = [message.content]
    for embed in message.embeds:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        parts += [f"{f['name']} {f['value']}" for f in embed.get("fields", [])]
        parts.append((embed.get("footer") or {}).get("text", ""))
    return "\n".join(parts)
