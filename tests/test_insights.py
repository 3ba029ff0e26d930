"""The dashboard's numbers, exact for a known set of applications, on either database."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from tests.sql_log import statements_sent
from tracker import insights, insights_coverage
from tracker.enums import Status
from tracker.extensions import db
from tracker.models import Call, OutboxEmail, StatusChange

# A Wednesday; its week starts on Monday 16 November 2026.
NOW = datetime(2026, 11, 18, 12, 0)
HOUR = timedelta(hours=1)


def _email(application, template: str, at: datetime, status: str = "queued") -> None:
    db.session.add(
        OutboxEmail(
            application=application,
            template=template,
            language="de",
            to_address=application.email,
            subject="Betreff",
            body_text="Text",
            message_id=f"<{template}-{application.id}-{at.timestamp()}@example.org>",
            status=status,
            created_at=at,
        )
    )


def _history(application, *steps: tuple[str, timedelta]) -> None:
    """Add status changes: each step is (new status, time after the application arrived)."""
    previous = Status.NEW.value
    for status, after in steps:
        db.session.add(
            StatusChange(
                application_id=application.id,
                from_status=previous,
                to_status=status,
                created_at=application.created_at + after,
            )
        )
        previous = status


@pytest.fixture
def dataset(call, make_application):
    """Eight applications to two calls, with histories, emails, targets (see the module).

    Call A is the default call (targets: georgia 2, armenia 1, abkhazia 1); call B offers
    Georgia only (target 1).
    """
    call.targets = {"georgia": 2, "armenia": 1, "abkhazia": 1}
    other = Call(
        slug="photographers",
        title={"de": "Fotografen", "en": "Photographers"},
        description={"de": "Text"},
        regions=[{"key": "georgia", "country": "georgia", "label": {"de": "Georgien"}}],
        topics=[{"key": "politics", "label": {"de": "Politik"}}],
        targets={"georgia": 1},
        is_open=True,
    )
    db.session.add(other)
    db.session.commit()

    def make(region, status, days_ago, **extra):
        return make_application(
            region=region,
            country="armenia" if region == "armenia" else "georgia",
            status=status,
            created_at=NOW - timedelta(days=days_ago),
            **extra,
        )

    a1 = make("georgia", "new", 1)
    a2 = make("georgia", "in_review", 10)
    a3 = make("georgia", "shortlisted", 20)
    a4 = make("armenia", "accepted", 30)
    a5 = make("georgia", "withdrawn", 40)
    a6 = make("abkhazia", "rejected", 3)
    a7 = make("armenia", "trial", 200)
    b1 = make("georgia", "new", 2, call=other)

    _email(a1, "acknowledgement", a1.created_at + timedelta(seconds=1), status="sent")
    _email(a1, "request_info", a1.created_at + HOUR, status="draft")  # reached nobody
    _email(a2, "request_info", a2.created_at + HOUR)
    _email(b1, "request_info", b1.created_at + HOUR / 2, status="sent")
    _email(a6, "rejection", a6.created_at + 9 * HOUR, status="failed")
    _history(a2, ("in_review", 2 * HOUR))
    _history(a3, ("in_review", 24 * HOUR), ("shortlisted", 72 * HOUR))
    _history(a4, ("in_review", 4 * HOUR), ("shortlisted", 50 * HOUR), ("accepted", 90 * HOUR))
    _history(
        a5,
        ("in_review", 6 * HOUR),
        ("shortlisted", 30 * HOUR),
        ("accepted", 60 * HOUR),
        ("withdrawn", 99 * HOUR),
    )
    _history(a6, ("rejected", 8 * HOUR))
    _history(a7, ("on_hold", HOUR), ("trial", 10 * HOUR))
    db.session.commit()
    return {"a": call, "b": other}


def test_totals(dataset):
    assert insights.totals(now=NOW) == insights.Totals(
        received=8, last_7_days=3, awaiting_review=2, shortlisted=2, accepted=1
    )
    assert insights.totals(dataset["b"].id, now=NOW) == insights.Totals(1, 1, 1, 0, 0)


def test_status_counts_in_pipeline_order(dataset):
    assert insights.status_counts() == [
        (Status.NEW, 2),
        (Status.IN_REVIEW, 1),
        (Status.SHORTLISTED, 1),
        (Status.TRIAL, 1),
        (Status.ACCEPTED, 1),
        (Status.ON_HOLD, 0),
        (Status.REJECTED, 1),
        (Status.WITHDRAWN, 1),
    ]
    assert insights.status_counts(dataset["b"].id)[0] == (Status.NEW, 1)


def test_region_and_call_counts(dataset):
    assert insights.region_counts() == [("georgia", 5), ("armenia", 2), ("abkhazia", 1)]
    assert insights.region_counts(dataset["a"].id) == [
        ("georgia", 4),
        ("armenia", 2),
        ("abkhazia", 1),
    ]
    assert insights.call_counts() == [(dataset["b"], 1), (dataset["a"], 7)]


def test_funnel_counts_every_stage_an_application_ever_reached(dataset):
    # a5 was accepted and then withdrew: it still counts as accepted. a7 went from on hold
    # straight to trial: it counts as shortlisted. b1 got an email but no status change.
    assert insights.funnel() == insights.Funnel(received=8, reviewed=6, shortlisted=4, accepted=2)
    assert insights.funnel(dataset["a"].id) == insights.Funnel(7, 6, 4, 2)
    assert insights.funnel(dataset["b"].id) == insights.Funnel(1, 0, 0, 0)


def test_funnel_falls_back_to_the_current_status_without_history(call, make_application):
    make_application(status="accepted")
    assert insights.funnel() == insights.Funnel(1, 1, 1, 1)


def test_weekly_counts_for_26_weeks_from_monday(dataset):
    weeks = insights.weekly_counts(now=NOW)
    assert len(weeks) == 26
    assert weeks[0][0] == date(2026, 5, 25)
    assert weeks[-1][0] == date(2026, 11, 16)
    assert all(monday.weekday() == 0 for monday, _ in weeks)
    assert {monday: n for monday, n in weeks if n} == {
        date(2026, 11, 16): 2,  # Tuesday 17 and Monday 16 November
        date(2026, 11, 9): 1,  # Sunday 15 November belongs to the week before
        date(2026, 11, 2): 1,
        date(2026, 10, 26): 1,
        date(2026, 10, 19): 1,
        date(2026, 10, 5): 1,
    }  # a7, 200 days ago, lies before the window
    assert sum(n for _, n in insights.weekly_counts(dataset["b"].id, now=NOW)) == 1


def test_median_time_to_first_answer(dataset):
    # Answered after 0.5, 1, 1, 4, 6, 8 and 24 hours; a1 waits (acknowledgement and draft
    # do not count).
    assert insights.first_answer_times() == insights.FirstAnswer(
        median_seconds=4 * 3600, answered=7, waiting=1
    )
    # Without b1: 1, 1, 4, 6, 8, 24 hours – an even count takes the mean of the middle two.
    assert insights.first_answer_times(dataset["a"].id) == insights.FirstAnswer(5 * 3600, 6, 1)


def test_a_withdrawal_and_automatic_emails_are_no_answer(call, make_application):
    application = make_application(status="withdrawn", created_at=NOW)
    db.session.add(
        StatusChange(
            application_id=application.id,
            from_status="new",
            to_status="withdrawn",
            actor_id=None,
            created_at=NOW + HOUR,
        )
    )
    _email(application, "withdrawal_confirmation", NOW + HOUR)
    _email(application, "status_link", NOW + HOUR / 2)
    db.session.commit()
    assert insights.first_answer_times() == insights.FirstAnswer(None, 0, 1)


def test_median_without_any_answer(call, make_application):
    make_application()
    assert insights.first_answer_times() == insights.FirstAnswer(None, 0, 1)


def test_coverage_against_the_targets(dataset):
    rows = {row.key: row for row in insights_coverage.coverage(dataset["a"].id).rows}
    assert len(rows) == 17  # every region the call offers, in its order
    assert list(rows)[:3] == ["georgia", "abkhazia", "tskhinvali"]
    georgia, armenia, abkhazia = rows["georgia"], rows["armenia"], rows["abkhazia"]
    assert (georgia.target, georgia.accepted, georgia.shortlisted, georgia.gap) == (2, 0, 1, 2)
    assert (armenia.target, armenia.accepted, armenia.shortlisted, armenia.gap) == (1, 1, 1, 0)
    assert (abkhazia.target, abkhazia.accepted, abkhazia.shortlisted, abkhazia.gap) == (
        1,
        0,
        0,
        1,
    )
    assert rows["dagestan"].gap is None
    assert [row.key for row in insights_coverage.coverage(dataset["a"].id).gaps] == [
        "georgia",
        "abkhazia",
    ]


def test_coverage_of_all_calls_adds_the_targets_up(dataset):
    rows = {row.key: row for row in insights_coverage.coverage().rows}
    assert (rows["georgia"].target, rows["georgia"].gap) == (3, 3)


def test_an_applicant_covering_two_regions_counts_in_both(call, make_application):
    make_application(
        country="elsewhere",
        country_other="Germany",
        city="Berlin",
        regions=["chechnya", "ingushetia"],
        status="accepted",
    )
    make_application(regions=["chechnya"], status="shortlisted")
    assert insights.region_counts(call.id) == [("chechnya", 2), ("ingushetia", 1)]
    rows = {row.key: row for row in insights_coverage.coverage(call.id).rows}
    assert (rows["chechnya"].accepted, rows["chechnya"].shortlisted) == (1, 1)
    assert (rows["ingushetia"].accepted, rows["ingushetia"].shortlisted) == (1, 0)


def test_coverage_keeps_regions_a_call_no_longer_offers(call, make_application):
    make_application(region="crimea", status="accepted")
    row = insights_coverage.coverage(call.id).rows[-1]
    assert (row.key, row.label, row.accepted, row.target) == ("crimea", {}, 1, None)


def test_each_number_is_one_query_however_many_applications(dataset, make_application):
    def count_queries() -> int:
        with statements_sent() as statements:
            db.session.commit()
            insights.totals(now=NOW)
            insights.status_counts()
            insights.region_counts()
            insights.call_counts()
            insights.funnel()
            insights.weekly_counts(now=NOW)
            insights.first_answer_times()
            insights_coverage.coverage()
            insights_coverage.region_labels()
        return len(statements)

    before = count_queries()
    for _ in range(20):
        make_application(status="accepted", created_at=NOW - timedelta(days=5))
    assert count_queries() == before
    assert before <= 16
