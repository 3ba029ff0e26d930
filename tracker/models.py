"""SQLAlchemy models: typed, declarative, no commits and no request access."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime

from flask_login import UserMixin
from sqlalchemy import (
    DDL,
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from tracker.enums import (
    ApiScope,
    AssignmentState,
    Availability,
    Currency,
    Delivery,
    DocumentKind,
    EmailStatus,
    EmailTemplateKey,
    ExpertSource,
    FileType,
    JobStatus,
    NotificationEvent,
    Recommendation,
    RejectionReason,
    Role,
    SafeChannel,
    Status,
    WebhookDeliveryStatus,
    WebhookEvent,
)
from tracker.extensions import db


def utcnow() -> datetime:
    """Return the current time as naive UTC, the one form every timestamp column holds."""
    return datetime.now(UTC).replace(tzinfo=None)


def _in(column: str, enum) -> str:
    values = ", ".join(f"'{member.value}'" for member in enum)
    return f"{column} IN ({values})"


def _language_code(column: str) -> str:
    return f"length({column}) BETWEEN 2 AND 3 AND {column} = lower({column})"


class Call(db.Model):
    """A public call for applications, with the regions and topics it offers."""

    __tablename__ = "calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    # Texts per UI language: {"de": "...", "en": "...", "ru": "..."}.
    title: Mapped[dict] = mapped_column(JSON)
    description: Mapped[dict] = mapped_column(JSON)
    # [{"key": "abkhazia", "country": "georgia", "label": {"de": ..., "en": ..., "ru": ...}}]
    regions: Mapped[list] = mapped_column(JSON)
    # [{"key": "politics", "label": {...}}]
    topics: Mapped[list] = mapped_column(JSON)
    # Experts wanted per region: {"abkhazia": 2, …}; regions without a target are absent.
    targets: Mapped[dict] = mapped_column(JSON, default=dict)
    # The privacy notice of this call per UI language, and its version stored with each
    # consent; empty means the site-wide notice (PRIVACY_NOTICE_FILE / built-in text).
    privacy_notice: Mapped[dict] = mapped_column(JSON, default=dict)
    privacy_version: Mapped[str | None] = mapped_column(String(40))
    is_open: Mapped[bool] = mapped_column(default=True)
    opens_at: Mapped[datetime | None]
    closes_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    applications: Mapped[list[Application]] = relationship(back_populates="call")

    def __repr__(self) -> str:
        return f"<Call {self.slug}>"

    def accepts_applications(self, now: datetime | None = None) -> bool:
        """Tell whether the form may be submitted at *now* (UTC)."""
        now = now or utcnow()
        if not self.is_open:
            return False
        if self.opens_at and now < self.opens_at:
            return False
        return not (self.closes_at and now >= self.closes_at)


class Application(db.Model):
    """One person's answer to a call: who they are, what they cover, what they sent."""

    __tablename__ = "applications"
    __table_args__ = (
        CheckConstraint(_in("status", Status), name="status_valid"),
        # The shape of a language code only: the languages are data (tracker/ui_languages.py).
        CheckConstraint(_language_code("preferred_language"), name="language_valid"),
        Index("ix_applications_call_status_created", "call_id", "status", "created_at"),
        Index("ix_applications_status_decided", "status", "decided_at"),
        # The inbox's default order, newest first, with the id that breaks ties: a page's
        # ids are read from this index alone (inbox.query.page_query).
        Index("ix_applications_created_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"))
    # What the applicant quotes; short, readable aloud, and not an enumerable counter.
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    # The one-time token of the form that produced this row: a double submit hits it.
    form_token: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    # The name transliterated to Latin, lower-cased, tokens sorted (people.name_key): finds
    # the same person across Latin, Cyrillic, Georgian and Armenian spellings.
    name_key: Mapped[str] = mapped_column(String(200), index=True, default="")
    email: Mapped[str] = mapped_column(String(254), index=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    # The country the applicant lives in: a country key of the call's regions, or
    # "elsewhere" with its name in country_other (the diaspora is a place, not a region).
    country: Mapped[str] = mapped_column(String(40))
    country_other: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(120))
    cover_letter: Mapped[str | None] = mapped_column(Text)
    writing_sample_url: Mapped[str | None] = mapped_column(String(500))
    links: Mapped[list] = mapped_column(JSON, default=list)
    preferred_language: Mapped[str] = mapped_column(String(5))
    heard_about: Mapped[str | None] = mapped_column(String(40))
    heard_about_other: Mapped[str | None] = mapped_column(String(200))
    consent_at: Mapped[datetime]
    privacy_version: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default=Status.NEW.value)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the application reached its final status (accepted, rejected, withdrawn);
    # retention periods count from here. None while undecided.
    decided_at: Mapped[datetime | None]
    # The secret inside the applicant's status link; replaced when a link is reissued,
    # so older links stop working.
    access_key: Mapped[str] = mapped_column(String(64), default=lambda: secrets.token_urlsafe(24))
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # Kept in step by ratings.add_rating, so the inbox can sort 100,000 rows by rating.
    rating_count: Mapped[int] = mapped_column(default=0)
    rating_mean: Mapped[float | None]
    version_id: Mapped[int] = mapped_column(default=1)
    call: Mapped[Call] = relationship(back_populates="applications")
    languages: Mapped[list[ApplicationLanguage]] = relationship(
        cascade="all, delete-orphan", order_by="ApplicationLanguage.position"
    )
    topics: Mapped[list[ApplicationTopic]] = relationship(
        cascade="all, delete-orphan", order_by="ApplicationTopic.topic"
    )
    # The regions the applicant can cover, in the order of the call's list.
    covered_regions: Mapped[list[ApplicationRegion]] = relationship(
        cascade="all, delete-orphan", order_by="ApplicationRegion.position"
    )
    # Lists of rows come in a fixed order (here the form's: CV, cover letter, writing
    # sample); without one PostgreSQL returns rows as they lie on disk, which changes as
    # rows come and go.
    documents: Mapped[list[Document]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="Document.id"
    )
    emails: Mapped[list[OutboxEmail]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="OutboxEmail.id"
    )
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    tags: Mapped[list[Tag]] = relationship(secondary="application_tags", order_by="Tag.name")
    reply_address: Mapped[ReplyAddress | None] = relationship(cascade="all, delete-orphan")
    # Present if the applicant said they could be at risk (tracker.applications.risk).
    safety: Mapped[ApplicantSafety | None] = relationship(cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version_id}

    def __repr__(self) -> str:
        return f"<Application {self.reference}>"

    @property
    def at_risk(self) -> bool:
        """Whether the applicant said that publishing under their own name, or being known
        to work with us, could put them at risk: then only admins and the editors named for
        them see the application, it is erased sooner, and no email subject names them."""
        return self.safety is not None

    @property
    def regions(self) -> list[str]:
        """Return the keys of the regions the applicant covers, in order."""
        return [row.region for row in self.covered_regions]


