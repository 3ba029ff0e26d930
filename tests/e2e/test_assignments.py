"""Assignments in a real browser: a candidate on trial gets an assignment (250,00 EUR, due
in Tbilisi), the brief goes out through the outbox, and the piece walks to "paid"."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.e2e.conftest import DESKTOP, PHONE, PageWatch, make_staff, screenshot, sign_in
from tests.e2e.test_applicant_flow import press
from tests.stored import new_application
from tracker.extensions import db
from tracker.models import Assignment, Call


def test_a_candidate_on_trial_is_given_an_assignment_that_is_published_and_paid(
    live_app, call_slug, new_page
):
    make_staff(live_app, "ana@example.org", "editor", "Ana Kapanadze")
    with live_app.app_context():
        call = db.session.scalar(select(Call))
        candidate = new_application(call, status="trial", preferred_language="en")
        db.session.add(candidate)
        db.session.commit()
        candidate_id = candidate.id
    page = new_page(DESKTOP)
    watch = PageWatch(page)
    sign_in(page, live_app, "ana@example.org")

    page.goto(f"{live_app.base_url}/review/applications/{candidate_id}")
    assert "No assignment yet." in page.inner_text("#assignments")
    page.get_by_role("link", name="New assignment…").click()
    assert page.inner_text("h1") == "New assignment for \u2068Nino Beridze\u2069"
    # The candidate lives in Georgia: the deadline is in Tbilisi's time unless chosen.
    assert page.input_value("#timezone") == "Asia/Tbilisi"
    page.fill("#title", "Winter in Gudauri")
    page.fill("#brief", "3,000 characters on the ski season and the villages around it.")
    page.fill("#fee", "250,00")
    page.select_option("#currency", "EUR")
    page.fill("#deadline_day", "2099-12-20")
    page.fill("#deadline_time", "18:00")
    press(page, "Create the assignment")
    main = page.inner_text("main")
    with live_app.app_context():
        assignment = db.session.scalar(select(Assignment))
        reference, assignment_id = assignment.reference, assignment.id
    assert f"Assignment {reference} created." in page.inner_text("body")
    assert "€250.00" in main
    assert "20 Dec 2099, 18:00 (Tbilisi time)" in main
    assert "20 Dec 2099, 15:00 (Berlin time)" in main
    assert "State: Offered" in main

    # The brief: the template in the candidate's language; its fill-in part must go.
    page.get_by_role("link", name="Send the brief by email…").click()
    assert page.input_value("#subject") == "Assignment: Winter in Gudauri"
    body = page.input_value("#body_text")
    assert "Fee: €250.00" in body
    assert "Deadline: 20 Dec 2099, 18:00 (Tbilisi time)" in body
    press(page, "Send")
    assert "Fill in the marked parts before sending" in page.inner_text("main")
    page.fill("#body_text", re.sub(r"\[\[.*?\]\]\n", "", page.input_value("#body_text")))
    press(page, "Send")
    assert "The brief is queued. It will be sent in a moment." in page.inner_text("body")

    page.goto(f"{live_app.base_url}/review/outbox?tab=queued")
    outbox = page.inner_text("main")
    assert "Assignment: Winter in Gudauri" in outbox
    assert "nino@example.org" in outbox

    page.goto(f"{live_app.base_url}/review/assignments/{assignment_id}")
    for button, state in (
        ("The author accepted", "Accepted by the author"),
        ("Piece delivered", "Delivered"),
        ("Edit done", "Edited"),
    ):
        press(page, button)
        assert f"State: {state}" in page.inner_text("main")
    page.fill("#published_url", "https://caucasus-watch.example/gudauri")
    page.fill("#published_on", "2099-12-22")
    press(page, "Published")
    assert "State: Published" in page.inner_text("main")
    page.fill("#paid_on", "2099-12-30")
    press(page, "Paid")
    main = page.inner_text("main")
    assert "The assignment is now “Paid”." in page.inner_text("body")
    assert "State: Paid" in main
    assert "https://caucasus-watch.example/gudauri · 22 Dec 2099" in main
    assert "Paid on\n30 Dec 2099" in main
    assert "This assignment is finished." in main
    history = page.inner_text("#history")
    assert "Ana Kapanadze: From “Published” to “Paid”." in history
    assert "Ana Kapanadze: Brief sent by email." in history
    assert "Ana Kapanadze: Assignment created." in history

    page.goto(f"{live_app.base_url}/review/applications/{candidate_id}")
    section = page.inner_text("#assignments")
    assert "Winter in Gudauri" in section
    assert "Paid" in section
    assert watch.csp_errors == []
    screenshot(page, "assignment-on-the-candidate-page")

    phone = new_page(PHONE)
    sign_in(phone, live_app, "ana@example.org")
    phone.goto(f"{live_app.base_url}/review/assignments/{assignment_id}")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(phone, "assignment-phone")
