"""Into the pool: an accepted candidate becomes an expert (or is the expert already).

:func:`enrol_expert` runs in the transaction of the status change to "accepted"
(tracker.applications.pipeline), so that an acceptance and its expert are written
together or not at all. The person is matched as an import matches them
(tracker.experts.records): by address, else by the one expert with the same name in any
script. A match keeps the expert and adds what the new application covers; accepting the
same application again (accepted → on hold → accepted) changes nothing twice.
"""

from __future__ import annotations

from sqlalchemy import select, update

from tracker.audit import record_event
from tracker.database import begin_write
from tracker.enums import ExpertSource, Status
from tracker.experts.records import find_expert, new_expert, set_expertise, timezone_for_country
from tracker.extensions import db
from tracker.models import Application, Assignment, AuditEvent, Expert, User

ENROLLED = "expert.enrolled"


def enrol_expert(application: Application, *, by: User | None) -> Expert:
    """Make the accepted *application*'s applicant an expert, in the caller's transaction.

    An expert found by address or name is linked to *application* and gets the union of
    regions, languages (the application's level where both name a language) and topics;
    otherwise a new expert copies the applicant's data. The application's assignments
    (trial pieces) become the expert's. Audited as ``expert.enrolled``.
    """
    expert, matched = find_expert(application.email, application.full_name)
    languages = [(row.language, row.level) for row in application.languages]
    topics = [row.topic for row in application.topics]
    if expert is None:
        expert = new_expert(
            full_name=application.full_name,
            email=application.email,
            phone=application.phone,
            country=application.country,
            city=application.city,
            timezone=timezone_for_country(application.country),
            preferred_language=application.preferred_language,
            consent_at=application.consent_at,
            privacy_version=application.privacy_version,
            source=ExpertSource.APPLICATION.value,
            application_id=application.id,
        )
        set_expertise(expert, regions=application.regions, languages=languages, topics=topics)
    else:
        expert.application_id = application.id
        known = [(row.language, row.level) for row in expert.languages]
        set_expertise(
            expert,
            regions=[*expert.regions, *application.regions],
            languages=[*known, *languages],
            topics=[*(row.topic for row in expert.topics), *topics],
        )
    db.session.flush()
    db.session.execute(
        update(Assignment)
        .where(Assignment.application_id == application.id)
        .values(expert_id=expert.id)
        .execution_options(synchronize_session="fetch")
    )
    record_event(ENROLLED, actor=by, application=application, expert=expert.id, matched=matched)
    return expert


def enrol_accepted(*, by: User | None = None) -> int:
    """Enrol every accepted application that no expert came from yet, and commit.

    For applications accepted before the pool existed; running it twice enrols nobody twice
    (an enrolled application has its ``expert.enrolled`` event).
    """
    begin_write()
    try:
        pending = db.session.scalars(
            select(Application)
            .where(
                Application.status == Status.ACCEPTED.value,
                # Enrolled once already (the event goes only with the application).
                ~Application.id.in_(
                    select(AuditEvent.application_id).where(AuditEvent.action == ENROLLED)
                ),
            )
            .order_by(Application.id)
        ).all()
        for application in pending:
            enrol_expert(application, by=by)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return len(pending)
