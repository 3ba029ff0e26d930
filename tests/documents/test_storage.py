"""Tests for tracker.documents.storage: keys, containment, symlinks, and the reconcile command.

Tests taking the `storage` fixture run on both backends (the S3 one against moto's server
on loopback); the others test what only the filesystem has: modes, paths and symlinks.
"""

from __future__ import annotations

import errno
import io
import os
import stat
import time
from pathlib import Path

import pytest
from sqlalchemy import insert
from werkzeug.datastructures import FileStorage

from tests.storage_backends import (
    age_kept,
    age_object,
    age_s3_objects,
    all_object_names,
    is_s3,
    object_exists,
    staged_objects,
    stored_bytes,
)
from tracker.documents.kept import KeptFile, keep, kept_files
from tracker.documents.storage import (
    GRACE_SECONDS,
    ReconcileReport,
    backend,
    delete_stored,
    local_copy,
    new_staging_path,
    open_stored,
    open_stored_sized,
    path_for,
    reconcile,
    storage_root,
    store_staged,
)
from tracker.documents.storage import filesystem as filesystem_backend
from tracker.documents.storage.backend import StorageUnreachable
from tracker.enums import DocumentKind
from tracker.extensions import db
from tracker.models import Application, Document, utcnow

KEY = "ab" + "0" * 30


def stage(data: bytes = b"%PDF-1.4 test\n") -> Path:
    path = new_staging_path()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return path


def store(data: bytes = b"%PDF-1.4 test\n") -> str:
    return store_staged(stage(data))


def age(path: Path, seconds: float) -> None:
    """Set *path*'s modification time *seconds* into the past (no sleeping)."""
    then = time.time() - seconds
    os.utime(path, (then, then), follow_symlinks=False)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# -- layout and round trip ---------------------------------------------------------------------


def test_storage_root_is_created_private(app, app_config):
    root = storage_root()

    assert root == Path(app_config["STORAGE_ROOT"]).resolve()
    assert root.is_dir()
    assert mode(root) == 0o700


def test_new_staging_path_is_fresh_and_inside_staging(app):
    first, second = new_staging_path(), new_staging_path()

    assert first != second
    assert first.parent == storage_root() / "staging"
    assert mode(first.parent) == 0o700
    assert len(first.name) == 32
    assert not first.exists()


def test_store_open_delete_round_trip_on_every_backend(storage, app):
    staged = stage(b"Lebenslauf")

    key = store_staged(staged)

    assert len(key) == 32
    assert key == key.lower()
    assert int(key, 16) >= 0
    assert not staged.exists()
    assert all_object_names() == [key]
    assert staged_objects() == []  # the staged object was removed on commit
    handle, size = open_stored_sized(key)
    with handle:
        assert handle.read() == b"Lebenslauf"
    assert size == 10
    with local_copy(key) as path:
        assert path.read_bytes() == b"Lebenslauf"
        assert mode(path) == 0o600
    assert path.exists() == (storage == "filesystem")  # S3: the local copy is gone

    delete_stored(key)

    assert not object_exists(key)
    assert all_object_names() == []
    delete_stored(key)  # already gone: nothing to do
    with pytest.raises(FileNotFoundError):
        open_stored(key)
    with pytest.raises(FileNotFoundError), local_copy(key):
        pass


def fail_the_commit(storage, monkeypatch) -> None:
    """Make the commit step fail after it has written: the server copied, then an error."""
    if storage == "s3":
        client = backend().client
        real_copy = client.copy_object

        def copy_then_fail(**kwargs):
            real_copy(**kwargs)
            raise ConnectionError("connection reset after the copy")

        monkeypatch.setattr(client, "copy_object", copy_then_fail)
    else:

        def full_disk(path):
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(filesystem_backend, "fsync_dir", full_disk)


def test_a_failing_commit_leaves_no_object_behind(storage, app, monkeypatch):
    staged = stage(b"Lebenslauf")
    fail_the_commit(storage, monkeypatch)

    with pytest.raises((OSError, ConnectionError)):
        store_staged(staged)

    assert all_object_names() == []
    assert staged_objects() == []
    # The local staged file is the caller's to discard (submit_application does).
    assert staged.read_bytes() == b"Lebenslauf"


