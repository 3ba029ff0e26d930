"""Machine-translated previews on the candidate page, against a LibreTranslate stand-in."""

from __future__ import annotations

import re
import threading

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from tests.conftest import hidden_fields
from tests.translation.conftest import COVER_LETTER, TRANSLATED, add_document, closed_port
from tracker.extensions import db
from tracker.models import AuditEvent, TranslationPreview

MARK = (
    "Machine translation into German by 127.0.0.1:{port} — may be wrong; "
    "the original is authoritative"
)


def candidate_markup(client, application) -> str:
    response = client.get(f"/review/applications/{application.id}")
    assert response.status_code == 200
    return response.text


def ask(client, document, **query):
    """Press "Machine-translate into German" for *document*; return the page it leads to."""
    token = hidden_fields(client.get("/review/").text)["csrf_token"]
    response = client.post(
        f"/review/documents/{document.id}/translation",
        data={"csrf_token": token},
        query_string=query,
    )
    assert response.status_code == 302
    return response


def flashes(markup: str) -> list[str]:
    return re.findall(r'<div class="notice notice-\w+" role="status">([^<]*)</div>', markup)


def previews() -> list[TranslationPreview]:
    return db.session.scalars(select(TranslationPreview)).all()


def translation_events() -> list[AuditEvent]:
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "document.translation_requested")
    ).all()


def port_of(stub_service) -> int:
    return int(stub_service.url.rsplit(":", 1)[1])


def test_off_by_default_offers_nothing_and_sends_nothing(
    editor_client, make_application, stub_service
):
    application = make_application()
    document = add_document(application)
    markup = candidate_markup(editor_client, application)
    assert "Machine-translate into German" not in markup
    assert "machine-translation" not in markup
    response = ask(editor_client, document)
    page = editor_client.get(response.location).text
    assert flashes(page) == [
        "Machine translation is not available: it is not configured or not turned on."
    ]
    assert stub_service.received == []
    assert previews() == []
    assert translation_events() == []


def test_on_the_preview_is_asked_for_shown_marked_stored_and_audited(
    editor_client, make_application, stub_service, switched_on
):
    application = make_application()
    document = add_document(application)
    markup = candidate_markup(editor_client, application)
    port = port_of(stub_service)
    assert (
        f'<form method="post" action="/review/documents/{document.id}/translation" '
        'class="machine-translation-request">'
    ) in markup
    assert (
        '<button type="submit" class="button-secondary">Machine-translate into German</button>'
        in (markup)
    )
    assert (
        f'<span class="muted">Sends the first 5000 characters of this text to 127.0.0.1:{port}.'
        "</span>"
    ) in markup

    response = ask(editor_client, document, **{"from": "status=new"})
    assert response.location == (
        f"/review/applications/{application.id}?from=status%3Dnew#panel-cover_letter"
    )
    assert stub_service.bodies == [
        {
            "q": COVER_LETTER,
            "source": "auto",
            "target": "de",
            "format": "text",
            "api_key": "test-key",
        }
    ]
    path, headers, _body = stub_service.received[0]
    assert path == "/translate"
    assert headers["Content-Type"] == "application/json"

    page = editor_client.get(response.location).text
    assert flashes(page) == ["The machine translation into German is shown below."]
    section = page.split('<section class="machine-translation"')[1].split("</section>")[0]
    assert f'<h3 id="translation-{document.id}-title" class="machine-translation-mark">' in section
    assert MARK.format(port=port) in section
    assert (
        '<p class="muted">Language of the original, as the service detected it: English</p>'
    ) in section
    assert f'<div class="machine-translation-text" lang="de" dir="auto">{TRANSLATED}</div>' in (
        section
    )
    assert "Only the first" not in section
    assert "Machine-translate into German</button>" not in page

    (preview,) = previews()
    assert (
        preview.application_id,
        preview.document_id,
        preview.target_language,
        preview.service_host,
        preview.detected_language,
        preview.truncated,
        preview.text,
        preview.requested_by_id,
    ) == (
        application.id,
        document.id,
        "de",
        f"127.0.0.1:{port}",
        "en",
        False,
        TRANSLATED,
        editor_client.user.id,
    )
    (event,) = translation_events()
    assert (event.actor_id, event.application_id, event.details) == (
        editor_client.user.id,
        application.id,
        {
            "document_id": document.id,
            "kind": "cover_letter",
            "service_host": f"127.0.0.1:{port}",
            "characters": len(COVER_LETTER),
            "outcome": "translated",
        },
    )


def test_a_second_request_reuses_the_stored_preview(
    editor_client, make_application, stub_service, switched_on
):
    application = make_application()
    document = add_document(application)
    ask(editor_client, document)
    response = ask(editor_client, document)
    page = editor_client.get(response.location).text
    assert flashes(page) == ["This machine translation was stored already; nothing was sent."]
    assert len(stub_service.received) == 1
    assert len(previews()) == 1
    assert len(translation_events()) == 1


def test_a_long_text_is_cut_to_the_maximum_and_the_page_says_so(
    editor_client, make_application, stub_service, switched_on
):
    application = make_application()
    document = add_document(application, "writing_sample", text="Wort " * 1500)
    response = ask(editor_client, document)
    assert stub_service.bodies[0]["q"] == ("Wort " * 1000)[:5000]
    page = editor_client.get(response.location).text
    assert (
        '<p class="notice reader-notice">Only the first 5000 characters of the text were '
        "translated.</p>"
    ) in page
    assert previews()[0].truncated is True


