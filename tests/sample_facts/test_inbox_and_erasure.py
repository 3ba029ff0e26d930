"""The inbox's "sample language" and "possible copy" filters and columns, and erasure:
an erased sample leaves no facts, keys or passages anywhere, and the other side's flag
goes and is measured again."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.review.test_inbox import get, rows
from tests.review.test_inbox_columns import choose, headers
from tests.sample_facts.conftest import store_sample
from tests.sample_facts.test_copies import ANNA, BORIS
from tests.sample_facts.test_language import RUSSIAN
from tracker.extensions import db
from tracker.models import Job, SampleBand, SampleFacts, SampleMatch
from tracker.privacy import erase_applicant

GERMAN = (
    "Anaklia liegt am Schwarzen Meer, wenige Kilometer von der Waffenstillstandslinie "
    "entfernt. Seit mehr als zehn Jahren wird hier über einen Tiefwasserhafen gestritten. "
) * 5


def three(make_application, measure):
    russian = make_application(full_name="Olga Russisch", email="olga@example.org")
    anna = make_application(full_name="Anna Copy", email="anna@example.org")
    boris = make_application(full_name="Boris Copy", email="boris@example.org")
    store_sample(russian, RUSSIAN)
    store_sample(anna, ANNA)
    store_sample(boris, BORIS)
    assert measure().done == 3
    return russian, anna, boris


def names(page: str) -> list[str]:
    return [text.split(" CW-")[0] for text in rows(page).values()]


def test_the_inbox_filters_by_sample_language_and_possible_copy(
    editor_client, make_application, measure
):
    russian, anna, boris = three(make_application, measure)
    german = make_application(full_name="Dato Deutsch", email="dato@example.org")
    store_sample(german, GERMAN)
    measure()
    assert names(get(editor_client, "sample_language=ru")) == ["Olga Russisch"]
    # The copies' made-up words ("gemeinsam12") read as German too.
    assert names(get(editor_client, "sample_language=de&sort=name")) == [
        "Anna Copy",
        "Boris Copy",
        "Dato Deutsch",
    ]
    assert names(get(editor_client, "possible_copy=yes&sort=name")) == ["Anna Copy", "Boris Copy"]
    assert names(get(editor_client, "possible_copy=no&sort=name")) == [
        "Dato Deutsch",
        "Olga Russisch",
    ]
    page = get(editor_client, "sample_language=ru")
    assert '<option value="ru" selected>Russian</option>' in page
    assert "More filters (1 in use)" in page


def test_the_sample_columns_are_shown_from_the_pages_rows(editor_client, make_application, measure):
    russian, anna, boris = three(make_application, measure)
    choose(editor_client, "sort=name", ["sample_language", "possible_copy"])
    page = get(editor_client, "sort=name")
    assert headers(page) == ["", "Name ▲", "Sample language", "Possible copy"]
    texts = rows(page)
    assert texts[russian.id].endswith("Russian no")
    assert texts[anna.id].endswith("yes")
    assert texts[boris.id].endswith("yes")


def test_erasure_removes_every_trace_of_the_sample_and_the_other_sides_flag(
    editor_client, make_application, measure
):
    russian, anna, boris = three(make_application, measure)
    assert db.session.scalar(select(func.count()).select_from(SampleMatch)) == 2
    anna_id = anna.id

    erase_applicant(anna, by=None, reason="admin")

    for model in (SampleFacts, SampleBand, SampleMatch):
        assert db.session.scalars(select(model.application_id)).all().count(anna_id) == 0
    assert db.session.scalars(select(SampleMatch)).all() == []
    # No row anywhere holds the erased text's passages (its own words "anna…").
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table)).all():
            assert "anna0" not in str(row), table.name
    queued = db.session.scalars(
        select(Job.payload).where(Job.kind == "sample_facts", Job.status == "queued")
    ).all()
    assert queued == [{"application_id": boris.id}]
    assert measure().done == 1
    page = editor_client.get(f"/review/applications/{boris.id}?lang=en").text
    assert "Possible copy:" not in page
    assert names(get(editor_client, "possible_copy=yes")) == []


def test_the_subject_access_export_holds_the_applicants_own_facts_only(make_application, measure):
    from tracker.subject_access import subject_access_data

    russian, anna, boris = three(make_application, measure)
    record = subject_access_data(anna)["writing_sample_facts"]
    assert [{k: v for k, v in item.items() if k != "computed_at"} for item in record] == [
        {
            "word_count": 120,
            "has_text": True,
            "language": "de",  # the made-up words "gemeinsam12" read as German
            "language_confidence": 0.6363,
            "possible_copy_shares": [round(96 / 116, 4)],
        }
    ]
    # The other applicant is not named in this one's export.
    assert boris.reference not in str(record)
