"""SQLAlchemy models: typed, declarative, no commits and no request access."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_login import UserMixin
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .enums import DocumentKind, EmailStatus, FileType, Role, Status
from .extensions import db


def utcnow() -> datetime:
    """Return the current time as naive UTC, the one form every timestamp column holds."""
    return datetime.now(UTC).replace(tzinfo=None)


def _in(column: str, enum) -> str:
    values = ", ".join(f"'{member.value}'" for member in enum)
    return f"{column} IN ({values})"


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
        CheckConstraint("preferred_language IN ('de', 'en', 'ru')", name="language_valid"),
        Index("ix_applications_call_status_created", "call_id", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"))
    # What the applicant quotes; short, readable aloud, and not an enumerable counter.
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    # The one-time token of the form that produced this row: a double submit hits it.
    form_token: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), index=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    country: Mapped[str] = mapped_column(String(40))
    region: Mapped[str] = mapped_column(String(60), index=True)
    region_other: Mapped[str | None] = mapped_column(String(200))
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
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    version_id: Mapped[int] = mapped_column(default=1)

    call: Mapped[Call] = relationship(back_populates="applications")
    languages: Mapped[list[ApplicationLanguage]] = relationship(
        cascade="all, delete-orphan", order_by="ApplicationLanguage.position"
    )
    topics: Mapped[list[ApplicationTopic]] = relationship(cascade="all, delete-orphan")
    documents: Mapped[list[Document]] = relationship(
        back_populates="application", cascade="all, delete-orphan"
    )
    emails: Mapped[list[OutboxEmail]] = relationship(
        back_populates="application", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version_id}

    def __repr__(self) -> str:
        return f"<Application {self.reference}>"


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

    def __repr__(self) -> str:
        return f"<ApplicationLanguage {self.language} {self.level}>"


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


class Document(db.Model):
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
    # The client's name, sanitised; metadata for display only, never a path.
    filename: Mapped[str] = mapped_column(String(255))
    file_type: Mapped[str] = mapped_column(String(10))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    # Warnings for editors, e.g. "pdf_active_content"; the file was accepted regardless.
    flags: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    application: Mapped[Application] = relationship(back_populates="documents")

    def __repr__(self) -> str:
        return f"<Document {self.kind} {self.file_type} {self.size}>"


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
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN
