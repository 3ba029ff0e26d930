"""The applicant's path: the call page, the form, the thanks page, and every refusal."""

from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from tests import hostile_files as hostile
from tests.applying import (
    application_form,
    assert_nothing_stored,
    error_summary,
    kept_on_disk,
    post,
    sample,
    stored_files,
)
from tests.conftest import hidden_fields
from tests.storage_backends import stored_bytes
from tracker.applications.form_tickets import issue_form_ticket
from tracker.applications.submit import ApplicationData, SubmissionRejected, submit_application
from tracker.documents.kept import keep
from tracker.documents.storage import path_for
from tracker.enums import DocumentKind
from tracker.extensions import db
from tracker.models import Application, Document, OutboxEmail, utcnow

# --- the call page --------------------------------------------------------------------


def test_start_page_goes_straight_to_the_only_open_call(client, call):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/apply/local-experts"


def test_start_page_lists_calls_when_none_is_open(client, call):
    call.is_open = False
    db.session.commit()
    response = client.get("/")
    assert "There is no open call at the moment" in client.get("/?lang=en").text
    assert response.status_code == 200


def test_call_page_shows_the_call_text_and_every_region_in_english(client, call):
    page = client.get("/apply/local-experts?lang=en").text
    assert "<h1>Local experts wanted</h1>" in page
    assert '<legend class="label">Where do you live?</legend>' in page
    countries = re.findall(
        r'<option value="(\w*)">([^<]+)</option>',
        page.split('id="home_country"')[1].split("</select>")[0],
    )
    assert countries == [
        ("", "Choose a country"),
        ("georgia", "Georgia"),
        ("armenia", "Armenia"),
        ("azerbaijan", "Azerbaijan"),
        ("russia", "Russia"),
        ("elsewhere", "Another country"),
    ]
    assert '<legend class="label">Which regions can you cover?</legend>' in page
    regions = page.split('id="regions"')[1].split("</fieldset>")[0]
    headings = re.findall(r'<p class="label region-group">([^<]+)</p>', regions)
    assert headings == ["South Caucasus", "North Caucasus", "Neighbouring regions"]
    labels = re.findall(r'<label for="regions-\d+">([^<]+)</label>', regions)
    assert labels == [
        "Georgia",
        "Abkhazia",
        "Tskhinvali region / South Ossetia",
        "Armenia",
        "Azerbaijan",
        "Nakhchivan",
        "Karabakh",
        "Dagestan",
        "Chechnya",
        "Ingushetia",
        "North Ossetia–Alania",
        "Kabardino-Balkaria",
        "Karachay-Cherkessia",
        "Adygea",
        "Stavropol krai",
        "Krasnodar krai",
        "Black Sea coast of Russia",
    ]
    # One group of checkboxes, not seventeen required boxes.
    assert "required" not in regions
    assert 'href="/privacy"' in page
    assert 'enctype="multipart/form-data"' in page
    assert 'name="csrf_token"' in page
    assert 'name="form_ticket"' in page


def test_call_page_is_german_by_default(client, call):
    page = client.get("/apply/local-experts").text
    assert "<h1>Lokale Expertinnen und Experten gesucht</h1>" in page
    assert '<html lang="de">' in page


def test_unknown_call_is_a_404_in_the_site_layout(client, call):
    response = client.get("/apply/no-such-call?lang=en")
    assert response.status_code == 404
    assert "Page not found" in response.text
    assert 'class="site-header"' in response.text


# --- a whole application --------------------------------------------------------------


