"""The admins' side of the email templates: save, seed, preview, and the overview.

Kept apart from :mod:`tracker.mail.templates` (the renderer every email uses) because
this is the administration of the database rows — writes, audit events, seeding from
templates/mail/ — which no email being sent needs, and together they were over 400 lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from tracker.assignments.deadlines import deadline_text
from tracker.audit import record_event
from tracker.database import begin_write
from tracker.enums import EmailTemplateKey, RejectionReason
from tracker.extensions import db
from tracker.mail.placeholders import (
    rejection_reason_text,
    retention_days_text,
    version_note_text,
)
from tracker.mail.templates import (
    RenderedEmail,
    TemplateSource,
    check_template,
    file_source,
    normalise_newlines,
    render,
)
from tracker.models import Call, EmailTemplate, User
from tracker.money import format_amount
from tracker.ui_languages import UI_LANGUAGES, localized
from tracker.urls import external_url


@dataclass
class SeedReport:
    """What seeding did: rows created, overwritten and left as they were."""

    created: list[tuple[str, str]] = field(default_factory=list)
    updated: list[tuple[str, str]] = field(default_factory=list)
    kept: list[tuple[str, str]] = field(default_factory=list)


def find_template(key: str, language: str) -> EmailTemplate | None:
    """Return the database row of *key* in *language*, if any."""
    return db.session.scalar(
        select(EmailTemplate).where(EmailTemplate.key == key, EmailTemplate.language == language)
    )


def sample_values(key: str, language: str, *, editor: User | None) -> dict[str, str]:
    """Return made-up values for previewing *key* in *language*: no real applicant's data."""
    call = db.session.scalar(select(Call).order_by(Call.id).limit(1))
    config = current_app.config
    return {
        "first_name": "Nino",
        "full_name": "Nino Beridze",
        "call_title": localized(call.title, language) if call else config["SITE_NAME"],
        "reference": f"{config['REFERENCE_PREFIX']}-7K3P-Q9",
        "status_link": _sample_status_link(),
        "editor_name": editor.name if editor is not None else "",
        "desk_email": config["DESK_EMAIL"],
        "site_name": config["SITE_NAME"],
        "rejection_reason": rejection_reason_text(RejectionReason.REGION_COVERED, language),
        "retention_days": retention_days_text(config),
        # A second application, so that the preview shows where the note goes.
        "version_note": version_note_text(2, language),
        # An assignment (the brief) and a call to invite an expert to.
        "assignment_title": "Winter in Gudauri",
        "assignment_brief": "3,000 characters on the ski season and the villages around it.",
        "fee": format_amount(25000, "EUR", locale=language),
        "deadline": deadline_text(datetime(2026, 12, 20, 14, 0), "Asia/Tbilisi", language),
        "call_link": external_url("apply.apply", slug=call.slug) if call else _sample_link(),
    }


def _sample_status_link() -> str:
    return _sample_link() + "/status/…"


def _sample_link() -> str:
    return (current_app.config.get("PUBLIC_BASE_URL") or "https://example.org").rstrip("/")


def save_template(
    key: str | EmailTemplateKey,
    language: str,
    *,
    subject: str,
    body_text: str,
    body_html: str | None,
    by: User | None,
) -> EmailTemplate:
    """Check and store one template version, record who changed it, and commit.

    :raises TemplateValidationError: for an unknown placeholder, an expression beyond a
        placeholder, a syntax error, or a subject with a line break.
    :raises ValueError: for an unknown key or language.
    """
    key = EmailTemplateKey(key)
    if language not in UI_LANGUAGES:
        raise ValueError(f"unknown language {language!r}")
    body_text = normalise_newlines(body_text) or ""
    body_html = normalise_newlines(body_html) or None
    check_template(key, subject, body_text, body_html)
    begin_write()
    try:
        template = find_template(key.value, language)
        created = template is None
        if template is None:
            template = EmailTemplate(key=key.value, language=language)
            db.session.add(template)
        template.subject = subject.strip()
        template.body_text = body_text
        template.body_html = body_html
        template.updated_by_id = by.id if by is not None else None
        record_event(
            "email_template.saved", actor=by, key=key.value, language=language, created=created
        )
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return template


def seed_templates(*, overwrite: bool = False) -> SeedReport:
    """Create every key × language version from templates/mail/ that the database lacks.

    With *overwrite*, versions that exist are replaced by the files' texts too. Commits.

    :raises LookupError: if a seed file is missing.
    :raises TemplateValidationError: if a seed file is not a valid template.
    """
    report = SeedReport()
    begin_write()
    existing = {(row.key, row.language): row for row in db.session.scalars(select(EmailTemplate))}
    for key in EmailTemplateKey:
        for language in UI_LANGUAGES:
            source = file_source(key.value, language)
            if source is None:
                raise LookupError(f"templates/mail/{key.value}.{language}.txt is missing")
            check_template(key, source.subject, source.body_text, source.body_html)
            row = existing.get((key.value, language))
            if row is None:
                db.session.add(
                    EmailTemplate(
                        key=key.value,
                        language=language,
                        subject=source.subject,
                        body_text=source.body_text,
                        body_html=source.body_html,
                    )
                )
                report.created.append((key.value, language))
            elif overwrite:
                row.subject = source.subject
                row.body_text = source.body_text
                row.body_html = source.body_html
                row.updated_by_id = None
                report.updated.append((key.value, language))
            else:
                report.kept.append((key.value, language))
    if report.created or report.updated:
        record_event(
            "email_template.seeded",
            actor=None,
            created=len(report.created),
            updated=len(report.updated),
        )
    db.session.commit()
    return report


def template_overview() -> list[tuple[EmailTemplateKey, dict[str, EmailTemplate | None]]]:
    """Return every key with its database row per language (None where not seeded)."""
    rows = {(row.key, row.language): row for row in db.session.scalars(select(EmailTemplate))}
    return [
        (key, {language: rows.get((key.value, language)) for language in UI_LANGUAGES})
        for key in EmailTemplateKey
    ]


def save_or_preview(
    key: str | EmailTemplateKey,
    language: str,
    *,
    subject: str,
    body_text: str,
    body_html: str | None,
    save: bool,
    by: User,
) -> RenderedEmail | None:
    """Save an admin's version of *key* in *language* (commits), or render it for a preview.

    :returns: the preview with made-up values, or None when saved.
    :raises TemplateValidationError: the version cannot be saved; nothing is written.
    """
    key = EmailTemplateKey(key)
    body_text = normalise_newlines(body_text) or ""
    body_html = normalise_newlines(body_html) or None
    if save:
        save_template(
            key, language, subject=subject, body_text=body_text, body_html=body_html, by=by
        )
        return None
    check_template(key, subject, body_text, body_html)
    return render(
        TemplateSource(key.value, language, subject, body_text, body_html),
        sample_values(key.value, language, editor=by),
    )
