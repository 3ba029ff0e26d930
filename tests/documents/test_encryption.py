"""Encryption at rest (STORAGE_KEY): nothing readable in storage, everything readable through us.

Tests taking the `storage` fixture run on the filesystem and on S3 (moto on loopback).
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
import os
import zipfile

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from tests.applying import application_form, post, sample
from tests.storage_backends import raw_backend, raw_blobs
from tests.test_exports import post_export
from tracker import create_app
from tracker.config import ConfigError
from tracker.documents.kept import keep, kept_files, store_kept
from tracker.documents.storage import (
    CHUNK_SIZE,
    backend,
    new_staging_path,
    open_stored,
    open_stored_sized,
    reconcile,
    store_staged,
)
from tracker.documents.storage.encrypted import EncryptedBackend
from tracker.documents.storage.keys import key_id
from tracker.documents.storage.sealing import (
    HEADER_SIZE,
    MAGIC,
    SEALED_CHUNK,
    TamperedObject,
)
from tracker.enums import DocumentKind
from tracker.extensions import db
from tracker.jobs.runner import run_pending
from tracker.models import Application, Document

KEY = bytes(range(32))
NEW_KEY = bytes(range(100, 132))
OTHER_KEY = bytes(32)
PHRASE = b"Waffenstillstandslinie"


@pytest.fixture(autouse=True)
def storage_key(app_config):
    """Every test here runs with encryption at rest switched on (base64 key)."""
    app_config["STORAGE_KEY"] = base64.b64encode(KEY).decode()


def store(data: bytes) -> str:
    staged = new_staging_path()
    staged.write_bytes(data)
    return store_staged(staged)


def raw(key: str) -> bytes:
    handle, _ = raw_backend().open(key)
    with handle:
        return handle.read()


def replace_raw(key: str, data: bytes) -> None:
    """Put *data* in place of *key*'s object, as someone with access to storage would."""
    path = new_staging_path()
    path.write_bytes(data)
    raw_backend().rewrite(key, path)


def read_all(key: str) -> bytes:
    with open_stored(key) as handle:
        return handle.read()


def submit(client, call) -> Application:
    """Apply through the form (files kept, then stored), with a plain-text CV."""
    form = application_form(
        client, call, cv=(io.BytesIO(sample("writing_sample.txt")), "Lebenslauf.txt")
    )
    response = post(client, call, form)
    assert response.status_code == 302, response.text
    reference = response.headers["Location"].rsplit("/", 1)[1]
    return db.session.scalar(select(Application).where(Application.reference == reference))


def test_a_submission_leaves_nothing_readable_in_storage_and_downloads_match(
    storage, call, client, editor_client
):
    application = submit(client, call)
    originals = {"cv": sample("writing_sample.txt"), "writing_sample": sample("writing_sample.odt")}
    blobs = raw_blobs()

    assert blobs, "the submission stored nothing"
    assert [name for name, blob in blobs.items() if PHRASE in blob] == []
    for original in originals.values():
        # No 32-byte window of either document (the ODT's zip entries included) is stored.
        windows = [original[start : start + 32] for start in range(0, len(original) - 32, 97)]
        assert [name for name, blob in blobs.items() for w in windows if w in blob] == []
    assert all(blob.startswith(MAGIC) for name, blob in blobs.items() if "objects" in name)
    for document in application.documents:
        response = editor_client.get(f"/review/documents/{document.id}?lang=en")
        body = response.get_data()
        response.close()
        assert response.status_code == 200
        assert hashlib.sha256(body).hexdigest() == document.sha256
        assert len(body) == document.size == int(response.headers["Content-Length"])
    cv = next(d for d in application.documents if d.kind == "cv")
    assert read_all(cv.storage_key) == originals["cv"]


def test_text_extraction_reads_the_decrypted_documents(storage, call, client):
    application = submit(client, call)

    assert run_pending(kinds={"extract_text"}).done == 1
    db.session.expire_all()
    texts = {d.kind: d.text for d in application.documents}
    assert "Waffenstillstandslinie" in texts["cv"]
    assert "Anaklia" in texts["writing_sample"]


