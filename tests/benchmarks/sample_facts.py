"""Bench the inbox's writing-sample filters and columns, and the near-duplicate lookup.

On a working copy of the seeded database (the reusable one does not grow): every
application gets a writing sample with facts (a spread of languages, as a call for the
Caucasus receives them), its BANDS band keys, and one in 500 a possible copy of another's.
"""

from __future__ import annotations

import random
import shutil
import statistics
from pathlib import Path

from sqlalchemy import insert, select

from tests.benchmarks.pages import sign_in, time_against_raw_sql
from tests.benchmarks.scratch import (
    EDITOR_EMAIL,
    scratch_config,
    settle_statistics,
    working_copy,
)
from tests.benchmarks.timing import Table, percentile, timed
from tracker import create_app
from tracker.collector import settle_collector
from tracker.extensions import db
from tracker.inbox.columns import OPTIONAL_COLUMNS
from tracker.models import Application, Document, SampleBand, SampleFacts, SampleMatch, User
from tracker.sample_facts.job import _candidates
from tracker.sample_facts.text import BANDS

LANGUAGES = [("ru", 40), ("ka", 25), ("de", 15), ("en", 10), ("hy", 5), ("az", 5)]
COPY_EVERY = 500
CHUNK = 5000
# The lookup of a new sample's candidates: one indexed query, whatever the table holds.
LOOKUP_MS = 5


def bench_sample_facts(n: int, folder: Path, table: Table) -> None:
    """Time the inbox with the sample filters and columns, and the candidates' lookup."""
    work = folder / "sample_facts"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir()
    url = working_copy(n, work)
    app = create_app({**scratch_config(n), "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        keys = _seed_facts()
        db.engine.dispose()
    settle_statistics(url)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == EDITOR_EMAIL))
        user.inbox_columns = list(OPTIONAL_COLUMNS)
        db.session.commit()
        db.session.refresh(user)
        db.session.expunge(user)
    client = app.test_client()
    sign_in(client, user)
    # As a worker's app is settled (tracker/wsgi.py), and bench_pages's: without it, these
    # rows alone paid for the collector walking what the seeding above left.
    settle_collector()
    for name, page in (
        ("inbox, sample columns shown", "/review/"),
        ("inbox sample language hy (5 %)", "/review/?sample_language=hy"),
        ("inbox possible copy yes", "/review/?possible_copy=yes"),
        ("inbox possible copy no", "/review/?possible_copy=no"),
    ):
        time_against_raw_sql(app, client, url, name, page, table)
    with app.app_context():
        lookups = timed(lambda: _candidates(keys, 0))
        db.engine.dispose()
    table.add(
        f"sample candidates lookup ({n * BANDS:,} keys)",
        statistics.median(lookups),
        percentile(lookups, 0.95),
        "-",
        None,
        None,
        f"p95 <= {LOOKUP_MS}",
        percentile(lookups, 0.95) <= LOOKUP_MS,
    )


def _seed_facts() -> list[int]:
    """Give every application a measured writing sample; return one sample's band keys."""
    rng = random.Random(42)  # noqa: S311 - made-up data, the same in every run
    codes = [code for code, weight in LANGUAGES for _ in range(weight)]
    ids = db.session.scalars(select(Application.id).order_by(Application.id)).all()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        documents = _samples_of(chunk)
        missing = [application_id for application_id in chunk if application_id not in documents]
        if missing:  # the demo data's writing samples are kept, the others made up
            db.session.execute(
                insert(Document),
                [
                    {
                        "application_id": application_id,
                        "kind": "writing_sample",
                        "filename": "sample.txt",
                        "file_type": "txt",
                        "content_type": "text/plain",
                        "size": 1,
                        "sha256": "0" * 64,
                        "storage_key": f"bench-sample-{application_id}",
                        "flags": [],
                    }
                    for application_id in missing
                ],
            )
            documents = _samples_of(chunk)
        db.session.execute(
            insert(SampleFacts),
            [
                {
                    "document_id": documents[application_id],
                    "application_id": application_id,
                    "word_count": rng.randint(300, 3000),
                    "has_text": True,
                    "language": rng.choice(codes),
                    "language_confidence": 0.97,
                }
                for application_id in chunk
            ],
        )
        db.session.execute(
            insert(SampleBand),
            [
                {
                    "band_key": rng.getrandbits(63),
                    "document_id": documents[application_id],
                    "application_id": application_id,
                }
                for application_id in chunk
                for _ in range(BANDS)
            ],
        )
        pairs = [chunk[i : i + 2] for i in range(0, len(chunk) - 1, COPY_EVERY)]
        db.session.execute(
            insert(SampleMatch),
            [
                {
                    "document_id": documents[own],
                    "other_document_id": documents[other],
                    "application_id": own,
                    "other_application_id": other,
                    "share": 0.8,
                    "passages": [["…", "…"]],
                }
                for first, second in pairs
                for own, other in ((first, second), (second, first))
            ],
        )
        db.session.commit()
    return [rng.getrandbits(63) for _ in range(BANDS)]


def _samples_of(application_ids: list[int]) -> dict[int, int]:
    return dict(
        db.session.execute(
            select(Document.application_id, Document.id).where(
                Document.application_id.in_(application_ids), Document.kind == "writing_sample"
            )
        ).all()
    )
