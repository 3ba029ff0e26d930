"""What sending an application asks of the filesystem: each document written once."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import select

from tests.applying import application_form, check_page_fields, is_check_page, post
from tracker.documents.storage import backend, path_for
from tracker.extensions import db
from tracker.models import Application, Document


def test_each_document_is_written_once_and_stored_as_that_very_file(app, client, call, monkeypatch):
    # A first application makes the storage folders (staging, kept, objects).
    assert post(client, call, application_form(client, call)).status_code == 302
    root = backend().root
    objects = root / "objects"
    prefixes = set(objects.iterdir())
    created: list[tuple[Path, int]] = []
    made: list[Path] = []
    real_open, real_mkdir = os.open, os.mkdir

    def record_open(path, flags, *args, **kwargs):
        fd = real_open(path, flags, *args, **kwargs)
        if flags & os.O_CREAT:
            created.append((Path(path), os.fstat(fd).st_ino))
        return fd

    def record_mkdir(path, *args, **kwargs):
        made.append(Path(path))
        real_mkdir(path, *args, **kwargs)

    data = application_form(client, call, email="eka.kvaratskhelia@example.org")
    monkeypatch.setattr(os, "open", record_open)
    monkeypatch.setattr(os, "mkdir", record_mkdir)
    url = f"/apply/{call.slug}"

    check = client.post(url, data=data, content_type="multipart/form-data")
    assert is_check_page(check)
    sent = client.post(url, data={**check_page_fields(check.text), "send": "1"})
    assert sent.status_code == 302

    # The check page: each upload written once into staging, then its cleaned copy (which
    # takes the upload's place, then is renamed into the form's folder), and its
    # description. Sending writes no file at all.
    kept = root / "kept"
    assert [(path.parent, path.name) for path, _ in created] == [
        (root / "staging", created[0][0].name),
        (root / "staging", created[1][0].name),
        (created[2][0].parent, "cv.json.new"),
        (root / "staging", created[3][0].name),
        (root / "staging", created[4][0].name),
        (created[2][0].parent, "writing_sample.json.new"),
    ]
    folder = created[2][0].parent
    assert folder.parent == kept
    # Only the form's folder is made, and a prefix folder of objects/ if it is new.
    assert [path for path in made if path.parent != objects] == [folder]
    assert not {path for path in made if path.parent == objects} & prefixes
    # Each stored document is the cleaned copy itself; the form's folder is gone.
    reference = sent.headers["Location"].rsplit("/", 1)[1]
    stored = {
        kind: os.lstat(path_for(key))
        for kind, key in db.session.execute(
            select(Document.kind, Document.storage_key)
            .join(Application)
            .where(Application.reference == reference)
        )
    }
    assert {kind: status.st_ino for kind, status in stored.items()} == {
        "cv": created[1][1],
        "writing_sample": created[4][1],
    }
    assert {status.st_nlink for status in stored.values()} == {1}
    assert not folder.exists()
    assert list((root / "staging").iterdir()) == []