def test_pdf_pages_render_from_the_decrypted_document(call, client, editor_client):
    response = post(client, call, application_form(client, call))
    assert response.status_code == 302, response.text
    assert run_pending(kinds={"extract_text"}).done == 1
    cv = db.session.scalar(select(Document).where(Document.kind == "cv"))

    page = editor_client.get(f"/review/documents/{cv.id}/pages/1.png?lang=en")

    assert (page.status_code, page.mimetype) == (200, "image/png")
    assert page.get_data().startswith(b"\x89PNG\r\n\x1a\n")


def test_the_documents_zip_export_holds_the_decrypted_files(storage, call, client, admin_client):
    application = submit(client, call)

    response = post_export(admin_client, fmt="documents")

    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        digests = {
            name: hashlib.sha256(archive.read(name)).hexdigest() for name in archive.namelist()
        }
    # The recorded sha256 is the stored copy's (after any cleaning at upload).
    assert digests == {
        f"{application.reference}/{d.kind}-{d.filename}": d.sha256 for d in application.documents
    }


def test_reconcile_sees_encrypted_objects_as_the_rows_describe_them(storage, call, client):
    application = submit(client, call)
    report = reconcile()

    assert (report.orphan_files, report.missing_files) == ([], [])
    for document in application.documents:
        handle, size = open_stored_sized(document.storage_key)
        with handle:
            data = handle.read()
        assert (size, hashlib.sha256(data).hexdigest()) == (document.size, document.sha256)


@pytest.mark.parametrize("size", [0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 3 * CHUNK_SIZE])
def test_sizes_around_chunk_edges_round_trip(app, size):
    data = os.urandom(size)
    key = store(data)
    handle, reported = open_stored_sized(key)
    with handle:
        assert (handle.read(), reported) == (data, size)
    chunks = size // CHUNK_SIZE + 1
    assert len(raw(key)) == HEADER_SIZE + size + 16 * chunks


def chunks_of(sealed: bytes) -> list[bytes]:
    body = sealed[HEADER_SIZE:]
    return [body[start : start + SEALED_CHUNK] for start in range(0, len(body), SEALED_CHUNK)]


@pytest.fixture
def three_chunks(storage, app) -> tuple[str, bytes]:
    data = os.urandom(2 * CHUNK_SIZE + 500)
    return store(data), data


def test_a_flipped_byte_in_a_later_chunk_stops_the_read(three_chunks):
    key, _ = three_chunks
    sealed = bytearray(raw(key))
    sealed[HEADER_SIZE + SEALED_CHUNK + 10] ^= 1
    replace_raw(key, bytes(sealed))

    handle = open_stored(key)
    assert len(handle.read(CHUNK_SIZE)) == CHUNK_SIZE
    with pytest.raises(TamperedObject, match="a stored object failed authentication"):
        handle.read(CHUNK_SIZE)
    handle.close()


@pytest.mark.parametrize("cut", ["at_a_chunk_edge", "inside_a_chunk"])
def test_a_truncated_object_is_detected(three_chunks, cut):
    key, _ = three_chunks
    sealed = raw(key)
    end = HEADER_SIZE + 2 * SEALED_CHUNK - (0 if cut == "at_a_chunk_edge" else 100)
    replace_raw(key, sealed[:end])

    with pytest.raises(TamperedObject):
        read_all(key)


def test_swapped_chunks_are_detected(three_chunks):
    key, _ = three_chunks
    sealed = raw(key)
    first, second, last = chunks_of(sealed)
    replace_raw(key, sealed[:HEADER_SIZE] + second + first + last)

    with pytest.raises(TamperedObject):
        read_all(key)


