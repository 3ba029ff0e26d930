"""Browser test: an editor saves a filter as a view shared with the team; a colleague sees it
beside the inbox with its count, opens it and makes it their start page."""

from __future__ import annotations

from tests.e2e.conftest import make_staff, sign_in
from tests.e2e.test_tags import make_candidate


def test_a_shared_view_is_listed_for_a_colleague_with_its_count(live_app, call_slug, new_page):
    for _ in range(3):
        make_candidate(live_app, call_slug)  # each covers Georgia and is new
    make_staff(live_app, "ana@example.org", "editor", "Ana Editor")
    make_staff(live_app, "ben@example.org", "editor", "Ben Editor")
    ana, ben = new_page(), new_page()
    sign_in(ana, live_app, "ana@example.org")
    sign_in(ben, live_app, "ben@example.org")

    ana.goto(f"{live_app.base_url}/review/?lang=en")
    ana.select_option("#filter-region", "georgia")
    ana.check("#filter-status-new")
    ana.get_by_role("button", name="Apply filters").click()
    ana.wait_for_load_state()
    ana.get_by_text("Save this filter as a view").click()
    ana.get_by_label("Name of the view").fill("Georgien neu")
    ana.get_by_label("Share with the team").check()
    ana.get_by_role("button", name="Save view").click()
    ana.wait_for_load_state()
    assert "The view “Georgien neu” is saved." in ana.inner_text("main")
    assert ana.locator(".saved-view-list li").all_inner_texts() == ["Georgien neu · 3 shared"]

    ben.goto(f"{live_app.base_url}/review/?lang=en")
    assert ben.locator(".saved-view-list li").all_inner_texts() == [
        "Georgien neu · 3 shared by Ana Editor"
    ]
    ben.get_by_role("link", name="Georgien neu · 3").click()
    ben.wait_for_load_state()
    assert ben.url.endswith("/review/?region=georgia&status=new")
    assert ben.locator("tr[data-application-id]").count() == 3
    ben.get_by_text("Manage views").click()
    ben.get_by_role("button", name="Make it my start page").click()
    ben.wait_for_load_state()
    assert "“Georgien neu” is now your start page." in ben.inner_text("main")
    # Signing in again lands on the view.
    ben.context.clear_cookies()
    sign_in(ben, live_app, "ben@example.org")
    assert ben.url.endswith("/review/?region=georgia&status=new")
