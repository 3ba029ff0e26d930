"""An admin in a real browser creates an API token, copies it once, and revokes it."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.e2e.conftest import PageWatch, make_staff, screenshot, serious_violations, sign_in
from tracker.api_tokens import hash_token
from tracker.extensions import db
from tracker.models import ApiToken

ADMIN = "admin@example.org"


@pytest.fixture
def no_two_factor(app_config):
    """Admins sign in with a password here (two-factor sign-in has tests of its own)."""
    app_config["REQUIRE_2FA_FOR_ADMINS"] = False


def test_admin_creates_a_token_sees_it_once_and_revokes_it(no_two_factor, live_app, page):
    watch = PageWatch(page)
    make_staff(live_app, ADMIN, "admin", "Ada Admin")
    sign_in(page, live_app, ADMIN)
    page.goto(f"{live_app.base_url}/review/?lang=en")
    page.get_by_role("link", name="API tokens").click()
    page.wait_for_load_state()
    assert serious_violations(page) == []

    page.fill("#name", "Accounting")
    page.get_by_label("Read assignments: fees, deadlines, publication, payment").check()
    page.get_by_label("In a year").check()
    page.get_by_role("button", name="Create the token").click()
    page.wait_for_load_state()

    secret = page.inner_text("#token-secret")
    assert re.fullmatch(r"trk_[A-Za-z0-9_-]{43}", secret)
    assert "Copy the token now: it will not be shown again." in page.inner_text("main")
    assert serious_violations(page) == []
    screenshot(page, "admin-api-token-created")
    with live_app.app_context():
        token = db.session.scalars(select(ApiToken)).one()
        assert (token.name, token.scopes, token.token_hash) == (
            "Accounting",
            ["assignments:read"],
            hash_token(secret),
        )

    page.goto(f"{live_app.base_url}/admin/api?lang=en")
    assert secret not in page.content()
    page.get_by_role("link", name="Revoke Accounting").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="Revoke now").click()
    page.wait_for_load_state()

    assert "The token “Accounting” is revoked: requests with it are refused." in page.inner_text(
        "main"
    )
    assert page.inner_text(f"#token-{token.id} .badge") == "Revoked"
    assert watch.csp_errors == []
    assert watch.console_errors == []