def test_submit_stores_the_whole_application_and_queues_the_acknowledgement(
    storage, app, client, call
):
    response = post(client, call, application_form(client, call))

    application = db.session.scalar(select(Application))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/apply/local-experts/thanks/{application.reference}"
    assert re.fullmatch(r"CW-[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{2}", application.reference)
    assert (application.full_name, application.email, application.phone) == (
        "Nino Beridze",
        "nino.beridze@example.org",
        "+995 555 123 456",
    )
    assert (application.country, application.country_other, application.city) == (
        "georgia",
        None,
        "Kutaisi",
    )
    assert application.regions == ["georgia"]
    assert [(lang.language, lang.level) for lang in application.languages] == [
        ("de", "B2"),
        ("ka", "native"),
        ("ru", "C1"),
    ]
    assert sorted(topic.topic for topic in application.topics) == ["environment", "politics"]
    assert application.cover_letter == "Ich schreibe seit zehn Jahren über Westgeorgien."
    assert application.links == ["https://example.org/anaklia", "https://example.org/kutaisi"]
    assert application.status == "new"
    assert application.preferred_language == "de"
    assert application.privacy_version == app.config["PRIVACY_NOTICE_VERSION"]
    assert application.heard_about == "colleague"
    assert (utcnow() - application.consent_at).total_seconds() < 60

    documents = {doc.kind: doc for doc in application.documents}
    assert set(documents) == {"cv", "writing_sample"}
    cv, writing_sample = documents["cv"], documents["writing_sample"]
    assert (cv.filename, cv.file_type, cv.content_type) == (
        "Lebenslauf Nino.pdf",
        "pdf",
        "application/pdf",
    )
    # What is stored is the cleaned copy; the original is known by its sha256 only.
    assert cv.original_sha256 == hashlib.sha256(sample("cv.pdf")).hexdigest()
    assert writing_sample.file_type == "odt"
    for document in (cv, writing_sample):
        stored = stored_bytes(document.storage_key)
        assert hashlib.sha256(stored).hexdigest() == document.sha256
        assert document.size == len(stored)
    assert len(stored_files(app)) == 2
    assert kept_on_disk(app) == []

    (email,) = db.session.scalars(select(OutboxEmail)).all()
    assert (email.to_address, email.status, email.template, email.language) == (
        "nino.beridze@example.org",
        "queued",
        "acknowledgement",
        "de",
    )
    assert email.subject == f"Wir haben Ihre Bewerbung erhalten ({application.reference})"
    # Sent before anyone checked the address: it greets without repeating what was typed.
    assert email.body_text.startswith("Guten Tag,\n\nvielen Dank für Ihre Bewerbung")
    assert "Nino" not in email.body_text
    assert f"Ihre Referenz: {application.reference}" in email.body_text


def test_thanks_page_shows_the_reference_and_nothing_personal(client, call):
    response = post(client, call, application_form(client, call))
    page = client.get(response.headers["Location"] + "?lang=en").text
    reference = db.session.scalar(select(Application.reference))
    assert f'<p class="reference">{reference}</p>' in page
    assert "What happens next" in page
    for personal in ("Nino", "Beridze", "example.org/anaklia", "Kutaisi"):
        assert personal not in page


def test_thanks_page_of_an_unknown_reference_is_a_404(client, call):
    assert client.get("/apply/local-experts/thanks/CW-AAAA-AA").status_code == 404


@pytest.fixture
def thanks_limited(app_config):
    app_config.update(RATELIMIT_ENABLED=True, THANKS_LIMIT_PER_IP="3 per hour")


