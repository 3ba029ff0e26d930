"""The application list and detail of the API: the inbox's filters and order, cursor pages,
fields=, contacts only with their scope, and every endpoint refused without its scope."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from tests.sql_log import statements_sent
from tracker.api.cursors import encode_cursor
from tracker.applications.pipeline import set_status
from tracker.applications.teamwork import add_tag
from tracker.extensions import db
from tracker.inbox.filter import InboxFilter
from tracker.inbox.query import inbox_query
from tracker.models import ApplicationLanguage, Call, StatusChange

READ, WRITE, CONTACTS = "applications:read", "applications:write", "contacts:read"
DAY = datetime(2026, 3, 10, 9, 0)
NAMES = ["Zurab", "Ani", "Levan", "Mariam", "Ani", "Davit", "Eka"]


@pytest.fixture
def other_call(app):
    other = Call(
        slug="photographers",
        title={"de": "Fotografen"},
        description={"de": "Text"},
        regions=[{"key": "georgia", "country": "georgia", "label": {"de": "Georgien"}}],
        topics=[{"key": "politics", "label": {"de": "Politik"}}],
        is_open=True,
    )
    db.session.add(other)
    db.session.commit()
    return other


@pytest.fixture
def applications(make_application, api_admin, other_call):
    """Seven applications: names (two alike), days, regions, statuses and calls differ;
    two pairs arrived at the same moment, so the id breaks the tie."""
    regions = ["georgia", "armenia", "abkhazia", "georgia", "armenia", "georgia", "georgia"]
    days = [0, 1, 1, 3, 4, 4, 6]
    made = []
    for n, (name, region, day) in enumerate(zip(NAMES, regions, days, strict=True)):
        made.append(
            make_application(
                full_name=f"{name} Test",
                email=f"person{n}@example.org",
                phone=f"+995 555 00{n}",
                region=region,
                created_at=DAY + timedelta(days=day),
                **({"call": other_call} if n == 6 else {}),
            )
        )
    set_status(made[1], "in_review", by=api_admin)
    set_status(made[2], "in_review", by=api_admin)
    set_status(made[2], "shortlisted", by=api_admin)
    add_tag(made[5], "Kutaisi", by=api_admin)
    made[3].assignee_id = api_admin.id
    db.session.commit()
    return made


def inbox_references(args: dict, user) -> list[str]:
    """Return the references the inbox's own query finds for *args*, in its order."""
    query = inbox_query(InboxFilter.from_args(args), user=user)
    return [application.reference for application in db.session.scalars(query)]


