"""The candidate's timeline: one list, newest first, blind where ratings are, no N+1."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from tests.sql_log import statements_sent
from tracker.applications.pipeline import set_status
from tracker.applications.ratings import add_rating, recuse
from tracker.applications.teamwork import add_comment, add_tag, assign
from tracker.applications.timeline import timeline
from tracker.audit import record_event
from tracker.extensions import db
from tracker.mail.outbox import queue
from tracker.models import AuditEvent, Comment, Rating, StatusChange

SCORES = {
    "regional_expertise": 5,
    "german_writing": 3,
    "sourcing": 4,
    "story_ideas": 2,
    "reliability": 4,
}
T0 = datetime(2026, 11, 3, 9, 0)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.fixture
def people(make_user):
    return (
        make_user("ana@example.org", name="Ana Editor"),
        make_user("ben@example.org", name="Ben Editor"),
        make_user("ada@example.org", "admin", name="Ada Admin"),
    )


@pytest.fixture
def history(make_application, people):
    """An application with one of everything, each a minute after the one before."""
    ana, ben, _ = people
    application = make_application(created_at=at(0))
    set_status(application, "in_review", by=ana, note="Promising")
    db.session.scalar(select(StatusChange)).created_at = at(1)
    add_rating(application, by=ana, scores=SCORES, recommendation="yes", summary="Good")
    rating = db.session.scalar(select(Rating))
    rating.created_at = rating.updated_at = at(2)
    add_comment(application, "Call her", by=ben)
    db.session.scalar(select(Comment)).created_at = at(3)
    assign(application, ben, by=ana)
    # An event from before tags became add/remove operations still reads as it did.
    record_event("application.tagged", actor=ben, application=application, tags=["photo", "video"])
    db.session.commit()
    for action, minute in (("application.assigned", 4), ("application.tagged", 5)):
        db.session.scalar(select(AuditEvent).where(AuditEvent.action == action)).created_at = at(
            minute
        )
    email = queue(
        to_address=application.email,
        subject="Ihre Bewerbung <CW>",
        body_text="Hallo Nino,\n\n<b>danke</b> & bis bald.\n",
        template="request_info",
        language="de",
        application=application,
    )
    email.created_at = at(6)
    db.session.commit()
    return application


def describe(entries) -> list[tuple]:
    return [(entry.kind, entry.at, entry.actor.name if entry.actor else None) for entry in entries]


def test_timeline_merges_everything_newest_first(history, people):
    ana, ben, _ = people
    entries = timeline(history, viewer=ana)
    assert describe(entries) == [
        ("email", at(6), None),
        ("tags", at(5), "Ben Editor"),
        ("assignment", at(4), "Ana Editor"),
        ("comment", at(3), "Ben Editor"),
        ("rating", at(2), "Ana Editor"),
        ("status", at(1), "Ana Editor"),
        ("submitted", at(0), None),
    ]
    email, tags, assignment, comment, rating, status, submitted = entries
    assert (email.item.subject, email.item.status) == ("Ihre Bewerbung <CW>", "queued")
    assert tags.details == {"tags": ["photo", "video"], "added": None, "removed": None}
    assert assignment.details == {"assignee": ben}
    assert comment.item.body == "Call her"
    assert rating.details == {"visible": True, "updated": False, "scores": SCORES}
    assert (status.item.from_status, status.item.to_status, status.item.note) == (
        "new",
        "in_review",
        "Promising",
    )
    assert submitted.item is history


def test_ratings_are_blind_in_the_timeline_until_the_viewer_rated(history, people):
    _, ben, _ = people
    (rating,) = [entry for entry in timeline(history, viewer=ben) if entry.kind == "rating"]
    assert rating.actor.name == "Ana Editor"
    assert rating.details == {"visible": False, "updated": False, "scores": {}}

    add_rating(history, by=ben, scores=dict.fromkeys(SCORES, 1), recommendation="no")
    ratings = [entry for entry in timeline(history, viewer=ben) if entry.kind == "rating"]
    assert {entry.actor.name: entry.details["scores"] for entry in ratings} == {
        "Ana Editor": SCORES,
        "Ben Editor": dict.fromkeys(SCORES, 1),
    }


def test_recusals_are_in_the_timeline_of_admins_only(history, people):
    _, ben, ada = people
    recuse(history, by=ben, reason="Former colleague")
    assert "recusal" not in [entry.kind for entry in timeline(history, viewer=ben)]
    (recusal,) = [entry for entry in timeline(history, viewer=ada) if entry.kind == "recusal"]
    assert (recusal.actor.name, recusal.item.reason) == ("Ben Editor", "Former colleague")


def test_bulk_tagging_and_unassignment_are_described(make_application, people):
    ana, _, _ = people
    application = make_application()
    from tracker.applications.teamwork import bulk_add_tag

    bulk_add_tag([application], "video", by=ana)
    assign(application, None, by=ana)
    details = {entry.kind: entry.details for entry in timeline(application, viewer=ana)}
    assert details["tags"] == {"tags": None, "added": "video", "removed": None}
    assert details["assignment"] == {"assignee": None}


def test_timeline_needs_the_same_few_queries_however_long_it_is(
    app, make_application, people, make_user
):
    ana, ben, ada = people

    def count_queries(application) -> int:
        with statements_sent() as statements:
            timeline(application, viewer=ada)
        return len(statements)

    small = make_application()
    add_comment(small, "One", by=ana)

    large = make_application()
    editors = [make_user(f"e{n}@example.org", name=f"Editor {n}") for n in range(4)]
    for editor in editors:
        add_rating(large, by=editor, scores=SCORES, recommendation="maybe")
        add_comment(large, f"From {editor.name}", by=editor)
        assign(large, editor, by=editor)
        add_tag(large, editor.name, by=editor)
    for target in ("in_review", "on_hold", "in_review"):
        set_status(large, target, by=ben)
    recuse(large, by=ana)
    db.session.expire_all()

    assert len(timeline(large, viewer=ada)) > 20
    db.session.expire_all()
    small_count = count_queries(small)
    db.session.expire_all()
    # The rows of all six kinds in one statement, their people in another, plus reloading
    # the expired application and viewer.
    assert count_queries(large) == small_count == 4


def test_timeline_on_the_page_shows_each_entry_escaped(history, people, app, client):
    from tests.conftest import login_as

    ana, _, _ = people
    add_comment(history, "<script>alert(1)</script>", by=ana)
    login_as(client, ana)
    page = client.get(f"/review/applications/{history.id}?lang=en").text
    section = re.search(r'<section[^>]*id="timeline".*?</section>', page, re.S).group(0)
    items = [
        " ".join(html.unescape(re.sub(r"<[^>]+>", " ", item)).split())
        for item in re.findall(r"<li[^>]*>(.*?)</li>", section, re.S)
    ]
    assert items[1:] == [
        "3 Nov 2026, 09:06 Email “Ihre Bewerbung <CW>” to nino@example.org: queued "
        "Show the email as sent Hallo Nino, <b>danke</b> & bis bald.",
        "3 Nov 2026, 09:05 Ben Editor set the tags: photo, video",
        "3 Nov 2026, 09:04 Ana Editor assigned the candidate to Ben Editor",
        "3 Nov 2026, 09:03 Ben Editor commented Call her",
        "3 Nov 2026, 09:02 Ana Editor rated: Yes Regional expertise 5 · German writing 3 · "
        "Sources and access 4 · Story ideas 2 · Reliability 4",
        "3 Nov 2026, 09:01 Ana Editor changed the status from “New” to “In review” Promising",
        "3 Nov 2026, 09:00 Application received",
    ]
    assert items[0].endswith("Ana Editor commented <script>alert(1)</script>")
    assert "<script>alert" not in section
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in section
    # The email body exactly as sent, in a <details>, never as HTML.
    assert (
        "<summary>Show the email as sent</summary>\n"
        '          <pre class="document-preview" tabindex="0">Hallo Nino,\n\n'
        "&lt;b&gt;danke&lt;/b&gt; &amp; bis bald.\n</pre>"
    ) in section
    assert "Email “Ihre Bewerbung &lt;CW&gt;” to nino@example.org: queued" in section
