"""Email templates: seeding, rendering per language, the sandbox, and the admin pages."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select

from tests.applying import application_form, post
from tests.conftest import hidden_fields
from tests.smtp_servers import mail_settings, recording_smtp_server
from tracker.enums import CANDIDATE_TEMPLATE_KEYS, EmailTemplateKey
from tracker.extensions import db
from tracker.mail.delivery import deliver_pending
from tracker.mail.placeholders import render_for
from tracker.mail.template_store import save_template, seed_templates
from tracker.mail.templates import (
    TemplateSource,
    TemplateValidationError,
    check_template,
    render,
    render_file,
)
from tracker.models import Application, AuditEvent, EmailTemplate, OutboxEmail, User
from tracker.ui_languages import UI_LANGUAGES

ALL_KEYS = [key.value for key in EmailTemplateKey]
# Every key in every page language: what seeding creates.
VERSIONS = len(ALL_KEYS) * len(UI_LANGUAGES)


@pytest.fixture
def seeded(app):
    seed_templates()


def template_row(key: str, language: str) -> EmailTemplate:
    return db.session.scalar(
        select(EmailTemplate).where(EmailTemplate.key == key, EmailTemplate.language == language)
    )


# --- seeding -----------------------------------------------------------------------------


def test_seeding_creates_every_key_in_every_language_once(app, runner):
    first = runner.invoke(args=["templates", "seed"])
    second = runner.invoke(args=["templates", "seed"])

    assert first.exit_code == 0, first.output
    assert first.output == f"Created {VERSIONS}, replaced 0, kept 0 email template versions.\n"
    assert second.output == f"Created 0, replaced 0, kept {VERSIONS} email template versions.\n"
    rows = db.session.execute(
        select(EmailTemplate.key, EmailTemplate.language).order_by(
            EmailTemplate.key, EmailTemplate.language
        )
    ).all()
    assert sorted(rows) == sorted((key, language) for key in ALL_KEYS for language in UI_LANGUAGES)
    acknowledgement = template_row("acknowledgement", "en")
    assert acknowledgement.subject == "We have received your application ({{ reference }})"
    assert acknowledgement.body_text.startswith(
        "Hello,\n\nThank you for applying to our call “{{ call_title }}”."
    )
    assert "{{ status_link }}" in acknowledgement.body_text
    assert acknowledgement.body_html is None


def test_seeding_keeps_edited_versions_unless_asked_to_overwrite(app, runner, seeded):
    row = template_row("rejection", "de")
    row.subject = "Geändert"
    db.session.commit()

    kept = runner.invoke(args=["templates", "seed"])
    assert template_row("rejection", "de").subject == "Geändert"
    replaced = runner.invoke(args=["templates", "seed", "--overwrite"])

    assert kept.output == f"Created 0, replaced 0, kept {VERSIONS} email template versions.\n"
    assert replaced.output == f"Created 0, replaced {VERSIONS}, kept 0 email template versions.\n"
    assert (
        template_row("rejection", "de").subject
        == "Ihre Bewerbung bei {{ site_name }} ({{ reference }})"
    )


@pytest.mark.parametrize("key", [key.value for key in CANDIDATE_TEMPLATE_KEYS])
@pytest.mark.parametrize("language", UI_LANGUAGES)
def test_every_seeded_version_renders_with_the_status_link(
    app, seeded, make_application, key, language
):
    application = make_application(preferred_language=language, full_name="Nino Beridze")

    with app.test_request_context():
        rendered = render_for(application, key)

    assert rendered.language == language
    assert "{" not in rendered.subject
    assert "}" not in rendered.subject
    assert application.reference in rendered.subject or "Caucasus Watch" in rendered.subject
    assert "{{" not in rendered.body_text
    # The acknowledgement goes to an address nobody checked yet: it greets without the name.
    assert ("Nino Beridze" in rendered.body_text) is (key != "acknowledgement")
    assert re.search(r"http://localhost/status/[\w.-]+\n", rendered.body_text)


# --- rendering per language ------------------------------------------------------------


def test_rendering_uses_the_applicants_language_and_falls_back_to_german(
    app, seeded, make_application
):
    english = make_application(preferred_language="en", full_name="Anna Petrosyan")
    russian = make_application(preferred_language="ru", full_name="Анна Петросян")
    db.session.delete(template_row("trial_invitation", "ru"))
    db.session.commit()

    with app.test_request_context():
        in_english = render_for(english, EmailTemplateKey.TRIAL_INVITATION)
        fallback = render_for(russian, EmailTemplateKey.TRIAL_INVITATION)

    assert in_english.language == "en"
    assert in_english.subject == f"An invitation to a trial assignment ({english.reference})"
    assert in_english.body_text.startswith("Hello Anna Petrosyan,\n\nWe read your application")
    assert fallback.language == "de"
    assert fallback.subject == f"Einladung zu einem Probeauftrag ({russian.reference})"
    assert fallback.body_text.startswith("Hallo Анна Петросян,\n\nwir haben Ihre Bewerbung")


def test_without_seeded_rows_the_files_are_used(app, make_application):
    application = make_application(preferred_language="ru")

    with app.test_request_context():
        rendered = render_for(application, EmailTemplateKey.ACKNOWLEDGEMENT)

    assert db.session.scalar(select(func.count()).select_from(EmailTemplate)) == 0
    assert rendered.subject == f"Мы получили вашу заявку ({application.reference})"
    assert rendered.body_text.startswith("Здравствуйте!\n\nСпасибо за участие")


def test_an_edited_template_is_what_the_acknowledgement_says(app, client, call, seeded):
    row = template_row("acknowledgement", "de")
    row.subject = "Danke, {{ first_name }}! ({{ reference }})"
    db.session.commit()

    response = post(client, call, application_form(client, call))

    assert response.status_code == 302
    application = db.session.scalar(select(Application))
    email = db.session.scalar(select(OutboxEmail))
    assert email.subject == f"Danke, Nino! ({application.reference})"
    assert email.template == "acknowledgement"
    assert email.language == "de"


def test_rejection_reason_is_written_in_the_applicants_language(app, seeded, make_application):
    application = make_application(preferred_language="en")

    with app.test_request_context():
        rendered = render_for(application, "rejection", reason="region_covered")
        without = render_for(application, "rejection")

    assert (
        "we cannot offer you work with us this time. We already have enough experts for your "
        "region.\n" in rendered.body_text
    )
    assert "we cannot offer you work with us this time.\n" in without.body_text


# --- what a template may contain -------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "source", "message"),
    [
        ("body_text", "Hallo {{ nickname }}", "there is no placeholder {{ nickname }}"),
        ("body_text", "{{ config }}", "there is no placeholder {{ config }}"),
        ("body_text", "{{ applicant.__class__ }}", "only plain placeholders"),
        (
            "body_text",
            "Hallo {applicant.__class__}",
            "“{applicant.__class__}” looks like a placeholder",
        ),
        ("body_text", "{{ ''.__class__.__mro__ }}", "only plain placeholders"),
        ("body_text", "{{ full_name|upper }}", "only plain placeholders"),
        ("body_text", "{{ full_name() }}", "only plain placeholders"),
        ("body_text", "{% for x in full_name %}{{ x }}{% endfor %}", "only plain placeholders"),
        ("body_text", "{% include 'base.html' %}", "only plain placeholders"),
        ("body_text", "{{ full_name", "cannot be read"),
        ("body_text", "{{ rejection_reason }}", "there is no placeholder {{ rejection_reason }}"),
        ("body_html", "<p>{{ cycler.__init__.__globals__ }}</p>", "only plain placeholders"),
        ("subject", "Ihre Bewerbung\r\nBcc: all@example.net", "The subject must be one line."),
        ("subject", "Ihre Bewerbung\nBcc: all@example.net", "The subject must be one line."),
        ("subject", "", "Please write a subject."),
    ],
)
def test_saving_refuses_anything_beyond_the_placeholders(app, seeded, field, source, message):
    parts = {"subject": "Betreff", "body_text": "Hallo {{ full_name }}", "body_html": None}
    parts[field] = source
    before = template_row("request_info", "de").body_text

    with app.test_request_context("/?lang=en"), pytest.raises(TemplateValidationError) as refused:
        save_template("request_info", "de", by=None, **parts)

    assert message in " ".join(refused.value.errors[field])
    db.session.rollback()
    assert template_row("request_info", "de").body_text == before


def test_rejection_templates_may_use_the_reason_and_if(app):
    check_template(
        EmailTemplateKey.REJECTION,
        "Ihre Bewerbung",
        "Leider nicht.{% if rejection_reason %} {{ rejection_reason }}{% endif %}\n",
        None,
    )


def test_the_sandbox_refuses_a_template_written_into_the_database_by_hand(app, make_application):
    application = make_application()
    db.session.add(
        EmailTemplate(
            key="request_info",
            language="de",
            subject="Frage",
            body_text="{{ ''.__class__.__mro__[1].__subclasses__() }}",
        )
    )
    db.session.commit()

    with app.test_request_context(), pytest.raises(TemplateValidationError):
        render_for(application, "request_info")


def test_render_refuses_attribute_access_even_past_the_checks(app, monkeypatch):
    from tracker.mail import templates as email_templates

    monkeypatch.setattr(email_templates, "check_template", lambda *args: None)
    source = TemplateSource("request_info", "de", "Frage", "{{ full_name.__class__.__mro__ }}")

    with pytest.raises(TemplateValidationError, match="unsafe"):
        render(source, {"full_name": "Nino"})


# --- applicant values are text ---------------------------------------------------------

HOSTILE_NAME = (
    '<a href="http://evil.example/x">Nino</a> [click](http://evil.example) www.evil.example'
)


@pytest.fixture
def smtp_server(app_config):
    with recording_smtp_server() as server:
        app_config.update(mail_settings(server.port))
        yield server


def test_html_and_markdown_in_a_name_stay_text_in_both_parts(
    smtp_server, app, seeded, make_application
):
    row = template_row("request_info", "en")
    row.body_html = (
        '<p>Hello {{ full_name }},</p>\n<p><a href="{{ status_link }}">Your application</a></p>\n'
    )
    db.session.commit()
    application = make_application(preferred_language="en", full_name=HOSTILE_NAME)

    with app.test_request_context():
        rendered = render_for(application, "request_info")
    from tracker.mail.outbox import queue

    queue(
        to_address=application.email,
        subject=rendered.subject,
        body_text=rendered.body_text,
        body_html=rendered.body_html,
        template="request_info",
        language="en",
        application=application,
    )
    db.session.commit()
    deliver_pending()

    (received,) = smtp_server.messages
    text = received.message.get_body(preferencelist=("plain",)).get_content()
    markup = received.message.get_body(preferencelist=("html",)).get_content()
    # The text part keeps the name as typed: plain text cannot hold a link of ours.
    assert text.startswith(f"Hello {HOSTILE_NAME},\n\n")
    # In HTML the name is escaped and no web address of it can become a link.
    assert markup.startswith(
        "<p>Hello &lt;a href=&#34;http:\u200b//evil.example/x&#34;&gt;Nino&lt;/a&gt; "
        "[click](http:\u200b//evil.example) www\u200b.evil.example,</p>\n"
    )
    assert markup.count("<a ") == 1  # the template's own status link, nothing from the name
    assert re.search(
        r'<p><a href="http://localhost/status/[\w.-]+">Your application</a></p>', markup
    )
    assert "http://evil" not in markup


def test_line_breaks_in_a_name_never_reach_the_subject(app, seeded, make_application):
    row = template_row("request_info", "de")
    row.subject = "Frage an {{ full_name }}"
    db.session.commit()
    application = make_application(full_name="Nino\r\nBcc: everyone@example.net")

    with app.test_request_context():
        rendered = render_for(application, "request_info")

    assert rendered.subject == "Frage an Nino Bcc: everyone@example.net"
    assert rendered.body_text.startswith("Hallo Nino\r\nBcc: everyone@example.net,\n")


# --- the admin pages -------------------------------------------------------------------


def test_template_list_shows_every_version_and_is_for_admins_only(
    app, admin_client, editor_client, seeded
):
    page = admin_client.get("/admin/email-templates?lang=en")
    refused = editor_client.get("/admin/email-templates?lang=en")

    assert page.status_code == 200
    for key in ALL_KEYS:
        for language in UI_LANGUAGES:
            assert f'href="/admin/email-templates/{key}/{language}"' in page.text
    assert "Wir haben Ihre Bewerbung erhalten ({{ reference }})" in page.text
    assert refused.status_code == 403


def test_unseeded_list_offers_to_create_the_versions(app, admin_client):
    page = admin_client.get("/admin/email-templates?lang=en")
    response = admin_client.post(
        "/admin/email-templates/seed", data={"csrf_token": hidden_fields(page.text)["csrf_token"]}
    )

    assert "Create the missing versions from the files" in page.text
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(EmailTemplate)) == VERSIONS


def edit_form(client, key="request_info", language="de") -> dict:
    page = client.get(f"/admin/email-templates/{key}/{language}?lang=en")
    assert page.status_code == 200
    return {"csrf_token": hidden_fields(page.text)["csrf_token"]}


def test_preview_renders_a_made_up_application_and_saves_nothing(app, admin_client, seeded, call):
    data = {
        **edit_form(admin_client),
        "subject": "Frage zu {{ reference }}",
        "body_text": "Hallo {{ first_name }},\r\nbitte schicken Sie uns {{ call_title }}.\r\n",
        "body_html": "",
        "action": "preview",
    }

    response = admin_client.post("/admin/email-templates/request_info/de?lang=en", data=data)

    assert response.status_code == 200
    subject = re.search(r"<dd data-preview-subject>(.*?)</dd>", response.text).group(1)
    body = re.search(
        r'<div class="document-preview" data-preview-body>(.*?)</div>', response.text, re.S
    )
    assert subject == "Frage zu CW-7K3P-Q9"
    assert html.unescape(body.group(1)) == (
        "Hallo Nino,\nbitte schicken Sie uns Lokale Expertinnen und Experten gesucht.\n"
    )
    assert (
        template_row("request_info", "de").subject
        == "Rückfrage zu Ihrer Bewerbung ({{ reference }})"
    )


def test_save_stores_the_version_and_records_who(app, admin_client, seeded):
    data = {
        **edit_form(admin_client, "acceptance", "ru"),
        "subject": "Добро пожаловать, {{ first_name }}!",
        "body_text": "Здравствуйте!\r\n\r\n{{ status_link }}\r\n",
        "body_html": "<p>Здравствуйте, {{ full_name }}!</p>",
        "action": "save",
    }

    response = admin_client.post("/admin/email-templates/acceptance/ru", data=data)

    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/email-templates"
    row = template_row("acceptance", "ru")
    assert (row.subject, row.body_text, row.body_html) == (
        "Добро пожаловать, {{ first_name }}!",
        "Здравствуйте!\n\n{{ status_link }}\n",
        "<p>Здравствуйте, {{ full_name }}!</p>",
    )
    assert row.updated_by_id == admin_client.user.id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "email_template.saved"))
    assert event.actor_id == admin_client.user.id
    assert event.details == {"key": "acceptance", "language": "ru", "created": False}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("subject", "Hallo\r\nBcc: all@example.net", "The subject must be one line."),
        ("body_text", "{{ config }}", "there is no placeholder {{ config }}"),
        ("body_text", "{{ ''.__class__.__mro__ }}", "only plain placeholders"),
        ("body_html", "<p>{applicant.__class__}</p>", "looks like a placeholder"),
        (
            "body_text",
            "Hallo\n[[Was fehlt?\n",
            "Line 2: a fill-in part opened with [[ is not closed with ]].",
        ),
    ],
)
def test_save_refuses_a_bad_template_with_the_message_at_the_field(
    app, admin_client, seeded, field, value, message
):
    data = {
        **edit_form(admin_client),
        "subject": "Frage",
        "body_text": "Hallo {{ full_name }}",
        "body_html": "",
        "action": "save",
    }
    data[field] = value

    response = admin_client.post("/admin/email-templates/request_info/de?lang=en", data=data)

    assert response.status_code == 400
    assert message in html.unescape(response.text)
    assert 'class="error-summary"' in response.text
    assert (
        template_row("request_info", "de").subject
        == "Rückfrage zu Ihrer Bewerbung ({{ reference }})"
    )


def test_unknown_template_or_language_is_a_404(app, admin_client):
    assert admin_client.get("/admin/email-templates/password_reset/de").status_code == 404
    assert admin_client.get("/admin/email-templates/acceptance/fr").status_code == 404


def test_render_file_renders_our_own_texts_in_the_language_asked(app):
    with app.test_request_context():
        erasure = render_file(
            "erasure_confirm",
            "en",
            reference="CW-7K3P-Q9",
            erasure_link="http://localhost/status/erase/t0k3n",
            hours=72,
            site_name="Caucasus Watch",
        )
        reset_de = render_file(
            "password_reset", "de", user=User(name="Ana"), link="L", minutes=30, site_name="CW"
        )
        reset_en = render_file(
            "password_reset", "en", user=User(name="Ana"), link="L", minutes=30, site_name="CW"
        )

    assert (erasure.key, erasure.language) == ("erasure_confirm", "en")
    assert erasure.subject == "Confirm the deletion of your data (CW-7K3P-Q9)"
    assert "within 72 hours with this link:\nhttp://localhost/status/erase/t0k3n\n" in (
        erasure.body_text
    )
    assert reset_de.subject == "Neues Passwort für CW"
    assert reset_en.subject == "Choose a new password for CW"
    assert reset_en.body_text.startswith("Hello Ana,\n")


def test_the_acknowledgement_offers_and_previews_the_version_note(app, admin_client, seeded, call):
    page = admin_client.get("/admin/email-templates/acknowledgement/en?lang=en").text
    assert "{{ version_note }}" in page
    data = {
        **edit_form(admin_client, "acknowledgement", "en"),
        "subject": "Received",
        "body_text": template_row("acknowledgement", "en").body_text,
        "body_html": "",
        "action": "preview",
    }
    response = admin_client.post("/admin/email-templates/acknowledgement/en?lang=en", data=data)
    body = re.search(
        r'<div class="document-preview" data-preview-body>(.*?)</div>', response.text, re.S
    )
    assert (
        "Your reference: CW-7K3P-Q9\n\nThis is your 2nd application to this call. Our editors "
        "see it together with your earlier one.\n\nOur editors read every application."
    ) in html.unescape(body.group(1))
