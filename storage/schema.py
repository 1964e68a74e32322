"""The data directory's meta file: schema version and the fixed shard count."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from storage import atomic
from storage.atomic import read_json_object
from storage.errors import StorageError

# 2 added reminders' forum topic and profiles' snoozed topic and moved_to.
# 3 keys every chat by (platform, id): each platform has its own tables in a shard file.
# Older directories are migrated at start-up by storage.migration.
SCHEMA_VERSION = 3
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
    """Read ``meta.json``, or write it for a new directory; refuse anything it cannot trust.

    An older schema version is returned as it is: the caller migrates the directory.
    """
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
        write_meta(data_dir, meta)
        return meta
    meta = _parse_meta(meta_path, document)
    strays = sorted(index for index in shard_indexes if index >= meta.shards)
    if strays:
        raise StorageError(
            f"{meta_path}: says {meta.shards} shards but {shard_file_name(strays[0])} exists; "
            "meta.json does not belong to these shard files; restore the matching meta.json"
        )
    return meta


def write_meta(data_dir: Path, meta: StorageMeta) -> None:
    """Replace ``meta.json`` atomically and durably."""
    meta_path = data_dir / META_FILE_NAME
    payload = {"schema_version": meta.schema_version, "shards": meta.shards}
    atomic.atomic_write_bytes(meta_path, json.dumps(payload, indent=2).encode("utf-8"))


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


def shard_files(data_dir: Path) -> list[tuple[int, Path]]:
    """Every shard file in ``data_dir`` with its index, in index order."""
    found = []
    for path in data_dir.iterdir():
        match = SHARD_FILE_PATTERN.fullmatch(path.name)
        if match:
            found.append((int(match.group(1)), path))
    return sorted(found)


def _existing_shard_indexes(data_dir: Path) -> list[int]:
    indexes = []
    for path in data_dir.iterdir():
        match = SHARD_FILE_PATTERN.fullmatch(path.name)
        if match:
            indexes.append(int(match.group(1)))
    return indexes
