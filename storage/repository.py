"""The typed repository: profiles and reminders in sharded, crash-safe TinyDB files."""

from __future__ import annotations

import gc
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

from tinydb.table import Document

from storage.atomic import fsync_directory, remove_stale_temp_files
from storage.codec import (
    RecordError,
    StringPool,
    decode_profile,
    decode_reminder,
    encode_profile,
    encode_reminder,
)
from storage.errors import StorageError
from storage.records import MAX_REMINDERS_PER_CHAT, ChatProfile, Reminder
from storage.schema import SCHEMA_VERSION, load_or_create_meta
from storage.shards import (
    PROFILES_TABLE,
    REMINDERS_TABLE,
    Shard,
    ShardSet,
    lock_data_dir,
    unlock_data_dir,
)

__all__ = [
    "SCHEMA_VERSION",
    "DuplicateReminderError",
    "ReminderLimitError",
    "Repository",
    "SameScheduleError",
    "StorageCounts",
    "StorageError",
]

DEFAULT_SHARDS = 1024
DEFAULT_CACHED_SHARDS = 8
YIELD_EVERY_RECORDS = 200  # while loading, let other threads run this often
ITEMS_KEY = "items"  # a chat's reminders document: {"items": [reminder, ...]}

Result = TypeVar("Result")
FiredUpdate = tuple[int, str, str]  # (chat_id, reminder_id, occurrence_iso)


class DuplicateReminderError(ValueError):
    """The chat already has a reminder with this id."""


class ReminderLimitError(ValueError):
    """The chat already has MAX_REMINDERS_PER_CHAT reminders."""


class SameScheduleError(ValueError):
    """The chat already has a reminder with this time, days, zone and topic."""

    def __init__(self, existing: Reminder) -> None:
        super().__init__(f"chat {existing.chat_id} already has {existing.id!r} at that time")
        self.existing = existing


SCHEDULE_FIELDS = ("hour", "minute", "days", "tz", "thread_id")


def same_schedule(first: dict[str, Any], second: dict[str, Any]) -> bool:
    """Whether two stored reminders fire at the same times into the same chat topic."""
    return all(first.get(name) == second.get(name) for name in SCHEDULE_FIELDS)


@dataclass(frozen=True, slots=True)
class StorageCounts:
    """How many records the data directory holds."""

    profiles: int
    reminders: int
    active_reminders: int  # active and not paused: the ones that will fire


