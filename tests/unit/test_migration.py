"""Schema version 3: chats keyed by (platform, id), and the start-up migration from 1 and 2.

``tests/fixtures/storage_v2`` is a data directory written by the version-2 Repository
(8 shards): a private chat with two reminders, a forum group with a snoozed topic, a blocked
and paused chat, a group that moved (``moved_to``) and a chat with only a reminder.
"""

from __future__ import annotations

import json
import shutil
import zlib
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

import storage.atomic
import storage.migration
from storage.errors import StorageError
from storage.migration import MIGRATION_FILE_NAME, backup_name
from storage.records import ChatKey, ChatProfile, Reminder
from storage.repository import Repository
from storage.schema import SCHEMA_VERSION
from storage.shards import shard_index

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "storage_v2"
SHARDS = 8
GROUP = -1001234567890


def tg(chat_id: int) -> ChatKey:
    """A Telegram chat's key."""
    return ChatKey("telegram", chat_id)


def discord(chat_id: int) -> ChatKey:
    """A Discord channel's key."""
    return ChatKey("discord", chat_id)


EXPECTED_PROFILES = [
    ChatProfile(
        101, tz="Europe/Madrid", step=3, studied=("2025-03-01", "2025-03-02"), nudge_counter=4
    ),
    ChatProfile(109, paused_until="2025-04-01T00:00:00+00:00", blocked=True),
    ChatProfile(-555, is_group=True, moved_to=GROUP),
    ChatProfile(
        GROUP,
        is_group=True,
        tz="America/New_York",
        snoozed_until="2025-03-04T12:00:00+00:00",
        snoozed_thread=77,
    ),
]
EXPECTED_REMINDERS = [
    Reminder(
        "r101a",
        101,
        7,
        30,
        frozenset({0, 2, 4}),
        "Europe/Madrid",
        last_fired="2025-03-03T06:30:00+00:00",
    ),
    Reminder("r101b", 101, 21, 0, frozenset(range(7)), "Europe/Madrid", paused=True),
    Reminder("r109", 109, 8, 15, frozenset({1}), "UTC", active=False),
    Reminder("r117", 117, 12, 0, frozenset({6}), "Asia/Tokyo"),
    Reminder("g1", GROUP, 9, 0, frozenset({5}), "America/New_York", thread_id=77),
]


@pytest.fixture
def v2_dir(tmp_path: Path) -> Path:
    """A fresh copy of the version-2 fixture directory."""
    target = tmp_path / "data"
    shutil.copytree(FIXTURE, target)
    return target


def snapshot(directory: Path) -> dict[str, bytes]:
    """Every file of ``directory`` (but the lock) by name."""
    return {
        path.name: path.read_bytes()
        for path in sorted(directory.iterdir())
        if path.is_file() and path.name != ".lock"
    }


def backups(data_dir: Path) -> list[Path]:
    """The backups beside ``data_dir`` (complete or not)."""
    return sorted(data_dir.parent.glob(f"{data_dir.name}.v*-backup-*"))


def stored(data_dir: Path) -> tuple[list[ChatProfile], list[Reminder]]:
    """Everything in ``data_dir``, sorted the same way whatever the shard order."""
    with Repository.open(data_dir) as repository:
        profiles, reminders = repository.load_all()
    return sorted(profiles, key=str), sorted(reminders, key=lambda r: r.id)


# ----- keys -------------------------------------------------------------------------------


def test_a_chat_key_names_platform_and_id_and_differs_across_platforms() -> None:
    assert str(tg(42)) == "telegram:42"
    assert tg(42) != discord(42)
    assert len({tg(42), discord(42), tg(42)}) == 2


def test_the_shard_comes_from_the_key_and_is_stable() -> None:
    # Telegram keeps the version-2 placement; others hash "platform:id" with CRC-32
    # (the same in every process, unlike hash() of a string).
    assert shard_index(tg(-1001234567890), 1024) == -1001234567890 % 1024
    assert shard_index(discord(7), 1024) == zlib.crc32(b"discord:7") % 1024
    snowflakes = [1_180_000_000_000_000_000 + 4_194_304 * n for n in range(4096)]
    used = {shard_index(discord(snowflake), 1024) for snowflake in snowflakes}
    assert len(used) > 900  # ids that differ only in their timestamp bits still spread