def references(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [item["reference"] for item in response.get_json()["items"]]


@pytest.mark.parametrize(
    "args",
    [
        {},
        {"status": "in_review"},
        {"status": ["new", "shortlisted"]},
        {"region": "armenia"},
        {"assignee": "nobody"},
        {"received_from": "2026-03-11", "received_to": "2026-03-14"},
        {"sort": "name"},
        {"sort": "-status", "region": "georgia"},
        {"tag": "Kutaisi"},
        {"language": "de", "topic": "politics", "sort": "region"},
    ],
)
def test_the_list_finds_what_the_inbox_finds(api, applications, api_admin, args):
    found = references(api(READ).get("/api/v1/applications", query_string=args))

    assert found == inbox_references(args, api_admin)
    assert found  # every filter above matches someone


@pytest.mark.parametrize(
    "args", [{"possible_copy": "yes"}, {"possible_copy": "no"}, {"sample_language": "de"}]
)
def test_the_sample_filters_find_what_the_inbox_finds(api, applications, api_admin, args):
    found = references(api(READ).get("/api/v1/applications", query_string=args))

    assert found == inbox_references(args, api_admin)


def test_filters_by_call_assignee_search_and_comma_separated_statuses(
    api, applications, api_admin, other_call
):
    client = api(READ)
    by_call = references(client.get(f"/api/v1/applications?call={other_call.id}"))
    by_assignee = references(client.get(f"/api/v1/applications?assignee={api_admin.id}"))
    by_reference = references(client.get(f"/api/v1/applications?q={applications[4].reference}"))
    by_statuses = references(client.get("/api/v1/applications?status=in_review,shortlisted"))

    assert by_call == [applications[6].reference]
    assert by_assignee == [applications[3].reference]
    assert by_reference == [applications[4].reference]
    assert by_statuses == [applications[2].reference, applications[1].reference]
    assert by_statuses == inbox_references({"status": ["in_review", "shortlisted"]}, api_admin)


@pytest.mark.parametrize("sort", ["-received", "name", "assignee"])
def test_the_cursor_walks_every_row_once_in_order(api, applications, api_admin, sort):
    client = api(READ)
    walked, pages, cursor = [], 0, None
    while True:
        args = {"sort": sort, "limit": 3} | ({"cursor": cursor} if cursor else {})
        body = client.get("/api/v1/applications", query_string=args).get_json()
        walked += [item["reference"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break

    assert walked == inbox_references({"sort": sort}, api_admin)
    assert len(walked) == len(set(walked)) == 7
    assert pages == 3


def test_the_cursor_names_the_last_row_and_the_page_after_it_keeps_the_filter(api, applications):
    client = api(READ)
    first = client.get("/api/v1/applications?sort=name&limit=2&region=georgia").get_json()
    after = client.get(
        "/api/v1/applications",
        query_string={"sort": "name", "region": "georgia", "cursor": first["next_cursor"]},
    ).get_json()

    # Georgia: Davit, Eka, Mariam, Zurab – by name.
    assert [item["full_name"] for item in first["items"]] == ["Davit Test", "Eka Test"]
    assert first["next_cursor"] == encode_cursor(applications[6].id)
    assert [item["full_name"] for item in after["items"]] == ["Mariam Test", "Zurab Test"]
    assert after["next_cursor"] is None


def test_a_row_that_moves_out_of_the_filter_still_anchors_the_next_page(
    api, applications, api_admin
):
    client = api(READ, WRITE)
    first = client.get("/api/v1/applications?status=new&sort=name&limit=2").get_json()
    anchor = first["items"][-1]["reference"]
    client.post(f"/api/v1/applications/{anchor}/status", json={"status": "in_review"})
    after = client.get(
        "/api/v1/applications",
        query_string={"status": "new", "sort": "name", "cursor": first["next_cursor"]},
    ).get_json()

    assert [item["full_name"] for item in first["items"]] == ["Ani Test", "Davit Test"]
    assert [item["full_name"] for item in after["items"]] == [
        "Eka Test",
        "Mariam Test",
        "Zurab Test",
    ]


def _invalid(response) -> dict:
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    return response.get_json()


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("received_from=yesterday", "received_from"),
        ("received_to=2026-02-30", "received_to"),
        ("call=first", "call"),
        ("status=new,archived", "status"),
        ("assignee=me", "assignee"),
        ("possible_copy=maybe", "possible_copy"),
        ("sort=-email", "sort"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("cursor=not-ours", "cursor"),
        ("fields=reference,secret", "fields"),
        ("rated=me", "rated"),
    ],
)
def test_wrong_types_get_422_naming_the_parameter(api, applications, query, parameter):
    problem = _invalid(api(READ).get(f"/api/v1/applications?{query}"))

    assert [error["parameter"] for error in problem["errors"]] == [parameter]
    assert problem["detail"] == f"Invalid parameter: {parameter}."


def test_a_cursor_of_an_erased_application_gets_422_naming_it(api, applications, api_admin):
    from tracker.privacy import erase_applicant

    cursor = encode_cursor(applications[0].id)
    erase_applicant(applications[0], by=api_admin, reason="admin")

    problem = _invalid(api(READ).get(f"/api/v1/applications?cursor={cursor}"))
    assert problem["errors"] == [{"parameter": "cursor", "message": "its application was erased"}]


def test_fields_limit_each_item(api, applications):
    body = api(READ).get("/api/v1/applications?fields=reference,status&sort=received").get_json()

    assert body["items"][:3] == [
        {"reference": applications[0].reference, "status": "new"},
        {"reference": applications[1].reference, "status": "in_review"},
        {"reference": applications[2].reference, "status": "shortlisted"},
    ]
    assert body["next_cursor"] is None


def test_an_item_holds_every_field_but_contacts_without_contacts_read(api, applications):
    application = applications[3]
    item = api(READ).get("/api/v1/applications?limit=1&sort=assignee").get_json()["items"][0]

    assert item == {
        "reference": application.reference,
        "call_id": application.call_id,
        "status": "new",
        "received": "2026-03-13T09:00:00Z",
        "full_name": "Mariam Test",
        "city": "Kutaisi",
        "country": "georgia",
        "country_other": None,
        "regions": ["georgia"],
        "languages": [{"language": "de", "level": "B2"}],
        "topics": ["politics"],
        "rating_count": 0,
        "rating_mean": None,
        "assignee": {"id": application.assignee_id, "name": "Api Admin"},
        "tags": [],
    }


def test_contacts_only_with_contacts_read(api, applications):
    with_scope = api(READ, CONTACTS).get("/api/v1/applications?sort=received&limit=1")
    asked_with = api(READ, CONTACTS).get("/api/v1/applications?fields=reference,email,phone")
    asked_without = api(READ).get("/api/v1/applications?fields=reference,email")

    item = with_scope.get_json()["items"][0]
    assert (item["email"], item["phone"]) == ("person0@example.org", "+995 555 000")
    assert asked_with.get_json()["items"][-1] == {
        "reference": applications[0].reference,
        "email": "person0@example.org",
        "phone": "+995 555 000",
    }
    assert asked_without.status_code == 403
    assert asked_without.get_json()["detail"] == (
        "The fields email and phone need the scope contacts:read."
    )


def test_the_detail_shows_the_whole_application(api, applications, api_admin):
    application = applications[2]
    application.languages.append(ApplicationLanguage(language="ka", level="native", position=1))
    application.links = ["https://example.org/nino"]
    db.session.commit()
    changes = db.session.scalars(select(StatusChange).order_by(StatusChange.id)).all()

    body = api(READ).get(f"/api/v1/applications/{application.reference}").get_json()

    history = [
        {
            "from_status": change.from_status,
            "to_status": change.to_status,
            "at": change.created_at.isoformat() + "Z",
            "by": {"id": api_admin.id, "name": "Api Admin"},
            "reason": None,
            "note": None,
        }
        for change in changes
        if change.application_id == application.id
    ]
    assert body == {
        "reference": application.reference,
        "call_id": application.call_id,
        "status": "shortlisted",
        "received": "2026-03-11T09:00:00Z",
        "full_name": "Levan Test",
        "city": "Kutaisi",
        "country": "georgia",
        "country_other": None,
        "regions": ["abkhazia"],
        "languages": [
            {"language": "de", "level": "B2"},
            {"language": "ka", "level": "native"},
        ],
        "topics": ["politics"],
        "rating_count": 0,
        "rating_mean": None,
        "assignee": None,
        "tags": [],
        "version": application.version_id,
        "preferred_language": "de",
        "cover_letter": "Ich berichte aus Westgeorgien.",
        "writing_sample_url": None,
        "links": ["https://example.org/nino"],
        "status_history": history,
        "documents": [],
    }
    assert [(step["from_status"], step["to_status"]) for step in history] == [
        ("new", "in_review"),
        ("in_review", "shortlisted"),
    ]


def test_the_detail_shows_contacts_only_with_contacts_read(api, applications):
    path = f"/api/v1/applications/{applications[0].reference}"

    with_scope = api(READ, CONTACTS).get(path).get_json()
    without = api(READ).get(path).get_json()

    assert (with_scope["email"], with_scope["phone"]) == ("person0@example.org", "+995 555 000")
    assert "email" not in without
    assert "phone" not in without


def test_an_unknown_or_erased_reference_is_404(api, applications, api_admin):
    from tracker.privacy import erase_applicant

    reference = applications[0].reference
    erase_applicant(applications[0], by=api_admin, reason="admin")

    for unknown in (reference, "EXP-0000-0000"):
        response = api(READ).get(f"/api/v1/applications/{unknown}")
        assert response.status_code == 404
        assert response.get_json() == {
            "type": "about:blank",
            "title": "Not Found",
            "status": 404,
            "detail": f"No application has the reference {unknown}.",
        }


def test_an_unknown_field_or_status_is_named_with_what_is_allowed(api, applications):
    fields = _invalid(api(READ).get("/api/v1/applications?fields=reference,secret"))
    status = _invalid(api(READ).get("/api/v1/applications?status=new&status=archived"))

    assert fields["errors"][0]["message"].startswith(
        "Value error, 'secret': Input should be 'reference', 'call_id', 'status'"
    )
    assert status["errors"] == [
        {
            "parameter": "status",
            "message": "Value error, 'archived': Input should be 'new', 'in_review', "
            "'shortlisted', 'trial', 'accepted', 'on_hold', 'rejected' or 'withdrawn'",
        }
    ]


def test_a_page_costs_the_same_statements_however_many_rows_it_holds(
    api, applications, make_application
):
    def statements_of_a_page() -> int:
        client = api(READ)  # the token is made before counting
        with statements_sent() as seen:
            response = client.get("/api/v1/applications?limit=100")
        assert response.status_code == 200
        return len(seen)

    few = statements_of_a_page()
    for n in range(10):
        make_application(full_name=f"More {n}")
    assert statements_of_a_page() == few