def test_a_chunk_from_another_object_is_detected(three_chunks):
    key, _ = three_chunks
    other = raw(store(os.urandom(2 * CHUNK_SIZE + 500)))
    sealed = raw(key)
    mine = chunks_of(sealed)
    replace_raw(key, sealed[:HEADER_SIZE] + mine[0] + chunks_of(other)[1] + mine[2])

    with pytest.raises(TamperedObject):
        read_all(key)


def test_a_tampered_download_is_refused_and_logged_never_served(
    storage, call, client, editor_client, caplog
):
    application = submit(client, call)
    cv = next(d for d in application.documents if d.kind == "cv")
    sealed = bytearray(raw(cv.storage_key))
    sealed[HEADER_SIZE + 5] ^= 1
    replace_raw(cv.storage_key, bytes(sealed))

    with caplog.at_level(logging.ERROR, logger="tracker.documents.storage.sealing"):
        response = editor_client.get(f"/review/documents/{cv.id}?lang=en")
    assert response.status_code == 404
    assert PHRASE not in response.get_data()
    assert [r.getMessage() for r in caplog.records] == [
        f"storage: sealed object {cv.storage_key} failed authentication"
    ]


class Recorder:
    """A stream that records the size of every read asked of it."""

    def __init__(self, inner):
        self.inner, self.sizes = inner, []

    def read(self, size=-1):
        self.sizes.append(size)
        return self.inner.read(size)

    def close(self):
        self.inner.close()


def test_reading_20_mb_holds_one_chunk_at_a_time(app, monkeypatch):
    data = os.urandom(20 * 1024 * 1024)
    key = store(data)
    store_backend = backend()
    inner_open = store_backend.inner.open
    recorders = []

    def recording_open(name):
        handle, size = inner_open(name)
        recorders.append(Recorder(handle))
        return recorders[-1], size

    monkeypatch.setattr(store_backend.inner, "open", recording_open)
    handle = open_stored(key)
    digest, largest_buffer = hashlib.sha256(), 0
    while block := handle.read(8192):
        digest.update(block)
        largest_buffer = max(largest_buffer, len(handle.buffer))
    handle.close()

    assert digest.hexdigest() == hashlib.sha256(data).hexdigest()
    assert max(recorders[0].sizes) == SEALED_CHUNK
    assert largest_buffer <= CHUNK_SIZE


# -- rotation ---------------------------------------------------------------------------------


def write_key(path, key: bytes, *, as_hex: bool = True) -> str:
    path.write_text((key.hex() if as_hex else base64.b64encode(key).decode()) + "\n")
    return str(path)


def test_rotation_rewraps_every_data_key_and_leaves_chunks_alone(storage, app, runner, tmp_path):
    data = [os.urandom(CHUNK_SIZE + 7), b"short"]
    keys = [store(item) for item in data]
    before = {key: raw(key) for key in keys}
    new_file = write_key(tmp_path / "new.key", NEW_KEY)

    result = runner.invoke(args=["storage", "rotate-key", "--new-key-file", new_file])

    assert result.output == "2/2 objects\n2 rewrapped, 0 encrypted, 0 skipped, 0 failed\n"
    assert result.exit_code == 0
    with_new = EncryptedBackend(raw_backend(), NEW_KEY)
    for key, item in zip(keys, data, strict=True):
        after = raw(key)
        assert after[HEADER_SIZE:] == before[key][HEADER_SIZE:]
        assert after[9:17] == key_id(NEW_KEY)
        handle, _ = with_new.open(key)
        with handle:
            assert handle.read() == item
    # The old key no longer opens anything.
    with pytest.raises(TamperedObject, match="no configured key opens this object"):
        read_all(keys[0])

    again = runner.invoke(args=["storage", "rotate-key", "--new-key-file", new_file])
    assert again.output == "2/2 objects\n0 rewrapped, 0 encrypted, 2 skipped, 0 failed\n"


