"""An applicant at risk in a real browser: they answer yes on the form, ask for a
pseudonym and a safe channel, check and send; an admin then finds what they asked for in
the candidate page's Safety panel. Both pages pass axe-core's serious checks."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from tests.e2e.conftest import (
    DESKTOP,
    PageWatch,
    fill_answers,
    make_staff,
    serious_violations,
    sign_in,
)
from tracker.extensions import db
from tracker.models import ApplicantSafety, Application

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
QUESTION = "Could publishing under your own name, or being known to work with us, put you at risk?"


def press(page, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).click()


def test_an_applicant_says_yes_and_an_admin_sees_the_safety_panel(live_app, call_slug, new_page):
    page = new_page(DESKTOP)
    watch = PageWatch(page)
    page.goto(f"{live_app.base_url}/apply/{call_slug}?lang=en")
    fill_answers(page)
    page.set_input_files("#cv", SAMPLES / "cv.pdf")
    page.set_input_files("#writing_sample", SAMPLES / "writing_sample.odt")
    page.get_by_role("group", name=QUESTION).get_by_label("Yes", exact=True).check()
    page.get_by_label("I would like to publish under a pseudonym").check()
    page.get_by_label("How can we reach you safely? (optional)").select_option("signal")
    page.get_by_label("Your number, name or address on that channel (optional)").fill("@nino.77")
    assert serious_violations(page) == []

    press(page, "Send application")
    keys = page.locator(".summary-key").all_inner_texts()
    values = page.locator(".summary-value").all_inner_texts()
    answers = dict(zip(keys, values, strict=True))
    assert answers[QUESTION] == "Yes\nI would like to publish under a pseudonym\nSignal: @nino.77"
    press(page, "Send application")
    assert "/thanks/" in page.url
    with live_app.app_context():
        application_id = db.session.scalar(select(Application.id))
        safety = db.session.get(ApplicantSafety, application_id)
        assert (safety.wants_pseudonym, safety.avoid_work_address) == (True, False)
        assert (safety.safe_channel, safety.safe_channel_handle) == ("signal", "@nino.77")

    make_staff(live_app, "ada@example.org", "admin", "Ada Admin")
    staff = new_page(DESKTOP)
    sign_in(staff, live_app, "ada@example.org")
    staff.goto(f"{live_app.base_url}/review/applications/{application_id}?lang=en")
    panel = staff.locator("#safety")
    assert panel.get_by_role("heading").inner_text() == "Safety"
    assert panel.locator("li").all_inner_texts() == [
        "Asked for a pseudonymous byline.",
        "Prefers Signal: @nino.77",
    ]
    assert staff.locator("#need-to-know").is_visible()
    assert serious_violations(staff) == []
    assert watch.console_errors == []