def test_thanks_pages_are_rate_limited_per_client_address(thanks_limited, app, client, call):
    from tracker.extensions import limiter

    limiter.reset()
    post(client, call, application_form(client, call))
    reference = db.session.scalar(select(Application.reference))
    real = f"/apply/local-experts/thanks/{reference}"
    answers = [
        client.get(real).status_code,
        client.get("/apply/local-experts/thanks/CW-AAAA-AA").status_code,
        client.get("/apply/local-experts/thanks/CW-AAAA-AB").status_code,
    ]
    # Guessing references would tell real ones (200) from unknown ones (404); not for long.
    refused = client.get(real + "?lang=en")
    assert answers == [200, 404, 404]
    assert refused.status_code == 429
    assert "Too many attempts" in refused.text
    assert reference not in refused.text
    assert int(refused.headers["Retry-After"]) > 0
    # Another client address is not held back.
    other = client.get(real, environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 200
    limiter.reset()


def test_head_on_the_form_answers_like_get_without_a_body(app, client, call):
    get = client.get("/apply/local-experts")
    head = client.head("/apply/local-experts")
    assert head.status_code == 200  # was 400: HEAD went down the submission path
    assert head.data == b""
    assert head.headers["Content-Type"] == "text/html; charset=utf-8"
    assert int(head.headers["Content-Length"]) > 0
    assert get.status_code == 200
    assert_nothing_stored(app)


def test_acknowledgement_is_written_in_english_when_asked(client, call):
    post(client, call, application_form(client, call, preferred_language="en"))
    email = db.session.scalar(select(OutboxEmail))
    reference = db.session.scalar(select(Application.reference))
    assert email.language == "en"
    assert email.subject == f"We have received your application ({reference})"
    assert email.body_text.startswith("Hello,\n\nThank you for applying")


def test_every_sample_document_type_goes_through(client, call):
    data = application_form(
        client,
        call,
        cv=(io.BytesIO(sample("cover_letter.docx")), "cv.docx"),
        cover_letter=None,
        cover_letter_file=(io.BytesIO(sample("cover_letter.rtf")), "letter.rtf"),
        writing_sample=(io.BytesIO(sample("writing_sample.txt")), "sample.txt"),
    )
    assert post(client, call, data).status_code == 302
    kinds = {d.kind: d.file_type for d in db.session.scalars(select(Document))}
    assert kinds == {"cv": "docx", "cover_letter": "rtf", "writing_sample": "txt"}


def test_a_link_instead_of_a_writing_sample_file_is_enough(client, call):
    data = application_form(
        client, call, writing_sample=None, writing_sample_url="https://example.org/story"
    )
    assert post(client, call, data).status_code == 302
    application = db.session.scalar(select(Application))
    assert application.writing_sample_url == "https://example.org/story"
    assert [d.kind for d in application.documents] == ["cv"]


def test_another_country_needs_its_name_and_a_covered_region_is_required(app, client, call):
    data = application_form(client, call, home_country="elsewhere", regions=None)
    response = client.post("/apply/local-experts?lang=en", data=data)
    assert response.status_code == 400
    assert error_summary(response.text) == [
        "Name of the country: Name the country you live in.",
        "Regions you can cover: Choose at least one region you can cover.",
    ]
    data = application_form(client, call, home_country=None)
    response = client.post("/apply/local-experts?lang=en", data=data)
    assert error_summary(response.text) == ["Country: Choose the country you live in."]
    assert_nothing_stored(app)


def test_a_berlin_journalist_covering_chechnya_and_ingushetia_is_stored_with_both(client, call):
    data = application_form(
        client,
        call,
        home_country="elsewhere",
        home_country_other="Germany",
        city="Berlin",
        regions=["chechnya", "ingushetia"],
    )
    assert post(client, call, data).status_code == 302
    application = db.session.scalar(select(Application))
    assert (application.country, application.country_other, application.city) == (
        "elsewhere",
        "Germany",
        "Berlin",
    )
    assert application.regions == ["chechnya", "ingushetia"]


def test_a_country_name_is_kept_only_for_another_country(client, call):
    data = application_form(client, call, home_country="armenia", home_country_other="Germany")
    assert post(client, call, data).status_code == 302
    application = db.session.scalar(select(Application))
    assert (application.country, application.country_other) == ("armenia", None)


def test_the_rules_of_where_hold_whoever_calls_submit_application(app, call):
    base = {
        "full_name": "Nino Beridze",
        "email": "nino@example.org",
        "city": "Kutaisi",
        "german_level": "B2",
        "topics": ["politics"],
        "preferred_language": "de",
        "cover_letter": "Text",
        "writing_sample_url": "https://example.org/a",
    }
    cases = [
        (
            {"home_country": "atlantis", "regions": []},
            {
                "home_country": "Choose the country you live in",
                "regions": "Choose at least one region you can cover",
            },
        ),
        (
            {"home_country": "elsewhere", "home_country_other": " ", "regions": ["mars"]},
            {
                "home_country_other": "Name the country you live in",
                "regions": "Please choose the regions from the list.",
            },
        ),
    ]
    keep("t", DocumentKind.CV, FileStorage(io.BytesIO(sample("cv.pdf")), "cv.pdf"))
    for answers, expected in cases:
        with pytest.raises(SubmissionRejected) as caught:
            submit_application(call, ApplicationData(**base, **answers), form_token="t")
        with force_locale("en"):
            assert {key: str(value) for key, value in caught.value.errors.items()} == expected
    assert_nothing_stored(app)


# --- bad input: each leaves no row, no file, no email ------------------------------------


def test_missing_cv_is_refused_with_a_message_at_the_field(app, client, call):
    response = post(client, call, application_form(client, call, cv=None))
    assert response.status_code == 400
    assert "Lebenslauf: Bitte fügen Sie Ihren Lebenslauf bei." in error_summary(response.text)
    assert_nothing_stored(app)


def test_missing_writing_sample_is_refused(app, client, call):
    data = application_form(client, call, writing_sample=None)
    response = client.post("/apply/local-experts?lang=en", data=data)
    assert response.status_code == 400
    assert error_summary(response.text) == [
        "Writing sample: Please attach a writing sample or give a link to a published piece."
    ]
    assert_nothing_stored(app)


def test_missing_cover_letter_is_refused(app, client, call):
    data = application_form(client, call, cover_letter="")
    response = client.post("/apply/local-experts?lang=en", data=data)
    assert error_summary(response.text) == [
        "Cover letter: Please write a cover letter or attach it as a file."
    ]
    assert_nothing_stored(app)


@pytest.mark.parametrize(
    "address",
    [
        "not-an-address",
        "a@b",
        "a@b.co\nBcc: x@y",
        "a@b.co\r\nBcc: x@y",
        "<a@b.co>",
        "a@b.co, c@d.co",
    ],
)
def test_invalid_email_is_refused(app, client, call, address):
    response = client.post(
        "/apply/local-experts?lang=en", data=application_form(client, call, email=address)
    )
    assert response.status_code == 400
    summary = error_summary(response.text)
    assert len(summary) == 1
    assert summary[0].startswith("Email address: ")
    assert_nothing_stored(app)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "full_name",
            "Nino\r\nBcc: x@y",
            "Full name: Please write this on one line, without special characters.",
        ),
        (
            "full_name",
            "Nino\x07",
            "Full name: Please write this on one line, without special characters.",
        ),
        (
            "city",
            "Kut\naisi",
            "City or town where you live: Please write this on one line, without special characters.",
        ),
        (
            "cover_letter",
            "Hello\x1bworld",
            "Cover letter: This text contains characters we cannot store.",
        ),
        (
            "cover_letter",
            "x" * 8001,
            "Cover letter: Your cover letter has 8,001 characters. Please shorten it to 8,000 or "
            "attach it as a file.",
        ),
        (
            "full_name",
            "x" * 201,
            "Full name: This has 201 characters. Please shorten it to 200.",
        ),
        (
            "links",
            "javascript:alert(1)",
            "Links to other published work (optional): Line 1 is not a web address: "
            "“javascript:alert(1)”.",
        ),
        ("home_country", "atlantis", "Country: Not a valid choice."),
        (
            "regions",
            ["georgia", "atlantis"],
            "Regions you can cover: 'atlantis' is not a valid choice for this field.",
        ),
        (
            "topics",
            ["politics", "cooking"],
            "Topics you know well: 'cooking' is not a valid choice for this field.",
        ),
        (
            "consent",
            None,
            "Privacy notice: Please agree to the privacy notice so that we may read your application.",
        ),
    ],
)
def test_bad_text_fields_are_refused(app, client, call, field, value, message):
    data = application_form(client, call, **{field: value})
    response = client.post("/apply/local-experts?lang=en", data=data)
    assert response.status_code == 400
    assert message in error_summary(response.text)
    assert_nothing_stored(app)


