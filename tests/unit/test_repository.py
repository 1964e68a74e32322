"""Repository and AsyncRepository: round trips, schema version, refusals, durability."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from dataclasses import fields, replace
from pathlib import Path

import pytest

import storage.atomic
from storage.async_repository import AsyncRepository
from storage.codec import PROFILE_FIELDS, REMINDER_FIELDS
from storage.errors import StorageError
from storage.records import MAX_REMINDERS_PER_CHAT, ChatKey, ChatProfile, Reminder
from storage.repository import (
    SCHEMA_VERSION,
    DuplicateReminderError,
    ReminderLimitError,
    Repository,
    SameScheduleError,
    StorageCounts,
)
from storage.schema import shard_file_name


def tg(chat_id: int) -> ChatKey:
    """A Telegram chat's key."""
    return ChatKey("telegram", chat_id)


SHARDS = 8
GROUP_CHAT = -1_001_234_567_890


def reminder(chat_id: int = 42, reminder_id: str = "r1", **changes: object) -> Reminder:
    values: dict[str, object] = {
        "id": reminder_id,
        "chat_id": chat_id,
        "hour": 7,
        "minute": sum(map(ord, reminder_id)) % 60,  # distinct ids, distinct schedules
        "days": frozenset({0, 2, 4}),
        "tz": "America/Chicago",
    }
    return Reminder(**(values | changes))  # type: ignore[arg-type]


def full_profile(chat_id: int = 42) -> ChatProfile:
    return ChatProfile(
        chat_id=chat_id,
        is_group=True,
        tz="Asia/Kolkata",
        step=4,
        studied=("2026-04-29", "2026-04-30"),
        paused_until="2026-05-03T00:00:00+00:00",
        blocked=True,
        nudge_counter=9,
        snoozed_until="2026-05-01T10:00:00+00:00",
    )


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def repo(data_dir: Path) -> Iterator[Repository]:
    repository = Repository.open(data_dir, SHARDS)
    yield repository
    repository.close()


def shard_path(data_dir: Path, chat_id: int) -> Path:
    return data_dir / shard_file_name(chat_id % SHARDS)


def snapshot(directory: Path) -> dict[str, tuple[bytes, int]]:
    return {
        path.name: (path.read_bytes(), path.stat().st_mtime_ns)
        for path in sorted(directory.iterdir())
        if path.name != ".lock"
    }


def test_the_codec_covers_every_field_of_the_records() -> None:
    assert {"chat_id", "platform", *REMINDER_FIELDS} == {field.name for field in fields(Reminder)}
    assert {"chat_id", "platform", *PROFILE_FIELDS} == {
        field.name for field in fields(ChatProfile)
    }


def test_records_survive_a_reopen_unchanged(repo: Repository, data_dir: Path) -> None:
    fired = reminder(reminder_id="r2", active=False, paused=True, last_fired="2026-05-01T07:30Z")
    repo.put_profile(full_profile())
    repo.put_profile(ChatProfile(GROUP_CHAT, is_group=True))
    repo.add_reminder(reminder())
    repo.add_reminder(fired)
    repo.add_reminder(reminder(GROUP_CHAT, days=frozenset(range(7)), tz="UTC"))
    repo.close()
    with Repository.open(data_dir) as reopened:
        assert reopened.get_profile(tg(42)) == full_profile()
        assert reopened.reminders_for(tg(42)) == [reminder(), fired]
        assert reopened.reminders_for(tg(GROUP_CHAT))[0].days == frozenset(range(7))
        profiles, reminders = reopened.load_all()
    assert sorted(profiles, key=lambda p: p.chat_id) == [
        ChatProfile(GROUP_CHAT, is_group=True),
        full_profile(),
    ]
    assert len(reminders) == 3


def test_unknown_chats_have_no_profile_and_no_reminders(repo: Repository) -> None:
    assert repo.get_profile(tg(7)) is None
    assert repo.reminders_for(tg(7)) == []
    assert repo.delete_reminder(tg(7), "r1") is False
    assert repo.delete_all_reminders(tg(7)) == 0


def test_a_chat_keeps_its_profile_and_reminders_in_one_shard_file(
    repo: Repository, data_dir: Path
) -> None:
    repo.put_profile(ChatProfile(GROUP_CHAT))
    repo.add_reminder(reminder(GROUP_CHAT))
    document = json.loads(shard_path(data_dir, GROUP_CHAT).read_text())
    tables = (document["telegram.profiles"], document["telegram.reminders"])
    assert set(tables[0]) == set(tables[1]) == {str(GROUP_CHAT)}
    assert set(document) == {"telegram.profiles", "telegram.reminders"}
    assert sorted(p.name for p in data_dir.glob("shard-*")) == [
        shard_file_name(GROUP_CHAT % SHARDS)
    ]