class ApplicantSafety(db.Model):
    """An applicant who said they could be at risk (Application.at_risk), and what they
    asked for: a pseudonymous byline, no mail to a work address, a safe channel. The handle
    is a personal field like the phone number.

    A table of its own, read by every listing's need-to-know condition (inbox.scope): a
    few rows, whatever the number of applications."""

    __tablename__ = "applicant_safety"
    __table_args__ = (CheckConstraint(_in("safe_channel", SafeChannel), name="channel_valid"),)

    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), primary_key=True
    )
    # The application's call (an application never moves to another): the need-to-know
    # condition reads this table alone.
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"))
    wants_pseudonym: Mapped[bool] = mapped_column(default=False)
    avoid_work_address: Mapped[bool] = mapped_column(default=False)
    safe_channel: Mapped[str | None] = mapped_column(String(10))
    safe_channel_handle: Mapped[str | None] = mapped_column(String(200))

    def __repr__(self) -> str:
        return f"<ApplicantSafety {self.application_id}>"


class ApplicationLanguage(db.Model):
    """A language the applicant works in, with their level (German is always asked)."""

    __tablename__ = "application_languages"
    __table_args__ = (
        UniqueConstraint("application_id", "language", name="uq_application_languages_pair"),
        Index("ix_application_languages_language", "language", "application_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(10))
    level: Mapped[str] = mapped_column(String(10))
    position: Mapped[int] = mapped_column(default=0)
    # What the applicant typed for a language the list lacks (language "other"), else None.
    name: Mapped[str | None] = mapped_column(String(60))

    def __repr__(self) -> str:
        return f"<ApplicationLanguage {self.language} {self.level}>"


class ApplicationRegion(db.Model):
    """A region the applicant can cover, out of those the call offers."""

    __tablename__ = "application_regions"
    # The inbox filtered by a region: everyone who covers it, found through this index.
    __table_args__ = (Index("ix_application_regions_region", "region", "application_id"),)

    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), primary_key=True
    )
    region: Mapped[str] = mapped_column(String(60), primary_key=True)
    position: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<ApplicationRegion {self.region}>"


class ApplicationTopic(db.Model):
    """A topic of expertise the applicant ticked, out of those the call offers."""

    __tablename__ = "application_topics"
    __table_args__ = (Index("ix_application_topics_topic", "topic", "application_id"),)

    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), primary_key=True
    )
    topic: Mapped[str] = mapped_column(String(60), primary_key=True)

    def __repr__(self) -> str:
        return f"<ApplicationTopic {self.topic}>"


class StoredFile:
    """The columns of a file that passed the upload checks, its bytes in storage under a
    random key: an applicant's document, or a file attached to their reply."""

    # The client's name, sanitised; metadata for display only, never a path.
    filename: Mapped[str] = mapped_column(String(255))
    file_type: Mapped[str] = mapped_column(String(10))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    # Warnings for editors, e.g. "pdf_active_content"; the file was accepted regardless.
    flags: Mapped[list] = mapped_column(JSON, default=list)
    # The sha256 of the file as uploaded (`sha256` is the stored, cleaned copy's) and the
    # kinds of metadata removed from it (tracker.documents.clean): both None for files
    # stored before documents were cleaned.
    original_sha256: Mapped[str | None] = mapped_column(String(64))
    metadata_removed: Mapped[list | None] = mapped_column(JSON)


class Document(StoredFile, db.Model):
    """An uploaded file: metadata here, bytes in storage under a random key."""

    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("application_id", "kind", name="uq_documents_application_kind"),
        CheckConstraint(_in("kind", DocumentKind), name="kind_valid"),
        CheckConstraint(_in("file_type", FileType), name="file_type_valid"),
        CheckConstraint("size > 0", name="size_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    # Plain text extracted for the preview and for search; None when nothing could be read.
    text: Mapped[str | None] = mapped_column(Text)
    # A PDF's pages, counted by the extract_text job (tracker.documents.extract_job) so
    # that the candidate page never opens the file: None until counted (and for every
    # other type), 0 when the PDF could not be counted and is shown as text only.
    page_count: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    application: Mapped[Application] = relationship(back_populates="documents")
    # What the sample_facts job found (tracker.sample_facts), read with the document by
    # the candidate page; the database deletes them with it.
    sample_facts: Mapped[SampleFacts | None] = relationship(viewonly=True)
    sample_matches: Mapped[list[SampleMatch]] = relationship(
        viewonly=True,
        foreign_keys="SampleMatch.document_id",
        order_by="(SampleMatch.share.desc(), SampleMatch.other_document_id)",
    )
    # Its machine translations (tracker.translation); read only: the database deletes them
    # with the document.
    translation_previews: Mapped[list[TranslationPreview]] = relationship(
        viewonly=True, order_by="TranslationPreview.id"
    )

    def __repr__(self) -> str:
        return f"<Document {self.kind} {self.file_type} {self.size}>"


class SampleFacts(db.Model):
    """What the sample_facts job learnt of a writing sample (tracker.sample_facts): its
    length and language. No row: not computed yet."""

    __tablename__ = "sample_facts"
    # The inbox filtered by a sample's language: everyone whose sample is in it.
    __table_args__ = (Index("ix_sample_facts_language", "language", "application_id"),)

    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True
    )
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    word_count: Mapped[int]
    # False: extraction gave no text (a scanned PDF); nothing else is known then.
    has_text: Mapped[bool]
    # An ISO 639-1 code, None when the detector recognised no language it knows.
    language: Mapped[str | None] = mapped_column(String(10))
    language_confidence: Mapped[float | None]
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<SampleFacts {self.document_id} {self.language} {self.word_count}>"


