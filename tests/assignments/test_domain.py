"""Creating, editing and moving assignments: what is stored, what is refused, the history."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from tests.assignments.conftest import in_days
from tracker.assignments.deadlines import default_timezone, local_parts, to_utc
from tracker.assignments.records import (
    REFERENCE_ALPHABET,
    AssignmentError,
    StaleAssignmentError,
    assignment_events,
    update_assignment,
)
from tracker.assignments.states import advance_assignment, allowed_states
from tracker.enums import AssignmentState
from tracker.extensions import db
from tracker.models import Assignment, AuditEvent


@pytest.fixture(autouse=True)
def english(app):
    """Messages in English, as an English page would show them."""
    with app.test_request_context(), force_locale("en"):
        yield


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(Assignment))


def test_an_assignment_is_stored_with_reference_fee_and_deadline(on_trial, editor, make_assignment):
    assignment = make_assignment(application=on_trial)
    db.session.expire_all()
    stored = db.session.get(Assignment, assignment.id)
    assert stored.reference.startswith("AS-")
    assert len(stored.reference) == 9
    assert set(stored.reference[3:]) <= set(REFERENCE_ALPHABET)
    assert (stored.fee_minor, stored.currency, stored.state) == (25000, "EUR", "offered")
    assert stored.application_id == on_trial.id
    assert stored.editor_id == editor.id  # the acting user by default
    assert [(e.action, e.details["reference"]) for e in assignment_events(stored)] == [
        ("assignment.created", stored.reference)
    ]


def test_an_expert_can_be_given_an_assignment(expert, make_assignment):
    assignment = make_assignment(expert=expert, timezone="Asia/Yerevan")
    assert (assignment.expert_id, assignment.application_id) == (expert.id, None)
    assert [e.action for e in assignment_events(assignment)] == ["assignment.created"]


@pytest.mark.parametrize("status", ["new", "in_review", "shortlisted", "rejected", "withdrawn"])
def test_a_candidate_not_on_trial_gets_no_assignment(make_application, make_assignment, status):
    application = make_application(status=status)
    with pytest.raises(AssignmentError, match="Only a candidate on a trial"):
        make_assignment(application=application)
    assert count() == 0


def test_an_accepted_candidate_can_be_given_an_assignment(make_application, make_assignment):
    assignment = make_assignment(application=make_application(status="accepted"))
    assert assignment.state == "offered"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"fee_minor": -1}, "fee", "between 0 and 20000 EUR"),
        ({"fee_minor": 2_000_001}, "fee", "between 0 and 20000 EUR"),
        ({"fee_minor": 250.0}, "fee", "between 0 and 20000 EUR"),
        ({"fee_minor": True}, "fee", "between 0 and 20000 EUR"),
        ({"currency": "BTC"}, "currency", "currencies offered"),
        ({"timezone": "Europe/Paris"}, "timezone", "time zones offered"),
        ({"deadline_at": in_days(-1)}, "deadline_day", "has passed already"),
        ({"title": "  "}, "title", "working title"),
        ({"title": "Two\nlines"}, "title", "one line"),
        ({"title": "x" * 201}, "title", "at most 200"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(
    on_trial, make_assignment, overrides, field, message
):
    with pytest.raises(AssignmentError, match=message) as refused:
        make_assignment(application=on_trial, **overrides)
    assert refused.value.field == field
    assert count() == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_no_candidate_and_no_expert_is_refused(make_assignment):
    with pytest.raises(AssignmentError, match="candidate or an expert"):
        make_assignment()


def test_the_deadline_is_entered_in_the_authors_zone_and_stored_in_utc():
    stored = to_utc(date(2026, 12, 20), time(18, 0), "Asia/Tbilisi")
    assert stored == datetime(2026, 12, 20, 14, 0)
    assert local_parts(stored, "Asia/Tbilisi") == (date(2026, 12, 20), time(18, 0))
    # Berlin in winter is UTC+1, in summer UTC+2.
    assert to_utc(date(2026, 7, 1), time(12, 0), "Europe/Berlin") == datetime(2026, 7, 1, 10, 0)


def test_the_default_zone_is_the_experts_or_the_candidates_country(on_trial, expert):
    assert default_timezone(on_trial, None) == "Asia/Tbilisi"
    assert default_timezone(None, expert) == "Asia/Yerevan"
    on_trial.country = "germany"
    assert default_timezone(on_trial, None) == "Europe/Berlin"


def test_an_edit_records_what_changed_and_a_new_deadline_is_reminded_again(
    on_trial, editor, make_assignment
):
    assignment = make_assignment(application=on_trial)
    assignment.deadline_reminded_at = in_days(0)
    db.session.commit()  # version 2
    changed = update_assignment(
        assignment,
        title="Winter in Gudauri",
        brief="3,000 characters on the ski season.",
        fee_minor=30000,
        currency="EUR",
        deadline_at=in_days(12),
        timezone="Asia/Tbilisi",
        remind_expert=True,
        editor=editor,
        by=editor,
        expected_version=2,
    )
    assert changed == ["fee_minor", "deadline_at", "remind_expert"]
    db.session.expire_all()
    stored = db.session.get(Assignment, assignment.id)
    assert (stored.fee_minor, stored.remind_expert, stored.version_id) == (30000, True, 3)
    assert stored.deadline_reminded_at is None
    assert assignment_events(stored)[0].details["changed"] == changed


def _edit(assignment, editor, **changes):
    fields = {
        "title": assignment.title,
        "brief": assignment.brief,
        "fee_minor": assignment.fee_minor,
        "currency": assignment.currency,
        "deadline_at": assignment.deadline_at,
        "timezone": assignment.timezone,
        "remind_expert": assignment.remind_expert,
        "editor": None,
        "by": editor,
    }
    return update_assignment(assignment, **(fields | changes))


def test_a_stale_edit_is_refused_and_names_the_change(on_trial, editor, make_assignment):
    assignment = make_assignment(application=on_trial)
    _edit(assignment, editor, fee_minor=26000, expected_version=1)
    with pytest.raises(StaleAssignmentError) as stale:
        _edit(assignment, editor, title="Another title", expected_version=1)
    assert [(e.action, e.details.get("changed")) for e in stale.value.events] == [
        ("assignment.updated", ["fee_minor"]),
        ("assignment.created", None),
    ]
    db.session.expire_all()
    assert db.session.get(Assignment, assignment.id).title == "Winter in Gudauri"


def test_a_late_piece_keeps_its_past_deadline_but_a_new_one_must_be_ahead(
    on_trial, editor, make_assignment
):
    assignment = make_assignment(application=on_trial)
    assignment.deadline_at = in_days(-2)  # time has passed
    db.session.commit()
    assert _edit(assignment, editor, fee_minor=1000) == ["fee_minor"]
    with pytest.raises(AssignmentError, match="has passed"):
        _edit(assignment, editor, deadline_at=in_days(-1))


def walk(assignment, editor, *states):
    for state in states:
        advance_assignment(
            assignment,
            state,
            by=editor,
            published_url="https://example.org/gudauri",
            published_on=date(2026, 12, 22),
            paid_on=date(2026, 12, 30),
        )


def test_an_assignment_walks_from_offered_to_paid(on_trial, editor, make_assignment):
    assignment = make_assignment(application=on_trial)
    walk(assignment, editor, "accepted", "delivered")
    assert assignment.delivered_at is not None
    walk(assignment, editor, "edited", "published", "paid")
    db.session.expire_all()
    stored = db.session.get(Assignment, assignment.id)
    assert (stored.state, stored.published_url, stored.published_on, stored.paid_on) == (
        "paid",
        "https://example.org/gudauri",
        date(2026, 12, 22),
        date(2026, 12, 30),
    )
    moves = [
        (e.details["from_state"], e.details["to_state"])
        for e in reversed(assignment_events(stored))
        if e.action == "assignment.state_changed"
    ]
    assert moves == [
        ("offered", "accepted"),
        ("accepted", "delivered"),
        ("delivered", "edited"),
        ("edited", "published"),
        ("published", "paid"),
    ]
    assert allowed_states("paid") == []


@pytest.mark.parametrize(
    ("walked", "skip"),
    [((), "delivered"), ((), "paid"), (("accepted",), "published"), (("accepted",), "offered")],
)
def test_skipped_states_are_refused(on_trial, editor, make_assignment, walked, skip):
    assignment = make_assignment(application=on_trial)
    walk(assignment, editor, *walked)
    with pytest.raises(AssignmentError, match="cannot become"):
        walk(assignment, editor, skip)
    db.session.expire_all()
    assert db.session.get(Assignment, assignment.id).state == (walked or ("offered",))[-1]


def test_a_published_piece_cannot_be_cancelled(on_trial, editor, make_assignment):
    assignment = make_assignment(application=on_trial)
    walk(assignment, editor, "accepted", "delivered", "edited", "published")
    assert allowed_states(assignment.state) == [AssignmentState.PAID]
    with pytest.raises(AssignmentError, match="cannot become"):
        walk(assignment, editor, "cancelled")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("javascript:alert(1)", "starting with https://"),
        ("JavaScript://example.org/%0aalert(1)", "starting with https://"),
        ("ftp://example.org/piece", "starting with https://"),
        ("example.org/piece", "starting with https://"),
        ("https://", "starting with https://"),
        ("https://example.org/a b", "starting with https://"),
        ("", "where the piece is published"),
        ("https://example.org/" + "a" * 2000, "at most 2000"),
    ],
)
def test_a_bad_published_url_is_refused(on_trial, editor, make_assignment, url, message):
    assignment = make_assignment(application=on_trial)
    walk(assignment, editor, "accepted", "delivered", "edited")
    with pytest.raises(AssignmentError, match=message):
        advance_assignment(
            assignment, "published", by=editor, published_url=url, published_on=date(2026, 12, 22)
        )
    db.session.expire_all()
    stored = db.session.get(Assignment, assignment.id)
    assert (stored.state, stored.published_url) == ("edited", None)


def test_publication_needs_a_day_and_payment_a_day(on_trial, editor, make_assignment):
    assignment = make_assignment(application=on_trial)
    walk(assignment, editor, "accepted", "delivered", "edited")
    with pytest.raises(AssignmentError, match="day the piece was published"):
        advance_assignment(
            assignment, "published", by=editor, published_url="https://example.org/x"
        )
    walk(assignment, editor, "published")
    with pytest.raises(AssignmentError, match="day the fee was paid"):
        advance_assignment(assignment, "paid", by=editor)
    assert db.session.get(Assignment, assignment.id).state == "published"


def test_a_stale_state_change_is_refused(on_trial, editor, make_assignment):
    assignment = make_assignment(application=on_trial)
    advance_assignment(assignment, "accepted", by=editor, expected_version=1)
    with pytest.raises(StaleAssignmentError):
        advance_assignment(assignment, "cancelled", by=editor, expected_version=1)
    assert db.session.get(Assignment, assignment.id).state == "accepted"


def test_an_unknown_state_is_refused(on_trial, editor, make_assignment):
    assignment = make_assignment(application=on_trial)
    with pytest.raises(AssignmentError, match="steps offered"):
        advance_assignment(assignment, "lost", by=editor)
