"""The data directory's meta file: schema version and the fixed shard count."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from storage.atomic import atomic_write_bytes, read_json_object
from storage.errors import StorageError

# 2 added reminders' forum topic and profiles' snoozed topic and moved_to; version 1 records
# still load as they are (the new fields read as null), so upgrading only rewrites meta.json.
SCHEMA_VERSION = 2
META_FILE_NAME = "meta.json"
SHARD_FILE_PATTERN = re.compile(r"shard-(\d{4})\.json")
MAX_SHARDS = 10_000


@dataclass(frozen=True, slots=True)
class StorageMeta:
    """What the meta file says about the data directory."""

    schema_version: int
    shards: int


def shard_file_name(index: int) -> str:
    """Return the file name of shard ``index``."""
    return f"shard-{index:04d}.json"


def load_or_create_meta(data_dir: Path, shards: int) -> StorageMeta:
    """Read ``meta.json``, or write it for a new directory; refuse anything it cannot trust."""
    if not 1 <= shards < MAX_SHARDS:
        raise ValueError(f"shards must be 1..{MAX_SHARDS - 1}, got {shards}")
    meta_path = data_dir / META_FILE_NAME
    document = read_json_object(meta_path)
    shard_indexes = _existing_shard_indexes(data_dir)
    if document is None:
        if shard_indexes:
            raise StorageError(
                f"{meta_path}: missing although shard files exist, so the shard count is "
                "unknown; restore meta.json from a backup (never guess the shard count)"
            )
        meta = StorageMeta(schema_version=SCHEMA_VERSION, shards=shards)
        _write_meta(meta_path, meta)
        return meta
    meta = _parse_meta(meta_path, document)
    strays = sorted(index for index in shard_indexes if index >= meta.shards)
    if strays:
        raise StorageError(
            f"{meta_path}: says {meta.shards} shards but {shard_file_name(strays[0])} exists; "
            "meta.json does not belong to these shard files; restore the matching meta.json"
        )
    if meta.schema_version < SCHEMA_VERSION:
        meta = StorageMeta(schema_version=SCHEMA_VERSION, shards=meta.shards)
        _write_meta(meta_path, meta)
    return meta


def _write_meta(meta_path: Path, meta: StorageMeta) -> None:
    payload = {"schema_version": meta.schema_version, "shards": meta.shards}
    atomic_write_bytes(meta_path, json.dumps(payload, indent=2).encode("utf-8"))


def _parse_meta(meta_path: Path, document: dict[str, object]) -> StorageMeta:
    version = document.get("schema_version")
    shards = document.get("shards")
    if type(version) is not int or version < 1:
        raise StorageError(
            f"{meta_path}: schema_version is {version!r}, which no version of this bot wrote; "
            "restore meta.json from a backup"
        )
    if version > SCHEMA_VERSION:
        raise StorageError(
            f"{meta_path}: schema_version {version} is newer than this bot understands "
            f"({SCHEMA_VERSION}); run the newer bot version or restore a backup of the data"
        )
    if type(shards) is not int or not 1 <= shards < MAX_SHARDS:
        raise StorageError(
            f"{meta_path}: shards is {shards!r}, not a shard count 1..{MAX_SHARDS - 1}; "
            "restore meta.json from a backup"
        )
    return StorageMeta(schema_version=version, shards=shards)


def _existing_shard_indexes(data_dir: Path) -> list[int]:
    indexes = []
    for path in data_dir.iterdir():
        match = SHARD_FILE_PATTERN.fullmatch(path.name)
        if match:
            indexes.append(int(match.group(1)))
    return indexes
