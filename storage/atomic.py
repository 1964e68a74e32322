"""A crash-safe TinyDB storage: an in-memory copy of the document, atomic durable writes."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from tinydb import Storage

from storage.errors import StorageError

TEMP_SUFFIX = ".tmp"

Document = dict[str, dict[str, Any]]
DocumentCheck = Callable[[Path, Document], None]


def fsync_directory(directory: Path) -> None:
    """Make a rename or a new entry in ``directory`` durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path, payload: bytes) -> None:
    """Replace ``path`` with ``payload`` so a crash leaves either the old or the new file."""
    fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as temp_file:
            temp_file.write(payload)
            temp_file.flush()
            os.fsync(temp_file.fileno())
        os.replace(temp_name, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise
    fsync_directory(path.parent)


def remove_stale_temp_files(directory: Path) -> list[Path]:
    """Delete temp files a crashed writer left in ``directory``; return what was removed."""
    removed = []
    for candidate in directory.glob(f".*{TEMP_SUFFIX}"):
        if candidate.is_file():
            candidate.unlink()
            removed.append(candidate)
    return removed


def read_json_object(path: Path) -> dict[str, Any] | None:
    """Parse a JSON object from ``path``; None if the file is missing; StorageError if damaged."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    advice = "the file was left untouched; restore it from a backup or move it aside"
    if not raw:
        raise StorageError(f"{path}: the file is empty (a torn or foreign write); {advice}")
    try:
        parsed = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise StorageError(f"{path}: not valid JSON ({error}); {advice}") from error
    if not isinstance(parsed, dict):
        kind = type(parsed).__name__
        raise StorageError(f"{path}: the top level is a JSON {kind}, not an object; {advice}")
    return parsed


class AtomicJSONStorage(Storage):
    """TinyDB storage that caches the parsed file and writes it atomically and durably.

    Writes go to a temp file in the same directory, are flushed and fsynced, replace the
    file with ``os.replace`` and then the directory is fsynced. A file that does not parse
    raises StorageError and is never overwritten; a missing file reads as empty.
    """

    def __init__(
        self, path: str | os.PathLike[str], document_check: DocumentCheck | None = None
    ) -> None:
        """Remember the file (and a check run on every parse); nothing is read yet."""
        self.path = Path(path)
        self._document_check = document_check
        self._loaded = False
        self._data: Document | None = None
        self._batch_depth = 0
        self._batch_dirty = False

    @property
    def is_cached(self) -> bool:
        """Whether the parsed document is held in memory."""
        return self._loaded

    def read(self) -> Document | None:
        """Return the cached document, parsing the file on first use (None when empty)."""
        if not self._loaded:
            document = read_json_object(self.path)
            if document is not None and self._document_check is not None:
                self._document_check(self.path, document)
            self._data = document
            self._loaded = True
        return self._data

    def write(self, data: Document) -> None:
        """Store ``data`` durably (or remember it until the open batch ends)."""
        if not self._loaded:
            self.read()  # refuses to replace a file that does not parse
        self._data = data
        if self._batch_depth:
            self._batch_dirty = True
            return
        self._persist()

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Group writes: the file is written once when the block ends, nothing on error."""
        self._batch_depth += 1
        try:
            yield
        except BaseException:
            self._batch_dirty = False
            self.drop_cache()
            raise
        finally:
            self._batch_depth -= 1
        if self._batch_depth == 0 and self._batch_dirty:
            self._batch_dirty = False
            self._persist()

    def drop_cache(self) -> None:
        """Forget the in-memory document; the next read parses the file again."""
        self._loaded = False
        self._data = None

    def close(self) -> None:
        """Release the cached document."""
        self.drop_cache()

    def _persist(self) -> None:
        try:
            payload = json.dumps(self._data, ensure_ascii=False, separators=(",", ":"))
            atomic_write_bytes(self.path, payload.encode("utf-8"))
        except BaseException:
            # The cache may hold a change the disk does not: fall back to the disk's truth.
            self.drop_cache()
            raise
