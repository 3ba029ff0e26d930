"""The daily digest: what it lists, in whose language, when it is due, and that each
person gets at most one a day – with two runs and with two app instances at once."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from tracker import create_app
from tracker.applications.pipeline import set_status
from tracker.applications.teamwork import assign
from tracker.enums import Delivery, NotificationEvent
from tracker.extensions import db
from tracker.jobs.registry import KINDS
from tracker.jobs.runner import run_pending
from tracker.models import (
    DigestSent,
    Notification,
    NotificationChoice,
    OutboxEmail,
    UnfollowedRegion,
    User,
    utcnow,
)
from tracker.notifications import notify
from tracker.notifications.core import followers
from tracker.notifications.digest import due_users, send_digest, send_due_digests
from tracker.privacy import erase_applicant


@pytest.fixture
def app_config(app_config):
    app_config["DIGEST_HOUR"] = 0  # due at any hour, unless a test says otherwise
    return app_config


@pytest.fixture
def team(make_user):
    return {
        "ana": make_user("ana@example.org", "editor", name="Ana Kapanadze", language="en"),
        "ben": make_user("ben@example.org", "editor", name="Ben Weber"),
    }


def arrived(make_application, **fields):
    """Store an application and tell its followers, as a submission does."""
    application = make_application(**fields)
    notify(NotificationEvent.NEW_APPLICATION, users=followers(application), application=application)
    db.session.commit()
    return application


def digests() -> list[tuple[str, str, str]]:
    """Return (to, subject, text) of every digest email, oldest first."""
    return [
        (email.to_address, email.subject, email.body_text)
        for email in db.session.scalars(
            select(OutboxEmail).where(OutboxEmail.template == "digest").order_by(OutboxEmail.id)
        )
    ]


def later() -> datetime:
    """Return the next noon (UTC, the tests' time zone): after everything a test wrote so
    far, and far enough from midnight that minutes or hours later is still the same day.
    (A minute from now, a run five minutes later fell on the next day before midnight.)"""
    now = utcnow()
    noon = now.replace(hour=12, minute=0, second=0, microsecond=0)
    return noon if noon > now else noon + timedelta(days=1)


def test_the_digest_lists_new_applications_per_followed_region_then_the_candidates(
    team, call, make_application
):
    ana, ben = team["ana"], team["ben"]
    db.session.add(UnfollowedRegion(user_id=ana.id, call_id=call.id, region="abkhazia"))
    db.session.add(
        NotificationChoice(user_id=ana.id, event="status_changed", delivery=Delivery.NEVER.value)
    )
    db.session.commit()
    nino = arrived(make_application, regions=["georgia", "abkhazia"])
    aram = arrived(
        make_application, full_name="Aram Petrosyan", email="aram@example.org", region="armenia"
    )
    only_abkhazia = arrived(  # Ana unfollowed Abkhazia: not hers
        make_application, full_name="Lasha Ardzinba", email="lasha@example.org", region="abkhazia"
    )
    assign(nino, ana, by=ben)
    set_status(nino, "in_review", by=ben)  # Ana chose "never": only in the app

    assert send_due_digests(later()) == 2

    base = "http://localhost/review/applications"
    assert digests()[0] == (
        "ana@example.org",
        "Your daily digest from Caucasus Watch",
        "Hello Ana Kapanadze,\n\n"
        "This is what happened since your last digest.\n\n"
        "New applications in Armenia:\n"
        f"- {aram.reference} Aram Petrosyan (covers Armenia)\n"
        f"  {base}/{aram.id}\n\n"
        "New applications in Georgia:\n"
        f"- {nino.reference} Nino Beridze (covers Georgia, Abkhazia)\n"
        f"  {base}/{nino.id}\n\n"
        "Your candidates:\n"
        f"- Ben Weber assigned Nino Beridze ({nino.reference}) to you\n"
        f"  {base}/{nino.id}\n\n"
        "Choose what you receive and when: http://localhost/review/settings\n\n"
        "Caucasus Watch",
    )
    # Ben's digest is in German, the app's default language, and lists all three.
    to, subject, text = digests()[1]
    assert (to, subject) == ("ben@example.org", "Ihre tägliche Übersicht von Caucasus Watch")
    assert "Neue Bewerbungen in Abchasien:\n" in text
    assert f"- {only_abkhazia.reference} Lasha Ardzinba (deckt Abchasien ab)\n" in text


def test_nothing_to_say_sends_no_email_and_never_only_shows_in_the_app(team, make_application):
    ana = team["ana"]
    for event in NotificationEvent:
        db.session.add(
            NotificationChoice(user_id=ana.id, event=event.value, delivery=Delivery.NEVER.value)
        )
    db.session.commit()
    arrived(make_application)

    assert send_due_digests(later()) == 1  # Ben's only
    assert [to for to, *_ in digests()] == ["ben@example.org"]
    # Ana's day is done all the same: one row each.
    assert db.session.scalar(select(func.count()).select_from(DigestSent)) == 2
    assert (
        db.session.scalar(
            select(func.count()).select_from(Notification).where(Notification.user_id == ana.id)
        )
        == 1
    )


def test_a_second_run_the_same_day_sends_nothing_and_the_next_day_only_what_is_new(
    team, make_application
):
    first = arrived(make_application)
    now = later()

    assert send_due_digests(now) == 2
    assert send_due_digests(now + timedelta(minutes=5)) == 0
    assert len(digests()) == 2

    second = arrived(
        make_application, full_name="Aram Petrosyan", email="aram@example.org", region="armenia"
    )
    for row in db.session.scalars(
        select(Notification).where(Notification.application_id == second.id)
    ):
        row.created_at = now + timedelta(hours=1)
    db.session.commit()

    assert send_due_digests(now + timedelta(days=1)) == 2
    ana_next = digests()[2][2]
    assert second.reference in ana_next
    assert first.reference not in ana_next
    assert db.session.scalar(select(func.count()).select_from(DigestSent)) == 4


def test_two_app_instances_claiming_the_same_people_write_one_digest_each(
    app_config, team, make_application
):
    arrived(make_application)
    now = later()
    other = create_app(app_config)
    with other.app_context():
        # The second instance has found the same people due before the first writes.
        stale = [user.id for user in due_users(now)]
        db.session.commit()

    assert send_due_digests(now) == 2

    with other.app_context():
        users = [db.session.get(User, user_id) for user_id in stale]
        assert [send_digest(user, now) for user in users] == [False, False]
        db.session.remove()
        db.engine.dispose()
    assert [to for to, *_ in digests()] == ["ana@example.org", "ben@example.org"]
    assert db.session.scalar(select(func.count()).select_from(DigestSent)) == 2


@pytest.mark.parametrize(
    ("zone", "hour", "due"),
    [("UTC", 6, False), ("UTC", 7, True), ("Europe/Berlin", 6, True)],
)
def test_digests_are_due_from_digest_hour_in_the_apps_time_zone(app, team, zone, hour, due):
    app.config["DIGEST_HOUR"] = 7
    app.config["BABEL_DEFAULT_TIMEZONE"] = zone
    now = datetime(2026, 12, 5, hour, 0)

    assert [user.email for user in due_users(now)] == (
        ["ana@example.org", "ben@example.org"] if due else []
    )


def test_the_worker_runs_the_digests_as_a_recurring_job(team, make_application):
    arrived(make_application)

    assert KINDS["send_digests"].every == timedelta(hours=1)
    report = run_pending(now=later(), kinds={"send_digests"})

    assert (report.attempted, report.done) == (1, 1)
    assert [to for to, *_ in digests()] == ["ana@example.org", "ben@example.org"]
    # Each digest has its delivery job, run by the next pass.
    assert (
        db.session.scalar(
            select(func.count()).select_from(OutboxEmail).where(OutboxEmail.status == "queued")
        )
        == 2
    )


def test_the_command_sends_the_digests_due_now(runner, team, make_application):
    arrived(make_application)
    for row in db.session.scalars(select(Notification)):
        row.created_at -= timedelta(minutes=1)
    db.session.commit()

    result = runner.invoke(args=["digest", "send"])

    assert result.exit_code == 0, result.output
    assert result.output == "Sent 2 digests.\n"
    assert runner.invoke(args=["digest", "send"]).output == "Sent 0 digests.\n"


def test_erasing_an_applicant_removes_their_notifications_and_the_digests_naming_them(
    team, make_application
):
    application = arrived(make_application)
    send_due_digests(later())
    assert len(digests()) == 2

    erase_applicant(application, by=None, reason="admin")

    assert digests() == []
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0
