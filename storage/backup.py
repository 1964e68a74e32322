"""Snapshots of the data directory: write one, keep the newest few, restore one.

A snapshot is one gzip-compressed tar file, ``medcoder-data-20261201T031500Z.tar.gz`` (the
UTC time it was taken; a second snapshot in the same second gets ``-2``, ``-3``, ...), holding
every file of the data directory at its relative path except the lock file and the temp files
a writer leaves. It is written to a temp file, fsynced and renamed, so a crash leaves either no
snapshot or a whole one.

A running bot takes one in two steps: :func:`capture` reads the files into memory on the
storage thread between writes (``AsyncRepository.exclusive``: 20-60 ms at 100,000
subscribers), then :func:`write_archive` compresses them with the bot taking updates again.
:func:`write_snapshot` does both at once, for a stopped bot.

Every problem is a :class:`BackupError` whose message tells the operator what to do.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import tarfile
import tempfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from storage.atomic import TEMP_SUFFIX, fsync_directory
from storage.errors import StorageError
from storage.repository import Repository
from storage.schema import META_FILE_NAME
from storage.shards import LOCK_FILE_NAME, lock_data_dir, unlock_data_dir

SNAPSHOT_PREFIX = "medcoder-data-"
SNAPSHOT_SUFFIX = ".tar.gz"
STAMP_FORMAT = "%Y%m%dT%H%M%SZ"  # UTC, sorts by time
SNAPSHOT_NAME = re.compile(r"medcoder-data-(\d{8}T\d{6}Z)(?:-(\d+))?\.tar\.gz")
# gzip's own default: level 9 took twice as long for a 7% smaller file (51 MB of shards).
COMPRESS_LEVEL = 6
FILE_MODE = 0o600
ASIDE_INFIX = ".before-restore-"

Clock = Callable[[], datetime]


class BackupError(StorageError):
    """A snapshot cannot be written, read or restored; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class DataCopy:
    """The data directory's files as read at one moment: (relative POSIX path, bytes, mtime
    in seconds since the epoch), in path order."""

    files: tuple[tuple[str, bytes, float], ...]

    @property
    def size(self) -> int:
        """The bytes of every file together (before compression)."""
        return sum(len(content) for _, content, _ in self.files)


@dataclass(frozen=True, slots=True)
class Restored:
    """What :func:`restore` did: the data directory now holds ``files`` files from the
    snapshot; ``previous`` is where the data it replaced was moved (None when there was none)."""

    data_dir: Path
    previous: Path | None
    files: int


def capture(data_dir: Path, backup_dir: Path | None = None) -> DataCopy:
    """Read every file of ``data_dir`` (recursively) except the lock file, temp files and
    symlinks.

    Run it while no write can happen (``AsyncRepository.exclusive``, or a stopped bot).
    Raises BackupError when ``data_dir`` is not a data directory (no ``meta.json``), or when
    ``backup_dir`` (where the snapshot goes) lies inside it.
    """
    if backup_dir is not None and backup_dir.resolve().is_relative_to(data_dir.resolve()):
        raise BackupError(
            f"BACKUP_DIR {backup_dir} is inside DATA_DIR {data_dir}: choose a folder outside it"
        )
    if not (data_dir / META_FILE_NAME).is_file():
        raise BackupError(f"{data_dir}: no {META_FILE_NAME}, so this is not a data directory")
    files = []
    for relative, entry in _plain_files(data_dir, ""):
        with open(entry.path, "rb") as file:
            files.append((relative, file.read(), os.fstat(file.fileno()).st_mtime))
    return DataCopy(tuple(files))


