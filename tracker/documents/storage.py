"""Keep document bytes on disk under random keys, outside anything the web server serves.

Layout under ``STORAGE_ROOT`` (SecureDrop's ``store.py`` is the model)::

    staging/<random>          uploads being checked; same filesystem as objects/
    objects/<key[:2]>/<key>   accepted documents; key = 32 lowercase hex characters

Only random keys ever become path components; the applicant's file name is metadata in the
database and never touches the filesystem. Every path is checked to stay inside the root,
and files are opened without following symlinks, so a link planted in storage cannot turn a
download into a read of ``/etc/passwd``.
"""

from __future__ import annotations

import os
import re
import secrets
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from sqlalchemy import select

from tracker.extensions import db
from tracker.models import Document

KEY_PATTERN = re.compile(r"[0-9a-f]{32}")
# Files are read and written in chunks of this size, never whole.
CHUNK_SIZE = 64 * 1024
# Files younger than this are left alone by `reconcile`: a staged upload may still be
# checked, and a stored object may belong to a submission whose transaction has not
# committed yet (files move into place just before the commit).
GRACE_SECONDS = 3600

_DIR_MODE = 0o700
_FILE_MODE = 0o600


def storage_root() -> Path:
    """Return the resolved storage root, creating it (mode 0700) if it is missing."""
    root = Path(current_app.config["STORAGE_ROOT"]).resolve()
    # 0700: applicants' documents are readable by the service account only.
    root.mkdir(mode=_DIR_MODE, parents=True, exist_ok=True)
    return root


def _staging_dir() -> Path:
    path = storage_root() / "staging"
    path.mkdir(mode=_DIR_MODE, exist_ok=True)
    return path


def _objects_dir() -> Path:
    return storage_root() / "objects"


def new_staging_path() -> Path:
    """Return a fresh random path in ``staging/`` for an upload to be written to.

    Staging lives under the same root as ``objects/``, so `store_staged` can move a file
    with one atomic ``os.replace`` instead of a copy that a crash could leave half-done.
    The file is not created; create it with ``O_CREAT | O_EXCL`` and mode 0600.
    """
    return _staging_dir() / secrets.token_hex(16)


def _fsync_dir(path: Path) -> None:
    # A rename is durable only once the directory holding the new name is flushed.
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def store_staged(path: Path) -> str:
    """Move the staged file at *path* into ``objects/`` under a new random key.

    :returns: the storage key, to be saved as ``Document.storage_key``.
    :raises ValueError: if *path* is not a regular file directly inside ``staging/``.

    The file's data is flushed to disk before the rename and the directory after it, so
    once the database commit that follows succeeds, the document survives a power cut.
    """
    staging = _staging_dir()
    path = Path(path)
    # Only ever move our own staged files: a caller passing another path (or a symlink
    # someone planted in staging/) must not be able to pull arbitrary files into storage.
    if path.parent.resolve() != staging or path.name in {"", ".", ".."}:
        raise ValueError("not a staged file")
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ValueError("not a staged file")
        os.fchmod(fd, _FILE_MODE)
        os.fsync(fd)
    finally:
        os.close(fd)

    objects = _objects_dir()
    objects.mkdir(mode=_DIR_MODE, exist_ok=True)
    while True:
        key = secrets.token_hex(16)
        # _object_path refuses a symlinked prefix folder: the file must land inside root.
        destination = _object_path(key)
        # 128 random bits do not collide in practice; checking costs nothing and means a
        # replace can never overwrite another applicant's document.
        if not os.path.lexists(destination):
            break
    prefix = destination.parent
    if not prefix.is_dir():
        prefix.mkdir(mode=_DIR_MODE, exist_ok=True)
        _fsync_dir(objects)
    os.replace(path, destination)
    try:
        _fsync_dir(prefix)
    except BaseException:
        # ENOSPC change (operations): the caller never learns the key of a file moved just
        # before an error (a full disk, an I/O error), so remove it here: no orphan.
        destination.unlink(missing_ok=True)
        raise
    return key


def _object_path(key: str) -> Path:
    """Return where *key* lives, after checking the key and the directories leading there."""
    # The key is the only thing that becomes a path component, so its format is the first
    # line of defence against traversal: no dots, no slashes, no absolute paths.
    if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
        raise ValueError("invalid storage key")
    root = storage_root()
    folder = root / "objects" / key[:2]
    # Second line: the directories on the way must be real directories inside the root. A
    # symlinked objects/ or prefix folder would send reads, writes and deletes elsewhere.
    if folder.resolve() != folder:
        raise ValueError("storage path escapes the storage root")
    return folder / key


def path_for(key: str) -> Path:
    """Return the path of the object stored under *key* (which need not exist).

    :raises ValueError: if *key* is not 32 lowercase hex characters, or if the path would
        resolve outside the storage root (a symlink planted in storage).
    """
    path = _object_path(key)
    if not path.resolve().is_relative_to(storage_root()):
        raise ValueError("storage path escapes the storage root")
    return path


