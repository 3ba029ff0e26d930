"""Fill a database with realistic fake applications, for demonstrations and benchmarks.

`seed_demo` writes applicants from the regions of the default call, with names from the
matching Faker locales (Georgian, Armenian, Azerbaijani, Russian, German) in native script
or Latin transliteration, cities by region, German plus the region's languages with
levels, topics of the call, diaspora applicants (Berlin, Vienna, Istanbul …) who cover
one to three regions and locals who sometimes cover a neighbouring one, statuses spread
over the pipeline with their history, ``created_at`` spread over the last twelve months,
cover letters in German, English or Russian, and real documents (PDF, DOCX, ODT, TXT) in
storage with their extracted text, PDF page counts and search entries. No email is queued:
addresses are under the reserved example.* domains.

The applications are planned by `tracker.demo.generator` from the material in
`tracker.demo.data`. Benchmark word: ``Anaklia`` (`data.BENCHMARK_WORD`) appears in the CV
of about 1 % of the applications (`data.BENCHMARK_SHARE`) and nowhere else in the
generated data, so a search for it should find about n / 100 applications.

Documents are real files in storage, linked from a few templates (`tracker.demo.documents`).

Rows are written with bulk INSERTs, `BATCH_SIZE` applications per transaction, so memory
stays flat however many applications are asked for.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from types import SimpleNamespace

from faker import Faker
from flask import current_app
from sqlalchemy import insert, select

from tracker.applications.submit import REFERENCE_ALPHABET
from tracker.calls import seed_default_call
from tracker.database import begin_write
from tracker.demo.data import LOCALES
from tracker.demo.documents import DemoFiles, templates
from tracker.demo.generator import ApplicationGenerator
from tracker.documents.storage import delete_stored
from tracker.documents.validate import CONTENT_TYPES, sanitise_filename
from tracker.extensions import db
from tracker.models import (
    Application,
    ApplicationLanguage,
    ApplicationRegion,
    ApplicationTopic,
    Document,
    SearchEntry,
    StatusChange,
    utcnow,
)
from tracker.search import search_text

BATCH_SIZE = 1000


@dataclass
class DemoReport:
    """What `seed_demo` created."""

    applications: int = 0
    documents: int = 0
    call_slug: str = ""


def seed_demo(
    n: int,
    *,
    seed: int | None = None,
    progress: Callable[[int], None] | None = None,
    batch_size: int = BATCH_SIZE,
) -> DemoReport:
    """Create *n* fake applications with documents, history and search entries.

    :param seed: makes the people, answers and statuses repeatable (storage keys, form
        tokens and, where they would collide with existing rows, references stay random).
    :param progress: called with the number of applications written after each batch.

    Seeds the default call first if it is missing. Commits once per batch; on a failure
    the current batch is rolled back and its files removed, earlier batches stay.
    """
    call, _ = seed_default_call()
    db.session.commit()
    report = DemoReport(call_slug=call.slug)
    # Fake data, not secrets: a seedable generator is the point (storage keys and form
    # tokens come from `secrets`).
    rng = random.Random(seed)  # noqa: S311
    fake = Faker(list(LOCALES))
    fake.seed_instance(seed if seed is not None else rng.getrandbits(32))
    generator = ApplicationGenerator(rng, fake, call)
    files = DemoFiles(templates=templates())
    now = utcnow()
    start = now - timedelta(days=365)
    for first in range(0, n, batch_size):
        size = min(batch_size, n - first)
        # Spread over the year in order, so ids grow with created_at as in real life.
        times = [
            start + timedelta(days=365) * ((first + i + rng.random()) / n) for i in range(size)
        ]
        plans = [generator.application(created_at, now) for created_at in times]
        files.created = []
        try:
            report.documents += _write_batch(plans, files)
            db.session.commit()
        except BaseException:
            db.session.rollback()
            for key in files.created:
                delete_stored(key)
            raise
        report.applications += size
        if progress is not None:
            progress(size)
    return report


def _write_batch(plans: list[dict], files: DemoFiles) -> int:
    """Insert one batch of planned applications with everything that belongs to them."""
    begin_write()
    _assign_references(plans)
    ids = db.session.scalars(
        insert(Application).returning(Application.id, sort_by_parameter_order=True),
        [plan["application"] for plan in plans],
    ).all()
    languages, topics, regions, documents, changes, entries = [], [], [], [], [], []
    for application_id, plan in zip(ids, plans, strict=True):
        row = plan["application"]
        languages += [{"application_id": application_id, **each} for each in plan["languages"]]
        topics += [{"application_id": application_id, "topic": each} for each in plan["topics"]]
        regions += [
            {"application_id": application_id, "region": each, "position": position}
            for position, each in enumerate(plan["regions"])
        ]
        changes += [{"application_id": application_id, **each} for each in plan["history"]]
        texts = []
        for kind, template_name, filename in plan["documents"]:
            template = files.templates[template_name]
            key = files.new_file(template)
            documents.append(
                {
                    "application_id": application_id,
                    "kind": kind.value,
                    "filename": sanitise_filename(filename, template.file_type),
                    "file_type": template.file_type.value,
                    "content_type": CONTENT_TYPES[template.file_type],
                    "size": template.size,
                    "sha256": template.sha256,
                    "storage_key": key,
                    "flags": [],
                    "text": template.text,
                    "page_count": template.page_count,
                    "created_at": row["created_at"],
                }
            )
            texts.append(SimpleNamespace(text=template.text))
        entries.append(
            {
                "application_id": application_id,
                "body": search_text(SimpleNamespace(**row), texts),
            }
        )
    for model, rows in (
        (ApplicationLanguage, languages),
        (ApplicationTopic, topics),
        (ApplicationRegion, regions),
        (Document, documents),
        (StatusChange, changes),
        (SearchEntry, entries),
    ):
        if rows:
            db.session.execute(insert(model), rows)
    return len(documents)


def _assign_references(plans: list[dict]) -> None:
    """Make every planned reference unique, within the batch and against the table."""
    rng = random.SystemRandom()
    prefix = current_app.config["REFERENCE_PREFIX"]
    pending = [plan["application"] for plan in plans]
    seen: set[str] = set()
    while pending:
        taken = set(
            db.session.scalars(
                select(Application.reference).where(
                    Application.reference.in_([row["reference"] for row in pending])
                )
            )
        )
        retry = []
        for row in pending:
            if row["reference"] in taken or row["reference"] in seen:
                chars = "".join(rng.choice(REFERENCE_ALPHABET) for _ in range(6))
                row["reference"] = f"{prefix}-{chars[:4]}-{chars[4:]}"
                retry.append(row)
            else:
                seen.add(row["reference"])
        pending = retry
