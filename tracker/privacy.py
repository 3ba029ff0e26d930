"""Retention and erasure: what the privacy notice promises applicants.

Erasing an applicant (:func:`erase_applicant`) removes, in one transaction, the application
and everything hanging off it – languages, topics, documents with their machine
translations, emails (queued, draft or sent), the applicant's replies with their
attachments and the reply address, ratings, comments, recusals, status history, tags,
the search entry – and every audit event about it, plus any tag no other application
carries, the expert made from the application and the assignments (a paid one kept as
the payment record: tracker.experts.erasure), then writes one tombstone event that says
an erasure happened and why, with no personal data. The stored files are deleted only
after the commit: a rollback must never leave rows pointing at deleted files, while a
file left behind by a crash is an orphan that
``flask storage reconcile`` finds.

Deleted rows must not survive on disk either. On SQLite, ``secure_delete`` overwrites them
in the database file, the FTS index drops their words (secure-delete, or a merge where
SQLite is older than 3.42), and after the commit the WAL – which still holds the pages of
every transaction that wrote the person's data – is checkpointed and truncated
(:func:`tracker.database.empty_wal`). On PostgreSQL the rows are gone for every query at
the commit; their bytes stay in the table files until VACUUM frees the space and new rows
overwrite it, and in WAL segments and backups until those are recycled. ``privacy purge``
ends with a VACUUM of the tables that hold personal data (see :func:`purge_expired`); the
README says what that does not guarantee.

An email a worker claimed (status "sending") just before the erasure is gone with its
row: the worker finds no row after claiming and sends nothing (delivery.deliver_email).
The delivery jobs of erased emails go too: their last error may quote the address.

The retention policy (``RETENTION_DAYS``, per final status; ``RETENTION_DAYS_AT_RISK`` for
rejected or withdrawn applicants at risk, whichever is shorter) is applied by
:func:`purge_expired` in batches, each committed: an interrupted purge leaves only whole
erasures, and running it again continues where it stopped. The worker runs it once a day
(the recurring ``privacy_purge`` job); ``flask privacy purge`` runs it at once.

Subject access (everything stored about one applicant) is in :mod:`tracker.subject_access`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, delete, or_, select, text
from sqlalchemy.exc import DBAPIError

from tracker import tokens
from tracker.applications.status_links import application_of, sign_for_applicant
from tracker.applications.teamwork import remove_unused_tags, tags_of
from tracker.audit import record_event
from tracker.database import begin_write, empty_wal, vacuum
from tracker.documents.storage import delete_stored
from tracker.enums import Status, WebhookEvent
from tracker.experts.erasure import erase_expert_rows
from tracker.extensions import db
from tracker.jobs.queue import delete_jobs, forget_done_jobs
from tracker.jobs.registry import ClaimedJob, job_kind
from tracker.mail.discretion import discretion_for
from tracker.mail.outbox import DELIVER_EMAIL, queue_rendered
from tracker.mail.templates import render_file
from tracker.models import (
    ApplicantSafety,
    Application,
    AuditEvent,
    Document,
    OutboxEmail,
    ReplyAttachment,
    User,
    utcnow,
)
from tracker.notifications.digest import remove_from_digests
from tracker.sample_facts.job import forget_sample_facts
from tracker.search import remove_application
from tracker.urls import external_url
from tracker.webhooks.events import emit, forget_deliveries

log = logging.getLogger(__name__)

ERASED_ACTION = "application.erased"
REASONS = ("retention", "admin", "applicant request")
ERASURE_TEMPLATE = "erasure_confirm"
# The final statuses after which an applicant at risk is erased sooner (RETENTION_DAYS_AT_RISK).
AT_RISK_ERASED_STATUSES = (Status.REJECTED.value, Status.WITHDRAWN.value)
# Where the FTS5 delete marker would otherwise leave an erased applicant's words in older
# index segments: overwrite them on delete (SQLite 3.42+, persistent once set).
FTS_SECURE_DELETE = "INSERT INTO search_fts(search_fts, rank) VALUES('secure-delete', 1)"
FTS_OPTIMIZE = "INSERT INTO search_fts(search_fts) VALUES('optimize')"
# The tables an erasure deletes from: the applications, every table that refers to one or
# to an expert of the pool, the tag list and the audit log.
PERSONAL_TABLES = sorted(
    table.name
    for table in db.metadata.sorted_tables
    if table.name in ("applications", "tags", "jobs")
    or "application_id" in table.c
    or "expert_id" in table.c
)


class ErasureLinkError(Exception):
    """An erasure confirmation link is forged, used already, or replaced."""


class ErasureLinkExpired(ErasureLinkError):
    """An erasure confirmation link is older than 72 hours."""


# --- erasure -------------------------------------------------------------------------


def _prepare_fts() -> bool:
    """On SQLite, switch on FTS5 secure-delete; return False where SQLite is too old."""
    try:
        with db.session.begin_nested():
            db.session.execute(text(FTS_SECURE_DELETE))
    except DBAPIError:  # SQLite before 3.42 knows no such option
        return False
    return True


def _erase_rows(application_ids: list[int], *, by: User | None, reason: str) -> list[str]:
    """Delete the applications and their traces in the session's transaction.

    :returns: the storage keys of their documents, to delete after the commit.
    """
    sqlite = db.session.get_bind().dialect.name == "sqlite"
    secure_fts = _prepare_fts() if sqlite else True
    keys = list(
        db.session.scalars(
            select(Document.storage_key).where(Document.application_id.in_(application_ids))
        )
    )
    keys += db.session.scalars(
        select(ReplyAttachment.storage_key).where(
            ReplyAttachment.application_id.in_(application_ids)
        )
    )
    tag_ids = tags_of(application_ids)
    # The webhook deliveries about them go (their bodies name the reference and the status
    # history); receivers are told of the erasure by reference only, below.
    references = list(
        db.session.scalars(
            select(Application.reference)
            .where(Application.id.in_(application_ids))
            .order_by(Application.id)
        )
    )
    forget_deliveries(references)
    delete_jobs(
        DELIVER_EMAIL,
        "email_id",
        select(OutboxEmail.id).where(OutboxEmail.application_id.in_(application_ids)),
    )
    # The experts made from the applications and the assignments (paid ones reduced to
    # payment records): before the applications, whose deletion would unlink them.
    erase_expert_rows(application_ids=application_ids)
    # The samples' facts, band keys and the passages other applications show of them; the
    # applications flagged because of these are measured again.
    forget_sample_facts(application_ids)
    for application_id in application_ids:
        # Explicitly, not only by cascade: on SQLite the delete trigger takes the words
        # out of the FTS index.
        remove_application(application_id)
    db.session.execute(delete(AuditEvent).where(AuditEvent.application_id.in_(application_ids)))
    # Staff digests name the applicant beside others: they go too.
    remove_from_digests(application_ids)
    # Every table referring to applications does so ON DELETE CASCADE: languages, topics,
    # documents, outbox_emails, status_changes, ratings, recusals, comments,
    # application_tags, search_entries, notifications, reply_addresses, applicant_replies,
    # reply_attachments and translation_previews (machine translations of the documents).
    db.session.execute(
        delete(Application)
        .where(Application.id.in_(application_ids))
        .execution_options(synchronize_session="fetch")
    )
    remove_unused_tags(tag_ids)
    for application_id in application_ids:
        db.session.add(
            AuditEvent(
                action=ERASED_ACTION,
                actor_id=by.id if by is not None else None,
                application_id=application_id,
                details={"reason": reason},
            )
        )
    for reference in references:
        emit(WebhookEvent.APPLICATION_ERASED, reference=reference)
    if sqlite and not secure_fts:
        # Without secure-delete, merging the index segments is what drops the old terms.
        db.session.execute(text(FTS_OPTIMIZE))
    return keys


def _after_commit(keys: list[str]) -> None:
    """Delete stored files and empty SQLite's WAL after the erasure committed.

    A file that cannot be deleted is an orphan for reconcile; a WAL that cannot be emptied
    now (someone is still reading an older snapshot) is emptied by the next erasure or
    ``privacy purge``.
    """
    for key in keys:
        try:
            delete_stored(key)
        except (OSError, ValueError):
            log.exception(
                "erasure: a stored file could not be deleted; run `flask storage reconcile`"
            )
    _empty_wal()


def _empty_wal() -> None:
    if not empty_wal():
        log.warning(
            "erasure: the SQLite WAL is still being read and could not be emptied; "
            "the next erasure or `privacy purge` empties it"
        )


def erase_applicant(application: Application, *, by: User | None, reason: str) -> None:
    """Erase *application* and every trace of it, leave a tombstone, and commit.

    :param by: the admin, or None for the applicant's own request or the retention purge.
    :param reason: "retention", "admin" or "applicant request".
    """
    if reason not in REASONS:
        raise ValueError(f"unknown erasure reason {reason!r}")
    application_id = application.id
    begin_write()
    try:
        keys = _erase_rows([application_id], by=by, reason=reason)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    _after_commit(keys)


# --- retention -----------------------------------------------------------------------


@dataclass
class PurgeReport:
    """What a purge erased (or, dry, would erase): (id, status, decided_at) per application."""

    applications: list[tuple[int, str, datetime]] = field(default_factory=list)
    dry_run: bool = False

    @property
    def count(self) -> int:
        """How many applications."""
        return len(self.applications)


def _expired(now: datetime):
    """Return the condition of applications whose retention period has run out, or None.

    An applicant at risk who was rejected or withdrew is erased after
    RETENTION_DAYS_AT_RISK, or sooner where RETENTION_DAYS says so: OR-ed with the normal
    rule, the shorter period wins (a status RETENTION_DAYS keeps is erased all the same).
    """
    policy = current_app.config["RETENTION_DAYS"]
    conditions = [
        and_(Application.status == status, Application.decided_at < now - timedelta(days=days))
        for status, days in policy.items()
    ]
    at_risk_days = current_app.config["RETENTION_DAYS_AT_RISK"]
    conditions.append(
        and_(
            Application.status.in_(AT_RISK_ERASED_STATUSES),
            Application.decided_at < now - timedelta(days=at_risk_days),
            Application.id.in_(select(ApplicantSafety.application_id)),
        )
    )
    return or_(*conditions)


def purge_expired(
    *, now: datetime | None = None, dry_run: bool = False, batch: int = 100
) -> PurgeReport:
    """Erase every application whose retention period (RETENTION_DAYS, and
    RETENTION_DAYS_AT_RISK for applicants at risk) has run out.

    Batches of *batch* applications are erased and committed one after the other, so an
    interruption leaves whole erasures only and a second run continues. Idempotent.

    A real run (not *dry_run*) ends by cleaning up after every erasure since the last run,
    single ones included: it empties SQLite's WAL, or VACUUMs PostgreSQL's tables that hold
    personal data. Autovacuum would wait for a fifth of a table to be dead rows, which a
    few erasures a day never reach; this daily run turns the dead rows into free space
    (the bytes themselves are overwritten only when new rows reuse it).
    """
    now = now or utcnow()
    report = PurgeReport(dry_run=dry_run)
    condition = _expired(now)
    columns = (Application.id, Application.status, Application.decided_at)
    if dry_run:
        due = select(*columns).where(condition).order_by(Application.id)
        report.applications = [tuple(row) for row in db.session.execute(due)]
        db.session.commit()
        return report
    while True:
        begin_write()
        rows = db.session.execute(
            select(*columns).where(condition).order_by(Application.id).limit(batch)
        ).all()
        if not rows:
            db.session.commit()
            break
        _erase_batch([row.id for row in rows])
        report.applications.extend(tuple(row) for row in rows)
    _empty_wal()
    vacuum(PERSONAL_TABLES)
    return report


@job_kind(
    "privacy_purge",
    label=_l("Erase applications past their retention period"),
    every=timedelta(days=1),
)
def purge_job(job: ClaimedJob, _resource: None) -> bool:
    """Apply the retention policy: the worker's daily purge, which also forgets done jobs."""
    report = purge_expired()
    log.info("retention purge: %d applications erased", report.count)
    keep = timedelta(days=current_app.config["JOB_KEEP_DONE_DAYS"])
    begin_write()
    forgotten = forget_done_jobs(before=job.claimed_at - keep)
    db.session.commit()
    log.info("retention purge: %d finished jobs forgotten", forgotten)
    return True