def write_archive(copy: DataCopy, backup_dir: Path, now: datetime) -> Path:
    """Write ``copy`` as a snapshot named after ``now`` (aware; stored as UTC) into
    ``backup_dir`` (created if missing); return its path.

    Raises BackupError when the folder cannot be written (the message has the OS error).
    """
    stamp = now.astimezone(UTC).strftime(STAMP_FORMAT)
    try:
        backup_dir.mkdir(parents=True, exist_ok=True)
        target = _free_name(backup_dir, stamp)
        fd, temp_name = tempfile.mkstemp(
            prefix=f".{SNAPSHOT_PREFIX}", suffix=TEMP_SUFFIX, dir=backup_dir
        )
        try:
            with os.fdopen(fd, "wb") as temp_file:
                with tarfile.open(
                    fileobj=temp_file, mode="w:gz", compresslevel=COMPRESS_LEVEL
                ) as archive:
                    for name, content, mtime in copy.files:
                        member = tarfile.TarInfo(name)
                        member.size, member.mtime, member.mode = len(content), mtime, FILE_MODE
                        archive.addfile(member, io.BytesIO(content))
                temp_file.flush()
                os.fsync(temp_file.fileno())
            os.replace(temp_name, target)
        except BaseException:
            with suppress(FileNotFoundError):
                os.unlink(temp_name)
            raise
        fsync_directory(backup_dir)
    except OSError as error:
        raise BackupError(f"cannot write a snapshot into {backup_dir}: {error}") from error
    return target


def write_snapshot(data_dir: Path, backup_dir: Path, now: datetime) -> Path:
    """Snapshot ``data_dir`` into ``backup_dir`` (see :func:`capture`, :func:`write_archive`).

    Raises BackupError, also when ``backup_dir`` lies inside ``data_dir``.
    """
    return write_archive(capture(data_dir, backup_dir), backup_dir, now)


def snapshots(backup_dir: Path) -> list[Path]:
    """The snapshots in ``backup_dir``, oldest first (by the time in their names)."""
    if not backup_dir.is_dir():
        return []
    found = []
    for path in backup_dir.iterdir():
        match = SNAPSHOT_NAME.fullmatch(path.name)
        if match and path.is_file():
            found.append((match.group(1), int(match.group(2) or 1), path))
    return [path for _, _, path in sorted(found)]


def taken_at(snapshot: Path) -> datetime | None:
    """The UTC time in a snapshot's name, or None for another file."""
    match = SNAPSHOT_NAME.fullmatch(snapshot.name)
    if match is None:
        return None
    return datetime.strptime(match.group(1), STAMP_FORMAT).replace(tzinfo=UTC)


def prune(backup_dir: Path, keep: int, spare: Path | None = None) -> list[Path]:
    """Delete all but the newest ``keep`` snapshots (never ``spare``, the one just written,
    even if a file named later exists) and any temp file a crashed write left; return the
    snapshots deleted. Other files are never touched. ValueError if ``keep`` < 1;
    BackupError when a file cannot be deleted."""
    if keep < 1:
        raise ValueError(f"keep must be at least 1, got {keep}")
    if not backup_dir.is_dir():
        return []
    try:
        for stale in backup_dir.glob(f".{SNAPSHOT_PREFIX}*{TEMP_SUFFIX}"):
            stale.unlink(missing_ok=True)
        kept = [path for path in snapshots(backup_dir) if path != spare]
        doomed = kept[: max(0, len(kept) - keep + (spare is not None))]
        for path in doomed:
            path.unlink(missing_ok=True)
        if doomed:
            fsync_directory(backup_dir)
    except OSError as error:
        raise BackupError(f"cannot delete old snapshots in {backup_dir}: {error}") from error
    return doomed


def restore(snapshot: Path, data_dir: Path, clock: Clock | None = None) -> Restored:
    """Put ``snapshot``'s content in place of ``data_dir``, keeping the old data beside it.

    Refuses (BackupError) while a process holds the data directory's lock (a running bot),
    and when the snapshot is not a well-formed archive of plain files at safe relative paths
    with a ``meta.json``, or its data does not load (every record is read in a throwaway
    copy). The old directory is renamed to ``<DATA_DIR>.before-restore-<UTC time>`` (never
    deleted), then the checked copy, extracted and fsynced beside it, is renamed into place.
    ``clock`` (aware) names the kept folder; default: the system clock.
    """
    stamp = (clock or _utc_now)().astimezone(UTC).strftime(STAMP_FORMAT)
    data_dir = data_dir.absolute()
    try:
        return _restore(snapshot, data_dir, stamp)
    except OSError as error:  # permissions, a full disk...: said as one line
        raise BackupError(f"cannot restore {snapshot} into {data_dir}: {error}") from error


