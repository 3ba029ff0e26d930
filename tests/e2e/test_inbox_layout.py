"""The inbox fits the screen: no sideways scrolling at 1400 px or on a phone with long
regions, languages and names; cards on a phone with the same actions; the columns each
person chose kept on their account."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.e2e.conftest import PageWatch, make_staff, screenshot, serious_violations, sign_in
from tracker.applications.submit import generate_reference
from tracker.extensions import db
from tracker.models import (
    Application,
    ApplicationLanguage,
    ApplicationRegion,
    ApplicationTopic,
    Call,
    Document,
    User,
    utcnow,
)

EDITOR = "ana@example.org"
COLLEAGUE = "giorgi@example.org"
WIDE = {"width": 1400, "height": 900}
PHONE = {"width": 390, "height": 844}
LONG_NAME = "Aleksandre Konstantines-dze Dadiani-Chavchavadze-Orbeliani-Tsereteli"
LANGUAGES = [
    ("ka", "native"),
    ("ru", "C2"),
    ("de", "B2"),
    ("en", "C1"),
    ("hy", "B1"),
    ("az", "A2"),
    ("tr", "A1"),
    ("fr", "B2"),
]


def seed_long_rows(app, count: int = 6) -> list[str]:
    """Store *count* applicants who cover every region and speak eight languages, assigned
    to a colleague with a long name, with three documents each; return their references."""
    references = []
    with app.app_context():
        call = db.session.scalar(select(Call))
        colleague = db.session.scalar(select(User).where(User.email == COLLEAGUE))
        regions = [region["key"] for region in call.regions]
        topics = [topic["key"] for topic in call.topics]
        for number in range(count):
            application = Application(
                call=call,
                reference=generate_reference(),
                form_token=os.urandom(12).hex(),
                full_name=f"{LONG_NAME} {number}",
                email=f"applicant{number}@example.org",
                country="elsewhere",
                country_other="Bundesrepublik Deutschland (Nordrhein-Westfalen, Ruhrgebiet)",
                city="Mönchengladbach-Rheydt an der Niers",
                covered_regions=[
                    ApplicationRegion(region=key, position=position)
                    for position, key in enumerate(regions)
                ],
                languages=[
                    ApplicationLanguage(language=code, level=level, position=position)
                    for position, (code, level) in enumerate(LANGUAGES)
                ],
                topics=[ApplicationTopic(topic=key) for key in topics],
                cover_letter="Ich berichte aus dem ganzen Kaukasus.",
                links=[],
                writing_sample_url="https://example.org/sample",
                preferred_language="de",
                consent_at=utcnow(),
                privacy_version="test",
                created_at=utcnow() - timedelta(days=number),
                assignee=colleague,
            )
            application.documents = [
                Document(
                    kind=kind,
                    filename=f"{kind}.pdf",
                    file_type="pdf",
                    content_type="application/pdf",
                    size=1000,
                    sha256="0" * 64,
                    storage_key=os.urandom(16).hex(),
                )
                for kind in ("cv", "cover_letter", "writing_sample")
            ]
            db.session.add(application)
            db.session.commit()
            references.append(application.reference)
    return references


@pytest.fixture
def long_inbox(live_app, call_slug):
    """An inbox of applicants with long data, and two editors (one with a long name)."""
    make_staff(live_app, EDITOR, "editor", "Ana Editor")
    make_staff(live_app, COLLEAGUE, "editor", "Giorgi Konstantinovich Abashidze-Dadeshkeliani")
    seed_long_rows(live_app)
    return live_app


def inbox_url(app) -> str:
    return f"{app.base_url}/review/?lang=en"


def horizontal_overflow(page) -> tuple[int, int]:
    return page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")


def show_every_column(page) -> None:
    """Tick every column in the Columns form and keep the choice."""
    page.locator("summary", has_text="Columns").click()
    for box in page.locator(".columns-form input[name=columns]").all():
        box.check()
    with page.expect_navigation():
        page.get_by_role("button", name="Show these columns").click()


def test_inbox_has_no_sideways_scroll_at_1400_px_and_j_stays_in_place(long_inbox, new_page):
    page = new_page(WIDE)
    watch = PageWatch(page)
    sign_in(page, long_inbox, EDITOR)
    page.goto(inbox_url(long_inbox))
    scroll_width, inner_width = horizontal_overflow(page)
    assert scroll_width <= inner_width
    screenshot(page, "inbox-long-data-1400")
    # With every optional column shown too.
    show_every_column(page)
    assert page.locator("thead th.col-documents").count() == 1
    screenshot(page, "inbox-every-column-1400")
    scroll_width, inner_width = horizontal_overflow(page)
    assert scroll_width <= inner_width
    for _ in range(6):
        page.keyboard.press("j")
        assert page.evaluate("window.scrollX") == 0
    assert page.locator("tbody tr.is-current").count() == 1
    page.keyboard.press("k")
    assert page.evaluate("window.scrollX") == 0
    page.locator("summary", has_text="Columns").click()
    assert serious_violations(page) == []
    # German names the columns and levels with longer words; it fits as well.
    page.goto(f"{long_inbox.base_url}/review/?lang=de")
    assert page.locator("thead th.col-documents").inner_text() == "Unterlagen"
    scroll_width, inner_width = horizontal_overflow(page)
    assert scroll_width <= inner_width
    assert watch.console_errors == []


@pytest.mark.parametrize("width", [1280, 1024, 800])
def test_between_phone_and_1400_px_the_page_never_scrolls_sideways(long_inbox, new_page, width):
    """Where every column of a long row cannot fit, the table scrolls in its own box."""
    page = new_page({"width": width, "height": 800})
    sign_in(page, long_inbox, EDITOR)
    page.goto(f"{long_inbox.base_url}/review/?lang=de")
    scroll_width, inner_width = horizontal_overflow(page)
    assert scroll_width <= inner_width
    page.keyboard.press("j")
    assert page.evaluate("window.scrollX") == 0


def test_inbox_on_a_phone_shows_cards_with_their_actions(long_inbox, new_page):
    page = new_page(PHONE)
    watch = PageWatch(page)
    sign_in(page, long_inbox, EDITOR)
    page.goto(inbox_url(long_inbox))
    scroll_width, inner_width = horizontal_overflow(page)
    assert scroll_width <= inner_width
    screenshot(page, "inbox-cards-phone")
    assert serious_violations(page) == []
    page.keyboard.press("j")
    page.keyboard.press("j")
    assert page.evaluate("window.scrollX") == 0
    assert page.locator("tbody tr.is-current").count() == 1
    first = page.locator("tbody tr").first
    # A card: the row is a grid box, each value under its column's name.
    assert first.evaluate("row => getComputedStyle(row).display") == "grid"
    status = first.locator("td.col-status")
    assert status.evaluate("cell => getComputedStyle(cell, '::before').content") == '"Status: "'
    assert status.inner_text() == "New"
    rating = first.locator("td.col-rating")
    assert rating.is_visible()
    assert rating.evaluate("cell => getComputedStyle(cell, '::before').content") == '"Rating: "'
    assert " ".join(rating.inner_text().split()) == "not rated by you (0)"
    # Ticking a card brings the bulk bar.
    bar = page.locator("[data-bulk-bar]")
    assert bar.is_hidden()
    first.locator("input[name=ids]").check()
    assert bar.is_visible()
    assert page.locator("[data-selected-count]").inner_text() == "1"
    scroll_width, inner_width = horizontal_overflow(page)
    assert scroll_width <= inner_width
    # The candidate link opens the candidate.
    name = first.locator("a.candidate-link").inner_text()
    with page.expect_navigation():
        first.locator("a.candidate-link").click()
    assert "/review/applications/" in page.url
    assert name in page.locator("h1").inner_text()
    assert watch.console_errors == []


def test_hidden_column_stays_hidden_for_that_editor_only(long_inbox, new_page):
    page = new_page(WIDE)
    sign_in(page, long_inbox, EDITOR)
    page.goto(inbox_url(long_inbox))
    assert page.locator("thead th.col-topics").count() == 1
    page.locator("summary", has_text="Columns").click()
    page.uncheck("#column-topics")
    with page.expect_navigation():
        page.get_by_role("button", name="Show these columns").click()
    assert page.locator("thead th.col-topics").count() == 0
    assert page.locator("tbody td.col-topics").count() == 0
    page.reload()
    assert page.locator("thead th.col-topics").count() == 0
    # The same editor in a new session (another browser) still has it hidden.
    again = new_page(WIDE)
    sign_in(again, long_inbox, EDITOR)
    again.goto(inbox_url(long_inbox))
    assert again.locator("thead th.col-topics").count() == 0
    assert again.locator("thead th.col-languages").count() == 1
    # Another editor keeps the default.
    other = new_page(WIDE)
    sign_in(other, long_inbox, COLLEAGUE)
    other.goto(inbox_url(long_inbox))
    assert other.locator("thead th.col-topics").count() == 1


def test_on_a_phone_the_filters_beyond_search_fold_away_and_count_those_in_use(
    long_inbox, new_page
):
    page = new_page(PHONE)
    sign_in(page, long_inbox, EDITOR)
    page.goto(inbox_url(long_inbox) + "&region=georgia&rated=not_me")
    more = page.locator("details.filter-more")
    assert more.evaluate("details => details.open") is False
    assert page.locator("details.filter-more > summary").inner_text() == "More filters (2 in use)"
    assert page.locator("#filter-q").is_visible()
    assert page.locator("#filter-region").is_hidden()
    # The cards now start on the first screen, right after search and the status tabs.
    assert page.locator("tbody tr").first.bounding_box()["y"] < PHONE["height"]
    page.locator("details.filter-more > summary").click()
    assert page.locator("#filter-region").input_value() == "georgia"

    wide = new_page(WIDE)
    sign_in(wide, long_inbox, EDITOR)
    wide.goto(inbox_url(long_inbox))
    assert wide.locator("details.filter-more").evaluate("details => details.open") is True
    assert wide.locator("details.filter-more > summary").inner_text() == "More filters"
    assert wide.locator("#filter-region").is_visible()
