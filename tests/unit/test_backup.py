"""storage.backup: snapshots round-trip, bad or hostile archives are refused, prune keeps the
newest, and a restore keeps the data it replaces."""

from __future__ import annotations

import io
import json
import os
import shutil
import tarfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.__main__ import data_dir_from_env
from storage.backup import (
    BackupError,
    capture,
    prune,
    restore,
    snapshots,
    write_snapshot,
)
from storage.records import ChatProfile, Reminder
from storage.repository import Repository
from storage.schema import SCHEMA_VERSION

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
NOON = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
SHARDS = 8


def fill(data_dir: Path) -> tuple[list[ChatProfile], list[Reminder]]:
    """Store chats on both platforms in ``data_dir``; return everything it then holds."""
    with Repository.open(data_dir, SHARDS) as repository:
        for chat_id in (7, 8, -100123):
            for platform in ("telegram", "discord"):
                repository.put_profile(
                    ChatProfile(chat_id, tz="Europe/Paris", step=2, platform=platform)
                )
                repository.add_reminder(
                    Reminder("r1", chat_id, 8, 30, frozenset({0, 3}), "UTC", platform=platform)
                )
        return repository.load_all()


def loaded(data_dir: Path) -> tuple[list[ChatProfile], list[Reminder]]:
    with Repository.open(data_dir) as repository:
        return repository.load_all()


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` by relative path (the lock file aside)."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in folder.rglob("*")
        if path.is_file() and path.name != ".lock"
    }


def archive_of(members: list[tuple[tarfile.TarInfo, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for member, content in members:
            member.size = len(content) if member.isfile() else 0
            archive.addfile(member, io.BytesIO(content) if member.isfile() else None)
    return buffer.getvalue()


def entry(name: str, kind: bytes = tarfile.REGTYPE, link: str = "") -> tarfile.TarInfo:
    member = tarfile.TarInfo(name)
    member.type, member.linkname = kind, link
    return member


META = json.dumps({"schema_version": SCHEMA_VERSION, "shards": SHARDS}).encode()


def test_a_snapshot_restores_to_the_same_data(tmp_path: Path) -> None:
    data, backups = tmp_path / "data", tmp_path / "backups"
    stored = fill(data)
    (data / ".shard-0001.json.x1y2.tmp").write_bytes(b"half a write")
    (data / "outbox").mkdir()  # a folder another part of the bot may keep
    (data / "outbox" / "queue.json").write_text("[]")
    (data / "elsewhere.json").symlink_to(tmp_path / "outside.json")
    (tmp_path / "outside.json").write_text("{}")
    snapshot = write_snapshot(data, backups, NOON)

    assert snapshot == backups / "medcoder-data-20261201T120000Z.tar.gz"
    with tarfile.open(snapshot) as archive:
        names = archive.getnames()
    assert "meta.json" in names and "shard-0000.json" in names
    assert "outbox/queue.json" in names and "elsewhere.json" not in names
    assert ".lock" not in names and not [name for name in names if name.endswith(".tmp")]
    assert not [path for path in backups.iterdir() if path != snapshot]

    restored = restore(snapshot, tmp_path / "restored")
    assert restored.previous is None and restored.files == len(names)
    assert loaded(tmp_path / "restored") == stored
    assert (tmp_path / "restored" / "outbox" / "queue.json").read_text() == "[]"


def test_a_snapshot_name_is_in_utc_and_one_second_never_overwrites(tmp_path: Path) -> None:
    data = tmp_path / "data"
    fill(data)
    paris = NOON.astimezone(timezone(timedelta(hours=1)))  # 13:00 in Paris
    first = write_snapshot(data, tmp_path / "b", paris)
    second = write_snapshot(data, tmp_path / "b", NOON)
    assert first.name == "medcoder-data-20261201T120000Z.tar.gz"
    assert second.name == "medcoder-data-20261201T120000Z-2.tar.gz"
    assert snapshots(tmp_path / "b") == [first, second]


def test_restore_keeps_the_data_it_replaces(tmp_path: Path) -> None:
    old, new = tmp_path / "old", tmp_path / "data"
    wanted = fill(old)
    snapshot = write_snapshot(old, tmp_path / "backups", NOON)
    with Repository.open(new, SHARDS) as repository:
        repository.put_profile(ChatProfile(99, tz="Asia/Tokyo"))
    before = tree(new)

    restored = restore(snapshot, new, clock=lambda: NOON + timedelta(hours=1))

    assert restored.previous == tmp_path / "data.before-restore-20261201T130000Z"
    assert tree(restored.previous) == before
    assert loaded(new) == wanted
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "backups",
        "data",
        "data.before-restore-20261201T130000Z",
        "old",
    ]


def test_restore_is_refused_while_the_data_is_in_use(tmp_path: Path) -> None:
    source, data = tmp_path / "source", tmp_path / "data"
    fill(source)
    snapshot = write_snapshot(source, tmp_path / "backups", NOON)
    fill(data)
    before = tree(data)
    with Repository.open(data), pytest.raises(BackupError, match="in use by a running bot"):
        restore(snapshot, data)
    assert tree(data) == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["backups", "data", "source"]


def damaged_by_truncation(snapshot: Path) -> None:
    snapshot.write_bytes(snapshot.read_bytes()[: snapshot.stat().st_size // 2])


def damaged_by_a_flipped_byte(snapshot: Path) -> None:
    payload = bytearray(snapshot.read_bytes())
    payload[len(payload) // 2] ^= 0xFF
    snapshot.write_bytes(bytes(payload))


def replaced_by_text(snapshot: Path) -> None:
    snapshot.write_text("not a snapshot at all")


@pytest.mark.parametrize(
    "damage", [damaged_by_truncation, damaged_by_a_flipped_byte, replaced_by_text]
)
def test_a_damaged_snapshot_is_refused_and_nothing_changes(
    tmp_path: Path, damage: Callable[[Path], None]
) -> None:
    data = tmp_path / "data"
    fill(data)
    snapshot = write_snapshot(data, tmp_path / "backups", NOON)
    damage(snapshot)
    before = tree(data)
    with pytest.raises(BackupError, match="nothing was changed"):
        restore(snapshot, data)
    assert tree(data) == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["backups", "data"]


def test_a_missing_snapshot_is_named(tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="no such file"):
        restore(tmp_path / "nope.tar.gz", tmp_path / "data")
    assert not (tmp_path / "data").exists()


HOSTILE = {
    "parent": [(entry("meta.json"), META), (entry("../escaped.json"), b"{}")],
    "absolute": [(entry("meta.json"), META), (entry("/tmp/escaped.json"), b"{}")],
    "symlink": [(entry("meta.json"), META), (entry("shard-0000.json", tarfile.SYMTYPE, "/"), b"")],
    "hardlink": [(entry("meta.json"), META), (entry("x", tarfile.LNKTYPE, "meta.json"), b"")],
    "device": [(entry("meta.json"), META), (entry("null", tarfile.CHRTYPE), b"")],
    "fifo": [(entry("meta.json"), META), (entry("pipe", tarfile.FIFOTYPE), b"")],
    "duplicate": [(entry("meta.json"), META), (entry("meta.json"), b"{}")],
    "no meta": [(entry("shard-0000.json"), b"{}")],
}


@pytest.mark.parametrize("members", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_archive_is_refused_before_anything_is_written(
    tmp_path: Path, members: list[tuple[tarfile.TarInfo, bytes]]
) -> None:
    box = tmp_path / "box"  # the data folder's parent: nothing may appear beside it
    data = box / "data"
    fill(data)
    before = tree(box)
    snapshot = tmp_path / "hostile.tar.gz"
    snapshot.write_bytes(archive_of(members))
    with pytest.raises(BackupError, match="refused"):
        restore(snapshot, data)
    assert tree(box) == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["box", "hostile.tar.gz"]


def test_a_snapshot_whose_records_do_not_load_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    fill(data)
    bad_record = {"telegram.profiles": {"8": {"tz": 12}}}  # 8 % 8 == 0: the right shard
    snapshot = tmp_path / "bad.tar.gz"
    snapshot.write_bytes(
        archive_of(
            [
                (entry("meta.json"), META),
                (entry("shard-0000.json"), json.dumps(bad_record).encode()),
            ]
        )
    )
    before = tree(data)
    with pytest.raises(BackupError, match=r"does not load.*shard-0000\.json"):
        restore(snapshot, data)
    assert tree(data) == before


def test_an_older_schema_snapshot_is_restored_as_it_is_and_migrates_at_start(
    tmp_path: Path,
) -> None:
    old = tmp_path / "v2"
    shutil.copytree(FIXTURES / "storage_v2", old)
    snapshot = write_snapshot(old, tmp_path / "backups", NOON)
    data = tmp_path / "data"
    restore(snapshot, data)
    assert tree(data) == tree(old)  # the bot migrates it (with its own backup) when it opens
    assert sorted(path.name for path in tmp_path.iterdir()) == ["backups", "data", "v2"]


def test_a_failed_write_leaves_no_file_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data, backups = tmp_path / "data", tmp_path / "backups"
    fill(data)

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(BackupError, match="No space left"):
        write_snapshot(data, backups, NOON)
    assert list(backups.iterdir()) == []


def test_the_backup_folder_may_not_be_inside_the_data_folder(tmp_path: Path) -> None:
    data = tmp_path / "data"
    fill(data)
    with pytest.raises(BackupError, match="inside DATA_DIR"):
        write_snapshot(data, data / "backups", NOON)


def test_capture_refuses_a_folder_that_is_not_a_data_directory(tmp_path: Path) -> None:
    with pytest.raises(BackupError, match=r"no meta\.json"):
        capture(tmp_path)


def test_prune_keeps_the_newest_and_touches_nothing_else(tmp_path: Path) -> None:
    data, backups = tmp_path / "data", tmp_path / "backups"
    fill(data)
    hours = [5, 1, 9, 3, 9]  # written out of order; two in the same second
    written = [write_snapshot(data, backups, NOON + timedelta(hours=h)) for h in hours]
    (backups / "notes.txt").write_text("the operator's own file")
    (backups / ".medcoder-data-abc.tmp").write_bytes(b"a crashed write")

    removed = prune(backups, keep=2)

    newest = [written[2], written[4]]  # 21:00:00Z, then 21:00:00Z-2
    assert sorted(removed) == sorted(written[i] for i in (0, 1, 3))
    assert snapshots(backups) == newest
    assert sorted(path.name for path in backups.iterdir()) == sorted(
        [*(path.name for path in newest), "notes.txt"]
    )
    assert prune(backups, keep=2) == []
    with pytest.raises(ValueError, match="at least 1"):
        prune(backups, keep=0)


def test_the_restore_command_reads_data_dir_like_the_bot_without_a_token(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("DATA_DIR=/srv/from-dotenv\nTELEGRAM_BOT_TOKEN=\n")
    assert data_dir_from_env({}, env_file) == Path("/srv/from-dotenv")
    assert data_dir_from_env({"DATA_DIR": "/srv/env"}, env_file) == Path("/srv/env")
    assert data_dir_from_env({"DATA_DIR": " "}, env_file) == Path("data")  # blank: the default
    assert data_dir_from_env({}, tmp_path / "missing.env") == Path("data")