def test_store_open_delete_round_trip(app):
    staged = stage(b"Lebenslauf")

    key = store_staged(staged)

    assert len(key) == 32
    assert key == key.lower()
    assert int(key, 16) >= 0
    stored = storage_root() / "objects" / key[:2] / key
    assert path_for(key) == stored
    assert not staged.exists()
    assert mode(stored) == 0o600
    assert mode(stored.parent) == 0o700
    with open_stored(key) as handle:
        assert handle.read() == b"Lebenslauf"

    delete_stored(key)

    assert not stored.exists()
    delete_stored(key)  # already gone: nothing to do
    with pytest.raises(FileNotFoundError):
        open_stored(key)


def test_store_staged_gives_every_file_its_own_key(storage, app):
    keys = {store(b"same bytes") for _ in range(5)}

    assert len(keys) == 5
    assert all_object_names() == sorted(keys)


def test_store_staged_makes_files_private_whoever_staged_them(app):
    staged = stage()
    staged.chmod(0o644)

    assert mode(path_for(store_staged(staged))) == 0o600


@pytest.mark.parametrize("where", ["outside", "symlink", "directory"])
def test_store_staged_refuses_anything_but_a_staged_file(storage, app, tmp_path, where):
    target = tmp_path / "secret.txt"
    target.write_text("not an upload")
    if where == "outside":
        path = target
        expected = ValueError
    elif where == "symlink":
        path = new_staging_path()
        path.symlink_to(target)
        expected = OSError
    else:
        path = new_staging_path()
        path.mkdir()
        expected = ValueError

    with pytest.raises(expected):
        store_staged(path)

    assert not (storage_root() / "objects").exists()
    assert all_object_names() == []
    assert staged_objects() == []
    assert target.read_text() == "not an upload"


# -- keys and containment ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [
        "../x",
        "../" + "a" * 29,
        "/etc/passwd",
        "/" + "a" * 31,
        "A" * 32,
        "a" * 31,
        "a" * 33,
        "a" * 32 + "\n",
        "g" * 32,
        "ab/" + "c" * 29,
        "",
        None,
        32,
    ],
)
def test_every_backend_rejects_malformed_keys(storage, app, key):
    for use in (open_stored, delete_stored):
        with pytest.raises(ValueError, match="invalid storage key"):
            use(key)
    with pytest.raises(ValueError, match="invalid storage key"), local_copy(key):
        pass
    if storage == "filesystem":
        with pytest.raises(ValueError, match="invalid storage key"):
            path_for(key)


def test_path_for_rejects_a_symlinked_directory_leading_outside(app, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / KEY).write_bytes(b"not ours")
    objects = storage_root() / "objects"
    objects.mkdir()
    (objects / KEY[:2]).symlink_to(outside)

    with pytest.raises(ValueError, match="escapes the storage root"):
        path_for(KEY)
    with pytest.raises(ValueError, match="escapes the storage root"):
        open_stored(KEY)
    with pytest.raises(ValueError, match="escapes the storage root"):
        delete_stored(KEY)
    assert (outside / KEY).read_bytes() == b"not ours"


def test_open_stored_does_not_follow_a_symlink_to_etc_passwd(app):
    link = storage_root() / "objects" / KEY[:2] / KEY
    link.parent.mkdir(parents=True)
    link.symlink_to("/etc/passwd")

    with pytest.raises((OSError, ValueError)):
        open_stored(KEY)


def test_open_stored_does_not_follow_a_symlink_even_inside_the_root(app):
    real_key = store(b"another applicant's CV")
    link = storage_root() / "objects" / KEY[:2] / KEY
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(path_for(real_key))

    # O_NOFOLLOW: the last path component is a link, so open() fails with ELOOP.
    with pytest.raises(OSError) as caught:  # noqa: PT011 (the errno is checked below)
        open_stored(KEY)
    assert caught.value.errno == errno.ELOOP


def test_open_stored_refuses_a_fifo_without_hanging(app):
    fifo = storage_root() / "objects" / KEY[:2] / KEY
    fifo.parent.mkdir(parents=True)
    os.mkfifo(fifo)

    with pytest.raises(ValueError, match="not a regular file"):
        open_stored(KEY)


