"""Document storage: random keys, staged then committed, one interface for every backend.

The filesystem backend (``STORAGE_ROOT``, the default) and the S3 backend
(``STORAGE_URL=s3://bucket/prefix``) both implement `backend.Backend`; everything else goes
through the functions here and never learns which one is active. Uploads are always
written and checked in the local staging folder (``STORAGE_ROOT/staging``: libmagic and
the structural checks need a file), then `store_staged` commits them to the backend.
With ``STORAGE_KEY`` set, the backend is wrapped in `encrypted.EncryptedBackend`, which
seals what is stored and opens it on the way out (encryption at rest, see `sealing`).
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from sqlalchemy import select

from tracker.config import storage_location
from tracker.documents.storage.backend import (
    CHUNK_SIZE,
    GRACE_SECONDS,
    KEY_PATTERN,
    Backend,
)
from tracker.documents.storage.filesystem import FilesystemBackend, ensure_dir
from tracker.documents.storage.keys import master_key
from tracker.extensions import db
from tracker.models import Document, ReplyAttachment

__all__ = [
    "CHUNK_SIZE",
    "GRACE_SECONDS",
    "KEY_PATTERN",
    "ReconcileReport",
    "backend",
    "delete_stored",
    "duplicate_stored",
    "has_stored",
    "local_copy",
    "new_staging_path",
    "open_stored",
    "open_stored_sized",
    "path_for",
    "reconcile",
    "storage_root",
    "store_staged",
]


def storage_root() -> Path:
    """Return the resolved local storage root, creating it (mode 0700) if it is missing.

    With the S3 backend it holds only uploads being checked and short-lived local copies.
    """
    # 0700: applicants' documents are readable by the service account only.
    return ensure_dir(Path(current_app.config["STORAGE_ROOT"]).resolve())


def backend() -> Backend:
    """Return the current app's storage backend (made once per app)."""
    found = current_app.extensions.get("tracker.storage")
    if found is None:
        location = storage_location(current_app.config.get("STORAGE_URL"))
        if location is not None:
            # Imported only here: boto3 costs memory that the filesystem backend never needs.
            from tracker.documents.storage.s3 import S3Backend

            found = S3Backend(location.bucket, location.prefix, storage_root())
        else:
            found = FilesystemBackend(storage_root())
        key = master_key(current_app.config)
        if key is not None:
            # Imported only here: cryptography is loaded when encryption at rest is on.
            from tracker.documents.storage.encrypted import EncryptedBackend

            found = EncryptedBackend(found, key)
        current_app.extensions["tracker.storage"] = found
    return found


def new_staging_path() -> Path:
    """Return a fresh random path in the local ``staging/`` for an upload to be written to.

    Staging lives under the same root as the filesystem backend's ``objects/``, so
    `store_staged` moves a file there with one atomic ``os.replace``. The file is not
    created; create it with ``O_CREAT | O_EXCL`` and mode 0600.
    """
    # The backend's local staging folder: under the storage root it was made with.
    return backend().staging_dir() / secrets.token_hex(16)


def store_staged(path: Path) -> str:
    """Commit the staged file at *path* under a new random key; return the key.

    :raises ValueError: if *path* is not a regular file directly inside ``staging/``.
    """
    return backend().store_staged(path)


def open_stored(key: str) -> BinaryIO:
    """Open the object stored under *key* for reading as a stream (read it in chunks).

    :raises ValueError: for an invalid key, or an object that is not ours to read.
    :raises OSError: if the object is missing (FileNotFoundError) or cannot be read.
    """
    return backend().open(key)[0]


def open_stored_sized(key: str) -> tuple[BinaryIO, int]:
    """Like `open_stored`, and return the object's size in bytes too."""
    return backend().open(key)


def local_copy(key: str) -> AbstractContextManager[Path]:
    """Yield a local file with the bytes stored under *key*, for code that needs a path.

    The filesystem backend yields the object's own file; the S3 backend a 0600 copy in
    the local staging folder, removed when the block ends. Never write to the path.
    """
    return backend().local_copy(key)


