"""The sample_facts job: measure an application's writing sample(s) and find copies.

Queued by the extract_text job in the transaction that stores the documents' text
(tracker.documents.extract_job), never in the applicant's request. The texts are measured
with no transaction open; then, under the write lock, the sample's LSH band keys are
stored and one indexed query over them finds the samples that may share text with it.
For each, the exact share of shingles and the matching passages are computed from the two
texts, and above COPY_THRESHOLD both applications point at each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_, select

from tracker.database import begin_write
from tracker.enums import DocumentKind
from tracker.extensions import db
from tracker.jobs.queue import delete_jobs, enqueue
from tracker.jobs.registry import ClaimedJob, job_kind
from tracker.models import Application, Document, Job, SampleBand, SampleFacts, SampleMatch
from tracker.sample_facts.text import (
    Words,
    band_keys,
    detect_language,
    passages,
    share_in,
    shingles,
    word_count,
)

SAMPLE_FACTS = "sample_facts"
# From this share of one sample's shingles found in another's, both applications are
# flagged as a possible copy: a sample copied from a colleague, or sent twice.
COPY_THRESHOLD = 0.5
# The most candidates one sample is compared with, those sharing the most band keys first:
# bounded work even if many samples quote one common text.
MAX_CANDIDATES = 20


def queue_sample_facts(application_id: int) -> Job:
    """Queue the measuring of an application's writing sample, in the caller's transaction."""
    return enqueue(SAMPLE_FACTS, application_id=application_id)


@dataclass
class Measured:
    """What one sample's text tells, before anything is stored."""

    document_id: int
    words: Words
    word_count: int
    language: str | None = None
    confidence: float | None = None
    shingles: set[str] = field(default_factory=set)
    keys: list[int] = field(default_factory=list)


def measure(document_id: int, text: str | None) -> Measured:
    """Measure *text* (None or blank: no text layer, nothing but a count of 0)."""
    text = text or ""
    words = Words.of(text)
    measured = Measured(document_id, words, word_count(text))
    if measured.word_count:
        measured.language, measured.confidence = detect_language(text)
        measured.shingles = shingles(words)
        measured.keys = band_keys(measured.shingles)
    return measured


@dataclass(frozen=True)
class Comparison:
    """One sample compared with another: each one's share of shingles found in the other,
    and the shared passages as each writes them (empty below COPY_THRESHOLD)."""

    other_application_id: int
    own_share: float
    other_share: float
    own_passages: list[tuple[str, str]]
    other_passages: list[tuple[str, str]]


def _samples(application_id: int) -> list[tuple[int, str | None]]:
    return db.session.execute(
        select(Document.id, Document.text)
        .where(
            Document.application_id == application_id,
            Document.kind == DocumentKind.WRITING_SAMPLE.value,
        )
        .order_by(Document.id)
    ).all()


@job_kind(SAMPLE_FACTS, label=_l("Measure an application's writing sample"))
def compute_sample_facts(job: ClaimedJob, _resource: None) -> bool:
    """Measure and store the facts of the job's application's writing samples, and flag
    possible copies both ways; False if the application is gone.

    The texts are measured and compared with the candidates found so far with no write
    lock held (comparing two long samples takes a good part of a second); under the lock
    the candidates are looked up again, and only one that appeared meanwhile (a sample
    stored by another worker) is compared there.
    """
    application_id = job.payload["application_id"]
    measured = [measure(document_id, text) for document_id, text in _samples(application_id)]
    compared = {each.document_id: _compare(each, application_id, {}) for each in measured}
    db.session.commit()
    begin_write()
    if db.session.get(Application, application_id) is None:
        db.session.commit()
        return False
    for each in measured:
        _store(application_id, each, compared[each.document_id])
    db.session.commit()
    return True