def test_wtforms_own_messages_follow_the_language_of_each_request(app, client, call):
    # WTForms' catalogue is read once per language (forms_common.wtforms_messages): each
    # request still gets its own language's words.
    for language, message in (
        ("de", "Land: Keine gültige Auswahl."),
        ("ru", "Страна: Неверный вариант."),
        ("de", "Land: Keine gültige Auswahl."),
        ("en", "Country: Not a valid choice."),
    ):
        data = application_form(client, call, home_country="atlantis")
        response = client.post(f"/apply/local-experts?lang={language}", data=data)
        assert response.status_code == 400
        assert message in error_summary(response.text)
    assert_nothing_stored(app)


def test_entered_values_are_kept_after_an_error(client, call):
    data = application_form(client, call, cv=None, full_name="Ани Арутюнян")
    page = post(client, call, data).text
    assert 'value="Ани Арутюнян"' in page
    assert "Ich schreibe seit zehn Jahren über Westgeorgien." in page
    assert '<option selected value="georgia">' in page


def test_error_summary_links_each_message_to_its_field(client, call):
    page = client.post(
        "/apply/local-experts?lang=en", data=application_form(client, call, full_name="", cv=None)
    ).text
    assert '<a href="#full_name">Full name: Enter your full name.</a>' in page
    assert '<a href="#cv">CV: Please attach your CV.</a>' in page
    assert 'aria-describedby="full_name-error"' in page
    assert "There is a problem" in page


