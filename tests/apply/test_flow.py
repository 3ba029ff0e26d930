"""The applicant's path through re-displays: kept files, the language switch, checking answers."""

from __future__ import annotations

import hashlib
import html
import io
import re

import pytest
from sqlalchemy import func, select

from tests.applying import (
    application_form,
    assert_nothing_stored,
    check_page_fields,
    error_summary,
    is_check_page,
    kept_on_disk,
    post,
    sample,
    stored_files,
)
from tests.conftest import hidden_fields
from tests.storage_backends import stored_bytes
from tracker.applications.form_tickets import form_token_of
from tracker.documents.kept import kept_files
from tracker.enums import DocumentKind
from tracker.extensions import db, limiter
from tracker.models import Application, Document, OutboxEmail

EXE = b"MZ\x90\x00\x03\x00\x00\x00" + bytes(200)
WRONG_TYPE = (
    "This file must be a PDF, Word (DOCX), OpenDocument (ODT), RTF or plain-text (TXT) "
    "file. Please save it in one of these formats and upload it again."
)


def three_files() -> dict:
    return {
        "cv": (io.BytesIO(sample("cv.pdf")), "cv.pdf"),
        "cover_letter_file": (io.BytesIO(sample("cover_letter.docx")), "Anschreiben.docx"),
        "writing_sample": (io.BytesIO(sample("writing_sample.odt")), "anaklia.odt"),
    }


def without_files(data: dict) -> dict:
    return {k: v for k, v in data.items() if k not in {"cv", "cover_letter_file", "writing_sample"}}


def send(client, call, data: dict, query: str = "?lang=en"):
    return client.post(f"/apply/{call.slug}{query}", data=data, content_type="multipart/form-data")


def kept_names(page: str) -> list[str]:
    return [html.unescape(n) for n in re.findall(r'<span class="kept-name">(.*?)</span>', page)]


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def check_rows(page: str) -> list[tuple[str, str]]:
    rows = re.findall(
        r'<dt class="summary-key">(.*?)</dt>\s*<dd class="summary-value">(.*?)</dd>', page, re.S
    )
    return [(html.unescape(label), html.unescape(value)) for label, value in rows]


def selected(page: str, name: str) -> str:
    select_tag = re.search(rf'<select[^>]*name="{name}".*?</select>', page, re.S).group(0)
    return re.search(r'<option selected value="([^"]*)"', select_tag).group(1)


# -- kept files ----------------------------------------------------------------------------


def test_an_error_then_a_fix_needs_no_file_chosen_again(storage, app, client, call):
    data = application_form(client, call, email="nino@", **three_files())

    refused = send(client, call, data)

    assert refused.status_code == 400
    assert error_summary(refused.text) == [
        "Email address: Please enter an email address like name@example.org."
    ]
    assert kept_names(refused.text) == ["cv.pdf", "Anschreiben.docx", "anaklia.odt"]
    assert "browsers forget" not in refused.text
    assert_nothing_stored(app)  # kept, not stored: no rows, no objects

    fixed = post(client, call, without_files({**data, "email": "nino@example.org"}), "?lang=en")

    assert fixed.status_code == 302
    documents = {d.kind: d for d in db.session.scalars(select(Document))}
    assert {kind: (d.filename, d.original_sha256) for kind, d in documents.items()} == {
        "cv": ("cv.pdf", hashlib.sha256(sample("cv.pdf")).hexdigest()),
        "cover_letter": (
            "Anschreiben.docx",
            hashlib.sha256(sample("cover_letter.docx")).hexdigest(),
        ),
        "writing_sample": (
            "anaklia.odt",
            hashlib.sha256(sample("writing_sample.odt")).hexdigest(),
        ),
    }
    for document in documents.values():
        assert hashlib.sha256(stored_bytes(document.storage_key)).hexdigest() == (document.sha256)
    # Stored, so the kept copies are gone.
    assert kept_on_disk(app) == []
    assert len(stored_files(app)) == 3


