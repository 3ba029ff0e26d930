"""Subject access: everything stored about one applicant, as data and as a ZIP archive.

What the privacy notice promises an applicant who asks what we hold about them: every
field, languages and topics, the status history, the emails sent, the applicant's replies
(with the files they attached), editors' comments and ratings, the expert of the pool the
applicant became with their assignments, and the documents themselves. An admin downloads
the archive; the export is audited.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import tempfile
import zipfile
from datetime import date, datetime
from typing import IO

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from tracker.applications.risk import safety_record
from tracker.audit import record_event
from tracker.documents.serve import zip_member_name
from tracker.documents.storage import open_stored
from tracker.enums import EmailStatus
from tracker.experts.records import expert_of
from tracker.extensions import db
from tracker.labels import language_with_level
from tracker.models import (
    ApplicantReply,
    Application,
    Assignment,
    Comment,
    Document,
    OutboxEmail,
    Rating,
    ReplyAttachment,
    StatusChange,
    TranslationPreview,
    User,
)
from tracker.sample_facts.shown import sample_facts_record

log = logging.getLogger(__name__)


def _iso(value: date | datetime | None) -> str | None:
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
    replies = _replies(application_id)
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
        "country_other": application.country_other,
        "city": application.city,
        "regions": application.regions,
        "cover_letter": application.cover_letter,
        "writing_sample_url": application.writing_sample_url,
        "links": list(application.links or []),
        "preferred_language": application.preferred_language,
        "heard_about": application.heard_about,
        "heard_about_other": application.heard_about_other,
        # What they answered to "could publishing … put you at risk?" (None: not yes).
        "safety": safety_record(application),
        "consent_at": _iso(application.consent_at),
        "privacy_version": application.privacy_version,
        "status": application.status,
        "received_at": _iso(application.created_at),
        "decided_at": _iso(application.decided_at),
        # The codes as stored, the name typed for an unlisted language, and both in words.
        "languages": [
            {
                "language": item.language,
                "level": item.level,
                "name": item.name,
                "in_words": language_with_level(item.language, item.level, item.name),
            }
            for item in application.languages
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
        # Included: a machine translation is personal data made from the applicant's own
        # text, and it names the service the text went to (a recipient, Art. 15(1)(c) GDPR).
        "machine_translations": [
            {
                "document": preview.document.kind,
                "language": preview.target_language,
                "service_host": preview.service_host,
                "detected_language": preview.detected_language,
                "only_the_beginning": preview.truncated,
                "text": preview.text,
                "at": _iso(preview.created_at),
            }
            for preview in db.session.scalars(
                select(TranslationPreview)
                .where(TranslationPreview.application_id == application_id)
                .order_by(TranslationPreview.id)
            )
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
        "replies": [
            {
                "from": reply.from_address,
                "subject": reply.subject,
                "sent_at": _iso(reply.sent_at),
                "body": reply.body,
                "automatic": reply.automatic,
                "attachments": [
                    {"filename": file.filename, "size": file.size, "sha256": file.sha256}
                    for file in reply.attachments
                ],
                "refused_attachments": list(reply.refused or []),
            }
            for reply in replies
        ],
        "comments": [
            {
                "author": comment.author.name if comment.author else None,
                "body": comment.body,
                "at": _iso(comment.created_at),
            }
            for comment in comments
        ],
        # Derived by the worker from the writing sample (tracker.sample_facts).
        "writing_sample_facts": sample_facts_record(application_id),
        "expert": expert_record(application),
        "assignments": assignment_records(application),
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


def expert_record(application: Application) -> dict | None:
    """Return the expert of the pool the applicant became (matched as enrolment matches)."""
    expert = expert_of(application)
    if expert is None:
        return None
    return {
        "full_name": expert.full_name,
        "email": expert.email,
        "phone": expert.phone,
        "country": expert.country,
        "city": expert.city,
        "timezone": expert.timezone,
        "preferred_language": expert.preferred_language,
        "regions": expert.regions,
        "languages": [{"language": row.language, "level": row.level} for row in expert.languages],
        "topics": sorted(row.topic for row in expert.topics),
        "availability": expert.availability,
        "busy_until": _iso(expert.busy_until),
        "rate_minor": expert.rate_minor,
        "rate_currency": expert.rate_currency,
        "notes": expert.notes,
        "source": expert.source,
        "consent_at": _iso(expert.consent_at),
        "privacy_version": expert.privacy_version,
        "created_at": _iso(expert.created_at),
    }


def assignment_records(application: Application) -> list[dict]:
    """Return the assignments given to the applicant, as candidate or as expert."""
    expert = expert_of(application)
    owners = [Assignment.application_id == application.id]
    if expert is not None:
        owners.append(Assignment.expert_id == expert.id)
    assignments = db.session.scalars(
        select(Assignment).where(or_(*owners)).order_by(Assignment.created_at, Assignment.id)
    )
    return [
        {
            "reference": item.reference,
            "title": item.title,
            "brief": item.brief,
            "fee_minor": item.fee_minor,
            "currency": item.currency,
            "deadline_at": _iso(item.deadline_at),
            "timezone": item.timezone,
            "state": item.state,
            "published_url": item.published_url,
            "published_on": _iso(item.published_on),
            "paid_on": _iso(item.paid_on),
        }
        for item in assignments
    ]


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


def _replies(application_id: int) -> list[ApplicantReply]:
    return list(
        db.session.scalars(
            select(ApplicantReply)
            .where(ApplicantReply.application_id == application_id)
            .order_by(ApplicantReply.sent_at, ApplicantReply.id)
        )
    )


def _slug(text_: str) -> str:
    return re.sub(r"[^\w-]+", "-", text_).strip("-")[:60] or "email"


def subject_access_archive(application: Application, *, by: User | None) -> IO[bytes]:
    """Return a ZIP (a temporary file, at its start) of everything stored about *application*.

    ``data.json`` holds every field, languages, topics, history, emails sent, replies,
    comments and ratings; ``documents/<kind>-<filename>`` the files;
    ``emails/NN-<subject>.txt`` each email sent; ``replies/NN-<filename>`` the files
    attached to replies. The request is audited and committed.
    """
    data = subject_access_data(application)
    files = [
        (f"documents/{kind}-{zip_member_name(filename)}", key)
        for kind, filename, key in db.session.execute(
            select(Document.kind, Document.filename, Document.storage_key)
            .where(Document.application_id == application.id)
            .order_by(Document.id)
        )
    ]
    files += [
        (f"replies/{number:02d}-{zip_member_name(filename)}", key)
        for number, (filename, key) in enumerate(
            db.session.execute(
                select(ReplyAttachment.filename, ReplyAttachment.storage_key)
                .where(ReplyAttachment.application_id == application.id)
                .order_by(ReplyAttachment.id)
            ),
            start=1,
        )
    ]
    # Spooled: small archives stay in memory, large ones go to disk, never all in RAM.
    archive_file = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    with zipfile.ZipFile(archive_file, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2))
        for name, key in files:
            try:
                source = open_stored(key)
            except (OSError, ValueError):
                log.warning("subject access: a stored file is missing")
                continue
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
