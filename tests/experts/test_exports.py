"""Exports of the expert pool and of the assignments: exact cells, fees as text, guarded."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest
from flask_babel import force_locale
from openpyxl import load_workbook
from sqlalchemy import select

from tests.conftest import hidden_fields
from tracker.experts.records import new_expert, set_expertise
from tracker.exports.pool import export_rows
from tracker.extensions import db
from tracker.models import Assignment, AuditEvent


@pytest.fixture
def pool(app, call):
    """Two experts, one with a formula for a name, and three assignments."""
    nino = new_expert(
        full_name="Nino Beridze",
        email="nino@example.org",
        source="import",
        rate_minor=25000,
        rate_currency="EUR",
    )
    set_expertise(
        nino,
        regions=["georgia", "abkhazia"],
        languages=[("ka", "native"), ("de", "B2")],
        topics=["society", "politics"],
    )
    evil = new_expert(full_name="=HYPERLINK(1)", email="evil@example.org", source="import")
    db.session.flush()
    db.session.add_all(
        [
            Assignment(
                reference="AS-AAAA11",
                expert_id=nino.id,
                title="Elections in Abkhazia",
                fee_minor=25050,
                currency="EUR",
                deadline_at=datetime(2026, 12, 20, 14, 0),
                timezone="Asia/Tbilisi",
                state="paid",
                published_url="https://example.org/abkhazia",
                published_on=date(2026, 12, 22),
                paid_on=date(2027, 1, 5),
                created_at=datetime(2026, 12, 1),
            ),
            Assignment(
                reference="AS-BBBB22",
                expert_id=evil.id,
                title="-2+3",
                fee_minor=10000000,
                currency="AMD",
                deadline_at=datetime(2026, 12, 24, 9, 30),
                timezone="Europe/Berlin",
                state="offered",
                created_at=datetime(2026, 12, 2),
            ),
            Assignment(
                reference="AS-CCCC33",
                expert_id=nino.id,
                title="Tea harvest",
                fee_minor=30000,
                currency="EUR",
                deadline_at=datetime(2026, 11, 1, 12, 0),
                timezone="Asia/Tbilisi",
                state="published",
                published_on=date(2026, 11, 3),
                created_at=datetime(2026, 10, 1),
            ),
        ]
    )
    db.session.commit()


POOL_HEADER = [
    "full_name",
    "email",
    "regions",
    "languages",
    "topics",
    "availability",
    "busy_until",
    "rate",
    "rate_currency",
    "last_published",
]
ASSIGNMENT_HEADER = [
    "reference",
    "expert",
    "title",
    "state",
    "fee",
    "currency",
    "deadline",
    "timezone",
    "published_url",
    "published_on",
    "paid_on",
]


def test_the_pool_as_csv_cells_guards_formulas_and_writes_the_rate_as_text(pool):
    rows = list(export_rows("experts", headers="keys", text=True))

    assert rows == [
        POOL_HEADER,
        ["'=HYPERLINK(1)", "evil@example.org", "", "", "", "available", "", "", "", ""],
        [
            "Nino Beridze",
            "nino@example.org",
            "georgia; abkhazia",
            "ka:native; de:B2",
            "politics; society",
            "available",
            "",
            "250.00",
            "EUR",
            "2026-12-22",
        ],
    ]


def test_assignments_carry_fees_as_text_with_minor_units_and_the_deadline_in_its_zone(pool):
    rows = list(export_rows("assignments", headers="keys", text=True))

    assert rows == [
        ASSIGNMENT_HEADER,
        [
            "AS-BBBB22",
            "'=HYPERLINK(1)",
            "'-2+3",
            "offered",
            "100000.00",
            "AMD",
            "2026-12-24 10:30",
            "Europe/Berlin",
            "",
            "",
            "",
        ],
        [
            "AS-AAAA11",
            "Nino Beridze",
            "Elections in Abkhazia",
            "paid",
            "250.50",
            "EUR",
            "2026-12-20 18:00",
            "Asia/Tbilisi",
            "https://example.org/abkhazia",
            "2026-12-22",
            "2027-01-05",
        ],
        [
            "AS-CCCC33",
            "Nino Beridze",
            "Tea harvest",
            "published",
            "300.00",
            "EUR",
            "2026-11-01 16:00",
            "Asia/Tbilisi",
            "",
            "2026-11-03",
            "",
        ],
    ]


def test_typed_rows_keep_dates_as_dates_and_fees_as_text(pool):
    rows = list(export_rows("assignments", headers="keys"))

    assert rows[2][4:6] == ["250.50", "EUR"]
    assert rows[2][9:] == [date(2026, 12, 22), date(2027, 1, 5)]
    with force_locale("en"):
        header = next(export_rows("assignments"))
    assert header[:5] == ["Reference", "Expert", "Title", "State", "Fee"]


def test_an_admin_downloads_the_assignments_as_xlsx_and_the_export_is_audited(pool, admin_client):
    page = admin_client.get("/admin/export/pool?lang=en")
    assert "Assignments, for the accounting desk" in page.text
    form = hidden_fields(page.text) | {"kind": "assignments", "format": "xlsx"}

    response = admin_client.post("/admin/export/pool?lang=en", data=form)

    assert response.headers["Content-Disposition"].startswith('attachment; filename="assignments-')
    assert response.headers["Cache-Control"] == "no-store"
    sheet = load_workbook(io.BytesIO(response.data), read_only=True).worksheets[0]
    cells = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert cells[0][:5] == ["Reference", "Expert", "Title", "State", "Fee"]
    assert cells[1][:6] == ["AS-BBBB22", "=HYPERLINK(1)", "-2+3", "offered", "100000.00", "AMD"]
    assert [row[4] for row in cells[1:]] == ["100000.00", "250.50", "300.00"]
    assert sheet.title == "Assignments"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action.like("export.%")))
    assert (event.action, event.details) == ("export.assignments.xlsx", {"rows": 3})


def test_an_admin_downloads_the_pool_as_csv(pool, admin_client):
    form = hidden_fields(admin_client.get("/admin/export/pool").text)
    response = admin_client.post(
        "/admin/export/pool?lang=en", data=form | {"kind": "experts", "format": "csv"}
    )

    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == [
        "Name",
        "Email",
        "Regions",
        "Languages",
        "Topics",
        "Availability",
        "Busy until",
        "Rate",
        "Rate currency",
        "Last published",
    ]
    assert rows[1][0] == "'=HYPERLINK(1)"
    assert rows[2][7:10] == ["250.00", "EUR", "2026-12-22"]


def test_the_cli_exports_both_lists(pool, runner, tmp_path):
    output = tmp_path / "a.csv"
    result = runner.invoke(args=["export", "assignments", "--output", str(output)])
    assert result.output.splitlines()[-1] == f"Wrote 3 assignments to {output}."
    rows = list(csv.reader(io.StringIO(output.read_text(encoding="utf-8").lstrip("\ufeff"))))
    assert rows[0] == ASSIGNMENT_HEADER
    assert [row[4] for row in rows[1:]] == ["100000.00", "250.50", "300.00"]

    workbook = tmp_path / "e.xlsx"
    result = runner.invoke(
        args=["export", "experts", "--format", "xlsx", "--output", str(workbook)]
    )
    assert result.exit_code == 0
    # Read from bytes: a read-only workbook opened from a path holds its file open until
    # garbage collection, whose ResourceWarning then fails another test's teardown.
    sheet = load_workbook(io.BytesIO(workbook.read_bytes()), read_only=True).worksheets[0]
    cells = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert cells[0] == POOL_HEADER
    assert cells[2][:4] == [
        "Nino Beridze",
        "nino@example.org",
        "georgia; abkhazia",
        "ka:native; de:B2",
    ]