class Repository:
    """Synchronous, thread-safe access to profiles and reminders; every change is durable.

    Each chat's profile and reminders live in shard ``chat_id mod shards``; a change rewrites
    that one small file atomically. Only the ``cached_shards`` most recently used shards stay
    parsed: memory does not grow with subscribers, and the garbage collector never has to
    walk a large young heap (64 cached shards cost 30-60 ms collections at 100,000 chats).
    """

    def __init__(self, shards: ShardSet, lock_fd: int) -> None:
        """Use :meth:`open` instead."""
        self._shards = shards
        self._lock_fd: int | None = lock_fd
        self._lock = threading.Lock()
        self._counts: dict[int, StorageCounts] = {}

    @classmethod
    def open(
        cls,
        data_dir: Path,
        shards: int = DEFAULT_SHARDS,
        *,
        cached_shards: int = DEFAULT_CACHED_SHARDS,
    ) -> Repository:
        """Open (or create) ``data_dir``; ``shards`` only applies when it is created."""
        if not data_dir.is_dir():
            data_dir.mkdir(parents=True)
            fsync_directory(data_dir.parent)
        lock_fd = lock_data_dir(data_dir)
        try:
            remove_stale_temp_files(data_dir)
            meta = load_or_create_meta(data_dir, shards)
        except BaseException:
            unlock_data_dir(lock_fd)
            raise
        return cls(ShardSet(data_dir, meta.shards, cached_shards), lock_fd)

    @property
    def shard_count(self) -> int:
        """The shard count fixed when the data directory was created."""
        return self._shards.count

    def close(self) -> None:
        """Release memory and the directory lock; safe to call twice."""
        with self._lock:
            if self._lock_fd is None:
                return
            self._shards.close()
            unlock_data_dir(self._lock_fd)
            self._lock_fd = None

    def __enter__(self) -> Repository:
        """Use the repository as a context manager that closes it."""
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Close the repository."""
        self.close()

    # Profiles

    def get_profile(self, chat_id: int) -> ChatProfile | None:
        """Return the chat's profile, or None if the bot has none."""
        with self._using(chat_id) as shard:
            document = shard.profiles.get(doc_id=chat_id)
            if document is None:
                return None
            return self._decoded(shard, PROFILES_TABLE, chat_id, decode_profile, document)

    def put_profile(self, profile: ChatProfile) -> None:
        """Create or replace the chat's profile."""
        document = Document(encode_profile(profile), doc_id=profile.chat_id)
        with self._using(profile.chat_id, writes=True) as shard:
            shard.profiles.upsert(document)

    # Reminders of one chat

    def reminders_for(self, chat_id: int) -> list[Reminder]:
        """Return the chat's reminders, oldest first."""
        with self._using(chat_id) as shard:
            return [
                self._decoded(shard, REMINDERS_TABLE, chat_id, decode_reminder, item)
                for item in self._items(shard, chat_id)
            ]

    def add_reminder(self, reminder: Reminder) -> None:
        """Store a new reminder.

        Raises DuplicateReminderError (same id), SameScheduleError (same time, days, zone and
        topic: nothing is stored) or ReminderLimitError.
        """
        item = encode_reminder(reminder)
        with self._using(reminder.chat_id, writes=True) as shard:
            items = self._items(shard, reminder.chat_id)
            if any(existing["id"] == reminder.id for existing in items):
                raise DuplicateReminderError(f"chat {reminder.chat_id} has {reminder.id!r}")
            for existing in items:
                if same_schedule(existing, item):
                    raise SameScheduleError(decode_reminder(reminder.chat_id, existing))
            if len(items) >= MAX_REMINDERS_PER_CHAT:
                raise ReminderLimitError(
                    f"chat {reminder.chat_id} has {MAX_REMINDERS_PER_CHAT} reminders"
                )
            self._store_items(shard, reminder.chat_id, [*items, item])

    def put_reminder(self, reminder: Reminder) -> bool:
        """Replace the stored reminder with the same id; False (and no write) if it is gone."""
        item = encode_reminder(reminder)
        changed = self._change_items(
            reminder.chat_id, lambda old: item if old["id"] == item["id"] else old
        )
        return changed > 0

    def record_fired(self, chat_id: int, reminder_id: str, occurrence_iso: str) -> bool:
        """Set the reminder's ``last_fired``; False (and no write) if it is gone."""
        return self.record_fired_many([(chat_id, reminder_id, occurrence_iso)]) == 1

    def record_fired_many(self, updates: Iterable[FiredUpdate]) -> int:
        """Set ``last_fired`` for many reminders, one file write per shard; return how many."""
        by_shard: dict[int, dict[int, dict[str, str]]] = defaultdict(dict)
        for chat_id, reminder_id, occurrence_iso in updates:
            if type(occurrence_iso) is not str:
                raise ValueError(f"occurrence_iso must be a string, got {occurrence_iso!r}")
            by_shard[self._shards.index_for(chat_id)].setdefault(chat_id, {})[reminder_id] = (
                occurrence_iso
            )
        changed = 0
        for chats in by_shard.values():
            with self._using(next(iter(chats)), writes=True) as shard, shard.storage.batch():
                for chat_id, fired in chats.items():
                    items = self._items(shard, chat_id)
                    new_items = [
                        {**item, "last_fired": fired[item["id"]]} if item["id"] in fired else item
                        for item in items
                    ]
                    hits = sum(1 for item in items if item["id"] in fired)
                    if hits:
                        self._store_items(shard, chat_id, new_items)
                        changed += hits
        return changed

    def delete_reminder(self, chat_id: int, reminder_id: str) -> bool:
        """Delete one reminder; False if the chat has no reminder with that id."""
        with self._using(chat_id, writes=True) as shard:
            items = self._items(shard, chat_id)
            kept = [item for item in items if item["id"] != reminder_id]
            if len(kept) == len(items):
                return False
            self._store_items(shard, chat_id, kept)
            return True

    def delete_all_reminders(self, chat_id: int) -> int:
        """Delete every reminder of the chat; return how many there were."""
        with self._using(chat_id, writes=True) as shard:
            items = self._items(shard, chat_id)
            if items:
                self._store_items(shard, chat_id, [])
            return len(items)

    def set_reminders_active(self, chat_id: int, active: bool) -> int:
        """Switch all the chat's reminders on or off; return how many changed."""
        if type(active) is not bool:
            raise ValueError(f"active must be a bool, got {active!r}")
        return self._change_items(
            chat_id, lambda old: old if old["active"] is active else {**old, "active": active}
        )

    # A group upgraded to a supergroup

    def move_chat(self, old_id: int, new_id: int) -> int:
        """Move everything stored for ``old_id`` to ``new_id``; return how many reminders moved.

        Three durable steps, each one atomic file write: the old profile is marked
        ``moved_to``; the profile and reminders are merged into the new chat; the old chat is
        left as a tombstone (a profile with only ``moved_to``). A crash between steps loses
        nothing and leaves the mark, so calling this again finishes the move; calling it after
        a finished move changes nothing.
        """
        if old_id == new_id:
            raise ValueError("a chat cannot move to itself")
        with self._using(old_id, writes=True) as shard:
            document = shard.profiles.get(doc_id=old_id)
            profile = (
                ChatProfile(old_id, is_group=True)
                if document is None
                else self._decoded(shard, PROFILES_TABLE, old_id, decode_profile, document)
            )
            if profile.moved_to not in (None, new_id):
                raise ValueError(f"chat {old_id} already moved to {profile.moved_to}")
            items = self._items(shard, old_id)
            if profile.moved_to == new_id and not items and _is_tombstone(profile):
                return 0
            if profile.moved_to is None:
                marked = replace(profile, moved_to=new_id)
                shard.profiles.upsert(Document(encode_profile(marked), doc_id=old_id))
            moving = [decode_reminder(new_id, item) for item in items]
        with self._using(new_id, writes=True) as shard, shard.storage.batch():
            document = shard.profiles.get(doc_id=new_id)
            existing = (
                None
                if document is None
                else self._decoded(shard, PROFILES_TABLE, new_id, decode_profile, document)
            )
            merged = _merge_profiles(replace(profile, chat_id=new_id, moved_to=None), existing)
            shard.profiles.upsert(Document(encode_profile(merged), doc_id=new_id))
            kept = self._items(shard, new_id)
            for reminder in moving:
                item = encode_reminder(reminder)
                if not any(old["id"] == item["id"] or same_schedule(old, item) for old in kept):
                    kept.append(item)
            self._store_items(shard, new_id, kept)
        with self._using(old_id, writes=True) as shard, shard.storage.batch():
            tombstone = ChatProfile(old_id, is_group=True, moved_to=new_id)
            shard.profiles.upsert(Document(encode_profile(tombstone), doc_id=old_id))
            self._store_items(shard, old_id, [])
        return len(moving)

    # Everything at once (start-up)

    def all_reminders(self) -> list[Reminder]:
        """Return every stored reminder (reads every shard; a damaged one raises)."""
        return self._load(profiles=False, reminders=True)[1]

    def all_profiles(self) -> list[ChatProfile]:
        """Return every stored profile (reads every shard; a damaged one raises)."""
        return self._load(profiles=True, reminders=False)[0]

    def load_all(self) -> tuple[list[ChatProfile], list[Reminder]]:
        """Return every profile and every reminder in one pass over the shards."""
        return self._load(profiles=True, reminders=True)

    def load_schedule(self) -> tuple[list[ChatProfile], list[Reminder]]:
        """Return every reminder and only the profiles that are paused or have a snooze.

        What the scheduler needs at start-up; skipping the other profiles saves decoding them.
        """
        return self._load(profiles=_has_pause_or_snooze, reminders=True)

    def counts(self) -> StorageCounts:
        """Return how many profiles, reminders and active reminders are stored."""
        with self._lock:
            self._ensure_open()
            for index in range(self._shards.count):
                if index not in self._counts:
                    shard = self._shards.at(index)
                    self._recount(shard)
                    self._shards.touched(shard)
            parts = self._counts.values()
            return StorageCounts(
                profiles=sum(part.profiles for part in parts),
                reminders=sum(part.reminders for part in parts),
                active_reminders=sum(part.active_reminders for part in parts),
            )

    def bulk_load(self, profiles: Iterable[ChatProfile], reminders: Iterable[Reminder]) -> None:
        """Store many chats fast, one write per shard; replaces those chats' records."""
        profile_docs: dict[int, list[Document]] = defaultdict(list)
        for profile in profiles:
            document = Document(encode_profile(profile), doc_id=profile.chat_id)
            profile_docs[self._shards.index_for(profile.chat_id)].append(document)
        items_by_chat: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for reminder in reminders:
            items_by_chat[reminder.chat_id].append(encode_reminder(reminder))
        reminder_docs: dict[int, list[Document]] = defaultdict(list)
        for chat_id, items in items_by_chat.items():
            if len(items) > MAX_REMINDERS_PER_CHAT or len({i["id"] for i in items}) < len(items):
                raise ValueError(f"chat {chat_id}: too many or duplicate reminders")
            document = Document({ITEMS_KEY: items}, doc_id=chat_id)
            reminder_docs[self._shards.index_for(chat_id)].append(document)
        with self._lock, _collector_paused():
            self._ensure_open()
            for index in sorted(profile_docs.keys() | reminder_docs.keys()):
                shard = self._shards.at(index)
                with shard.storage.batch():
                    _replace_documents(shard.profiles, profile_docs.get(index, []))
                    _replace_documents(shard.reminders, reminder_docs.get(index, []))
                self._recount(shard)
                self._shards.touched(shard)

    # Internals

    def _load(
        self, *, profiles: bool | Callable[[Any], bool], reminders: bool
    ) -> tuple[list[ChatProfile], list[Reminder]]:
        profile_list: list[ChatProfile] = []
        reminder_list: list[Reminder] = []
        pool: StringPool = {}
        yielded_at = 0
        with self._lock, _collector_paused():
            self._ensure_open()
            for index in range(self._shards.count):
                shard = self._shards.at(index)
                try:
                    self._decode_shard(
                        shard, pool, profiles, reminders, profile_list, reminder_list
                    )
                except (RecordError, LookupError, TypeError, AttributeError):
                    self._explain_bad_record(shard)
                    raise
                self._recount(shard)
                self._shards.touched(shard)
                loaded = len(profile_list) + len(reminder_list)
                if loaded - yielded_at >= YIELD_EVERY_RECORDS:
                    # Hand the GIL to other threads (the event loop); without this the loop
                    # waited up to 100+ ms at a time while a large store loaded.
                    time.sleep(0)
                    yielded_at = loaded
        return profile_list, reminder_list

    @staticmethod
    def _decode_shard(
        shard: Shard,
        pool: StringPool,
        profiles: bool | Callable[[Any], bool],
        reminders: bool,
        profile_list: list[ChatProfile],
        reminder_list: list[Reminder],
    ) -> None:
        """Decode one shard's records on the fast path (no per-record error wrapping)."""
        if profiles:
            wanted = profiles if callable(profiles) else None
            profile_list.extend(
                [
                    decode_profile(int(doc_id), document, pool)
                    for doc_id, document in shard.raw_table(PROFILES_TABLE).items()
                    if wanted is None or wanted(document)
                ]
            )
        if reminders:
            for doc_id, document in shard.raw_table(REMINDERS_TABLE).items():
                chat_id = int(doc_id)
                items = document[ITEMS_KEY]
                if len(document) != 1 or type(items) is not list:
                    raise TypeError("malformed reminders document")
                reminder_list.extend([decode_reminder(chat_id, item, pool) for item in items])

    def _explain_bad_record(self, shard: Shard) -> None:
        """Raise a StorageError naming the first bad record of ``shard``."""
        for doc_id, document in shard.raw_table(PROFILES_TABLE).items():
            self._decoded(shard, PROFILES_TABLE, int(doc_id), decode_profile, document)
        for doc_id, document in shard.raw_table(REMINDERS_TABLE).items():
            for item in self._checked_items(shard, int(doc_id), document):
                self._decoded(shard, REMINDERS_TABLE, int(doc_id), decode_reminder, item)

    @contextmanager
    def _using(self, chat_id: int, *, writes: bool = False) -> Iterator[Shard]:
        if type(chat_id) is not int:
            raise ValueError(f"chat_id must be an int, got {chat_id!r}")
        with self._lock:
            self._ensure_open()
            shard = self._shards.for_chat(chat_id)
            try:
                yield shard
            except BaseException:
                self._counts.pop(shard.index, None)
                raise
            else:
                if writes:
                    self._recount(shard)
            finally:
                self._shards.touched(shard)

    def _ensure_open(self) -> None:
        if self._lock_fd is None:
            raise StorageError("the repository is closed")

    def _items(self, shard: Shard, chat_id: int) -> list[dict[str, Any]]:
        document = shard.reminders.get(doc_id=chat_id)
        if document is None:
            return []
        items = self._checked_items(shard, chat_id, document)
        for item in items:
            self._decoded(shard, REMINDERS_TABLE, chat_id, decode_reminder, item)
        return items

    def _checked_items(self, shard: Shard, chat_id: int, document: Any) -> list[dict[str, Any]]:
        items = document.get(ITEMS_KEY) if isinstance(document, dict) else None
        if type(items) is not list or document.keys() != {ITEMS_KEY}:
            raise _record_error(shard, REMINDERS_TABLE, chat_id, "expected {'items': [...]}")
        return items

    def _store_items(self, shard: Shard, chat_id: int, items: list[dict[str, Any]]) -> None:
        if items:
            shard.reminders.upsert(Document({ITEMS_KEY: items}, doc_id=chat_id))
        else:
            shard.reminders.remove(doc_ids=[chat_id])

    def _change_items(
        self, chat_id: int, change: Callable[[dict[str, Any]], dict[str, Any]]
    ) -> int:
        with self._using(chat_id, writes=True) as shard:
            items = self._items(shard, chat_id)
            new_items = [change(item) for item in items]
            changed = sum(1 for old, new in zip(items, new_items, strict=True) if old is not new)
            if changed:
                self._store_items(shard, chat_id, new_items)
            return changed

    def _recount(self, shard: Shard) -> None:
        reminders = active = 0
        for document in shard.raw_table(REMINDERS_TABLE).values():
            for item in document.get(ITEMS_KEY, ()):
                reminders += 1
                active += item.get("active") is True and item.get("paused") is False
        profiles = len(shard.raw_table(PROFILES_TABLE))
        self._counts[shard.index] = StorageCounts(profiles, reminders, active)

    def _decoded(
        self,
        shard: Shard,
        table: str,
        chat_id: int,
        decode: Callable[..., Result],
        raw: Any,
        pool: StringPool | None = None,
    ) -> Result:
        try:
            return decode(chat_id, raw, pool)
        except RecordError as error:
            raise _record_error(shard, table, chat_id, str(error)) from None


