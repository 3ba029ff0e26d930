"""The staff pages of notifications: the header's count, the list, opening one, "mark all
read", the settings page, and bounces told to whoever wrote the email."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.conftest import hidden_fields
from tests.review.test_outbox_page import REFUSED, smtp_server  # noqa: F401 - a fixture
from tests.sql_log import statements_sent
from tracker.applications.teamwork import add_comment, assign
from tracker.enums import NotificationEvent
from tracker.extensions import db
from tracker.mail import outbox
from tracker.mail.delivery import deliver_pending
from tracker.models import (
    Notification,
    NotificationChoice,
    UnfollowedRegion,
    User,
    utcnow,
)
from tracker.notifications import notify
from tracker.notifications.inbox import PAGE_SIZE


def csrf(client) -> str:
    return hidden_fields(client.get("/review/notifications").text)["csrf_token"]


def unread_text(page: str) -> str:
    match = re.search(r'class="notification-count">(.*?)</a>', page, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def items(page: str) -> list[str]:
    """Return the list's entries as text: "Unread …" marks the unread ones."""
    found = re.findall(
        r'<li class="notification[^"]*" id="notification-\d+">(.*?)<time', page, re.S
    )
    return [" ".join(re.sub(r"<[^>]+>", " ", entry).split()) for entry in found]


def test_the_header_counts_the_unread_notifications_with_one_indexed_count(
    editor_client, colleague, make_application
):
    application = make_application()
    assert unread_text(editor_client.get("/review/").text) == "Notifications"
    assign(application, editor_client.user, by=colleague.user)
    add_comment(application, "@Ana Editor bitte ansehen", by=colleague.user)

    with statements_sent() as statements:
        page = editor_client.get("/review/").text

    assert unread_text(page) == "Notifications 2 unread"
    assert len([s for s in statements if "FROM notifications" in s]) == 1
    # Ben is told of nothing: he acted.
    assert unread_text(colleague.get("/review/").text) == "Notifications"


def test_the_list_shows_the_newest_first_with_unread_marked_and_opening_marks_read(
    editor_client, colleague, make_application
):
    application = make_application()
    assign(application, editor_client.user, by=colleague.user)
    comment = add_comment(application, "@ana kannst du das lesen?", by=colleague.user)
    ref = application.reference

    page = editor_client.get("/review/notifications").text
    assert items(page) == [
        f"Unread Ben Editor mentioned you in a comment on Nino Beridze ({ref})",
        f"Unread Ben Editor assigned Nino Beridze ({ref}) to you",
    ]
    newest = db.session.scalar(select(Notification).where(Notification.event == "mentioned"))

    opened = editor_client.post(
        f"/review/notifications/{newest.id}/open", data={"csrf_token": csrf(editor_client)}
    )

    assert opened.status_code == 302
    assert opened.headers["Location"] == (
        f"/review/applications/{application.id}#comment-{comment.id}"
    )
    assert f'id="comment-{comment.id}"' in editor_client.get(opened.headers["Location"]).text
    page = editor_client.get("/review/notifications").text
    assert items(page) == [
        f"Ben Editor mentioned you in a comment on Nino Beridze ({ref})",
        f"Unread Ben Editor assigned Nino Beridze ({ref}) to you",
    ]
    assert unread_text(page) == "Notifications 1 unread"


def test_mark_all_read(editor_client, colleague, make_application):
    application = make_application()
    assign(application, editor_client.user, by=colleague.user)
    set_other = make_application(email="other@example.org")
    assign(set_other, editor_client.user, by=colleague.user)

    response = editor_client.post(
        "/review/notifications/read", data={"csrf_token": csrf(editor_client)}
    )

    assert response.headers["Location"] == "/review/notifications"
    page = editor_client.get(response.headers["Location"]).text
    assert "All notifications are marked as read." in page
    assert all(not entry.startswith("Unread") for entry in items(page))
    assert len(items(page)) == 2
    assert db.session.scalars(select(Notification.read_at)).all() != [None, None]
    assert None not in db.session.scalars(select(Notification.read_at)).all()


def test_the_list_is_paginated(editor_client, make_application):
    application = make_application()
    for _ in range(PAGE_SIZE + 1):
        notify(NotificationEvent.REPLIED, users=[editor_client.user], application=application)
    db.session.commit()

    first = editor_client.get("/review/notifications").text
    second = editor_client.get("/review/notifications?page=2").text

    assert len(items(first)) == PAGE_SIZE
    assert 'href="/review/notifications?page=2" rel="next"' in first
    assert len(items(second)) == 1
    assert 'href="/review/notifications?page=1" rel="prev"' in second


