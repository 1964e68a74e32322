"""The one error type storage raises for files it cannot trust."""

from __future__ import annotations


class StorageError(RuntimeError):
    """Stored data cannot be used as it is; the message names the file and the fix."""
