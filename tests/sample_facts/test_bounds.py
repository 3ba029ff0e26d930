"""The named bounds of the sample facts: what the detector reads, how many candidates a
sample is compared with."""

from __future__ import annotations

from sqlalchemy import select

from tests.sample_facts.conftest import store_sample
from tests.sample_facts.test_copies import ANNA
from tracker.extensions import db
from tracker.models import SampleMatch
from tracker.sample_facts import job as sample_job
from tracker.sample_facts.text import LANGUAGE_CHARS, detect_language


def test_the_detector_reads_only_the_beginning():
    russian = "Мы пишем о жизни западной Грузии. " * (LANGUAGE_CHARS // 30)
    german = "Wir schreiben über das Leben in Westgeorgien. " * 2000
    assert len(russian) >= LANGUAGE_CHARS
    assert detect_language(russian + german)[0] == "ru"
    assert detect_language(german + russian)[0] == "de"


def test_a_sample_is_compared_with_at_most_max_candidates(make_application, measure, monkeypatch):
    monkeypatch.setattr(sample_job, "MAX_CANDIDATES", 1)
    first, second, third = (make_application(email=f"person{n}@example.org") for n in range(3))
    for application in (first, second):
        store_sample(application, ANNA)
        assert measure().done == 1
    store_sample(third, ANNA)
    assert measure().done == 1
    pairs = db.session.execute(
        select(SampleMatch.application_id, SampleMatch.other_application_id).order_by(
            SampleMatch.application_id, SampleMatch.other_application_id
        )
    ).all()
    # The third sample found one candidate (the lowest document id among equals) only.
    assert pairs == [
        (first.id, second.id),
        (first.id, third.id),
        (second.id, first.id),
        (third.id, first.id),
    ]
