"""AtomicJSONStorage: cached reads, atomic durable writes, damaged files never overwritten."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tinydb import TinyDB

import storage.atomic
from storage.atomic import AtomicJSONStorage, remove_stale_temp_files
from storage.errors import StorageError


def open_db(path: Path) -> TinyDB:
    return TinyDB(path, storage=AtomicJSONStorage)


def atomic_storage(db: TinyDB) -> AtomicJSONStorage:
    """The storage of a database made by open_db (TinyDB types it as a plain Storage)."""
    assert isinstance(db.storage, AtomicJSONStorage)
    return db.storage


def test_missing_file_reads_as_empty_and_is_created_on_first_write(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    db = open_db(path)
    assert db.table("t").all() == []
    assert not path.exists()
    db.table("t").insert({"a": 1})
    assert json.loads(path.read_text()) == {"t": {"1": {"a": 1}}}


def test_a_new_instance_reads_back_what_was_written(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    open_db(path).table("t").insert({"name": "Zoë", "days": [0, 6]})
    assert open_db(path).table("t").all() == [{"name": "Zoë", "days": [0, 6]}]


def test_reads_after_the_first_come_from_memory(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    db = open_db(path)
    db.table("t").insert({"a": 1})
    path.write_text('{"t": {}}')  # changed behind the storage's back
    assert db.table("t").all() == [{"a": 1}]
    atomic_storage(db).drop_cache()
    assert db.table("t").all() == []


@pytest.mark.parametrize(
    "content", [b'{"t": {"1": ', b"", b"[1, 2]", b"\xff\xfe not utf-8"], ids=str
)
def test_a_damaged_file_is_refused_and_never_overwritten(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "db.json"
    path.write_bytes(content)
    db = open_db(path)
    with pytest.raises(StorageError, match=str(path)):
        db.table("t").all()
    with pytest.raises(StorageError, match="left untouched"):
        db.table("t").insert({"a": 1})
    assert path.read_bytes() == content
    assert list(tmp_path.iterdir()) == [path]


def test_temp_files_of_a_crashed_writer_are_ignored_then_cleaned(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    open_db(path).table("t").insert({"a": 1})
    stale = tmp_path / ".db.json.abc123.tmp"
    stale.write_text('{"t": {"1": {"a": "torn')
    assert open_db(path).table("t").all() == [{"a": 1}]
    assert remove_stale_temp_files(tmp_path) == [stale]
    assert sorted(tmp_path.iterdir()) == [path]


def test_a_write_leaves_no_temp_file(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    db = open_db(path)
    for n in range(5):
        db.table("t").insert({"n": n})
    assert sorted(tmp_path.iterdir()) == [path]


def test_a_failed_write_drops_the_cache_so_memory_matches_the_disk(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    db = open_db(path)
    db.table("t").insert({"a": 1})
    with pytest.raises(TypeError):
        db.table("t").insert({"b": object()})  # cannot be encoded as JSON
    assert db.table("t").all() == [{"a": 1}]
    assert sorted(tmp_path.iterdir()) == [path]


def test_a_batch_writes_the_file_once_when_it_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "db.json"
    db = open_db(path)
    db.table("t").insert({"n": 0})
    writes: list[Path] = []
    real_write = storage.atomic.atomic_write_bytes

    def recording_write(target: Path, payload: bytes) -> None:
        writes.append(target)
        real_write(target, payload)

    monkeypatch.setattr(storage.atomic, "atomic_write_bytes", recording_write)
    with atomic_storage(db).batch():
        for n in range(1, 4):
            db.table("t").insert({"n": n})
        assert len(json.loads(path.read_text())["t"]) == 1  # not on disk yet
    assert writes == [path]
    assert len(open_db(path).table("t")) == 4


def test_a_batch_that_fails_writes_nothing_and_forgets_its_changes(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    db = open_db(path)
    db.table("t").insert({"n": 0})
    before = path.read_bytes()
    with pytest.raises(RuntimeError), atomic_storage(db).batch():
        db.table("t").insert({"n": 1})
        raise RuntimeError("boom")
    assert path.read_bytes() == before
    assert db.table("t").all() == [{"n": 0}]
