"""Near-duplicate writing samples: two applications sharing most of a sample flag each
other, with each side's share and the passages, through the real worker path."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from tests.conftest import login_as
from tests.guests.conftest import make_guest
from tests.sample_facts.conftest import store_sample, words
from tracker.extensions import db
from tracker.models import Job, SampleBand, SampleMatch
from tracker.sample_facts.text import BANDS

COMMON = words("gemeinsam", 100)
# 120 words, 116 shingles, 96 of them inside the common part: 83 %.
ANNA = f"{COMMON} {words('anna', 20)}"
# 140 words, 136 shingles, the same 96 shared: 71 %.
BORIS = f"{words('boris', 40)} {COMMON}"
PASSAGE = words("gemeinsam", 80) + " …"


def test_two_samples_sharing_most_text_flag_each_other_with_share_and_passages(
    editor_client, make_application, measure
):
    anna = make_application(full_name="Anna Copy")
    boris = make_application(full_name="Boris Copy", email="boris@example.org")
    anna_sample = store_sample(anna, ANNA)
    assert measure().done == 1
    boris_sample = store_sample(boris, BORIS)
    assert measure().done == 1

    matches = db.session.execute(
        select(
            SampleMatch.document_id,
            SampleMatch.other_application_id,
            SampleMatch.share,
            SampleMatch.passages,
        ).order_by(SampleMatch.document_id)
    ).all()
    assert matches == [
        (anna_sample.id, boris.id, round(96 / 116, 4), [[PASSAGE, PASSAGE]]),
        (boris_sample.id, anna.id, round(96 / 136, 4), [[PASSAGE, PASSAGE]]),
    ]
    # Each sample keeps one key per band, looked up by key.
    assert db.session.scalar(select(func.count()).select_from(SampleBand)) == 2 * BANDS

    anna_page = editor_client.get(f"/review/applications/{anna.id}?lang=en").text
    assert (
        f'<strong>Possible copy:</strong> 83 % of this sample also appears in <a href="/review/applications/{boris.id}">{boris.reference}</a>\'s sample.'
        in anna_page.replace("&#39;", "'")
    )
    cells = re.findall(r'<td dir="auto">([^<]*)</td>', anna_page)
    assert cells == [PASSAGE, PASSAGE]
    boris_page = editor_client.get(f"/review/applications/{boris.id}?lang=en").text
    assert (
        f'71 % of this sample also appears in <a href="/review/applications/{anna.id}">{anna.reference}</a>\'s sample.'
        in boris_page.replace("&#39;", "'")
    )


def test_different_samples_are_not_flagged(make_application, measure):
    first = make_application()
    second = make_application(email="other@example.org")
    store_sample(first, f"{words('erste', 60)} {words('gemeinsam', 20)}")
    store_sample(second, f"{words('zweite', 60)} {words('gemeinsam', 20)}")
    assert measure().done == 2
    assert db.session.scalars(select(SampleMatch)).all() == []


def test_a_sample_sent_twice_under_two_names_is_a_full_copy_both_ways(make_application, measure):
    first = make_application(full_name="Nino Beridze")
    second = make_application(full_name="Nina Beridse", email="nina@example.org")
    store_sample(first, ANNA)
    store_sample(second, ANNA)
    assert measure().done == 2
    shares = db.session.execute(
        select(SampleMatch.application_id, SampleMatch.share).order_by(SampleMatch.application_id)
    ).all()
    assert shares == [(first.id, 1.0), (second.id, 1.0)]


def test_a_submission_measures_its_sample_after_extraction_through_the_worker(
    client, editor_client, call
):
    from tests.jobs.test_kinds import apply
    from tracker.jobs.runner import run_pending

    application = apply(client, call)
    page = editor_client.get(f"/review/applications/{application.id}?lang=en").text
    assert "Words, language and copies: not computed yet" in page
    assert db.session.scalars(select(Job.kind).order_by(Job.id)).all() == [
        "deliver_email",
        "extract_text",
    ]

    assert run_pending(kinds={"extract_text"}).done == 1
    queued = db.session.execute(select(Job.payload).where(Job.kind == "sample_facts")).scalars()
    assert list(queued) == [{"application_id": application.id}]
    assert run_pending(kinds={"sample_facts"}).done == 1

    page = editor_client.get(f"/review/applications/{application.id}?lang=en").text
    assert "Words, language and copies: not computed yet" not in page
    summary = re.search(r'<p class="sample-facts-summary">(.*?)</p>', page, re.S).group(1)
    assert " ".join(summary.split()) == "142 words · about 1 min read · German (100 %)"


def test_a_guest_reviewer_sees_the_facts_but_no_other_candidate(
    app, call, make_user, make_application, measure
):
    inside = make_application(region="armenia", full_name="Anna Copy")
    other = make_application(email="boris@example.org", full_name="Boris Copy")
    store_sample(inside, ANNA)
    store_sample(other, BORIS)
    assert measure().done == 2
    guest = app.test_client()
    login_as(guest, make_guest(make_user, call))

    page = guest.get(f"/review/applications/{inside.id}?lang=en").text

    summary = re.search(r'<p class="sample-facts-summary">(.*?)</p>', page, re.S).group(1)
    assert " ".join(summary.split()) == "120 words · about 1 min read · German (64 %)"
    assert "Possible copy:" not in page
    assert other.reference not in page


def test_a_sample_stored_while_the_job_compared_is_compared_under_the_lock(
    make_application, measure, monkeypatch
):
    from tracker.sample_facts import job as sample_job

    anna = make_application(full_name="Anna Copy")
    boris = make_application(full_name="Boris Copy", email="boris@example.org")
    store_sample(anna, ANNA)
    assert measure().done == 1
    store_sample(boris, BORIS)
    real = sample_job._candidates
    calls = []

    def late(keys, application_id):
        """Find nothing the first time: Anna's sample "arrives" before the write lock."""
        calls.append(application_id)
        return real(keys, application_id) if len(calls) > 1 else {}

    monkeypatch.setattr(sample_job, "_candidates", late)
    assert measure().done == 1
    assert calls == [boris.id, boris.id]
    shares = db.session.execute(
        select(SampleMatch.application_id, SampleMatch.share).order_by(SampleMatch.application_id)
    ).all()
    assert shares == [(anna.id, round(96 / 116, 4)), (boris.id, round(96 / 136, 4))]
