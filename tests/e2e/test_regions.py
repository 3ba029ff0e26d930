"""Where applicants live and what they cover, in the browser: a diaspora journalist who
covers two regions appears under each of them in the inbox and on the dashboard."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from tests.e2e.conftest import make_staff, sign_in
from tracker.applications.pipeline import set_status
from tracker.applications.submit import ApplicationData, submit_application
from tracker.documents.kept import keep
from tracker.enums import DocumentKind
from tracker.extensions import db
from tracker.models import Call, User

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
EDITOR = "ana@example.org"


def submit(app, slug: str, name: str, **where) -> None:
    """Store an application as the form would (the form itself has tests of its own)."""
    with app.app_context(), app.test_request_context():
        call = db.session.scalar(select(Call).where(Call.slug == slug))
        data = ApplicationData(
            full_name=name,
            email=f"{name.split()[0].lower()}@example.org",
            german_level="B2",
            topics=["politics"],
            preferred_language="en",
            cover_letter="I report on the North Caucasus.",
            writing_sample_url="https://example.org/piece",
            **where,
        )
        cv = FileStorage(io.BytesIO((SAMPLES / "cv.pdf").read_bytes()), "cv.pdf", "cv")
        token = os.urandom(12).hex()
        keep(token, DocumentKind.CV, cv)
        application = submit_application(call, data, form_token=token)
        editor = db.session.scalar(select(User).where(User.email == EDITOR))
        for status in ("in_review", "shortlisted"):
            set_status(application, status, by=editor)


def filtered_names(page, region: str) -> list[str]:
    page.select_option("#filter-region", region)
    with page.expect_navigation():
        page.get_by_role("button", name="Apply filters").click()
    assert f"region={region}" in page.url
    return [name.strip() for name in page.locator("table tbody a.candidate-link").all_inner_texts()]


def table_after(page, heading_id: str) -> list[list[str]]:
    section = page.locator(f"section:has(#{heading_id}) table tbody tr")
    return [
        [re.sub(r"\s+", " ", cell).strip() for cell in row.locator("th, td").all_inner_texts()]
        for row in section.all()
    ]


def test_a_diaspora_journalist_covering_two_regions_appears_under_both(live_app, call_slug, page):
    make_staff(live_app, EDITOR, "editor", "Ana Editor")
    submit(
        live_app,
        call_slug,
        "Khava Dudayeva",
        home_country="elsewhere",
        home_country_other="Germany",
        city="Berlin",
        regions=["chechnya", "ingushetia"],
    )
    submit(
        live_app,
        call_slug,
        "Zaur Magomedov",
        home_country="russia",
        city="Makhachkala",
        regions=["dagestan"],
    )
    sign_in(page, live_app, EDITOR)
    page.goto(f"{live_app.base_url}/review/?lang=en")

    assert filtered_names(page, "chechnya") == ["Khava Dudayeva"]
    row = page.locator("table tbody tr").first.inner_text()
    assert "Chechnya, Ingushetia" in row
    assert "Lives in: Berlin, Germany" in row
    assert filtered_names(page, "ingushetia") == ["Khava Dudayeva"]
    assert filtered_names(page, "dagestan") == ["Zaur Magomedov"]

    page.goto(f"{live_app.base_url}/admin/dashboard?lang=en")
    assert table_after(page, "region-heading") == [
        ["Chechnya", "1"],
        ["Dagestan", "1"],
        ["Ingushetia", "1"],
    ]
    coverage = {row[0]: row[1:] for row in table_after(page, "coverage-heading")}
    # Region: target, accepted, shortlisted, gap, active.
    assert coverage["Chechnya"] == ["–", "0", "1", "No target", "0"]
    assert coverage["Ingushetia"] == ["–", "0", "1", "No target", "0"]
    assert coverage["Dagestan"] == ["–", "0", "1", "No target", "0"]
    assert coverage["Adygea"] == ["–", "0", "0", "No target", "0"]