def test_delete_stored_removes_a_planted_link_not_its_target(app, tmp_path):
    target = tmp_path / "precious.txt"
    target.write_text("keep me")
    link = storage_root() / "objects" / KEY[:2] / KEY
    link.parent.mkdir(parents=True)
    link.symlink_to(target)

    delete_stored(KEY)

    assert not os.path.lexists(link)
    assert target.read_text() == "keep me"


# -- reconcile ---------------------------------------------------------------------------------


def add_application(call, number: int) -> Application:
    application = Application(
        call=call,
        reference=f"CW-T{number:05d}",
        form_token=f"token-{number}",
        full_name="Nino Beridze",
        email=f"nino{number}@example.org",
        country="georgia",
        city="Kutaisi",
        preferred_language="de",
        consent_at=utcnow(),
        privacy_version="2026-11",
    )
    db.session.add(application)
    return application


def add_document(application: Application, kind: DocumentKind, key: str) -> Document:
    document = Document(
        kind=kind.value,
        filename=f"{kind.value}.pdf",
        file_type="pdf",
        content_type="application/pdf",
        size=14,
        sha256="0" * 64,
        storage_key=key,
    )
    application.documents.append(document)
    return document


@pytest.fixture
def storage_state(storage, app, call):
    """One healthy document, one row without a file, an old and a young orphan file."""
    application = add_application(call, 1)
    kept_key = store()
    kept = add_document(application, DocumentKind.CV, kept_key)
    missing_key = "ff" + "e" * 30
    missing = add_document(application, DocumentKind.COVER_LETTER, missing_key)
    db.session.commit()
    old_orphan = store(b"left behind by a crash")
    young_orphan = store(b"a submission committing right now")
    for key in (kept_key, old_orphan):
        age_object(key, GRACE_SECONDS + 60)
    return {
        "kept": kept_key,
        "kept_id": kept.id,
        "missing": missing_key,
        "missing_id": missing.id,
        "old_orphan": old_orphan,
        "young_orphan": young_orphan,
    }


def test_reconcile_reports_orphans_and_missing_rows(storage_state):
    state = storage_state

    report = reconcile()

    assert report == ReconcileReport(
        orphan_files=[state["old_orphan"]],
        missing_files=[(state["missing_id"], state["missing"])],
    )
    # Reporting deletes nothing.
    for key in ("kept", "old_orphan", "young_orphan"):
        assert object_exists(state[key])


def test_reconcile_delete_removes_old_orphans_and_stale_staging(storage_state):
    state = storage_state
    stale = stage(b"abandoned upload")
    age(stale, GRACE_SECONDS + 60)
    fresh = stage(b"upload being checked")
    if is_s3():
        # Staged objects that a killed worker left in the bucket: one old, one young.
        for name in ("old", "young"):
            backend().client.put_object(
                Bucket=backend().bucket, Key=backend().name("staging", name), Body=b"x"
            )
        age_s3_objects("staging/old", GRACE_SECONDS + 60)

    report = reconcile(delete=True)

    assert report.orphan_files == [state["old_orphan"]]
    assert not object_exists(state["old_orphan"])
    assert object_exists(state["young_orphan"])
    assert object_exists(state["kept"])
    assert not stale.exists()
    assert fresh.exists()
    if is_s3():
        assert staged_objects() == [backend().name("staging", "young")]


def keep_text(token: str) -> KeptFile:
    """Keep a small text file as *token*'s CV, as the form does."""
    upload = FileStorage(stream=io.BytesIO(b"Nino Beridze, journalist.\n"), filename="cv.txt")
    return keep(token, DocumentKind.CV, upload)


def test_reconcile_removes_kept_files_only_once_their_form_has_expired(storage, app):
    lifetime = app.config["WTF_CSRF_TIME_LIMIT"]
    expired = keep_text("token-of-yesterday").folder
    age_kept(expired, lifetime + 60)
    almost = keep_text("token-of-this-morning").folder
    age_kept(almost, lifetime - 60)

    report = reconcile()

    assert report.expired_kept == [expired]
    assert sorted(backend().kept_folders()) == sorted([expired, almost])  # nothing deleted

    assert reconcile(delete=True).expired_kept == [expired]
    assert list(backend().kept_folders()) == [almost]
    assert kept_files("token-of-yesterday") == {}
    assert [kind for kind in kept_files("token-of-this-morning")] == [DocumentKind.CV]
    assert reconcile(delete=True).expired_kept == []


