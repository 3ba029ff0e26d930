"""The API's exports leave out the contacts of applicants at risk unless at_risk_contacts=true."""

from __future__ import annotations

from sqlalchemy import select

from tests.api.pool_data import add_expert
from tests.test_exports import read_csv
from tracker.api_tokens import create_token
from tracker.extensions import db
from tracker.models import ApiToken, AuditEvent

EN = {"Accept-Language": "en"}


def export_details() -> list[dict]:
    rows = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action.like("export.%")).order_by(AuditEvent.id)
    )
    return [row.details for row in rows]


def test_applicants_at_risk_have_no_contacts_unless_the_parameter_asks(
    api, admin_client, make_application
):
    nino = make_application(email="nino@example.org", phone="0995 555 11")
    tamar = make_application(
        full_name="Tamar Example", email="tamar@example.org", phone="0995 555 22", at_risk=True
    )
    _token, secret = create_token(
        "Accounting", ("exports:read", "contacts:read"), by=admin_client.user
    )
    client = api(secret=secret)
    token = db.session.scalars(select(ApiToken)).one()
    path = "/api/v1/exports/applications?columns=reference,email,phone"

    left_out = client.get(path)
    included = client.get(path + "&at_risk_contacts=true")

    assert read_csv(left_out) == [
        ["reference", "email", "phone"],
        [tamar.reference, "", ""],
        [nino.reference, "nino@example.org", "0995 555 11"],
    ]
    assert read_csv(included)[1] == [tamar.reference, "tamar@example.org", "0995 555 22"]
    common = {
        "filter": "",
        "rows": 2,
        "columns": ["reference", "email", "phone"],
        "headers": "keys",
        "at_risk_rows": 1,
        "api_token": token.id,
        "api_token_name": "Accounting",
    }
    assert export_details() == [
        common | {"at_risk_contacts": "left out"},
        common | {"at_risk_contacts": "included"},
    ]


def test_the_pool_export_takes_the_parameter_too(api, admin_client, make_application):
    tamar = make_application(full_name="Tamar Example", email="tamar@example.org", at_risk=True)
    add_expert("Tamar Example", "tamar@example.org", source="application", application_id=tamar.id)
    _token, secret = create_token(
        "Accounting", ("exports:read", "contacts:read"), by=admin_client.user
    )
    client = api(secret=secret)

    left_out = read_csv(client.get("/api/v1/exports/experts?format=csv", headers=EN))
    included = read_csv(client.get("/api/v1/exports/experts?at_risk_contacts=true", headers=EN))

    assert [row[:2] for row in left_out] == [["Name", "Email"], ["Tamar Example", ""]]
    assert included[1][:2] == ["Tamar Example", "tamar@example.org"]
    assert [(d["at_risk_rows"], d["at_risk_contacts"]) for d in export_details()] == [
        (1, "left out"),
        (1, "included"),
    ]


def test_the_parameter_is_in_the_openapi_document(client):
    document = client.get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/exports/applications", "/api/v1/exports/experts"):
        parameters = {
            parameter["name"]: parameter
            for parameter in document["paths"][path]["get"]["parameters"]
        }
        assert parameters["at_risk_contacts"]["in"] == "query"
        assert parameters["at_risk_contacts"]["schema"]["type"] == "boolean"
        assert (
            "contact details of applicants at risk" in parameters["at_risk_contacts"]["description"]
        )
