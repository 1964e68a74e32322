"""Bring an older data directory to the current schema at start-up, crash-safe, with a backup.

Schema version 3 keys every chat by (platform, id): a shard file holds one profiles and one
reminders table per platform (``telegram.profiles``, ``telegram.reminders``, ...), where
versions 1 and 2 had one ``profiles`` and one ``reminders`` table of Telegram chats. Telegram
chats keep their shard (``id mod shards``), so each shard file converts on its own.

The steps, each durable before the next (the data directory is locked throughout):

1. write ``migration.json`` naming the backup, ``<DATA_DIR>.v<N>-backup-<UTC time>``;
2. copy the directory there (into a ``.partial`` folder first, renamed when every file is
   on disk; a restart that finds the backup complete reuses it, else copies again);
3. rewrite each shard file in the new layout, one atomic write per file (a file already in
   the new layout is left alone, so a restart skips the shards done before a crash);
4. write ``meta.json`` with the new version, then delete ``migration.json``.

Killed at any point, the next start either starts over (no marker, or no complete backup
yet: the shards are untouched) or finishes (marker and backup present); a repeat on a
finished directory changes nothing.
A record that does not decode stops the migration with a StorageError naming it; the file is
never overwritten.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from storage import atomic
from storage.atomic import TEMP_SUFFIX, fsync_directory, read_json_object
from storage.codec import (
    RecordError,
    decode_profile,
    decode_reminder,
    encode_profile,
    encode_reminder,
)
from storage.records import TELEGRAM, ChatKey
from storage.schema import SCHEMA_VERSION, StorageMeta, shard_file_name, shard_files, write_meta
from storage.shards import (
    LOCK_FILE_NAME,
    PROFILES_TABLE,
    REMINDERS_TABLE,
    TABLE_NAMES,
    damaged,
    shard_index,
    table_name,
)

log = logging.getLogger(__name__)

MIGRATION_FILE_NAME = "migration.json"
PARTIAL_SUFFIX = ".partial"
ITEMS_KEY = "items"
# Versions 1 and 2: one table per kind, every chat a Telegram chat.
LEGACY_TABLES = frozenset({PROFILES_TABLE, REMINDERS_TABLE})

Clock = Callable[[], datetime]


def migrate_if_needed(
    data_dir: Path, meta: StorageMeta, *, clock: Clock | None = None
) -> StorageMeta:
    """Migrate ``data_dir`` if ``meta`` is older than this bot; tidy a finished migration.

    The caller holds the directory's lock. Returns the meta the directory has now.
    """
    marker = data_dir / MIGRATION_FILE_NAME
    if meta.schema_version >= SCHEMA_VERSION:
        if marker.exists():  # the crash came after meta.json was written: only tidy up
            marker.unlink()
            fsync_directory(data_dir)
        return meta
    return migrate(data_dir, meta, clock=clock)


def migrate(data_dir: Path, meta: StorageMeta, *, clock: Clock | None = None) -> StorageMeta:
    """Back ``data_dir`` up beside itself and rewrite it at SCHEMA_VERSION (see the module)."""
    backup = _resume_or_back_up(data_dir, meta, clock or _utc_now)
    converted = 0
    for index, path in shard_files(data_dir):
        converted += convert_shard(path, index, meta.shards)
    current = StorageMeta(schema_version=SCHEMA_VERSION, shards=meta.shards)
    write_meta(data_dir, current)
    (data_dir / MIGRATION_FILE_NAME).unlink()
    fsync_directory(data_dir)
    log.warning(
        "data directory migrated from schema version %d to %d (%d shard files rewritten); "
        "the untouched copy is kept at %s: delete it once the bot runs well",
        meta.schema_version,
        SCHEMA_VERSION,
        converted,
        backup,
    )
    return current


def convert_shard(path: Path, index: int, shards: int) -> bool:
    """Rewrite one version 1 or 2 shard file in the version 3 layout; False if already done.

    Every record is decoded (so a damaged one stops here, naming it) and written back whole:
    version 1 records gain the fields version 2 added.
    """
    document = read_json_object(path)
    if document is None or (document.keys() <= TABLE_NAMES and document.keys()):
        return False
    if not document.keys() <= LEGACY_TABLES:
        unknown = sorted(document.keys() - LEGACY_TABLES)
        raise damaged(path, f"unknown tables {unknown} in a schema version 2 shard")
    converted: dict[str, dict[str, Any]] = {}
    profiles = _table(path, document, PROFILES_TABLE)
    if profiles:
        converted[table_name(TELEGRAM, PROFILES_TABLE)] = {
            doc_id: encode_profile(
                _decode(path, PROFILES_TABLE, doc_id, record, index, shards, decode_profile)
            )
            for doc_id, record in profiles.items()
        }
    reminders = _table(path, document, REMINDERS_TABLE)
    if reminders:
        converted[table_name(TELEGRAM, REMINDERS_TABLE)] = {
            doc_id: {ITEMS_KEY: _convert_items(path, doc_id, record, index, shards)}
            for doc_id, record in reminders.items()
        }
    payload = json.dumps(converted, ensure_ascii=False, separators=(",", ":"))
    atomic.atomic_write_bytes(path, payload.encode("utf-8"))
    return True


def backup_name(data_dir: Path, from_version: int, now: datetime) -> Path:
    """Where the copy of ``data_dir`` taken before migrating from ``from_version`` goes."""
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    base = data_dir.with_name(f"{data_dir.name}.v{from_version}-backup-{stamp}")
    candidate, number = base, 1
    while candidate.exists() or _partial(candidate).exists():
        candidate = base.with_name(f"{base.name}-{number}")
        number += 1
    return candidate


def copy_durably(source: Path, target: Path) -> None:
    """Copy one file and fsync the copy (the backup must be on disk before step 2)."""
    shutil.copyfile(source, target)
    fd = os.open(target, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _resume_or_back_up(data_dir: Path, meta: StorageMeta, clock: Clock) -> Path:
    """Return the finished backup of ``data_dir``, taking it unless a previous try did."""
    marker_path = data_dir / MIGRATION_FILE_NAME
    marker = read_json_object(marker_path)
    for stale in data_dir.parent.glob(f"{data_dir.name}.v*-backup-*{PARTIAL_SUFFIX}"):
        shutil.rmtree(stale)  # a copy a crash cut short; the directory itself is untouched
    if marker is not None:
        name = marker.get("backup")
        if marker.get("from_version") != meta.schema_version or type(name) is not str:
            raise damaged(marker_path, "not a migration marker this bot wrote")
        backup = data_dir.with_name(name)
        if backup.is_dir():
            log.warning("finishing the migration of %s cut short earlier", data_dir)
            return backup
    else:
        backup = backup_name(data_dir, meta.schema_version, clock())
        payload = {"from_version": meta.schema_version, "backup": backup.name}
        atomic.atomic_write_bytes(marker_path, json.dumps(payload, indent=2).encode("utf-8"))
    # No shard has been rewritten yet (that starts once the backup exists): copy them all.
    log.warning(
        "data directory %s has schema version %d; copying it to %s before migrating to %d",
        data_dir,
        meta.schema_version,
        backup,
        SCHEMA_VERSION,
    )
    partial = _partial(backup)
    partial.mkdir()
    for source in sorted(data_dir.iterdir()):
        if source.is_file() and not _skipped(source.name):
            copy_durably(source, partial / source.name)
    fsync_directory(partial)
    os.replace(partial, backup)
    fsync_directory(backup.parent)
    return backup


def _skipped(name: str) -> bool:
    return name in (LOCK_FILE_NAME, MIGRATION_FILE_NAME) or (
        name.startswith(".") and name.endswith(TEMP_SUFFIX)
    )


def _partial(backup: Path) -> Path:
    return backup.with_name(backup.name + PARTIAL_SUFFIX)


def _table(path: Path, document: dict[str, Any], name: str) -> dict[str, Any]:
    table = document.get(name, {})
    if type(table) is not dict:
        raise damaged(path, f"table {name!r} is not an object")
    return table


def _chat(path: Path, kind: str, doc_id: str, index: int, shards: int) -> ChatKey:
    try:
        chat_id = int(doc_id)
    except ValueError:
        chat_id = None
    if chat_id is None or str(chat_id) != doc_id:
        raise damaged(path, f"{kind} record id {doc_id!r} is not a chat id")
    chat = ChatKey(TELEGRAM, chat_id)
    if shard_index(chat, shards) != index:
        home = shard_file_name(shard_index(chat, shards))
        raise damaged(path, f"{kind} record {chat_id} belongs in {home} with {shards} shards")
    return chat


def _decode(
    path: Path,
    kind: str,
    doc_id: str,
    record: Any,
    index: int,
    shards: int,
    decode: Callable[[str, int, Any], Any],
) -> Any:
    chat = _chat(path, kind, doc_id, index, shards)
    try:
        return decode(chat.platform, chat.id, record)
    except RecordError as error:
        raise damaged(path, f"{kind} record {chat.id}: {error}") from None


def _convert_items(
    path: Path, doc_id: str, record: Any, index: int, shards: int
) -> list[dict[str, Any]]:
    items = record.get(ITEMS_KEY) if isinstance(record, dict) else None
    if type(items) is not list or record.keys() != {ITEMS_KEY}:
        raise damaged(path, f"{REMINDERS_TABLE} record {doc_id}: expected {{'items': [...]}}")
    decoded = [
        _decode(path, REMINDERS_TABLE, doc_id, item, index, shards, decode_reminder)
        for item in items
    ]
    return [encode_reminder(reminder) for reminder in decoded]


def _utc_now() -> datetime:
    return datetime.now(UTC)