def _restore(snapshot: Path, data_dir: Path, stamp: str) -> Restored:
    with ExitStack() as stack:
        if data_dir.exists() and not data_dir.is_dir():
            raise BackupError(f"{data_dir} is not a folder; DATA_DIR must name a folder")
        # A folder that is not there yet is made (and locked) now, so that no bot starting
        # during the restore takes it; it is removed again once the snapshot is in place.
        created = not data_dir.exists()
        if created:
            data_dir.mkdir(parents=True)
        stack.callback(unlock_data_dir, _lock(data_dir))
        finished: list[bool] = []
        if created:  # a refused restore leaves no folder behind either
            stack.callback(_remove_unless, finished, data_dir)
        with _open_snapshot(snapshot) as archive:
            names = _checked_members(snapshot, archive)
            _check_free_space(snapshot, archive, data_dir.parent)
            _check_free_space(snapshot, archive, Path(tempfile.gettempdir()))
            with tempfile.TemporaryDirectory(prefix="medcoder-restore-check-") as scratch:
                check = Path(scratch) / "data"
                check.mkdir()
                _extract(snapshot, archive, check)
                _check_loads(snapshot, check)
            data_dir.parent.mkdir(parents=True, exist_ok=True)
            staging = Path(
                tempfile.mkdtemp(
                    prefix=f".{data_dir.name}.restore-", suffix=TEMP_SUFFIX, dir=data_dir.parent
                )
            )
            try:
                _extract(snapshot, archive, staging)
                _fsync_tree(staging)
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
        stack.callback(unlock_data_dir, _lock(staging))  # no bot starts on it half-way
        previous = _swap_in(staging, data_dir, stamp)
        if created and previous is not None:  # the empty folder made above
            shutil.rmtree(previous, ignore_errors=True)
            previous = None
        finished.append(True)
    return Restored(data_dir=data_dir, previous=previous, files=len(names))


def _remove_unless(finished: list[bool], folder: Path) -> None:
    if not finished:
        shutil.rmtree(folder, ignore_errors=True)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _plain_files(folder: Path | str, prefix: str) -> Iterator[tuple[str, os.DirEntry[str]]]:
    """(relative POSIX path, entry) of every regular file under ``folder``, in path order;
    no symlinks, no scratch files."""
    with os.scandir(folder) as scan:
        entries = sorted(scan, key=lambda entry: entry.name)
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            yield from _plain_files(entry.path, f"{prefix}{entry.name}/")
        elif entry.is_file(follow_symlinks=False) and not _is_scratch(entry.name):
            yield f"{prefix}{entry.name}", entry


def _is_scratch(name: str) -> bool:
    """The lock file and temp files: never part of a snapshot."""
    return name == LOCK_FILE_NAME or (name.startswith(".") and name.endswith(TEMP_SUFFIX))


def _free_name(backup_dir: Path, stamp: str) -> Path:
    target = backup_dir / f"{SNAPSHOT_PREFIX}{stamp}{SNAPSHOT_SUFFIX}"
    sequence = 1
    while target.exists():
        sequence += 1
        target = backup_dir / f"{SNAPSHOT_PREFIX}{stamp}-{sequence}{SNAPSHOT_SUFFIX}"
    return target


def _lock(data_dir: Path) -> int:
    try:
        return lock_data_dir(data_dir)
    except StorageError:
        raise BackupError(
            f"{data_dir} is in use by a running bot: stop the bot, then restore"
        ) from None
    except OSError as error:
        raise BackupError(f"cannot lock {data_dir}: {error}") from error