def open_stored(key: str) -> BinaryIO:
    """Open the object stored under *key* for reading in binary mode.

    :raises ValueError: for an invalid key, a path outside the root, or a non-regular file.
    :raises OSError: if the file is missing, or is a symlink (``O_NOFOLLOW`` → ``ELOOP``).
    """
    path = path_for(key)
    # O_NOFOLLOW: never follow a symlink at the last step, even one pointing inside the
    # root. O_NONBLOCK: a FIFO planted under the key must not hang the request in open().
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ValueError("stored object is not a regular file")
    except BaseException:
        os.close(fd)
        raise
    # O_NONBLOCK has no effect on regular files, so the handle reads normally.
    return os.fdopen(fd, "rb")


def delete_stored(key: str) -> None:
    """Remove the object stored under *key*; do nothing if it is already gone."""
    # unlink() removes a planted symlink itself, never the file it points to; the folders
    # leading to it are checked, so the name removed is always inside the root.
    _object_path(key).unlink(missing_ok=True)


@dataclass
class ReconcileReport:
    """What `reconcile` found: files no row refers to, rows whose file is missing, and the
    folders of files kept for forms whose ticket has expired (documents/kept.py)."""

    orphan_files: list[str] = field(default_factory=list)
    missing_files: list[tuple[int, str]] = field(default_factory=list)
    expired_kept: list[str] = field(default_factory=list)


def _has_regular_file(key: str) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path_for(key)).st_mode)
    except (ValueError, OSError):
        return False


def _stored_objects() -> dict[str, float]:
    """Return {key: mtime} for every regular file under objects/ named like a key."""
    found: dict[str, float] = {}
    objects = _objects_dir()
    if not objects.is_dir():
        return found
    with os.scandir(objects) as prefixes:
        for prefix in prefixes:
            # Symlinked or oddly named directories are not ours; never walk into them.
            if not prefix.is_dir(follow_symlinks=False):
                current_app.logger.warning("storage: unexpected entry objects/%s", prefix.name)
                continue
            with os.scandir(prefix.path) as entries:
                for entry in entries:
                    name = entry.name
                    if (
                        KEY_PATTERN.fullmatch(name)
                        and name[:2] == prefix.name
                        and entry.is_file(follow_symlinks=False)
                    ):
                        found[name] = entry.stat(follow_symlinks=False).st_mtime
                    else:
                        current_app.logger.warning(
                            "storage: unexpected entry objects/%s/%s", prefix.name, name
                        )
    return found


def _remove_stale_staging(cutoff: float) -> None:
    staging = _staging_dir()
    with os.scandir(staging) as entries:
        for entry in entries:
            if (
                not entry.is_dir(follow_symlinks=False)
                and entry.stat(follow_symlinks=False).st_mtime < cutoff
            ):
                Path(entry.path).unlink(missing_ok=True)


def reconcile(*, delete: bool = False) -> ReconcileReport:
    """Compare storage with the documents table.

    :param delete: remove the orphan files, staged uploads older than an hour, and the
        files kept for forms whose ticket has expired (untouched for longer than
        ``WTF_CSRF_TIME_LIMIT``, the tickets' lifetime).
    :returns: orphan keys (sorted), ``(document id, key)`` of rows whose file is
        missing (by id), and the names of the expired kept-files folders (sorted).

    Files modified within `GRACE_SECONDS` are neither reported nor deleted: they may belong
    to a submission that is being committed right now. Rows are streamed, so memory holds
    two sets of keys, not 100,000 model objects.
    """
    now = time.time()
    cutoff = now - GRACE_SECONDS
    # Disk first, then rows: a submission that commits in between shows up as a young file
    # (skipped) or as a row whose file is re-checked below — never as a false orphan.
    on_disk = _stored_objects()
    referenced: set[str] = set()
    missing: list[tuple[int, str]] = []
    rows = db.session.execute(
        select(Document.id, Document.storage_key)
        .order_by(Document.id)
        .execution_options(yield_per=1000)
    )
    for document_id, key in rows:
        referenced.add(key)
        if key not in on_disk:
            missing.append((document_id, key))
    missing = [(document_id, key) for document_id, key in missing if not _has_regular_file(key)]
    orphans = sorted(
        key for key, mtime in on_disk.items() if key not in referenced and mtime < cutoff
    )
    if delete:
        for key in orphans:
            delete_stored(key)
        _remove_stale_staging(cutoff)
    # Imported here: kept.py builds on this module.
    from tracker.documents.kept import expire

    expired = expire(current_app.config["WTF_CSRF_TIME_LIMIT"], delete=delete)
    return ReconcileReport(orphan_files=orphans, missing_files=missing, expired_kept=expired)