def test_filled_honeypot_stores_nothing(app, client, call):
    response = client.post(
        "/apply/local-experts?lang=en",
        data=application_form(client, call, website="http://spam.example"),
    )
    assert response.status_code == 400
    assert "Please leave the field “Leave this field empty” empty." in response.text
    assert_nothing_stored(app)


def test_form_sent_back_too_fast_is_refused_with_a_fresh_ticket(app, app_config, client, call):
    app.config["FORM_MIN_FILL_SECONDS"] = 60
    data = application_form(client, call)
    response = client.post("/apply/local-experts?lang=en", data=data)
    assert response.status_code == 400
    assert (
        "That was very quick! Please check your answers, then send the form again." in response.text
    )
    assert hidden_fields(response.text)["form_ticket"] != data["form_ticket"]
    assert_nothing_stored(app)


def test_forged_form_ticket_is_refused(app, client, call):
    response = client.post(
        "/apply/local-experts?lang=en", data=application_form(client, call, form_ticket="forged")
    )
    assert "This form has expired. Please check your answers and send it again." in response.text
    assert_nothing_stored(app)


def test_missing_csrf_token_is_refused_plainly(app, client, call):
    response = client.post(
        "/apply/local-experts?lang=en", data=application_form(client, call, csrf_token=None)
    )
    assert response.status_code == 400
    assert "This form has expired. Please check your answers and send it again." in response.text
    assert_nothing_stored(app)


def test_double_submit_creates_one_application_and_one_email(app, client, call):
    data = application_form(client, call)
    again = {
        **data,
        "cv": (io.BytesIO(sample("cv.pdf")), "cv.pdf"),
        "writing_sample": (io.BytesIO(sample("writing_sample.odt")), "s.odt"),
    }
    first = post(client, call, data)
    second = post(client, call, again)
    assert first.headers["Location"] == second.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(Application)) == 1
    assert db.session.scalar(select(func.count()).select_from(OutboxEmail)) == 1
    assert len(stored_files(app)) == 2


def test_extra_fields_cannot_set_status_or_identity(client, call):
    data = application_form(
        client,
        call,
        status="accepted",
        id="999",
        reference="CW-HACK-ED",
        form_token="x",
        call_id="7",
    )
    assert post(client, call, data).status_code == 302
    application = db.session.scalar(select(Application))
    assert application.status == "new"
    assert application.id != 999
    assert application.reference != "CW-HACK-ED"


