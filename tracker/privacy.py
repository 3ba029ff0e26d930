"""Retention, erasure and subject access: what the privacy notice promises applicants.

Erasing an applicant (:func:`erase_applicant`) removes, in one transaction, the application
and everything hanging off it – languages, topics, documents, emails (queued, draft or
sent), ratings, comments, recusals, status history, tags, the search entry – and every
audit event about it, then writes one tombstone event that says an erasure happened and
why, with no personal data. The stored files are deleted only after the commit: a
rollback must never leave rows pointing at deleted files, while a file left behind by a
crash is an orphan that ``flask storage reconcile`` finds.

An email a worker claimed (status "sending") just before the erasure is gone with its
row: the worker finds no row after claiming and sends nothing (outbox.deliver_pending).

The retention policy (``RETENTION_DAYS``, per final status) is applied by
:func:`purge_expired` in batches, each committed: an interrupted purge leaves only whole
erasures, and running it again continues where it stopped.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import IO

from flask import current_app, render_template
from sqlalchemy import and_, delete, or_, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import selectinload

from tracker import tokens
from tracker.audit import record_event
from tracker.database import begin_write
from tracker.documents.storage import delete_stored, open_stored
from tracker.enums import EmailStatus
from tracker.extensions import db
from tracker.mail.outbox import queue_email
from tracker.mail.templates import single_line
from tracker.models import (
    Application,
    AuditEvent,
    Comment,
    Document,
    OutboxEmail,
    Rating,
    StatusChange,
    User,
    utcnow,
)
from tracker.search import remove_application
from tracker.urls import external_url

log = logging.getLogger(__name__)

ERASED_ACTION = "application.erased"
REASONS = ("retention", "admin", "applicant request")
ERASURE_TEMPLATE = "erasure_confirm"
# Where the FTS5 delete marker would otherwise leave an erased applicant's words in older
# index segments: overwrite them on delete (SQLite 3.42+, persistent once set).
FTS_SECURE_DELETE = "INSERT INTO search_fts(search_fts, rank) VALUES('secure-delete', 1)"
FTS_OPTIMIZE = "INSERT INTO search_fts(search_fts) VALUES('optimize')"


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
    for application_id in application_ids:
        # Explicitly, not only by cascade: on SQLite the delete trigger takes the words
        # out of the FTS index.
        remove_application(application_id)
    db.session.execute(delete(AuditEvent).where(AuditEvent.application_id.in_(application_ids)))
    # Every table referring to applications does so ON DELETE CASCADE: languages, topics,
    # documents, outbox_emails, status_changes, ratings, recusals, comments,
    # application_tags, search_entries.
    db.session.execute(
        delete(Application)
        .where(Application.id.in_(application_ids))
        .execution_options(synchronize_session="fetch")
    )
    for application_id in application_ids:
        db.session.add(
            AuditEvent(
                action=ERASED_ACTION,
                actor_id=by.id if by is not None else None,
                application_id=application_id,
                details={"reason": reason},
            )
        )
    if sqlite and not secure_fts:
        # Without secure-delete, merging the index segments is what drops the old terms.
        db.session.execute(text(FTS_OPTIMIZE))
    return keys


def _delete_files(keys: list[str]) -> None:
    """Delete stored files after the commit; a failure leaves an orphan for reconcile."""
    for key in keys:
        try:
            delete_stored(key)
        except (OSError, ValueError):
            log.exception(
                "erasure: a stored file could not be deleted; run `flask storage reconcile`"
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
    _delete_files(keys)


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
    policy = current_app.config["RETENTION_DAYS"]
    conditions = [
        and_(Application.status == status, Application.decided_at < now - timedelta(days=days))
        for status, days in policy.items()
    ]
    return or_(*conditions) if conditions else None


def purge_expired(
    *, now: datetime | None = None, dry_run: bool = False, batch: int = 100
) -> PurgeReport:
    """Erase every application whose retention period (RETENTION_DAYS) has run out.

    Batches of *batch* applications are erased and committed one after the other, so an
    interruption leaves whole erasures only and a second run continues. Idempotent.
    """
    now = now or utcnow()
    report = PurgeReport(dry_run=dry_run)
    condition = _expired(now)
    if condition is None:
        return report
    columns = (Application.id, Application.status, Application.decided_at)
    if dry_run:
        report.applications = [
            tuple(row)
            for row in db.session.execute(
                select(*columns).where(condition).order_by(Application.id)
            )
        ]
        db.session.commit()
        return report
    while True:
        begin_write()
        rows = db.session.execute(
            select(*columns).where(condition).order_by(Application.id).limit(batch)
        ).all()
        if not rows:
            db.session.commit()
            return report
        _erase_batch([row.id for row in rows])
        report.applications.extend(tuple(row) for row in rows)


def _erase_batch(application_ids: list[int]) -> None:
    """Erase one batch of the purge in the open write transaction and commit it."""
    try:
        keys = _erase_rows(application_ids, by=None, reason="retention")
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    _delete_files(keys)


# --- the applicant's own request -----------------------------------------------------


def make_erasure_token(application: Application) -> str:
    """Return the signed token of the erasure confirmation link of *application*."""
    return tokens.sign(tokens.Purpose.ERASURE, {"a": application.id, "k": application.access_key})


def check_erasure_token(token: str, *, now: datetime | None = None) -> Application:
    """Return the application an erasure token belongs to.

    :raises ErasureLinkExpired: the link is older than 72 hours.
    :raises ErasureLinkError: forged, used already (the application is gone), or replaced.
    """
    try:
        data = tokens.load(tokens.Purpose.ERASURE, token, now=now)
    except tokens.TokenExpired as error:
        raise ErasureLinkExpired from error
    except tokens.TokenInvalid as error:
        raise ErasureLinkError from error
    application_id = data.get("a") if isinstance(data, dict) else None
    key = data.get("k") if isinstance(data, dict) else None
    if not isinstance(application_id, int) or not isinstance(key, str):
        raise ErasureLinkError
    application = db.session.get(Application, application_id)
    if application is None or not tokens.same(key, application.access_key):
        raise ErasureLinkError
    return application


def request_erasure(application: Application) -> OutboxEmail:
    """Queue the email with the erasure confirmation link to the applicant, and commit.

    Only someone who reads the applicant's mailbox can confirm: a status link alone (which
    may have been forwarded) is not enough to erase.
    """
    begin_write()
    link = external_url("portal.erase", token=make_erasure_token(application))
    language = application.preferred_language
    subject = render_template(
        f"mail/{ERASURE_TEMPLATE}.{language}.subject.txt", reference=application.reference
    )
    body = render_template(
        f"mail/{ERASURE_TEMPLATE}.{language}.txt",
        reference=application.reference,
        erasure_link=link,
        hours=current_app.config["ERASURE_LINK_MAX_AGE_HOURS"],
        site_name=current_app.config["SITE_NAME"],
    )
    email = queue_email(
        to_address=application.email,
        subject=single_line(subject).strip(),
        body_text=body,
        template=ERASURE_TEMPLATE,
        language=language,
        application=application,
    )
    record_event("application.erasure_requested", actor=None, application=application)
    db.session.commit()
    return email


# --- subject access ------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def subject_access_data(application: Application) -> dict:
    """Return everything stored about the applicant, as JSON-ready data."""
    application_id = application.id
    documents = db.session.scalars(
        select(Document).where(Document.application_id == application_id).order_by(Document.id)
    ).all()
    history = db.session.scalars(
        select(StatusChange)
        .where(StatusChange.application_id == application_id)
        .order_by(StatusChange.created_at, StatusChange.id)
    ).all()
    emails = _sent_emails(application_id)
    comments = db.session.scalars(
        select(Comment)
        .where(Comment.application_id == application_id)
        .options(selectinload(Comment.author))
        .order_by(Comment.created_at, Comment.id)
    ).all()
    ratings = db.session.scalars(
        select(Rating)
        .where(Rating.application_id == application_id)
        .options(selectinload(Rating.user))
        .order_by(Rating.id)
    ).all()
    return {
        "reference": application.reference,
        "full_name": application.full_name,
        "email": application.email,
        "phone": application.phone,
        "country": application.country,
        "region": application.region,
        "region_other": application.region_other,
        "city": application.city,
        "cover_letter": application.cover_letter,
        "writing_sample_url": application.writing_sample_url,
        "links": list(application.links or []),
        "preferred_language": application.preferred_language,
        "heard_about": application.heard_about,
        "heard_about_other": application.heard_about_other,
        "consent_at": _iso(application.consent_at),
        "privacy_version": application.privacy_version,
        "status": application.status,
        "received_at": _iso(application.created_at),
        "decided_at": _iso(application.decided_at),
        "languages": [
            {"language": item.language, "level": item.level} for item in application.languages
        ],
        "topics": sorted(item.topic for item in application.topics),
        "tags": [tag.name for tag in application.tags],
        "documents": [
            {
                "kind": document.kind,
                "filename": document.filename,
                "file_type": document.file_type,
                "size": document.size,
                "sha256": document.sha256,
                "received_at": _iso(document.created_at),
            }
            for document in documents
        ],
        "status_history": [
            {
                "from": change.from_status,
                "to": change.to_status,
                "reason": change.reason,
                "note": change.note,
                "at": _iso(change.created_at),
            }
            for change in history
        ],
        "emails": [
            {"subject": email.subject, "body": email.body_text, "sent_at": _iso(email.sent_at)}
            for email in emails
        ],
        "comments": [
            {
                "author": comment.author.name if comment.author else None,
                "body": comment.body,
                "at": _iso(comment.created_at),
            }
            for comment in comments
        ],
        "ratings": [
            {
                "editor": rating.user.name,
                "regional_expertise": rating.regional_expertise,
                "german_writing": rating.german_writing,
                "sourcing": rating.sourcing,
                "story_ideas": rating.story_ideas,
                "reliability": rating.reliability,
                "comments": dict(rating.comments or {}),
                "recommendation": rating.recommendation,
                "summary": rating.summary,
                "at": _iso(rating.updated_at),
            }
            for rating in ratings
        ],
    }


def _sent_emails(application_id: int) -> list[OutboxEmail]:
    return list(
        db.session.scalars(
            select(OutboxEmail)
            .where(
                OutboxEmail.application_id == application_id,
                OutboxEmail.status == EmailStatus.SENT.value,
            )
            .order_by(OutboxEmail.sent_at, OutboxEmail.id)
        )
    )


def _slug(text_: str) -> str:
    return re.sub(r"[^\w-]+", "-", text_).strip("-")[:60] or "email"


def subject_access_archive(application: Application, *, by: User | None) -> IO[bytes]:
    """Return a ZIP (a temporary file, at its start) of everything stored about *application*.

    ``data.json`` holds every field, languages, topics, history, emails sent, comments and
    ratings; ``documents/<kind>-<filename>`` the files; ``emails/NN-<subject>.txt`` each
    email sent. The request is audited and committed.
    """
    from tracker.exports import _safe_filename

    data = subject_access_data(application)
    documents = db.session.execute(
        select(Document.kind, Document.filename, Document.storage_key)
        .where(Document.application_id == application.id)
        .order_by(Document.id)
    ).all()
    # Spooled: small archives stay in memory, large ones go to disk, never all in RAM.
    archive_file = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    with zipfile.ZipFile(archive_file, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2))
        for kind, filename, key in documents:
            try:
                source = open_stored(key)
            except (OSError, ValueError):
                log.warning("subject access: a stored file is missing")
                continue
            name = f"documents/{kind}-{_safe_filename(filename)}"
            with source, archive.open(name, "w") as target:
                shutil.copyfileobj(source, target, 1024 * 1024)
        for number, email in enumerate(data["emails"], start=1):
            archive.writestr(
                f"emails/{number:02d}-{_slug(email['subject'])}.txt",
                f"{email['subject']}\n{email['sent_at']}\n\n{email['body']}",
            )
    record_event("application.subject_access_exported", actor=by, application=application)
    db.session.commit()
    archive_file.seek(0)
    return archive_file