def _has_pause_or_snooze(document: Any) -> bool:
    return bool(
        document.get("paused_until") or document.get("snoozed_until") or document.get("moved_to")
    )


def _is_tombstone(profile: ChatProfile) -> bool:
    return profile == ChatProfile(profile.chat_id, is_group=True, moved_to=profile.moved_to)


def _merge_profiles(moved: ChatProfile, existing: ChatProfile | None) -> ChatProfile:
    """Combine a moving chat's profile with one the new chat already has (same result twice)."""
    if existing is None:
        return moved
    return replace(
        existing,
        is_group=True,
        tz=existing.tz or moved.tz,
        step=max(existing.step, moved.step),
        studied=tuple(sorted({*existing.studied, *moved.studied})),
        paused_until=existing.paused_until or moved.paused_until,
        nudge_counter=max(existing.nudge_counter, moved.nudge_counter),
        snoozed_until=existing.snoozed_until or moved.snoozed_until,
        snoozed_thread=(
            existing.snoozed_thread if existing.snoozed_until else moved.snoozed_thread
        ),
    )


def _record_error(shard: Shard, table: str, chat_id: int, problem: str) -> StorageError:
    return StorageError(
        f"{shard.path}: {table} record {chat_id}: {problem}; "
        "fix or remove that record, or restore the file from a backup"
    )


def _replace_documents(table: Any, documents: list[Document]) -> None:
    if not documents:
        return
    existing = [
        document.doc_id for document in documents if table.contains(doc_id=document.doc_id)
    ]
    if existing:
        table.remove(doc_ids=existing)
    table.insert_multiple(documents)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic GC while building many long-lived objects, then freeze them.

    Without this, collections during the build rescan the growing heap (3x slower), and
    later full collections rescan every record (about 150 ms at 100,000 subscribers) on
    whatever thread allocates, stalling the event loop. Frozen objects are still freed by
    reference counting when dropped.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()
