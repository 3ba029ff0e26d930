"""The admin switch, the privacy notice, erasure, subject access, guests and the address checks."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import hidden_fields, login_as
from tests.guests.conftest import make_guest
from tests.translation.conftest import TRANSLATED, add_document
from tracker import create_app
from tracker.config import ConfigError
from tracker.dates import moment
from tracker.extensions import db
from tracker.models import AuditEvent, SiteSetting, TranslationPreview, utcnow
from tracker.privacy import erase_applicant, purge_expired
from tracker.translation.endpoint import translation_endpoint
from tracker.translation.previews import request_preview

NOTICE_SENTENCE = (
    "When an editor asks for it, the text of your cover letter or writing sample is sent to "
    "the machine-translation service {host}, which returns a German translation for our "
    "editors. We keep that translation with your application and erase it with your "
    "application."
)


def flashes(markup: str) -> list[str]:
    return re.findall(r'<div class="notice notice-\w+" role="status">([^<]*)</div>', markup)


def switch(client, value: str):
    token = hidden_fields(client.get("/admin/translation").text)["csrf_token"]
    return client.post("/admin/translation", data={"csrf_token": token, "previews": value})


def host_of(stub_service) -> str:
    return stub_service.url.removeprefix("http://")


def test_the_admin_switch_is_off_by_default_and_each_change_is_audited(admin_client, stub_service):
    page = admin_client.get("/admin/translation").text
    assert f'Translation service: <strong class="translation-service">{host_of(stub_service)}' in (
        page
    )
    assert '<p class="translation-switch-state">Machine-translated previews are off.</p>' in page
    assert "Turn machine-translated previews on</button>" in page

    response = switch(admin_client, "on")
    assert response.location == "/admin/translation"
    page = admin_client.get("/admin/translation").text
    assert flashes(page) == ["Machine-translated previews are on."]
    row = db.session.get(SiteSetting, "translation_previews")
    assert (row.value, row.changed_by_id) == ({"value": True}, admin_client.user.id)
    with admin_client.application.test_request_context("/?lang=en"):
        when = moment(row.changed_at)
    assert (
        '<p class="translation-switch-state">Machine-translated previews are on. '
        f"Last changed by Ada Admin, {when}.</p>"
    ) in page
    assert "Turn machine-translated previews off</button>" in page

    switch(admin_client, "off")
    assert flashes(admin_client.get("/admin/translation").text) == [
        "Machine-translated previews are off."
    ]
    switch(admin_client, "off")
    assert flashes(admin_client.get("/admin/translation").text) == ["Nothing changed."]
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "setting.changed").order_by(AuditEvent.id)
    ).all()
    assert [(e.actor_id, e.details) for e in events] == [
        (admin_client.user.id, {"setting": "translation_previews", "value": True}),
        (admin_client.user.id, {"setting": "translation_previews", "value": False}),
    ]
    assert stub_service.received == []


def test_the_switch_is_for_admins_only(editor_client):
    assert editor_client.get("/admin/translation").status_code == 403
    assert editor_client.post("/admin/translation", data={"previews": "on"}).status_code in (
        400,
        403,
    )
    assert db.session.get(SiteSetting, "translation_previews") is None


def test_an_unknown_choice_is_refused(admin_client):
    assert switch(admin_client, "maybe").status_code == 400
    assert db.session.get(SiteSetting, "translation_previews") is None


def test_without_a_service_nothing_is_offered_even_when_switched_on(
    app, admin_client, editor_client, make_application, stub_service
):
    switch(admin_client, "on")
    app.config["TRANSLATION_URL"] = None
    page = admin_client.get("/admin/translation").text
    assert (
        '<p class="notice" role="note">No translation service is configured (TRANSLATION_URL), '
        "so nothing can be sent.</p>"
    ) in page
    assert "Turn machine-translated previews" not in page
    application = make_application()
    add_document(application)
    markup = editor_client.get(f"/review/applications/{application.id}").text
    assert "Machine-translate into German" not in markup
    assert "machine-translation" not in client_privacy(editor_client)


def client_privacy(client) -> str:
    return client.get("/privacy?lang=en").text


def test_the_privacy_notice_names_the_service_only_while_previews_are_on(
    client, admin_client, stub_service
):
    sentence = NOTICE_SENTENCE.format(host=host_of(stub_service))
    assert "machine-translation" not in client_privacy(client)
    assert "translat" not in client_privacy(client).lower()
    switch(admin_client, "on")
    page = client_privacy(client)
    assert f'<li class="privacy-translation">{sentence}</li>' in page
    german = client.get("/privacy?lang=de").text
    assert (
        "Wenn eine Redakteurin oder ein Redakteur es anfordert, wird der Text Ihres "
        "Anschreibens oder Ihrer Arbeitsprobe an den maschinellen Übersetzungsdienst "
        f"{host_of(stub_service)} gesendet"
    ) in german
    russian = client.get("/privacy?lang=ru").text
    assert f"сервису машинного перевода {host_of(stub_service)}" in russian
    switch(admin_client, "off")
    assert "privacy-translation" not in client_privacy(client)


def test_erasure_removes_the_preview_with_the_application(
    app, make_application, stub_service, switched_on
):
    application = make_application()
    document = add_document(application)
    request_preview(document, by=switched_on, config=app.config)
    application_id = application.id
    assert db.session.scalar(select(func.count()).select_from(TranslationPreview)) == 1
    erase_applicant(application, by=switched_on, reason="admin")
    assert db.session.scalar(select(func.count()).select_from(TranslationPreview)) == 0
    # The audit event of the request went with the application; only the tombstone stays.
    assert db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.application_id == application_id)
    ).all() == ["application.erased"]


def test_the_retention_purge_removes_the_preview_too(
    app, make_application, stub_service, switched_on
):
    application = make_application(status="rejected", decided_at=utcnow() - timedelta(days=400))
    request_preview(add_document(application), by=switched_on, config=app.config)
    assert purge_expired().count == 1
    assert db.session.scalar(select(func.count()).select_from(TranslationPreview)) == 0


def test_the_subject_access_export_includes_the_preview(
    app, admin_client, make_application, stub_service
):
    switch(admin_client, "on")
    application = make_application()
    document = add_document(application)
    preview, _ = request_preview(document, by=admin_client.user, config=app.config)
    response = admin_client.get(f"/admin/applications/{application.id}/subject-access")
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        data = json.loads(archive.read("data.json"))
    assert data["machine_translations"] == [
        {
            "document": "cover_letter",
            "language": "de",
            "service_host": host_of(stub_service),
            "detected_language": "en",
            "only_the_beginning": False,
            "text": TRANSLATED,
            "at": preview.created_at.isoformat(),
        }
    ]


def test_a_guest_can_never_send_and_sees_no_preview(
    app, call, make_user, make_application, stub_service, switched_on
):
    application = make_application(region="armenia")
    document = add_document(application)
    request_preview(document, by=switched_on, config=app.config)
    guest = app.test_client()
    guest.user = make_guest(make_user, call)
    login_as(guest, guest.user)
    response = guest.get(f"/review/applications/{application.id}")
    assert response.status_code == 200
    page = response.text
    assert "Kutaisi for local radio" in page  # the document itself, as the guest may read it
    assert TRANSLATED not in page
    assert "Machine-translate" not in page
    token = hidden_fields(guest.get("/review/").text)["csrf_token"]
    response = guest.post(
        f"/review/documents/{document.id}/translation", data={"csrf_token": token}
    )
    assert response.status_code == 403
    assert len(stub_service.received) == 1  # the editor's, before


@pytest.mark.parametrize(
    ("url", "allow_http", "problem"),
    [
        ("http://translate.example.org", False, "must use https"),
        ("https://user:secret@translate.example.org", False, "no user name"),
        ("ftp://translate.example.org", False, "must be an http(s) address"),
        ("https://translate.example.org/?key=1", False, "must be an http(s) address"),
    ],
)
def test_a_translation_url_that_could_leak_stops_the_start(
    app_config, monkeypatch, url, allow_http, problem
):
    with pytest.raises(ConfigError, match=re.escape(problem)):
        create_app(app_config | {"TRANSLATION_URL": url, "TRANSLATION_ALLOW_HTTP": allow_http})


@pytest.mark.parametrize(
    ("url", "allow_http", "where"),
    [
        (
            "https://translate.example.org",
            False,
            ("https", "translate.example.org", None, "/translate"),
        ),
        ("https://example.org:8443/lt/", False, ("https", "example.org", 8443, "/lt/translate")),
        ("http://127.0.0.1:5000", False, ("http", "127.0.0.1", 5000, "/translate")),
        ("http://[::1]:5000", False, ("http", "::1", 5000, "/translate")),
        ("http://localhost:5000", False, ("http", "localhost", 5000, "/translate")),
        ("http://libretranslate:5000", True, ("http", "libretranslate", 5000, "/translate")),
    ],
)
def test_https_or_this_machine_is_accepted(url, allow_http, where):
    assert tuple(translation_endpoint(url, allow_http=allow_http)) == where
