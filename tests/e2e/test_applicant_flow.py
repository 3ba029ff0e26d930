"""An applicant's second pass in a real browser: nothing chosen is lost on the way, the
language switch decides the language we write in, and every answer is checked before
it is sent — with and without JavaScript."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.e2e.conftest import DESKTOP, PageWatch, fill_answers, screenshot
from tests.smtp_servers import mail_settings, recording_smtp_server
from tracker.extensions import db
from tracker.models import Application, OutboxEmail

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
WRONG_TYPE = (
    "This file must be a PDF, Word (DOCX), OpenDocument (ODT), RTF or plain-text (TXT) "
    "file. Please save it in one of these formats and upload it again."
)


def choose_three_files(page) -> None:
    page.set_input_files("#cv", SAMPLES / "cv.pdf")
    page.set_input_files("#cover_letter_file", SAMPLES / "cover_letter.docx")
    page.set_input_files("#writing_sample", SAMPLES / "writing_sample.odt")


def press(page, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).click()


def check_rows(page) -> dict[str, str]:
    keys = page.locator(".summary-key").all_inner_texts()
    values = page.locator(".summary-value").all_inner_texts()
    return dict(zip(keys, values, strict=True))


def stored(app) -> Application:
    with app.app_context():
        application = db.session.scalar(select(Application))
        assert application is not None
        application.documents  # noqa: B018 - load them while the session is open
        db.session.expunge(application)
        return application


def digest(name: str) -> str:
    return hashlib.sha256((SAMPLES / name).read_bytes()).hexdigest()


def test_an_error_then_a_fix_needs_no_file_chosen_again(live_app, call_slug, new_page):
    page = new_page(DESKTOP)
    watch = PageWatch(page)
    page.goto(f"{live_app.base_url}/apply/{call_slug}?lang=en")
    fill_answers(page, email="nino.beridze@")
    choose_three_files(page)
    press(page, "Send application")

    assert page.locator(".error-summary a").all_inner_texts() == [
        "Email address: Please enter an email address like name@example.org."
    ]
    for field, name in (
        ("cv", "cv.pdf"),
        ("cover_letter_file", "cover_letter.docx"),
        ("writing_sample", "writing_sample.odt"),
    ):
        assert page.inner_text(f"#{field}-kept").startswith(f"{name} ✓")
        assert page.locator(f"#{field}").is_visible()  # still there, to replace the file
    assert "browsers forget" not in page.inner_text("main")
    screenshot(page, "kept-files")

    page.fill("#email", "nino.beridze@example.org")
    press(page, "Send application")
    rows = check_rows(page)
    assert rows["CV"] == "cv.pdf ✓"
    assert rows["Writing sample"] == "writing_sample.odt ✓"
    press(page, "Send application")

    assert "/thanks/" in page.url
    application = stored(live_app)
    # What was sent is known by its sha256; what is stored is the cleaned copy.
    assert {doc.kind: (doc.filename, doc.original_sha256) for doc in application.documents} == {
        "cv": ("cv.pdf", digest("cv.pdf")),
        "cover_letter": ("cover_letter.docx", digest("cover_letter.docx")),
        "writing_sample": ("writing_sample.odt", digest("writing_sample.odt")),
    }
    assert [text for text in watch.console_errors if "status of 400" not in text] == []


@pytest.fixture
def smtp(app_config):
    """A recording SMTP server on loopback, configured before the live app is built."""
    with recording_smtp_server() as server:
        app_config.update(mail_settings(server.port))
        yield server


def test_the_language_switch_decides_the_language_of_the_email(smtp, live_app, call_slug, new_page):
    page = new_page(DESKTOP)
    page.goto(f"{live_app.base_url}/apply/{call_slug}?lang=de")
    assert page.input_value("#preferred_language") == "de"
    fill_answers(page)
    choose_three_files(page)
    press(page, "English")

    assert page.get_attribute("html", "lang") == "en"
    assert page.input_value("#preferred_language") == "en"  # it followed the switch
    assert page.inner_text("#cv-kept").startswith("cv.pdf ✓")
    press(page, "Send application")
    assert check_rows(page)["Which language should we write to you in?"] == "English"
    press(page, "Send application")
    assert "/thanks/" in page.url
    reference = page.inner_text(".reference").strip()

    from tracker.mail.delivery import deliver_pending

    with live_app.app_context():
        assert deliver_pending().sent == 1
    (received,) = smtp.messages
    assert received.rcpt_tos == ["nino.beridze@example.org"]
    assert received.message["Subject"] == f"We have received your application ({reference})"
    assert stored(live_app).preferred_language == "en"


def test_a_correspondence_language_chosen_by_hand_stays(live_app, call_slug, new_page):
    page = new_page(DESKTOP)
    page.goto(f"{live_app.base_url}/apply/{call_slug}?lang=de")
    page.select_option("#preferred_language", "ru")
    press(page, "English")
    assert page.input_value("#preferred_language") == "ru"


def test_check_your_answers_without_javascript(live_app, call_slug, new_page):
    page = new_page(DESKTOP, java_script_enabled=False)
    page.goto(f"{live_app.base_url}/apply/{call_slug}?lang=en")
    fill_answers(page)
    choose_three_files(page)
    press(page, "Send application")

    assert page.locator("h1").inner_text() == "Check your answers before sending"
    rows = check_rows(page)
    assert rows["Full name"] == "Nino Beridze"
    assert rows["Email address"] == "nino.beridze@example.org"
    assert rows["City or town where you live"] == "Kutaisi"
    assert rows["Cover letter"] == "Ich schreibe seit zehn Jahren über Westgeorgien."
    assert rows["… or attach it as a file"] == "cover_letter.docx ✓"
    screenshot(page, "check-your-answers-nojs")
    with live_app.app_context():
        assert db.session.scalar(select(Application)) is None  # nothing sent yet

    # "Change" beside the city: the form again, at the city, with every answer and file.
    with page.expect_navigation():
        page.get_by_role("button", name="Change City or town where you live").click()
    assert page.url.endswith("#city")
    assert page.evaluate("document.querySelector(':target')?.id") == "city"
    assert page.locator(".error-summary").count() == 0
    assert page.input_value("#full_name") == "Nino Beridze"
    assert page.inner_text("#writing_sample-kept").startswith("writing_sample.odt ✓")
    page.fill("#city", "Batumi")
    press(page, "Send application")
    assert check_rows(page)["City or town where you live"] == "Batumi"

    # The language switch on the check page keeps it, and the answers.
    press(page, "Deutsch")
    assert page.get_attribute("html", "lang") == "de"
    assert page.locator("button[name=send]").count() == 1
    press(page, "Bewerbung absenden")
    assert "/thanks/" in page.url
    application = stored(live_app)
    assert application.city == "Batumi"
    # Left as offered on the English pages, the correspondence language followed the switch.
    assert application.preferred_language == "de"
    assert sorted(doc.kind for doc in application.documents) == [
        "cover_letter",
        "cv",
        "writing_sample",
    ]


def test_the_browser_checks_type_and_size_before_uploading(live_app, call_slug, new_page, tmp_path):
    page = new_page(DESKTOP)
    page.goto(f"{live_app.base_url}/apply/{call_slug}?lang=en")

    program = tmp_path / "setup.exe"
    program.write_bytes(b"MZ" + bytes(100))
    page.set_input_files("#cv", program)
    assert page.inner_text("#cv-error") == WRONG_TYPE
    assert page.get_attribute("#cv", "aria-invalid") == "true"
    assert page.evaluate("document.getElementById('cv').files.length") == 0

    big = tmp_path / "big.pdf"
    with big.open("wb") as handle:
        handle.truncate(live_app.config["MAX_FILE_SIZE"] + 1)
    page.set_input_files("#writing_sample", big)
    assert page.inner_text("#writing_sample-error").startswith("This file is larger than 10 MB.")

    # A good choice takes the message away.
    page.set_input_files("#cv", SAMPLES / "cv.pdf")
    assert page.locator("#cv-error").count() == 0

    # Enter in a one-line field sends nothing; in the cover letter it starts a new line.
    page.fill("#full_name", "Nino Beridze")
    page.press("#full_name", "Enter")
    assert page.locator(".error-summary").count() == 0
    page.fill("#cover_letter", "Line one")
    page.press("#cover_letter", "Enter")
    page.keyboard.type("line two")
    assert page.input_value("#cover_letter") == "Line one\nline two"


def test_back_and_send_again_gives_one_application(live_app, call_slug, new_page):
    page = new_page(DESKTOP)
    form_url = f"{live_app.base_url}/apply/{call_slug}?lang=en"
    page.goto(form_url)
    first_ticket = page.input_value("input[name=form_ticket]")
    fill_answers(page)
    choose_three_files(page)
    press(page, "Send application")
    press(page, "Send application")
    assert "/thanks/" in page.url
    first_thanks = page.url

    # Back shows the check page again; sending it again finds the stored application.
    page.go_back()
    assert page.locator("h1").inner_text() == "Check your answers before sending"
    press(page, "Send application")
    assert page.url == first_thanks

    # Back twice more is the form, fetched again with a fresh ticket: the same answers and
    # files sent again within a day are a repeat, not a second application.
    page.go_back()
    page.go_back()
    assert page.input_value("input[name=form_ticket]") != first_ticket
    fill_answers(page)
    choose_three_files(page)
    press(page, "Send application")
    press(page, "Send application")

    assert page.url == first_thanks
    with live_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Application)) == 1
        assert db.session.scalar(select(func.count()).select_from(OutboxEmail)) == 1
