"""Webhook events are written with their cause, in its transaction: one delivery row and
one job per subscribed endpoint, with a thin body that names no person."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from tests.applying import application_form, post
from tests.webhooks.conftest import deliveries, webhook_jobs
from tracker import privacy
from tracker.applications.pipeline import TransitionError, set_status, withdraw
from tracker.assignments.records import create_assignment
from tracker.assignments.states import advance_assignment
from tracker.extensions import db
from tracker.models import Application, utcnow

EVENT_ID = re.compile(r"^evt_[0-9a-f]{32}$")
CREATED_AT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def bodies() -> list[dict]:
    """Return the delivery bodies, oldest first, each checked for its envelope."""
    found = []
    for delivery in deliveries():
        body = json.loads(delivery.body)
        assert list(body) == ["id", "type", "created_at", "data"]
        assert EVENT_ID.match(body["id"])
        assert body["id"] == delivery.event_id
        assert CREATED_AT.match(body["created_at"])
        assert body["type"] == delivery.event
        found.append(body)
    return found


def rows_and_jobs() -> list[tuple[int, str, dict]]:
    """Return (delivery id, status, job payload) per job: rows = jobs, one each."""
    rows = {row.id: row for row in deliveries()}
    pairs = [(job.payload["delivery_id"], job.status, job.payload) for job in webhook_jobs()]
    assert sorted(delivery_id for delivery_id, _, _ in pairs) == sorted(rows)
    return pairs


def test_without_endpoints_nothing_is_written(app, make_application):
    application = make_application()
    set_status(application, "in_review", by=None)
    assert deliveries() == []
    assert webhook_jobs() == []


def test_a_submission_emits_application_created_to_each_subscribed_endpoint(
    app, client, call, make_endpoint
):
    cms, _ = make_endpoint("http://127.0.0.1:9/cms")
    make_endpoint("http://127.0.0.1:9/chat", events=["application.status_changed"])
    paused, _ = make_endpoint("http://127.0.0.1:9/paused")
    paused.active = False
    db.session.commit()

    response = post(client, call, application_form(client, call))

    application = db.session.scalar(select(Application))
    assert response.headers["Location"].endswith(f"/thanks/{application.reference}")
    assert [(row.endpoint_id, row.event, row.status, row.attempts) for row in deliveries()] == [
        (cms.id, "application.created", "queued", 0)
    ]
    assert [body["data"] for body in bodies()] == [
        {"reference": application.reference, "call_id": call.id, "status": "new"}
    ]
    assert deliveries()[0].application_reference == application.reference
    assert [status for _, status, _ in rows_and_jobs()] == ["queued"]
    # No personal data in the body.
    assert "Nino" not in deliveries()[0].body
    assert "example.org" not in deliveries()[0].body


def test_a_status_change_emits_status_changed_with_the_previous_status(
    app, make_application, make_endpoint, make_user
):
    make_endpoint("http://127.0.0.1:9/cms")
    application = make_application()
    editor = make_user()

    set_status(application, "in_review", by=editor)

    assert [(body["type"], body["data"]) for body in bodies()] == [
        (
            "application.status_changed",
            {
                "reference": application.reference,
                "call_id": application.call_id,
                "status": "in_review",
                "previous_status": "new",
            },
        )
    ]
    assert len(rows_and_jobs()) == 1


def test_a_failed_status_change_writes_no_delivery_and_no_job(
    app, make_application, make_endpoint, make_user
):
    make_endpoint("http://127.0.0.1:9/cms")
    application = make_application()

    with pytest.raises(TransitionError):
        set_status(application, "accepted", by=make_user())
    # Fails after the event was written (the draft's template does not exist): all rolls back.
    with pytest.raises(LookupError, match="no_such_template"):
        set_status(
            application, "in_review", by=make_user("b@example.org"), notify="no_such_template"
        )

    assert deliveries() == []
    assert webhook_jobs() == []
    assert db.session.get(Application, application.id).status == "new"


def test_withdrawal_by_the_applicant_and_by_an_editor_emits_withdrawn(
    app, make_application, make_endpoint, make_user
):
    make_endpoint("http://127.0.0.1:9/cms", events=["application.withdrawn"])
    make_endpoint("http://127.0.0.1:9/chat", events=["application.status_changed"])
    by_applicant = make_application()
    by_editor = make_application(status="in_review")

    with app.test_request_context():
        withdraw(by_applicant, by_applicant=True)
    set_status(by_editor, "withdrawn", by=make_user())

    assert [body["type"] for body in bodies()] == [
        "application.status_changed",
        "application.withdrawn",
    ] * 2
    assert [body["data"] for body in bodies() if body["type"] == "application.withdrawn"] == [
        {
            "reference": by_applicant.reference,
            "call_id": by_applicant.call_id,
            "status": "withdrawn",
            "previous_status": "new",
            "withdrawn_by": "applicant",
        },
        {
            "reference": by_editor.reference,
            "call_id": by_editor.call_id,
            "status": "withdrawn",
            "previous_status": "in_review",
            "withdrawn_by": "staff",
        },
    ]
    assert len(rows_and_jobs()) == 4


def test_an_erasure_deletes_earlier_deliveries_and_sends_only_the_reference(
    app, make_application, make_endpoint, make_user
):
    endpoint, _ = make_endpoint("http://127.0.0.1:9/cms")
    erased = make_application()
    kept = make_application()
    editor = make_user()
    set_status(erased, "in_review", by=editor)
    set_status(kept, "in_review", by=editor)
    reference = erased.reference

    privacy.erase_applicant(erased, by=editor, reason="admin")

    assert [(row.event, row.application_reference) for row in deliveries()] == [
        ("application.status_changed", kept.reference),
        ("application.erased", None),
    ]
    assert bodies()[1]["data"] == {"reference": reference}
    assert [status for _, status, _ in rows_and_jobs()] == ["queued", "queued"]
    assert deliveries()[1].endpoint_id == endpoint.id


def test_the_retention_purge_sends_application_erased_too(app, make_application, make_endpoint):
    make_endpoint("http://127.0.0.1:9/cms", events=["application.erased"])
    reference = make_application(
        status="rejected", decided_at=utcnow().replace(year=2020)
    ).reference

    privacy.purge_expired()

    assert [body["data"] for body in bodies()] == [{"reference": reference}]


def test_assignments_emit_created_and_state_changed(
    app, make_application, make_endpoint, make_user
):
    make_endpoint(
        "http://127.0.0.1:9/books", events=["assignment.created", "assignment.state_changed"]
    )
    candidate = make_application(status="trial")
    editor = make_user()
    assignment = create_assignment(
        application=candidate,
        by=editor,
        title="Winter in Gudauri",
        brief="3,000 characters.",
        fee_minor=25000,
        currency="EUR",
        deadline_at=utcnow().replace(microsecond=0, second=0).replace(year=utcnow().year + 1),
        timezone="Asia/Tbilisi",
        remind_expert=False,
        editor=None,
    )
    advance_assignment(assignment, "accepted", by=editor)

    common = {
        "reference": assignment.reference,
        "application_reference": candidate.reference,
        "expert_id": None,
    }
    assert [(body["type"], body["data"]) for body in bodies()] == [
        ("assignment.created", {**common, "state": "offered"}),
        ("assignment.state_changed", {**common, "state": "accepted", "previous_state": "offered"}),
    ]
    assert "Gudauri" not in "".join(row.body for row in deliveries())
    assert len(rows_and_jobs()) == 2