def test_closed_call_shows_a_notice_and_stores_nothing(app, client, call):
    data = application_form(client, call)
    call.is_open = False
    db.session.commit()
    response = client.post("/apply/local-experts?lang=en", data=data)
    assert response.status_code == 400
    assert "This call has closed. Thank you for your interest." in response.text
    assert_nothing_stored(app)


def test_request_over_the_total_limit_gets_a_friendly_413(app, client, call):
    app.config["MAX_CONTENT_LENGTH"] = 200_000
    data = application_form(
        client, call, cv=(io.BytesIO(b"%PDF-1.4\n" + b"0" * 300_000), "big.pdf")
    )
    response = client.post("/apply/local-experts?lang=en", data=data)
    assert response.status_code == 413
    assert "Your files are too large" in response.text
    assert (
        "Each file may be up to 10 MB, and everything sent together up to 0.2 MB." in response.text
    )
    assert_nothing_stored(app)


def test_file_over_the_per_file_limit_is_refused_at_its_field(app, client, call):
    app.config["MAX_FILE_SIZE"] = 20_000
    response = client.post("/apply/local-experts?lang=en", data=application_form(client, call))
    assert response.status_code == 400
    (message,) = error_summary(response.text)
    assert message.startswith("CV: ")
    assert "larger than" in message
    assert_nothing_stored(app)


@pytest.mark.parametrize(
    "filename",
    [
        "../../../etc/passwd.pdf",
        "/etc/cron.d/cv.pdf",
        "C:\\Users\\nino\\cv.pdf",
        "cv\x00.exe.pdf",
        "\u202efdp.exe.pdf",
        "a" * 1000 + ".pdf",
        "cv 'final'; version=2.pdf",
    ],
)
def test_hostile_filenames_are_kept_only_as_sanitised_metadata(app, client, call, filename):
    data = application_form(client, call, cv=(io.BytesIO(sample("cv.pdf")), filename))
    assert post(client, call, data).status_code == 302
    document = db.session.scalar(select(Document).where(Document.kind == "cv"))
    assert "/" not in document.filename
    assert "\\" not in document.filename
    assert not re.search(r"[\x00-\x1f\"\u202a-\u202e\u2066-\u2069]", document.filename)
    assert document.filename.endswith(".pdf")
    assert len(document.filename) <= 120
    root = Path(app.config["STORAGE_ROOT"]).resolve()
    assert all(path.resolve().is_relative_to(root) for path in stored_files(app))
    stored = path_for(document.storage_key).read_bytes()
    assert hashlib.sha256(stored).hexdigest() == document.sha256


@pytest.mark.parametrize(
    ("failure", "status", "heading"),
    [
        # A bug-like failure: the generic error page.
        (
            RuntimeError("constraint check failed in a trigger"),
            500,
            "Something went wrong on our side",
        ),
        # The database is busy or gone: "try again", with Retry-After.
        ("database is locked", 503, "We are busy right now"),
    ],
)
def test_database_failure_at_commit_leaves_no_file_behind(
    storage, app, client, call, monkeypatch, failure, status, heading
):
    from flask import has_request_context
    from sqlalchemy.exc import OperationalError

    data = application_form(client, call)

    real_commit = db.session.commit

    def fail_inside_requests():
        if has_request_context():
            if isinstance(failure, str):
                raise OperationalError("COMMIT", {}, Exception(failure))
            raise failure
        real_commit()

    monkeypatch.setattr(db.session, "commit", fail_inside_requests)
    response = post(client, call, data, query="?lang=en")
    monkeypatch.undo()
    assert response.status_code == status
    assert heading in response.text
    assert "Traceback" not in response.text
    assert "OperationalError" not in response.text
    assert_nothing_stored(app)


