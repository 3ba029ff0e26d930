"""No email subject names an applicant at risk: templates, notifications, typed subjects."""

from __future__ import annotations

import secrets

import pytest
from sqlalchemy import select

from tracker.enums import Delivery, EmailStatus, EmailTemplateKey, NotificationEvent
from tracker.experts.invitations import invitation_email
from tracker.experts.records import new_expert
from tracker.extensions import db
from tracker.mail.compose import ComposeError, send_email
from tracker.mail.discretion import discretion_for
from tracker.mail.drafts import update_draft
from tracker.mail.outbox import queue
from tracker.mail.placeholders import placeholder_values, render_for
from tracker.mail.template_store import save_template
from tracker.mail.templates import load_source, render
from tracker.models import ApplicationNeedToKnow, NotificationChoice, OutboxEmail
from tracker.notifications import notify
from tracker.ui_languages import UI_LANGUAGES

NAMED = "{{ full_name }} / {{ first_name }} ({{ reference }})"


@pytest.fixture
def people(make_application):
    """Nino Beridze, who is at risk, and Tamar Example, who is not."""
    return (
        make_application(preferred_language="en", at_risk=True),
        make_application(
            full_name="Tamar Example", email="tamar@example.org", preferred_language="en"
        ),
    )


def token() -> str:
    return secrets.token_urlsafe(24)


# --- templates: the renderer writes the reference --------------------------------------


@pytest.mark.parametrize("key", list(EmailTemplateKey))
def test_a_template_subject_names_the_applicant_at_risk_by_reference_only(app, people, key):
    nino, tamar = people
    save_template(
        key, "en", subject=NAMED, body_text="Dear {{ full_name }},\n", body_html=None, by=None
    )
    with app.test_request_context():
        hidden = render_for(nino, key)
        shown = render_for(tamar, key)
    # "Name (reference)" reads as the reference alone, not "CW-… (CW-…)".
    assert hidden.subject == f"{nino.reference} / {nino.reference}"
    assert hidden.body_text == "Dear Nino Beridze,\n"
    assert shown.subject == f"Tamar Example / Tamar ({tamar.reference})"
    assert shown.body_text == "Dear Tamar Example,\n"


@pytest.mark.parametrize("language", UI_LANGUAGES)
@pytest.mark.parametrize("key", list(EmailTemplateKey))
def test_the_seeded_subjects_are_the_same_for_everyone(app, people, key, language):
    nino, tamar = people
    with app.test_request_context():
        source = load_source(key, language)
        plain = render(source, placeholder_values(tamar, source.key, language=source.language))
        for application in people:
            subject = render_for(application, key, language=language).subject
            assert "Nino" not in subject
            assert subject.replace(application.reference, "REF") == plain.subject.replace(
                tamar.reference, "REF"
            )
    assert render_for(tamar, key, language=language).subject == plain.subject


def test_an_admins_literal_name_in_a_subject_is_replaced_too(app, people):
    nino, _tamar = people
    save_template(
        "request_info",
        "en",
        subject="A question for Nino Beridze",
        body_text="Hello\n",
        body_html=None,
        by=None,
    )
    with app.test_request_context():
        assert render_for(nino, "request_info").subject == f"A question for {nino.reference}"


def test_the_invitation_of_an_expert_who_applied_at_risk(app, people, call):
    nino, _tamar = people
    expert = new_expert(
        full_name="Nino Beridze",
        email="nino@example.org",
        source="application",
        application_id=nino.id,
        preferred_language="en",
    )
    db.session.commit()
    save_template(
        "expert_invitation", "en", subject=NAMED, body_text="Hi {{ full_name }}\n", body_html=None,
        by=None,
    )  # fmt: skip
    with app.test_request_context():
        invitation = invitation_email(expert, call, by=None)
    # The invitation has no reference of its own: the application's stands in for the name.
    assert invitation.subject == f"{nino.reference} / {nino.reference} ()"
    assert invitation.body_text == "Hi Nino Beridze\n"


# --- notifications to staff -------------------------------------------------------------


@pytest.mark.parametrize("event", list(NotificationEvent))
def test_no_notification_subject_names_the_applicant_at_risk(app, people, make_user, event):
    nino, tamar = people
    ana = make_user("ana@example.org", name="Ana Kapanadze", language="en")
    db.session.add(NotificationChoice(user_id=ana.id, event=event.value, delivery="at_once"))
    # Named for Nino: nobody else is told about an applicant at risk at all.
    db.session.add(ApplicationNeedToKnow(application_id=nino.id, user_id=ana.id))
    db.session.commit()
    with app.test_request_context():
        for application in people:
            notify(event, users=[ana], application=application, detail="rejected")
    db.session.commit()
    hidden, shown = db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)).all()
    assert "Nino" not in hidden.subject
    assert "Beridze" not in hidden.subject
    if event in (NotificationEvent.DEADLINE_NEAR, NotificationEvent.EDIT_WAITING):
        assert hidden.subject == shown.subject == "An assignment's deadline is near"
        return
    assert nino.reference in hidden.subject
    assert "Nino Beridze" in hidden.body_text
    assert hidden.subject.replace(nino.reference, "Tamar Example") == shown.subject.replace(
        f" ({tamar.reference})", ""
    )
    assert "Tamar Example" in shown.subject


