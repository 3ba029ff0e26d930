"""Notifications in a real browser: an editor follows a region, an application arrives in
it and the digest lists it; an editor mentions a colleague with the keyboard, and the
colleague sees the count and the linked comment."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.e2e.conftest import DESKTOP, PageWatch, fill_answers, make_staff, sign_in
from tests.e2e.test_applicant_flow import choose_three_files, press
from tests.smtp_servers import mail_settings, recording_smtp_server
from tests.stored import new_application
from tracker.extensions import db
from tracker.mail.delivery import deliver_pending
from tracker.models import Application, Call, Comment
from tracker.notifications import notify
from tracker.notifications.core import followers


@pytest.fixture
def smtp(app_config):
    with recording_smtp_server() as server:
        app_config.update(mail_settings(server.port))
        app_config["DIGEST_HOUR"] = 0  # a digest is due whenever the test runs
        yield server


def test_following_a_region_brings_its_new_application_into_the_digest(
    smtp, live_app, call_slug, new_page
):
    make_staff(live_app, "ana@example.org", "editor", "Ana Kapanadze")
    page = new_page(DESKTOP)
    watch = PageWatch(page)
    sign_in(page, live_app, "ana@example.org")
    page.get_by_role("link", name="Settings").click()
    for box in page.locator("input[type=checkbox][name^=follow-]").all():
        box.uncheck()
    page.get_by_label("Armenia", exact=True).check()
    page.select_option("#language", "en")
    press(page, "Save settings")
    assert "Your notification settings are saved." in page.inner_text("main")
    assert page.get_by_label("Armenia", exact=True).is_checked()
    assert not page.get_by_label("Georgia", exact=True).is_checked()

    # An applicant covering Armenia sends the form; a second one covers Georgia only.
    applicant = new_page(DESKTOP)
    applicant.goto(f"{live_app.base_url}/apply/{call_slug}?lang=de")
    fill_answers(applicant, name="Aram Petrosyan", email="aram@example.org")
    applicant.uncheck("input[name=regions][value=georgia]")
    applicant.check("input[name=regions][value=armenia]")
    choose_three_files(applicant)
    press(applicant, "Bewerbung absenden")
    press(applicant, "Bewerbung absenden")
    assert "/thanks/" in applicant.url
    with live_app.app_context():
        call = db.session.scalar(select(Call))
        georgia = new_application(call, full_name="Nino Beridze", email="nino@example.org")
        db.session.add(georgia)
        db.session.flush()
        notify("new_application", users=followers(georgia), application=georgia)
        db.session.commit()
        aram = db.session.scalar(select(Application).where(Application.email == "aram@example.org"))
        aram_reference, georgia_reference = aram.reference, georgia.reference

    with live_app.app_context():
        result = live_app.test_cli_runner().invoke(args=["digest", "send"])
        assert result.output == "Sent 1 digests.\n"
        deliver_pending()

    (digest,) = [m for m in smtp.messages if m.rcpt_tos == ["ana@example.org"]]
    assert digest.message["Subject"] == "Your daily digest from Caucasus Watch"
    text = digest.message.get_body(("plain",)).get_content()
    assert (
        "New applications in Armenia:\n"
        f"- {aram_reference} Aram Petrosyan (covers Armenia)\n" in text
    )
    assert georgia_reference not in text
    assert watch.csp_errors == []


def test_a_mention_chosen_with_the_keyboard_notifies_the_colleague(live_app, call_slug, new_page):
    make_staff(live_app, "ana@example.org", "editor", "Ana Kapanadze")
    make_staff(live_app, "ben@example.org", "editor", "Ben Weber")
    with live_app.app_context():
        application = new_application(db.session.scalar(select(Call)))
        db.session.add(application)
        db.session.commit()
        application_id, reference = application.id, application.reference

    page = new_page(DESKTOP)
    watch = PageWatch(page)
    sign_in(page, live_app, "ana@example.org")
    page.goto(f"{live_app.base_url}/review/applications/{application_id}")
    box = page.locator("#comment-form textarea")
    box.click()
    box.press_sequentially("Danke! @")
    assert box.get_attribute("aria-expanded") == "true"
    assert page.locator("#mention-list").get_by_role("option").all_inner_texts() == [
        "Ana Kapanadze",
        "Ben Weber",
    ]
    box.press("ArrowDown")
    assert (
        page.locator("#mention-list").get_by_role("option", selected=True).inner_text()
        == "Ben Weber"
    )
    box.press("Enter")
    assert box.get_attribute("aria-expanded") == "false"
    box.press_sequentially("kannst du das lesen?")
    assert box.input_value() == "Danke! @Ben Weber kannst du das lesen?"
    # Escape closes the list without choosing.
    box.press_sequentially(" @B")
    assert page.locator("#mention-list").get_by_role("option").all_inner_texts() == ["Ben Weber"]
    box.press("Escape")
    assert box.get_attribute("aria-expanded") == "false"
    assert box.input_value() == "Danke! @Ben Weber kannst du das lesen? @B"
    # Typing on opens it again; Tab chooses too. Ben is told once all the same.
    box.press_sequentially("e")
    box.press("Tab")
    assert box.input_value() == "Danke! @Ben Weber kannst du das lesen? @Ben Weber "
    press(page, "Add comment")
    assert "Your comment is saved." in page.inner_text("main")

    colleague = new_page(DESKTOP)
    sign_in(colleague, live_app, "ben@example.org")
    assert colleague.inner_text(".notification-count") == "Notifications 1 unread"
    colleague.click(".notification-count")
    entry = colleague.locator(".notification-unread button")
    assert entry.inner_text() == (
        f"Ana Kapanadze mentioned you in a comment on Nino Beridze ({reference})"
    )
    with colleague.expect_navigation():
        entry.click()
    with live_app.app_context():
        comment = db.session.scalar(select(Comment))
        assert comment.body == "Danke! @Ben Weber kannst du das lesen? @Ben Weber"
    assert colleague.url.endswith(f"/review/applications/{application_id}#comment-{comment.id}")
    assert "Danke! @Ben Weber kannst du das lesen? @Ben Weber" in colleague.inner_text(
        f"#comment-{comment.id}"
    )
    assert colleague.inner_text(".notification-count") == "Notifications"
    assert watch.csp_errors == []