def test_an_unreachable_bucket_is_a_503_and_stores_nothing(s3_bucket, app_config, request):
    # A bucket that does not exist answers like an outage or revoked credentials: S3 refuses.
    app_config["STORAGE_URL"] = "s3://no-such-bucket-of-ours/tracker"
    app = request.getfixturevalue("app")
    client, call = request.getfixturevalue("client"), request.getfixturevalue("call")

    response = post(client, call, application_form(client, call), query="?lang=en")

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "10"
    assert "We cannot store files right now" in response.text
    assert "Nothing was saved." in response.text
    assert_nothing_stored(app)
    assert kept_on_disk(app) == []


def test_the_request_never_talks_to_smtp(app, client, call, monkeypatch):
    """The acknowledgement waits in the outbox: an SMTP server that hangs cannot hold a request."""
    import smtplib

    app.config["MAIL_SERVER"] = "127.0.0.1"

    def refuse(*args, **kwargs):
        raise AssertionError("a web request opened an SMTP connection")

    monkeypatch.setattr(smtplib.SMTP, "connect", refuse)
    assert post(client, call, application_form(client, call)).status_code == 302
    assert db.session.scalar(select(OutboxEmail.status)) == "queued"


def test_form_ticket_holds_the_time_it_was_issued(app):
    from datetime import timedelta

    from tracker.applications.form_tickets import FormTicketError, check_form_ticket

    app.config["FORM_MIN_FILL_SECONDS"] = 5
    now = utcnow()
    ticket = issue_form_ticket(now)
    with pytest.raises(FormTicketError):
        check_form_ticket(ticket, now + timedelta(seconds=2))
    assert check_form_ticket(ticket, now + timedelta(seconds=6))
    with pytest.raises(FormTicketError):
        check_form_ticket(ticket, now + timedelta(seconds=app.config["WTF_CSRF_TIME_LIMIT"] + 1))


def test_admit_form_refuses_a_closed_call_a_filled_honeypot_and_a_bad_ticket(app, call):
    """The checks before a form is read: nothing is stored, a new ticket where it helps."""
    from datetime import timedelta

    from flask_babel import force_locale

    from tracker.applications.form_tickets import FormRefused, admit_form

    app.config["FORM_MIN_FILL_SECONDS"] = 0
    ticket = issue_form_ticket(utcnow() - timedelta(seconds=10))
    assert admit_form(call, ticket=ticket, honeypot="")
    with pytest.raises(FormRefused) as bot:
        admit_form(call, ticket=ticket, honeypot="https://spam.example")
    with force_locale("en"):
        assert str(bot.value.message) == "Please leave the field “Leave this field empty” empty."
    assert bot.value.fresh_ticket
    with pytest.raises(FormRefused) as forged:
        admit_form(call, ticket="forged", honeypot="")
    with force_locale("en"):
        assert str(forged.value.message).startswith("This form has expired.")
    assert forged.value.fresh_ticket
    call.is_open = False
    with pytest.raises(FormRefused) as closed:
        admit_form(call, ticket=ticket, honeypot="")
    with force_locale("en"):
        assert str(closed.value.message) == "This call has closed. Thank you for your interest."
    assert closed.value.fresh_ticket is None
    assert db.session.scalar(select(func.count(Application.id))) == 0


def test_privacy_page_shows_the_notice_and_its_version(client, app):
    page = client.get("/privacy?lang=en").text
    assert "Privacy notice" in page
    assert f"Version {app.config['PRIVACY_NOTICE_VERSION']}" in page


def test_privacy_text_is_configurable(client, app, tmp_path):
    notice = tmp_path / "privacy.txt"
    notice.write_text("Unser eigener Datenschutztext.\n\n<b>Zweiter Absatz</b>", encoding="utf-8")
    app.config["PRIVACY_NOTICE_FILE"] = str(notice)
    page = client.get("/privacy").text
    assert "<p>Unser eigener Datenschutztext.</p>" in page
    assert "&lt;b&gt;Zweiter Absatz&lt;/b&gt;" in page


# --- hostile documents through the whole form ---------------------------------------------

