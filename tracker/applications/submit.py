"""Submitting an application: one transaction for rows, files and the acknowledgement.

The documents were checked when they were chosen (tracker.documents.kept: a PDF opens and
has a page); their text is read after the commit by the extract_text job.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, insert, select
from sqlalchemy.exc import IntegrityError

from tracker.applications.names import clean_name, name_problem
from tracker.applications.people import name_key
from tracker.applications.risk import SafetyAnswers, safety_problems, safety_row
from tracker.applications.versions import find_duplicate
from tracker.database import PREPARE, begin_write, keep_loaded
from tracker.documents.extract_job import queue_extraction
from tracker.documents.kept import KeptFile, kept_files, store_kept
from tracker.documents.kept import discard as discard_kept
from tracker.documents.storage import delete_stored
from tracker.documents.validate import stored_columns
from tracker.enums import (
    ELSEWHERE,
    DocumentKind,
    EmailTemplateKey,
    NotificationEvent,
    Status,
    WebhookEvent,
)
from tracker.extensions import db
from tracker.labels import home_countries
from tracker.mail.compose import queue_template_email
from tracker.models import (
    Application,
    ApplicationLanguage,
    ApplicationRegion,
    ApplicationTopic,
    Call,
    Document,
    ReplyAddress,
    utcnow,
)
from tracker.notifications import notify
from tracker.notifications.core import followers
from tracker.search import index_new_application
from tracker.webhooks.events import emit

# No 0/O, 1/I/L or U: a reference is read aloud and typed from paper.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


class SubmissionRejected(Exception):
    """The application cannot be accepted; *errors* maps form fields to messages."""

    def __init__(self, errors: Mapping[str, str]):
        super().__init__(dict(errors))
        self.errors = dict(errors)


class DuplicateSubmission(Exception):
    """The same form was sent twice; *application* is the one the first copy created."""

    def __init__(self, application: Application):
        super().__init__(application.reference)
        self.application = application


class SpokenLanguage(NamedTuple):
    """A language and the level in it; *name* is typed for a language our list lacks."""

    language: str
    level: str
    name: str | None = None


@dataclass
class ApplicationData:
    """The applicant's answers, already validated by the form."""

    full_name: str
    email: str
    # Where they live: a country key of the call's regions, or ELSEWHERE and its name.
    home_country: str
    city: str
    # The keys of the regions they can cover (one or more).
    regions: list[str]
    german_level: str
    topics: list[str]
    preferred_language: str
    phone: str | None = None
    home_country_other: str | None = None
    other_languages: list[SpokenLanguage] = field(default_factory=list)
    cover_letter: str | None = None
    writing_sample_url: str | None = None
    links: list[str] = field(default_factory=list)
    heard_about: str | None = None
    heard_about_other: str | None = None
    # What an applicant who said they could be at risk asked for; None: not at risk.
    safety: SafetyAnswers | None = None


# The form field that carries each document, so errors land next to the right input.
FILE_FIELDS = {
    DocumentKind.CV: "cv",
    DocumentKind.COVER_LETTER: "cover_letter_file",
    DocumentKind.WRITING_SAMPLE: "writing_sample",
}


def generate_reference() -> str:
    """Return an unused reference such as CW-7K3P-Q9 (30⁶ ≈ 729 million possibilities)."""
    prefix = current_app.config["REFERENCE_PREFIX"]
    while True:
        chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))
        reference = f"{prefix}-{chars[:4]}-{chars[4:]}"
        if db.session.connection().scalar(_REFERENCE_USED, {"reference": reference}) is None:
            return reference


# Statements every submission runs, built once (building one and its cache key costs more
# than running it), bound at execution and prepared on PostgreSQL (tracker.postgresql).
_BY_FORM_TOKEN = (
    select(Application.id)
    .where(Application.form_token == bindparam("token"))
    .execution_options(**PREPARE)
)
_BY_REFERENCE = (
    select(Application)
    .where(Application.reference == bindparam("reference"))
    .execution_options(**PREPARE)
)
_REFERENCE_USED = (
    select(Application.id)
    .where(Application.reference == bindparam("reference"))
    .execution_options(**PREPARE)
)


def find_by_form_token(token: str) -> Application | None:
    """Return the application a form token already produced, if any."""
    # Asked by every form sent, and almost always answered "none": by id, the row only
    # when there is one. The id is read through the connection, as a plain value: the
    # session's round of flushing and loading costs more than the look-up.
    application_id = db.session.connection().scalar(_BY_FORM_TOKEN, {"token": token})
    return None if application_id is None else db.session.get(Application, application_id)


