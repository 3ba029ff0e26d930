"""axe-core on every public page: no violation at all, of any impact (staff pages: test_staff)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from flask import url_for

from tests.e2e.conftest import serious_violations

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def every_violation(page) -> list[str]:
    return serious_violations(page, impacts=("minor", "moderate", "serious", "critical"))


def test_public_pages_have_no_accessibility_violations(live_app, call_slug, page):
    base = live_app.base_url
    found = {}
    page.goto(f"{base}/apply/{call_slug}?lang=en")
    found["call"] = every_violation(page)
    page.get_by_role("button", name="Send application").click()
    page.wait_for_load_state()
    found["form with errors"] = every_violation(page)

    page.fill("#full_name", "Nino Beridze")
    page.fill("#email", "nino@example.org")
    page.select_option("#home_country", "georgia")
    page.fill("#city", "Kutaisi")
    page.check("input[name=regions][value=georgia]")
    page.select_option("#german_level", "B2")
    page.check("input[name=topics][value=politics]")
    page.fill("#cover_letter", "Ich schreibe über Westgeorgien.")
    page.set_input_files("#cv", SAMPLES / "cv.pdf")
    page.fill("#writing_sample_url", "https://example.org/anaklia")
    page.check("#consent")
    with page.expect_navigation():
        page.get_by_role("button", name="Send application").click()
    assert page.locator("h1").inner_text() == "Check your answers before sending"
    found["check your answers"] = every_violation(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Send application").click()
    assert "/thanks/" in page.url
    found["thanks"] = every_violation(page)

    reference = page.inner_text(".reference").strip()
    thanks = urlsplit(page.url).path
    with live_app.test_request_context():
        from sqlalchemy import select

        from tracker.applications.status_links import status_link
        from tracker.extensions import db
        from tracker.models import Application

        application = db.session.scalar(
            select(Application).where(Application.reference == reference)
        )
        pages = {
            "status": urlsplit(status_link(application)).path + "?lang=en",
            "privacy": url_for("apply.privacy", lang="en"),
            "privacy in Russian": url_for("apply.privacy", lang="ru"),
            "call in Russian": url_for("apply.apply", slug=call_slug, lang="ru"),
            "thanks in German": thanks + "?lang=de",
            "status (unknown link)": url_for("portal.show", token="x" * 40, lang="en"),
            "status reissue": url_for("portal.reissue", lang="en"),
            "login": url_for("auth.login", lang="en"),
        }
    for name, path in pages.items():
        page.goto(base + path)
        found[name] = every_violation(page)
    assert found == {name: [] for name in found}
