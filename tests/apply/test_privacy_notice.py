"""The built-in privacy notice: filled from configuration, and saying what the emails say."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from tests.conftest import hidden_fields
from tracker.applications.status_links import make_status_token
from tracker.extensions import db
from tracker.mail.template_store import seed_templates
from tracker.models import OutboxEmail

CONTROLLER = {
    "PRIVACY_CONTROLLER_NAME": "Kaukasus-Redaktion gGmbH",
    "PRIVACY_CONTROLLER_ADDRESS": "Oranienstraße 25\n10999 Berlin\nGermany",
    "PRIVACY_CONTACT_EMAIL": "datenschutz@kaukasus.example.org",
    "PRIVACY_DPO_CONTACT": "Dr. Lena Vogt, dsb@kaukasus.example.org",
    "PRIVACY_SUPERVISORY_AUTHORITY": "Berliner Beauftragte für Datenschutz",
    "PRIVACY_SUPERVISORY_AUTHORITY_URL": "https://www.datenschutz-berlin.de/",
}


def text_of(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))).strip()


def notice(client, language: str = "en") -> str:
    response = client.get(f"/privacy?lang={language}")
    assert response.status_code == 200
    return response.text


def section(page: str, heading_id: str) -> str:
    """Return the text from the <h2> with *heading_id* to the next <h2>."""
    start = page.index(f'<h2 id="{heading_id}">')
    end = page.find("<h2", start + 1)
    return text_of(page[start : end if end > 0 else None])


# --- who is responsible ----------------------------------------------------------------


def test_notice_names_the_configured_controller_officer_and_authority(client, app):
    app.config.update(CONTROLLER)
    page = notice(client)
    responsible = section(page, "controller")
    assert (
        "Responsible for your data (the controller) is: Kaukasus-Redaktion gGmbH "
        "Oranienstraße 25 10999 Berlin Germany Email: datenschutz@kaukasus.example.org "
        "Our data-protection officer: Dr. Lena Vogt, dsb@kaukasus.example.org"
    ) in responsible
    assert '<a href="mailto:datenschutz@kaukasus.example.org">' in page
    # The address keeps its lines.
    assert "Oranienstraße 25\n10999 Berlin\nGermany</p>" in page
    assert (
        '<a href="https://www.datenschutz-berlin.de/" class="privacy-authority">'
        "Berliner Beauftragte für Datenschutz</a>"
    ) in page
    assert "To use these rights, write to datenschutz@kaukasus.example.org." in text_of(page)


def test_notice_without_an_officer_or_authority_says_where_to_complain(client, app):
    app.config.update(CONTROLLER)
    app.config.update(PRIVACY_DPO_CONTACT=None, PRIVACY_SUPERVISORY_AUTHORITY=None)
    page = notice(client)
    assert "data-protection officer" not in page
    assert "privacy-authority" not in page
    assert (
        "Complaint: you can complain to a data-protection supervisory authority "
        "(Art. 77 GDPR), in particular where you live or work."
    ) in section(page, "rights")


def test_development_shows_sample_controller_details_marked_as_such(client):
    responsible = section(notice(client), "controller")
    assert "Caucasus Watch gGmbH (sample value)" in responsible
    assert "Musterstraße 1, 10115 Berlin, Germany (sample value)" in responsible


# --- retention ---------------------------------------------------------------------------


def test_retention_periods_are_the_configured_days(client, app):
    app.config["RETENTION_DAYS"] = {"rejected": 90, "withdrawn": 45, "accepted": 730}
    retention = section(notice(client), "retention")
    assert (
        "While we are still considering your application, we keep it. "
        "If we decide not to work with you, we erase your application 90 days after our "
        "decision. If you withdraw your application, we erase it 45 days after you withdraw "
        "it. If we work together, we erase your application 730 days after our decision."
    ) in retention

    app.config["RETENTION_DAYS"] = {"rejected": 1}
    retention = section(notice(client), "retention")
    assert "we erase your application 1 day after our decision" in retention
    assert "If you withdraw your application, we keep it until you ask us to erase it." in (
        retention
    )
    assert (
        "If we work together, we keep your application while we work together, until you "
        "or we erase it."
    ) in retention


def test_technical_data_periods_come_from_the_limits_and_log_setting(client, app):
    page = text_of(notice(client))
    # APPLY_LIMIT_PER_EMAIL and STATUS_REISSUE_LIMIT_PER_IP count per day by default.
    assert "These counts are held only for the length of the limit, at most 1 day" in page
    assert "are deleted after 14 days" in page
    app.config.update(
        APPLY_LIMIT_PER_IP="20 per hour",
        APPLY_LIMIT_PER_EMAIL="5 per 2 hours",
        THANKS_LIMIT_PER_IP="30 per hour",
        STATUS_REISSUE_LIMIT_PER_IP="5 per hour",
        LOG_RETENTION_DAYS=30,
    )
    page = text_of(notice(client))
    assert "at most 2 hours" in page
    assert "are deleted after 30 days" in page


# --- rights and erasure ------------------------------------------------------------------


@pytest.mark.parametrize(
    "right",
    [
        "Access:",
        "Rectification:",
        "Erasure:",
        "Restriction:",
        "Portability:",
        "Objection:",
        "Withdrawing consent:",
        "Complaint:",
    ],
)
def test_every_right_is_named(client, right):
    rights = re.findall(r"<li>\s*(\w[\w ]*:)", notice(client).split('id="rights"')[1])
    assert right in rights


def test_erasure_on_the_status_page_is_described_with_a_working_link(client, app, make_application):
    page = notice(client)
    erasure = section(page, "erasure")
    assert (
        "Every email we send you has a link to your status page, which works for 365 days. "
        "There, “Delete my data” sends you an email with a confirmation link that works for "
        "72 hours. Once you confirm, we erase at once"
    ) in erasure
    assert "Emails we have already sent you stay in your mailbox" in erasure
    link = re.search(r'<a href="([^"]+)" class="privacy-status-link">', page).group(1)
    reissue = client.get(link)
    assert reissue.status_code == 200
    assert 'action="/status/reissue"' in reissue.text
    # The button the notice names is the one on the status page.
    application = make_application(preferred_language="en")
    with app.test_request_context():
        token = make_status_token(application)
    status_page = client.get(f"/status/{token}").text
    assert '<button type="submit" class="button-secondary">Delete my data</button>' in (status_page)


def test_archive_copies_are_mentioned_only_when_the_site_keeps_them(client, app):
    assert "email archive" not in notice(client)
    app.config["MAIL_ARCHIVE_BCC"] = "archiv@example.org"
    assert (
        "We keep a copy of every email we send you in our email archive. Erasure on the "
        "status page does not reach that archive: write to privacy@example.org and we "
        "delete those copies too."
    ) in section(notice(client), "erasure")


def test_processors_are_named_when_configured(client, app):
    assert "the company that hosts our server and the provider that delivers our emails" in (
        section(notice(client), "recipients")
    )
    app.config["PRIVACY_PROCESSORS"] = "Hetzner Online GmbH (hosting, Germany)"
    assert (
        "process data only on our instructions (Art. 28 GDPR): Hetzner Online GmbH "
        "(hosting, Germany)."
    ) in section(notice(client), "recipients")


# --- the same words everywhere -----------------------------------------------------------

PURPOSE = (
    "We use your data only to decide whether to work with you as a freelance contributor, "
    "for this call and similar assignments, and to write to you about your application."
)


def test_consent_hint_and_notice_state_the_same_purposes(client, call):
    page = notice(client)
    purpose = text_of(re.search(r'<p class="privacy-purpose">(.*?)</p>', page, re.S).group(1))
    assert purpose == PURPOSE
    form = client.get(f"/apply/{call.slug}?lang=en").text
    hint = text_of(re.search(r'<p class="hint" id="consent-hint">(.*?)</p>', form, re.S).group(1))
    assert hint.startswith(PURPOSE + " We keep it on our own server")


def test_the_notice_says_that_writing_samples_are_measured_and_compared(client):
    """The worker's writing-sample facts (word count, language, possible copies) are
    named where the notice states its purposes."""
    page = notice(client)
    said = text_of(re.search(r'<p id="sample-facts">(.*?)</p>', page, re.S).group(1))
    assert said == (
        "To help our editors, our software counts the words of your writing sample, "
        "recognises its language and compares it with the writing samples of other "
        "applications, so that a text sent twice or copied is noticed. Only our editors see "
        "the result; it decides nothing by itself."
    )


def withdrawal_email(client, app, application) -> OutboxEmail:
    with app.test_request_context():
        token = make_status_token(application)
    page = client.get(f"/status/{token}")
    response = client.post(
        f"/status/{token}/withdraw", data={**hidden_fields(page.text), "confirm": "y"}
    )
    assert response.status_code == 302
    return db.session.scalar(
        select(OutboxEmail).where(OutboxEmail.template == "withdrawal_confirmation")
    )


def test_withdrawal_email_and_notice_give_the_same_period_and_erasure_route(
    client, app, make_application
):
    app.config["RETENTION_DAYS"] = {"rejected": 90, "withdrawn": 45}
    seed_templates()
    application = make_application(preferred_language="en", status="in_review")

    email = withdrawal_email(client, app, application)
    body = " ".join(email.body_text.split())
    assert "We erase your application and your documents 45 days after your withdrawal" in body
    assert "choose “Delete my data” on your status page" in body
    assert re.search(r"\nhttp://localhost/status/[\w.-]+\n", email.body_text)
    assert "Emails we have already sent you stay in your mailbox." in body
    # The rejected applicants' period is not the withdrawn's (looked for outside the status
    # link, whose random token may hold the digits).
    assert "90" not in re.sub(r"http\S+", "", body)

    erasure_and_retention = text_of(notice(client))
    assert "we erase it 45 days after you withdraw it" in erasure_and_retention
    assert "“Delete my data”" in erasure_and_retention
    assert "Emails we have already sent you stay in your mailbox" in erasure_and_retention


def test_withdrawal_email_says_kept_where_the_notice_says_kept(client, app, make_application):
    app.config["RETENTION_DAYS"] = {"rejected": 90}
    seed_templates()
    application = make_application(preferred_language="de", status="in_review")

    body = " ".join(withdrawal_email(client, app, application).body_text.split())
    assert (
        "Wir bewahren Ihre Bewerbung auf, bis Sie uns bitten, sie zu löschen, wie in unseren "
        "Datenschutzhinweisen beschrieben."
    ) in body
    assert "„Meine Daten löschen“" in body
    assert "If you withdraw your application, we keep it until you ask us to erase it." in (
        text_of(notice(client))
    )


def test_withdrawal_email_in_russian_names_the_days(client, app, make_application):
    app.config["RETENTION_DAYS"] = {"withdrawn": 45}
    seed_templates()
    application = make_application(preferred_language="ru", status="in_review")
    body = " ".join(withdrawal_email(client, app, application).body_text.split())
    assert "через 45 дн. после отзыва" in body
    assert "«Удалить мои данные»" in body


# --- German and Russian (needs the merged catalogues of tr-privacy.json) -----------------


def test_notice_renders_in_german_and_russian(client, app):
    app.config["RETENTION_DAYS"] = {"rejected": 90, "withdrawn": 45}
    german = notice(client, "de")
    assert '<html lang="de">' in german
    assert '<h2 id="controller">Wer ist verantwortlich</h2>' in german
    assert '<h2 id="rights">Ihre Rechte</h2>' in german
    assert "45 Tage nach dem Zurückziehen" in text_of(german)
    russian = notice(client, "ru")
    assert '<html lang="ru">' in russian
    assert '<h2 id="controller">Кто отвечает за ваши данные</h2>' in russian
    assert '<h2 id="rights">Ваши права</h2>' in russian
    assert "через 45 дней после отзыва" in text_of(russian)


def test_admins_preview_the_withdrawal_email_with_the_configured_period(app):
    from tracker.mail.template_store import sample_values

    app.config["RETENTION_DAYS"] = {"withdrawn": 45}
    with app.test_request_context():
        assert sample_values("withdrawal_confirmation", "en", editor=None)["retention_days"] == "45"
        app.config["RETENTION_DAYS"] = {}
        assert sample_values("withdrawal_confirmation", "en", editor=None)["retention_days"] == ""
