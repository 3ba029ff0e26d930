"""What every storage backend does, and the rules they share: keys, chunks, grace period.

A backend keeps three kinds of things, each under its own prefix (a folder on disk, a key
prefix in a bucket):

    staging/…        uploads on their way into objects/ (removed on commit or failure)
    objects/…        accepted documents, one per random key
    kept/<folder>/…  files kept with a form until its application is stored (kept.py)

Callers never see which backend is active: they go through `tracker.documents.storage`.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import secrets
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

KEY_PATTERN = re.compile(r"[0-9a-f]{32}")
# Folders of kept files are keyed digests (hex); the names in them are fixed by kept.py.
KEPT_FOLDER_PATTERN = re.compile(r"[0-9a-f]{16,128}")
KEPT_NAME_PATTERN = re.compile(r"[a-z_]{1,40}(\.json)?")
# Files are read and written in chunks of this size, never whole.
CHUNK_SIZE = 64 * 1024
# Objects younger than this are left alone by `reconcile`: a staged upload may still be
# checked, and a stored object may belong to a submission whose transaction has not
# committed yet (objects are committed just before the database commit).
GRACE_SECONDS = 3600


class StorageUnreachable(OSError):
    """The storage service did not answer, or refused the request (an outage, a missing
    bucket, wrong credentials): nothing was stored, the request may be tried again."""


def is_out_of_space(error: BaseException) -> bool:
    """Tell whether *error* is "no space left on device" or over quota: no file fits now."""
    return isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT)


def check_key(key: object) -> str:
    """Return *key* if it is 32 lowercase hex characters; raise ValueError otherwise.

    The key is the only thing that becomes part of a path or an object name, so its format
    is the first line of defence against traversal: no dots, no slashes, no absolute paths.
    """
    if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
        raise ValueError("invalid storage key")
    return key


def check_kept_name(folder: object, name: object = "x") -> None:
    """Raise ValueError unless *folder* and *name* can name a kept file."""
    if not isinstance(folder, str) or not KEPT_FOLDER_PATTERN.fullmatch(folder):
        raise ValueError("invalid kept-files folder")
    if not isinstance(name, str) or not KEPT_NAME_PATTERN.fullmatch(name):
        raise ValueError("invalid kept-file name")


def new_key() -> str:
    """Return a fresh random key: 128 bits, so keys never repeat in practice."""
    return secrets.token_hex(16)


def copy_to_new_file(source: BinaryIO, path: Path) -> str:
    """Copy *source* into a brand-new file at *path* (0600, never through a planted link);
    return the sha256 of what was copied."""
    digest = hashlib.sha256()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as copy:
        while chunk := source.read(CHUNK_SIZE):
            digest.update(chunk)
            copy.write(chunk)
    return digest.hexdigest()


class Backend(ABC):
    """Where document bytes live. Every method takes keys checked by `check_key`."""

    @abstractmethod
    def store_staged(self, path: Path) -> str:
        """Commit the checked upload at *path* (in the local staging folder) as a new object.

        The upload goes through the backend's staging area and is then committed under a new
        random key; on success the local file is gone, on failure nothing this call wrote
        is left behind (the local file stays for the caller's clean-up).

        :returns: the new key.
        :raises ValueError: if *path* is not a regular file directly inside staging.
        """

    @abstractmethod
    def open(self, key: str) -> tuple[BinaryIO, int]:
        """Open the object under *key* for reading as a stream; return it and its size.

        :raises ValueError: for an invalid key or an object that is not ours to read.
        :raises OSError: if the object is missing (FileNotFoundError) or cannot be read.
        """

    @contextmanager
    def local_copy(self, key: str) -> Iterator[Path]:
        """Yield a path on local disk with the object's bytes (0600), gone afterwards.

        For code that needs a real file: libmagic, text extraction, the page renderer.
        Here a copy of what `open` reads, in the local staging folder.
        """
        handle, _ = self.open(key)
        path = self.staging_dir() / new_key()
        try:
            with handle:
                copy_to_new_file(handle, path)
            yield path
        finally:
            path.unlink(missing_ok=True)

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the object under *key*; do nothing if it is already gone."""

    @abstractmethod
    def duplicate(self, key: str, *, share: bool = False) -> str:
        """Store a copy of the object under *key* under a new key (demo data).

        :param share: the copy may share its bytes with the original (a hard link).
        """

    @abstractmethod
    def rewrite(self, key: str, path: Path) -> None:
        """Replace the object under *key* with the local file *path* (in staging), whole.

        Used by key rotation only; the local file is gone afterwards.
        """

    @abstractmethod
    def exists(self, key: str) -> bool:
        """Tell whether an object (of ours) is stored under *key*."""

    @abstractmethod
    def stored_objects(self) -> Iterator[tuple[str, float]]:
        """Yield ``(key, modification time)`` of every object; anything else is logged."""

    @abstractmethod
    def remove_stale_staging(self, cutoff: float) -> None:
        """Remove staged uploads last modified before *cutoff* (a Unix time)."""

    # -- kept files (kept.py) -------------------------------------------------------------------

    @abstractmethod
    def staging_dir(self) -> Path:
        """Return the local folder where uploads are written and checked (created if missing)."""

    def store_kept(self, folder: str, name: str, sha256: str) -> str:
        """Commit a copy of the kept file *folder*/*name* as a new object; return its key.

        The kept file stays where it is: if the application then fails to commit, the
        applicant's files are still there for the next attempt. Here the bytes are copied
        into the local staging folder, checked against *sha256* on the way, and committed by
        `store_staged`; a backend may commit them more cheaply.

        :raises ValueError: the kept file changed since it was checked (another *sha256*).
        :raises OSError: the kept file is missing or cannot be read.
        """
        source = self.open_kept(folder, name)
        path = self.staging_dir() / new_key()
        try:
            with source:
                if copy_to_new_file(source, path) != sha256:
                    raise ValueError("a kept file changed after it was checked")
            return self.store_staged(path)
        finally:
            source.close()
            # Gone already once stored; after a failure this call's copy is removed here.
            path.unlink(missing_ok=True)

    @abstractmethod
    def put_kept(self, folder: str, name: str, path: Path) -> None:
        """Move the local file at *path* to *folder*/*name*, replacing what was there."""

    @abstractmethod
    def put_kept_bytes(self, folder: str, name: str, data: bytes) -> None:
        """Write *data* to *folder*/*name*, replacing what was there."""

    @abstractmethod
    def open_kept(self, folder: str, name: str) -> BinaryIO:
        """Open *folder*/*name* for reading. :raises OSError: if it is missing."""

    @abstractmethod
    def kept_names(self, folder: str) -> set[str]:
        """Return the names of the files in *folder* (none if it does not exist)."""

    @abstractmethod
    def remove_kept(self, folder: str, names: list[str] | None = None) -> None:
        """Remove *names* from *folder*, or the whole folder when *names* is None."""

    @abstractmethod
    def kept_folders(self) -> dict[str, float]:
        """Return ``{folder: time of its last change}`` for every folder of kept files."""
