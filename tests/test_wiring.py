"""Where features meet: decide now, notify later; admin and account links on staff pages."""

from sqlalchemy import select

from tests.review.test_candidate_page import form_data, page, url
from tracker.extensions import db
from tracker.models import OutboxEmail, StatusChange


def test_status_change_with_a_template_leaves_a_draft_in_the_outbox(
    editor_client, make_application
):
    application = make_application(status="shortlisted", full_name="Nino Beridze")
    data = form_data(
        editor_client, application, new_status="trial", notify_template="trial_invitation"
    )
    response = editor_client.post(url(application, "/status"), data=data)

    assert response.status_code == 302
    change = db.session.scalar(select(StatusChange))
    assert (change.from_status, change.to_status) == ("shortlisted", "trial")
    (email,) = db.session.scalars(select(OutboxEmail)).all()
    assert (email.status, email.template, email.to_address, email.language) == (
        "draft",
        "trial_invitation",
        "nino@example.org",
        "de",
    )
    assert "Nino" in email.body_text
    assert "The email waits as a draft in the outbox until someone releases it." in page(
        editor_client, application
    )


def test_status_change_without_a_template_writes_no_email(editor_client, make_application):
    application = make_application()
    data = form_data(editor_client, application, new_status="in_review", notify_template="")
    assert editor_client.post(url(application, "/status"), data=data).status_code == 302
    assert db.session.scalars(select(OutboxEmail)).all() == []


def test_a_refused_transition_prepares_no_email(editor_client, make_application):
    application = make_application()
    data = form_data(
        editor_client, application, new_status="accepted", notify_template="acceptance"
    )
    assert editor_client.post(url(application, "/status"), data=data).status_code == 409
    assert db.session.scalars(select(OutboxEmail)).all() == []
    assert db.session.scalars(select(StatusChange)).all() == []


def test_admins_find_audit_subject_access_and_erasure_on_the_candidate_page(
    admin_client, editor_client, make_application
):
    application = make_application()
    links = (
        f"/review/applications/{application.id}/audit",
        f"/admin/applications/{application.id}/subject-access",
        f"/admin/applications/{application.id}/erase",
    )
    admin_page = page(admin_client, application)
    editor_page = page(editor_client, application)
    for link in links:
        assert f'href="{link}"' in admin_page
        assert f'href="{link}"' not in editor_page


def test_staff_reach_their_password_and_two_factor_settings_from_every_page(editor_client):
    inbox = editor_client.get("/review/?lang=en").text
    assert 'href="/auth/password"' in inbox
    settings = editor_client.get("/auth/password?lang=en").text
    assert 'href="/auth/two-factor/setup"' in settings