def _compare(
    measured: Measured, application_id: int, known: dict[int, Comparison]
) -> dict[int, Comparison]:
    """Return *known* with every other candidate of *measured* compared: {other document
    id: Comparison}; the passages only for a possible copy (above COPY_THRESHOLD)."""
    if not measured.keys:
        return known
    candidates = _candidates(measured.keys, application_id)
    new = [document_id for document_id in candidates if document_id not in known]
    texts = dict(
        db.session.execute(select(Document.id, Document.text).where(Document.id.in_(new))).all()
    )
    for other_id in new:
        other = Words.of(texts.get(other_id) or "")
        other_shingles = shingles(other)
        own_share = share_in(measured.shingles, other_shingles)
        other_share = share_in(other_shingles, measured.shingles)
        copy = max(own_share, other_share) >= COPY_THRESHOLD
        known[other_id] = Comparison(
            candidates[other_id],
            own_share,
            other_share,
            passages(measured.words, other) if copy else [],
            passages(other, measured.words) if copy else [],
        )
    return known


def _store(application_id: int, measured: Measured, compared: dict[int, Comparison]) -> None:
    """Replace the sample's facts, band keys and matches (both ways) with *measured*."""
    document_id = measured.document_id
    _forget_documents([document_id])
    db.session.add(
        SampleFacts(
            document_id=document_id,
            application_id=application_id,
            word_count=measured.word_count,
            has_text=measured.word_count > 0,
            language=measured.language,
            language_confidence=measured.confidence,
        )
    )
    compared = _compare(measured, application_id, compared)
    db.session.add_all(
        SampleBand(band_key=key, document_id=document_id, application_id=application_id)
        for key in set(measured.keys)
    )
    for other_id, found in compared.items():
        if max(found.own_share, found.other_share) < COPY_THRESHOLD:
            continue
        db.session.add_all(
            [
                SampleMatch(
                    document_id=document_id,
                    other_document_id=other_id,
                    application_id=application_id,
                    other_application_id=found.other_application_id,
                    share=round(found.own_share, 4),
                    passages=[list(pair) for pair in found.own_passages],
                ),
                SampleMatch(
                    document_id=other_id,
                    other_document_id=document_id,
                    application_id=found.other_application_id,
                    other_application_id=application_id,
                    share=round(found.other_share, 4),
                    passages=[list(pair) for pair in found.other_passages],
                ),
            ]
        )


def _candidates(keys: list[int], application_id: int) -> dict[int, int]:
    """Return {document id: application id} of the other samples sharing a band key with
    *keys*, the most shared first: one query on the band keys' primary-key index."""
    shared = func.count()
    rows = db.session.execute(
        select(SampleBand.document_id, SampleBand.application_id)
        .where(SampleBand.band_key.in_(sorted(set(keys))))
        .where(SampleBand.application_id != application_id)
        .group_by(SampleBand.document_id, SampleBand.application_id)
        .order_by(shared.desc(), SampleBand.document_id)
        .limit(MAX_CANDIDATES)
    )
    return dict(rows.all())


def _forget_documents(document_ids: list[int]) -> None:
    """Delete the facts, band keys and matches (both ways) of *document_ids*."""
    db.session.execute(delete(SampleFacts).where(SampleFacts.document_id.in_(document_ids)))
    db.session.execute(delete(SampleBand).where(SampleBand.document_id.in_(document_ids)))
    db.session.execute(
        delete(SampleMatch).where(
            or_(
                SampleMatch.document_id.in_(document_ids),
                SampleMatch.other_document_id.in_(document_ids),
            )
        )
    )


def forget_sample_facts(application_ids: list[int]) -> list[int]:
    """Delete, in the caller's transaction, everything derived from the writing samples of
    *application_ids* (facts, band keys, matches on either side, queued jobs), and queue a
    new measuring for each other application that was flagged because of them.

    Erasure calls it (tracker.privacy): no passage of an erased text stays on the other
    side, and the other side's flag goes with it. Returns the applications requeued.
    """
    flagged = db.session.scalars(
        select(SampleMatch.application_id)
        .distinct()
        .where(SampleMatch.other_application_id.in_(application_ids))
        .where(SampleMatch.application_id.not_in(application_ids))
        .order_by(SampleMatch.application_id)
    ).all()
    document_ids = select(Document.id).where(Document.application_id.in_(application_ids))
    _forget_documents(list(db.session.scalars(document_ids)))
    delete_jobs(
        SAMPLE_FACTS,
        "application_id",
        select(Application.id).where(Application.id.in_(application_ids)),
    )
    for application_id in flagged:
        queue_sample_facts(application_id)
    return list(flagged)