def test_rotation_covers_files_kept_for_forms(storage, app, runner, tmp_path):
    store_backend = backend()
    store_backend.put_kept_bytes("ab" * 8, "cv.json", b'{"name": "Lebenslauf.txt"}')

    result = runner.invoke(
        args=["storage", "rotate-key", "--new-key-file", write_key(tmp_path / "k", NEW_KEY)]
    )

    assert result.output == "1 rewrapped, 0 encrypted, 0 skipped, 0 failed\n"
    opened = EncryptedBackend(raw_backend(), NEW_KEY).open_kept("ab" * 8, "cv.json")
    with opened:
        assert opened.read() == b'{"name": "Lebenslauf.txt"}'


def test_rotate_key_refuses_a_malformed_new_key(app, runner, tmp_path):
    bad = tmp_path / "bad.key"
    bad.write_text("not a key\n")

    result = runner.invoke(args=["storage", "rotate-key", "--new-key-file", str(bad)])

    assert result.exit_code == 1
    assert result.output.endswith(
        "Error: STORAGE_KEY must be 32 bytes written as 64 hex characters or as base64 "
        "(make one with: openssl rand -base64 32)\n"
    )


def test_objects_stored_before_encryption_are_read_and_encrypted_in_place(storage, app, runner):
    staged = new_staging_path()
    staged.write_bytes(b"stored in the clear: " + PHRASE)
    key = raw_backend().store_staged(staged)

    assert read_all(key) == b"stored in the clear: " + PHRASE
    result = runner.invoke(args=["storage", "encrypt"])

    assert result.output == "1/1 objects\n0 rewrapped, 1 encrypted, 0 skipped, 0 failed\n"
    assert raw(key).startswith(MAGIC)
    assert PHRASE not in raw(key)
    assert read_all(key) == b"stored in the clear: " + PHRASE


# -- refusing to start ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "too-short",
        base64.b64encode(bytes(16)).decode(),
        "zz" * 32,
        base64.b64encode(KEY).decode()[:-2],
    ],
)
def test_a_malformed_key_stops_the_start(app_config, value):
    app_config["STORAGE_KEY"] = value

    with pytest.raises(ConfigError) as refused:
        create_app(app_config)
    assert str(refused.value) == (
        "STORAGE_KEY must be 32 bytes written as 64 hex characters or as base64 "
        "(make one with: openssl rand -base64 32)"
    )


def test_an_unreadable_key_file_stops_the_start(app_config, tmp_path):
    app_config["STORAGE_KEY"] = None
    app_config["STORAGE_KEY_FILE"] = str(tmp_path / "missing.key")

    with pytest.raises(ConfigError) as refused:
        create_app(app_config)
    assert str(refused.value) == (
        f"STORAGE_KEY_FILE cannot be read: {tmp_path / 'missing.key'} (FileNotFoundError)"
    )


def test_a_key_and_a_key_file_together_stop_the_start(app_config, tmp_path):
    app_config["STORAGE_KEY_FILE"] = write_key(tmp_path / "k", KEY)

    with pytest.raises(ConfigError) as refused:
        create_app(app_config)
    assert str(refused.value) == "STORAGE_KEY and STORAGE_KEY_FILE are both set; set only one"


def add_document(application: Application, key: str, data: bytes) -> None:
    application.documents.append(
        Document(
            kind="cv",
            filename="cv.txt",
            file_type="txt",
            content_type="text/plain",
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            storage_key=key,
        )
    )
    db.session.commit()


def test_a_key_that_cannot_open_the_newest_document_stops_the_start(
    storage, app, app_config, make_application
):
    add_document(make_application(), store(PHRASE), PHRASE)
    app_config["STORAGE_KEY"] = OTHER_KEY.hex()

    with pytest.raises(ConfigError) as refused:
        create_app(app_config)
    assert str(refused.value) == (
        "STORAGE_KEY does not open the stored documents (no configured key opens this object "
        f"(key id {key_id(KEY).hex()})); refusing to start rather than serve garbage: set the "
        "key they were stored with"
    )


