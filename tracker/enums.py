"""Enumerations shared by models, forms and views."""

from enum import StrEnum


class Status(StrEnum):
    """Where an application stands in the editorial pipeline."""

    NEW = "new"
    IN_REVIEW = "in_review"
    SHORTLISTED = "shortlisted"
    TRIAL = "trial"
    ACCEPTED = "accepted"
    ON_HOLD = "on_hold"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class DocumentKind(StrEnum):
    """The three documents a call asks for."""

    CV = "cv"
    COVER_LETTER = "cover_letter"
    WRITING_SAMPLE = "writing_sample"


class FileType(StrEnum):
    """Document formats we accept; the value is the canonical extension."""

    PDF = "pdf"
    DOCX = "docx"
    ODT = "odt"
    RTF = "rtf"
    TXT = "txt"


class EmailStatus(StrEnum):
    """States of an outbox row: queued → sending → sent, or failed."""

    DRAFT = "draft"
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class Role(StrEnum):
    """What a staff account may do."""

    EDITOR = "editor"
    ADMIN = "admin"


class LanguageLevel(StrEnum):
    """CEFR levels, plus native speaker."""

    A1 = "A1"
    A2 = "A2"
    B1 = "B1"
    B2 = "B2"
    C1 = "C1"
    C2 = "C2"
    NATIVE = "native"


# Languages the applicant pages and emails are written in.
UI_LANGUAGES = ("de", "en", "ru")
