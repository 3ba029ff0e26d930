"""From application to first published piece: the dashboard's numbers, exact, in fixed queries."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import count

import pytest

from tests.admin.test_dashboard import table_rows
from tests.sql_log import statements_sent
from tests.test_insights import NOW, dataset  # noqa: F401 - the fixture is used below
from tracker import insights_pieces
from tracker.admin import dashboard_views
from tracker.experts.records import new_expert, set_expertise
from tracker.extensions import db
from tracker.insights_pieces import FirstPieces, PieceStages
from tracker.models import Application, Assignment

TODAY = NOW.date()
_references = count(1)


def assignment(*, published: date | None = None, paid: date | None = None, **fields):
    """Add an assignment (published and paid on the days given); return it."""
    state = "paid" if paid else "published" if published else "accepted"
    row = Assignment(
        reference=f"AS-T{next(_references):05d}",
        title="Piece",
        fee_minor=fields.pop("fee_minor", 25000),
        currency=fields.pop("currency", "EUR"),
        deadline_at=NOW,
        timezone="Asia/Tbilisi",
        state=state,
        published_on=published,
        paid_on=paid,
        **fields,
    )
    db.session.add(row)
    return row


@pytest.fixture
def pieces(dataset):  # noqa: F811
    """Pieces on top of tests.test_insights' dataset (see each line)."""
    by_status = {
        (app.status, app.covered_regions[0].region): app
        for app in db.session.query(Application).all()
    }
    a4 = by_status[("accepted", "armenia")]  # arrived 30 days before NOW
    a7 = by_status[("trial", "armenia")]  # arrived 200 days before NOW
    a3 = by_status[("shortlisted", "georgia")]
    # a7's trial piece: published 20 days after it arrived, paid in May.
    assignment(
        application_id=a7.id,
        published=a7.created_at.date() + timedelta(days=20),
        paid=date(2026, 5, 30),
    )
    # a3's trial is not published yet.
    assignment(application_id=a3.id)
    # a4 became an expert: first piece 25 days after arriving, a second later; both paid.
    expert = new_expert(full_name="A Four", email="a4@example.org", application_id=a4.id)
    set_expertise(expert, regions=["armenia"], languages=[], topics=[])
    db.session.flush()
    assignment(expert_id=expert.id, published=TODAY - timedelta(days=5), paid=date(2026, 11, 15))
    assignment(
        expert_id=expert.id,
        published=TODAY - timedelta(days=2),
        paid=date(2026, 11, 16),
        fee_minor=15050,
    )
    # Imported experts: one published 100 days ago (not active), one 10 days ago (active).
    old = new_expert(full_name="Old Hand", email="old@example.org", source="import")
    set_expertise(old, regions=["georgia"], languages=[], topics=[])
    recent = new_expert(full_name="New Hand", email="new@example.org", source="import")
    set_expertise(recent, regions=["georgia", "abkhazia"], languages=[], topics=[])
    db.session.flush()
    assignment(expert_id=old.id, published=TODAY - timedelta(days=100), paid=date(2025, 11, 20))
    assignment(
        expert_id=recent.id,
        published=TODAY - timedelta(days=10),
        paid=date(2026, 11, 10),
        fee_minor=50000,
        currency="GEL",
    )
    db.session.commit()
    return dataset


def test_stages_per_region_and_in_total(pieces):
    rows, total = insights_pieces.piece_stages()

    assert rows == [
        PieceStages("georgia", 5, 2, 1, 0),
        PieceStages("armenia", 2, 2, 2, 2),
        PieceStages("abkhazia", 1, 0, 0, 0),
    ]
    assert total == PieceStages("", 8, 4, 3, 2)
    rows, total = insights_pieces.piece_stages(pieces["b"].id)
    assert (rows, total) == ([PieceStages("georgia", 1, 0, 0, 0)], PieceStages("", 1, 0, 0, 0))


def test_median_days_from_application_to_first_published_piece(pieces):
    # a7: 20 days; a4: 25 days to its first piece (its second does not count).
    assert insights_pieces.days_to_first_piece() == FirstPieces(22.5, 2)
    assert insights_pieces.days_to_first_piece(pieces["a"].id) == FirstPieces(22.5, 2)
    assert insights_pieces.days_to_first_piece(pieces["b"].id) == FirstPieces(None, 0)


def test_fees_paid_per_month_and_currency_in_the_last_12_months(pieces):
    assert insights_pieces.fees_paid(now=NOW) == [
        (date(2026, 11, 1), "EUR", 40050),
        (date(2026, 11, 1), "GEL", 50000),
        (date(2026, 5, 1), "EUR", 25000),
    ]
    # A call's: its trial pieces and the pieces of experts who came from its applications.
    assert insights_pieces.fees_paid(pieces["a"].id, now=NOW) == [
        (date(2026, 11, 1), "EUR", 40050),
        (date(2026, 5, 1), "EUR", 25000),
    ]
    assert insights_pieces.fees_paid(pieces["b"].id, now=NOW) == []


def test_active_experts_published_in_the_last_90_days(pieces):
    assert insights_pieces.active_experts(now=NOW) == {"armenia": 1, "georgia": 1, "abkhazia": 1}


def test_each_number_is_a_fixed_number_of_queries(pieces):
    with statements_sent() as sent:
        insights_pieces.piece_stages()
        insights_pieces.days_to_first_piece()
        insights_pieces.fees_paid(now=NOW)
        insights_pieces.active_experts(now=NOW)
    statements = [s for s in sent if not s.startswith("BEGIN")]
    assert len(statements) == 5


def test_the_dashboard_shows_the_pieces_the_fees_and_the_active_experts(
    pieces, editor_client, monkeypatch
):
    monkeypatch.setattr(dashboard_views, "utcnow", lambda: NOW)
    page = editor_client.get("/admin/dashboard?lang=en").text

    assert table_rows(page, "pieces-heading") == [
        ["Georgia", "5", "2", "1", "0"],
        ["Armenia", "2", "2", "2", "2"],
        ["Abkhazia", "1", "0", "0", "0"],
        ["All applications", "8", "4", "3", "2"],
    ]
    assert table_rows(page, "first-piece-heading") == [
        ["Median", "22.5 days"],
        ["Applications with a published piece", "2"],
    ]
    assert table_rows(page, "fees-heading") == [
        ["Nov 2026", "EUR", "€400.50"],
        ["Nov 2026", "GEL", "GEL500.00"],
        ["May 2026", "EUR", "€250.00"],
    ]
    coverage = {row[0]: row[5] for row in table_rows(page, "coverage-heading")}
    assert (coverage["Georgia"], coverage["Armenia"], coverage["Abkhazia"]) == ("1", "1", "1")
    assert "Export the assignments" not in page  # an editor may not export


def test_the_dashboard_in_german_writes_numbers_and_amounts_the_german_way(
    pieces, admin_client, monkeypatch
):
    monkeypatch.setattr(dashboard_views, "utcnow", lambda: NOW)
    page = admin_client.get("/admin/dashboard?lang=de").text

    assert table_rows(page, "first-piece-heading")[0][1] == "22,5 Tage"
    assert table_rows(page, "fees-heading")[0] == ["Nov. 2026", "EUR", "400,50 €"]
    assert "Aufträge exportieren" in page