def test_the_right_key_from_a_key_file_starts_and_reads(
    storage, app, app_config, make_application, tmp_path
):
    add_document(make_application(), store(PHRASE), PHRASE)
    app_config["STORAGE_KEY"] = None
    app_config["STORAGE_KEY_FILE"] = write_key(tmp_path / "k", KEY, as_hex=False)

    second = create_app(app_config)
    with second.app_context():
        document = db.session.scalar(select(Document))
        assert read_all(document.storage_key) == PHRASE
        db.session.remove()
        # The second app's pool closed now, not by the garbage collector in a later test.
        db.engine.dispose()


def test_without_a_key_objects_are_stored_as_they_are(app_config):
    app_config["STORAGE_KEY"] = None
    plain = create_app(app_config)
    with plain.app_context():
        key = store(PHRASE)
        assert raw(key) == PHRASE
        db.session.remove()
        db.engine.dispose()


def test_files_kept_with_a_form_are_encrypted_and_read_back(storage, app):
    upload = FileStorage(stream=io.BytesIO(sample("writing_sample.txt")), filename="cv.txt")
    kept = keep("token-of-today", DocumentKind.CV, upload)

    blobs = raw_blobs()
    assert [name for name in blobs if "kept" in name and kept.folder in name] != []
    assert [name for name, blob in blobs.items() if PHRASE in blob or b"cv.txt" in blob] == []
    assert kept_files("token-of-today")[DocumentKind.CV].sha256 == kept.sha256
    assert read_all(store_kept(kept)) == sample("writing_sample.txt")


def test_a_download_whose_later_chunk_was_changed_stops_there(
    storage, make_application, editor_client
):
    data = os.urandom(2 * CHUNK_SIZE + 10)
    application = make_application()
    key = store(data)
    add_document(application, key, data)
    sealed = bytearray(raw(key))
    sealed[HEADER_SIZE + SEALED_CHUNK + 3] ^= 1
    replace_raw(key, bytes(sealed))

    response = editor_client.get(f"/review/documents/{application.documents[0].id}?lang=en")
    assert response.status_code == 200
    sent = []
    with pytest.raises(TamperedObject):
        sent.extend(response.response)
    response.close()
    # Only the first chunk, checked, went out: nothing of the changed one.
    assert b"".join(sent) == data[:CHUNK_SIZE]


def test_rotation_counts_and_logs_what_it_could_not_rewrap(storage, app, runner, tmp_path, caplog):
    good = store(b"fine")
    broken = store(b"its wrapped key was changed")
    sealed = bytearray(raw(broken))
    sealed[20] ^= 1
    replace_raw(broken, bytes(sealed))

    result = runner.invoke(
        args=["storage", "rotate-key", "--new-key-file", write_key(tmp_path / "k", NEW_KEY)]
    )

    assert result.output == "2/2 objects\n1 rewrapped, 0 encrypted, 0 skipped, 1 failed\n"
    assert result.exit_code == 1
    assert raw(good)[9:17] == key_id(NEW_KEY)
    assert [r.getMessage() for r in caplog.records if r.name.endswith("rotation")] == [
        f"storage: could not re-wrap {broken}"
    ]


def test_rotation_rewraps_the_newest_document_last(
    app, runner, tmp_path, make_application, monkeypatch
):
    first, newest = store(b"older"), store(b"newest")
    add_document(make_application(), first, b"older")
    add_document(make_application(email="second@example.org"), newest, b"newest")
    orphans = sorted(store(b"orphan") for _ in range(3))
    order = []
    store_backend = backend()
    reseal = store_backend.reseal_object
    monkeypatch.setattr(
        store_backend, "reseal_object", lambda key, new: order.append(key) or reseal(key, new)
    )

    runner.invoke(
        args=["storage", "rotate-key", "--new-key-file", write_key(tmp_path / "k", NEW_KEY)]
    )

    assert sorted(order) == sorted([first, newest, *orphans])
    assert order[-1] == newest
