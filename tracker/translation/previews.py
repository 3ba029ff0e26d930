"""Ask for a German machine translation of a document's text, store it, and list it.

Only a cover letter's or writing sample's extracted text is sent, at most
MAX_SENT_CHARACTERS of it, and only while the feature is configured and switched on
(:func:`tracker.translation.switch.previews_endpoint`). The answer is stored tied to the
document, so the same text is never sent twice; an erasure removes it with the
application (its foreign keys cascade). Every attempt to send is audited – who, which
document, which service host and how it ended – without any of the text.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field

from flask_babel import get_locale
from sqlalchemy import select

from tracker.audit import record_event
from tracker.database import begin_write
from tracker.enums import DocumentKind
from tracker.extensions import db
from tracker.labels import spoken_language_names
from tracker.models import Application, Document, TranslationPreview, User
from tracker.translation.client import TARGET_LANGUAGE, TranslationFailed, translate
from tracker.translation.switch import previews_endpoint

# The most characters of one document sent to the service (LibreTranslate's own default
# limit per request is 5,000); the page says when a preview covers only the beginning.
MAX_SENT_CHARACTERS = 5000
TRANSLATABLE_KINDS = (DocumentKind.COVER_LETTER.value, DocumentKind.WRITING_SAMPLE.value)
AUDIT_ACTION = "document.translation_requested"


class PreviewRefused(Exception):
    """Nothing was sent: previews are off (``off``), the document is not a cover letter or
    writing sample (``kind``), or it has no text (``no_text``)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _text_to_send(document: Document) -> tuple[str, bool]:
    """Return the part of the document's text that is sent, and whether it is cut short."""
    text = (document.text or "").strip()
    return text[:MAX_SENT_CHARACTERS], len(text) > MAX_SENT_CHARACTERS


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _stored(document_id: int) -> TranslationPreview | None:
    return db.session.scalar(
        select(TranslationPreview).where(
            TranslationPreview.document_id == document_id,
            TranslationPreview.target_language == TARGET_LANGUAGE,
        )
    )


def _is_current(preview: TranslationPreview, document: Document) -> bool:
    """Tell whether *preview* translates the document's text as it is now."""
    return preview.source_sha256 == _digest(_text_to_send(document)[0])


def request_preview(
    document: Document, *, by: User, config: Mapping
) -> tuple[TranslationPreview, bool]:
    """Return the German preview of *document*, asking the service only if none is stored.

    :returns: the preview, and True if it was asked for now (False: stored already).
    :raises PreviewRefused: nothing was sent (see there).
    :raises TranslationFailed: the service failed; the attempt is audited, nothing stored.
    """
    endpoint = previews_endpoint(config)
    if endpoint is None:
        raise PreviewRefused("off")
    if document.kind not in TRANSLATABLE_KINDS:
        raise PreviewRefused("kind")
    text, truncated = _text_to_send(document)
    if not text:
        raise PreviewRefused("no_text")
    stored = _stored(document.id)
    if stored is not None and _is_current(stored, document):
        return stored, False
    # No transaction stays open while the service answers: the page of a colleague must
    # not wait on another server.
    db.session.commit()
    try:
        translation = translate(
            text,
            endpoint=endpoint,
            api_key=config.get("TRANSLATION_API_KEY"),
            timeout=config["TRANSLATION_TIMEOUT"],
        )
    except TranslationFailed as error:
        begin_write()
        _audit(document, by=by, host=endpoint.service_host, sent=len(text), outcome=str(error))
        db.session.commit()
        raise
    begin_write()
    preview = _stored(document.id)
    if preview is None:
        preview = TranslationPreview(
            application_id=document.application_id,
            document_id=document.id,
            target_language=TARGET_LANGUAGE,
        )
        db.session.add(preview)
    preview.service_host = endpoint.service_host
    preview.detected_language = translation.detected_language
    preview.source_sha256 = _digest(text)
    preview.truncated = truncated
    preview.text = translation.text
    preview.requested_by_id = by.id
    _audit(document, by=by, host=endpoint.service_host, sent=len(text), outcome="translated")
    db.session.commit()
    return preview, True


def _audit(document: Document, *, by: User, host: str, sent: int, outcome: str) -> None:
    """Record an attempt to send: who, which document, where, how much and how it ended."""
    record_event(
        AUDIT_ACTION,
        actor=by,
        application=document.application,
        document_id=document.id,
        kind=document.kind,
        service_host=host,
        characters=sent,
        outcome=outcome,
    )


@dataclass
class TranslationPanel:
    """What the candidate page shows of machine translation, for a member of the staff."""

    # The service's host while previews may be asked for; None when they may not.
    service_host: str | None
    previews: dict[int, TranslationPreview] = field(default_factory=dict)
    kinds: tuple[str, ...] = TRANSLATABLE_KINDS
    max_characters: int = MAX_SENT_CHARACTERS

    def offers(self, document: Document) -> bool:
        """Tell whether the page offers to ask for a preview of *document*."""
        return (
            self.service_host is not None
            and document.kind in self.kinds
            and bool((document.text or "").strip())
            and document.id not in self.previews
        )

    @staticmethod
    def language_name(code: str) -> str:
        """Return a detected language's name in the page language, or its code."""
        return spoken_language_names(str(get_locale())).get(code.split("-")[0], code)


def translation_panel(application: Application, *, viewer: User, config: Mapping):
    """Return the candidate page's translation panel, or None for a guest reviewer.

    Guests never see or ask for previews: a translation would escape the redaction of
    contact details that their view of a document gets (tracker.review.guest_view).
    """
    if viewer.is_guest:
        return None
    endpoint = previews_endpoint(config)
    # Loaded with the documents (review.candidate_page): no statement of its own.
    previews = {
        document.id: preview
        for document in application.documents
        for preview in document.translation_previews
        if preview.target_language == TARGET_LANGUAGE and _is_current(preview, document)
    }
    return TranslationPanel(
        service_host=endpoint.service_host if endpoint is not None else None, previews=previews
    )