class SampleBand(db.Model):
    """One LSH band key of a writing sample's MinHash: samples sharing a key are candidate
    near-duplicates, found with one indexed lookup (tracker.sample_facts)."""

    __tablename__ = "sample_bands"

    band_key: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )

    def __repr__(self) -> str:
        return f"<SampleBand {self.document_id} {self.band_key}>"


class SampleMatch(db.Model):
    """A possible copy: how much of one writing sample is also in another's, and where.

    One row per direction (each sample's own share), kept only above
    tracker.sample_facts.COPY_THRESHOLD; either side's erasure deletes both rows.
    """

    __tablename__ = "sample_matches"
    __table_args__ = (
        Index("ix_sample_matches_application", "application_id", "other_application_id"),
    )

    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True
    )
    other_document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    other_application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    # The share of this sample's word shingles also in the other's, 0 to 1.
    share: Mapped[float]
    # [[this sample's passage, the other's], …] in this sample's order.
    passages: Mapped[list] = mapped_column(JSON, default=list)

    other_application: Mapped[Application] = relationship(
        foreign_keys=[other_application_id], viewonly=True
    )

    def __repr__(self) -> str:
        return f"<SampleMatch {self.document_id}→{self.other_document_id} {self.share:.2f}>"


class OutboxEmail(db.Model):
    """An email written in the same transaction as the change that caused it."""

    __tablename__ = "outbox_emails"
    __table_args__ = (
        CheckConstraint(_in("status", EmailStatus), name="status_valid"),
        Index("ix_outbox_emails_status_next_attempt", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # An email to an expert of the pool (a brief, a reminder, an invitation): erased with them.
    expert_id: Mapped[int | None] = mapped_column(
        ForeignKey("experts.id", ondelete="CASCADE"), index=True
    )
    # The editor who wrote or released it; None for automatic emails.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    template: Mapped[str] = mapped_column(String(50))
    language: Mapped[str] = mapped_column(String(5))
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    # Fixed when the row is written, so a retry is recognisably the same message.
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(10), default=EmailStatus.QUEUED.value)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    application: Mapped[Application | None] = relationship(back_populates="emails")

    def __repr__(self) -> str:
        return f"<OutboxEmail {self.id} {self.template} {self.status}>"


class ReplyAddress(db.Model):
    """The opaque part of the address an applicant replies to (experts+r-<token>@…).

    Random, so it says nothing about the person and cannot be derived from a reference
    or an id; lower-case hex, as mail servers may change the case of a local part. Made
    with the application's first email (tracker.replies.addresses).
    """

    __tablename__ = "reply_addresses"

    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), primary_key=True
    )
    token: Mapped[str] = mapped_column(
        String(32), unique=True, default=lambda: secrets.token_hex(16)
    )

    def __repr__(self) -> str:
        return f"<ReplyAddress {self.application_id}>"


