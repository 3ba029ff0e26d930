"""What pages show of the writing-sample facts: the candidate page's notices, the inbox's
filter choices and the names of detected languages."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from babel import Locale
from flask_babel import format_decimal
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from tracker.database import PREPARE
from tracker.enums import DocumentKind, JobStatus
from tracker.extensions import db
from tracker.inbox.scope import hidden_among
from tracker.labels import known_language_names
from tracker.models import Application, Document, Job, SampleFacts, SampleMatch, User
from tracker.sample_facts.job import SAMPLE_FACTS
from tracker.sample_facts.text import LANGUAGES, reading_minutes


def language_name(code: str, ui_language: str) -> str:
    """Return a detected language's name in *ui_language*: as the application form names
    it, else as the locale data (CLDR) does; the code itself if neither knows it."""
    named = known_language_names(ui_language).get(code)
    if named:
        return named
    name = Locale.parse(ui_language).languages.get(code)
    return name[:1].upper() + name[1:] if name else code


@cache
def sample_language_choices(ui_language: str) -> tuple[tuple[str, str], ...]:
    """Return (code, name) of every language the detector may find, by name: named and
    sorted once per language and process (every inbox page offers them as a filter)."""
    choices = [(code, language_name(code, ui_language)) for code in LANGUAGES]
    return tuple(sorted(choices, key=lambda choice: choice[1].casefold()))


@dataclass(frozen=True)
class CopyNotice:
    """A possible copy, seen from one side: the other application and the shared text."""

    share_percent: int
    other_id: int
    other_reference: str
    # (this sample's passage, the other's), in this sample's order.
    passages: list[tuple[str, str]]


@dataclass
class SampleFactsView:
    """What the candidate page says about one writing sample.

    *state*: "computed", "no_text" (extraction gave none: a scanned document?),
    "pending" (the job is queued, running or retrying: nothing is guessed) or "failed"
    (with the job's *error*).
    """

    state: str
    words: int = 0
    # The count as the page's language writes numbers ("1,240", "1.240").
    words_shown: str = ""
    minutes: int = 0
    # The detected language's name, None when not recognised, and the confidence in %.
    language: str | None = None
    confidence: int | None = None
    # The names of the languages the applicant claimed, when the sample is in another.
    unclaimed: list[str] | None = None
    copies: list[CopyNotice] = field(default_factory=list)
    error: str | None = None


# The candidate page's loader options: each document with its facts and possible copies
# (and the other application's reference), in the statement that reads the application.
WITH_SAMPLE_FACTS = (
    joinedload(Application.documents).joinedload(Document.sample_facts),
    joinedload(Application.documents)
    .joinedload(Document.sample_matches)
    .joinedload(SampleMatch.other_application)
    .load_only(Application.reference),
    # Whether the other is an applicant at risk: only then is their scope asked.
    joinedload(Application.documents)
    .joinedload(Document.sample_matches)
    .joinedload(SampleMatch.other_application)
    .joinedload(Application.safety),
)


def sample_facts_views(
    application: Application,
    documents: list[Document],
    ui_language: str,
    *,
    viewer: User | None = None,
) -> dict[int, SampleFactsView]:
    """Return the view of each writing sample among *application*'s *documents*, by id.

    The facts and copies come with the documents (WITH_SAMPLE_FACTS); only a sample not
    measured yet costs a statement, which tells a failed job from a waiting one, and only
    a copy of an applicant at risk one, which leaves them out unless *viewer* may see them
    (their reference and text: tracker.inbox.scope).
    """
    samples = [d for d in documents if d.kind == DocumentKind.WRITING_SAMPLE]
    unmeasured = any(d.sample_facts is None for d in samples)
    failed = _failure(application.id) if unmeasured else None
    at_risk = {
        m.other_application_id
        for d in samples
        for m in d.sample_matches
        if m.other_application.safety is not None
    }
    hidden = hidden_among(at_risk, viewer)
    claimed = [row.language for row in application.languages]
    views = {}
    for document in samples:
        row = document.sample_facts
        if row is None:
            views[document.id] = (
                SampleFactsView("failed", error=failed)
                if failed is not None
                else SampleFactsView("pending")
            )
        elif not row.has_text:
            views[document.id] = SampleFactsView("no_text")
        else:
            copies = [
                _copy(match)
                for match in document.sample_matches
                if match.other_application_id not in hidden
            ]
            views[document.id] = _computed(row, claimed, copies, ui_language)
    return views


def _computed(
    row: SampleFacts, claimed: list[str], copies: list[CopyNotice], ui_language: str
) -> SampleFactsView:
    view = SampleFactsView(
        "computed",
        words=row.word_count,
        words_shown=format_decimal(row.word_count),
        minutes=reading_minutes(row.word_count),
        copies=copies,
    )
    if row.language is not None:
        view.language = language_name(row.language, ui_language)
        view.confidence = round(100 * (row.language_confidence or 0))
        if row.language not in claimed:
            names = known_language_names(ui_language)
            view.unclaimed = [names.get(code, code) for code in claimed]
    return view


def _copy(match: SampleMatch) -> CopyNotice:
    return CopyNotice(
        share_percent=round(100 * match.share),
        other_id=match.other_application_id,
        other_reference=match.other_application.reference,
        passages=[tuple(pair) for pair in match.passages],
    )


# Asked on every view of a candidate whose writing sample is not measured yet: built once
# and prepared on PostgreSQL (building it, its JSON path and its cache key, and planning it
# cost more than running it).
_LATEST_FACTS_JOB = (
    select(Job.status, Job.last_error)
    .where(Job.kind == SAMPLE_FACTS)
    .where(Job.payload["application_id"].as_integer() == bindparam("application_id"))
    .order_by(Job.id.desc())
    .limit(1)
    .execution_options(**PREPARE)
)


def _failure(application_id: int) -> str | None:
    """Return the error of the application's latest sample_facts job if it failed for
    good; None while one is queued, running or retrying (or none was queued)."""
    job = db.session.execute(_LATEST_FACTS_JOB, {"application_id": application_id}).first()
    if job is None or job.status != JobStatus.FAILED.value:
        return None
    return job.last_error or ""


def sample_facts_record(application_id: int) -> list[dict]:
    """Return the facts derived from the applicant's writing sample(s), for their
    subject-access export: counts, language, and the share of each possible copy, but
    not the other applicant's reference or text (their data, not this applicant's)."""
    facts = db.session.scalars(
        select(SampleFacts)
        .where(SampleFacts.application_id == application_id)
        .order_by(SampleFacts.document_id)
    ).all()
    shares = db.session.execute(
        select(SampleMatch.document_id, SampleMatch.share)
        .where(SampleMatch.application_id == application_id)
        .order_by(SampleMatch.document_id, SampleMatch.share.desc())
    ).all()
    return [
        {
            "word_count": row.word_count,
            "has_text": row.has_text,
            "language": row.language,
            "language_confidence": row.language_confidence,
            "possible_copy_shares": [share for doc, share in shares if doc == row.document_id],
            "computed_at": row.computed_at.isoformat(),
        }
        for row in facts
    ]
