"""GET /api/v1/experts: the directory's filter, cursor pages, one expert, contacts by scope."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.api.pool_data import add_assignment, add_expert
from tracker.experts.directory import experts_query
from tracker.experts.filter import ExpertFilter
from tracker.extensions import db
from tracker.models import utcnow

TODAY = utcnow().date()


@pytest.fixture
def pool(app):
    """Four experts who differ in every filter; Nino has published twice."""
    nino = add_expert(
        "Nino Beridze",
        "nino@example.org",
        regions=["georgia"],
        languages=[("de", "B2"), ("ka", "native")],
        topics=["politics"],
        city="Kutaisi",
        country="georgia",
        phone="+995 555 123",
        timezone="Asia/Tbilisi",
        notes="Knows the port of Poti.",
        rate_minor=25050,
        rate_currency="EUR",
    )
    armen = add_expert(
        "Armen Sargsyan",
        "armen@example.net",
        regions=["armenia"],
        languages=[("ru", "native"), ("de", "C1")],
        topics=["economy"],
        availability="busy",
        busy_until=TODAY + timedelta(days=30),
    )
    leyla = add_expert(
        "Leyla Aliyeva",
        "leyla@example.org",
        regions=["azerbaijan"],
        languages=[("de", "A2")],
        topics=["politics"],
        availability="paused",
    )
    giorgi = add_expert(
        "Giorgi Tsereteli",
        "giorgi@example.org",
        regions=["georgia", "abkhazia"],
        languages=[("en", "C2")],
        topics=["culture"],
        availability="busy",
        busy_until=TODAY - timedelta(days=1),
    )
    add_assignment(
        "AS-AAAA11",
        expert=nino,
        state="paid",
        published_on=TODAY - timedelta(days=10),
        published_url="https://example.org/tea",
    )
    add_assignment("AS-BBBB22", expert=nino, state="published", published_on=date(2025, 1, 5))
    add_assignment("AS-CCCC33", expert=nino, state="accepted")
    return nino, armen, leyla, giorgi


def nino_out(nino, *, contact=None) -> dict:
    return {
        "id": nino.id,
        "full_name": "Nino Beridze",
        "country": "georgia",
        "city": "Kutaisi",
        "timezone": "Asia/Tbilisi",
        "preferred_language": "de",
        "regions": ["georgia"],
        "languages": [{"language": "de", "level": "B2"}, {"language": "ka", "level": "native"}],
        "topics": ["politics"],
        "availability": "available",
        "busy_until": None,
        "rate": {"amount": "250.50", "currency": "EUR"},
        "open_assignments": 1,
        "published_assignments": 2,
        "last_published": {
            "published_on": (TODAY - timedelta(days=10)).isoformat(),
            "url": "https://example.org/tea",
        },
        "contact": contact,
    }


def ids(response) -> list[int]:
    return [item["id"] for item in response.get_json()["items"]]


def test_an_expert_shows_expertise_rate_and_work_without_contacts(api, pool):
    nino = pool[0]

    response = api("experts:read").get(f"/api/v1/experts/{nino.id}")

    assert response.status_code == 200
    assert response.get_json() == nino_out(nino)


def test_contacts_need_the_contacts_scope(api, pool):
    nino = pool[0]

    response = api("experts:read", "contacts:read").get("/api/v1/experts?region=georgia&q=poti")

    assert response.get_json() == {
        "items": [nino_out(nino, contact={"email": "nino@example.org", "phone": "+995 555 123"})],
        "next_cursor": None,
    }


def test_a_missing_expert_is_a_404_problem(api, pool):
    response = api("experts:read").get("/api/v1/experts/999999")

    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["detail"] == "There is no expert 999999."


@pytest.mark.parametrize("path", ["/api/v1/experts", "/api/v1/experts/1"])
def test_experts_need_the_experts_scope(api, pool, path):
    refused = api("assignments:read", "contacts:read").get(path)
    anonymous = api().get(path)

    assert refused.status_code == 403
    assert refused.get_json()["detail"] == "This token does not have the scope experts:read."
    assert anonymous.status_code == 401
    assert anonymous.get_json()["detail"] == (
        "This request needs a valid token: Authorization: Bearer <token>."
    )


@pytest.mark.parametrize(
    "query",
    [
        "",
        "region=georgia",
        "language=de",
        "language=de&level=B2",
        "language=de&level=native",
        "topic=politics",
        "availability=available",
        "availability=busy",
        "availability=paused",
        "active=true",
        "q=POTI",
        "q=example.org&region=georgia",
        "level=C1",
    ],
)
def test_each_filter_selects_what_the_directory_selects(api, pool, query):
    args = dict(part.split("=") for part in query.split("&") if part)
    if args.get("active") == "true":
        args["active"] = "1"
    expected = sorted(e.id for e in db.session.scalars(experts_query(ExpertFilter.from_args(args))))

    response = api("experts:read").get(f"/api/v1/experts?{query}")

    assert response.status_code == 200
    assert ids(response) == expected


def test_the_filters_pick_the_expected_people(api, pool):
    nino, armen, leyla, giorgi = pool
    client = api("experts:read")

    def picked(query):
        return ids(client.get(f"/api/v1/experts?{query}"))

    assert picked("language=de&level=B2") == [nino.id, armen.id]
    assert picked("availability=available") == [nino.id, giorgi.id]
    assert picked("active=true") == [nino.id]
    assert picked("region=georgia&topic=culture") == [giorgi.id]


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("level=Z9", "level"),
        ("availability=sometimes", "availability"),
        ("call=first", "call"),
        ("active=perhaps", "active"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("cursor=bm90LWEtY3Vyc29y", "cursor"),
    ],
)
def test_a_filter_of_the_wrong_type_is_a_422_naming_it(api, pool, query, parameter):
    response = api("experts:read").get(f"/api/v1/experts?{query}")

    assert response.status_code == 422
    body = response.get_json()
    assert body["detail"] == f"Invalid parameter: {parameter}."
    assert [error["parameter"] for error in body["errors"]] == [parameter]


def test_the_cursor_walks_every_expert_once(api, pool):
    more = [add_expert(f"Expert {n}", f"expert{n}@example.org") for n in range(3)]
    client = api("experts:read")
    seen, cursors, path = [], [], "/api/v1/experts?limit=3"

    while path:
        body = client.get(path).get_json()
        seen.append([item["id"] for item in body["items"]])
        cursors.append(body["next_cursor"])
        path = body["next_cursor"] and f"/api/v1/experts?limit=3&cursor={body['next_cursor']}"

    everyone = sorted(expert.id for expert in [*pool, *more])
    assert seen == [everyone[:3], everyone[3:6], everyone[6:]]
    assert cursors[-1] is None
    assert all(isinstance(cursor, str) for cursor in cursors[:-1])