def delete_stored(key: str) -> None:
    """Remove the object stored under *key*; do nothing if it is already gone."""
    backend().delete(key)


def duplicate_stored(key: str, *, share: bool = False) -> str:
    """Store a copy of *key*'s object under a new key (may share bytes if *share*)."""
    return backend().duplicate(key, share=share)


def has_stored(key: str) -> bool:
    """Tell whether an object is stored under *key*."""
    return backend().exists(key)


def path_for(key: str) -> Path:
    """Return the path of *key*'s object in the filesystem backend (which need not exist).

    :raises ValueError: for an invalid key, a path outside the root, or the S3 backend.
    """
    active = backend()
    if not isinstance(active, FilesystemBackend):
        # In S3, or encrypted on disk: the object's own bytes are no use to a reader.
        raise ValueError("stored objects have no readable local path here; use local_copy")
    return active.path_for(key)


@dataclass
class ReconcileReport:
    """What `reconcile` found: objects no row refers to, rows whose object is missing, and
    the folders of files kept for forms whose ticket has expired (documents/kept.py)."""

    orphan_files: list[str] = field(default_factory=list)
    missing_files: list[tuple[int, str]] = field(default_factory=list)
    expired_kept: list[str] = field(default_factory=list)


def _stored_objects() -> Iterator[tuple[str, float]]:
    return backend().stored_objects()


def _remove_stale_local_staging(cutoff: float) -> None:
    staging = storage_root() / "staging"
    if not staging.is_dir():
        return
    with os.scandir(staging) as entries:
        for entry in entries:
            if (
                not entry.is_dir(follow_symlinks=False)
                and entry.stat(follow_symlinks=False).st_mtime < cutoff
            ):
                Path(entry.path).unlink(missing_ok=True)


def reconcile(*, delete: bool = False) -> ReconcileReport:
    """Compare storage with the documents table (and the replies' attachments).

    :param delete: remove the orphan objects, staged uploads older than an hour (local
        and in the backend), and the files kept for forms whose ticket has expired
        (untouched for longer than ``WTF_CSRF_TIME_LIMIT``, the tickets' lifetime).
    :returns: orphan keys (sorted), ``(document id, key)`` of rows whose object is
        missing (by id), and the names of the expired kept-files folders (sorted).

    Objects modified within `GRACE_SECONDS` are neither reported nor deleted: they may
    belong to a submission that is being committed right now. Rows are streamed, so memory
    holds two sets of keys, not 100,000 model objects.
    """
    now = time.time()
    cutoff = now - GRACE_SECONDS
    # Storage first, then rows: a submission that commits in between shows up as a young
    # object (skipped) or as a row whose object is re-checked below — never a false orphan.
    stored = dict(_stored_objects())
    referenced: set[str] = set()
    missing: list[tuple[int, str]] = []
    rows = db.session.execute(
        select(Document.id, Document.storage_key)
        .order_by(Document.id)
        .execution_options(yield_per=1000)
    )
    for document_id, key in rows:
        referenced.add(key)
        if key not in stored:
            missing.append((document_id, key))
    # Files attached to applicants' replies are stored the same way: not orphans.
    referenced.update(
        db.session.scalars(select(ReplyAttachment.storage_key).execution_options(yield_per=1000))
    )
    missing = [(document_id, key) for document_id, key in missing if not has_stored(key)]
    orphans = sorted(
        key for key, mtime in stored.items() if key not in referenced and mtime < cutoff
    )
    if delete:
        for key in orphans:
            delete_stored(key)
        _remove_stale_local_staging(cutoff)
        backend().remove_stale_staging(cutoff)
    # Imported here: kept.py builds on this module.
    from tracker.documents.kept import expire

    expired = expire(current_app.config["WTF_CSRF_TIME_LIMIT"], delete=delete)
    return ReconcileReport(orphan_files=orphans, missing_files=missing, expired_kept=expired)
