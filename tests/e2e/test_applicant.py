"""An applicant in a real browser: errors, a refused file, the thanks page — at two widths,
without JavaScript, by keyboard only, and switching the language half-way."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from tests import hostile_files as hostile
from tests.e2e.conftest import DESKTOP, PHONE, PageWatch, fill_answers, screenshot
from tracker.extensions import db
from tracker.models import Application, OutboxEmail

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def choose_files(page) -> None:
    page.set_input_files("#cv", SAMPLES / "cv.pdf")
    page.set_input_files("#writing_sample", SAMPLES / "writing_sample.odt")


def summary_links(page) -> list[tuple[str, str]]:
    links = page.locator(".error-summary a")
    return [
        (links.nth(i).get_attribute("href"), links.nth(i).inner_text())
        for i in range(links.count())
    ]


def submit(page) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Send application").click()


def send_from_check_page(page, button: str = "Send application") -> None:
    """On "Check your answers before sending", press the button that sends."""
    assert page.locator("button[name=send]").count() == 1, page.inner_text("main")
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()


def assert_fits(page, width: int) -> None:
    """No horizontal scrolling: the page is no wider than the viewport."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def assert_stored(app, reference: str) -> None:
    """The application exists with its documents, and its acknowledgement is queued."""
    with app.app_context():
        application = db.session.scalar(
            select(Application).where(Application.reference == reference)
        )
        assert application is not None
        assert application.full_name == "Nino Beridze"
        assert (application.country, application.regions) == ("georgia", ["georgia"])
        assert sorted(document.kind for document in application.documents) == [
            "cv",
            "writing_sample",
        ]
        emails = db.session.scalars(
            select(OutboxEmail).where(OutboxEmail.application_id == application.id)
        ).all()
        assert [(email.template, email.to_address) for email in emails] == [
            ("acknowledgement", "nino.beridze@example.org")
        ]


def walk_the_form(page, app, slug: str, tmp_path: Path, label: str, *, javascript=True):
    """Empty submit → errors; an exe named .pdf → refused at its field; then thanks."""
    page.goto(f"{app.base_url}/apply/{slug}?lang=en")
    assert page.locator("h1").first.is_visible()
    screenshot(page, f"call-{label}")

    # 1. Nothing filled in: the summary lists every problem as a link to its field.
    submit(page)
    assert page.title().startswith("Error:")
    summary = page.locator(".error-summary")
    assert summary.is_visible()
    assert summary.locator("h2").inner_text() == "There is a problem"
    links = summary_links(page)
    hrefs = [href for href, _ in links]
    for expected in ("#full_name", "#email", "#home_country", "#city", "#regions", "#topics"):
        assert expected in hrefs
    assert "#consent" in hrefs
    if javascript:
        assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    screenshot(page, f"form-errors-{label}")
    for href, _text in links:
        page.locator(f".error-summary a[href='{href}']").click()
        target = href.removeprefix("#")
        assert page.evaluate("location.hash") == href
        if not javascript:
            assert page.evaluate("document.querySelector(':target')?.id") == target
        # Each field shows its own message, tied to the input.
        assert page.locator(f"#{target}-error").is_visible()
        if javascript:
            # form.js moves focus to the field itself (a fragment link only scrolls).
            assert page.evaluate("document.activeElement.id") == target
        assert page.locator(f"#{target}").is_visible()

    # 2. A program disguised as a PDF is refused at the CV field; the answers are kept.
    fill_answers(page)
    bad = tmp_path / "cv.pdf"
    bad.write_bytes(hostile.exe_named_pdf())
    page.set_input_files("#cv", bad)
    page.set_input_files("#writing_sample", SAMPLES / "writing_sample.odt")
    submit(page)
    assert [href for href, _ in summary_links(page)] == ["#cv"]
    assert page.locator("#cv-error").is_visible()
    assert "cv-error" in page.get_attribute("#cv", "aria-describedby")
    assert page.input_value("#full_name") == "Nino Beridze"
    assert page.input_value("#city") == "Kutaisi"
    assert page.is_checked("#consent")
    # The writing sample passed: it is kept, and only the refused CV is chosen again.
    assert page.inner_text("#writing_sample-kept").startswith("writing_sample.odt ✓")
    assert page.locator("#cv-kept").count() == 0

    # 3. The right CV: the answers to check, then the thanks page and the rows behind it.
    page.set_input_files("#cv", SAMPLES / "cv.pdf")
    submit(page)
    screenshot(page, f"check-{label}")
    send_from_check_page(page)
    assert "/thanks/" in page.url
    reference = page.inner_text(".reference").strip()
    assert reference
    assert reference in page.url
    assert page.locator("h1").inner_text() == "Thank you – we have received your application"
    screenshot(page, f"thanks-{label}")
    assert_stored(app, reference)
    return reference


@pytest.mark.parametrize(
    ("label", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)], ids=["desktop", "phone"]
)
def test_applicant_meets_errors_then_applies(
    live_app, call_slug, new_page, tmp_path, label, viewport
):
    page = new_page(viewport)
    watch = PageWatch(page)
    walk_the_form(page, live_app, call_slug, tmp_path, label)
    assert watch.dialogs == []
    # (A form with errors answers 400, which chromium logs as an error: that one is fine.)
    assert [text for text in watch.console_errors if "status of 400" not in text] == []