def test_schema_version_and_shard_count_are_written_on_first_open(data_dir: Path) -> None:
    Repository.open(data_dir, SHARDS).close()
    meta = json.loads((data_dir / "meta.json").read_text())
    assert meta == {"schema_version": SCHEMA_VERSION, "shards": SHARDS}
    with Repository.open(data_dir, shards=64) as reopened:  # the stored count wins
        assert reopened.shard_count == SHARDS


@pytest.mark.parametrize(
    ("meta", "complaint"),
    [
        ('{"schema_version": 4, "shards": 8}', "newer than this bot understands"),
        ('{"schema_version": "one", "shards": 8}', "no version of this bot wrote"),
        ('{"schema_version": 1, "shards": 0}', "not a shard count"),
        ('{"schema_version": 1, "sh', "not valid JSON"),
    ],
)
def test_an_untrusted_meta_file_stops_start_up_and_nothing_is_touched(
    data_dir: Path, meta: str, complaint: str
) -> None:
    with Repository.open(data_dir, SHARDS) as repository:
        repository.add_reminder(reminder())
    (data_dir / "meta.json").write_text(meta)
    before = snapshot(data_dir)
    with pytest.raises(StorageError, match=complaint) as raised:
        Repository.open(data_dir, SHARDS)
    assert str(data_dir / "meta.json") in str(raised.value)
    assert snapshot(data_dir) == before


def test_a_missing_meta_file_beside_shards_is_not_guessed(data_dir: Path) -> None:
    with Repository.open(data_dir, SHARDS) as repository:
        repository.add_reminder(reminder())
    (data_dir / "meta.json").unlink()
    with pytest.raises(StorageError, match=r"restore meta\.json"):
        Repository.open(data_dir, SHARDS)
    assert not (data_dir / "meta.json").exists()


def test_a_corrupt_shard_is_refused_and_never_overwritten(data_dir: Path) -> None:
    with Repository.open(data_dir, SHARDS) as repository:
        repository.add_reminder(reminder())
    torn = shard_path(data_dir, 42)
    torn.write_bytes(torn.read_bytes()[:-7])
    before = snapshot(data_dir)
    with Repository.open(data_dir, SHARDS) as repository:
        with pytest.raises(StorageError, match=str(torn)):
            repository.all_reminders()
        with pytest.raises(StorageError, match="not valid JSON"):
            repository.put_profile(ChatProfile(42))
        with pytest.raises(StorageError, match="left untouched"):
            repository.add_reminder(reminder(reminder_id="r9"))
        repository.put_profile(ChatProfile(43))  # other shards still work
    after = snapshot(data_dir)
    assert after[torn.name] == before[torn.name]


def test_a_garbage_record_is_named_with_its_file(data_dir: Path) -> None:
    with Repository.open(data_dir, SHARDS) as repository:
        repository.add_reminder(reminder())
    path = shard_path(data_dir, 42)
    document = json.loads(path.read_text())
    document["telegram.reminders"]["42"]["items"][0]["hour"] = 99
    path.write_text(json.dumps(document))
    with Repository.open(data_dir, SHARDS) as repository:
        with pytest.raises(StorageError) as raised:
            repository.all_reminders()
        message = str(raised.value)
        assert str(path) in message
        assert "record 42" in message
        assert "hour must be an integer 0..23, got 99" in message
        with pytest.raises(StorageError, match="hour must be"):
            repository.reminders_for(tg(42))


def test_a_record_in_the_wrong_shard_is_refused(data_dir: Path) -> None:
    with Repository.open(data_dir, SHARDS) as repository:
        repository.put_profile(ChatProfile(42))
    source, target = shard_path(data_dir, 42), shard_path(data_dir, 43)
    source.rename(target)
    with (
        Repository.open(data_dir, SHARDS) as repository,
        pytest.raises(StorageError, match="belongs in"),
    ):
        repository.all_profiles()


def test_temp_files_left_by_a_crash_are_cleaned_on_open(data_dir: Path) -> None:
    with Repository.open(data_dir, SHARDS) as repository:
        repository.add_reminder(reminder())
    stale = data_dir / f".{shard_file_name(2)}.x1y2z3.tmp"
    stale.write_text('{"reminders": {"42": {"items": [{"id": "torn')
    with Repository.open(data_dir, SHARDS) as repository:
        assert not stale.exists()
        assert repository.reminders_for(tg(42)) == [reminder()]


