"""GET /api/v1/exports/…: the admins' exports, byte for byte, audited with the token's name.

Every answer goes through the ``api`` client, so it is checked against the OpenAPI
document: the files' media types (text/csv, XLSX) are declared there for 200, the
problems as problem+json.
"""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from tests.api.pool_data import add_assignment, add_expert
from tests.conftest import hidden_fields
from tests.test_exports import post_export, read_csv
from tracker.api_tokens import create_token
from tracker.enums import Status
from tracker.exports import EXPORT_COLUMNS, XLSX_TYPE
from tracker.extensions import db
from tracker.models import ApiToken, AuditEvent

NO_CONTACTS = [column for column in EXPORT_COLUMNS if column not in ("email", "phone")]


@pytest.fixture
def candidates(make_application):
    """Two shortlisted candidates from Armenia, one new, one from Georgia."""
    wanted = [
        make_application(region="armenia", status=Status.SHORTLISTED.value, phone="+374 10"),
        make_application(region="armenia", status=Status.SHORTLISTED.value),
    ]
    make_application(region="armenia", status=Status.NEW.value)
    make_application(region="georgia", status=Status.SHORTLISTED.value)
    return wanted


@pytest.fixture
def admin_api(api, admin_client):
    """Return an API client whose token (scopes given) acts for admin_client's admin, so
    the API's export and the page's are made for the same person."""

    def make(*scopes: str):
        _token, secret = create_token("Accounting", scopes, by=admin_client.user)
        return api(secret=secret)

    return make


def export_events() -> list[tuple[str, dict]]:
    rows = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action.like("export.%")).order_by(AuditEvent.id)
    )
    return [(event.action, event.details) for event in rows]


def test_the_csv_is_byte_for_byte_the_admin_pages_and_audited_with_the_token(
    admin_api, admin_client, candidates
):
    client = admin_api("exports:read", "contacts:read")
    token = db.session.scalars(select(ApiToken)).one()

    page = post_export(admin_client, source="region=armenia&status=shortlisted")
    response = client.get(
        "/api/v1/exports/applications?region=armenia&status=shortlisted",
        headers={"Accept-Language": "en"},
    )

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == page.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    assert response.data == page.data
    assert [row[0] for row in read_csv(response)] == [
        "reference",
        *(application.reference for application in reversed(candidates)),
    ]
    details = {
        "filter": "region=armenia&status=shortlisted",
        "rows": 2,
        "columns": list(EXPORT_COLUMNS),
        "headers": "keys",
    }
    assert export_events() == [
        ("export.csv", details),
        ("export.csv", details | {"api_token": token.id, "api_token_name": "Accounting"}),
    ]


def test_the_xlsx_holds_the_admin_pages_cells(admin_api, admin_client, candidates):
    client = admin_api("exports:read", "contacts:read")

    page = post_export(admin_client, source="status=shortlisted", fmt="xlsx", headers="people")
    response = client.get(
        "/api/v1/exports/applications?status=shortlisted&format=xlsx&headers=people",
        headers={"Accept-Language": "en"},
    )

    assert response.headers["Content-Type"] == XLSX_TYPE

    def cells(data):
        sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
        return [[cell.value for cell in row] for row in sheet.iter_rows()]

    assert cells(response.data) == cells(page.data)
    assert cells(response.data)[0][:3] == ["Reference", "Name", "Email"]
    assert len(cells(response.data)) == 4


def test_without_contacts_scope_email_and_phone_are_left_out(admin_api, admin_client, candidates):
    response = admin_api("exports:read").get(
        "/api/v1/exports/applications?region=armenia", headers={"Accept-Language": "en"}
    )

    page = post_export(admin_client, source="region=armenia", columns=NO_CONTACTS)
    assert response.data == page.data
    assert read_csv(response)[0] == NO_CONTACTS


def test_asking_for_contacts_without_their_scope_is_refused(admin_api, candidates):
    response = admin_api("exports:read").get(
        "/api/v1/exports/applications?columns=reference,phone,email"
    )

    assert response.status_code == 403
    assert response.get_json()["detail"] == (
        "This token does not have the scope contacts:read (needed for the columns email, phone)."
    )
    assert export_events() == []


def test_chosen_columns_come_in_export_order(admin_api, make_application):
    georgian = make_application(region="georgia", status=Status.SHORTLISTED.value)

    response = admin_api("exports:read").get(
        "/api/v1/exports/applications?columns=status,reference"
    )

    assert read_csv(response) == [["reference", "status"], [georgian.reference, "shortlisted"]]


