"""Keep document bytes on disk under random keys, outside anything the web server serves.

Layout under ``STORAGE_ROOT`` (SecureDrop's ``store.py`` is the model)::

    staging/<random>          uploads being checked; same filesystem as objects/
    objects/<key[:2]>/<key>   accepted documents; key = 32 lowercase hex characters
    kept/<folder>/<name>      files kept with a form (kept.py)

Only random keys ever become path components; the applicant's file name is metadata in the
database and never touches the filesystem. Every path is checked to stay inside the root,
and files are opened without following symlinks, so a link planted in storage cannot turn a
download into a read of ``/etc/passwd``.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import shutil
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from tracker.documents.storage.backend import (
    CHUNK_SIZE,
    KEPT_FOLDER_PATTERN,
    KEY_PATTERN,
    Backend,
    check_kept_name,
    check_key,
    new_key,
)

logger = logging.getLogger(__name__)

DIR_MODE = 0o700
FILE_MODE = 0o600
# What link() answers on a filesystem without hard links (some network and FUSE mounts).
_NO_HARD_LINKS = frozenset({errno.EPERM, errno.EXDEV, errno.EMLINK, errno.ENOTSUP, errno.ENOSYS})


def ensure_dir(path: Path) -> Path:
    """Return *path*, made (0700, with its parents) unless it is a directory already.

    One stat when it exists, as it nearly always does: every upload and kept file passes
    here, and mkdir's "exists" error costs a system call and a Python exception each time.
    """
    if not os.path.isdir(path):
        path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    return path


def fsync_dir(path: Path) -> None:
    """Flush *path*'s entries: a rename is durable only once its directory is flushed."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def check_staged(path: Path, staging: Path) -> int:
    """Open the staged file at *path* (read-only, never through a link); return its fd.

    Only ever our own staged files: a caller passing another path (or a symlink someone
    planted in staging/) must not be able to pull arbitrary files into storage.

    :raises ValueError: if *path* is not a regular file directly inside *staging*.
    """
    path = Path(path)
    if path.parent.resolve() != staging or path.name in {"", ".", ".."}:
        raise ValueError("not a staged file")
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise ValueError("not a staged file")
    return fd


