"""The inbox's filter: parsing a query string, dropping what is invalid, writing it back."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.inbox.filter import InboxFilter


def test_invalid_values_are_dropped_not_raised():
    parsed = InboxFilter.from_args(
        {
            "call": "one",
            "region": "x" * 61,
            "status": "bogus",
            "language": "de\x00",
            "assignee": "-3",
            "rated": "yes",
            "received_from": "notadate",
            "received_to": "2026-02-30",
            "q": "  ",
            "sort": "password",
            "page": "-1",
            "per_page": "abc",
        }
    )
    assert parsed == InboxFilter()
    assert parsed.to_args() == {}


@pytest.mark.parametrize(
    ("args", "page", "per_page"),
    [
        ({"page": "-1"}, 1, 50),
        ({"page": "0"}, 1, 50),
        ({"page": "3"}, 3, 50),
        ({"page": "9" * 5000}, 1, 50),
        ({"per_page": "100000"}, 1, 100),
        ({"per_page": "1"}, 1, 10),
        ({"per_page": "25"}, 1, 25),
    ],
)
def test_page_and_page_size_are_clamped(args, page, per_page):
    parsed = InboxFilter.from_args(args)
    assert (parsed.page, parsed.per_page) == (page, per_page)


def test_the_filter_round_trips_through_its_query_string():
    args = {
        "call": "1",
        "region": "georgia",
        "status": ["rejected", "new"],
        "language": "ka",
        "topic": "politics",
        "tag": "Russian desk",
        "assignee": "me",
        "rated": "not_me",
        "received_from": "2026-11-01",
        "received_to": "2026-11-30",
        "q": "Nino & Co",
        "sort": "-rating",
        "page": "2",
        "per_page": "25",
    }
    parsed = InboxFilter.from_args(args)
    assert parsed.to_args() == args | {"status": ["new", "rejected"]}
    assert parsed.query_string() == (
        "call=1&region=georgia&language=ka&topic=politics&tag=Russian+desk&status=new"
        "&status=rejected&assignee=me&rated=not_me&received_from=2026-11-01"
        "&received_to=2026-11-30&q=Nino+%26+Co&sort=-rating&page=2&per_page=25"
    )
    assert InboxFilter.from_query_string(parsed.query_string()) == parsed
    assert InboxFilter.from_query_string("?" + parsed.query_string()) == parsed
    assert (
        "page"
        not in InboxFilter.from_query_string(parsed.query_string(include_page=False)).to_args()
    )
    assert InboxFilter.from_query_string("q=" + "x" * 5000) == InboxFilter()
    assert InboxFilter.from_query_string(None) == InboxFilter()


def test_date_filters_are_inclusive_days():
    parsed = InboxFilter.from_args({"received_from": "2026-11-02", "received_to": "2026-11-04"})
    assert (parsed.received_from, parsed.received_to) == (date(2026, 11, 2), date(2026, 11, 4))