def test_a_refused_file_is_the_only_one_to_choose_again(storage, app, client, call):
    data = application_form(client, call, writing_sample=(io.BytesIO(EXE), "anaklia.odt"))

    refused = send(client, call, data)

    assert refused.status_code == 400
    assert error_summary(refused.text) == [f"Writing sample: {WRONG_TYPE}"]
    assert kept_names(refused.text) == ["Lebenslauf Nino.pdf"]
    assert 'id="writing_sample-kept"' not in refused.text
    # Only the accepted CV is kept (its bytes and its metadata), nothing of the program.
    assert [path.name for path in kept_on_disk(app)] == ["cv", "cv.json"]
    assert_nothing_stored(app)

    again = {
        **without_files(data),
        "writing_sample": (io.BytesIO(sample("writing_sample.txt")), "anaklia.txt"),
    }
    assert post(client, call, again, "?lang=en").status_code == 302
    assert sorted(db.session.scalars(select(Document.filename))) == [
        "Lebenslauf Nino.pdf",
        "anaklia.txt",
    ]


def test_a_refused_replacement_drops_the_file_it_was_to_replace(app, client, call):
    data = application_form(client, call, email="nino@")
    assert kept_names(send(client, call, data).text) == ["Lebenslauf Nino.pdf", "anaklia.odt"]

    refused = send(client, call, {**without_files(data), "cv": (io.BytesIO(EXE), "new.pdf")})

    assert kept_names(refused.text) == ["anaklia.odt"]
    assert f"CV: {WRONG_TYPE}" in error_summary(refused.text)


def test_kept_files_replace_one_another_by_kind(app, client, call):
    data = application_form(client, call, email="nino@")
    send(client, call, data)
    replaced = send(
        client,
        call,
        {**without_files(data), "cv": (io.BytesIO(sample("cover_letter.rtf")), "cv2.rtf")},
    )
    assert kept_names(replaced.text) == ["cv2.rtf", "anaklia.odt"]
    assert len(kept_on_disk(app)) == 4


def test_a_kept_file_counts_as_attached(client, call):
    data = application_form(client, call, email="nino@", cv=None)
    page = send(client, call, data).text
    assert error_summary(page) == [
        "Email address: Please enter an email address like name@example.org.",
        "CV: Please attach your CV.",
    ]


def test_a_ticket_reaches_only_its_own_kept_files(app, client, call):
    mine = application_form(client, call, email="nino@")
    send(client, call, mine)
    assert len(kept_on_disk(app)) == 4

    # Another form (another ticket) sees none of them, and must attach its own CV.
    other = application_form(client, call, cv=None, writing_sample=None)
    page = send(client, call, other).text
    assert kept_names(page) == []
    assert "CV: Please attach your CV." in error_summary(page)

    # A forged ticket reaches nothing either: refused, with a fresh ticket of its own.
    forged = send(client, call, {**without_files(mine), "form_ticket": mine["form_ticket"] + "x"})
    assert forged.status_code == 400
    assert kept_names(forged.text) == []
    assert form_token_of(mine["form_ticket"] + "x") is None
    assert list(kept_files(form_token_of(mine["form_ticket"]))) == [
        DocumentKind.CV,
        DocumentKind.WRITING_SAMPLE,
    ]
    # The folder is named by a keyed digest, never by the token itself.
    token = form_token_of(mine["form_ticket"])
    assert all(token not in str(path) for path in kept_on_disk(app))


def test_kept_files_are_private_to_the_service_account(app, client, call):
    send(client, call, application_form(client, call, email="nino@"))
    paths = kept_on_disk(app)
    assert paths
    assert {path.stat().st_mode & 0o777 for path in paths} == {0o600}
    assert {path.parent.stat().st_mode & 0o777 for path in paths} == {0o700}


def test_kept_files_survive_a_failed_commit_for_the_next_try(
    storage, app, client, call, monkeypatch
):
    from flask import has_request_context
    from sqlalchemy.exc import OperationalError

    data = application_form(client, call)
    real_commit = db.session.commit

    def locked():
        if has_request_context():
            raise OperationalError("COMMIT", {}, Exception("database is locked"))
        real_commit()

    monkeypatch.setattr(db.session, "commit", locked)
    assert post(client, call, data, "?lang=en").status_code == 503
    monkeypatch.undo()
    assert_nothing_stored(app)
    assert len(kept_on_disk(app)) == 4

    assert post(client, call, without_files(data), "?lang=en").status_code == 302
    assert count(Document) == 2
    assert kept_on_disk(app) == []