def test_no_one_opens_or_reads_a_colleagues_notification(
    editor_client, colleague, make_application
):
    application = make_application()
    assign(application, colleague.user, by=editor_client.user)
    bens = db.session.scalar(select(Notification))

    response = editor_client.post(
        f"/review/notifications/{bens.id}/open", data={"csrf_token": csrf(editor_client)}
    )
    editor_client.post("/review/notifications/read", data={"csrf_token": csrf(editor_client)})

    assert response.status_code == 404
    assert items(editor_client.get("/review/notifications").text) == []
    db.session.refresh(bens)
    assert bens.read_at is None
    assert len(items(colleague.get("/review/notifications").text)) == 1


def test_opening_and_marking_read_need_a_post_with_csrf(editor_client, colleague, make_application):
    application = make_application()
    assign(application, editor_client.user, by=colleague.user)
    row = db.session.scalar(select(Notification))

    assert editor_client.get(f"/review/notifications/{row.id}/open").status_code == 405
    assert editor_client.post(f"/review/notifications/{row.id}/open").status_code == 400
    assert editor_client.post("/review/notifications/read").status_code == 400
    assert editor_client.post("/review/settings", data={"language": "en"}).status_code == 400
    db.session.refresh(row)
    assert row.read_at is None


def test_signed_out_people_see_no_notifications(client):
    response = client.get("/review/notifications")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_the_settings_page_saves_language_choices_and_followed_regions(editor_client, call):
    page = editor_client.get("/review/settings").text
    assert 'name="delivery-mentioned" value="digest" checked' in page
    assert f'name="follow-{call.id}" value="abkhazia" checked' in page
    regions = [region["key"] for region in call.regions]

    response = editor_client.post(
        "/review/settings",
        data={
            "csrf_token": hidden_fields(page)["csrf_token"],
            "language": "en",
            "delivery-mentioned": "at_once",
            "delivery-new_application": "never",
            f"follow-{call.id}": ["georgia", "armenia"],
        },
    )

    assert response.headers["Location"] == "/review/settings"
    page = editor_client.get("/review/settings").text
    assert "Your notification settings are saved." in page
    user = db.session.get(User, editor_client.user.id)
    assert user.language == "en"
    assert dict(
        db.session.execute(
            select(NotificationChoice.event, NotificationChoice.delivery).where(
                NotificationChoice.user_id == user.id
            )
        ).all()
    ) == {"mentioned": "at_once", "new_application": "never"}
    assert sorted(db.session.scalars(select(UnfollowedRegion.region))) == sorted(
        key for key in regions if key not in ("georgia", "armenia")
    )
    assert 'name="delivery-mentioned" value="at_once" checked' in page
    assert f'name="follow-{call.id}" value="armenia" checked' in page
    assert f'name="follow-{call.id}" value="abkhazia" checked' not in page


@pytest.mark.parametrize(
    "change",
    [{"language": "fr"}, {"delivery-mentioned": "hourly"}, {"follow-{call}": ["atlantis"]}],
)
def test_settings_that_are_not_offered_are_refused_and_nothing_is_saved(
    editor_client, call, change
):
    page = editor_client.get("/review/settings").text
    data = {"csrf_token": hidden_fields(page)["csrf_token"], "language": "en"}
    data |= {key.format(call=call.id): value for key, value in change.items()}

    response = editor_client.post("/review/settings", data=data)

    assert response.headers["Location"] == "/review/settings"
    assert "Please choose one of the options offered." in editor_client.get("/review/settings").text
    assert db.session.get(User, editor_client.user.id).language is None
    assert db.session.scalars(select(UnfollowedRegion)).all() == []
    assert db.session.scalars(select(NotificationChoice)).all() == []


def test_a_refused_email_tells_its_writer_else_the_assignee(
    smtp_server,  # noqa: F811 - the fixture imported above
    app,
    make_user,
    make_application,
):
    ana = make_user("ana@example.org", "editor", name="Ana Kapanadze")
    ben = make_user("ben@example.org", "editor", name="Ben Editor")
    application = make_application(email=REFUSED, assignee_id=ben.id)
    # Ana's email, an automatic one, and one to a colleague (Ana) that tells nobody: a
    # notification of its failure would fail again, without end.
    for writer, colleague in ((ana, None), (None, None), (None, ana)):
        outbox.queue(
            to_address=REFUSED,
            subject="Frage",
            body_text="Text",
            template="request_info",
            language="de",
            application=application,
            created_by=writer,
            user=colleague,
        )
    db.session.commit()

    assert deliver_pending(now=utcnow()).failed == 3

    rows = db.session.execute(
        select(User.email, Notification.event, Notification.application_id)
        .join(User, User.id == Notification.user_id)
        .order_by(Notification.id)
    ).all()
    assert [tuple(row) for row in rows] == [
        ("ana@example.org", "bounced", application.id),
        ("ben@example.org", "bounced", application.id),
    ]
