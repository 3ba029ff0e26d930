"""Tests for storing a kept file as a document (tracker.documents.kept.store_kept).

On disk the object is a second name (a hard link) for the kept file, checked, flushed and
made young; S3 copies it. Either way the kept file stays until its form is discarded.
"""

from __future__ import annotations

import dataclasses
import errno
import io
import os
import shutil
import stat
import time
from pathlib import Path

import pytest
from werkzeug.datastructures import FileStorage

from tests.storage_backends import all_object_names, staged_objects, stored_bytes
from tracker.documents.kept import KeptFile, discard, keep, kept_files, store_kept
from tracker.documents.storage import backend, delete_stored, path_for, reconcile
from tracker.documents.storage import filesystem as filesystem_backend
from tracker.enums import DocumentKind

CV = b"Nino Beridze, journalist in Kutaisi.\n"


def keep_cv(form: str = "a-token", data: bytes = CV) -> KeptFile:
    """Keep a small text file as the CV of the form whose token is *form*, as it does."""
    return keep(form, DocumentKind.CV, FileStorage(stream=io.BytesIO(data), filename="cv.txt"))


def kept_path(kept: KeptFile) -> Path:
    return backend().root / "kept" / kept.folder / kept.kind.value


def staging_files() -> list[Path]:
    staging = backend().staging_dir()
    return sorted(staging.iterdir())


def test_a_kept_file_is_stored_with_its_bytes_and_stays_kept(storage, app):
    kept = keep_cv()

    key = store_kept(kept)

    assert all_object_names() == [key]
    assert stored_bytes(key) == CV
    assert staged_objects() == []
    # Still kept: a commit that fails after this leaves the applicant's file in place.
    assert list(kept_files("a-token")) == [DocumentKind.CV]

    discard("a-token")

    assert stored_bytes(key) == CV  # the document outlives its form's folder
    assert kept_files("a-token") == {}


def test_on_disk_the_document_is_the_kept_file_itself_not_a_copy(app):
    kept = keep_cv()
    before = os.stat(kept_path(kept))

    key = store_kept(kept)

    stored = os.lstat(path_for(key))
    assert (stored.st_dev, stored.st_ino) == (before.st_dev, before.st_ino)
    assert stored.st_nlink == 2  # the kept name and the object's
    assert stat.S_ISREG(stored.st_mode)
    assert stat.S_IMODE(stored.st_mode) == 0o600
    assert staging_files() == []  # nothing was written to staging

    discard("a-token")

    assert os.lstat(path_for(key)).st_nlink == 1
    assert path_for(key).read_bytes() == CV


def test_a_file_kept_long_ago_is_stored_young_so_reconcile_spares_it(app):
    kept = keep_cv()
    long_ago = time.time() - 2 * 3600  # older than reconcile's grace period (1 hour)
    os.utime(kept_path(kept), (long_ago, long_ago))

    key = store_kept(kept)

    # Stored, its row not committed yet: young objects are not orphans.
    assert os.lstat(path_for(key)).st_mtime > long_ago + 3600
    assert reconcile(delete=True).orphan_files == []
    assert path_for(key).read_bytes() == CV


def test_a_kept_file_that_changed_after_its_check_is_not_stored(storage, app):
    kept = keep_cv()
    other = keep_cv("another-token", b"Something else entirely.\n")

    with pytest.raises(ValueError, match="changed after it was checked"):
        store_kept(dataclasses.replace(kept, sha256=other.sha256))

    assert all_object_names() == []
    assert staged_objects() == []
    assert list(kept_files("a-token")) == [DocumentKind.CV]


def test_a_kept_name_replaced_while_it_is_stored_is_not_stored(app, monkeypatch):
    kept = keep_cv()
    real_link = os.link

    def replace_then_link(source, destination, **options):
        # The same form posted again at this instant: another file takes the kept name.
        replacement = Path(source).with_name("replacement")
        replacement.write_bytes(b"Not the checked file.\n")
        os.replace(replacement, source)
        real_link(source, destination, **options)

    monkeypatch.setattr(filesystem_backend.os, "link", replace_then_link)

    with pytest.raises(ValueError, match="changed after it was checked"):
        store_kept(kept)

    assert all_object_names() == []


@pytest.mark.parametrize("code", [errno.EPERM, errno.EXDEV, errno.ENOTSUP])
def test_without_hard_links_the_kept_file_is_copied(app, monkeypatch, code):
    kept = keep_cv()

    def no_links(*_args, **_kwargs):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(filesystem_backend.os, "link", no_links)

    key = store_kept(kept)

    assert all_object_names() == [key]
    assert path_for(key).read_bytes() == CV
    assert os.lstat(path_for(key)).st_ino != os.lstat(kept_path(kept)).st_ino
    assert stat.S_IMODE(os.lstat(path_for(key)).st_mode) == 0o600
    assert staging_files() == []


def test_a_failing_directory_flush_leaves_no_object_and_the_file_kept(app, monkeypatch):
    kept = keep_cv()

    def full_disk(_path):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(filesystem_backend, "fsync_dir", full_disk)

    with pytest.raises(OSError, match="No space left"):
        store_kept(kept)

    assert all_object_names() == []
    assert kept_path(kept).read_bytes() == CV
    assert os.lstat(kept_path(kept)).st_nlink == 1


def test_the_stored_file_is_flushed_before_it_is_linked(app, monkeypatch):
    kept = keep_cv()
    events = []
    real_fsync, real_link = os.fsync, os.link

    def fsync(fd):
        kind = "folder" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file"
        events.append(f"fsync {kind}")
        real_fsync(fd)

    def link(source, destination, **options):
        events.append("link")
        real_link(source, destination, **options)

    monkeypatch.setattr(filesystem_backend.os, "fsync", fsync)
    monkeypatch.setattr(filesystem_backend.os, "link", link)

    key = store_kept(kept)
    delete_stored(key)

    # The bytes, then the new name, then the folder holding it: durable once stored. (A
    # new prefix folder is made and flushed in between: "objects/" holds a new name too.)
    assert events[0] == "fsync file"
    assert events[-2:] == ["link", "fsync folder"]


def test_keeping_a_file_makes_only_its_form_folder(app, monkeypatch):
    store_kept(keep_cv("first-form"))  # the storage folders exist from here on
    objects = backend().root / "objects"
    prefixes = set(objects.iterdir())
    made = []
    real_mkdir = os.mkdir

    def mkdir(path, *args, **kwargs):
        made.append(Path(path))
        real_mkdir(path, *args, **kwargs)

    monkeypatch.setattr(os, "mkdir", mkdir)

    kept = keep_cv("second-form")
    key = store_kept(kept)

    # No attempt to make staging/, kept/ or objects/ again, nor the form's folder for its
    # second file: one stat each instead. A prefix folder is made only if it is new.
    new_prefix = [] if objects / key[:2] in prefixes else [objects / key[:2]]
    assert made == [backend().root / "kept" / kept.folder, *new_prefix]


def test_storage_folders_removed_while_running_are_made_again_private(app):
    root = backend().root
    keep_cv("first-form")
    for name in ("staging", "kept", "objects"):
        shutil.rmtree(root / name, ignore_errors=True)

    key = store_kept(keep_cv("second-form"))

    assert stored_bytes(key) == CV
    for name in ("staging", "kept", "objects"):
        assert stat.S_IMODE(os.stat(root / name).st_mode) == 0o700
