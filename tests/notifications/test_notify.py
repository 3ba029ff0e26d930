"""notify() and its causes: who is told of what, the actor left out, and the emails of
those who chose "at once"."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.applying import application_form, post
from tests.jobs.test_kinds import apply
from tracker.applications.pipeline import set_status, withdraw
from tracker.applications.ratings import add_rating
from tracker.applications.teamwork import add_comment, assign, bulk_assign
from tracker.enums import Delivery, NotificationEvent
from tracker.extensions import db
from tracker.models import (
    Notification,
    NotificationChoice,
    OutboxEmail,
    UnfollowedRegion,
    User,
)
from tracker.notifications import notify

SCORES = dict.fromkeys(
    ("regional_expertise", "german_writing", "sourcing", "story_ideas", "reliability"), 4
)


def told(event: str | None = None) -> list[tuple[str, str, int | None]]:
    """Return (recipient's email, event, actor id) of every notification, oldest first."""
    rows = db.session.execute(
        select(User.email, Notification.event, Notification.actor_id)
        .join(User, User.id == Notification.user_id)
        .order_by(Notification.id)
    ).all()
    return [tuple(row) for row in rows if event is None or row.event == event]


def choose(user, event: NotificationEvent, delivery: Delivery) -> None:
    db.session.add(NotificationChoice(user_id=user.id, event=event.value, delivery=delivery.value))
    db.session.commit()


def staff_emails() -> list[tuple[str, str, str]]:
    """Return (to, subject, template) of the emails to staff, oldest first."""
    return [
        (email.to_address, email.subject, email.template)
        for email in db.session.scalars(
            select(OutboxEmail).where(OutboxEmail.user_id.is_not(None)).order_by(OutboxEmail.id)
        )
    ]


@pytest.fixture
def team(make_user):
    """Ana and Ben (editors), Ada (admin), and Olga, whose account is deactivated."""
    return {
        "ana": make_user("ana@example.org", "editor", name="Ana Kapanadze"),
        "ben": make_user("ben@example.org", "editor", name="Ben Weber"),
        "ada": make_user("ada@example.org", "admin", name="Ada Admin"),
        "olga": make_user("olga@example.org", "editor", name="Olga Petrova", active=False),
    }


def test_a_new_application_tells_everyone_who_follows_a_region_it_covers(client, call, team):
    # Ben unfollowed Georgia, the application's only region; Olga is inactive.
    db.session.add(UnfollowedRegion(user_id=team["ben"].id, call_id=call.id, region="georgia"))
    db.session.commit()

    application = apply(client, call)

    assert told() == [
        ("ana@example.org", "new_application", None),
        ("ada@example.org", "new_application", None),
    ]
    assert {row.application_id for row in db.session.scalars(select(Notification))} == {
        application.id
    }
    assert staff_emails() == []  # the daily digest is everyone's default


def test_following_one_of_the_covered_regions_is_enough(client, call, team):
    db.session.add(UnfollowedRegion(user_id=team["ben"].id, call_id=call.id, region="georgia"))
    db.session.commit()

    response = post(client, call, application_form(client, call, regions=["georgia", "abkhazia"]))
    assert response.status_code == 302
    assert [email for email, *_ in told()] == [
        "ana@example.org",
        "ben@example.org",
        "ada@example.org",
    ]


def test_at_once_queues_one_email_in_the_persons_language(client, call, team):
    team["ana"].language = "en"
    choose(team["ana"], NotificationEvent.NEW_APPLICATION, Delivery.AT_ONCE)
    choose(team["ada"], NotificationEvent.NEW_APPLICATION, Delivery.AT_ONCE)
    choose(team["ben"], NotificationEvent.NEW_APPLICATION, Delivery.NEVER)

    application = apply(client, call)

    reference = application.reference
    assert staff_emails() == [
        ("ana@example.org", f"New application: Nino Beridze ({reference})", "notification"),
        ("ada@example.org", f"Neue Bewerbung: Nino Beridze ({reference})", "notification"),
    ]
    email = db.session.scalar(
        select(OutboxEmail).where(OutboxEmail.to_address == "ana@example.org")
    )
    assert email.application_id == application.id  # erased with the applicant
    assert email.language == "en"
    assert email.body_text.startswith("Hello Ana Kapanadze,\n\nNew application: Nino Beridze")
    assert f"/review/applications/{application.id}\n" in email.body_text
    # Ben chose "never": the row only, in the app.
    assert [email for email, *_ in told()] == [
        "ana@example.org",
        "ben@example.org",
        "ada@example.org",
    ]


def test_assigning_tells_the_new_assignee_but_not_the_one_who_assigns(team, make_application):
    application = make_application()
    assign(application, team["ben"], by=team["ana"])
    assign(application, team["ana"], by=team["ana"])  # oneself: nobody is told
    bulk_assign([application], team["ada"], by=team["ben"])
    bulk_assign([application], team["ada"], by=team["ben"])  # no change: nobody is told

    assert told() == [
        ("ben@example.org", "assigned", team["ana"].id),
        ("ada@example.org", "assigned", team["ben"].id),
    ]


def test_a_status_change_tells_the_assignee_and_everyone_who_rated(team, make_application):
    application = make_application(assignee_id=team["ana"].id)
    add_rating(application, by=team["ben"], scores=SCORES, recommendation="yes")
    add_rating(application, by=team["olga"], scores=SCORES, recommendation="yes")

    set_status(application, "in_review", by=team["ben"])

    assert told() == [("ana@example.org", "status_changed", team["ben"].id)]
    row = db.session.scalar(select(Notification))
    assert row.detail == "in_review"


def test_a_withdrawal_tells_the_assignee_and_the_raters(team, make_application):
    application = make_application(assignee_id=team["ana"].id)
    add_rating(application, by=team["ben"], scores=SCORES, recommendation="yes")
    add_rating(application, by=team["ana"], scores=SCORES, recommendation="yes")

    withdraw(application, by_applicant=True)

    assert told() == [
        ("ana@example.org", "withdrew", None),
        ("ben@example.org", "withdrew", None),
    ]


def test_a_mention_tells_each_mentioned_colleague_once_with_a_link_to_the_comment(
    team, make_application
):
    application = make_application()
    choose(team["ben"], NotificationEvent.MENTIONED, Delivery.AT_ONCE)
    comment = add_comment(
        application,
        "@Ben Weber und @ben, kannst du …? @Ana Kapanadze @Olga Petrova",
        by=team["ana"],
    )

    assert told() == [("ben@example.org", "mentioned", team["ana"].id)]
    row = db.session.scalar(select(Notification))
    assert row.comment_id == comment.id
    email = db.session.scalar(select(OutboxEmail).where(OutboxEmail.user_id == team["ben"].id))
    assert email.subject == (
        f"Ana Kapanadze hat Sie in einem Kommentar zu Nino Beridze ({application.reference}) "
        "erwähnt"
    )
    assert f"/review/applications/{application.id}#comment-{comment.id}\n" in email.body_text


def test_replied_is_written_like_every_other_event(team, make_application):
    application = make_application(assignee_id=team["ana"].id)
    team["ana"].language = "en"
    choose(team["ana"], NotificationEvent.REPLIED, Delivery.AT_ONCE)

    notify(NotificationEvent.REPLIED, users=[team["ana"]], application=application)
    db.session.commit()

    assert told() == [("ana@example.org", "replied", None)]
    assert staff_emails() == [
        (
            "ana@example.org",
            f"Nino Beridze ({application.reference}) replied to our email",
            "notification",
        )
    ]


def test_notify_leaves_out_the_actor_inactive_people_and_duplicates(team, make_application):
    application = make_application()
    rows = notify(
        "assigned",
        users=[team["ana"], team["ben"], team["ben"], team["olga"], None],
        application=application,
        actor=team["ana"],
    )
    db.session.commit()

    assert [row.user_id for row in rows] == [team["ben"].id]
    assert told() == [("ben@example.org", "assigned", team["ana"].id)]


def test_a_new_call_is_followed_by_everyone_without_a_row(client, call, team):
    from tracker.calls import create_call, open_call, starting_point

    data = starting_point(call)
    data.slug = "second-call"
    second = create_call(data, by=team["ada"])
    open_call(second, by=team["ada"])

    response = post(client, second, application_form(client, second))

    assert response.status_code == 302
    assert [email for email, *_ in told()] == [
        "ana@example.org",
        "ben@example.org",
        "ada@example.org",
    ]
    assert db.session.scalars(select(UnfollowedRegion)).all() == []


def test_a_reply_tells_the_assignee_and_raters_and_an_out_of_office_tells_no_one(
    make_application, team
):
    from tests.replies.test_candidate import file

    nino = make_application()
    assign(nino, team["ana"], by=team["ada"])
    add_rating(nino, by=team["ben"], scores=SCORES, recommendation="yes")
    before = len(told())
    file(nino, subject="Re: Ihre Bewerbung", body="Gern.\n")
    assert told()[before:] == [
        ("ana@example.org", "replied", None),
        ("ben@example.org", "replied", None),
    ]
    file(
        nino,
        subject="Abwesend",
        body="Ich bin im Urlaub.\n",
        headers={"Auto-Submitted": "auto-replied"},
    )
    assert len(told()) == before + 2


def test_a_returned_email_tells_its_writer_that_it_bounced(make_application, team):
    from tracker.mail.compose import send_email
    from tracker.replies.filing import mark_bounced
    from tracker.replies.message import Bounce

    nino = make_application()
    email = send_email(
        nino, subject="Frage", body_text="Guten Tag", by=team["ben"], token="bounce-test-token-0001"
    )
    assert mark_bounced(Bounce([email.message_id], failed=True, diagnostic="550 no such user"))
    assert told("bounced") == [("ben@example.org", "bounced", None)]


def test_a_guest_reviewer_is_never_told_nor_mentioned(call, make_application, team, make_user):
    from tests.guests.conftest import make_guest
    from tracker.notifications.mentions import mentioned_in

    guest = make_guest(make_user, call, regions=("georgia",))
    nino = make_application(region="georgia")
    add_rating(nino, by=guest, scores=SCORES, recommendation="yes")
    set_status(nino, "in_review", by=team["ana"])
    assert told("status_changed") == []
    assert mentioned_in(f"@{guest.name} bitte ansehen") == []
    notify(NotificationEvent.ASSIGNED, users=[guest], application=nino)
    assert told("assigned") == []