WRONG_TYPE = (
    "This file must be a PDF, Word (DOCX), OpenDocument (ODT), RTF or plain-text (TXT) file."
)
NOT_A_PDF = "This file is called .pdf but is not in PDF format."
UNREADABLE_PDF = "We could not read this PDF; please export it again"
MACROS = "This document contains macros, which we cannot accept for security reasons."


@pytest.mark.parametrize(
    ("field", "filename", "build", "message"),
    [
        ("cv", "cv.pdf", hostile.exe_named_pdf, WRONG_TYPE),
        ("cv", "cv.pdf", hostile.html_named_pdf, WRONG_TYPE),
        ("cv", "cv.pdf", hostile.svg_named_pdf, WRONG_TYPE),
        ("cv", "cv.pdf", lambda: sample("writing_sample.odt"), NOT_A_PDF),
        ("cv", "cv.pdf", hostile.pdf_html_polyglot, UNREADABLE_PDF),
        ("cv", "cv.pdf", hostile.truncated_pdf, UNREADABLE_PDF),
        ("cv", "cv.pdf", hostile.empty, "This file is empty."),
        (
            "writing_sample",
            "sample.docx",
            hostile.zip_bomb_docx,
            "This document is too large or complex for us to open safely.",
        ),
        ("writing_sample", "sample.docx", hostile.macro_docx, MACROS),
        (
            "writing_sample",
            "sample.docx",
            hostile.plain_zip,
            "This file is called .docx but is not in Word (DOCX) format.",
        ),
        ("cover_letter_file", "letter.txt", hostile.utf32_garbage_txt, WRONG_TYPE),
        (
            "cover_letter_file",
            "letter.txt",
            hostile.text_with_control_characters,
            "We could not read this text file",
        ),
        (
            "cover_letter_file",
            "letter.docx",
            hostile.xxe_docx,
            "We could not read this Word (DOCX) file",
        ),
        (
            "cv",
            "cv.svg",
            lambda: b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            WRONG_TYPE,
        ),
    ],
)
def test_hostile_documents_are_refused_at_their_field_and_leave_nothing(
    app, client, call, field, filename, build, message
):
    labels = {
        "cv": "CV",
        "writing_sample": "Writing sample",
        "cover_letter_file": "… or attach it as a file",
    }
    data = application_form(client, call, **{field: (io.BytesIO(build()), filename)})
    response = client.post("/apply/local-experts?lang=en", data=data)
    assert response.status_code == 400
    (entry,) = error_summary(response.text)
    assert entry.startswith(f"{labels[field]}: {message}")
    assert_nothing_stored(app)


def test_refusing_one_file_removes_the_others_it_had_staged(storage, app, client, call):
    data = application_form(
        client, call, writing_sample=(io.BytesIO(hostile.macro_docx()), "s.docx")
    )
    response = client.post("/apply/local-experts?lang=en", data=data)
    assert error_summary(response.text) == [
        f"Writing sample: {MACROS} Please save it as PDF or as a Word document without macros (.docx) and upload the new copy."
    ]
    assert_nothing_stored(app)
    staging = Path(app.config["STORAGE_ROOT"]) / "staging"
    assert not staging.exists() or list(staging.iterdir()) == []


def test_pdf_with_javascript_is_accepted_but_flagged_for_editors(client, call):
    data = application_form(client, call, cv=(io.BytesIO(hostile.pdf_with_javascript()), "cv.pdf"))
    assert post(client, call, data).status_code == 302
    document = db.session.scalar(select(Document).where(Document.kind == "cv"))
    assert document.flags == ["pdf_active_content"]


def test_nul_bytes_in_a_field_are_refused_before_anything_is_stored(app, client, call):
    data = application_form(client, call, full_name="Nino\x00Beridze")
    response = client.post("/apply/local-experts?lang=en", data=data)
    assert response.status_code == 400
    assert "We could not understand that request" in response.text
    assert_nothing_stored(app)