def find_by_reference(reference: str) -> Application | None:
    """Return the application with *reference*, if any."""
    return db.session.scalar(_BY_REFERENCE, {"reference": reference})


def submit_application(call: Call, data: ApplicationData, *, form_token: str) -> Application:
    """Store a whole application – rows, documents, acknowledgement email – or nothing.

    The documents are the files kept for *form_token* (`tracker.documents.kept`: checked
    when they were chosen). Each is stored under its final key (`store_kept`, flushed to
    disk); then the rows are added and the transaction committed, and only then are the
    kept files discarded. On any failure the rows are rolled back and every file this call
    wrote is removed, so no orphan is left behind, and the kept files stay for the next try.

    :raises SubmissionRejected: the call is closed, or an answer or a document is missing.
    :raises DuplicateSubmission: this form (by its token) was already stored, or the same
        address sent the same documents to this call within a day (see versions.py).
    """
    kept = kept_files(form_token)
    try:
        _check_answers(call, data, set(kept))
    except SubmissionRejected:
        # A stored form's kept files are gone: it was sent already, nothing is missing. (A
        # complete form sent again is found inside the transaction: as a repeat, or by
        # the unique form token.)
        existing = find_by_form_token(form_token)
        if existing is not None:
            raise DuplicateSubmission(existing) from None
        raise

    stored_keys: list[str] = []
    try:
        # Store (and fsync) the files before the write transaction, and draw the reference:
        # the SQLite write lock is held only for the rows. A failure below still removes
        # every stored file (and the unique reference refuses a rare collision).
        keys = {}
        for kind, kept_file in kept.items():
            keys[kind] = store_kept(kept_file)
            stored_keys.append(keys[kind])
        reference = generate_reference()
        # What this request loaded (the call) stays loaded across the commits: the rows are
        # not read again inside the write lock, nor again for the redirect after it.
        with keep_loaded():
            begin_write(prepared=True)
            _refuse_repeat(call, data, kept)
            application = _new_application(call, data, form_token, reference)
            db.session.add(application)
            db.session.flush()
            _add_related_rows(application, data, kept, keys)
            index_new_application(application)
            queue_template_email(application, EmailTemplateKey.ACKNOWLEDGEMENT, by=None)
            # The documents' text is read afterwards, by the worker: search finds them then.
            # Queued after the email, so that its job and the email's are one INSERT.
            queue_extraction(application)
            # Read without flushing what is pending: the jobs above and the rows these
            # add are inserted together by the commit's one flush
            # (tests/apply/test_send_statements.py).
            with db.session.no_autoflush:
                notify(
                    NotificationEvent.NEW_APPLICATION,
                    users=followers(application, data.regions),
                    application=application,
                )
                emit(
                    WebhookEvent.APPLICATION_CREATED,
                    reference=reference,
                    call_id=call.id,
                    status=application.status,
                )
            db.session.commit()
    except BaseException as error:
        db.session.rollback()
        for key in stored_keys:
            delete_stored(key)
        if isinstance(error, DuplicateSubmission):
            discard_kept(form_token)  # a repeat keeps nothing: its files are the first's
        if isinstance(error, IntegrityError):
            # Two copies of one form raced past the check above: the other one won.
            first = find_by_form_token(form_token)
            if first is not None:
                raise DuplicateSubmission(first) from error
        raise
    discard_kept(form_token)
    return application


def _refuse_repeat(call: Call, data: ApplicationData, kept: Mapping[DocumentKind, KeptFile]):
    """Raise DuplicateSubmission if this repeats a recent application (Back, send again).

    Called inside the write transaction, so that on SQLite two copies sent at once cannot
    both pass; the caller's clean-up then removes the files this submission wrote.
    """
    repeated = find_duplicate(
        call,
        data.email,
        cover_letter=data.cover_letter,
        writing_sample_url=data.writing_sample_url,
        documents={kind: each.sha256 for kind, each in kept.items()},
    )
    if repeated is not None:
        raise DuplicateSubmission(repeated)


def _check_answers(call: Call, data: ApplicationData, present: set[DocumentKind]) -> None:
    """Enforce what the form should already have: the rules hold whoever calls us."""
    errors = {}
    name_refused = name_problem(clean_name(data.full_name) or "")
    if name_refused:
        errors["full_name"] = name_refused
    if not call.accepts_applications():
        errors["call"] = _l("This call has closed. Thank you for your interest.")
    errors.update(_where_problems(call, data))
    if not data.topics or not set(data.topics) <= {topic["key"] for topic in call.topics}:
        errors["topics"] = _l("Please choose at least one topic from the list.")
    errors.update(missing_documents(data.cover_letter, data.writing_sample_url, present))
    errors.update({f"safety-{name}": text for name, text in safety_problems(data.safety).items()})
    if errors:
        raise SubmissionRejected(errors)


