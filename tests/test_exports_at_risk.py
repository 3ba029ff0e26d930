"""Exports leave out the contact details of applicants at risk unless the admin asks (audited)."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from tests.api.pool_data import add_expert
from tests.conftest import hidden_fields
from tests.sql_log import statements_sent
from tests.test_exports import csrf, read_csv
from tracker.extensions import db
from tracker.models import AuditEvent

COLUMNS = ["reference", "full_name", "email", "phone", "city"]


@pytest.fixture
def people(make_application):
    """Tamar (at risk) and Nino (not), both with an address and a phone number."""
    nino = make_application(email="nino@example.org", phone="0995 555 11")
    tamar = make_application(
        full_name="Tamar Example", email="tamar@example.org", phone="0995 555 22", at_risk=True
    )
    return nino, tamar


def export(client, *, at_risk_contacts: bool, fmt: str = "csv", columns=COLUMNS):
    data = {
        "csrf_token": csrf(client),
        "source": "",
        "format": fmt,
        "columns": list(columns),
        "headers": "keys",
    }
    if at_risk_contacts:
        data["at_risk_contacts"] = "y"
    return admin_post(client, "/admin/export", data)


def admin_post(client, path, data):
    response = client.post(path, data=data)
    assert response.status_code == 200, response.text
    return response


def export_events() -> list[tuple[str, int | None, dict]]:
    rows = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action.like("export.%")).order_by(AuditEvent.id)
    )
    return [(row.action, row.actor_id, row.details) for row in rows]


def test_contact_cells_of_an_applicant_at_risk_are_empty_by_default(admin_client, people):
    nino, tamar = people
    rows = read_csv(export(admin_client, at_risk_contacts=False))
    assert rows == [
        COLUMNS,
        [tamar.reference, "Tamar Example", "", "", "Kutaisi"],
        [nino.reference, "Nino Beridze", "nino@example.org", "0995 555 11", "Kutaisi"],
    ]
    assert export_events() == [
        (
            "export.csv",
            admin_client.user.id,
            {
                "filter": "",
                "rows": 2,
                "columns": COLUMNS,
                "at_risk_rows": 1,
                "at_risk_contacts": "left out",
                "headers": "keys",
            },
        )
    ]


def test_the_ticked_box_includes_them_and_is_audited(admin_client, people):
    nino, tamar = people
    rows = read_csv(export(admin_client, at_risk_contacts=True))
    assert rows == [
        COLUMNS,
        [tamar.reference, "Tamar Example", "tamar@example.org", "0995 555 22", "Kutaisi"],
        [nino.reference, "Nino Beridze", "nino@example.org", "0995 555 11", "Kutaisi"],
    ]
    assert export_events()[0][2] | {"columns": None} == {
        "filter": "",
        "rows": 2,
        "columns": None,
        "at_risk_rows": 1,
        "at_risk_contacts": "included",
        "headers": "keys",
    }


def test_the_xlsx_leaves_them_out_too(admin_client, people):
    response = export(admin_client, at_risk_contacts=False, fmt="xlsx")
    sheet = load_workbook(io.BytesIO(response.data), read_only=True).worksheets[0]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert [row[1:4] for row in rows] == [
        ["full_name", "email", "phone"],
        ["Tamar Example", None, None],
        ["Nino Beridze", "nino@example.org", "0995 555 11"],
    ]


def test_a_list_without_applicants_at_risk_is_audited_as_before(admin_client, make_application):
    make_application()
    export(admin_client, at_risk_contacts=False, columns=["reference"])
    assert export_events()[0][2] == {
        "filter": "",
        "rows": 1,
        "columns": ["reference"],
        "headers": "keys",
    }


def test_the_export_page_offers_the_box_unticked(admin_client, people):
    page = admin_client.get("/admin/export?lang=en").text
    assert (
        '<input aria-describedby="at-risk-contacts-hint" class="checkbox" '
        'id="at_risk_contacts" name="at_risk_contacts" type="checkbox" value="y">'
    ) in page
    assert "Include contact details of applicants at risk" in page


def test_leaving_contacts_out_adds_no_query_per_row(app, admin_client, make_application):
    from tracker.exports import export_rows
    from tracker.inbox.filter import InboxFilter

    def statements_for(count: int) -> int:
        for number in range(count):
            make_application(at_risk=number % 2 == 0)
        with statements_sent() as seen, app.test_request_context():
            list(export_rows(InboxFilter(), user=admin_client.user, columns=COLUMNS, batch=50))
        return len(seen)

    assert statements_for(2) == statements_for(20)


def test_the_command_line_leaves_them_out_unless_asked(app, runner, people, tmp_path):
    nino, tamar = people
    output = tmp_path / "out.csv"
    for flag, cells in (
        ([], ["", ""]),
        (["--at-risk-contacts"], ["tamar@example.org", "0995 555 22"]),
    ):
        args = ["export", "applications", "--columns", "reference,email,phone", "--output"]
        result = runner.invoke(args=[*args, str(output), *flag])
        assert result.exit_code == 0, result.output
        rows = output.read_text(encoding="utf-8-sig").splitlines()
        assert rows[:2] == ["reference,email,phone", ",".join([tamar.reference, *cells])]
    assert [
        (details["at_risk_rows"], details["at_risk_contacts"]) for _, _, details in export_events()
    ] == [
        (1, "left out"),
        (1, "included"),
    ]


# --- the expert pool ----------------------------------------------------------------------


@pytest.fixture
def pool(people):
    """Nino and Tamar in the pool, each from their application; and an imported expert."""
    nino, tamar = people
    add_expert("Nino Beridze", "nino@example.org", source="application", application_id=nino.id)
    add_expert("Tamar Example", "tamar@example.org", source="application", application_id=tamar.id)
    add_expert("Zaza Imported", "zaza@example.org")


def export_pool(client, *, at_risk_contacts: bool):
    data = {
        "csrf_token": hidden_fields(client.get("/admin/export/pool?lang=en").text)["csrf_token"],
        "kind": "experts",
        "format": "csv",
    }
    if at_risk_contacts:
        data["at_risk_contacts"] = "y"
    return [row[:2] for row in read_csv(admin_post(client, "/admin/export/pool", data))]


def test_the_pool_leaves_out_the_email_of_an_expert_who_applied_at_risk(admin_client, pool):
    assert export_pool(admin_client, at_risk_contacts=False) == [
        ["Name", "Email"],
        ["Nino Beridze", "nino@example.org"],
        ["Tamar Example", ""],
        ["Zaza Imported", "zaza@example.org"],
    ]
    assert export_pool(admin_client, at_risk_contacts=True)[2] == [
        "Tamar Example",
        "tamar@example.org",
    ]
    assert export_events() == [
        (
            "export.experts.csv",
            admin_client.user.id,
            {"rows": 3, "at_risk_rows": 1, "at_risk_contacts": "left out"},
        ),
        (
            "export.experts.csv",
            admin_client.user.id,
            {"rows": 3, "at_risk_rows": 1, "at_risk_contacts": "included"},
        ),
    ]
