"""Document downloads: authenticated, per object, audited, and inert in the browser."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.applying import SAMPLES, application_form, post
from tests.storage_backends import stored_bytes
from tracker.documents.serve import content_disposition
from tracker.documents.storage import delete_stored, new_staging_path, path_for, store_staged
from tracker.extensions import db
from tracker.models import Application, AuditEvent, Document


def store_document(application, kind, sample, filename, file_type, content_type) -> Document:
    """Put a sample file into storage the way a submission does, with its row."""
    data = (SAMPLES / sample).read_bytes()
    staged = new_staging_path()
    staged.write_bytes(data)
    document = Document(
        application=application,
        kind=kind,
        filename=filename,
        file_type=file_type,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        storage_key=store_staged(staged),
        flags=[],
    )
    db.session.add(document)
    db.session.commit()
    return document


@pytest.fixture
def application(make_application) -> Application:
    """An application with a PDF CV and an ODT writing sample in storage."""
    application = make_application()
    store_document(application, "cv", "cv.pdf", "Lebenslauf Nino.pdf", "pdf", "application/pdf")
    store_document(
        application,
        "writing_sample",
        "writing_sample.odt",
        "anaklia.odt",
        "odt",
        "application/vnd.oasis.opendocument.text",
    )
    return application


def document_of(application: Application, kind: str) -> Document:
    return next(d for d in application.documents if d.kind == kind)


def download(client, document_id: int):
    response = client.get(f"/review/documents/{document_id}?lang=en")
    # Read and close: the body is a stream over an open file.
    response.get_data()
    response.close()
    return response


def test_download_sends_the_stored_bytes_with_inert_headers(storage, editor_client, application):
    cv = document_of(application, "cv")
    response = download(editor_client, cv.id)

    assert response.status_code == 200
    assert response.get_data() == (SAMPLES / "cv.pdf").read_bytes()
    assert response.get_data() == stored_bytes(cv.storage_key)
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Length"] == str(cv.size)
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=\"Lebenslauf Nino.pdf\"; filename*=UTF-8''Lebenslauf%20Nino.pdf"
    )
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "sandbox"
    assert response.headers["Cache-Control"] == "no-store"


def test_content_type_is_the_canonical_one_not_the_stored_one(editor_client, application):
    sample = document_of(application, "writing_sample")
    sample.content_type = "text/html"  # whatever a row says, the format decides
    db.session.commit()
    response = download(editor_client, sample.id)
    assert response.headers["Content-Type"] == "application/vnd.oasis.opendocument.text"
    assert response.get_data() == (SAMPLES / "writing_sample.odt").read_bytes()


def test_text_documents_are_sent_as_plain_text_without_a_charset_claim(
    storage, editor_client, make_application
):
    document = store_document(
        make_application(), "cv", "writing_sample.txt", "cv.txt", "txt", "text/plain"
    )
    response = download(editor_client, document.id)
    assert response.headers["Content-Type"] == "text/plain"
    assert response.get_data() == (SAMPLES / "writing_sample.txt").read_bytes()


def test_filename_with_umlauts_quotes_and_line_breaks_cannot_break_the_header(
    editor_client, application
):
    cv = document_of(application, "cv")
    cv.filename = 'Lebenslauf "Müller"\r\nX-Injected: 1;\\ä.pdf'
    db.session.commit()
    response = download(editor_client, cv.id)

    assert response.status_code == 200
    assert "X-Injected" not in response.headers
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="Lebenslauf Muller X-Injected_ 1_a.pdf"; '
        "filename*=UTF-8''Lebenslauf%20M%C3%BCller%20X-Injected%3A%201%3B%C3%A4.pdf"
    )


@pytest.mark.parametrize(
    ("filename", "extension", "expected"),
    [
        (
            "ნინო ბერიძე.pdf",
            "pdf",
            "attachment; filename=\"document.pdf\"; filename*=UTF-8''"
            "%E1%83%9C%E1%83%98%E1%83%9C%E1%83%9D%20"
            "%E1%83%91%E1%83%94%E1%83%A0%E1%83%98%E1%83%AB%E1%83%94.pdf",
        ),
        (
            "Übersicht 2026.docx",
            "docx",
            "attachment; filename=\"Ubersicht 2026.docx\"; filename*=UTF-8''%C3%9Cbersicht%202026.docx",
        ),
        (
            "../../etc/passwd.txt",
            "txt",
            "attachment; filename=\"etcpasswd.txt\"; filename*=UTF-8''etcpasswd.txt",
        ),
        ("", "rtf", "attachment; filename=\"document.rtf\"; filename*=UTF-8''document.rtf"),
        (
            "a\u202eexe.pdf",
            "pdf",
            "attachment; filename=\"a exe.pdf\"; filename*=UTF-8''a%20exe.pdf",
        ),
    ],
)
def test_content_disposition_keeps_both_forms_safe(filename, extension, expected):
    assert content_disposition(filename, extension) == expected


def test_download_is_audited(editor_client, application):
    cv = document_of(application, "cv")
    download(editor_client, cv.id)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "document.downloaded"))
    assert (event.actor_id, event.application_id, event.details) == (
        editor_client.user.id,
        application.id,
        {"document_id": cv.id, "kind": "cv"},
    )


def test_unknown_document_is_a_404(editor_client, application):
    response = download(editor_client, 999999)
    assert response.status_code == 404
    assert "Page not found" in response.text
    assert db.session.scalar(select(AuditEvent)) is None


def test_document_whose_file_is_missing_is_a_404(storage, editor_client, application):
    cv = document_of(application, "cv")
    delete_stored(cv.storage_key)
    response = download(editor_client, cv.id)
    assert response.status_code == 404
    assert "Page not found" in response.text


def test_document_whose_file_became_a_symlink_is_a_404(editor_client, application, tmp_path):
    cv = document_of(application, "cv")
    secret = tmp_path / "secret.txt"
    secret.write_text("not for editors")
    stored = path_for(cv.storage_key)
    stored.unlink()
    stored.symlink_to(secret)
    response = download(editor_client, cv.id)
    assert response.status_code == 404
    assert "not for editors" not in response.text


def test_erased_document_is_a_404(editor_client, application):
    cv = document_of(application, "cv")
    document_id = cv.id
    db.session.delete(cv)
    db.session.commit()
    assert download(editor_client, document_id).status_code == 404


def test_no_url_serves_a_document_under_another_application(
    editor_client, application, make_application
):
    other = make_application(full_name="Somebody Else", email="else@example.org")
    cv = document_of(application, "cv")
    for path in (
        f"/review/applications/{other.id}/documents/{cv.id}",
        f"/review/applications/{application.id}/documents/{cv.id}",
    ):
        response = editor_client.get(path)
        assert response.status_code == 404


def test_anonymous_visitor_cannot_download(client, application):
    cv = document_of(application, "cv")
    response = client.get(f"/review/documents/{cv.id}")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")
    assert db.session.scalar(select(AuditEvent)) is None


def test_candidate_page_links_each_document_to_the_download(editor_client, application):
    page = editor_client.get(f"/review/applications/{application.id}?lang=en").text
    for document in application.documents:
        assert f'<a href="/review/documents/{document.id}">Download</a>' in page
    assert Path(application.documents[0].storage_key).name not in page  # keys stay private


def test_a_document_submitted_through_the_form_downloads_as_stored(
    storage, editor_client, client, call
):
    assert post(client, call, application_form(client, call)).status_code == 302
    submitted = db.session.scalar(select(Application))
    cv = document_of(submitted, "cv")
    response = download(editor_client, cv.id)
    assert response.status_code == 200
    # The cleaned copy (test_metadata_cleaning.py), the only one ever stored.
    assert hashlib.sha256(response.get_data()).hexdigest() == cv.sha256
    assert cv.original_sha256 == hashlib.sha256((SAMPLES / "cv.pdf").read_bytes()).hexdigest()
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=\"Lebenslauf Nino.pdf\"; filename*=UTF-8''Lebenslauf%20Nino.pdf"
    )