def test_reconcile_with_empty_storage_reports_nothing(storage, app):
    assert reconcile(delete=True) == ReconcileReport(orphan_files=[], missing_files=[])


def test_reconcile_ignores_files_that_are_not_keys(storage, app):
    if is_s3():
        name = backend().name("objects", "README")
        backend().client.put_object(Bucket=backend().bucket, Key=name, Body=b"not a document")
        age_s3_objects("objects/README", GRACE_SECONDS + 60)
    else:
        stray = storage_root() / "objects" / "ab" / "README"
        stray.parent.mkdir(parents=True)
        stray.write_text("not a document")
        age(stray, GRACE_SECONDS + 60)

    assert reconcile(delete=True) == ReconcileReport(orphan_files=[], missing_files=[])
    if is_s3():
        assert backend().client.get_object(Bucket=backend().bucket, Key=name)["Body"].read()
    else:
        assert stray.exists()


def test_reconcile_streams_rows_across_batches(app, call):
    # More rows than one yield_per batch (1000), inserted in bulk to stay fast.
    applications = [add_application(call, number) for number in range(1, 1001)]
    db.session.flush()
    rows = [
        {
            "application_id": application.id,
            "kind": kind.value,
            "filename": "cv.pdf",
            "file_type": "pdf",
            "content_type": "application/pdf",
            "size": 1,
            "sha256": "0" * 64,
            "storage_key": f"{application.id:04x}{kind_index}".ljust(32, "0"),
            "flags": [],
        }
        for application in applications
        for kind_index, kind in enumerate(DocumentKind)
    ]
    db.session.execute(insert(Document), rows)
    db.session.commit()
    present = store()
    db.session.execute(
        Document.__table__.update()
        .where(Document.storage_key == rows[0]["storage_key"])
        .values(storage_key=present)
    )
    db.session.commit()

    report = reconcile()

    ids = db.session.scalars(db.select(Document.id).order_by(Document.id)).all()
    assert len(report.missing_files) == 2999
    assert [document_id for document_id, _ in report.missing_files] == ids[1:]
    assert report.orphan_files == []


def test_storage_reconcile_command_prints_findings(runner, storage_state):
    state = storage_state

    result = runner.invoke(args=["storage", "reconcile"])

    assert result.output.splitlines() == [
        f"file without row: {state['old_orphan']}",
        f"row without file: document {state['missing_id']} ({state['missing']})",
        "1 file(s) without rows, 1 row(s) without files, 0 expired form(s) with kept files",
    ]
    # A row without its file is data loss: the command fails so cron/monitoring notices.
    assert result.exit_code == 1
    assert object_exists(state["old_orphan"])


def test_storage_reconcile_delete_command_removes_orphans(app, runner, storage_state):
    state = storage_state
    age_kept(keep_text("expired-token").folder, app.config["WTF_CSRF_TIME_LIMIT"] + 60)
    db.session.execute(Document.__table__.delete().where(Document.id == state["missing_id"]))
    db.session.commit()

    result = runner.invoke(args=["storage", "reconcile", "--delete"])

    assert result.output.splitlines() == [
        f"file without row: {state['old_orphan']} (deleted)",
        "1 file(s) without rows, 0 row(s) without files, "
        "1 expired form(s) with kept files (deleted)",
    ]
    assert result.exit_code == 0
    assert not object_exists(state["old_orphan"])
    assert object_exists(state["kept"])
    assert object_exists(state["young_orphan"])
    assert stored_bytes(state["kept"]) == b"%PDF-1.4 test\n"

    again = runner.invoke(args=["storage", "reconcile", "--delete"])

    assert again.output.splitlines() == [
        "0 file(s) without rows, 0 row(s) without files, 0 expired form(s) with kept files"
    ]
    assert again.exit_code == 0


def test_an_unreachable_bucket_is_never_taken_for_missing_files(s3_bucket, app_config, request):
    # During an outage reconcile must stop, not report every row as a row without its file.
    app_config["STORAGE_URL"] = "s3://no-such-bucket-of-ours/tracker"
    request.getfixturevalue("app")

    with pytest.raises(StorageUnreachable):
        reconcile()
    with pytest.raises(StorageUnreachable):
        open_stored(KEY)
