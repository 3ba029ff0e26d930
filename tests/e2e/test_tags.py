"""Browser test: two editors tag one candidate at once, and neither undoes the other's tag."""

from __future__ import annotations

from sqlalchemy import select

from tests.e2e.conftest import make_staff, sign_in
from tests.stored import new_application
from tracker.extensions import db


def make_candidate(app, call_slug: str) -> int:
    """Store one application directly (the applicant's form has browser tests of its own)."""
    from tracker.models import Call

    with app.app_context():
        application = new_application(db.session.scalar(select(Call).where(Call.slug == call_slug)))
        db.session.add(application)
        db.session.commit()
        return application.id


def tags_shown(page) -> list[str]:
    return [
        text.replace("Remove", "").strip()
        for text in page.locator("#candidate-tags .tag-list li").all_inner_texts()
    ]


def test_two_editors_adding_tags_from_stale_pages_keep_both(live_app, call_slug, new_page):
    application_id = make_candidate(live_app, call_slug)
    make_staff(live_app, "ana@example.org", "editor", "Ana Editor")
    make_staff(live_app, "ben@example.org", "editor", "Ben Editor")
    ana, ben = new_page(), new_page()
    sign_in(ana, live_app, "ana@example.org")
    sign_in(ben, live_app, "ben@example.org")
    candidate = f"{live_app.base_url}/review/applications/{application_id}?lang=en"
    # Both open the candidate before either tags them.
    ana.goto(candidate)
    ben.goto(candidate)

    ana.get_by_label("Add a tag").fill("Energie")
    ana.get_by_role("button", name="Add tag").click()
    ana.wait_for_load_state()
    assert tags_shown(ana) == ["Energie"]

    # Ben's page still shows no tag; he adds his own.
    assert "No tags yet." in ben.inner_text("#candidate-tags")
    ben.get_by_label("Add a tag").fill("Umwelt")
    ben.get_by_role("button", name="Add tag").click()
    ben.wait_for_load_state()
    assert "Tag “Umwelt” added." in ben.inner_text("main")
    assert tags_shown(ben) == ["Energie", "Umwelt"]

    # Ana, with her page from before Ben's tag, removes hers: Ben's stays.
    ana.get_by_role("button", name="Remove the tag “Energie”").click()
    ana.wait_for_load_state()
    assert tags_shown(ana) == ["Umwelt"]
    # Ben's stale remove button for "Energie" is a notice, not an error.
    ben.get_by_role("button", name="Remove the tag “Energie”").click()
    ben.wait_for_load_state()
    assert "The tag “Energie” had already been removed." in ben.inner_text("main")
    assert tags_shown(ben) == ["Umwelt"]
