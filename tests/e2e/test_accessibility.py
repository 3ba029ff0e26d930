"""axe-core on every public page: no serious or critical violation (staff pages: test_staff)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from flask import url_for

from tests.e2e.conftest import serious_violations

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def test_public_pages_have_no_serious_accessibility_violations(live_app, call_slug, page):
    base = live_app.base_url
    found = {}
    page.goto(f"{base}/apply/{call_slug}?lang=en")
    found["call"] = serious_violations(page)
    page.get_by_role("button", name="Send application").click()
    page.wait_for_load_state()
    found["form with errors"] = serious_violations(page)

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
    found["check your answers"] = serious_violations(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Send application").click()
    assert "/thanks/" in page.url
    found["thanks"] = serious_violations(page)

    reference = page.inner_text(".reference").strip()
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
            "status (unknown link)": url_for("portal.show", token="x" * 40, lang="en"),
            "status reissue": url_for("portal.reissue", lang="en"),
            "login": url_for("auth.login", lang="en"),
        }
    for name, path in pages.items():
        page.goto(base + path)
        found[name] = serious_violations(page)
    assert found == {name: [] for name in found}