# -- the language switch -------------------------------------------------------------------


def test_the_switch_keeps_files_and_sets_the_correspondence_language(app, client, call):
    data = application_form(client, call)  # the page is German: preferred_language "de"
    assert data["page_language"] == "de"

    switched = send(client, call, {**data, "switch_language": "en"}, query="")

    assert switched.status_code == 200
    assert '<html lang="en">' in switched.text
    assert selected(switched.text, "preferred_language") == "en"
    assert kept_names(switched.text) == ["Lebenslauf Nino.pdf", "anaklia.odt"]
    assert_nothing_stored(app)

    answers = {**without_files(data), **hidden_fields(switched.text), "preferred_language": "en"}
    assert post(client, call, answers).status_code == 302
    application = db.session.scalar(select(Application))
    email = db.session.scalar(select(OutboxEmail))
    assert application.preferred_language == "en"
    assert (email.language, email.subject) == (
        "en",
        f"We have received your application ({application.reference})",
    )
    assert count(Document) == 2


def test_add_another_language_keeps_the_files_too(app, client, call):
    data = application_form(client, call)

    more = send(client, call, {**data, "add_language": "1"})

    assert more.status_code == 200
    assert kept_names(more.text) == ["Lebenslauf Nino.pdf", "anaklia.odt"]
    assert 'id="other_languages-2-language"' in more.text  # two filled rows and a new one
    assert_nothing_stored(app)
    answers = {**without_files(data), **hidden_fields(more.text)}
    assert post(client, call, answers).status_code == 302
    assert count(Document) == 2


def test_the_switch_leaves_a_correspondence_language_the_applicant_chose(client, call):
    data = application_form(client, call, preferred_language="ru")  # changed on a German page
    switched = send(client, call, {**data, "switch_language": "en"}, query="")
    assert selected(switched.text, "preferred_language") == "ru"
    assert 'name="page_language" type="hidden" value="en"' in switched.text


@pytest.fixture
def two_posts_an_hour(app_config):
    """Rate limiting on, two counted posts per hour (set before the app is built)."""
    app_config.update(RATELIMIT_ENABLED=True, APPLY_LIMIT_PER_IP="2 per hour")


def test_redisplays_spend_no_rate_limit(two_posts_an_hour, app, client, call):
    limiter.reset()
    data = application_form(client, call)
    assert send(client, call, {**data, "switch_language": "ru"}, "").status_code == 200
    for language in ("en", "ru", "de", "en"):
        answers = {**without_files(data), "switch_language": language}
        assert send(client, call, answers, "").status_code == 200
    for _ in range(3):
        assert send(client, call, {**without_files(data), "change": "city"}).status_code == 200
        assert send(client, call, {**without_files(data), "add_language": "1"}).status_code == 200
    # The form and its send are the two posts the limit counts; a third is refused.
    assert post(client, call, without_files(data)).status_code == 302
    assert send(client, call, without_files(data)).status_code == 429
    limiter.reset()


# -- check your answers --------------------------------------------------------------------


