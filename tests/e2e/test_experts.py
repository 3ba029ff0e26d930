"""The expert pool in a real browser: accept a candidate, find them in the directory by a
region filter, open their page and set "busy until"."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from tests.e2e.conftest import PHONE, PageWatch, make_staff, serious_violations, sign_in
from tests.stored import new_application
from tracker.extensions import db
from tracker.models import Call, Expert

EDITOR = "editor@example.org"


def test_an_accepted_candidate_is_found_in_the_directory_and_marked_busy(
    live_app, call_slug, page, new_page
):
    make_staff(live_app, EDITOR, "editor", "Ana Editor")
    with live_app.app_context():
        call = db.session.scalar(select(Call).where(Call.slug == call_slug))
        nino = new_application(call, status="shortlisted", regions=["abkhazia"])
        db.session.add(nino)
        other = new_application(
            call,
            full_name="Armen Sargsyan",
            email="armen@example.org",
            status="shortlisted",
            region="armenia",
        )
        db.session.add(other)
        db.session.commit()
        nino_id, other_id = nino.id, other.id
    watch = PageWatch(page)
    sign_in(page, live_app, EDITOR)

    for application_id in (nino_id, other_id):
        page.goto(f"{live_app.base_url}/review/applications/{application_id}")
        page.select_option("#new_status", "accepted")
        with page.expect_navigation():
            page.locator("#status-form").get_by_role("button", name="Change status").click()

    page.get_by_role("link", name="Experts", exact=True).click()
    page.wait_for_load_state()
    assert page.locator(".inbox-summary").inner_text() == "2 experts"
    page.select_option("#filter-region", "abkhazia")
    with page.expect_navigation():
        page.get_by_role("button", name="Apply filters").click()
    assert page.locator(".expert-table tbody .col-name").all_inner_texts() == ["Nino Beridze"]
    assert serious_violations(page) == []

    page.get_by_role("link", name="Nino Beridze").click()
    page.select_option("#availability", "busy")
    page.fill("#busy_until", "2027-01-12")
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()

    assert "The expert's data was saved." in page.inner_text("main")
    assert page.inner_text(".candidate-meta .badge") == "Availability: busy until 12 Jan 2027"
    assert serious_violations(page) == []
    with live_app.app_context():
        expert = db.session.scalar(select(Expert).where(Expert.application_id == nino_id))
        assert (expert.availability, expert.busy_until) == ("busy", date(2027, 1, 12))
    assert watch.csp_errors == []

    # On a phone the directory is a list of cards, never wider than the screen.
    phone = new_page(viewport=PHONE)
    sign_in(phone, live_app, EDITOR)
    phone.goto(f"{live_app.base_url}/review/experts")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
