"""From application to first published piece, in a real browser: a candidate on trial is
given a trial piece that is accepted, delivered, edited, published and paid, the candidate
is accepted, and the editor finds the new expert in the directory with that piece and the
dashboard counts the days it took."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from tests.e2e.conftest import make_staff, sign_in
from tests.e2e.test_applicant_flow import press
from tests.stored import new_application
from tracker.extensions import db
from tracker.models import Assignment, Call, utcnow

EDITOR = "ana@example.org"
ADMIN = "admin@example.org"


def test_a_trial_piece_published_and_paid_leads_to_an_expert_and_the_days_to_a_first_piece(
    live_app, call_slug, new_page
):
    make_staff(live_app, EDITOR, "editor", "Ana Kapanadze")
    make_staff(live_app, ADMIN, "admin", "Desk Admin")
    today = utcnow().date()
    with live_app.app_context():
        call = db.session.scalar(select(Call).where(Call.slug == call_slug))
        # Applied 20 days ago, on trial now.
        candidate = new_application(
            call,
            status="trial",
            regions=["abkhazia"],
            created_at=datetime.combine(today - timedelta(days=20), datetime.min.time()),
        )
        db.session.add(candidate)
        db.session.commit()
        candidate_id = candidate.id
    page = new_page()
    sign_in(page, live_app, EDITOR)

    # The trial piece: given, accepted, delivered, edited, published and paid in the browser.
    page.goto(f"{live_app.base_url}/review/applications/{candidate_id}?lang=en")
    page.get_by_role("link", name="New assignment…").click()
    page.fill("#title", "Winter in Gudauri")
    page.fill("#fee", "250")
    page.select_option("#currency", "EUR")
    page.fill("#deadline_day", (today + timedelta(days=3)).isoformat())
    page.fill("#deadline_time", "18:00")
    press(page, "Create the assignment")
    for button in ("The author accepted", "Piece delivered", "Edit done"):
        press(page, button)
    assert "State: Edited" in page.inner_text("main")
    page.fill("#published_url", "https://caucasus-watch.example/gudauri")
    page.fill("#published_on", today.isoformat())
    press(page, "Published")
    page.fill("#paid_on", today.isoformat())
    press(page, "Paid")
    assert "State: Paid" in page.inner_text("main")
    with live_app.app_context():
        assert db.session.scalars(select(Assignment.application_id)).all() == [candidate_id]

    page.goto(f"{live_app.base_url}/review/applications/{candidate_id}")
    page.select_option("#new_status", "accepted")
    with page.expect_navigation():
        page.locator("#status-form").get_by_role("button", name="Change status").click()

    page.get_by_role("link", name="Experts", exact=True).click()
    page.select_option("#filter-region", "abkhazia")
    with page.expect_navigation():
        page.get_by_role("button", name="Apply filters").click()
    assert page.locator(".expert-table tbody .col-name").all_inner_texts() == ["Nino Beridze"]
    row = page.locator(".expert-table tbody tr").inner_text()
    assert "https://caucasus-watch.example/gudauri" in row
    page.get_by_role("link", name="Nino Beridze").click()
    assert "Winter in Gudauri" in page.inner_text(".expert-assignments")

    admin = new_page()
    sign_in(admin, live_app, ADMIN)
    admin.goto(f"{live_app.base_url}/admin/dashboard?lang=en")
    first_piece = admin.locator("#first-piece-heading ~ table").inner_text()
    assert first_piece.split("\n") == [
        "Median\t20 days",
        "Applications with a published piece\t1",
    ]
