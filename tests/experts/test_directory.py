"""The expert directory: each filter, the search, the order, the rows, and who may see it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.stored import new_application
from tracker.experts.filter import ExpertFilter
from tracker.extensions import db
from tracker.inbox.filter import InboxFilter
from tracker.models import utcnow

TODAY = utcnow().date()


def names(client, query: str = "") -> list[str]:
    """Return the experts' names on the directory page for *query*, in order."""
    html = client.get(f"/review/experts?{query}").get_data(as_text=True)
    return re.findall(
        r'<tr id="expert-\d+">\s*<td class="col-name"><a [^>]*><bdi>([^<]*)</bdi>', html
    )


@pytest.fixture
def pool(make_expert, make_assignment, call, make_application):
    """Four experts who differ in every filter."""
    nino = make_expert(
        "Nino Beridze",
        "nino@example.org",
        regions=["georgia"],
        languages=[("de", "B2"), ("ka", "native")],
        topics=["politics"],
        city="Kutaisi",
        notes="Knows the port of Poti.",
        rate_minor=25000,
        rate_currency="EUR",
    )
    armen = make_expert(
        "Armen Sargsyan",
        "armen@example.net",
        regions=["armenia"],
        languages=[("ru", "native"), ("de", "C1")],
        topics=["economy"],
        availability="busy",
        busy_until=TODAY + timedelta(days=30),
    )
    leyla = make_expert(
        "Leyla Aliyeva",
        "leyla@example.org",
        regions=["azerbaijan"],
        languages=[("de", "A2")],
        topics=["politics"],
        availability="paused",
    )
    giorgi = make_expert(
        "Giorgi Tsereteli",
        "giorgi@example.org",
        regions=["georgia", "abkhazia"],
        languages=[("en", "C2")],
        topics=["culture"],
        availability="busy",
        busy_until=TODAY - timedelta(days=1),
    )
    make_assignment(
        expert=nino,
        state="published",
        published_on=TODAY - timedelta(days=200),
        published_url="https://example.com/poti",
    )
    make_assignment(
        expert=armen,
        state="paid",
        published_on=TODAY - timedelta(days=10),
        published_url="https://example.com/yerevan",
    )
    make_assignment(expert=armen, state="accepted")
    application = new_application(call, email="leyla@example.org", full_name="Leyla Aliyeva")
    db.session.add(application)
    db.session.commit()
    return {"nino": nino, "armen": armen, "leyla": leyla, "giorgi": giorgi, "call": call}


ALL = ["Armen Sargsyan", "Giorgi Tsereteli", "Leyla Aliyeva", "Nino Beridze"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ALL),
        ("region=georgia", ["Giorgi Tsereteli", "Nino Beridze"]),
        ("region=armenia", ["Armen Sargsyan"]),
        ("language=de", ["Armen Sargsyan", "Leyla Aliyeva", "Nino Beridze"]),
        ("language=de&level=B2", ["Armen Sargsyan", "Nino Beridze"]),
        ("language=de&level=C1", ["Armen Sargsyan"]),
        ("language=ka&level=native", ["Nino Beridze"]),
        ("topic=politics", ["Leyla Aliyeva", "Nino Beridze"]),
        ("availability=available", ["Giorgi Tsereteli", "Nino Beridze"]),
        ("availability=busy", ["Armen Sargsyan"]),
        ("availability=paused", ["Leyla Aliyeva"]),
        ("active=1", ["Armen Sargsyan"]),
        ("q=poti", ["Nino Beridze"]),
        ("q=KUTAISI", ["Nino Beridze"]),
        ("q=example.net", ["Armen Sargsyan"]),
        ("q=tserет", []),
        ("q=100%25", []),
        ("region=georgia&topic=culture", ["Giorgi Tsereteli"]),
        ("level=B2", ALL),  # a level without a language is dropped
        ("availability=sleeping&region=" + "x" * 61, ALL),  # invalid values are dropped
    ],
)
def test_each_filter_and_the_search_show_exactly_the_matching_experts(
    editor_client, pool, query, expected
):
    assert names(editor_client, query) == expected


def test_the_call_filter_shows_experts_who_applied_to_that_call(editor_client, pool):
    assert names(editor_client, f"call={pool['call'].id}") == ["Leyla Aliyeva"]


