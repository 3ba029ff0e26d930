"""The sample's length and language on the candidate page, and the bad inputs that must
never crash the job: unknown scripts, right-to-left text, no text, a huge sample."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from tests.sample_facts.conftest import store_sample
from tracker.extensions import db
from tracker.jobs.runner import run_pending
from tracker.models import ApplicationLanguage, Job, SampleBand, SampleFacts, utcnow
from tracker.sample_facts.text import BANDS, MAX_TEXT_CHARS, Words, shingles

RUSSIAN = (
    "Мы живём в Кутаиси и пишем о жизни западной Грузии. Каждую неделю я езжу в деревни, "
    "разговариваю с фермерами и учителями и записываю их истории. "
) * 10


def summary(page: str) -> str:
    found = re.search(r'<p class="[^"]*sample-facts-summary[^"]*"[^>]*>(.*?)</p>', page, re.S)
    return " ".join(re.sub(r"<[^>]+>", "", found.group(1)).split())


def facts_of(document) -> tuple:
    row = db.session.get(SampleFacts, document.id)
    return (row.word_count, row.has_text, row.language, row.language_confidence)


def test_a_russian_sample_of_an_applicant_who_named_georgian_and_german_is_marked(
    editor_client, make_application, measure
):
    application = make_application(
        languages=[
            ApplicationLanguage(language="ka", level="C2", position=0),
            ApplicationLanguage(language="de", level="B2", position=1),
        ]
    )
    document = store_sample(application, RUSSIAN)
    assert measure().done == 1
    assert facts_of(document) == (250, True, "ru", 1.0)
    page = editor_client.get(f"/review/applications/{application.id}?lang=en").text
    assert summary(page) == (
        "250 words · about 2 min read · Russian (100 %) "
        "not among the languages the applicant named: Georgian, German"
    )


def test_a_sample_in_a_claimed_language_is_not_marked(editor_client, make_application, measure):
    application = make_application(
        languages=[ApplicationLanguage(language="ru", level="C2", position=0)]
    )
    store_sample(application, RUSSIAN)
    measure()
    page = editor_client.get(f"/review/applications/{application.id}?lang=en").text
    assert summary(page) == "250 words · about 2 min read · Russian (100 %)"


def test_the_facts_are_translated(editor_client, make_application, measure):
    application = make_application()
    store_sample(application, RUSSIAN * 6)
    measure()
    page = editor_client.get(f"/review/applications/{application.id}?lang=de").text
    assert summary(page) == (
        "1.500 Wörter · etwa 8 Min. Lesezeit · Russisch (100 %) "
        "nicht unter den Sprachen, die die Person angegeben hat: Deutsch"
    )
    page = editor_client.get(f"/review/applications/{application.id}?lang=ru").text
    assert summary(page) == (
        "1 500 слов · около 8 мин чтения · Русский (100 %) "
        "не среди языков, указанных кандидатом: Немецкий"
    )


def test_a_scanned_document_says_it_has_no_text_layer(editor_client, make_application, measure):
    application = make_application()
    document = store_sample(application, None)
    assert measure().done == 1
    assert facts_of(document) == (0, False, None, None)
    page = editor_client.get(f"/review/applications/{application.id}?lang=en").text
    assert summary(page) == "no text layer — scanned document?"


def test_scripts_the_detector_does_not_know_are_not_recognised(
    editor_client, make_application, measure
):
    tibetan = make_application()
    ethiopic = make_application(email="e@example.org")
    first = store_sample(tibetan, "ཀུན་མཁྱེན་ཀློང་ཆེན་རབ་འབྱམས་པ་ནི་བོད་ཀྱི་ མཁས་པ་ཆེན་པོ་ཡིན། " * 5)
    second = store_sample(ethiopic, "ሰላም ለዓለም። ይህ የአማርኛ ጽሑፍ ነው። " * 5)
    assert measure().done == 2
    assert facts_of(first)[2:] == (None, None)
    assert facts_of(second) == (30, True, None, None)
    page = editor_client.get(f"/review/applications/{ethiopic.id}?lang=en").text
    assert summary(page) == "30 words · about 1 min read · language not recognised"


def test_right_to_left_texts_of_a_mixed_script_name_are_measured(
    editor_client, make_application, measure
):
    persian = make_application(full_name="Nino ნინო Beridze")
    arabic = make_application(full_name="ნინო Beridze", email="arabic@example.org")
    first = store_sample(
        persian, "این یک متن فارسی است که برای آزمایش نوشته شده است و درباره قفقاز است. " * 4
    )
    second = store_sample(arabic, "هذا نص عربي قصير لاختبار الكشف عن اللغة في عينة الكتابة. " * 4)
    assert measure().done == 2
    assert facts_of(first) == (60, True, "fa", 1.0)
    assert facts_of(second) == (44, True, "ar", 1.0)
    page = editor_client.get(f"/review/applications/{persian.id}?lang=en").text
    assert "Nino ნინო Beridze" in page
    assert summary(page) == (
        "60 words · about 1 min read · Persian (100 %) "
        "not among the languages the applicant named: German"
    )
    page = editor_client.get(f"/review/applications/{arabic.id}?lang=en").text
    assert summary(page).startswith("44 words · about 1 min read · Arabic (100 %)")


def test_a_huge_sample_is_counted_whole_but_compared_by_its_beginning(make_application, measure):
    application = make_application()
    text = " ".join(f"wort{n}" for n in range(30_000))  # 228,890 characters
    assert len(text) > 200_000
    document = store_sample(application, text)
    assert measure().done == 1
    assert facts_of(document)[:2] == (30_000, True)
    bounded = Words.of(text)
    assert len(bounded.text) == MAX_TEXT_CHARS
    assert len(shingles(bounded)) == len(bounded.forms) - 4 < 30_000
    assert len(db.session.scalars(select(SampleBand.band_key)).all()) == BANDS


def test_a_failing_job_is_retried_then_shows_its_error_never_a_guess(
    editor_client, make_application, monkeypatch
):
    application = make_application()
    store_sample(application, RUSSIAN)

    def broken(text):
        raise RuntimeError("detector unavailable")

    monkeypatch.setattr("tracker.sample_facts.job.detect_language", broken)
    now = utcnow()
    report = run_pending(now=now, kinds={"sample_facts"})
    assert (report.attempted, report.deferred) == (1, 1)
    job = db.session.scalar(select(Job).where(Job.kind == "sample_facts"))
    assert (job.status, job.last_error) == ("queued", "RuntimeError: detector unavailable")
    page = editor_client.get(f"/review/applications/{application.id}?lang=en").text
    assert summary(page) == "Words, language and copies: not computed yet"

    max_attempts = editor_client.application.config["JOB_MAX_ATTEMPTS"]
    for _ in range(max_attempts - 1):
        now += timedelta(days=1)
        run_pending(now=now, kinds={"sample_facts"})
    db.session.refresh(job)
    assert job.status == "failed"
    page = editor_client.get(f"/review/applications/{application.id}?lang=en").text
    assert summary(page) == (
        "Words, language and copies could not be computed: RuntimeError: detector unavailable"
    )
    assert db.session.scalars(select(SampleFacts)).all() == []
