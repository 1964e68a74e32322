"""The shard files of a data directory: which chat lives where, and which are held in memory."""

from __future__ import annotations

import fcntl
import os
import zlib
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.table import Table

from storage.atomic import AtomicJSONStorage
from storage.errors import StorageError
from storage.records import PLATFORMS, TELEGRAM, ChatKey
from storage.schema import shard_file_name

PROFILES_TABLE = "profiles"
REMINDERS_TABLE = "reminders"
KINDS = (PROFILES_TABLE, REMINDERS_TABLE)
LOCK_FILE_NAME = ".lock"


def table_name(platform: str, kind: str) -> str:
    """The shard table holding one platform's records of one kind: ``telegram.profiles``."""
    return f"{platform}.{kind}"


# Which (platform, kind) each table holds.
TABLES = {table_name(platform, kind): (platform, kind) for platform in PLATFORMS for kind in KINDS}
TABLE_NAMES = frozenset(TABLES)


def shard_index(key: ChatKey, count: int) -> int:
    """Return the shard that holds chat ``key`` among ``count`` shards.

    Stable across processes and versions: a Telegram chat stays where schema version 2 put
    it (``id mod count``, so the migration rewrites each file in place and never moves a
    record between files); other platforms' ids go through CRC-32 of ``platform:id``
    (never Python's ``hash()``, which is salted per process for strings).
    """
    platform, chat_id = key
    if platform == TELEGRAM:
        return chat_id % count
    return zlib.crc32(f"{platform}:{chat_id}".encode()) % count


RawTable = dict[str, Any]
_ONLY_DICT = frozenset({dict})


@dataclass(slots=True)
class Shard:
    """One shard file, opened as a TinyDB database with a profiles and a reminders table
    per platform (``telegram.profiles``, ``discord.reminders``, ...)."""

    index: int
    database: TinyDB
    storage: AtomicJSONStorage

    @property
    def path(self) -> Path:
        """The shard's file."""
        return self.storage.path

    def profiles(self, platform: str) -> Table:
        """The table of ``platform``'s chat profiles (document id = chat id)."""
        return self.database.table(table_name(platform, PROFILES_TABLE))

    def reminders(self, platform: str) -> Table:
        """The table of ``platform``'s reminders (document id = chat id)."""
        return self.database.table(table_name(platform, REMINDERS_TABLE))

    def raw_table(self, name: str) -> RawTable:
        """Return a table as stored (doc id string -> document); read-only for callers."""
        document = self.storage.read()
        return {} if document is None else document.get(name, {})


class ShardSet:
    """Routes chat keys to shards (:func:`shard_index`) and keeps only recent shards parsed."""

    def __init__(self, data_dir: Path, count: int, cached_shards: int) -> None:
        """Prepare ``count`` shards in ``data_dir``; at most ``cached_shards`` stay parsed."""
        if cached_shards < 1:
            raise ValueError(f"cached_shards must be at least 1, got {cached_shards}")
        self.data_dir = data_dir
        self.count = count
        self._cached_shards = cached_shards
        self._shards: list[Shard | None] = [None] * count
        self._recent: OrderedDict[int, None] = OrderedDict()

    def index_for(self, key: ChatKey) -> int:
        """Return the index of the shard that holds chat ``key``."""
        return shard_index(key, self.count)

    def for_chat(self, key: ChatKey) -> Shard:
        """Return the shard that holds chat ``key``."""
        return self.at(shard_index(key, self.count))

    def at(self, index: int) -> Shard:
        """Return shard ``index``, opening it on first use."""
        shard = self._shards[index]
        if shard is None:
            path = self.data_dir / shard_file_name(index)
            database = TinyDB(path, storage=AtomicJSONStorage, document_check=self._check)
            storage = database.storage
            assert isinstance(storage, AtomicJSONStorage)
            shard = Shard(index=index, database=database, storage=storage)
            self._shards[index] = shard
        return shard

    def touched(self, shard: Shard) -> None:
        """Note that ``shard`` was used; forget the parsed copy of the least recent ones."""
        self._recent[shard.index] = None
        self._recent.move_to_end(shard.index)
        while len(self._recent) > self._cached_shards:
            oldest, _ = self._recent.popitem(last=False)
            evicted = self._shards[oldest]
            if evicted is not None:
                evicted.storage.drop_cache()

    def close(self) -> None:
        """Close every opened shard."""
        for shard in self._shards:
            if shard is not None:
                shard.database.close()
        self._shards = [None] * self.count
        self._recent.clear()

    def _check(self, path: Path, document: dict[str, Any]) -> None:
        index = int(path.stem.removeprefix("shard-"))
        unknown = document.keys() - TABLE_NAMES
        if unknown:
            raise damaged(path, f"unknown tables {sorted(unknown)}")
        for name, table in document.items():
            if type(table) is not dict:
                raise damaged(path, f"table {name!r} is not an object")
            try:
                chat_ids = list(map(int, table))
            except ValueError:
                chat_ids = []
            platform = TABLES[name][0]
            if (
                list(map(str, chat_ids)) != list(table)
                or not _ONLY_DICT.issuperset(map(type, table.values()))
                or self._homes(platform, chat_ids) - {index}
            ):
                raise self._explain(path, index, name, table)

    def _homes(self, platform: str, chat_ids: list[int]) -> set[int]:
        if platform == TELEGRAM:  # the fast path: most chats, one C-level pass
            return {chat_id % self.count for chat_id in chat_ids}
        return {shard_index(ChatKey(platform, chat_id), self.count) for chat_id in chat_ids}

    def _explain(self, path: Path, index: int, name: str, table: RawTable) -> StorageError:
        platform = TABLES[name][0]
        for doc_id, record in table.items():
            chat_id = _parse_chat_id(doc_id)
            if chat_id is None:
                return damaged(path, f"{name} record id {doc_id!r} is not a chat id")
            if type(record) is not dict:
                return damaged(path, f"{name} record {chat_id} is not an object")
            home_index = shard_index(ChatKey(platform, chat_id), self.count)
            if home_index != index:
                home = shard_file_name(home_index)
                return damaged(
                    path,
                    f"{name} record {chat_id} belongs in {home} with {self.count} shards "
                    "(does meta.json's shard count match the files?)",
                )
        return damaged(path, f"table {name!r} is malformed")


def damaged(path: Path, problem: str) -> StorageError:
    return StorageError(
        f"{path}: {problem}; the file was left untouched; "
        "restore it from a backup or move it aside"
    )


def _parse_chat_id(doc_id: str) -> int | None:
    try:
        chat_id = int(doc_id)
    except ValueError:
        return None
    return chat_id if str(chat_id) == doc_id else None


def lock_data_dir(data_dir: Path) -> int:
    """Take an exclusive lock on ``data_dir`` so two processes never write the same shards."""
    lock_path = data_dir / LOCK_FILE_NAME
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise StorageError(
            f"{lock_path}: another process is using this data directory; "
            "stop it first (two writers would lose each other's changes)"
        ) from None
    return fd


def unlock_data_dir(fd: int) -> None:
    """Release the lock taken by :func:`lock_data_dir`."""
    fcntl.flock(fd, fcntl.LOCK_UN)
    os.close(fd)
