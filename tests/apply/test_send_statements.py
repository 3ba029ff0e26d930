"""What sending an application asks of the database: each table written once, nothing read twice."""

from __future__ import annotations

import re

from markupsafe import escape
from sqlalchemy import select

from tests.applying import application_form, check_page_fields, is_check_page
from tests.sql_log import statements_sent
from tracker.extensions import db
from tracker.models import Application, Document, Job, Notification


def _shape(statement: str) -> str:
    """Return "INSERT documents" or "SELECT applications" for a statement."""
    verb = statement.split()[0]
    if verb == "INSERT":
        return f"INSERT {statement.split()[2]}"
    table = re.search(r"\bFROM (\w+)", statement)
    return f"{verb} {table.group(1) if table else '?'}"


def _send(client, call) -> tuple:
    """Send a complete form from its check page; return the response and the statements
    the sending ran, each as its shape."""
    url = f"/apply/{call.slug}"
    check = client.post(
        url,
        data=application_form(client, call),
        content_type="multipart/form-data",
    )
    assert is_check_page(check)
    with statements_sent() as sent:
        response = client.post(url, data={**check_page_fields(check.text), "send": "1"})
    return response, [_shape(s) for s in sent if not s.startswith("BEGIN")]


# The email's job and the extraction's: on PostgreSQL one INSERT of both rows (SQLAlchemy's
# insertmanyvalues); SQLite's RETURNING order is not guaranteed for several rows, so
# SQLAlchemy inserts them one by one there.
def _jobs_inserted() -> list[str]:
    return ["INSERT jobs"] if db.engine.dialect.name == "postgresql" else ["INSERT jobs"] * 2


def test_sending_writes_each_table_once_and_reads_nothing_again(app, client, call):
    response, statements = _send(client, call)

    assert response.status_code == 302
    assert statements == [
        "SELECT calls",  # the view's call
        "SELECT applications",  # this form stored already? (form ticket)
        "SELECT applications",  # the reference is unused
        # The write transaction: a repeat? then every table once, the email's template and
        # the version number for its text. The call is not read again, here or after.
        "SELECT applications",
        "INSERT applications",
        "INSERT reply_addresses",  # the acknowledgement's Reply-To (tracker.replies)
        "INSERT application_languages",
        "INSERT application_regions",
        "INSERT application_topics",
        "INSERT documents",
        "INSERT search_entries",
        "SELECT email_templates",
        "SELECT applications",
        "INSERT outbox_emails",
        # Who follows a region it covers (notifications.core.followers): nobody here, so
        # no notification is written.
        "SELECT users",
        # Which webhook endpoints receive application.created (tracker.webhooks.events):
        # none here, so no delivery is written.
        "SELECT webhook_endpoints",
        # The email's job and the extraction's, queued last.
        *_jobs_inserted(),
    ]
    application = db.session.scalar(select(Application))
    assert response.headers["Location"].endswith(f"/thanks/{application.reference}")
    assert [(row.language, row.level, row.position) for row in application.languages] == [
        ("de", "B2", 0),
        ("ka", "native", 1),
        ("ru", "C1", 2),
    ]
    assert [row.region for row in application.covered_regions] == ["georgia"]
    assert sorted(db.session.scalars(select(Document.kind))) == ["cv", "writing_sample"]
    assert sorted(db.session.scalars(select(Job.kind))) == ["deliver_email", "extract_text"]


def test_a_follower_s_notification_is_written_with_the_jobs_at_the_commit(
    app, client, call, make_user
):
    # Everyone follows every region unless they unfollowed it: the editor is told. Reading
    # their email choice does not flush the jobs queued before it: one flush writes the
    # jobs and the notification, at the commit.
    editor = make_user("follower@example.org")
    response, statements = _send(client, call)

    assert response.status_code == 302
    assert statements[statements.index("INSERT outbox_emails") :] == [
        "INSERT outbox_emails",
        "SELECT users",
        "SELECT notification_choices",  # the editor's choice: the daily digest, by default
        "SELECT webhook_endpoints",
        *_jobs_inserted(),
        "INSERT notifications",
    ]
    application = db.session.scalar(select(Application))
    notification = db.session.scalar(select(Notification))
    assert (notification.user_id, notification.event, notification.application_id) == (
        editor.id,
        "new_application",
        application.id,
    )


def test_a_post_reads_the_call_without_its_description_and_privacy_notice(app, client, call):
    # Some 15 KB of JSON in every language that neither the check page nor the sending shows.
    with statements_sent() as sent:
        check = client.post(
            f"/apply/{call.slug}",
            data=application_form(client, call),
            content_type="multipart/form-data",
        )
    assert is_check_page(check)
    # (The test's own call object is refreshed by its id.)
    call_reads = [s for s in sent if re.search(r"\bFROM calls\b.*\bcalls.slug = ", s, re.S)]
    assert len(call_reads) == 2  # the form's GET (with them) and the post (without)
    assert "calls.description" in call_reads[0]
    assert "calls.privacy_notice" in call_reads[0]
    assert "calls.description" not in call_reads[1]
    assert "calls.privacy_notice" not in call_reads[1]


def test_a_form_shown_again_after_a_post_shows_the_call_s_description(app, client, call):
    # Read when the page needs it: the description is then the same as on the blank form.
    opening = escape(call.description["de"].split("\n")[0])
    url = f"/apply/{call.slug}?lang=de"
    response = client.post(url, data=application_form(client, call, full_name=""))
    assert response.status_code == 400
    assert "Vollständiger Name: Geben Sie Ihren vollständigen Namen ein." in response.text
    assert opening in response.text
    assert opening in client.get(url).text


def test_a_form_asked_for_again_reads_the_call_with_its_texts_once(app, client, call):
    # "Add another language" without JavaScript: the form comes back with the call's text.
    opening = escape(call.description["de"].split("\n")[0])
    url = f"/apply/{call.slug}?lang=de"
    data = application_form(client, call)
    with statements_sent() as sent:
        response = client.post(url, data={**data, "add_language": "1"})
    assert response.status_code == 200
    assert 'name="other_languages-1-language"' in response.text
    assert opening in response.text
    call_reads = [s for s in sent if re.search(r"\bFROM calls\b", s)]
    assert len(call_reads) == 1
    assert "calls.description" in call_reads[0]
