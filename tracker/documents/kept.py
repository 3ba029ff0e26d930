"""Files an applicant chose, kept with the form's one-time token until the application is stored.

A form comes back to the applicant many times before it is sent (an invalid answer, the
language switch, a rate-limited post, "change" on the check page), and a browser never
re-fills a file input. So each file that passed `stage_upload` (the same checks and limits
as ever) is kept here, and only a refused file has to be chosen again::

    kept/<keyed digest of the form token>/<kind>        the bytes (0600)
    kept/<keyed digest of the form token>/<kind>.json   name, type, size, sha256, flags

The folder is named by an HMAC of the token, never the token itself: a listing of the
storage root reveals no token, and only a request carrying a genuinely signed ticket can
name a folder. A kept file is never an application's document: `submit_application` copies
the kept files into staging and stores them in its one transaction, then discards the
folder. `flask storage reconcile --delete` removes folders whose token has expired.
"""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import json
import logging
import os
import time
from pathlib import Path

from werkzeug.datastructures import FileStorage

from tracker.documents.refusals import no_space
from tracker.documents.storage import CHUNK_SIZE, new_staging_path, storage_root
from tracker.documents.validate import StagedFile, stage_upload
from tracker.enums import DocumentKind, FileType
from tracker.tokens import keyed_digest

__all__ = ["discard", "expire", "forget", "keep", "kept_files", "staged_copy"]

logger = logging.getLogger(__name__)

_DIR_MODE = 0o700
_FILE_MODE = 0o600
_DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT})


def _kept_root() -> Path:
    root = storage_root() / "kept"
    root.mkdir(mode=_DIR_MODE, exist_ok=True)
    return root


def _token_dir(token: str, *, create: bool = False) -> Path | None:
    """Return the folder of *token*'s kept files (None if it is missing and not created)."""
    # A purpose prefix: the same token's digest for another use must not name this folder.
    folder = _kept_root() / keyed_digest(f"kept-files\0{token}")
    if create:
        folder.mkdir(mode=_DIR_MODE, exist_ok=True)
    # A planted symlink must not send reads, writes or deletes outside the root.
    if not folder.is_dir() or folder.is_symlink():
        return None
    return folder


def _write_private(path: Path, data: bytes) -> None:
    """Write *data* to a brand-new file at *path* (0600, never through a planted link)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, _FILE_MODE)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _metadata(staged: StagedFile) -> bytes:
    return json.dumps(
        {
            "filename": staged.filename,
            "file_type": staged.file_type.value,
            "content_type": staged.content_type,
            "size": staged.size,
            "sha256": staged.sha256,
            "flags": list(staged.flags),
        }
    ).encode()


def keep(token: str, kind: DocumentKind, upload: FileStorage) -> StagedFile:
    """Check *upload* as every upload is checked and keep it as *token*'s *kind* document.

    A file kept earlier for the same kind is replaced.

    :returns: the kept file (its path is inside the token's folder).
    :raises UploadError: the file is refused; nothing new is kept, and the earlier file of
        this kind (if any) is left as it was.
    """
    staged = stage_upload(upload)
    folder = _token_dir(token, create=True)
    try:
        if folder is None:
            raise ValueError("the kept-files folder is not a directory")
        data, meta = folder / kind.value, folder / f"{kind.value}.json"
        pending = folder / f"{kind.value}.json.new"
        pending.unlink(missing_ok=True)
        _write_private(pending, _metadata(staged))
        # Both renames stay inside one filesystem (staging and kept share the root).
        os.replace(staged.path, data)
        os.replace(pending, meta)
    except BaseException as error:
        staged.path.unlink(missing_ok=True)
        if isinstance(error, OSError) and error.errno in _DISK_FULL:
            raise no_space() from error
        raise
    return _kept(data, json.loads(meta.read_bytes()))


def _kept(path: Path, meta: dict) -> StagedFile:
    return StagedFile(
        path=path,
        filename=str(meta["filename"]),
        file_type=FileType(meta["file_type"]),
        content_type=str(meta["content_type"]),
        size=int(meta["size"]),
        sha256=str(meta["sha256"]),
        flags=tuple(meta.get("flags", ())),
    )


def kept_files(token: str | None) -> dict[DocumentKind, StagedFile]:
    """Return the files kept for *token*, by kind, in the order of the kinds (none for None)."""
    folder = _token_dir(token) if token else None
    if folder is None:
        return {}
    found = {}
    for kind in DocumentKind:
        data, meta = folder / kind.value, folder / f"{kind.value}.json"
        try:
            if data.is_symlink() or not data.is_file():
                continue
            found[kind] = _kept(data, json.loads(meta.read_bytes()))
        except (OSError, ValueError, KeyError, TypeError):
            continue  # half-written or damaged: as if never kept, the field asks again
    return found


def forget(token: str, kind: DocumentKind) -> None:
    """Remove *token*'s kept *kind* file (the applicant chose another one, which was refused)."""
    folder = _token_dir(token)
    if folder is not None:
        for name in (f"{kind.value}.json", kind.value):
            (folder / name).unlink(missing_ok=True)


def _remove(folder: Path) -> None:
    with os.scandir(folder) as entries:
        for entry in entries:
            # unlink() removes a planted link itself, never what it points to.
            Path(entry.path).unlink(missing_ok=True)
    folder.rmdir()


def discard(token: str) -> None:
    """Remove every file kept for *token* (its application is stored); never raise."""
    try:
        folder = _token_dir(token)
        if folder is not None:
            _remove(folder)
    except OSError:
        # The application is committed and matters more; reconcile sweeps the folder later.
        logger.warning("could not remove kept files", exc_info=True)


def expire(older_than: float, *, delete: bool = True) -> list[str]:
    """Return (and with *delete*, remove) the folders untouched for *older_than* seconds.

    A folder changes whenever a file is kept, and its token was issued before that, so a
    folder older than the form tickets' lifetime belongs to a token that has expired.
    """
    cutoff = time.time() - older_than
    expired = []
    with os.scandir(_kept_root()) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False) and entry.stat().st_mtime < cutoff:
                expired.append(entry.name)
                if delete:
                    _remove(Path(entry.path))
    return sorted(expired)


def staged_copy(kept: StagedFile) -> StagedFile:
    """Copy a kept file into staging for `store_staged`, checking it is still the same file.

    The kept file stays where it is: if the application then fails to commit, the
    applicant's files are still there for the next attempt.

    :raises ValueError: the kept file changed on disk since it was checked.
    """
    source = os.fdopen(os.open(kept.path, os.O_RDONLY | os.O_NOFOLLOW), "rb")
    path = new_staging_path()
    try:
        digest = hashlib.sha256()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, _FILE_MODE)
        with source, os.fdopen(fd, "wb") as copy:
            while chunk := source.read(CHUNK_SIZE):
                digest.update(chunk)
                copy.write(chunk)
        if digest.hexdigest() != kept.sha256:
            raise ValueError("a kept file changed after it was checked")
    except BaseException:
        source.close()
        path.unlink(missing_ok=True)
        raise
    return dataclasses.replace(kept, path=path)
