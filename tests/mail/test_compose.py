"""Writing to candidates: one email, many at once, and decisions announced later."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select

from tests.conftest import hidden_fields
from tests.smtp_servers import mail_settings, recording_smtp_server
from tracker.applications.pipeline import TransitionError, set_status
from tracker.enums import EmailStatus
from tracker.extensions import db
from tracker.mail.delivery import deliver_pending
from tracker.mail.drafts import release_draft
from tracker.mail.template_store import seed_templates
from tracker.mail.templates import TemplateValidationError
from tracker.models import Application, AuditEvent, EmailTemplate, OutboxEmail, StatusChange

SENDER = "Caucasus Watch <experts@example.org>"


@pytest.fixture
def smtp_server(app_config):
    with recording_smtp_server() as server:
        app_config.update(
            mail_settings(server.port, MAIL_DEFAULT_SENDER=SENDER, DESK_EMAIL="desk@example.org")
        )
        yield server


@pytest.fixture
def seeded(app):
    seed_templates()


def emails() -> list[OutboxEmail]:
    return list(db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)))


def field_value(page: str, name: str) -> str:
    """Return the value of the input, or the text of the textarea, called *name*."""
    match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', page)
    if match is None:
        match = re.search(
            rf'<textarea[^>]*name="{name}"[^>]*>(?:\r\n|\n)?(.*?)</textarea>', page, re.S
        )
    return html.unescape(match.group(1))


def compose_page(client, application, template="request_info"):
    page = client.get(f"/review/applications/{application.id}/email?template={template}&lang=en")
    assert page.status_code == 200
    return page.text


def compose_data(page: str, **overrides) -> dict:
    data = {
        **hidden_fields(page),
        "subject": field_value(page, "subject"),
        "body_text": field_value(page, "body_text"),
    }
    data.update(overrides)
    return data


# --- one email to one candidate ---------------------------------------------------------


def test_compose_is_prefilled_in_the_candidates_language(
    app, editor_client, seeded, make_application
):
    application = make_application(preferred_language="ru", full_name="Анна Петросян")

    page = compose_page(editor_client, application, "trial_invitation")

    assert field_value(page, "subject") == (
        f"Приглашение выполнить пробное задание ({application.reference})"
    )
    body = field_value(page, "body_text")
    assert body.startswith("Здравствуйте, Анна Петросян!\n\nМы с интересом прочитали")
    assert "\nС уважением\nAna Editor\nРедакция Caucasus Watch\n" in body
    assert re.search(r"\nhttp://localhost/status/[\w.-]+\n", body)
    fields = hidden_fields(page)
    assert fields["template"] == "trial_invitation"
    assert fields["language"] == "ru"
    assert fields["ticket"]
    assert emails() == []


def test_preview_shows_the_email_as_sent_and_queues_nothing(
    app, editor_client, seeded, make_application
):
    application = make_application(email="nino@example.org")
    page = compose_page(editor_client, application)
    data = compose_data(
        page, subject="Eine Frage", body_text="Hallo Nino,\r\nwo ist Ihr Lebenslauf?\r\n"
    )

    response = editor_client.post(
        f"/review/applications/{application.id}/email?lang=en", data={**data, "action": "preview"}
    )

    assert response.status_code == 200
    assert "<dd data-preview-subject>Eine Frage</dd>" in response.text
    assert "<dd>nino@example.org</dd>" in response.text
    assert "<dd>experts@example.org</dd>" in response.text  # Reply-To: the desk
    assert "Hallo Nino,\r\nwo ist Ihr Lebenslauf?" in html.unescape(response.text)
    assert emails() == []


def test_send_queues_exactly_one_email_and_a_second_click_queues_none(
    smtp_server, app, editor_client, seeded, make_application
):
    application = make_application(email="Nino.Beridze@example.org")
    page = compose_page(editor_client, application)
    data = compose_data(
        page, subject="Eine Frage", body_text="Hallo Nino,\r\n\r\nwo ist Ihr Lebenslauf?\r\n"
    )

    first = editor_client.post(
        f"/review/applications/{application.id}/email", data={**data, "action": "send"}
    )
    second = editor_client.post(
        f"/review/applications/{application.id}/email", data={**data, "action": "send"}
    )

    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == f"/review/applications/{application.id}"
    (email,) = emails()
    assert (email.to_address, email.subject, email.status, email.template, email.language) == (
        "Nino.Beridze@example.org",
        "Eine Frage",
        "queued",
        "request_info",
        "de",
    )
    assert email.body_text == "Hallo Nino,\n\nwo ist Ihr Lebenslauf?\n"
    assert email.created_by_id == editor_client.user.id
    assert email.message_id == f"<{email.message_id[1:].split('@')[0]}@example.org>"
    follow = editor_client.get(second.headers["Location"] + "?lang=en")
    assert "This email was queued already; it was not queued again." in follow.text
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "email.queued"))
    assert (event.actor_id, event.application_id) == (editor_client.user.id, application.id)

    assert deliver_pending().sent == 1
    (received,) = smtp_server.messages
    message = received.message
    assert received.rcpt_tos == ["Nino.Beridze@example.org"]
    assert message["From"] == SENDER
    assert message["To"] == "Nino.Beridze@example.org"
    # The desk's address with the application's opaque token (tracker.replies).
    token = application.reply_address.token
    assert re.fullmatch(r"[0-9a-f]{32}", token)
    assert message["Reply-To"] == f"desk+r-{token}@example.org"
    assert message["Subject"] == "Eine Frage"
    assert message["Message-ID"] == email.message_id
    assert message.get_content() == "Hallo Nino,\n\nwo ist Ihr Lebenslauf?\n"


@pytest.mark.parametrize(
    "subject", ["Frage\r\nBcc: all@example.net", "Frage\nBcc: all@example.net", ""]
)
def test_a_subject_with_a_line_break_or_none_is_refused(
    app, editor_client, seeded, make_application, subject
):
    application = make_application()
    data = compose_data(compose_page(editor_client, application), subject=subject)

    response = editor_client.post(
        f"/review/applications/{application.id}/email?lang=en", data={**data, "action": "send"}
    )

    assert response.status_code == 400
    assert 'class="error-summary"' in response.text
    assert emails() == []


def test_an_address_with_a_line_break_is_refused_and_nothing_queued(
    app, editor_client, seeded, make_application
):
    application = make_application(email="nino@example.org\r\nBcc: all@example.net")
    data = compose_data(compose_page(editor_client, application), body_text="Wo ist er?")

    response = editor_client.post(
        f"/review/applications/{application.id}/email?lang=en", data={**data, "action": "send"}
    )

    assert response.status_code == 400
    assert "The candidate&#39;s email address cannot be used" in response.text
    assert emails() == []


def test_a_forged_ticket_is_refused(app, editor_client, seeded, make_application):
    application = make_application()
    data = compose_data(compose_page(editor_client, application), ticket="made-up")

    response = editor_client.post(
        f"/review/applications/{application.id}/email?lang=en", data={**data, "action": "send"}
    )

    assert response.status_code == 400
    assert "This form has expired." in response.text
    assert emails() == []


def test_compose_needs_a_signed_in_editor(app, client, make_application):
    application = make_application()
    response = client.get(f"/review/applications/{application.id}/email")
    assert response.status_code in (302, 401)
    assert emails() == []


# --- one template to many ---------------------------------------------------------------


def bulk(client, **data):
    """Post to the bulk email page as the inbox's bulk form does."""
    # Every staff page carries the session's CSRF token in its sign-out form.
    token = hidden_fields(client.get("/review/outbox?lang=en").text)["csrf_token"]
    return client.post("/review/email/bulk?lang=en", data={"csrf_token": token, **data})


