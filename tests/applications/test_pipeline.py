"""The pipeline: one transition table, history for every change, no silent overwrites."""

import pytest
from sqlalchemy import select

from tracker.applications.pipeline import (
    StaleApplicationError,
    TransitionError,
    allowed_transitions,
    bulk_set_status,
    set_status,
    withdraw,
)
from tracker.enums import TRANSITIONS, Status
from tracker.extensions import db
from tracker.models import AuditEvent, OutboxEmail, StatusChange


def test_every_status_has_a_row_in_the_transition_table():
    assert set(TRANSITIONS) == set(Status)
    assert allowed_transitions("new") == [
        Status.IN_REVIEW,
        Status.ON_HOLD,
        Status.REJECTED,
        Status.WITHDRAWN,
    ]
    assert allowed_transitions("withdrawn") == []


def test_set_status_records_history_and_audit(make_application, make_user):
    editor = make_user()
    application = make_application()
    set_status(application, "in_review", by=editor, note="Strong sample")

    change = db.session.scalar(select(StatusChange))
    assert (change.from_status, change.to_status, change.actor_id, change.note) == (
        "new",
        "in_review",
        editor.id,
        "Strong sample",
    )
    assert application.status == "in_review"
    event = db.session.scalar(select(AuditEvent))
    assert (event.action, event.actor_id, event.application_id) == (
        "application.status_changed",
        editor.id,
        application.id,
    )
    assert event.details == {"from_status": "new", "to_status": "in_review", "reason": None}


def test_a_forbidden_transition_changes_nothing(make_application, make_user):
    application = make_application()
    with pytest.raises(TransitionError, match="new cannot move to accepted"):
        set_status(application, "accepted", by=make_user())
    # set_status rolled back itself: the caller has nothing to clean up.
    assert application.status == "new"
    assert db.session.scalars(select(StatusChange)).all() == []


def test_rejection_needs_a_structured_reason(make_application, make_user):
    editor = make_user()
    application = make_application()
    with pytest.raises(TransitionError, match="structured reasons"):
        set_status(application, "rejected", by=editor)
    db.session.rollback()
    with pytest.raises(TransitionError, match="only a rejection"):
        set_status(application, "in_review", by=editor, reason="no_capacity")
    db.session.rollback()
    set_status(application, "rejected", by=editor, reason="region_covered")
    assert db.session.scalar(select(StatusChange.reason)) == "region_covered"


def test_a_stale_version_is_refused_and_says_what_changed(make_application, make_user):
    ana, ben = make_user("ana@example.org"), make_user("ben@example.org")
    application = make_application()
    seen_by_ben = application.version_id
    set_status(application, "in_review", by=ana, expected_version=application.version_id)

    with pytest.raises(StaleApplicationError) as raised:
        set_status(application, "rejected", by=ben, reason="other", expected_version=seen_by_ben)
    db.session.rollback()
    (event,) = raised.value.events
    assert (event.action, event.actor.email) == ("application.status_changed", "ana@example.org")
    assert application.status == "in_review"


def test_bulk_set_status_moves_what_may_move_and_skips_the_rest(make_application, make_user):
    editor = make_user()
    fresh = make_application()
    withdrawn = make_application(status="withdrawn")
    result = bulk_set_status([fresh, withdrawn], "in_review", by=editor)
    assert result.changed == [fresh]
    assert result.skipped == [withdrawn]
    assert (fresh.status, withdrawn.status) == ("in_review", "withdrawn")
    assert len(db.session.scalars(select(StatusChange)).all()) == 1


def test_withdraw_is_the_applicants_act_and_queues_the_confirmation(app, make_application):
    application = make_application(preferred_language="en")
    with app.test_request_context():
        email = withdraw(application, by_applicant=True, note="  Found another job  ")

    change = db.session.scalar(select(StatusChange))
    assert (change.to_status, change.actor_id, change.note) == (
        "withdrawn",
        None,
        "Found another job",
    )
    assert (email.template, email.language, email.status) == (
        "withdrawal_confirmation",
        "en",
        "queued",
    )
    assert db.session.scalars(select(OutboxEmail.id)).all() == [email.id]
    with app.test_request_context(), pytest.raises(TransitionError):
        withdraw(application, by_applicant=True)
    with pytest.raises(ValueError, match="editors use set_status"):
        withdraw(application, by_applicant=False)
    assert len(db.session.scalars(select(OutboxEmail)).all()) == 1
