"""An admin in a real browser: a new call from another, rows of regions, the audit log."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.e2e.conftest import make_staff, serious_violations, sign_in
from tracker.extensions import db
from tracker.models import Call

ADMIN = "admin@example.org"


@pytest.fixture
def no_two_factor(app_config):
    """Admins sign in with a password here (two-factor sign-in has tests of its own)."""
    app_config["REQUIRE_2FA_FOR_ADMINS"] = False


def test_admin_copies_a_call_adds_and_removes_rows_and_saves(
    no_two_factor, live_app, call_slug, page
):
    make_staff(live_app, ADMIN, "admin", "Ada Admin")
    sign_in(page, live_app, ADMIN)
    page.goto(f"{live_app.base_url}/admin/calls/new?lang=en")
    assert page.input_value("#regions-0-key") == "georgia"
    assert serious_violations(page) == []

    # Enter in a field saves (the hidden first button), it does not remove "Region 1".
    page.fill("#slug", "experts-2027")
    page.get_by_role("button", name="Add a region").click()
    page.wait_for_load_state()
    assert page.evaluate("document.activeElement.id") == "regions-17-key"
    page.fill("#regions-17-key", "sochi")
    page.fill("#regions-17-label_de", "Sotschi")
    page.fill("#regions-17-label_en", "Sochi")
    page.fill("#regions-17-label_ru", "Сочи")
    page.select_option("#regions-17-group", "neighbouring")
    page.get_by_role("button", name="Remove Region 2", exact=True).click()
    page.wait_for_load_state()
    assert page.input_value("#regions-1-key") == "tskhinvali"
    page.press("#title_en", "Enter")
    page.wait_for_load_state()

    assert "The call is saved." in page.inner_text("main")
    with live_app.app_context():
        new = db.session.scalar(select(Call).where(Call.slug == "experts-2027"))
        source = db.session.scalar(select(Call).where(Call.slug == call_slug))
        keys = [region["key"] for region in new.regions]
        assert keys == [r["key"] for r in source.regions if r["key"] != "abkhazia"] + ["sochi"]
        assert new.regions[-1] == {
            "key": "sochi",
            "country": "sochi",
            "group": "neighbouring",
            "label": {"de": "Sotschi", "en": "Sochi", "ru": "Сочи"},
        }
        assert len(source.regions) == 17

    page.goto(f"{live_app.base_url}/review/audit?lang=en")
    page.select_option("#audit-kind", "exports")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_load_state()
    assert "kind=exports" in page.url
    assert "0 events" in page.inner_text("main")
    assert serious_violations(page) == []