def _erase_batch(application_ids: list[int]) -> None:
    """Erase one batch of the purge in the open write transaction and commit it."""
    try:
        keys = _erase_rows(application_ids, by=None, reason="retention")
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    _after_commit(keys)


# --- the applicant's own request -----------------------------------------------------


def make_erasure_token(application: Application) -> str:
    """Return the signed token of the erasure confirmation link of *application*."""
    return sign_for_applicant(tokens.Purpose.ERASURE, application)


def check_erasure_token(token: str, *, now: datetime | None = None) -> Application:
    """Return the application an erasure token belongs to.

    :raises ErasureLinkExpired: the link is older than 72 hours.
    :raises ErasureLinkError: forged, used already (the application is gone), or replaced.
    """
    try:
        return application_of(tokens.Purpose.ERASURE, token, now=now)
    except tokens.TokenExpired as error:
        raise ErasureLinkExpired from error
    except tokens.TokenInvalid as error:
        raise ErasureLinkError from error


def request_erasure(application: Application) -> OutboxEmail:
    """Queue the email with the erasure confirmation link to the applicant, and commit.

    Only someone who reads the applicant's mailbox can confirm: a status link alone (which
    may have been forwarded) is not enough to erase.
    """
    begin_write()
    rendered = render_file(
        ERASURE_TEMPLATE,
        application.preferred_language,
        discretion=discretion_for(application),
        reference=application.reference,
        erasure_link=external_url("portal.erase", token=make_erasure_token(application)),
        hours=current_app.config["ERASURE_LINK_MAX_AGE_HOURS"],
        site_name=current_app.config["SITE_NAME"],
    )
    email = queue_rendered(rendered, to_address=application.email, application=application)
    record_event("application.erasure_requested", actor=None, application=application)
    db.session.commit()
    return email
