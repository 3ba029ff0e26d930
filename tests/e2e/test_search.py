"""An editor in a real browser finds a candidate by what people quote: reference or phone."""

from __future__ import annotations

import os
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from tests.e2e.conftest import make_staff, sign_in
from tracker.extensions import db
from tracker.models import Application, ApplicationLanguage, ApplicationRegion, Call, utcnow
from tracker.search import index_application

EDITOR = "editor@example.org"


@pytest.fixture
def app_config(app_config):
    # The spellings below quote CW-…, whatever the environment running the tests sets.
    return {**app_config, "REFERENCE_PREFIX": "CW"}


@pytest.fixture
def candidates(live_app, call_slug) -> dict[str, int]:
    """Nino, Eka (the same operator's numbers) and Tamar (another operator), by id."""
    people = {
        "nino": ("CW-GPZX-P3", "Nino Beridze", "+995 555 12 34 56"),
        "eka": ("CW-7K3P-Q9", "Eka Gelashvili", "+995 555 98 76 54"),
        "tamar": ("CW-PZXG-P3", "Tamar Kapanadze", "+995 577 12 34 56"),
    }
    ids = {}
    with live_app.app_context():
        call = db.session.scalar(select(Call).where(Call.slug == call_slug))
        for key, (reference, name, phone) in people.items():
            application = Application(
                call=call,
                reference=reference,
                form_token=os.urandom(12).hex(),
                full_name=name,
                email=f"{key}@example.org",
                phone=phone,
                country="georgia",
                covered_regions=[ApplicationRegion(region="georgia", position=0)],
                city="Kutaisi",
                links=[],
                preferred_language="en",
                consent_at=utcnow(),
                privacy_version="test",
                languages=[ApplicationLanguage(language="de", level="B2", position=0)],
            )
            db.session.add(application)
            db.session.flush()
            index_application(application)
            ids[key] = application.id
        db.session.commit()
    make_staff(live_app, EDITOR, "editor", "Ana Editor")
    return ids


def search(page, query: str) -> None:
    page.fill("#filter-q", query)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def listed(page) -> list[str]:
    return sorted(
        name.strip()
        for name in page.locator("table tbody tr th a, table tbody tr td a").all_inner_texts()
        if name.strip()
    )


def test_an_editor_pastes_a_reference_or_a_phone_number(live_app, candidates, page):
    sign_in(page, live_app, EDITOR)
    page.goto(f"{live_app.base_url}/review/?lang=en")
    hint = page.locator("#filter-q-hint").inner_text()
    assert hint == "Names, references, phone numbers, email addresses, cover letters and documents"

    # The reference as an applicant wrote it in an email: straight to the candidate.
    search(page, "cw gpzx p3")
    address = urlsplit(page.url)
    assert address.path == f"/review/applications/{candidates['nino']}"
    assert parse_qs(address.query) == {"from": ["q=cw+gpzx+p3"]}
    assert page.locator("h1").inner_text().startswith("Nino Beridze")

    # Back to the list: the search is kept, and the list shows the one candidate.
    with page.expect_navigation():
        page.get_by_role("link", name="Back to the list").click()
    assert urlsplit(page.url).path == "/review/"
    assert page.input_value("#filter-q") == "cw gpzx p3"
    assert listed(page) == ["Nino Beridze"]

    # The first digits of a number two candidates share: both are listed, no one else.
    search(page, "+995 555")
    assert urlsplit(page.url).path == "/review/"
    assert listed(page) == ["Eka Gelashvili", "Nino Beridze"]

    # A fragment only Nino's number holds, written another way: her page.
    search(page, "555 12-34-56")
    assert urlsplit(page.url).path == f"/review/applications/{candidates['nino']}"
    assert page.locator("h1").inner_text().startswith("Nino Beridze")