def test_a_second_open_of_the_same_directory_is_refused(repo: Repository, data_dir: Path) -> None:
    with pytest.raises(StorageError, match="another process"):
        Repository.open(data_dir, SHARDS)


def test_a_closed_repository_refuses_calls(repo: Repository) -> None:
    repo.close()
    repo.close()
    with pytest.raises(StorageError, match="closed"):
        repo.get_profile(tg(42))


def test_duplicate_ids_and_the_per_chat_limit_are_refused(repo: Repository) -> None:
    repo.add_reminder(reminder())
    with pytest.raises(DuplicateReminderError):
        repo.add_reminder(reminder(hour=9))
    for n in range(2, MAX_REMINDERS_PER_CHAT + 1):
        repo.add_reminder(reminder(reminder_id=f"r{n}"))
    with pytest.raises(ReminderLimitError):
        repo.add_reminder(reminder(reminder_id="one-too-many", hour=23))
    assert len(repo.reminders_for(tg(42))) == MAX_REMINDERS_PER_CHAT


def test_a_second_reminder_with_the_same_schedule_and_topic_is_refused(
    repo: Repository,
) -> None:
    repo.add_reminder(reminder(chat_id=GROUP_CHAT, thread_id=77))
    with pytest.raises(SameScheduleError) as refused:
        repo.add_reminder(reminder(chat_id=GROUP_CHAT, reminder_id="r2", minute=43, thread_id=77))
    assert refused.value.existing.id == "r1"
    repo.add_reminder(reminder(chat_id=GROUP_CHAT, reminder_id="r3", minute=43, thread_id=78))
    assert [r.id for r in repo.reminders_for(tg(GROUP_CHAT))] == ["r1", "r3"]


def test_version_1_records_still_load_and_meta_is_upgraded(data_dir: Path) -> None:
    Repository.open(data_dir, SHARDS).close()
    (data_dir / "meta.json").write_text('{"schema_version": 1, "shards": 8}')
    old_reminder = {
        "id": "r1", "hour": 7, "minute": 30, "days": [0], "tz": "UTC",
        "active": True, "last_fired": None, "paused": False,
    }  # fmt: skip
    old_profile = {
        "is_group": False, "tz": "UTC", "step": 2, "studied": [], "paused_until": None,
        "blocked": False, "nudge_counter": 0, "snoozed_until": None,
    }  # fmt: skip
    shard = {"profiles": {"42": old_profile}, "reminders": {"42": {"items": [old_reminder]}}}
    shard_path(data_dir, 42).write_text(json.dumps(shard))
    with Repository.open(data_dir, SHARDS) as repository:
        assert repository.reminders_for(tg(42))[0].thread_id is None
        profile = repository.get_profile(tg(42))
        assert profile is not None and profile.step == 2 and profile.moved_to is None
        assert repository.load_all() == ([profile], repository.reminders_for(tg(42)))
    assert json.loads((data_dir / "meta.json").read_text())["schema_version"] == SCHEMA_VERSION


OLD_GROUP = -4_100_200_300
NEW_GROUP = -1_004_100_200_300


def _stored_group(repo: Repository) -> None:
    repo.put_profile(
        ChatProfile(OLD_GROUP, is_group=True, tz="Europe/Paris", studied=("2026-05-01",),
                    paused_until="2026-06-01T00:00:00+00:00", nudge_counter=3,
                    snoozed_until="2026-05-02T10:00:00+00:00")
    )  # fmt: skip
    repo.add_reminder(reminder(OLD_GROUP, "r1", last_fired="2026-05-01T16:00:00+00:00"))
    repo.add_reminder(reminder(OLD_GROUP, "r2", thread_id=77))


def test_move_chat_carries_everything_and_a_repeat_changes_nothing(
    repo: Repository, data_dir: Path
) -> None:
    _stored_group(repo)
    before = repo.reminders_for(tg(OLD_GROUP))
    assert repo.move_chat(tg(OLD_GROUP), tg(NEW_GROUP)) == 2
    moved = repo.get_profile(tg(NEW_GROUP))
    assert moved is not None and moved.tz == "Europe/Paris" and moved.studied == ("2026-05-01",)
    assert moved.paused_until and moved.snoozed_until and moved.nudge_counter == 3
    assert repo.reminders_for(tg(NEW_GROUP)) == [replace(r, chat_id=NEW_GROUP) for r in before]
    assert repo.reminders_for(tg(OLD_GROUP)) == []
    assert repo.get_profile(tg(OLD_GROUP)) == ChatProfile(OLD_GROUP, True, moved_to=NEW_GROUP)
    files = snapshot(data_dir)
    assert repo.move_chat(tg(OLD_GROUP), tg(NEW_GROUP)) == 0
    assert snapshot(data_dir) == files