@pytest.mark.parametrize(
    ("answer", "message", "outcome"),
    [
        (
            "error",
            "The translation service {host} answered with an error. "
            "Nothing was stored; please try again later.",
            "http_error 503",
        ),
        (
            "redirect",
            "The translation service {host} answered with an error. "
            "Nothing was stored; please try again later.",
            "http_error 307",
        ),
        (
            "not_json",
            "The translation service {host} sent an answer that is not a translation. "
            "Nothing was stored.",
            "bad_response",
        ),
        (
            "no_text",
            "The translation service {host} sent an answer that is not a translation. "
            "Nothing was stored.",
            "bad_response",
        ),
        (
            "hang",
            "The translation service {host} did not answer in time. "
            "Nothing was stored; please try again later.",
            "timeout",
        ),
    ],
)
def test_a_failing_service_is_reported_and_nothing_is_stored(
    editor_client, make_application, stub_service, switched_on, answer, message, outcome
):
    stub_service.answer = answer
    application = make_application()
    document = add_document(application)
    response = ask(editor_client, document)
    page = editor_client.get(response.location).text
    host = f"127.0.0.1:{port_of(stub_service)}"
    assert flashes(page) == [message.format(host=host)]
    # A redirect is not followed: the one request is the one the stand-in got.
    assert len(stub_service.received) == 1
    assert previews() == []
    assert "machine-translation-text" not in page
    (event,) = translation_events()
    assert event.details["outcome"] == outcome
    assert event.details["service_host"] == host


def test_an_unreachable_service_is_reported(app, editor_client, make_application, switched_on):
    port = closed_port()
    app.config["TRANSLATION_URL"] = f"http://127.0.0.1:{port}"
    application = make_application()
    document = add_document(application)
    response = ask(editor_client, document)
    page = editor_client.get(response.location).text
    assert flashes(page) == [
        f"The translation service 127.0.0.1:{port} could not be reached. "
        "Nothing was stored; please try again later."
    ]
    assert previews() == []
    assert translation_events()[0].details["outcome"] == "unreachable"


@pytest.mark.parametrize(
    ("kind", "text", "message"),
    [
        ("cover_letter", None, "This document has no text that could be translated."),
        ("writing_sample", "  \n ", "This document has no text that could be translated."),
        ("cv", "Lebenslauf", "Only a cover letter or a writing sample can be machine-translated."),
    ],
)
def test_a_document_without_text_or_of_another_kind_sends_nothing(
    editor_client, make_application, stub_service, switched_on, kind, text, message
):
    application = make_application()
    document = add_document(application, kind, text=text)
    assert "Machine-translate into German" not in candidate_markup(editor_client, application)
    response = ask(editor_client, document)
    assert flashes(editor_client.get(response.location).text) == [message]
    assert stub_service.received == []
    assert previews() == []
    assert translation_events() == []


def test_the_page_in_german_marks_the_preview_in_german(
    editor_client, make_application, stub_service, switched_on
):
    application = make_application()
    document = add_document(application)
    ask(editor_client, document)
    page = editor_client.get(f"/review/applications/{application.id}?lang=de").text
    port = port_of(stub_service)
    assert (
        f"Maschinelle Übersetzung ins Deutsche durch 127.0.0.1:{port} — kann falsch sein; "
        "maßgeblich ist das Original"
    ) in page
    assert "Sprache des Originals, wie der Dienst sie erkannt hat: Englisch" in page


def test_a_preview_of_text_that_changed_since_is_not_shown_and_is_asked_for_anew(
    editor_client, make_application, stub_service, switched_on
):
    application = make_application()
    document = add_document(application)
    ask(editor_client, document)
    document.text = "A different letter."
    db.session.commit()
    assert "machine-translation-text" not in candidate_markup(editor_client, application)
    ask(editor_client, document)
    assert [body["q"] for body in stub_service.bodies] == [COVER_LETTER, "A different letter."]
    assert len(previews()) == 1


def test_a_service_whose_certificate_cannot_be_verified_gets_nothing_readable(
    app, editor_client, make_application, switched_on
):
    """https is verified against the system's CAs: a self-signed stand-in is refused before
    the text is sent (the TLS handshake fails), and the editor is told it is unreachable."""
    received = []

    @Request.application
    def wsgi(request):
        received.append(request.get_data())
        return Response("{}", content_type="application/json")

    server = make_server("127.0.0.1", 0, wsgi, ssl_context="adhoc")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        app.config["TRANSLATION_URL"] = f"https://127.0.0.1:{server.server_port}"
        application = make_application()
        document = add_document(application)
        response = ask(editor_client, document)
        page = editor_client.get(response.location).text
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    assert flashes(page) == [
        f"The translation service 127.0.0.1:{server.server_port} could not be reached. "
        "Nothing was stored; please try again later."
    ]
    assert received == []
    assert previews() == []


def test_an_error_is_told_in_the_editors_language(
    editor_client, make_application, stub_service, switched_on
):
    stub_service.answer = "error"
    application = make_application()
    document = add_document(application)
    response = ask(editor_client, document, lang="de")
    page = editor_client.get(response.location).text
    assert flashes(page) == [
        f"Der Übersetzungsdienst 127.0.0.1:{port_of(stub_service)} hat mit einem Fehler "
        "geantwortet. Es wurde nichts gespeichert; bitte versuchen Sie es später noch einmal."
    ]


def test_a_cover_letter_typed_into_the_form_is_not_offered(
    editor_client, make_application, stub_service, switched_on
):
    application = make_application(cover_letter="I report from Kutaisi.")
    markup = candidate_markup(editor_client, application)
    assert '<div class="cover-letter" dir="auto">I report from Kutaisi.</div>' in markup
    assert "Machine-translate into German" not in markup
