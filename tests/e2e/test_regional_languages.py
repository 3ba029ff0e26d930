"""The applicant side in Georgian, Armenian and Azerbaijani, chosen by the browser's
Accept-Language alone: the form, its errors, the check and thanks pages, the status page
and the acknowledgement email are in that language, and axe finds nothing on any of them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import select

from tests.e2e.conftest import DESKTOP, fill_answers, serious_violations
from tests.smtp_servers import mail_settings, recording_smtp_server
from tracker.extensions import db
from tracker.models import Application

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "tests" / "samples"
DEFAULT_CALL = json.loads((ROOT / "tracker" / "data" / "default_call.json").read_text("utf-8"))


@pytest.fixture
def smtp(app_config):
    """A recording SMTP server on loopback, configured before the live app is built."""
    with recording_smtp_server() as server:
        app_config.update(mail_settings(server.port))
        yield server


def words(app, language: str, *messages: str) -> list[str]:
    """Return *messages* as the catalogue of *language* has them, each really translated."""
    with app.test_request_context(), force_locale(language):
        translated = [gettext(message) for message in messages]
    assert not set(translated) & set(messages), translated
    return translated


def subject_pattern(language: str, reference: str) -> re.Pattern:
    """The acknowledgement's subject template with its reference filled in, as a pattern."""
    source = (ROOT / "templates" / "mail" / f"acknowledgement.{language}.subject.txt").read_text(
        "utf-8"
    )
    parts = re.split(r"(\{\{.*?\}\})", source.strip())
    pattern = "".join(
        (re.escape(reference) if "reference" in part else ".+")
        if part.startswith("{{")
        else re.escape(part)
        for part in parts
    )
    return re.compile(pattern)


def every_violation(page) -> list[str]:
    return serious_violations(page, impacts=("minor", "moderate", "serious", "critical"))


def press(page, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).click()


@pytest.mark.parametrize("language", ["ka", "hy", "az"])
def test_the_browsers_language_carries_the_whole_applicant_path(
    language, smtp, live_app, call_slug, browser
):
    send, problem, check, thanks, yours = words(
        live_app,
        language,
        "Send application",
        "There is a problem",
        "Check your answers before sending",
        "Thank you – we have received your application",
        "Your application",
    )
    context = browser.new_context(viewport=DESKTOP, locale=language)
    page = context.new_page()
    found = {}
    try:
        page.goto(f"{live_app.base_url}/apply/{call_slug}")
        assert page.get_attribute("html", "lang") == language
        assert page.inner_text("h1") == DEFAULT_CALL["title"][language]
        assert page.locator(".call-language-note").count() == 0  # the call speaks it too
        assert page.input_value("#preferred_language") == language
        found["call"] = every_violation(page)

        press(page, send)
        assert page.inner_text("#error-summary-title") == problem
        found["form with errors"] = every_violation(page)

        fill_answers(page)
        page.set_input_files("#cv", SAMPLES / "cv.pdf")
        page.fill("#writing_sample_url", "https://example.org/anaklia")
        press(page, send)
        assert page.inner_text("h1") == check
        found["check your answers"] = every_violation(page)
        press(page, send)
        assert page.inner_text("h1") == thanks
        found["thanks"] = every_violation(page)
        reference = page.inner_text(".reference").strip()

        from tracker.applications.status_links import status_link
        from tracker.mail.delivery import deliver_pending

        with live_app.test_request_context():
            application = db.session.scalar(select(Application))
            assert (application.reference, application.preferred_language) == (
                reference,
                language,
            )
            link = status_link(application)
        with live_app.app_context():
            assert deliver_pending().sent == 1
        page.goto(link)
        assert page.get_attribute("html", "lang") == language
        assert page.inner_text("h1") == yours
        found["status"] = every_violation(page)
    finally:
        context.close()

    assert found == {name: [] for name in found}
    (received,) = smtp.messages
    assert subject_pattern(language, reference).fullmatch(received.message["Subject"])
    assert reference in received.message.get_body().get_content()
