"""The demo data: realistic, complete, consistent with storage and search, and repeatable."""

from __future__ import annotations

import hashlib
import io
import os
from collections import Counter

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from tracker.demo import data as demo_data
from tracker.demo import documents as demo_documents
from tracker.demo.data import BENCHMARK_WORD
from tracker.demo.seed import seed_demo
from tracker.documents.storage import path_for, reconcile
from tracker.documents.validate import stage_upload
from tracker.enums import FINAL_STATUSES, TRANSITIONS, LanguageLevel, Status
from tracker.extensions import db
from tracker.models import (
    Application,
    ApplicationLanguage,
    ApplicationRegion,
    ApplicationTopic,
    Call,
    Document,
    OutboxEmail,
    SearchEntry,
    StatusChange,
)
from tracker.search import matching_application_ids, search_text


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def seeded(app):
    calls = []
    report = seed_demo(30, seed=7, progress=calls.append, batch_size=12)
    return report, calls


def test_seed_creates_exactly_what_it_reports(seeded):
    report, progress = seeded
    assert (report.applications, report.call_slug) == (30, "local-experts")
    assert progress == [12, 12, 6]
    assert count(Call) == 1
    assert count(Application) == 30
    assert count(SearchEntry) == 30
    assert count(Document) == report.documents
    # Fixed by the seed: changes here mean the generator changed, which is fine but visible.
    assert (report.documents, count(ApplicationLanguage), count(ApplicationTopic)) == (
        56,
        110,
        53,
    )
    assert count(ApplicationRegion) == 44
    assert count(StatusChange) == 17
    # Demo applicants must never be emailed.
    assert count(OutboxEmail) == 0


def test_every_document_has_its_own_file_with_matching_size_and_sha256(app, seeded):
    keys = set()
    for document in db.session.scalars(select(Document)):
        data = path_for(document.storage_key).read_bytes()
        assert len(data) == document.size
        assert hashlib.sha256(data).hexdigest() == document.sha256
        assert document.text
        assert document.filename.endswith(f".{document.file_type}")
        keys.add(document.storage_key)
    assert len(keys) == count(Document)
    report = reconcile()
    assert (report.orphan_files, report.missing_files) == ([], [])


def test_every_application_is_complete_and_valid(seeded):
    call = db.session.scalar(select(Call))
    regions = {region["key"]: region["country"] for region in call.regions}
    topics = {topic["key"] for topic in call.topics}
    levels = {level.value for level in LanguageLevel}
    for application in db.session.scalars(select(Application)):
        languages = [(lang.language, lang.level) for lang in application.languages]
        assert languages[0][0] == "de"
        assert len({code for code, _ in languages}) == len(languages)
        assert {level for _, level in languages} <= levels
        assert application.topics
        assert {topic.topic for topic in application.topics} <= topics
        assert application.status in {status.value for status in Status}
        assert 1 <= len(application.regions) <= 3
        assert set(application.regions) <= set(regions)
        if application.country == "elsewhere":
            assert application.country_other in demo_data.DIASPORA_COUNTRIES.values()
        else:
            assert application.country_other is None
            assert application.country in {regions[key] for key in application.regions}
        assert application.email.rsplit("@", 1)[1] in demo_data.EMAIL_DOMAINS
        kinds = {document.kind for document in application.documents}
        assert "cv" in kinds
        assert application.cover_letter or "cover_letter" in kinds
        assert application.writing_sample_url or "writing_sample" in kinds
        entry = db.session.get(SearchEntry, application.id)
        documents = sorted(application.documents, key=lambda document: document.id)
        assert entry.body == search_text(application, documents)


def test_status_history_follows_the_transition_table(seeded):
    for application in db.session.scalars(select(Application)):
        changes = db.session.scalars(
            select(StatusChange)
            .where(StatusChange.application_id == application.id)
            .order_by(StatusChange.id)
        ).all()
        current = Status.NEW
        moment = application.created_at
        for change in changes:
            assert change.from_status == current
            assert Status(change.to_status) in TRANSITIONS[current]
            assert change.created_at > moment
            assert (change.reason is not None) == (change.to_status == "rejected")
            current, moment = Status(change.to_status), change.created_at
        assert application.status == current
        assert application.decided_at == (moment if current in FINAL_STATUSES else None)


def test_created_at_spreads_over_the_last_year_in_id_order(seeded):
    times = db.session.scalars(select(Application.created_at).order_by(Application.id)).all()
    assert times == sorted(times)
    assert (times[-1] - times[0]).days > 300


