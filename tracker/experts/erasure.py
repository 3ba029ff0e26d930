"""Erasing experts: with their application (tracker.privacy) or directly, by an admin.

An expert's data follows the application's consent and retention: erasing the applicant
erases the expert made from that application, and the assignments of both. Every
assignment goes with them except a paid one, which the law requires the newsroom to keep
as a payment record: it keeps its reference, fee, currency and payment date, and
everything else – title, brief, URL, dates, links to the expert, application and editors –
is emptied. Emails to the expert (OutboxEmail.expert_id), their delivery jobs and the
invitations go with the expert's row. A direct erasure (an imported expert has no
application) leaves one tombstone event without personal data.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, or_, select, update

from tracker.database import begin_write
from tracker.enums import AssignmentState
from tracker.extensions import db
from tracker.jobs.queue import delete_jobs
from tracker.mail.outbox import DELIVER_EMAIL
from tracker.models import Assignment, AuditEvent, Expert, OutboxEmail, User

ERASED_ACTION = "expert.erased"
# What a paid assignment keeps: reference, fee_minor, currency, paid_on (and its state).
PAYMENT_RECORD_EMPTIED = {
    "application_id": None,
    "expert_id": None,
    "editor_id": None,
    "created_by_id": None,
    "title": "",
    "brief": None,
    "deadline_at": None,
    "timezone": "",
    "published_url": None,
    "published_on": None,
    "remind_expert": False,
    "delivered_at": None,
    "deadline_reminded_at": None,
    "expert_reminded_at": None,
    "edit_reminded_at": None,
}


def erase_expert_rows(
    *, expert_ids: Iterable[int] = (), application_ids: Iterable[int] = ()
) -> list[int]:
    """Erase the experts *expert_ids*, those made from *application_ids*, and the
    assignments of either, in the caller's transaction; return the erased experts' ids.

    Paid assignments are reduced to payment records (PAYMENT_RECORD_EMPTIED).
    """
    application_ids = list(application_ids)
    expert_ids = set(expert_ids)
    if application_ids:
        expert_ids.update(
            db.session.scalars(select(Expert.id).where(Expert.application_id.in_(application_ids)))
        )
    expert_ids = sorted(expert_ids)
    theirs = or_(
        Assignment.expert_id.in_(expert_ids), Assignment.application_id.in_(application_ids)
    )
    paid = Assignment.state == AssignmentState.PAID.value
    db.session.execute(
        update(Assignment)
        .where(theirs, paid)
        .values(**PAYMENT_RECORD_EMPTIED)
        .execution_options(synchronize_session="fetch")
    )
    db.session.execute(
        delete(Assignment).where(theirs, ~paid).execution_options(synchronize_session="fetch")
    )
    delete_jobs(
        DELIVER_EMAIL,
        "email_id",
        select(OutboxEmail.id).where(OutboxEmail.expert_id.in_(expert_ids)),
    )
    # The emails first (their rows, like their jobs, may quote the address); regions,
    # languages, topics and invitations go with the expert by ON DELETE CASCADE.
    db.session.execute(
        delete(OutboxEmail)
        .where(OutboxEmail.expert_id.in_(expert_ids))
        .execution_options(synchronize_session="fetch")
    )
    db.session.execute(
        delete(Expert)
        .where(Expert.id.in_(expert_ids))
        .execution_options(synchronize_session="fetch")
    )
    return expert_ids


def erase_expert(expert: Expert, *, by: User) -> None:
    """Erase *expert* from the pool (not their application, if any), leave a tombstone,
    and commit."""
    expert_id = expert.id
    begin_write()
    try:
        erase_expert_rows(expert_ids=[expert_id])
        db.session.add(
            AuditEvent(
                action=ERASED_ACTION,
                actor_id=by.id,
                details={"expert": expert_id, "reason": "admin"},
            )
        )
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