def bulk_texts(page: str) -> dict:
    """Return the bulk page's per-language subjects and texts and its loaded template."""
    names = re.findall(r'name="((?:subject|body_text)_\w\w|loaded)"', page)
    return {name: field_value(page, name) for name in names}


@pytest.fixture
def recipients(make_application):
    return [
        make_application(
            email="nino@example.org", full_name="Nino Beridze", preferred_language="de"
        ),
        make_application(
            email="anna@example.org", full_name="Анна Петросян", preferred_language="ru"
        ),
        # The same person, applying twice: one email.
        make_application(
            email="NINO@Example.org", full_name="Nino Beridze", preferred_language="en"
        ),
    ]


def test_bulk_counts_unique_recipients_and_previews_the_first(
    app, editor_client, seeded, recipients
):
    ids = [str(application.id) for application in recipients]

    arrival = bulk(editor_client, ids=ids, scope="selected", action="email")
    preview = bulk(
        editor_client, ids=ids, scope="selected", template="acceptance", action="preview"
    )

    assert arrival.status_code == 200
    assert 'data-recipient-count="2"' in arrival.text
    assert "2 recipients" in arrival.text
    assert 'data-duplicates="1"' in arrival.text
    assert "data-preview-body" not in arrival.text
    assert preview.status_code == 200
    subject = re.search(r"<dd data-preview-subject>(.*?)</dd>", preview.text).group(1)
    assert subject == f"Willkommen bei Caucasus Watch ({recipients[0].reference})"
    body = html.unescape(re.search(r"data-preview-body>(.*?)</div>", preview.text, re.S).group(1))
    assert body.startswith("Hallo Nino Beridze,\n\nwir freuen uns")
    assert "Send 2 emails" in preview.text
    assert emails() == []


