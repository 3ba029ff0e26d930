"""Bulk email in a real browser: an unfilled part is refused; once filled, every recipient
gets the edited text in their language."""

from __future__ import annotations

from sqlalchemy import select

from tests.e2e.conftest import PageWatch, make_staff, serious_violations, sign_in
from tests.e2e.test_staff import submit, url
from tracker.extensions import db
from tracker.mail.template_store import seed_templates
from tracker.models import Application, OutboxEmail

EDITOR = "editor@example.org"


def outbox(app) -> list[tuple[str, str, str]]:
    with app.app_context():
        rows = db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id))
        return [(row.to_address, row.language, row.body_text) for row in rows]


def test_bulk_email_refuses_an_unfilled_part_and_sends_each_language_its_text(
    live_app,
    call_slug,
    page,
):
    with live_app.app_context():
        seed_templates()
        db.session.commit()
    make_staff(live_app, EDITOR, "editor", "Ana Editor")
    nino = submit(live_app, call_slug, "Nino Beridze", "nino@example.org", "georgia")
    anna = submit(live_app, call_slug, "Anna Petrosyan", "anna@example.org", "armenia")
    with live_app.app_context():
        for reference, language in ((nino, "de"), (anna, "ru")):
            row = db.session.scalar(select(Application).where(Application.reference == reference))
            row.preferred_language = language
        db.session.commit()
    before = outbox(live_app)  # the acknowledgements the form queued
    watch = PageWatch(page)
    sign_in(page, live_app, EDITOR)

    page.goto(url(live_app, "review.inbox", lang="en"))
    boxes = page.locator("input[name=ids]")
    assert boxes.count() == 2
    for index in range(2):
        boxes.nth(index).check()
    page.get_by_role("button", name="Write an email…").click()
    page.select_option("#template", "request_info")
    # Preview posts the form: wait for the new page, or axe reads a document mid-navigation.
    with page.expect_navigation():
        page.get_by_role("button", name="Preview").click()
    assert serious_violations(page) == []
    german = page.locator("#body_text_de")
    russian = page.locator("#body_text_ru")
    assert "[[Bitte beschreiben Sie hier, was fehlt.]]" in german.input_value()
    assert (
        page.locator("[data-preview=ru] [data-preview-body]")
        .inner_text()
        .startswith("Здравствуйте, Anna Petrosyan!")
    )
    german.fill(
        german.input_value().replace(
            "[[Bitte beschreiben Sie hier, was fehlt.]]", "Es fehlt Ihr Lebenslauf."
        )
    )
    # The list of unfilled parts follows the typing: German is done, Russian is not.
    assert page.locator("[data-language-text=de] [data-unfilled-parts]").is_hidden()
    russian_parts = page.locator("[data-language-text=ru] [data-unfilled-parts]")
    assert russian_parts.locator("li").all_inner_texts() == ["[[Опишите здесь, чего не хватает.]]"]
    page.get_by_role("button", name="Send 2 emails").click()

    assert "Fill in the marked parts before sending: [[Опишите здесь, чего не хватает.]]" in (
        page.locator(".error-summary").inner_text()
    )
    assert outbox(live_app) == before

    russian.fill("Здравствуйте, {{ full_name }}!\nПришлите, пожалуйста, резюме.\n")
    page.locator("#body_text_de").fill(
        "Hallo {{ full_name }},\nbitte senden Sie Ihren Lebenslauf.\n"
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Preview").click()
    page.get_by_role("button", name="Send 2 emails").click()
    page.wait_for_url("**/review/outbox**")

    assert sorted(outbox(live_app)[len(before) :]) == [
        (
            "anna@example.org",
            "ru",
            "Здравствуйте, Anna Petrosyan!\nПришлите, пожалуйста, резюме.\n",
        ),
        ("nino@example.org", "de", "Hallo Nino Beridze,\nbitte senden Sie Ihren Lebenslauf.\n"),
    ]
    # The refusal is answered with 400, which the console reports; nothing else went wrong.
    assert [e for e in watch.console_errors if "status of 400" not in e] == []