def test_a_new_application_is_announced_by_reference(app, people, make_user):
    nino, _tamar = people
    ana = make_user("ana@example.org", language="en")
    db.session.add(
        NotificationChoice(user_id=ana.id, event="new_application", delivery=Delivery.AT_ONCE)
    )
    db.session.add(ApplicationNeedToKnow(application_id=nino.id, user_id=ana.id))
    with app.test_request_context():
        notify(NotificationEvent.NEW_APPLICATION, users=[ana], application=nino)
    db.session.commit()
    email = db.session.scalars(select(OutboxEmail)).one()
    assert email.subject == f"New application: {nino.reference}"
    assert f"New application: Nino Beridze ({nino.reference})" in email.body_text


# --- subjects editors type: refused ---------------------------------------------------------


@pytest.mark.parametrize(
    "subject",
    ["Re: Nino Beridze", "BERIDZE, Nino – one question", "ნინო ბერიძე", "Беридзе Нино"],
)
def test_a_typed_subject_naming_the_applicant_at_risk_is_refused(app, people, make_user, subject):
    nino, _tamar = people
    editor = make_user()
    with app.test_request_context("/?lang=en"), pytest.raises(ComposeError) as refused:
        send_email(nino, subject=subject, body_text="Hello Nino\n", by=editor, token=token())
    assert str(refused.value) == (
        "This applicant could be at risk: no email subject may name them, because a subject "
        "shows on lock screens and in mail logs. Please write their reference "
        f"{nino.reference} instead of the name."
    )
    assert db.session.scalars(select(OutboxEmail)).all() == []


def test_a_typed_subject_without_the_full_name_is_sent_as_written(app, people, make_user):
    nino, tamar = people
    editor = make_user()
    with app.test_request_context("/?lang=en"):
        send_email(nino, subject="Nino, one question", body_text="Hi\n", by=editor, token=token())
        send_email(tamar, subject="Re: Tamar Example", body_text="Hi\n", by=editor, token=token())
    subjects = db.session.scalars(select(OutboxEmail.subject).order_by(OutboxEmail.id)).all()
    assert subjects == ["Nino, one question", "Re: Tamar Example"]


def test_a_draft_cannot_be_edited_to_name_the_applicant_at_risk(app, people, make_user):
    nino, _tamar = people
    editor = make_user()
    draft = queue(
        to_address=nino.email,
        subject="Your application",
        body_text="Hello\n",
        template="custom",
        language="en",
        application=nino,
        status=EmailStatus.DRAFT,
    )
    db.session.commit()
    with app.test_request_context("/?lang=en"), pytest.raises(ComposeError):
        update_draft(draft.id, subject="Nino Beridze", body_text="Hello\n", by=editor)
    assert db.session.get(OutboxEmail, draft.id).subject == "Your application"


# --- the outbox: whatever reaches it --------------------------------------------------------


def test_the_outbox_replaces_the_name_in_any_subject_about_them(app, people):
    nino, tamar = people
    for application in people:
        queue(
            to_address=application.email,
            subject=f"About {application.full_name} ({application.reference})",
            body_text=f"About {application.full_name}\n",
            template="custom",
            language="en",
            application=application,
        )
    db.session.commit()
    emails = db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)).all()
    assert [(email.subject, email.body_text) for email in emails] == [
        (f"About {nino.reference}", "About Nino Beridze\n"),
        (f"About Tamar Example ({tamar.reference})", "About Tamar Example\n"),
    ]


def test_names_are_matched_in_any_script_order_and_case(people):
    nino, tamar = people
    discretion = discretion_for(nino)
    assert discretion_for(tamar) is None
    for text in ("nino beridze", "Beridze Nino", "ნინო ბერიძე", "NINO  BERIDZE!"):
        assert discretion.names_in(text), text
    for text in ("Nino", "Beridzeni Nino", "Nino Beridze-Shvili", ""):
        assert not discretion.names_in(text), text
    assert discretion.shield("Re: Nino Beridze, Nino Beridze") == (
        f"Re: {nino.reference}, {nino.reference}"
    )
