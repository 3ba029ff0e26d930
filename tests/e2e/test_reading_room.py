"""Browser test: the candidate page is a reading room – the first document, the rubric and
the save button in view at 1400 x 900, the documents in tabs, PDFs as pages drawn by us."""

from __future__ import annotations

from sqlalchemy import select

from tests.drawn_pdfs import pdf_with_pages, store_pdf
from tests.e2e.conftest import SCREENSHOTS, PageWatch, make_staff, serious_violations, sign_in
from tests.stored import new_application
from tracker.extensions import db

VIEWPORT = {"width": 1400, "height": 900}
TABS = ["CV", "Cover letter", "Writing sample", "Application"]
FIRST_PAGE_LOADED = """() => {
  const image = document.querySelector("#panel-cv img.pdf-page");
  return image !== null && image.complete && image.naturalWidth > 0;
}"""


def make_candidate(app, call_slug: str) -> tuple[int, int]:
    """Store an application with a typed cover letter, a 2-page PDF CV and a PDF sample."""
    from tracker.models import Call

    with app.app_context():
        application = new_application(db.session.scalar(select(Call).where(Call.slug == call_slug)))
        db.session.add(application)
        db.session.commit()
        cv = store_pdf(application, pdf_with_pages(2), text="Lebenslauf Nino Beridze")
        store_pdf(application, pdf_with_pages(1), kind="writing_sample", text="Anaklia")
        return application.id, cv.id


def inside_viewport(page, selector: str) -> dict:
    """Return the element's box, asserting that all of it lies inside the viewport."""
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    assert box["x"] >= 0, (selector, box)
    assert box["y"] >= 0, (selector, box)
    assert box["x"] + box["width"] <= VIEWPORT["width"], (selector, box)
    assert box["y"] + box["height"] <= VIEWPORT["height"], (selector, box)
    return box


def selected_tab(page) -> str:
    return page.locator('[role="tab"][aria-selected="true"]').inner_text()


def visible_panels(page) -> list[str]:
    return [
        panel.get_attribute("id")
        for panel in page.locator("[data-panel]").all()
        if panel.is_visible()
    ]


def test_candidate_page_opens_with_the_first_document_rubric_and_save_in_view(
    live_app, call_slug, new_page
):
    application_id, cv_id = make_candidate(live_app, call_slug)
    make_staff(live_app, "ana@example.org", "editor", "Ana Editor")
    page = new_page(viewport=VIEWPORT)
    watch = PageWatch(page)
    sign_in(page, live_app, "ana@example.org")
    # The page images are drawn by child processes: on a busy machine that takes a while.
    page.goto(
        f"{live_app.base_url}/review/applications/{application_id}?lang=en",
        wait_until="domcontentloaded",
    )
    page.wait_for_function(FIRST_PAGE_LOADED, timeout=90_000)

    assert page.evaluate("window.scrollY") == 0
    # The CV's first page, drawn by our server; never the file itself.
    first_page = page.locator("#panel-cv img.pdf-page").first
    box = first_page.bounding_box()
    # Its top and at least 300 px of it are on screen, across the main column's width.
    assert 0 <= box["y"] < VIEWPORT["height"] - 300
    assert box["x"] + box["width"] <= VIEWPORT["width"]
    assert first_page.evaluate("image => image.currentSrc") == (
        f"{live_app.base_url}/review/documents/{cv_id}/pages/1.png"
    )
    assert page.locator("embed, iframe, object").count() == 0
    assert not page.locator("#panel-cv [data-pages-failed]").is_visible()
    # The rubric's first criterion and both save buttons, without scrolling.
    inside_viewport(page, "#rating-form fieldset.rubric-criterion")
    inside_viewport(page, '#rating-form button[value="save"]')
    inside_viewport(page, '#rating-form button[value="save_next"]')
    assert page.locator("#rating-form fieldset.rubric-criterion legend").first.inner_text() == (
        "Regional expertise"
    )
    # Reading on down the CV, the rubric's save buttons stay in view. The page is as tall
    # as its pictures: wait for both before scrolling to a place below the first.
    page.wait_for_function(
        """() => [...document.querySelectorAll("#panel-cv img.pdf-page")]
          .every((image) => image.complete && image.naturalWidth > 0)""",
        timeout=90_000,
    )
    page.evaluate("window.scrollTo(0, 1500)")
    page.wait_for_function("() => window.scrollY === 1500")
    page.wait_for_function(
        """() => {
          const side = document.querySelector(".reading-side").getBoundingClientRect();
          return side.top <= 8 && side.bottom <= window.innerHeight;
        }"""
    )
    inside_viewport(page, '#rating-form button[value="save"]')
    inside_viewport(page, ".reading-side")
    page.evaluate("window.scrollTo(0, 0)")
    assert watch.console_errors == []
    assert serious_violations(page) == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "reading-room.png"))  # what the editor sees first