class ApplicantReply(db.Model):
    """An email the applicant sent us, fetched from the desk's mailbox (tracker.replies).

    Only text is kept: a reply sent as HTML alone is turned into text when it is filed,
    and nothing of its HTML is ever shown.
    """

    __tablename__ = "applicant_replies"
    __table_args__ = (Index("ix_applicant_replies_application_read", "application_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    # The reply's own Message-ID (or one made from its bytes): fetching it again never
    # files it twice.
    message_id: Mapped[str] = mapped_column(String(300), unique=True)
    from_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    # Its Date header (when missing or impossible: when it was fetched), naive UTC.
    sent_at: Mapped[datetime]
    body: Mapped[str] = mapped_column(Text)
    # An out-of-office answer or another automatic reply: filed, but no answer and no news.
    automatic: Mapped[bool] = mapped_column(default=False)
    # Attachments that were refused: [{"filename": "…", "reason": "…"}].
    refused: Mapped[list] = mapped_column(JSON, default=list)
    # When the assignee (anyone, while nobody is assigned) opened the candidate after it
    # came; None: unread.
    read_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    attachments: Mapped[list[ReplyAttachment]] = relationship(
        back_populates="reply",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="ReplyAttachment.id",
    )

    def __repr__(self) -> str:
        return f"<ApplicantReply {self.id} {'automatic' if self.automatic else 'reply'}>"


class ReplyAttachment(StoredFile, db.Model):
    """A file attached to an applicant's reply that passed the public form's checks."""

    __tablename__ = "reply_attachments"
    __table_args__ = (
        CheckConstraint(_in("file_type", FileType), name="file_type_valid"),
        CheckConstraint("size > 0", name="size_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reply_id: Mapped[int] = mapped_column(
        ForeignKey("applicant_replies.id", ondelete="CASCADE"), index=True
    )
    # The application too, so that an erasure (and the PERSONAL_TABLES list) finds it.
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    reply: Mapped[ApplicantReply] = relationship(back_populates="attachments")
    application: Mapped[Application] = relationship()

    # What the download view and its audit event call every stored file.
    kind = "reply_attachment"

    def __repr__(self) -> str:
        return f"<ReplyAttachment {self.file_type} {self.size}>"


class MailboxCursor(db.Model):
    """How far the reply fetcher has read a mailbox folder: messages up to *last_uid*
    were looked at, so unmatched mail left there is not read again on every pass."""

    __tablename__ = "mailbox_cursors"

    # The mailbox without its password: user@host:port/folder.
    mailbox: Mapped[str] = mapped_column(String(300), primary_key=True)
    uid_validity: Mapped[int] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger)

    def __repr__(self) -> str:
        return f"<MailboxCursor {self.mailbox} {self.last_uid}>"


class Job(db.Model):
    """Background work (an email to send, a text to extract), written in the same
    transaction as the change that caused it and run by the worker (tracker.jobs)."""

    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint(_in("status", JobStatus), name="status_valid"),
        Index("ix_jobs_status_next_attempt", "status", "next_attempt_at"),
        Index("ix_jobs_kind_created", "kind", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    # Small and free of personal data: ids, such as {"email_id": 7}.
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default=JobStatus.QUEUED.value)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    claimed_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.kind} {self.status}>"


class User(UserMixin, db.Model):
    """A staff account: an editor or an admin."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint(_in("role", Role), name="role_valid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(10), default=Role.EDITOR.value)
    active: Mapped[bool] = mapped_column(default=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    # Bumped on logout-everywhere, password change and deactivation: old cookies stop working.
    session_version: Mapped[int] = mapped_column(default=1)
    password_change_required: Mapped[bool] = mapped_column(default=False)
    # Two-factor sign-in: the TOTP secret once enrolled, and the last time step used, so a
    # code works only once.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None]
    # The optional inbox columns this person shows (keys of tracker.inbox.columns), in
    # that module's order; NULL until they choose, which means the default set.
    inbox_columns: Mapped[list | None] = mapped_column(JSON)
    # The language of this person's notification emails and digest; NULL means the app's
    # default locale (BABEL_DEFAULT_LOCALE).
    language: Mapped[str | None] = mapped_column(String(5))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_guest(self) -> bool:
        return self.role == Role.GUEST


class NeedToKnowEntry:
    """An editor an admin named to see applicants at risk (tracker.inbox.scope), and who
    named them when: the columns both lists share."""

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @declared_attr
    def user(cls) -> Mapped[User]:
        return relationship(foreign_keys=f"{cls.__name__}.user_id")


class CallNeedToKnow(NeedToKnowEntry, db.Model):
    """An editor named to see the applicants at risk of one call."""

    __tablename__ = "call_need_to_know"

    call_id: Mapped[int] = mapped_column(
        ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True
    )

    def __repr__(self) -> str:
        return f"<CallNeedToKnow call {self.call_id} user {self.user_id}>"


class ApplicationNeedToKnow(NeedToKnowEntry, db.Model):
    """An editor named to see one applicant at risk."""

    __tablename__ = "application_need_to_know"

    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), primary_key=True
    )

    def __repr__(self) -> str:
        return f"<ApplicationNeedToKnow {self.application_id} user {self.user_id}>"


class GuestScope(db.Model):
    """What a guest reviewer may see: one call, optionally some of its regions, until a day.

    ``regions`` empty means every region of the call. ``ends_on`` is the last day (UTC) of
    access; from the next day on the guest cannot sign in and open sessions stop.
    """

    __tablename__ = "guest_scopes"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"))
    regions: Mapped[list] = mapped_column(JSON, default=list)
    ends_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<GuestScope {self.user_id} call {self.call_id} until {self.ends_on}>"


class EmailTemplate(db.Model):
    """A ready email in one language, edited by admins and seeded from templates/mail/."""

    __tablename__ = "email_templates"
    __table_args__ = (
        UniqueConstraint("key", "language", name="uq_email_templates_key_language"),
        CheckConstraint(_in("key", EmailTemplateKey), name="key_valid"),
        CheckConstraint(_language_code("language"), name="language_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(5))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    def __repr__(self) -> str:
        return f"<EmailTemplate {self.key} {self.language}>"


class RecoveryCode(db.Model):
    """A one-time code that signs a staff member in when their authenticator is lost."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    used_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<RecoveryCode {self.user_id} {'used' if self.used_at else 'unused'}>"


class PasswordHistoryEntry(db.Model):
    """The hash of a password a staff account had before, so that it is not chosen again."""

    __tablename__ = "password_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    # When this password stopped being the account's password.
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<PasswordHistoryEntry {self.user_id} {self.created_at:%Y-%m-%d}>"


class StatusChange(db.Model):
    """One step of an application through the pipeline: who moved it, when, and why."""

    __tablename__ = "status_changes"
    __table_args__ = (
        CheckConstraint(_in("to_status", Status), name="to_status_valid"),
        CheckConstraint(f"reason IS NULL OR {_in('reason', RejectionReason)}", name="reason_valid"),
        Index("ix_status_changes_application_created", "application_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    from_status: Mapped[str] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    # None when the applicant acted (withdrawal) or a command did.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    actor: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<StatusChange {self.from_status}→{self.to_status}>"


class Rating(db.Model):
    """One editor's rating of one candidate on the rubric; one per editor and candidate."""

    __tablename__ = "ratings"
    __table_args__ = (
        UniqueConstraint("application_id", "user_id", name="uq_ratings_application_user"),
        CheckConstraint(_in("recommendation", Recommendation), name="recommendation_valid"),
        *(
            CheckConstraint(f"{name} BETWEEN 1 AND 5", name=f"{name}_range")
            for name in (
                "regional_expertise",
                "german_writing",
                "sourcing",
                "story_ideas",
                "reliability",
            )
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # NULL: "can't judge yet" – the editor could not judge this criterion (not counted).
    regional_expertise: Mapped[int | None]
    german_writing: Mapped[int | None]
    sourcing: Mapped[int | None]
    story_ideas: Mapped[int | None]
    reliability: Mapped[int | None]
    # A comment per criterion: {"regional_expertise": "…", …}; criteria without one are absent.
    comments: Mapped[dict] = mapped_column(JSON, default=dict)
    recommendation: Mapped[str] = mapped_column(String(20))
    summary: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<Rating {self.application_id} by {self.user_id}>"


class Recusal(db.Model):
    """An editor's declared conflict of interest: they do not rate this candidate."""

    __tablename__ = "recusals"
    __table_args__ = (
        UniqueConstraint("application_id", "user_id", name="uq_recusals_application_user"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    # Indexed: the inbox's "not rated by me" leaves out the user's recusals.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<Recusal {self.application_id} by {self.user_id}>"


class Comment(db.Model):
    """An editor's note on a candidate, visible to the whole team."""

    __tablename__ = "comments"
    __table_args__ = (Index("ix_comments_application_created", "application_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    # Guest reviewers see only the comments editors share with them, and their own.
    shared_with_guests: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<Comment {self.id}>"


class Tag(db.Model):
    """A label editors put on candidates, e.g. "photo", "video", "Russian-language desk"."""

    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)

    def __repr__(self) -> str:
        return f"<Tag {self.name}>"


application_tags = Table(
    "application_tags",
    db.metadata,
    Column(
        "application_id",
        ForeignKey("applications.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_application_tags_tag", "tag_id", "application_id"),
)


class SavedView(db.Model):
    """An inbox filter kept under a name (tracker.inbox.saved_views): its owner's own, or
    shared with the team."""

    __tablename__ = "saved_views"
    __table_args__ = (UniqueConstraint("owner_id", "name", name="uq_saved_views_owner_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    # The filter as InboxFilter.query_string wrote it, without its page.
    query: Mapped[str] = mapped_column(Text)
    shared: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    owner: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<SavedView {self.id} {self.name!r}>"


# The saved view a person lands on after signing in (none: the whole inbox). A table of its
# own rather than a column of users, which saved_views already refers to.
start_views = Table(
    "start_views",
    db.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("view_id", ForeignKey("saved_views.id", ondelete="CASCADE"), nullable=False, index=True),
)


class AuditEvent(db.Model):
    """Who did what, when: every change and every download, readable by admins.

    ``application_id`` is deliberately not a foreign key: when an applicant is erased, their
    events are replaced by one tombstone that still says an erasure happened.
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_application_created", "application_id", "created_at"),
        Index("ix_audit_events_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(60))
    application_id: Mapped[int | None]
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    actor: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<AuditEvent {self.action} {self.application_id}>"


class SearchEntry(db.Model):
    """Everything searchable about one application, as one text (see search.py).

    SQLite indexes it with an FTS5 table kept in step by triggers; PostgreSQL with a GIN
    index on its tsvector. Both are created below and in the migration.
    """

    __tablename__ = "search_entries"

    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), primary_key=True
    )
    body: Mapped[str] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"<SearchEntry {self.application_id}>"


class ChangeCount(db.Model):
    """How many changes a kind of data has seen (CHANGE_COUNTED): a key for caches of what
    is derived from it (inbox.counts). Counted by the database's own triggers, so that no
    way of writing – the ORM, a bulk statement, a migration, psql – is missed."""

    __tablename__ = "change_counts"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)

    def __repr__(self) -> str:
        return f"<ChangeCount {self.name}={self.value}>"


class Notification(db.Model):
    """One thing one staff member is told about (tracker.notifications.notify)."""

    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint(_in("event", NotificationEvent), name="event_valid"),
        # The header's unread count and the list, newest first, read from these alone.
        Index("ix_notifications_user_read", "user_id", "read_at"),
        Index("ix_notifications_user_created", "user_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(20))
    # Erasing an applicant takes their notifications with them.
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    # The assignment a deadline or edit reminder is about.
    assignment_id: Mapped[int | None] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The new status of a status_changed notification (a Status value), else None.
    detail: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]

    application: Mapped[Application | None] = relationship()
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])

    def __repr__(self) -> str:
        return f"<Notification {self.event} for {self.user_id}>"


class NotificationChoice(db.Model):
    """A person's email choice for one event; without a row it is the daily digest."""

    __tablename__ = "notification_choices"
    __table_args__ = (
        CheckConstraint(_in("event", NotificationEvent), name="event_valid"),
        CheckConstraint(_in("delivery", Delivery), name="delivery_valid"),
    )

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    event: Mapped[str] = mapped_column(String(20), primary_key=True)
    delivery: Mapped[str] = mapped_column(String(10))

    def __repr__(self) -> str:
        return f"<NotificationChoice {self.user_id} {self.event}={self.delivery}>"


class UnfollowedRegion(db.Model):
    """A region of a call that a person chose not to follow.

    Every staff member follows every region of every open call unless a row here says
    otherwise: new calls, new regions and new colleagues need no row and no migration.
    """

    __tablename__ = "unfollowed_regions"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    call_id: Mapped[int] = mapped_column(
        ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True
    )
    region: Mapped[str] = mapped_column(String(60), primary_key=True)

    def __repr__(self) -> str:
        return f"<UnfollowedRegion {self.user_id} {self.call_id} {self.region}>"


class DigestSent(db.Model):
    """The one daily digest of one person on one day (in the app's time zone).

    Written in the same transaction as the digest email: the primary key lets a second
    worker (or a second run) that claims the same person and day write nothing.
    """

    __tablename__ = "digests_sent"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(primary_key=True)
    # What the digest covered up to: the next one starts here.
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<DigestSent {self.user_id} {self.day}>"


class Expert(db.Model):
    """A freelance expert of the newsroom's pool, across calls (tracker.experts).

    Made from an accepted application (its data copied, the application kept as the
    source) or imported from the newsroom's own list. The consent and retention rules of
    the application carry over: erasing the applicant erases the expert too.
    """

    __tablename__ = "experts"
    __table_args__ = (
        CheckConstraint(_in("availability", Availability), name="availability_valid"),
        CheckConstraint(_in("source", ExpertSource), name="source_valid"),
        CheckConstraint(_in("rate_currency", Currency), name="rate_currency_valid"),
        CheckConstraint("rate_minor IS NULL OR rate_minor >= 0", name="rate_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200))
    # As Application.name_key: the same person under any script (applications.people).
    name_key: Mapped[str] = mapped_column(String(200), index=True, default="")
    # Lower-cased (people.normalise_email): one expert per address.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    country: Mapped[str | None] = mapped_column(String(40))
    city: Mapped[str | None] = mapped_column(String(120))
    # The zone deadlines are given in (one of enums.EXPERT_TIMEZONES).
    timezone: Mapped[str] = mapped_column(String(40), default="Europe/Berlin")
    preferred_language: Mapped[str] = mapped_column(String(5), default="de")
    availability: Mapped[str] = mapped_column(String(10), default=Availability.AVAILABLE.value)
    # The last busy day when availability is "busy"; None otherwise.
    busy_until: Mapped[date | None]
    # The rate agreed per piece, in the currency's minor unit (never a float).
    rate_minor: Mapped[int | None]
    rate_currency: Mapped[str | None] = mapped_column(String(3))
    notes: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(20), default=ExpertSource.APPLICATION.value)
    # The accepted application the expert came from (the latest, if accepted twice).
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("applications.id", ondelete="SET NULL"), index=True
    )
    # Consent as the application recorded it; for an import, when and under which notice
    # version the newsroom brought its own list in.
    consent_at: Mapped[datetime | None]
    privacy_version: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version_id: Mapped[int] = mapped_column(default=1)

    application: Mapped[Application | None] = relationship()
    covered_regions: Mapped[list[ExpertRegion]] = relationship(
        cascade="all, delete-orphan", order_by="ExpertRegion.position"
    )
    languages: Mapped[list[ExpertLanguage]] = relationship(
        cascade="all, delete-orphan", order_by="ExpertLanguage.position"
    )
    topics: Mapped[list[ExpertTopic]] = relationship(
        cascade="all, delete-orphan", order_by="ExpertTopic.topic"
    )
    assignments: Mapped[list[Assignment]] = relationship(
        back_populates="expert", order_by="Assignment.created_at.desc()"
    )

    __mapper_args__ = {"version_id_col": version_id}

    def __repr__(self) -> str:
        return f"<Expert {self.id}>"

    @property
    def regions(self) -> list[str]:
        """Return the keys of the regions the expert covers, in order."""
        return [row.region for row in self.covered_regions]


class ExpertRegion(db.Model):
    """A region an expert covers."""

    __tablename__ = "expert_regions"
    __table_args__ = (Index("ix_expert_regions_region", "region", "expert_id"),)

    expert_id: Mapped[int] = mapped_column(
        ForeignKey("experts.id", ondelete="CASCADE"), primary_key=True
    )
    region: Mapped[str] = mapped_column(String(60), primary_key=True)
    position: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<ExpertRegion {self.region}>"


class ExpertLanguage(db.Model):
    """A language an expert works in, with the level (a LanguageLevel value)."""

    __tablename__ = "expert_languages"
    __table_args__ = (Index("ix_expert_languages_language", "language", "expert_id"),)

    expert_id: Mapped[int] = mapped_column(
        ForeignKey("experts.id", ondelete="CASCADE"), primary_key=True
    )
    language: Mapped[str] = mapped_column(String(10), primary_key=True)
    level: Mapped[str] = mapped_column(String(10))
    position: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<ExpertLanguage {self.language} {self.level}>"


class ExpertTopic(db.Model):
    """A topic an expert writes about."""

    __tablename__ = "expert_topics"
    __table_args__ = (Index("ix_expert_topics_topic", "topic", "expert_id"),)

    expert_id: Mapped[int] = mapped_column(
        ForeignKey("experts.id", ondelete="CASCADE"), primary_key=True
    )
    topic: Mapped[str] = mapped_column(String(60), primary_key=True)

    def __repr__(self) -> str:
        return f"<ExpertTopic {self.topic}>"


class ExpertInvitation(db.Model):
    """An expert of the pool invited to apply to a call: once per expert and call."""

    __tablename__ = "expert_invitations"

    expert_id: Mapped[int] = mapped_column(
        ForeignKey("experts.id", ondelete="CASCADE"), primary_key=True
    )
    call_id: Mapped[int] = mapped_column(
        ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True
    )
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<ExpertInvitation {self.expert_id} call {self.call_id}>"


class Assignment(db.Model):
    """A commissioned piece: a trial assignment of a candidate or work for an expert.

    Its state moves only through tracker.assignments (enums.ASSIGNMENT_TRANSITIONS). When
    the expert is erased, an assignment that was paid stays as the payment record the law
    requires – reference, fee, currency, payment date – with everything else emptied.
    """

    __tablename__ = "assignments"
    __table_args__ = (
        CheckConstraint(_in("state", AssignmentState), name="state_valid"),
        CheckConstraint(_in("currency", Currency), name="currency_valid"),
        CheckConstraint("fee_minor >= 0", name="fee_not_negative"),
        Index("ix_assignments_state_deadline", "state", "deadline_at"),
        Index("ix_assignments_published_on", "published_on"),
        Index("ix_assignments_paid_on", "paid_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # What the accounting desk quotes, e.g. "AS-7K2M9Q".
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    # The candidate a trial assignment was given to; None for work given to an expert
    # directly, and once the applicant is erased.
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("applications.id", ondelete="SET NULL"), index=True
    )
    expert_id: Mapped[int | None] = mapped_column(
        ForeignKey("experts.id", ondelete="SET NULL"), index=True
    )
    # The editor responsible: reminded of deadlines and of pieces waiting for an edit.
    editor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    brief: Mapped[str | None] = mapped_column(Text)
    # In the currency's minor unit (CURRENCY_MINOR_UNITS): 250 EUR is 25000.
    fee_minor: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    # The deadline in UTC, entered and shown in *timezone* (one of EXPERT_TIMEZONES); None
    # only in a payment record left by an erasure (tracker.experts.erasure).
    deadline_at: Mapped[datetime | None]
    timezone: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(10), default=AssignmentState.OFFERED.value)
    # Stored as text, never fetched.
    published_url: Mapped[str | None] = mapped_column(String(2000))
    published_on: Mapped[date | None]
    paid_on: Mapped[date | None]
    # Whether the expert gets a reminder email before the deadline.
    remind_expert: Mapped[bool] = mapped_column(default=False)
    delivered_at: Mapped[datetime | None]
    # Each reminder is sent once: these record that it was.
    deadline_reminded_at: Mapped[datetime | None]
    expert_reminded_at: Mapped[datetime | None]
    edit_reminded_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version_id: Mapped[int] = mapped_column(default=1)

    application: Mapped[Application | None] = relationship()
    expert: Mapped[Expert | None] = relationship(back_populates="assignments")
    editor: Mapped[User | None] = relationship(foreign_keys=[editor_id])

    __mapper_args__ = {"version_id_col": version_id}

    def __repr__(self) -> str:
        return f"<Assignment {self.reference} {self.state}>"

    @property
    def candidate(self) -> Application | None:
        """The application this assignment concerns: the candidate it was given to, or the
        one its expert came from (None for an expert imported or an erased applicant)."""
        if self.application is not None:
            return self.application
        return self.expert.application if self.expert is not None else None

    @property
    def is_payment_record(self) -> bool:
        """Whether only the payment record of an erased author is left (experts.erasure):
        the one kind of assignment without a deadline."""
        return self.deadline_at is None


# What each change count counts: every change to these tables. "applications": what the
# inbox's filters read (and who may see an applicant at risk); "calls" and "staff": what the
# inbox names (the team's saved views too). The DDL is in migrations 0013, 0017, 0020 and
# 0024 too; this makes db.create_all() (tests) build the same database.
CHANGE_COUNTED = {
    "applications": (
        "applications",
        "application_regions",
        "application_languages",
        "application_topics",
        "application_tags",
        "tags",
        "ratings",
        "recusals",
        "search_entries",
        "sample_facts",
        "sample_matches",
        "applicant_safety",
        "call_need_to_know",
        "application_need_to_know",
    ),
    "calls": ("calls",),
    "staff": ("users", "saved_views", "start_views"),
}
# SQLite has one writer at a time: each changed row counts at once, in its transaction.
# (Our own table and counter names, no input: not an injection.)
SQLITE_CHANGE_COUNT_DDL = tuple(
    f"CREATE TRIGGER change_count_{table}_{operation.lower()} AFTER {operation} ON {table} "  # noqa: S608
    f"BEGIN INSERT INTO change_counts (name, value) VALUES ('{name}', 1) "
    "ON CONFLICT (name) DO UPDATE SET value = change_counts.value + 1; END"
    for name, tables in CHANGE_COUNTED.items()
    for table in tables
    for operation in ("INSERT", "UPDATE", "DELETE")
)
# PostgreSQL: counted at COMMIT (a deferred constraint trigger), once per transaction (a
# setting local to it), so the counter's row is locked only while committing. Locked from
# the first change on, it would make every writer wait for every other, and deadlock one
# that holds another row (a claimed job) while it waits.
POSTGRES_CHANGE_COUNT_DDL = (
    "CREATE OR REPLACE FUNCTION count_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "IF current_setting('tracker.counted_' || TG_ARGV[0], true) = 'yes' THEN RETURN NULL; "
    "END IF; "
    "INSERT INTO change_counts (name, value) VALUES (TG_ARGV[0], 1) "
    "ON CONFLICT (name) DO UPDATE SET value = change_counts.value + 1; "
    "PERFORM set_config('tracker.counted_' || TG_ARGV[0], 'yes', true); "
    "RETURN NULL; END $$",
    *(
        f"CREATE CONSTRAINT TRIGGER change_count_{table} "
        f"AFTER INSERT OR UPDATE OR DELETE ON {table} DEFERRABLE INITIALLY DEFERRED "
        f"FOR EACH ROW EXECUTE FUNCTION count_change('{name}')"
        for name, tables in CHANGE_COUNTED.items()
        for table in tables
    ),
)
for _statement in SQLITE_CHANGE_COUNT_DDL:
    event.listen(db.metadata, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
for _statement in POSTGRES_CHANGE_COUNT_DDL:
    event.listen(db.metadata, "after_create", DDL(_statement).execute_if(dialect="postgresql"))


# Full-text indexes that the ORM cannot declare portably. The same statements are in
# migration 0002; these make db.create_all() (tests) build the same database.
SQLITE_SEARCH_DDL = (
    "CREATE VIRTUAL TABLE search_fts USING fts5(body, content='search_entries', "
    "content_rowid='application_id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER search_entries_ai AFTER INSERT ON search_entries BEGIN "
    "INSERT INTO search_fts(rowid, body) VALUES (new.application_id, new.body); END",
    "CREATE TRIGGER search_entries_ad AFTER DELETE ON search_entries BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, body) "
    "VALUES ('delete', old.application_id, old.body); END",
    "CREATE TRIGGER search_entries_au AFTER UPDATE ON search_entries BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, body) "
    "VALUES ('delete', old.application_id, old.body); "
    "INSERT INTO search_fts(rowid, body) VALUES (new.application_id, new.body); END",
)
POSTGRES_SEARCH_DDL = (
    "CREATE INDEX ix_search_entries_tsv ON search_entries USING gin (to_tsvector('simple', body))",
)
for _statement in SQLITE_SEARCH_DDL:
    event.listen(
        SearchEntry.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite")
    )
for _statement in POSTGRES_SEARCH_DDL:
    event.listen(
        SearchEntry.__table__, "after_create", DDL(_statement).execute_if(dialect="postgresql")
    )
event.listen(
    SearchEntry.__table__,
    "before_drop",
    DDL("DROP TABLE IF EXISTS search_fts").execute_if(dialect="sqlite"),
)

# Names the schema comparison (Alembic autogenerate and its test) must not expect in the
# models: the FTS5 table with its shadow tables, and the expression index.
UNMODELLED_PREFIXES = ("search_fts", "ix_search_entries_tsv")


class SiteSetting(db.Model):
    """A setting admins change on a page (not in the environment), with who changed it last.

    Every change is also an audit event; this row only holds the current value.
    """

    __tablename__ = "site_settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[dict] = mapped_column(JSON)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)

    changed_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<SiteSetting {self.key}>"


class TranslationPreview(db.Model):
    """A machine translation of a document's text into German (tracker.translation).

    Kept so that a text is sent to the service once; erased with its application (both
    foreign keys cascade, and ``application_id`` puts the table among the personal ones
    that an erasure and ``privacy purge`` clean up).
    """

    __tablename__ = "translation_previews"
    __table_args__ = (
        UniqueConstraint("document_id", "target_language", name="uq_translation_previews_document"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    target_language: Mapped[str] = mapped_column(String(5), default="de")
    # The service's host (and port), named wherever the preview shows.
    service_host: Mapped[str] = mapped_column(String(255))
    # The source language the service detected, as a code; None when it did not say.
    detected_language: Mapped[str | None] = mapped_column(String(10))
    # SHA-256 of the text sent: a document whose text changed since is translated anew.
    source_sha256: Mapped[str] = mapped_column(String(64))
    # Only the first MAX_SENT_CHARACTERS of a longer text were sent.
    truncated: Mapped[bool] = mapped_column(default=False)
    text: Mapped[str] = mapped_column(Text)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    document: Mapped[Document] = relationship()

    def __repr__(self) -> str:
        return f"<TranslationPreview {self.document_id} {self.target_language}>"


class ApiToken(db.Model):
    """A key for the JSON API (tracker.api_tokens): shown once, stored as its SHA-256.

    A token acts for the admin who created it, within its scopes; it stops working when it
    expires, is revoked, or its admin is no longer an active admin. Tokens are revoked,
    never deleted, so the audit log's mentions of them keep their meaning.
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    # SHA-256 of the whole token, hex: a token is 256 random bits, so a fast hash is enough
    # (a slow one guards guessable passwords) and lets each request find its row by index.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The token's first characters, shown to admins to tell tokens apart.
    prefix: Mapped[str] = mapped_column(String(16))
    scopes: Mapped[list] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    created_by: Mapped[User | None] = relationship()

    def allows(self, scope: str | ApiScope) -> bool:
        """Tell whether this token has *scope*."""
        return str(scope) in self.scopes

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.name!r}>"


class WebhookEndpoint(db.Model):
    """An address tracker posts signed events to (tracker.webhooks)."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(200), default="")
    # The WebhookEvent values this endpoint receives.
    events: Mapped[list] = mapped_column(JSON, default=list)
    # The HMAC key of the signatures; kept readable because every delivery is signed with it.
    secret: Mapped[str] = mapped_column(String(80))
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def receives(self, event: str | WebhookEvent) -> bool:
        """Tell whether this endpoint subscribed to *event*."""
        return str(event) in self.events

    def __repr__(self) -> str:
        return f"<WebhookEndpoint {self.id} {self.url!r}>"


class WebhookDelivery(db.Model):
    """One event sent (or to be sent) to one endpoint: the delivery log's row.

    The body is the exact JSON posted and signed; it names an application only by its
    reference, never a person.
    """

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        CheckConstraint(_in("status", WebhookDeliveryStatus), name="status_valid"),
        CheckConstraint(_in("event", WebhookEvent), name="event_valid"),
        Index("ix_webhook_deliveries_endpoint_created", "endpoint_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(40))
    # The event's own id, the same in every re-send, so a receiver can drop duplicates.
    event_id: Mapped[str] = mapped_column(String(40))
    # The application the event is about, so that its erasure finds the rows (None for
    # assignments without a candidate, and for the application.erased event itself).
    application_reference: Mapped[str | None] = mapped_column(String(20), index=True)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=WebhookDeliveryStatus.QUEUED.value)
    attempts: Mapped[int] = mapped_column(default=0)
    response_status: Mapped[int | None]
    response_ms: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]

    endpoint: Mapped[WebhookEndpoint] = relationship()

    def __repr__(self) -> str:
        return f"<WebhookDelivery {self.id} {self.event} {self.status}>"
