"""Erasure covers the expert and their assignments; paid pieces stay as payment records."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from tests.conftest import hidden_fields
from tracker.experts.filter import ExpertFilter
from tracker.experts.invitations import invite_experts
from tracker.extensions import db
from tracker.models import (
    Assignment,
    AuditEvent,
    Expert,
    ExpertInvitation,
    ExpertLanguage,
    ExpertRegion,
    ExpertTopic,
    Job,
    OutboxEmail,
)
from tracker.privacy import erase_applicant
from tracker.subject_access import subject_access_data

PAYMENT_RECORD = {
    "reference": "AS-TEST02",
    "application_id": None,
    "expert_id": None,
    "editor_id": None,
    "created_by_id": None,
    "title": "",
    "brief": None,
    "fee_minor": 30000,
    "currency": "GEL",
    "deadline_at": None,
    "timezone": "",
    "state": "paid",
    "published_url": None,
    "published_on": None,
    "paid_on": date(2026, 11, 20),
    "remind_expert": False,
    "delivered_at": None,
    "deadline_reminded_at": None,
    "expert_reminded_at": None,
    "edit_reminded_at": None,
}


def assignment_rows() -> list[dict]:
    db.session.expire_all()
    return [
        {name: getattr(row, name) for name in PAYMENT_RECORD}
        for row in db.session.scalars(select(Assignment).order_by(Assignment.id))
    ]


def pool_rows() -> list:
    return [
        db.session.scalars(select(model)).all()
        for model in (Expert, ExpertRegion, ExpertLanguage, ExpertTopic, ExpertInvitation)
    ]


def give_work(expert, make_assignment, editor, call, application=None):
    make_assignment(expert=expert, application=application, state="delivered", editor_id=editor.id)
    make_assignment(
        expert=expert,
        application=application,
        state="paid",
        fee_minor=30000,
        currency="GEL",
        editor_id=editor.id,
        created_by_id=editor.id,
        published_url="https://example.com/piece",
        published_on=date(2026, 11, 10),
        paid_on=date(2026, 11, 20),
        remind_expert=True,
    )
    invite_experts(ExpertFilter(region="georgia"), call, by=editor)


def test_erasing_the_applicant_erases_the_expert_and_keeps_paid_pieces_as_payment_records(
    make_application, accept, make_assignment, make_user, call
):
    editor = make_user("desk@example.org", "editor", name="Desk")
    application = make_application(status="shortlisted")
    accept(application)
    expert = db.session.scalar(select(Expert))
    give_work(expert, make_assignment, editor, call, application=application)
    assert db.session.scalar(select(OutboxEmail.expert_id)) == expert.id

    application_id = application.id

    erase_applicant(application, by=None, reason="applicant request")

    assert pool_rows() == [[], [], [], [], []]
    assert assignment_rows() == [PAYMENT_RECORD]
    assert db.session.scalars(select(OutboxEmail)).all() == []
    assert db.session.scalars(select(Job).where(Job.kind == "deliver_email")).all() == []
    assert [
        (event.action, event.details)
        for event in db.session.scalars(
            select(AuditEvent).where(AuditEvent.application_id == application_id)
        )
    ] == [("application.erased", {"reason": "applicant request"})]


def test_an_admin_erases_an_imported_expert_after_confirming(
    admin_client, make_expert, make_assignment, call
):
    expert = make_expert()
    expert_id = expert.id
    give_work(expert, make_assignment, admin_client.user, call)
    page = admin_client.get(f"/review/experts/{expert.id}").get_data(as_text=True)
    assert "Erase this expert" in page
    form = {"csrf_token": hidden_fields(page)["csrf_token"]}

    unconfirmed = admin_client.post(f"/review/experts/{expert.id}/erase", data=form)
    assert unconfirmed.headers["Location"] == f"/review/experts/{expert.id}"
    assert "Please confirm the erasure." in admin_client.get(
        unconfirmed.headers["Location"]
    ).get_data(as_text=True)
    assert len(pool_rows()[0]) == 1

    response = admin_client.post(f"/review/experts/{expert.id}/erase", data=form | {"confirm": "y"})

    assert response.headers["Location"] == "/review/experts"
    assert pool_rows() == [[], [], [], [], []]
    assert assignment_rows() == [PAYMENT_RECORD]
    assert db.session.scalars(select(OutboxEmail)).all() == []
    tombstone = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "expert.erased"))
    assert (tombstone.actor_id, tombstone.application_id, tombstone.details) == (
        admin_client.user.id,
        None,
        {"expert": expert_id, "reason": "admin"},
    )
    assert "Nino" not in str([event.details for event in db.session.scalars(select(AuditEvent))])
    # The record is the accounting desk's (in the export): no page to edit it or write from.
    record = db.session.scalar(select(Assignment))
    for path in ("", "/brief"):
        missing = admin_client.get(f"/review/assignments/{record.id}{path}?lang=en")
        assert missing.status_code == 404
        assert "Page not found" in missing.get_data(as_text=True)


def test_an_editor_may_not_erase_an_expert(editor_client, make_expert):
    expert = make_expert()
    page = editor_client.get(f"/review/experts/{expert.id}").get_data(as_text=True)
    assert "Erase this expert" not in page

    response = editor_client.post(
        f"/review/experts/{expert.id}/erase",
        data={"csrf_token": hidden_fields(page)["csrf_token"], "confirm": "y"},
    )

    assert response.status_code == 403
    assert len(pool_rows()[0]) == 1


def test_subject_access_includes_the_expert_record_and_assignments(
    make_application, accept, make_assignment
):
    application = make_application(status="shortlisted")
    make_assignment(application=application, state="paid", paid_on=date(2026, 11, 20))
    accept(application)

    data = subject_access_data(application)

    expert = data["expert"]
    assert (expert["full_name"], expert["email"], expert["regions"], expert["languages"]) == (
        "Nino Beridze",
        "nino@example.org",
        ["georgia"],
        [{"language": "de", "level": "B2"}],
    )
    assert data["assignments"] == [
        {
            "reference": "AS-TEST01",
            "title": "Piece 1",
            "brief": "Write about the harvest.",
            "fee_minor": 25000,
            "currency": "EUR",
            "deadline_at": "2026-12-20T12:00:00",
            "timezone": "Asia/Tbilisi",
            "state": "paid",
            "published_url": None,
            "published_on": None,
            "paid_on": "2026-11-20",
        }
    ]


def test_the_privacy_notice_names_the_pool_and_the_kept_payment_records(client, call):
    html = client.get("/privacy?lang=en").get_data(as_text=True)
    assert "If we work together, you join our pool of experts" in html
    assert (
        "we keep only what the law requires us to keep of pieces we have paid for: the "
        "reference, the fee, the currency and the date of payment." in html
    )


def test_the_retention_purge_erases_the_expert_with_the_application(
    app, make_application, accept, make_assignment
):
    from datetime import timedelta

    from tracker.models import utcnow
    from tracker.privacy import purge_expired

    app.config["RETENTION_DAYS"] = {"accepted": 30}
    application = make_application(status="shortlisted")
    accept(application)
    make_assignment(
        application=application,
        state="paid",
        fee_minor=30000,
        currency="GEL",
        paid_on=date(2026, 11, 20),
    )
    application.decided_at = utcnow() - timedelta(days=31)
    db.session.commit()

    assert purge_expired().count == 1

    assert pool_rows() == [[], [], [], [], []]
    assert [row["reference"] for row in assignment_rows()] == ["AS-TEST01"]
    assert assignment_rows()[0] | {"reference": "AS-TEST02"} == PAYMENT_RECORD


def test_erasing_an_application_leaves_the_imported_expert_of_the_same_person(
    make_application, make_expert
):
    expert = make_expert()  # imported: Nino Beridze, nino@example.org
    application = make_application(status="rejected")
    assert application.email == expert.email

    erase_applicant(application, by=None, reason="applicant request")

    assert [row.id for row in db.session.scalars(select(Expert))] == [expert.id]