def test_document_tabs_switch_with_click_and_arrow_keys(live_app, call_slug, new_page):
    application_id, _ = make_candidate(live_app, call_slug)
    make_staff(live_app, "ana@example.org", "editor", "Ana Editor")
    page = new_page(viewport=VIEWPORT)
    sign_in(page, live_app, "ana@example.org")
    page.goto(
        f"{live_app.base_url}/review/applications/{application_id}?lang=en",
        wait_until="domcontentloaded",
    )

    assert page.locator('[role="tablist"] [role="tab"]').all_inner_texts() == TABS
    assert selected_tab(page) == "CV"
    assert visible_panels(page) == ["panel-cv"]

    page.get_by_role("tab", name="Application").click()
    assert selected_tab(page) == "Application"
    assert visible_panels(page) == ["panel-application"]
    assert page.locator("#panel-application").get_attribute("role") == "tabpanel"
    assert page.locator("#panel-application").get_attribute("aria-labelledby") == "tab-application"
    assert "nino@example.org" in page.inner_text("#panel-application")

    page.keyboard.press("ArrowLeft")
    assert selected_tab(page) == "Writing sample"
    assert page.evaluate("document.activeElement.id") == "tab-writing_sample"
    assert visible_panels(page) == ["panel-writing_sample"]
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert selected_tab(page) == "CV"  # from the last tab round to the first
    page.keyboard.press("End")
    assert selected_tab(page) == "Application"
    page.keyboard.press("Home")
    page.keyboard.press("ArrowRight")
    assert selected_tab(page) == "Cover letter"
    assert visible_panels(page) == ["panel-cover_letter"]
    assert page.inner_text("#panel-cover_letter .cover-letter") == "Ich berichte aus Westgeorgien."
    # Only the selected tab is in the tab order.
    tab_stops = page.locator('[role="tab"]').evaluate_all("tabs => tabs.map(t => t.tabIndex)")
    assert tab_stops == [-1, 0, -1, -1]


def test_without_javascript_every_document_follows_under_its_heading(live_app, call_slug, new_page):
    application_id, _ = make_candidate(live_app, call_slug)
    make_staff(live_app, "ana@example.org", "editor", "Ana Editor")
    page = new_page(viewport=VIEWPORT, java_script_enabled=False)
    sign_in(page, live_app, "ana@example.org")
    page.goto(
        f"{live_app.base_url}/review/applications/{application_id}?lang=en",
        wait_until="domcontentloaded",
    )

    assert not page.locator('[role="tablist"]').is_visible()
    assert visible_panels(page) == [
        "panel-cv",
        "panel-cover_letter",
        "panel-writing_sample",
        "panel-application",
    ]
    assert page.locator(".reader-panel-title").all_inner_texts() == TABS


def test_a_page_the_server_cannot_draw_shows_the_notice_and_the_text(live_app, call_slug, new_page):
    application_id, cv_id = make_candidate(live_app, call_slug)
    make_staff(live_app, "ana@example.org", "editor", "Ana Editor")
    page = new_page(viewport=VIEWPORT)
    sign_in(page, live_app, "ana@example.org")
    # As when the child process gives up on a page that the count accepted.
    page.route(
        f"**/review/documents/{cv_id}/pages/1.png",
        lambda route: route.fulfill(status=404, content_type="text/html", body="Not Found"),
    )
    page.goto(
        f"{live_app.base_url}/review/applications/{application_id}?lang=en",
        wait_until="domcontentloaded",
    )
    notice = page.locator("#panel-cv [data-pages-failed]")
    notice.wait_for(state="visible")
    assert notice.inner_text() == (
        "Some pages could not be shown. The text is shown below; download the file to see "
        "it as it was sent."
    )
    assert page.locator("#panel-cv details.document-text").get_attribute("open") == ""
    assert page.inner_text("#panel-cv .document-preview") == "Lebenslauf Nino Beridze"