def test_the_same_seed_gives_the_same_people(app):
    def people():
        return db.session.execute(
            select(Application.full_name, Application.city, Application.status).order_by(
                Application.id
            )
        ).all()

    seed_demo(10, seed=42)
    first = people()
    db.session.remove()
    db.drop_all()
    db.create_all()
    seed_demo(10, seed=42)
    assert people() == first
    assert len(set(first)) == 10


def test_names_come_in_several_scripts_and_search_finds_them(app):
    seed_demo(200, seed=3)
    names = db.session.scalars(select(Application.full_name)).all()
    scripts = Counter(
        "georgian"
        if any("\u10d0" <= char <= "\u10ff" for char in name)
        else "armenian"
        if any("\u0531" <= char <= "\u058f" for char in name)
        else "cyrillic"
        if any("\u0400" <= char <= "\u04ff" for char in name)
        else "latin"
        for name in names
    )
    assert set(scripts) == {"georgian", "armenian", "cyrillic", "latin"}
    for name in names[:20]:
        found = db.session.scalars(
            select(Application.full_name).where(Application.id.in_(matching_application_ids(name)))
        ).all()
        assert name in found


def test_the_benchmark_word_is_in_about_one_percent_of_cvs_and_nowhere_else(app):
    seed_demo(1000, seed=1)
    cvs = db.session.scalar(
        select(func.count())
        .select_from(Document)
        .where(Document.kind == "cv", Document.text.contains(BENCHMARK_WORD))
    )
    others = db.session.scalar(
        select(func.count())
        .select_from(Document)
        .where(Document.kind != "cv", Document.text.contains(BENCHMARK_WORD))
    )
    found = db.session.scalar(
        select(func.count()).select_from(matching_application_ids(BENCHMARK_WORD).subquery())
    )
    assert 5 <= cvs <= 20
    assert others == 0
    assert found == cvs


def test_seeding_twice_adds_to_the_same_call(app):
    seed_demo(5, seed=1)
    seed_demo(5, seed=1)
    assert count(Call) == 1
    assert count(Application) == 10
    assert len(set(db.session.scalars(select(Application.reference)))) == 10


def test_demo_documents_pass_the_upload_checks(app):
    for name, template in demo_documents.templates().items():
        data = template.build()
        upload = FileStorage(io.BytesIO(data), filename=f"{name}.{template.file_type.value}")
        staged = stage_upload(upload)
        assert staged.file_type is template.file_type
        assert staged.flags == ()
        staged.path.unlink()


def test_a_template_file_is_copied_after_many_links(app, monkeypatch):
    monkeypatch.setattr(demo_documents, "LINKS_PER_FILE", 3)
    seed_demo(20, seed=5)
    inodes = Counter(
        os.stat(path_for(key)).st_ino for key in db.session.scalars(select(Document.storage_key))
    )
    assert max(inodes.values()) <= 4  # the template's own file plus three links


def test_demo_seed_command_shows_progress_and_the_result(runner):
    result = runner.invoke(args=["demo", "seed", "--applications", "5", "--seed", "1"])
    assert result.exit_code == 0, result.output
    documents = count(Document)
    assert result.output == (
        "Seeding demo applications\n"
        f"Created 5 applications with {documents} documents for call 'local-experts'.\n"
    )
    assert count(Application) == 5


def test_demo_seed_command_refuses_production(app, runner):
    app.config["ENV"] = "production"
    result = runner.invoke(args=["demo", "seed", "--applications", "5"])
    assert result.exit_code == 1
    assert "Refusing to seed fake applications in production." in result.output
    assert count(Application) == 0


def test_demo_seed_command_refuses_zero(runner):
    result = runner.invoke(args=["demo", "seed", "--applications", "0"])
    assert result.exit_code == 2
    assert count(Application) == 0


def test_the_diaspora_lives_elsewhere_and_covers_several_regions(app):
    seed_demo(120, seed=3)
    applications = db.session.scalars(select(Application)).all()
    diaspora = [a for a in applications if a.country == "elsewhere"]
    assert diaspora
    assert any(len(a.regions) >= 2 for a in diaspora)
    assert any(len(a.regions) >= 2 for a in applications if a.country != "elsewhere")
    assert {a.country_other for a in diaspora} <= set(demo_data.DIASPORA_COUNTRIES.values())