def test_sorting_by_last_published_puts_those_who_never_published_last(editor_client, pool):
    assert names(editor_client, "sort=-published") == [
        "Armen Sargsyan",
        "Nino Beridze",
        "Giorgi Tsereteli",  # never published: newest first, as the order descends
        "Leyla Aliyeva",
    ]
    # Available (Giorgi's busy spell ended), busy, paused.
    assert names(editor_client, "sort=availability") == [
        "Nino Beridze",
        "Giorgi Tsereteli",
        "Armen Sargsyan",
        "Leyla Aliyeva",
    ]
    assert names(editor_client, "sort=-availability") == [
        "Leyla Aliyeva",
        "Armen Sargsyan",
        "Giorgi Tsereteli",
        "Nino Beridze",
    ]
    assert names(editor_client, "sort=-name") == list(reversed(ALL))


def test_a_row_shows_coverage_availability_rate_assignments_and_the_last_piece(editor_client, pool):
    html = editor_client.get("/review/experts?region=armenia").get_data(as_text=True)
    row = re.search(r'<tr id="expert-\d+">(.*?)</tr>', html, re.S).group(1)
    cells = [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    ]
    busy = pool["armen"].busy_until
    assert cells == [
        "Armen Sargsyan",
        "Armenia",
        "Russian: native; German: C1 (advanced)",
        "Economy",
        f"busy until {busy.day} {busy.strftime('%b %Y')}",
        "–",
        "1 open, 1 published",
        f"{(TODAY - timedelta(days=10)).strftime('%-d %b %Y')} · https://example.com/yerevan",
    ]
    assert (
        '<a href="https://example.com/yerevan" rel="noopener noreferrer nofollow" '
        'class="published-link">' in row
    )
    nino = editor_client.get("/review/experts?q=poti").get_data(as_text=True)
    assert '<td data-label="Rate">€250.00</td>' in nino


def test_the_directory_pages_through_the_experts(editor_client, make_expert):
    for number in range(11):
        make_expert(f"Expert {number:02d}", f"e{number}@example.org")
    assert names(editor_client, "per_page=10") == [f"Expert {n:02d}" for n in range(10)]
    page_two = editor_client.get("/review/experts?per_page=10&page=2").get_data(as_text=True)
    assert "Page 2 of 2" in page_two
    assert names(editor_client, "per_page=10&page=2") == ["Expert 10"]


def test_the_staff_navigation_links_the_directory(editor_client):
    html = editor_client.get("/review/").get_data(as_text=True)
    assert '<a href="/review/experts">Experts</a>' in html


def test_a_guest_reviewer_cannot_see_the_directory_or_an_expert(app, call, make_user, pool):
    from tests.conftest import login_as
    from tests.guests.conftest import make_guest

    client = app.test_client()
    login_as(client, make_guest(make_user, call))
    for url in ("/review/experts", f"/review/experts/{pool['nino'].id}"):
        response = client.get(url)
        assert response.status_code == 403
        assert "Nino" not in response.get_data(as_text=True)
    assert "/review/experts" not in client.get("/review/").get_data(as_text=True)


def test_the_expert_filter_parses_like_the_inbox_filter():
    args = {
        "region": " georgia ",
        "language": "de",
        "topic": "politics",
        "q": "a\x00b  c",
        "sort": "-published",
        "page": "3",
        "per_page": "500",
    }
    expert = ExpertFilter.from_args(args | {"level": "B2", "active": "1", "call": "4"})
    inbox = InboxFilter.from_args(args | {"sort": "-received"})
    shared = ("region", "language", "topic", "q", "page", "per_page")
    assert [getattr(expert, name) for name in shared] == [getattr(inbox, name) for name in shared]
    assert (expert.region, expert.q, expert.page, expert.per_page) == ("georgia", "a b c", 3, 100)
    assert expert.to_args() == {
        "call": "4",
        "region": "georgia",
        "language": "de",
        "level": "B2",
        "topic": "politics",
        "active": "1",
        "q": "a b c",
        "sort": "-published",
        "page": "3",
        "per_page": "100",
    }
    assert ExpertFilter.from_args(expert.to_args()) == expert
    assert expert.sorted_by("name").sort == "name"
    assert ExpertFilter().sorted_by("published").sort == "-published"
    assert ExpertFilter.from_args({"sort": "received"}).sort == "name"
    assert expert.cleared() == ExpertFilter(sort="-published", per_page=100)
