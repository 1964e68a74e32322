"""/mydata, /deleteme and /broadcast on Discord, end to end through the fake."""

from __future__ import annotations

import json
from pathlib import Path

from storage.records import ChatKey
from tests.fakediscord.coach import coach_on_discord, text_of
from tests.fakediscord.harness import fake_discord
from tests.fakediscord.server import FakeDiscord

__all__ = ["fake_discord"]  # the fixture, used by name


async def test_mydata_is_a_json_file_and_deleteme_erases_it(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    ann = fake_discord.add_user("ann")
    dm = fake_discord.dm_channel(ann)
    async with coach_on_discord(fake_discord, tmp_path) as (core, _):
        await fake_discord.next_reply(
            await fake_discord.slash(ann, "remind", {"time": "07:30", "timezone": "UTC"})
        )
        await fake_discord.slash(ann, "mydata")
        exported = await fake_discord.next_message(dm.id)
        while "medcoder-mydata.json" not in exported.files:
            exported = await fake_discord.next_message(dm.id)
        document = json.loads(exported.files["medcoder-mydata.json"])
        assert document["chat"] == {"platform": "discord", "id": dm.id}
        assert [r["hour"] for r in document["reminders"]] == [7]
        question = await fake_discord.next_reply(await fake_discord.slash(ann, "deleteme"))
        assert "erase:yes" in question.custom_ids()
        press = await fake_discord.press_button(ann, question, "erase:yes")
        await fake_discord.next_interaction_response(press)
        erased = await fake_discord.next_edit(question.id)
        assert "deleted" in text_of(erased)
        assert await core.reminders.list(ChatKey("discord", dm.id)) == []
    leftovers = [
        p for p in (tmp_path / "data").rglob("*") if p.is_file() and str(dm.id) in p.read_text()
    ]
    assert leftovers == []


async def test_an_operator_broadcasts_to_every_dm_learner(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    learners = [fake_discord.add_user(f"l{n}") for n in range(3)]
    operator = fake_discord.add_user("op")
    async with coach_on_discord(fake_discord, tmp_path, admin_ids=frozenset({operator.id})) as (
        core,
        _,
    ):
        for learner in learners:
            await fake_discord.next_reply(await fake_discord.slash(learner, "start"))
        preview = await fake_discord.next_reply(
            await fake_discord.slash(operator, "broadcast", {"text": "Mock exam on Sunday"})
        )
        assert "3 learners" in text_of(preview)  # who sent /start
        send = next(cid for cid in preview.custom_ids() if cid.startswith("bc:send:"))
        press = await fake_discord.press_button(operator, preview, send)
        await fake_discord.next_interaction_response(press)
        status = await fake_discord.next_edit(preview.id)
        assert "📣" in text_of(status)
        latest = await core.announcements.latest()
        assert latest is not None
        done = await core.announcements.finished(latest.id) or await core.announcements.latest()
    assert done is not None and (done.sent, done.total) == (3, 3)
    for learner in learners:
        got = [m for m in fake_discord.dms_to(learner) if "Mock exam on Sunday" in text_of(m)]
        assert len(got) == 1