def write_private(path: Path, data: bytes) -> None:
    """Write *data* to a brand-new file at *path* (0600, never through a planted link)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, FILE_MODE)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _copy_file(source: Path, destination: Path) -> None:
    fd = os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, FILE_MODE)
    with open(source, "rb") as reader, os.fdopen(fd, "wb") as writer:
        shutil.copyfileobj(reader, writer)


class FilesystemBackend(Backend):
    """Objects as files under *root*; commits are one atomic ``os.replace``."""

    def __init__(self, root: Path):
        self.root = Path(root).resolve()

    # -- layout --------------------------------------------------------------------------------

    def staging_dir(self) -> Path:
        return ensure_dir(self.root / "staging")

    def _object_path(self, key: str) -> Path:
        """Return where *key* lives, after checking the key and the directories leading there."""
        check_key(key)
        folder = self.root / "objects" / key[:2]
        # Second line: the directories on the way must be real directories inside the root. A
        # symlinked objects/ or prefix folder would send reads, writes and deletes elsewhere.
        if folder.resolve() != folder:
            raise ValueError("storage path escapes the storage root")
        return folder / key

    def path_for(self, key: str) -> Path:
        """Return the path of the object stored under *key* (which need not exist)."""
        path = self._object_path(key)
        if not path.resolve().is_relative_to(self.root):
            raise ValueError("storage path escapes the storage root")
        return path

    def _free_path(self) -> tuple[str, Path]:
        objects = ensure_dir(self.root / "objects")
        while True:
            key = new_key()
            # _object_path refuses a symlinked prefix folder: the file must land inside root.
            destination = self._object_path(key)
            # Checking costs nothing and means a replace can never overwrite another
            # applicant's document.
            if not os.path.lexists(destination):
                break
        if not destination.parent.is_dir():
            destination.parent.mkdir(mode=DIR_MODE, exist_ok=True)
            fsync_dir(objects)
        return key, destination

    def _flush_staged(self, path: Path) -> None:
        """Check that *path* is our staged file, make it private and flush it to disk."""
        fd = check_staged(path, self.staging_dir())
        try:
            os.fchmod(fd, FILE_MODE)
            os.fsync(fd)
        finally:
            os.close(fd)

    # -- objects -------------------------------------------------------------------------------

    def store_staged(self, path: Path) -> str:
        """Move the staged file into ``objects/`` (data and directory fsynced, so once the
        database commit that follows succeeds, the document survives a power cut)."""
        self._flush_staged(path)
        key, destination = self._free_path()
        os.replace(path, destination)
        try:
            fsync_dir(destination.parent)
        except BaseException:
            # ENOSPC change (operations): the caller never learns the key of a file moved
            # just before an error (a full disk, an I/O error), so remove it here: no orphan.
            destination.unlink(missing_ok=True)
            raise
        return key

    def store_kept(self, folder: str, name: str, sha256: str) -> str:
        """Commit the kept file as a new object by a second name (a hard link), not a copy.

        The file is checked against *sha256*, flushed, and linked into ``objects/`` (its
        folder flushed too), exactly as `store_staged` commits a staged file; the kept name
        stays until the form's folder is discarded. No new file is written: on this
        filesystem creating files is what costs, not copying (see the README's Submissions).
        """
        check_kept_name(folder, name)
        directory = self._kept_dir(folder)
        if directory is None:
            raise FileNotFoundError(name)
        source = directory / name
        fd = os.open(source, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        try:
            kept = os.fstat(fd)
            if not stat.S_ISREG(kept.st_mode):
                raise FileNotFoundError(name)
            digest = hashlib.sha256()
            while chunk := os.read(fd, CHUNK_SIZE):
                digest.update(chunk)
            if digest.hexdigest() != sha256:
                raise ValueError("a kept file changed after it was checked")
            os.fchmod(fd, FILE_MODE)
            # Modified now, as a copy would be: reconcile leaves young objects alone while
            # the row that names them commits (GRACE_SECONDS), however long ago it was kept.
            os.utime(fd)
            os.fsync(fd)
            key, destination = self._free_path()
            try:
                os.link(source, destination, follow_symlinks=False)
            except OSError as error:
                if error.errno not in _NO_HARD_LINKS:
                    raise
                return super().store_kept(folder, name, sha256)
            try:
                linked = os.lstat(destination)
                # The name may have been replaced since it was opened and checked (the same
                # form posted again): only the very file checked above may be committed.
                if (linked.st_dev, linked.st_ino) != (kept.st_dev, kept.st_ino):
                    raise ValueError("a kept file changed after it was checked")
                fsync_dir(destination.parent)
            except BaseException:
                # As in store_staged: the caller never learns this key, so leave no orphan.
                destination.unlink(missing_ok=True)
                raise
        finally:
            os.close(fd)
        return key

    def open(self, key: str) -> tuple[BinaryIO, int]:
        path = self.path_for(key)
        # O_NOFOLLOW: never follow a symlink at the last step, even one pointing inside the
        # root. O_NONBLOCK: a FIFO planted under the key must not hang the request in open().
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        try:
            status = os.fstat(fd)
            if not stat.S_ISREG(status.st_mode):
                raise ValueError("stored object is not a regular file")
        except BaseException:
            os.close(fd)
            raise
        # O_NONBLOCK has no effect on regular files, so the handle reads normally.
        return os.fdopen(fd, "rb"), status.st_size

    @contextmanager
    def local_copy(self, key: str) -> Iterator[Path]:
        # The object's own file: checked like open() (no links, a regular file).
        handle, _ = self.open(key)
        handle.close()
        yield self.path_for(key)

    def delete(self, key: str) -> None:
        # unlink() removes a planted symlink itself, never the file it points to; the folders
        # leading to it are checked, so the name removed is always inside the root.
        self._object_path(key).unlink(missing_ok=True)

    def duplicate(self, key: str, *, share: bool = False) -> str:
        source = self.path_for(key)
        new, destination = self._free_path()
        if share:
            try:
                os.link(source, destination)
                return new
            except OSError:
                pass  # a filesystem without hard links (some network and FUSE mounts)
        _copy_file(source, destination)
        return new

    def rewrite(self, key: str, path: Path) -> None:
        """Replace *key*'s file with the staged *path* in one ``os.replace`` (fsynced)."""
        self._flush_staged(path)
        destination = self.path_for(key)
        os.replace(path, destination)
        fsync_dir(destination.parent)

    def exists(self, key: str) -> bool:
        try:
            return stat.S_ISREG(os.lstat(self.path_for(key)).st_mode)
        except (ValueError, OSError):
            return False

    def stored_objects(self) -> Iterator[tuple[str, float]]:
        objects = self.root / "objects"
        if not objects.is_dir():
            return
        with os.scandir(objects) as prefixes:
            for prefix in prefixes:
                # Symlinked or oddly named directories are not ours; never walk into them.
                if not prefix.is_dir(follow_symlinks=False):
                    logger.warning("storage: unexpected entry objects/%s", prefix.name)
                    continue
                with os.scandir(prefix.path) as entries:
                    for entry in entries:
                        name = entry.name
                        if (
                            KEY_PATTERN.fullmatch(name)
                            and name[:2] == prefix.name
                            and entry.is_file(follow_symlinks=False)
                        ):
                            yield name, entry.stat(follow_symlinks=False).st_mtime
                        else:
                            logger.warning(
                                "storage: unexpected entry objects/%s/%s", prefix.name, name
                            )

    def remove_stale_staging(self, cutoff: float) -> None:
        # The local staging folder is this backend's staging area: see storage.reconcile.
        return

    # -- kept files ----------------------------------------------------------------------------

    def _kept_dir(self, folder: str, *, create: bool = False) -> Path | None:
        check_kept_name(folder)
        path = ensure_dir(self.root / "kept") / folder
        # A planted symlink must not send reads, writes or deletes outside the root: only a
        # directory itself passes (lstat does not follow a link).
        try:
            is_directory = stat.S_ISDIR(os.lstat(path).st_mode)
        except FileNotFoundError:
            is_directory = False
            if create:
                path.mkdir(mode=DIR_MODE, exist_ok=True)
                is_directory = stat.S_ISDIR(os.lstat(path).st_mode)
        if not is_directory:
            if create:
                raise ValueError("the kept-files folder is not a directory")
            return None
        return path

    def put_kept(self, folder: str, name: str, path: Path) -> None:
        check_kept_name(folder, name)
        # One rename: staging and kept share the root's filesystem.
        os.replace(path, self._kept_dir(folder, create=True) / name)

    def put_kept_bytes(self, folder: str, name: str, data: bytes) -> None:
        check_kept_name(folder, name)
        directory = self._kept_dir(folder, create=True)
        pending = directory / f"{name}.new"
        pending.unlink(missing_ok=True)
        write_private(pending, data)
        os.replace(pending, directory / name)

    def open_kept(self, folder: str, name: str) -> BinaryIO:
        check_kept_name(folder, name)
        directory = self._kept_dir(folder)
        if directory is None:
            raise FileNotFoundError(name)
        fd = os.open(directory / name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise FileNotFoundError(name)
        return os.fdopen(fd, "rb")

    def kept_names(self, folder: str) -> set[str]:
        directory = self._kept_dir(folder)
        if directory is None:
            return set()
        with os.scandir(directory) as entries:
            return {entry.name for entry in entries if entry.is_file(follow_symlinks=False)}

    def remove_kept(self, folder: str, names: list[str] | None = None) -> None:
        directory = self._kept_dir(folder)
        if directory is None:
            return
        if names is not None:
            for name in names:
                check_kept_name(folder, name)
                (directory / name).unlink(missing_ok=True)
            return
        with os.scandir(directory) as entries:
            for entry in entries:
                # unlink() removes a planted link itself, never what it points to.
                Path(entry.path).unlink(missing_ok=True)
        directory.rmdir()

    def kept_folders(self) -> dict[str, float]:
        root = self.root / "kept"
        if not root.is_dir():
            return {}
        with os.scandir(root) as entries:
            return {
                entry.name: entry.stat(follow_symlinks=False).st_mtime
                for entry in entries
                if entry.is_dir(follow_symlinks=False) and KEPT_FOLDER_PATTERN.fullmatch(entry.name)
            }
