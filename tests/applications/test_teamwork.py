"""Assignment, comments and tags."""

import pytest
from sqlalchemy import select

from tracker.applications.pipeline import StaleApplicationError
from tracker.applications.teamwork import (
    CandidateError,
    add_comment,
    add_tag,
    all_tags,
    assign,
    bulk_add_tag,
    bulk_assign,
    remove_tag,
)
from tracker.extensions import db
from tracker.models import AuditEvent, Comment


def test_assign_and_unassign_are_audited(make_application, make_user):
    ana, ben = make_user("ana@example.org"), make_user("ben@example.org")
    application = make_application()
    assign(application, ben, by=ana)
    assert application.assignee_id == ben.id
    assign(application, None, by=ana)
    assert application.assignee_id is None
    details = [e.details for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert details == [{"assignee_id": ben.id}, {"assignee_id": None}]


def test_assign_with_a_stale_version_is_refused(make_application, make_user):
    ana, ben = make_user("ana@example.org"), make_user("ben@example.org")
    application = make_application()
    seen = application.version_id
    assign(application, ana, by=ana)
    with pytest.raises(StaleApplicationError):
        assign(application, ben, by=ben, expected_version=seen)
    # The refusal ended its own transaction (no rollback here): the row is unchanged.
    assert application.assignee_id == ana.id
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.actor_id == ben.id)) is None


def test_inactive_users_cannot_be_assigned(make_application, make_user):
    application = make_application()
    with pytest.raises(CandidateError):
        assign(application, make_user("gone@example.org", active=False), by=make_user())
    assert application.assignee_id is None
    assert db.session.scalar(select(AuditEvent.id)) is None


def test_comments_are_stored_trimmed_and_empty_ones_refused(make_application, make_user):
    editor = make_user()
    application = make_application()
    add_comment(application, "  <b>Call her back</b>  ", by=editor)
    assert db.session.scalar(select(Comment.body)) == "<b>Call her back</b>"
    for bad in ("", "   ", "x" * 10_001, "a\x00b"):
        with pytest.raises(CandidateError):
            add_comment(application, bad, by=editor)


def test_tags_are_added_and_removed_one_at_a_time(make_application, make_user):
    editor = make_user()
    first, second = make_application(), make_application()
    assert add_tag(first, "video", by=editor) is True
    assert add_tag(first, "  Russian   desk ", by=editor) is True
    assert add_tag(first, "video", by=editor) is False
    bulk = bulk_add_tag([first, second], "video", by=editor)
    assert [t.name for t in first.tags] == ["Russian desk", "video"]
    assert [t.name for t in second.tags] == ["video"]
    assert (bulk.changed, bulk.skipped) == ([second], [first])
    assert [t.name for t in all_tags()] == ["Russian desk", "video"]
    assert remove_tag(first, "Russian desk", by=editor) is True
    assert remove_tag(first, "Russian desk", by=editor) is False
    assert [t.name for t in first.tags] == ["video"]
    with pytest.raises(CandidateError):
        add_tag(first, "x" * 61, by=editor)


def test_bulk_assign(make_application, make_user):
    editor = make_user()
    applications = [make_application() for _ in range(3)]
    result = bulk_assign(applications, editor, by=editor)
    assert len(result.changed) == 3
    assert {a.assignee_id for a in applications} == {editor.id}