def test_two_chats_with_one_id_on_two_platforms_stay_apart(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with Repository.open(data_dir, SHARDS) as repository:
        repository.put_profile(ChatProfile(7, tz="UTC", step=2))
        repository.put_profile(ChatProfile(7, tz="Asia/Tokyo", step=5, platform="discord"))
        repository.add_reminder(Reminder("t", 7, 9, 0, frozenset({0}), "UTC"))
        repository.add_reminder(  # the same schedule is no duplicate on another platform
            Reminder("d", 7, 9, 0, frozenset({0}), "UTC", platform="discord")
        )
        assert repository.delete_all_reminders(discord(7)) == 1
        repository.add_reminder(
            Reminder("d2", 7, 10, 0, frozenset({1}), "UTC", platform="discord")
        )
        assert [r.id for r in repository.reminders_for(tg(7))] == ["t"]
        assert repository.counts().profiles == 2
    with Repository.open(data_dir) as repository:
        telegram, other = repository.get_profile(tg(7)), repository.get_profile(discord(7))
        assert telegram is not None and (telegram.tz, telegram.platform) == ("UTC", "telegram")
        assert other is not None and (other.tz, other.platform) == ("Asia/Tokyo", "discord")
        assert [(r.id, r.key) for r in repository.reminders_for(discord(7))] == [
            ("d2", discord(7))
        ]
        _, reminders = repository.load_all()
        assert sorted((r.key, r.id) for r in reminders) == [
            (discord(7), "d2"),
            (tg(7), "t"),
        ]


def test_a_shard_file_holds_each_platforms_tables(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with Repository.open(data_dir, 1) as repository:
        repository.put_profile(ChatProfile(7))
        repository.add_reminder(Reminder("d", 7, 9, 0, frozenset({0}), "UTC", platform="discord"))
    document = json.loads((data_dir / "shard-0000.json").read_text())
    assert set(document) == {"telegram.profiles", "discord.reminders"}
    assert set(document["discord.reminders"]) == {"7"}


def test_a_chat_is_refused_unless_it_is_a_known_platforms_key(tmp_path: Path) -> None:
    with Repository.open(tmp_path / "data", SHARDS) as repository:
        for bad in (7, ("telegram", 7), ChatKey("matrix", 7), ChatKey("telegram", "7")):  # type: ignore[arg-type]
            with pytest.raises(ValueError, match="ChatKey"):
                repository.reminders_for(bad)  # type: ignore[arg-type]


def test_a_move_stays_on_its_platform(tmp_path: Path) -> None:
    with Repository.open(tmp_path / "data", SHARDS) as repository:
        with pytest.raises(ValueError, match="another platform"):
            repository.move_chat(tg(-5), discord(-100))
        repository.add_reminder(Reminder("d", -5, 9, 0, frozenset({0}), "UTC", platform="discord"))
        assert repository.move_chat(discord(-5), discord(-100)) == 1
        assert [r.key for r in repository.reminders_for(discord(-100))] == [discord(-100)]
        moved = repository.get_profile(discord(-5))
        assert moved is not None and moved.moved_to == -100 and moved.platform == "discord"


def test_a_record_in_the_wrong_platforms_shard_is_refused(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    Repository.open(data_dir, SHARDS).close()
    home = shard_index(discord(7), SHARDS)
    wrong = (home + 1) % SHARDS
    record = {"items": [{"id": "d", "hour": 9, "minute": 0, "days": [0], "tz": "UTC"}]}
    path = data_dir / f"shard-{wrong:04d}.json"
    path.write_text(json.dumps({"discord.reminders": {"7": record}}))
    with Repository.open(data_dir) as repository, pytest.raises(StorageError, match="belongs"):
        repository.load_all()
    assert json.loads(path.read_text()) == {"discord.reminders": {"7": record}}


# ----- migration --------------------------------------------------------------------------


def test_a_version_2_directory_is_backed_up_then_migrated(v2_dir: Path) -> None:
    before = snapshot(v2_dir)
    profiles, reminders = stored(v2_dir)
    assert profiles == sorted(EXPECTED_PROFILES, key=str)
    assert reminders == sorted(EXPECTED_REMINDERS, key=lambda r: r.id)
    [backup] = backups(v2_dir)
    assert backup.name.startswith("data.v2-backup-") and backup.name.endswith("Z")
    assert snapshot(backup) == before  # the untouched copy
    meta = json.loads((v2_dir / "meta.json").read_text())
    assert meta == {"schema_version": SCHEMA_VERSION, "shards": SHARDS}
    assert not (v2_dir / MIGRATION_FILE_NAME).exists()
    for path in v2_dir.glob("shard-*.json"):
        assert set(json.loads(path.read_text())) <= {"telegram.profiles", "telegram.reminders"}
    with Repository.open(v2_dir) as repository:
        group = repository.get_profile(tg(GROUP))
        assert group is not None and group.snoozed_thread == 77
        assert repository.get_profile(discord(GROUP)) is None


def test_a_migrated_directory_is_left_alone_on_the_next_start(v2_dir: Path) -> None:
    Repository.open(v2_dir).close()
    after = snapshot(v2_dir)
    Repository.open(v2_dir).close()
    assert snapshot(v2_dir) == after
    assert len(backups(v2_dir)) == 1


def test_a_version_1_directory_migrates_and_gains_the_newer_fields(v2_dir: Path) -> None:
    for path in v2_dir.glob("shard-*.json"):
        document = json.loads(path.read_text())
        for doc_id, profile in document.get("profiles", {}).items():
            document["profiles"][doc_id] = {
                name: value
                for name, value in profile.items()
                if name not in ("snoozed_thread", "moved_to")
            }
        for chat in document.get("reminders", {}).values():
            chat["items"] = [
                {name: value for name, value in item.items() if name != "thread_id"}
                for item in chat["items"]
            ]
        path.write_text(json.dumps(document))
    (v2_dir / "meta.json").write_text('{"schema_version": 1, "shards": 8}')
    profiles, reminders = stored(v2_dir)
    assert [b.name.startswith("data.v1-backup-") for b in backups(v2_dir)] == [True]
    v1_profiles = [p for p in EXPECTED_PROFILES if p.moved_to is None]
    assert all(p.moved_to is None and p.snoozed_thread is None for p in profiles)
    assert {p.chat_id for p in profiles} == {p.chat_id for p in EXPECTED_PROFILES}
    assert {(p.chat_id, p.step, p.tz) for p in v1_profiles} <= {
        (p.chat_id, p.step, p.tz) for p in profiles
    }
    assert [(r.id, r.thread_id) for r in reminders] == [
        ("g1", None),
        ("r101a", None),
        ("r101b", None),
        ("r109", None),
        ("r117", None),
    ]
    for path in v2_dir.glob("shard-*.json"):
        for table in json.loads(path.read_text()).get("telegram.reminders", {}).values():
            assert all("thread_id" in item for item in table["items"])


class PowerCut(BaseException):
    """Raised in place of one durable write, as a crash would stop the process there."""


def _counting(monkeypatch: pytest.MonkeyPatch, cut_at: int | None) -> Callable[[], int]:
    """Make every migration write (backup copies, atomic writes) count; fail write ``cut_at``.

    Returns how many writes were made so far."""
    count = 0
    real_copy, real_write = storage.migration.copy_durably, storage.atomic.atomic_write_bytes

    def step() -> None:
        nonlocal count
        count += 1
        if count == cut_at:
            raise PowerCut(f"write {count}")

    def copy(source: Path, target: Path) -> None:
        step()
        real_copy(source, target)

    def write(path: Path, payload: bytes) -> None:
        step()
        real_write(path, payload)

    monkeypatch.setattr(storage.migration, "copy_durably", copy)
    monkeypatch.setattr(storage.atomic, "atomic_write_bytes", write)
    return lambda: count


def test_every_write_of_the_migration_is_counted(
    v2_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writes = _counting(monkeypatch, None)
    Repository.open(v2_dir).close()
    # 3 files copied, the marker, 2 shard files, meta.json
    assert writes() == 3 + 1 + 2 + 1


@pytest.mark.parametrize("cut_at", range(1, 8))
def test_a_migration_cut_at_any_write_is_finished_by_the_next_start(
    v2_dir: Path, monkeypatch: pytest.MonkeyPatch, cut_at: int
) -> None:
    before = snapshot(v2_dir)
    with monkeypatch.context() as patched:
        _counting(patched, cut_at)
        with pytest.raises(PowerCut):
            Repository.open(v2_dir)
    assert stored(v2_dir) == (
        sorted(EXPECTED_PROFILES, key=str),
        sorted(EXPECTED_REMINDERS, key=lambda r: r.id),
    )
    complete = [b for b in backups(v2_dir) if not b.name.endswith(".partial")]
    assert [snapshot(b) for b in complete] == [before]  # exactly one backup, the original
    assert not [b for b in backups(v2_dir) if b.name.endswith(".partial")]
    assert not (v2_dir / MIGRATION_FILE_NAME).exists()
    assert json.loads((v2_dir / "meta.json").read_text())["schema_version"] == SCHEMA_VERSION


def test_a_marker_left_after_meta_was_written_is_tidied(v2_dir: Path) -> None:
    Repository.open(v2_dir).close()
    after = snapshot(v2_dir)
    (v2_dir / MIGRATION_FILE_NAME).write_text('{"from_version": 2, "backup": "gone"}')
    Repository.open(v2_dir).close()
    assert snapshot(v2_dir) == after


def test_a_damaged_record_stops_the_migration_and_its_file_is_untouched(v2_dir: Path) -> None:
    path = v2_dir / "shard-0006.json"
    document = json.loads(path.read_text())
    document["reminders"][str(GROUP)]["items"][0]["hour"] = 99
    path.write_text(json.dumps(document))
    damaged = path.read_bytes()
    with pytest.raises(StorageError, match="hour must be an integer"):
        Repository.open(v2_dir)
    assert path.read_bytes() == damaged
    assert json.loads((v2_dir / "meta.json").read_text())["schema_version"] == 2
    assert len(backups(v2_dir)) == 1
    document["reminders"][str(GROUP)]["items"][0]["hour"] = 9  # the operator fixes it
    path.write_text(json.dumps(document))
    assert stored(v2_dir)[1] == sorted(EXPECTED_REMINDERS, key=lambda r: r.id)
    assert len(backups(v2_dir)) == 1  # the restart reused the first backup


def test_backup_names_never_collide(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    now = datetime(2026, 5, 1, 12, 0, 0, tzinfo=UTC)
    first = backup_name(data_dir, 2, now)
    assert first.name == "data.v2-backup-20260501T120000Z"
    first.mkdir()
    assert backup_name(data_dir, 2, now).name == "data.v2-backup-20260501T120000Z-1"
