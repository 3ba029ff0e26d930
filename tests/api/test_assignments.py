"""GET /api/v1/assignments: filters, cursor pages, one assignment with its exact fee."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from tests.api.pool_data import add_assignment, add_expert


@pytest.fixture
def desk(app, make_application):
    """Three assignments of Nino (one a trial of her application) and one of Armen."""
    nino = add_expert("Nino Beridze", "nino@example.org")
    armen = add_expert("Armen Sargsyan", "armen@example.net", timezone="Asia/Yerevan")
    application = make_application(status="trial")
    rows = [
        add_assignment(
            "AS-AAAA11",
            expert=nino,
            application=application,
            state="paid",
            fee_minor=25050,
            published_url="https://example.org/tea",
            published_on=date(2026, 12, 22),
            paid_on=date(2027, 1, 5),
        ),
        add_assignment(
            "AS-BBBB22",
            expert=armen,
            timezone="Asia/Yerevan",
            currency="AMD",
            fee_minor=10_000_000,
            deadline_at=datetime(2026, 12, 24, 23, 30),
        ),
        add_assignment("AS-CCCC33", expert=nino, deadline_at=datetime(2026, 12, 25, 0, 0)),
        add_assignment("AS-DDDD44", expert=nino, state="accepted", brief=None),
    ]
    return nino, armen, application, rows


def references(response) -> list[str]:
    return [item["reference"] for item in response.get_json()["items"]]


def test_an_assignment_shows_fee_as_exact_text_and_deadline_in_both_zones(api, desk):
    nino, _armen, application, _rows = desk

    response = api("assignments:read").get("/api/v1/assignments/AS-AAAA11")

    assert response.status_code == 200
    assert response.get_json() == {
        "reference": "AS-AAAA11",
        "title": "Tea harvest",
        "brief": "3,000 characters on the harvest.",
        "state": "paid",
        "fee": {"amount": "250.50", "currency": "EUR"},
        "deadline": {
            "utc": "2026-12-20T12:00:00Z",
            "local": "2026-12-20T16:00:00+04:00",
            "timezone": "Asia/Tbilisi",
        },
        "expert_id": nino.id,
        "application": application.reference,
        "published_url": "https://example.org/tea",
        "published_on": "2026-12-22",
        "paid_on": "2027-01-05",
    }


def test_a_currency_without_decimals_and_a_missing_brief(api, desk):
    client = api("assignments:read")

    armen = client.get("/api/v1/assignments/AS-BBBB22").get_json()
    empty_brief = client.get("/api/v1/assignments/AS-DDDD44").get_json()

    # AMD has two minor units in tracker's table: 10,000,000 minor units are 100000.00.
    assert armen["fee"] == {"amount": "100000.00", "currency": "AMD"}
    assert armen["deadline"] == {
        "utc": "2026-12-24T23:30:00Z",
        "local": "2026-12-25T03:30:00+04:00",
        "timezone": "Asia/Yerevan",
    }
    assert empty_brief["brief"] == ""


def test_a_payment_record_has_no_deadline(api, desk):
    add_assignment("AS-EEEE55", state="paid", deadline_at=None, title="", brief=None)

    body = api("assignments:read").get("/api/v1/assignments/AS-EEEE55").get_json()

    assert (body["deadline"], body["expert_id"], body["fee"]) == (
        None,
        None,
        {"amount": "250.00", "currency": "EUR"},
    )


def test_a_missing_assignment_is_a_404_problem(api, desk):
    response = api("assignments:read").get("/api/v1/assignments/AS-NOPE99")

    assert response.status_code == 404
    assert response.get_json()["detail"] == "There is no assignment AS-NOPE99."


@pytest.mark.parametrize("path", ["/api/v1/assignments", "/api/v1/assignments/AS-AAAA11"])
def test_assignments_need_their_scope(api, desk, path):
    refused = api("experts:read", "exports:read").get(path)
    anonymous = api().get(path)

    assert refused.status_code == 403
    assert refused.get_json()["detail"] == "This token does not have the scope assignments:read."
    assert anonymous.status_code == 401


def test_the_filters(api, desk):
    nino, armen, application, _rows = desk
    client = api("assignments:read")

    def picked(query):
        response = client.get(f"/api/v1/assignments?{query}")
        assert response.status_code == 200
        return references(response)

    assert picked("") == ["AS-AAAA11", "AS-BBBB22", "AS-CCCC33", "AS-DDDD44"]
    assert picked("state=offered") == ["AS-BBBB22", "AS-CCCC33"]
    assert picked(f"expert={nino.id}") == ["AS-AAAA11", "AS-CCCC33", "AS-DDDD44"]
    assert picked(f"expert={armen.id}&state=accepted") == []
    assert picked(f"application={application.reference}") == ["AS-AAAA11"]
    # UTC days, both ends included: 24 Dec 23:30 UTC is the 24th, 25 Dec 00:00 the 25th.
    assert picked("deadline_from=2026-12-24&deadline_to=2026-12-24") == ["AS-BBBB22"]
    assert picked("deadline_from=2026-12-21") == ["AS-BBBB22", "AS-CCCC33"]
    assert picked("deadline_to=2026-12-24") == ["AS-AAAA11", "AS-BBBB22", "AS-DDDD44"]


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("state=lost", "state"),
        ("expert=nino", "expert"),
        ("deadline_from=24.12.2026", "deadline_from"),
        ("deadline_to=2026-13-01", "deadline_to"),
        ("limit=500", "limit"),
        ("cursor=%21%21", "cursor"),
    ],
)
def test_a_filter_of_the_wrong_type_is_a_422_naming_it(api, desk, query, parameter):
    response = api("assignments:read").get(f"/api/v1/assignments?{query}")

    assert response.status_code == 422
    assert response.get_json()["detail"] == f"Invalid parameter: {parameter}."


def test_the_cursor_walks_every_assignment_once(api, desk):
    for number in range(3):
        add_assignment(f"AS-MORE{number:02d}")
    client = api("assignments:read")
    pages, path = [], "/api/v1/assignments?limit=2"

    while path:
        body = client.get(path).get_json()
        pages.append(references_of(body))
        path = body["next_cursor"] and f"/api/v1/assignments?limit=2&cursor={body['next_cursor']}"

    assert pages == [
        ["AS-AAAA11", "AS-BBBB22"],
        ["AS-CCCC33", "AS-DDDD44"],
        ["AS-MORE00", "AS-MORE01"],
        ["AS-MORE02"],
    ]


def references_of(body: dict) -> list[str]:
    return [item["reference"] for item in body["items"]]
