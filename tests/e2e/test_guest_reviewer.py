"""Browser test: an admin invites a guest reviewer for one call and one region; the guest
chooses a password, signs in, sees only that region's candidates of the call, without
their contact details, and rates one."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.e2e.conftest import make_staff, sign_in
from tests.guests.conftest import other_call
from tests.stored import new_application
from tracker.accounts.guests import today
from tracker.extensions import db
from tracker.models import Call, GuestScope, OutboxEmail, Rating, User

ADMIN = "admin@example.org"
GUEST = "gayane@partner.example"
GUEST_PASSWORD = "apricot valley night train"


@pytest.fixture
def no_two_factor(app_config):
    """Admins sign in with a password here (two-factor sign-in has tests of its own)."""
    app_config["REQUIRE_2FA_FOR_ADMINS"] = False


def _applications(app, slug: str) -> None:
    with app.app_context():
        second = other_call()
        call = db.session.scalar(select(Call).where(Call.slug == slug))
        db.session.add(
            new_application(
                call,
                region="armenia",
                full_name="Anahit Petrosyan",
                email="anahit.p@example.org",
                phone="+374 91 234567",
            )
        )
        db.session.add(new_application(call, region="georgia", full_name="Nino Beridze"))
        db.session.add(new_application(second, region="armenia", full_name="Aram Sargsyan"))
        db.session.commit()


def test_a_guest_invited_for_one_region_sees_and_rates_only_its_candidates(
    no_two_factor, live_app, call_slug, new_page
):
    _applications(live_app, call_slug)
    make_staff(live_app, ADMIN, "admin", "Ada Admin")
    admin = new_page()
    sign_in(admin, live_app, ADMIN)
    admin.goto(f"{live_app.base_url}/admin/team?lang=en")
    last_day = today() + timedelta(days=10)
    admin.fill("#guest-name", "Gayane Guest")
    admin.fill("#guest-email", GUEST)
    admin.select_option("#guest-call", label="Local experts wanted")
    admin.select_option("#guest-regions", ["armenia"])
    admin.fill("#guest-ends_on", last_day.isoformat())
    admin.get_by_role("button", name="Invite the guest reviewer").click()
    admin.wait_for_load_state()
    assert "Gayane Guest is invited as a guest reviewer." in admin.inner_text("main")
    with live_app.app_context():
        guest = db.session.scalar(select(User).where(User.email == GUEST))
        scope = db.session.get(GuestScope, guest.id)
        assert (guest.role, scope.regions, scope.ends_on) == ("guest", ["armenia"], last_day)
        body = db.session.scalar(
            select(OutboxEmail.body_text).where(OutboxEmail.to_address == GUEST)
        )
    link = re.search(r"(http://127\.0\.0\.1:\d+/team/join/\S+)", body).group(1)

    page = new_page()
    page.goto(f"{link}?lang=en")
    page.fill("#new_password", GUEST_PASSWORD)
    page.fill("#confirm_password", GUEST_PASSWORD)
    page.get_by_role("button", name="Save my password").click()
    page.wait_for_load_state()
    page.fill("#email", GUEST)
    page.fill("#password", GUEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert page.url.endswith("/review/")

    names = page.locator("a.candidate-link").all_inner_texts()
    assert names == ["Anahit Petrosyan"]
    navigation = page.locator("nav.staff-nav").inner_text()
    assert "Inbox" in navigation
    assert "Outbox" not in navigation
    assert "Dashboard" not in navigation

    page.locator("a.candidate-link").first.click()
    page.wait_for_load_state()
    content = page.content()
    for detail in ("anahit.p@example.org", "+374 91 234567", "234567"):
        assert detail not in content
    page.get_by_role("tab", name="Application").click()
    assert "Hidden for guest reviewers" in page.inner_text("#panel-application")

    for fieldset in page.locator("#rating-form fieldset.rubric-criterion").all()[:-1]:
        fieldset.get_by_label("4", exact=True).check()
    page.get_by_label("Yes", exact=True).check()
    page.get_by_role("button", name="Save rating").click()
    page.wait_for_load_state()
    assert "Your rating is saved." in page.inner_text("main")
    with live_app.app_context():
        rating = db.session.scalar(select(Rating))
        assert (rating.user_id, rating.recommendation, rating.regional_expertise) == (
            guest.id,
            "yes",
            4,
        )