@pytest.mark.parametrize("statuses", ["status=new&status=shortlisted", "status=new,shortlisted"])
def test_status_repeats_or_is_separated_by_commas(admin_api, candidates, statuses):
    response = admin_api("exports:read").get(
        f"/api/v1/exports/applications?columns=status&{statuses}&region=armenia"
    )

    assert read_csv(response) == [["status"], ["new"], ["shortlisted"], ["shortlisted"]]


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("format=pdf", "format"),
        ("status=lost", "status"),
        ("received_from=yesterday", "received_from"),
        ("columns=reference,password_hash", "columns"),
        ("headers=both", "headers"),
        ("call=x", "call"),
    ],
)
def test_a_wrong_parameter_is_a_422_naming_it(api, candidates, query, parameter):
    response = api("exports:read").get(f"/api/v1/exports/applications?{query}")

    assert response.status_code == 422
    assert response.get_json()["detail"] == f"Invalid parameter: {parameter}."
    assert export_events() == []


@pytest.mark.parametrize(
    "path",
    ["/api/v1/exports/applications", "/api/v1/exports/experts", "/api/v1/exports/assignments"],
)
def test_exports_need_the_exports_scope(api, candidates, path):
    refused = api("applications:read", "experts:read", "assignments:read", "contacts:read").get(
        path
    )
    anonymous = api().get(path)

    assert refused.status_code == 403
    assert refused.get_json()["detail"] == "This token does not have the scope exports:read."
    assert anonymous.status_code == 401
    assert export_events() == []


@pytest.fixture
def pool(app):
    nino = add_expert("Nino Beridze", "nino@example.org", rate_minor=25050, rate_currency="EUR")
    add_assignment(
        "AS-AAAA11",
        expert=nino,
        state="paid",
        fee_minor=25050,
        published_on=date(2026, 12, 22),
        paid_on=date(2027, 1, 5),
        created_at=datetime(2026, 12, 1),
    )
    add_assignment("AS-BBBB22", expert=nino, created_at=datetime(2026, 12, 2))
    return nino


@pytest.mark.parametrize(("kind", "fmt"), [("experts", "csv"), ("assignments", "csv")])
def test_the_pool_exports_are_the_admin_pages(admin_api, admin_client, pool, kind, fmt):
    client = admin_api("exports:read", "contacts:read")
    token = db.session.scalars(select(ApiToken)).one()
    form = hidden_fields(admin_client.get("/admin/export/pool?lang=en").text)

    page = admin_client.post("/admin/export/pool", data=form | {"kind": kind, "format": fmt})
    response = client.get(f"/api/v1/exports/{kind}?format={fmt}", headers={"Accept-Language": "en"})

    assert response.status_code == 200
    assert response.data == page.data
    assert response.headers["Content-Disposition"] == page.headers["Content-Disposition"]
    assert export_events() == [
        (f"export.{kind}.{fmt}", {"rows": 2 if kind == "assignments" else 1}),
        (
            f"export.{kind}.{fmt}",
            {
                "rows": 2 if kind == "assignments" else 1,
                "api_token": token.id,
                "api_token_name": "Accounting",
            },
        ),
    ]


def test_the_assignments_export_writes_fees_as_text(admin_api, pool):
    response = admin_api("exports:read").get("/api/v1/exports/assignments?format=xlsx")

    assert response.headers["Content-Type"] == XLSX_TYPE
    sheet = load_workbook(io.BytesIO(response.data), read_only=True).worksheets[0]
    cells = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert [row[:6] for row in cells[1:]] == [
        ["AS-BBBB22", "Nino Beridze", "Tea harvest", "offered", "250.00", "EUR"],
        ["AS-AAAA11", "Nino Beridze", "Tea harvest", "paid", "250.50", "EUR"],
    ]


def test_the_expert_pool_needs_the_contacts_scope_too(admin_api, pool):
    response = admin_api("exports:read").get("/api/v1/exports/experts")

    assert response.status_code == 403
    assert response.get_json()["detail"] == (
        "This token does not have the scope contacts:read "
        "(the expert pool export holds email addresses)."
    )
    assert export_events() == []


def test_the_csv_streams_in_pieces(client, make_token, candidates):
    """Not read whole into memory (spectree buffers a Flask response it validates): the
    byte-order mark comes as a piece of its own before the rows."""
    headers = {"Authorization": f"Bearer {make_token('exports:read')}"}

    response = client.get("/api/v1/exports/applications", headers=headers, buffered=False)

    pieces = list(response.response)
    response.close()
    assert pieces[0] == "\ufeff".encode()
    assert len(pieces) > 1
