"""Operators' announcements on disk: ``DATA_DIR/announcements/``, two files each.

Each announcement is two files, each written atomically:

- ``<id>.recipients.json``: the chats it goes to, fixed when it is confirmed (removed when it
  is finished, so no list of chats outlives its delivery);
- ``<id>.json``: its text and progress. ``cursor`` counts the recipients *claimed*: a chat
  is claimed (and the claim written) before anything is sent to it, so a restart carries on
  after the cursor and never sends anyone the same announcement twice. A crash between a
  claim and its sends loses at most one batch: those chats are counted ``interrupted``.

Every function takes the data folder and runs on the storage thread
(:meth:`storage.async_repository.AsyncRepository.beside`).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Literal

from storage.atomic import atomic_write_bytes, read_json_object
from storage.errors import StorageError
from storage.records import ChatKey

FOLDER = "announcements"
WITHDRAWN = ChatKey("-", 0)  # a recipient erased from a list (no id left)
Status = Literal["sending", "done"]


@dataclass(frozen=True, slots=True)
class Progress:
    """An announcement and how far its delivery is (counts of chats)."""

    id: str
    text: str
    created_at: str  # UTC ISO-8601
    total: int
    cursor: int = 0  # recipients claimed so far (sent, failed, or lost to a crash)
    sent: int = 0
    failed: int = 0
    unreachable: int = 0  # blocked the bot or gone: switched off, as for nudges
    status: Status = "sending"
    finished_at: str | None = None
    withdrawn: int = 0  # recipients erased (/deleteme) before their turn came

    @property
    def interrupted(self) -> int:
        """Claimed chats whose send was never confirmed (a crash mid-batch; not resent)."""
        return max(0, self.cursor - self.sent - self.failed - self.unreachable - self.withdrawn)

    @property
    def left(self) -> int:
        """Recipients not yet claimed."""
        return self.total - self.cursor


def create(data_dir: Path, progress: Progress, recipients: list[ChatKey]) -> None:
    """Store a new announcement and its recipients (``progress.total`` of them)."""
    folder = _folder(data_dir)
    folder.mkdir(exist_ok=True)
    listed = [[chat.platform, chat.id] for chat in recipients]
    atomic_write_bytes(_recipients_path(data_dir, progress.id), json.dumps(listed).encode())
    _write(data_dir, progress)


def sending(data_dir: Path) -> list[Progress]:
    """The announcements still being delivered, oldest first."""
    found = [_read(path) for path in _progress_paths(data_dir)]
    return sorted((p for p in found if p.status == "sending"), key=lambda p: p.created_at)


def latest(data_dir: Path) -> Progress | None:
    """The most recent announcement, finished or not, or None."""
    found = [_read(path) for path in _progress_paths(data_dir)]
    return max(found, key=lambda p: p.created_at, default=None)


@dataclass(frozen=True, slots=True)
class Counts:
    """Outcomes of the sends so far (kept in memory between claims)."""

    sent: int = 0
    failed: int = 0
    unreachable: int = 0


def claim(
    data_dir: Path, announcement_id: str, count: int, counts: Counts
) -> tuple[Progress, list[ChatKey]]:
    """Claim the next ``count`` recipients: the cursor moves on and is written (with
    ``counts``) before any of them is sent to. Returns the new progress and the chats."""
    stored = _read(_progress_path(data_dir, announcement_id))
    recipients = _recipients(data_dir, announcement_id)
    slice_ = recipients[stored.cursor : stored.cursor + count]
    chosen = [chat for chat in slice_ if chat != WITHDRAWN]
    claimed = replace(
        stored,
        cursor=stored.cursor + len(slice_),
        withdrawn=stored.withdrawn + len(slice_) - len(chosen),
        **asdict(counts),
    )
    _write(data_dir, claimed)
    return claimed, chosen


def finish(data_dir: Path, announcement_id: str, counts: Counts, now_iso: str) -> Progress:
    """Mark the announcement done with its final ``counts``; delete its recipient list."""
    stored = _read(_progress_path(data_dir, announcement_id))
    done = replace(stored, status="done", finished_at=now_iso, **asdict(counts))
    _recipients_path(data_dir, announcement_id).unlink(missing_ok=True)  # first: no ids left
    _write(data_dir, done)
    return done


def progress_of(data_dir: Path, announcement_id: str) -> Progress | None:
    """The stored progress of one announcement, or None."""
    path = _progress_path(data_dir, announcement_id)
    return _read(path) if path.exists() else None


def forget(data_dir: Path, chat: ChatKey) -> int:
    """Blank ``chat`` out of every announcement's recipients (a /deleteme): its entry becomes
    WITHDRAWN, so positions and counts stay right; one not yet sent to is counted withdrawn
    when its turn comes. Returns how many lists named it."""
    named = 0
    for path in _progress_paths(data_dir):
        progress = _read(path)
        listed = _recipients_path(data_dir, progress.id)
        if not listed.exists():
            continue
        recipients = _recipients(data_dir, progress.id)
        if chat not in recipients:
            continue
        named += 1
        kept = [WITHDRAWN if c == chat else c for c in recipients]
        atomic_write_bytes(listed, json.dumps([[c.platform, c.id] for c in kept]).encode())
    return named


def _folder(data_dir: Path) -> Path:
    return data_dir / FOLDER


def _recipients_path(data_dir: Path, announcement_id: str) -> Path:
    return _folder(data_dir) / f"{announcement_id}.recipients.json"


def _progress_paths(data_dir: Path) -> list[Path]:
    folder = _folder(data_dir)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.json") if not p.name.endswith(".recipients.json"))


def _progress_path(data_dir: Path, announcement_id: str) -> Path:
    return _folder(data_dir) / f"{announcement_id}.json"


def _write(data_dir: Path, progress: Progress) -> None:
    payload = json.dumps(asdict(progress), ensure_ascii=False).encode()
    atomic_write_bytes(_progress_path(data_dir, progress.id), payload)


def _read(path: Path) -> Progress:
    raw = read_json_object(path)
    try:
        return Progress(**_fields(raw))
    except TypeError as exc:
        raise StorageError(f"{path}: not an announcement ({exc})") from None


def _fields(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise TypeError("expected an object")
    return raw


def _recipients(data_dir: Path, announcement_id: str) -> list[ChatKey]:
    path = _recipients_path(data_dir, announcement_id)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StorageError(f"{path}: cannot read the recipients ({exc})") from None
    return [ChatKey(str(platform), int(chat_id)) for platform, chat_id in raw]
