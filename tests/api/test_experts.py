"""GET /api/v1/experts: the directory's filter, cursor pages, one expert, contacts by scope."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.api.pool_data import add_assignment, add_expert
from tests.experts import conftest as expert_fixtures
from tests.experts import test_directory
from tests.experts.test_directory import names
from tracker.models import utcnow

TODAY = utcnow().date()
# The directory's own test pool (and the fixtures it needs): the API must list whom the
# directory page lists for the same data and query.
make_expert, make_assignment = expert_fixtures.make_expert, expert_fixtures.make_assignment
directory_pool = test_directory.pool


@pytest.fixture
def nino(app):
    """Nino, with every field the API shows filled, and three assignments."""
    expert = add_expert(
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
    add_assignment(
        "AS-AAAA11",
        expert=expert,
        state="paid",
        published_on=TODAY - timedelta(days=10),
        published_url="https://example.org/tea",
    )
    add_assignment("AS-BBBB22", expert=expert, state="published", published_on=date(2025, 1, 5))
    add_assignment("AS-CCCC33", expert=expert, state="accepted")
    return expert


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


def test_an_expert_shows_expertise_rate_and_work_without_contacts(api, nino):
    response = api("experts:read").get(f"/api/v1/experts/{nino.id}")

    assert response.status_code == 200
    assert response.get_json() == nino_out(nino)


def test_contacts_need_the_contacts_scope(api, nino):
    response = api("experts:read", "contacts:read").get("/api/v1/experts?region=georgia&q=poti")

    assert response.get_json() == {
        "items": [nino_out(nino, contact={"email": "nino@example.org", "phone": "+995 555 123"})],
        "next_cursor": None,
    }


def test_a_missing_expert_is_a_404_problem(api, nino):
    response = api("experts:read").get("/api/v1/experts/999999")

    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["detail"] == "There is no expert 999999."


@pytest.mark.parametrize("path", ["/api/v1/experts", "/api/v1/experts/1"])
def test_experts_need_the_experts_scope(api, nino, path):
    refused = api("assignments:read", "contacts:read").get(path)
    anonymous = api().get(path)

    assert refused.status_code == 403
    assert refused.get_json()["detail"] == "This token does not have the scope experts:read."
    assert anonymous.status_code == 401
    assert anonymous.get_json()["detail"] == (
        "This request needs a valid token: Authorization: Bearer <token>."
    )


# The directory's own filter tests' queries (tests/experts/test_directory.py).
DIRECTORY_QUERIES = [
    "",
    "region=georgia",
    "region=armenia",
    "language=de",
    "language=de&level=B2",
    "language=de&level=C1",
    "language=ka&level=native",
    "topic=politics",
    "availability=available",
    "availability=busy",
    "availability=paused",
    "active=1",
    "q=poti",
    "q=KUTAISI",
    "q=example.net",
    "q=tserет",
    "q=100%25",
    "region=georgia&topic=culture",
    "level=B2",
]


@pytest.mark.parametrize("query", DIRECTORY_QUERIES)
def test_each_filter_selects_whom_the_directory_page_shows(
    api, editor_client, directory_pool, query
):
    response = api("experts:read").get(f"/api/v1/experts?{query}")

    assert response.status_code == 200
    listed = sorted(item["full_name"] for item in response.get_json()["items"])
    assert listed == names(editor_client, query)


def test_the_call_filter_and_the_filters_pick_the_expected_people(api, directory_pool):
    pool = directory_pool
    client = api("experts:read")

    def picked(query):
        return ids(client.get(f"/api/v1/experts?{query}"))

    assert picked(f"call={pool['call'].id}") == [pool["leyla"].id]
    assert picked("language=de&level=B2") == sorted([pool["nino"].id, pool["armen"].id])
    assert picked("active=true") == [pool["armen"].id]


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
def test_a_filter_of_the_wrong_type_is_a_422_naming_it(api, query, parameter):
    response = api("experts:read").get(f"/api/v1/experts?{query}")

    assert response.status_code == 422
    body = response.get_json()
    assert body["detail"] == f"Invalid parameter: {parameter}."
    assert [error["parameter"] for error in body["errors"]] == [parameter]


def test_the_cursor_walks_every_expert_once(api, directory_pool):
    pool = directory_pool
    more = [add_expert(f"Expert {n}", f"expert{n}@example.org") for n in range(3)]
    earlier = [pool[name] for name in ("nino", "armen", "leyla", "giorgi")]
    client = api("experts:read")
    seen, cursors, path = [], [], "/api/v1/experts?limit=3"

    while path:
        body = client.get(path).get_json()
        seen.append([item["id"] for item in body["items"]])
        cursors.append(body["next_cursor"])
        path = body["next_cursor"] and f"/api/v1/experts?limit=3&cursor={body['next_cursor']}"

    everyone = sorted(expert.id for expert in [*earlier, *more])
    assert seen == [everyone[:3], everyone[3:6], everyone[6:]]
    assert cursors[-1] is None
    assert all(isinstance(cursor, str) for cursor in cursors[:-1])