@pytest.mark.parametrize("crash_at_write", [1, 2, 3])
def test_a_move_cut_short_by_a_crash_loses_nothing_and_a_repeat_finishes_it(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, crash_at_write: int
) -> None:
    with Repository.open(data_dir, SHARDS) as repo:
        _stored_group(repo)
        expected = [replace(r, chat_id=NEW_GROUP) for r in repo.reminders_for(tg(OLD_GROUP))]
    real_write = storage.atomic.atomic_write_bytes
    writes = 0

    def crashing_write(path: Path, payload: bytes) -> None:
        nonlocal writes
        writes += 1
        if writes == crash_at_write:
            raise KeyboardInterrupt("power cut")
        real_write(path, payload)

    monkeypatch.setattr(storage.atomic, "atomic_write_bytes", crashing_write)
    with Repository.open(data_dir, SHARDS) as repo, pytest.raises(KeyboardInterrupt):
        repo.move_chat(tg(OLD_GROUP), tg(NEW_GROUP))
    monkeypatch.setattr(storage.atomic, "atomic_write_bytes", real_write)
    with Repository.open(data_dir, SHARDS) as repo:
        profiles, reminders = repo.load_schedule()
        marked = [p for p in profiles if p.moved_to == NEW_GROUP]
        if crash_at_write == 1:  # nothing was written: the move never started
            assert marked == [] and repo.reminders_for(tg(OLD_GROUP))
        else:  # the mark is on disk, so start-up knows to finish the move
            assert [p.chat_id for p in marked] == [OLD_GROUP]
        assert {r.id for r in reminders} == {"r1", "r2"}
        repo.move_chat(tg(OLD_GROUP), tg(NEW_GROUP))
        assert repo.reminders_for(tg(NEW_GROUP)) == expected
        assert repo.reminders_for(tg(OLD_GROUP)) == []
        profile = repo.get_profile(tg(NEW_GROUP))
        assert profile is not None and profile.tz == "Europe/Paris"


def test_an_invalid_record_is_refused_before_anything_is_written(
    repo: Repository, data_dir: Path
) -> None:
    with pytest.raises(ValueError, match="hour must be"):
        repo.add_reminder(reminder(hour=24))
    with pytest.raises(ValueError, match="days must be"):
        repo.add_reminder(reminder(days=frozenset({7})))
    with pytest.raises(ValueError, match="step"):
        repo.put_profile(ChatProfile(42, step="two"))  # type: ignore[arg-type]
    assert list(data_dir.glob("shard-*")) == []


def test_put_replaces_by_id_and_never_resurrects_a_deleted_reminder(repo: Repository) -> None:
    repo.add_reminder(reminder())
    repo.add_reminder(reminder(reminder_id="r2"))
    assert repo.put_reminder(reminder(hour=21, paused=True)) is True
    assert [r.hour for r in repo.reminders_for(tg(42))] == [21, 7]
    assert repo.delete_reminder(tg(42), "r1") is True
    assert repo.put_reminder(reminder(hour=8)) is False
    assert [r.id for r in repo.reminders_for(tg(42))] == ["r2"]


def test_activity_switches_report_how_many_changed(repo: Repository) -> None:
    repo.add_reminder(reminder())
    repo.add_reminder(reminder(reminder_id="r2", active=False))
    assert repo.set_reminders_active(tg(42), False) == 1
    assert repo.set_reminders_active(tg(42), False) == 0
    assert repo.set_reminders_active(tg(42), True) == 2
    assert all(r.active for r in repo.reminders_for(tg(42)))
    assert repo.delete_all_reminders(tg(42)) == 2
    assert repo.reminders_for(tg(42)) == []