def test_a_valid_form_is_shown_to_check_and_nothing_is_stored_yet(app, client, call):
    data = application_form(client, call, **three_files())

    check = send(client, call, data)

    assert is_check_page(check)
    assert "<h1>Check your answers before sending</h1>" in check.text
    assert check_rows(check.text) == [
        ("Full name", "Nino Beridze"),
        ("Email address", "nino.beridze@example.org"),
        ("Phone number (optional)", "+995 555 123 456"),
        ("Which language should we write to you in?", "Deutsch"),
        ("Country", "Georgia"),
        ("City or town where you live", "Kutaisi"),
        ("Which regions can you cover?", "Georgia"),
        ("Your German", "B2 – upper intermediate"),
        ("Language 1", "Georgian: native"),
        ("Language 2", "Russian: C1 (advanced)"),
        ("Topics you know well", "Politics\nEnvironment and climate"),
        ("CV", "cv.pdf ✓"),
        ("Cover letter", "Ich schreibe seit zehn Jahren über Westgeorgien."),
        ("… or attach it as a file", "Anschreiben.docx ✓"),
        ("Writing sample", "anaklia.odt ✓"),
        (
            "Links to other published work (optional)",
            "https://example.org/anaklia\nhttps://example.org/kutaisi",
        ),
        ("How did you hear about this call? (optional)", "A colleague or friend"),
        ("I agree that my data is processed as the privacy notice says.", "Yes"),
    ]
    assert "We will send the confirmation to nino.beridze@example.org." in check.text
    # Every row has its "change" button, back to its own field.
    assert re.findall(r'name="change" value="([^"]+)"', check.text)[:3] == [
        "full_name",
        "email",
        "phone",
    ]
    assert 'formaction="/apply/local-experts#city"' in check.text
    assert count(Application) == 0
    assert count(OutboxEmail) == 0
    assert len(kept_on_disk(app)) == 6


def test_the_check_page_carries_the_answers_for_sending(client, call):
    data = application_form(client, call)
    carried = check_page_fields(send(client, call, data).text)
    assert carried["topics"] == ["politics", "environment"]
    assert carried["links"] == ["https://example.org/anaklia\nhttps://example.org/kutaisi"]
    assert carried["other_languages-1-level"] == ["C1"]
    assert carried["form_ticket"] == [data["form_ticket"]]
    assert carried["step"] == ["check"]
    assert "cv" not in carried


def test_change_shows_the_form_with_the_answers_and_kept_files(app, client, call):
    check = send(client, call, application_form(client, call))
    answers = check_page_fields(check.text)

    form = send(client, call, {**answers, "change": "city"})

    assert form.status_code == 200
    assert 'id="application-form"' in form.text
    assert "There is a problem" not in form.text
    assert re.search(r'name="city"[^>]*value="Kutaisi"', form.text)
    assert kept_names(form.text) == ["Lebenslauf Nino.pdf", "anaklia.odt"]
    assert count(Application) == 0

    # Corrected on the form, checked again, then sent.
    fixed = {**answers, "city": "Batumi"}
    assert post(client, call, fixed).status_code == 302
    assert db.session.scalar(select(Application.city)) == "Batumi"
    assert count(Document) == 2


def test_send_stores_once_however_often_it_is_pressed(app, client, call):
    answers = check_page_fields(send(client, call, application_form(client, call)).text)

    first = send(client, call, {**answers, "send": "1"})
    second = send(client, call, {**answers, "send": "1"})

    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert count(Application) == 1
    assert count(OutboxEmail) == 1
    assert count(Document) == 2


def test_send_validates_the_carried_answers_again(app, client, call):
    answers = check_page_fields(send(client, call, application_form(client, call)).text)

    tampered = send(client, call, {**answers, "email": "not-an-address", "send": "1"})

    assert tampered.status_code == 400
    assert error_summary(tampered.text) == [
        "Email address: Please enter an email address like name@example.org."
    ]
    assert_nothing_stored(app)
    unknown = send(client, call, {**answers, "regions": "atlantis", "send": "1"})
    assert unknown.status_code == 400
    assert count(Application) == 0


def test_the_switch_on_the_check_page_keeps_the_check_page(client, call):
    german = send(client, call, application_form(client, call), query="")
    assert '<html lang="de">' in german.text
    answers = check_page_fields(german.text)

    switched = send(client, call, {**answers, "switch_language": "en"}, query="")

    assert is_check_page(switched)
    assert '<html lang="en">' in switched.text
    # The correspondence language was left as offered on the German page: it follows.
    assert ("Which language should we write to you in?", "English") in check_rows(switched.text)


def test_the_form_carries_the_browser_checks_in_the_servers_words(client, call):
    page = client.get(f"/apply/{call.slug}?lang=en").text
    assert f'data-type-message="{WRONG_TYPE}"' in page
    assert 'data-max-file-size="10485760"' in page
    assert 'data-size-message="This file is larger than 10 MB.' in page
