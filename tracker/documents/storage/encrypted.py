"""Seal everything a backend stores, and open it on the way out: encryption at rest.

`EncryptedBackend` wraps the filesystem or S3 backend when a master key is configured
(``STORAGE_KEY``/``STORAGE_KEY_FILE``); the format is in `sealing`. Uploads are checked in
plaintext in the local staging folder (libmagic and the structural checks need the real
bytes), then sealed into a second staged file that the inner backend commits; the
plaintext staged file is removed at once. Kept files of forms are sealed the same way.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from tracker.documents.storage.backend import Backend, new_key
from tracker.documents.storage.filesystem import check_staged
from tracker.documents.storage.sealing import (
    HEADER_SIZE,
    open_sealed,
    plaintext_size,
    reseal,
    seal_to_file,
)


class EncryptedBackend(Backend):
    """*inner* with every object and kept file sealed under *key* (opened by any of *keys*)."""

    def __init__(self, inner: Backend, key: bytes):
        self.inner = inner
        self.key = key
        self.keys = [key]

    @contextmanager
    def _sealed_copy(self, source: BinaryIO) -> Iterator[Path]:
        """Yield a sealed copy of *source* in local staging, removed afterwards."""
        sealed = self.staging_dir() / new_key()
        try:
            with source:
                seal_to_file(source, sealed, self.key)
            yield sealed
        finally:
            sealed.unlink(missing_ok=True)

    def _staged_source(self, path: Path) -> BinaryIO:
        # Only our own staged files (check_staged): never a path someone else chose.
        return os.fdopen(check_staged(path, self.staging_dir().resolve()), "rb")

    def staging_dir(self) -> Path:
        return self.inner.staging_dir()

    # -- objects -------------------------------------------------------------------------------

    def store_staged(self, path: Path) -> str:
        with self._sealed_copy(self._staged_source(path)) as sealed:
            key = self.inner.store_staged(sealed)
        # The plaintext never stays on disk longer than its checks needed.
        Path(path).unlink(missing_ok=True)
        return key

    def open(self, key: str) -> tuple[BinaryIO, int]:
        raw, size = self.inner.open(key)
        opened = open_sealed(raw, self.keys, key)
        sealed = size >= HEADER_SIZE and not isinstance(opened, io.BufferedReader)
        return opened, plaintext_size(size) if sealed else size

    def delete(self, key: str) -> None:
        self.inner.delete(key)

    def duplicate(self, key: str, *, share: bool = False) -> str:
        # The same sealed bytes under a new key: the same data key for the same plaintext.
        return self.inner.duplicate(key, share=share)

    def exists(self, key: str) -> bool:
        return self.inner.exists(key)

    def stored_objects(self) -> Iterator[tuple[str, float]]:
        return self.inner.stored_objects()

    def remove_stale_staging(self, cutoff: float) -> None:
        self.inner.remove_stale_staging(cutoff)

    def rewrite(self, key: str, path: Path) -> None:
        self.inner.rewrite(key, path)

    # -- kept files ----------------------------------------------------------------------------
    # store_kept is Backend's: the kept file is opened (decrypted, checked against its
    # sha256) and stored through store_staged, which seals it under a data key of its own.

    def put_kept(self, folder: str, name: str, path: Path) -> None:
        with self._sealed_copy(self._staged_source(path)) as sealed:
            self.inner.put_kept(folder, name, sealed)
        Path(path).unlink(missing_ok=True)

    def put_kept_bytes(self, folder: str, name: str, data: bytes) -> None:
        with self._sealed_copy(io.BytesIO(data)) as sealed:
            self.inner.put_kept(folder, name, sealed)

    def open_kept(self, folder: str, name: str) -> BinaryIO:
        return open_sealed(self.inner.open_kept(folder, name), self.keys, f"kept/{folder}")

    def kept_names(self, folder: str) -> set[str]:
        return self.inner.kept_names(folder)

    def remove_kept(self, folder: str, names: list[str] | None = None) -> None:
        self.inner.remove_kept(folder, names)

    def kept_folders(self) -> dict[str, float]:
        return self.inner.kept_folders()

    # -- rotation ------------------------------------------------------------------------------

    def reseal_object(self, key: str, new: bytes) -> str:
        """Wrap *key*'s data key under *new* (or seal a plaintext object); return the outcome.

        The new bytes are written to local staging and replace the object in one step (an
        ``os.replace`` on disk; on S3 the object is written again whole under its name).
        """
        raw, _ = self.inner.open(key)
        path = self.staging_dir() / new_key()
        try:
            with raw:
                outcome = reseal(raw, path, self.keys, new)
            if outcome != "skipped":
                self.inner.rewrite(key, path)
            return outcome
        finally:
            path.unlink(missing_ok=True)

    def reseal_kept(self, folder: str, name: str, new: bytes) -> str:
        """Like `reseal_object`, for a kept file of a form."""
        raw = self.inner.open_kept(folder, name)
        path = self.staging_dir() / new_key()
        try:
            with raw:
                outcome = reseal(raw, path, self.keys, new)
            if outcome != "skipped":
                self.inner.put_kept(folder, name, path)
            return outcome
        finally:
            path.unlink(missing_ok=True)