def test_record_fired_many_writes_each_touched_shard_once(
    repo: Repository, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    same_shard = [42, 42 + SHARDS, 42 + 2 * SHARDS]
    for chat_id in [*same_shard, 43]:
        repo.add_reminder(reminder(chat_id))
    writes: list[str] = []
    real_write = storage.atomic.atomic_write_bytes

    def counted_write(path: Path, payload: bytes) -> None:
        writes.append(path.name)
        real_write(path, payload)

    monkeypatch.setattr(storage.atomic, "atomic_write_bytes", counted_write)
    fired = "2026-05-01T12:30:00+00:00"
    updates = [(tg(chat_id), "r1", fired) for chat_id in [*same_shard, 43]]
    updates.append((tg(42), "gone", fired))
    assert repo.record_fired_many(updates) == 4
    assert sorted(writes) == sorted({shard_file_name(42 % SHARDS), shard_file_name(43 % SHARDS)})
    assert repo.record_fired(tg(43), "gone", fired) is False
    assert {r.last_fired for r in repo.all_reminders()} == {fired}


def test_counts_follow_changes(repo: Repository) -> None:
    repo.put_profile(ChatProfile(42))
    repo.add_reminder(reminder())
    repo.add_reminder(reminder(reminder_id="r2", paused=True))
    repo.add_reminder(reminder(43, active=False))
    assert repo.counts() == StorageCounts(profiles=1, reminders=3, active_reminders=1)
    repo.delete_all_reminders(tg(42))
    assert repo.counts() == StorageCounts(profiles=1, reminders=1, active_reminders=0)


def test_bulk_load_round_trips_and_replaces_those_chats(repo: Repository, data_dir: Path) -> None:
    repo.add_reminder(reminder(5, "old"))
    profiles = [ChatProfile(chat_id, step=2) for chat_id in range(1, 40)]
    reminders = [reminder(chat_id, f"b{chat_id}") for chat_id in range(1, 40)]
    repo.bulk_load(profiles, reminders)
    assert repo.reminders_for(tg(5)) == [reminder(5, "b5")]
    repo.close()
    with Repository.open(data_dir, cached_shards=1) as reopened:
        assert sorted(reopened.all_profiles(), key=lambda p: p.chat_id) == profiles
        assert sorted(reopened.all_reminders(), key=lambda r: r.chat_id) == reminders
        assert reopened.counts().reminders == 39


def test_evicted_shards_are_read_back_from_disk(data_dir: Path) -> None:
    with Repository.open(data_dir, SHARDS, cached_shards=1) as repository:
        for chat_id in range(SHARDS * 2):
            repository.add_reminder(reminder(chat_id))
        assert [r.chat_id for r in repository.reminders_for(tg(3))] == [3]
        assert repository.counts().reminders == SHARDS * 2


async def test_async_repository_runs_on_one_worker_thread(data_dir: Path) -> None:
    repository = await AsyncRepository.open(data_dir, SHARDS)
    try:
        await repository.put_profile(ChatProfile(42, tz="UTC"))
        await repository.add_reminder(reminder())
        assert await repository.get_profile(tg(42)) == ChatProfile(42, tz="UTC")
        assert await repository.reminders_for(tg(42)) == [reminder()]
        assert await repository.record_fired(tg(42), "r1", "2026-05-01T07:30:00+00:00")
        assert (await repository.counts()).reminders == 1
        workers = await asyncio.gather(*(repository._run(threading.get_ident) for _ in range(5)))
        assert len(set(workers)) == 1
        assert threading.get_ident() not in workers
    finally:
        await repository.close()


async def test_async_close_waits_for_writes_submitted_before_it(data_dir: Path) -> None:
    repository = await AsyncRepository.open(data_dir, SHARDS)
    writes = [repository.add_reminder(reminder(chat_id)) for chat_id in range(40)]
    await asyncio.gather(*writes, repository.close())  # tasks start in order: writes first
    with pytest.raises(StorageError, match="closed"):
        await repository.get_profile(tg(1))
    with Repository.open(data_dir) as reopened:
        assert len(reopened.all_reminders()) == 40


def test_load_schedule_returns_reminders_and_only_paused_or_snoozed_profiles(
    tmp_path: Path,
) -> None:
    with Repository.open(tmp_path / "data", shards=4) as repository:
        repository.put_profile(ChatProfile(chat_id=1))
        repository.put_profile(ChatProfile(chat_id=2, paused_until="2026-12-01T00:00:00+00:00"))
        repository.put_profile(ChatProfile(chat_id=3, snoozed_until="2026-12-01T00:00:00+00:00"))
        repository.add_reminder(
            Reminder(id="aaaa0001", chat_id=1, hour=7, minute=0, days=frozenset({0}), tz="UTC")
        )
        profiles, reminders = repository.load_schedule()
    assert sorted(p.chat_id for p in profiles) == [2, 3]
    assert [r.id for r in reminders] == ["aaaa0001"]