def _where_problems(call: Call, data: ApplicationData) -> dict[str, str]:
    """Return an error per field of the "where" questions: home country and covered regions."""
    errors = {}
    if data.home_country not in [*home_countries(call.regions), ELSEWHERE]:
        errors["home_country"] = _l("Choose the country you live in")
    elif data.home_country == ELSEWHERE and not (data.home_country_other or "").strip():
        errors["home_country_other"] = _l("Name the country you live in")
    if not data.regions:
        errors["regions"] = _l("Choose at least one region you can cover")
    elif not set(data.regions) <= {region["key"] for region in call.regions}:
        errors["regions"] = _l("Please choose the regions from the list.")
    return errors


def missing_documents(
    cover_letter: str | None, writing_sample_url: str | None, present: set[DocumentKind]
) -> dict[str, str]:
    """Return an error per missing document: a CV, a cover letter (text or file) and a
    writing sample (file or link) are all required."""
    errors = {}
    if DocumentKind.CV not in present:
        errors["cv"] = _l("Please attach your CV.")
    if not cover_letter and DocumentKind.COVER_LETTER not in present:
        errors["cover_letter"] = _l("Please write a cover letter or attach it as a file.")
    if not writing_sample_url and DocumentKind.WRITING_SAMPLE not in present:
        errors["writing_sample"] = _l(
            "Please attach a writing sample or give a link to a published piece."
        )
    return errors


def _new_application(
    call: Call, data: ApplicationData, form_token: str, reference: str
) -> Application:
    """Return the application's own row; its languages, regions, topics and documents are
    written by :func:`_add_related_rows`."""
    full_name = clean_name(data.full_name)
    return Application(
        call=call,
        reference=reference,
        form_token=form_token,
        full_name=full_name,
        name_key=name_key(full_name),
        email=data.email,
        phone=data.phone or None,
        country=data.home_country,
        country_other=data.home_country_other if data.home_country == ELSEWHERE else None,
        city=data.city,
        cover_letter=data.cover_letter or None,
        writing_sample_url=data.writing_sample_url or None,
        links=list(data.links),
        preferred_language=data.preferred_language,
        heard_about=data.heard_about or None,
        heard_about_other=data.heard_about_other or None,
        consent_at=utcnow(),
        privacy_version=call.privacy_version or current_app.config["PRIVACY_NOTICE_VERSION"],
        status=Status.NEW.value,
        # Made now, with the row, for the acknowledgement's Reply-To (tracker.replies).
        reply_address=ReplyAddress(),
        # Set even when None: nothing asks the database later whether there is one.
        safety=safety_row(call, data.safety),
    )


def _add_related_rows(
    application: Application,
    data: ApplicationData,
    kept: Mapping[DocumentKind, KeptFile],
    keys: Mapping[DocumentKind, str],
) -> None:
    """Insert the rows that belong to the (flushed) *application*, one statement per table.

    Bulk inserts, not objects on the relationships: the unit of work would insert each
    language and document alone to read back its id, which nothing here needs.
    """
    german = [SpokenLanguage("de", data.german_level)] if data.german_level != "none" else []
    languages = german + [SpokenLanguage(*row) for row in data.other_languages]
    rows = {
        ApplicationLanguage: [
            {"language": row.language, "level": row.level, "name": row.name, "position": i}
            for i, row in enumerate(languages)
        ],
        ApplicationRegion: [
            {"region": region, "position": position}
            for position, region in enumerate(dict.fromkeys(data.regions))
        ],
        ApplicationTopic: [{"topic": topic} for topic in dict.fromkeys(data.topics)],
        Document: [_document_row(kind, each, keys[kind]) for kind, each in kept.items()],
    }
    for model, values in rows.items():
        if values:
            # Into the table, not the ORM's bulk insert: the same statement, without the
            # ORM's work per row for objects nobody asks for.
            db.session.execute(
                insert(model.__table__),
                [{"application_id": application.id, **row} for row in values],
            )


def _document_row(kind: DocumentKind, kept: KeptFile, key: str) -> dict:
    return {"kind": kind.value, **stored_columns(kept, key), "text": None, "page_count": None}