def test_bulk_send_queues_one_email_per_person_each_in_their_language_and_only_once(
    app, editor_client, seeded, recipients
):
    ids = [str(application.id) for application in recipients]
    preview = bulk(
        editor_client, ids=ids, scope="selected", template="acceptance", action="preview"
    )
    ticket = hidden_fields(preview.text)["ticket"]
    texts = bulk_texts(preview.text)

    sent = bulk(
        editor_client,
        ids=ids,
        scope="selected",
        template="acceptance",
        ticket=ticket,
        action="send",
        **texts,
    )
    again = bulk(
        editor_client,
        ids=ids,
        scope="selected",
        template="acceptance",
        ticket=ticket,
        action="send",
        **texts,
    )

    assert sent.status_code == again.status_code == 302
    assert sent.headers["Location"] == "/review/outbox?tab=queued"
    queued = emails()
    assert [(e.application_id, e.to_address, e.language, e.status) for e in queued] == [
        (recipients[0].id, "nino@example.org", "de", "queued"),
        (recipients[1].id, "anna@example.org", "ru", "queued"),
    ]
    assert queued[0].subject == f"Willkommen bei Caucasus Watch ({recipients[0].reference})"
    assert queued[1].subject == f"Добро пожаловать в Caucasus Watch ({recipients[1].reference})"
    assert queued[1].body_text.startswith("Здравствуйте, Анна Петросян!\n\nМы рады сообщить")
    assert all(email.created_by_id == editor_client.user.id for email in queued)
    follow = editor_client.get("/review/outbox?tab=queued&lang=en")
    assert "These emails were queued already; they were not queued again." in follow.text


def test_bulk_to_the_whole_inbox_filter(app, editor_client, seeded, recipients):
    set_status(recipients[1], "in_review", by=editor_client.user)
    preview = bulk(
        editor_client,
        scope="filter",
        filter="status=new",
        template="request_info",
        action="preview",
    )
    ticket = hidden_fields(preview.text)["ticket"]
    texts = bulk_texts(preview.text)
    texts["body_text_de"] = texts["body_text_de"].replace(
        "[[Bitte beschreiben Sie hier, was fehlt.]]", "Es fehlt Ihr Lebenslauf."
    )

    sent = bulk(
        editor_client,
        scope="filter",
        filter="status=new",
        template="request_info",
        ticket=ticket,
        action="send",
        **texts,
    )

    assert 'data-recipient-count="1"' in preview.text
    assert sent.status_code == 302
    assert [(e.application_id, e.language) for e in emails()] == [(recipients[0].id, "de")]


def test_bulk_without_recipients_sends_nothing(app, editor_client, seeded):
    response = bulk(
        editor_client,
        scope="selected",
        template="acceptance",
        loaded="acceptance",
        action="send",
        ticket="x",
    )
    assert response.status_code == 400
    assert "0 recipients" in response.text
    assert emails() == []


# --- decide now, notify later -----------------------------------------------------------


def drafted(application) -> OutboxEmail:
    """Return the one draft written for *application*."""
    return db.session.scalars(
        select(OutboxEmail).where(
            OutboxEmail.application_id == application.id,
            OutboxEmail.status == EmailStatus.DRAFT.value,
        )
    ).one()


