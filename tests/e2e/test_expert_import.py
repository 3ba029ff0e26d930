"""Importing experts in the browser: an admin uploads the sample list (CSV, then the same
rows as a workbook), reads the dry run line by line, imports, and sees the result."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.e2e.conftest import PageWatch, make_staff, sign_in
from tracker.extensions import db
from tracker.models import Expert

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
ADMIN = "ada@example.org"


def report_rows(page) -> list[list[str]]:
    rows = page.locator("table.import-report tbody tr")
    return [
        [re.sub(r"\s+", " ", cell).strip() for cell in row.locator("td").all_inner_texts()]
        for row in rows.all()
    ]


@pytest.mark.parametrize("name", ["experts.csv", "experts.xlsx"])
def test_an_admin_imports_the_sample_list(live_app, call_slug, page, name):
    make_staff(live_app, ADMIN, "admin", "Ada Admin")
    watch = PageWatch(page)
    sign_in(page, live_app, ADMIN)

    page.get_by_role("link", name="Import experts").click()
    page.set_input_files("#file", str(SAMPLES / name))
    with page.expect_navigation():
        page.get_by_role("button", name="Check the file").click()

    assert page.locator("h1").inner_text() == "Import experts: what would happen"
    rows = report_rows(page)
    assert [row[:4] for row in rows[:4]] == [
        ["2", "Nino Beridze", "nino.beridze@example.org", "Create"],
        ["3", "Армен Саргсян", "armen.sargsyan@example.org", "Create"],
        ["4", "Leyla Mammadova", "leyla.mammadova@example.org", "Create"],
        ["5", "Giorgi Kapanadze", "", "Refused"],
    ]
    assert rows[5] == [
        "7",
        "Tamar Lomidze",
        "tamar@example.org",
        "Refused",
        "“fluent” is not a level: write one of A1, A2, B1, B2, C1, C2, native.",
    ]
    assert rows[6][4] == "The address nino.beridze@example.org is already on line 2."
    with live_app.app_context():
        assert db.session.scalars(select(Expert)).all() == []

    with page.expect_navigation():
        page.get_by_role("button", name="Import 3 experts").click()

    assert page.locator("h1").inner_text() == "Import experts"
    assert "Import done: 3 experts created, 0 completed, 0 unchanged, 6 rows refused." in (
        page.inner_text("main")
    )
    with live_app.app_context():
        assert sorted(e.full_name for e in db.session.scalars(select(Expert))) == [
            "Leyla Mammadova",
            "Nino Beridze",
            "Армен Саргсян",
        ]
    assert watch.csp_errors == []