@contextmanager
def _open_snapshot(snapshot: Path) -> Iterator[tarfile.TarFile]:
    """Open ``snapshot`` for reading; BackupError when it is missing or not a gzip tar."""
    try:
        archive = tarfile.open(snapshot, mode="r:gz")  # noqa: SIM115 (closed below)
    except FileNotFoundError:
        raise BackupError(f"{snapshot}: no such file") from None
    except (tarfile.TarError, OSError, EOFError, zlib.error) as error:
        raise _not_a_snapshot(snapshot, error) from error
    with archive:
        yield archive


def _not_a_snapshot(snapshot: Path, error: BaseException) -> BackupError:
    detail = str(error) or type(error).__name__
    return BackupError(
        f"{snapshot}: not a readable snapshot ({detail}); nothing was changed; "
        "choose another snapshot"
    )


def _checked_members(snapshot: Path, archive: tarfile.TarFile) -> list[str]:
    """The names of the member files, after refusing links, devices, unsafe and duplicate
    paths."""
    try:
        members = archive.getmembers()
    except (tarfile.TarError, OSError, EOFError, zlib.error) as error:
        raise _not_a_snapshot(snapshot, error) from error
    names: list[str] = []
    for member in members:
        path = PurePosixPath(member.name)
        unsafe = (
            not member.name
            or path.is_absolute()
            or ".." in path.parts
            or "\\" in member.name
            or member.name in names
        )
        if unsafe or not (member.isfile() or member.isdir()):
            raise BackupError(
                f"{snapshot}: refused: member {member.name!r} is not a plain file or folder at "
                "a safe relative path, so this is not a snapshot this bot wrote; nothing was "
                "changed"
            )
        names.append(member.name)
    if META_FILE_NAME not in names:
        raise BackupError(
            f"{snapshot}: refused: it holds no {META_FILE_NAME}, so it is not a snapshot of a "
            "data directory; nothing was changed"
        )
    return [member.name for member in members if member.isfile()]


def _check_free_space(snapshot: Path, archive: tarfile.TarFile, folder: Path) -> None:
    needed = sum(member.size for member in archive.getmembers())
    existing = next((parent for parent in (folder, *folder.parents) if parent.exists()), folder)
    free = shutil.disk_usage(existing).free
    if needed > free:
        raise BackupError(
            f"{snapshot}: it unpacks to {needed:,} bytes but {existing} has {free:,} free; "
            "nothing was changed"
        )


def _extract(snapshot: Path, archive: tarfile.TarFile, target: Path) -> None:
    try:
        archive.extractall(target, filter="data")
    except (tarfile.TarError, OSError, EOFError, zlib.error) as error:
        raise _not_a_snapshot(snapshot, error) from error


def _check_loads(snapshot: Path, copy: Path) -> None:
    """Open ``copy`` with the repository (an older schema is migrated there) and read every
    record; BackupError naming the problem otherwise."""
    try:
        with Repository.open(copy) as repository:
            repository.load_all()
    except StorageError as error:
        raise BackupError(
            f"{snapshot}: its data does not load ({error}); nothing was changed"
        ) from error


def _fsync_tree(root: Path) -> None:
    for folder, _, files in os.walk(root):
        for name in files:
            fd = os.open(Path(folder) / name, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        fsync_directory(Path(folder))


def _swap_in(staging: Path, data_dir: Path, stamp: str) -> Path | None:
    """Move ``data_dir`` aside (if present) and ``staging`` into its place; return where the
    old data went. On failure the old data is put back where it can be."""
    previous: Path | None = None
    try:
        if data_dir.exists():
            previous = data_dir.with_name(f"{data_dir.name}{ASIDE_INFIX}{stamp}")
            if previous.exists():
                raise BackupError(f"{previous} already exists: move it, then restore again")
            os.rename(data_dir, previous)
        try:
            os.rename(staging, data_dir)
        except OSError:
            if previous is not None:
                os.rename(previous, data_dir)
            raise
        fsync_directory(data_dir.parent)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise BackupError(
            f"cannot put the restored data in place of {data_dir}: {error} "
            "(DATA_DIR must be a folder its parent folder can rename, not a mount point)"
        ) from error
    except BackupError:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return previous