def test_status_change_and_draft_are_written_together(app, seeded, make_application, editor_client):
    application = make_application(preferred_language="en", full_name="Anna Petrosyan")
    editor = editor_client.user

    with app.test_request_context():
        change = set_status(
            application,
            "rejected",
            by=editor,
            notify="rejection",
            reason="no_capacity",
            note="Full for this year",
        )
    draft = drafted(application)

    assert application.status == "rejected"
    assert (change.from_status, change.to_status, change.reason, change.actor_id) == (
        "new",
        "rejected",
        "no_capacity",
        editor.id,
    )
    assert draft.status == EmailStatus.DRAFT
    assert draft.template == "rejection"
    assert draft.language == "en"
    assert draft.created_by_id == editor.id
    assert "this time. At the moment we cannot take on any more experts.\n" in draft.body_text
    actions = db.session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.application_id == application.id)
        .order_by(AuditEvent.id)
    ).all()
    assert actions == ["application.status_changed", "email.drafted"]
    assert deliver_pending().attempted == 0  # a draft waits


def test_a_template_that_cannot_render_leaves_the_status_unchanged(
    app, seeded, make_application, editor_client
):
    application = make_application()
    row = db.session.scalar(
        select(EmailTemplate).where(
            EmailTemplate.key == "acceptance", EmailTemplate.language == "de"
        )
    )
    row.body_text = "{{ full_name.__class__ }}"  # only possible by hand, past the admin page
    db.session.commit()

    with app.test_request_context(), pytest.raises(TemplateValidationError):
        set_status(application, "in_review", by=editor_client.user, notify="acceptance")

    db.session.expire_all()
    assert application.status == "new"
    assert db.session.scalar(select(func.count()).select_from(StatusChange)) == 0
    assert emails() == []


def test_a_forbidden_transition_queues_no_draft(app, seeded, make_application, editor_client):
    application = make_application()

    with app.test_request_context(), pytest.raises(TransitionError):
        set_status(application, "accepted", by=editor_client.user, notify="acceptance")

    assert application.status == "new"
    assert emails() == []


def test_released_draft_is_delivered_exactly_as_written(
    smtp_server, app, seeded, make_application, editor_client
):
    application = make_application(
        preferred_language="en", full_name="Anna Petrosyan", email="anna@example.org"
    )
    for status in ("in_review", "shortlisted"):
        set_status(application, status, by=editor_client.user)
    with app.test_request_context():
        set_status(application, "accepted", by=editor_client.user, notify="acceptance")
    draft = drafted(application)
    link = re.search(r"http://localhost/status/[\w.-]+", draft.body_text).group(0)

    release_draft(draft.id, by=editor_client.user)
    report = deliver_pending()

    assert report.sent == 1
    (received,) = smtp_server.messages
    message = received.message
    assert received.rcpt_tos == ["anna@example.org"]
    assert message["To"] == "anna@example.org"
    assert message["Subject"] == f"Welcome to Caucasus Watch ({application.reference})"
    assert message["Message-ID"] == draft.message_id
    assert message.get_content() == (
        "Hello Anna Petrosyan,\n\n"
        "We are delighted to tell you that we would like you to join our network of local "
        "experts. Thank you for applying to our call “Local experts wanted”.\n\n"
        "In the next few days we will write to you about everything else: how we work "
        "together, how assignments are given out and who your contact in the newsroom will "
        "be. If you have questions before then, simply reply to this email.\n\n"
        "You can see where your application stands here:\n"
        f"{link}\n\n"
        "Kind regards\nAna Editor\nThe editorial team of Caucasus Watch\n"
    )
    db.session.expire_all()
    assert db.session.get(OutboxEmail, draft.id).status == "sent"
    assert db.session.get(Application, application.id).status == "accepted"


def test_two_sends_of_one_form_at_the_same_moment_queue_one_email(app, make_application, make_user):
    import threading

    from tracker.mail.compose import (
        DuplicateEmail,
        check_compose_ticket,
        issue_compose_ticket,
        send_email,
    )
    from tracker.models import User

    application_id = make_application().id
    editor_id = make_user().id
    with app.test_request_context():
        token = check_compose_ticket(issue_compose_ticket())
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def send() -> None:
        with app.app_context():
            application = db.session.get(Application, application_id)
            editor = db.session.get(User, editor_id)
            db.session.commit()
            barrier.wait(timeout=30)
            try:
                send_email(
                    application, subject="Frage", body_text="Hallo\n", by=editor, token=token
                )
                outcomes.append("queued")
            except DuplicateEmail:
                outcomes.append("duplicate")
            finally:
                db.session.remove()

    db.session.commit()
    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["duplicate", "queued"]
    assert len(emails()) == 1