def test_applicant_form_fits_a_phone_and_is_pictured(live_app, call_slug, new_page):
    page = new_page(PHONE)
    page.goto(f"{live_app.base_url}/apply/{call_slug}?lang=en")
    assert_fits(page, PHONE["width"])
    page.get_by_role("button", name="Send application").click()
    page.wait_for_load_state()
    assert_fits(page, PHONE["width"])
    page.goto(f"{live_app.base_url}/apply/{call_slug}?lang=en")
    path = screenshot(page, "readme-apply-phone")
    DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, DOCS_SCREENSHOTS / "apply-phone.png")


def test_applicant_path_works_without_javascript(live_app, call_slug, new_page, tmp_path):
    page = new_page(DESKTOP, java_script_enabled=False)
    walk_the_form(page, live_app, call_slug, tmp_path, "nojs", javascript=False)


def test_applicant_uses_the_keyboard_only(live_app, call_slug, new_page):
    """Tab reaches every field in order with a visible focus ring; Enter sends the form."""
    page = new_page(DESKTOP)
    page.goto(f"{live_app.base_url}/apply/{call_slug}?lang=en")
    order = []
    for _ in range(80):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => {
                const el = document.activeElement;
                const style = getComputedStyle(el);
                const ring = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0
                    || style.boxShadow !== 'none';
                return {id: el.id, tag: el.tagName, name: el.name || '', ring: ring};
            }"""
        )
        assert focused["ring"], f"no visible focus on {focused}"
        if focused["id"]:
            order.append(focused["id"])
        if focused["tag"] == "BUTTON" and focused["name"] == "" and "consent" in order:
            break
    fields = ["full_name", "email", "phone", "preferred_language", "home_country", "city"]
    fields += ["regions-0"]
    fields += ["german_level", "cv", "cover_letter", "cover_letter_file", "writing_sample"]
    fields += ["writing_sample_url", "links", "heard_about", "consent"]
    positions = [order.index(field) for field in fields]
    assert positions == sorted(positions)
    assert "website" not in order  # the bot trap stays out of the tab order

    # Now fill it by keyboard alone (files come from the file chooser, as set_input_files).
    choose_files(page)
    page.focus("#full_name")
    page.keyboard.type("Nino Beridze")
    page.keyboard.press("Tab")
    page.keyboard.type("nino.beridze@example.org")
    page.focus("#home_country")
    page.keyboard.type("Georgia")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.type("Kutaisi")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # the first region, Georgia
    page.focus("#german_level")
    page.keyboard.type("B2")
    assert page.input_value("#home_country") == "georgia"
    assert page.is_checked("input[name=regions][value=georgia]")
    assert page.input_value("#german_level") == "B2"
    page.focus("input[name=topics][value=politics]")
    page.keyboard.press("Space")
    page.focus("#cover_letter")
    page.keyboard.type("Ich schreibe seit zehn Jahren über Westgeorgien.")
    page.focus("#consent")
    page.keyboard.press("Space")
    # Enter in a one-line field does not send the half-checked form (form.js)…
    page.focus("#city")
    page.keyboard.press("Enter")
    assert page.locator("h1").first.inner_text() != "Check your answers before sending"
    assert page.input_value("#city") == "Kutaisi"
    # …the button does, by keyboard too; then the check page's own button.
    page.focus("form#application-form > button.button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("h1").inner_text() == "Check your answers before sending"
    page.focus("button[name=send]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/thanks/" in page.url, page.inner_text("main")
    assert_stored(live_app, page.inner_text(".reference").strip())


def test_switching_language_keeps_the_answers(live_app, call_slug, new_page):
    page = new_page(DESKTOP)
    page.goto(f"{live_app.base_url}/apply/{call_slug}?lang=en")
    fill_answers(page)
    choose_files(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Deutsch").click()
    assert page.get_attribute("html", "lang") == "de"
    assert page.locator(".error-summary").count() == 0
    assert page.input_value("#full_name") == "Nino Beridze"
    assert page.input_value("#city") == "Kutaisi"
    assert page.input_value("#home_country") == "georgia"
    assert page.is_checked("input[name=regions][value=georgia]")
    assert page.is_checked("input[name=topics][value=politics]")
    assert page.is_checked("#consent")
    assert "Westgeorgien" in page.input_value("#cover_letter")
    assert page.get_by_role("button", name="Bewerbung absenden").is_visible()
    # The files were kept: nothing to choose again.
    assert page.inner_text("#cv-kept").startswith("cv.pdf ✓")
    assert page.inner_text("#writing_sample-kept").startswith("writing_sample.odt ✓")
    with page.expect_navigation():
        page.get_by_role("button", name="Bewerbung absenden").click()
    send_from_check_page(page, "Bewerbung absenden")
    assert "/thanks/" in page.url
    assert_stored(live_app, page.inner_text(".reference").strip())
