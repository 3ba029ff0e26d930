"""Ids in paths: a number no database row can have is an ordinary 404, never a 500."""

from __future__ import annotations

import re

import pytest
from werkzeug.exceptions import MethodNotAllowed, NotFound

from tracker.web.converters import MAX_ID


def id_routes(app):
    """Yield (rule, a method it answers, its id names) for every route with an id in its path."""
    for rule in app.url_map.iter_rules():
        names = re.findall(r"<int(?:\([^)]*\))?:(\w+)>", rule.rule)
        if names:
            method = "GET" if "GET" in rule.methods else sorted(rule.methods - {"OPTIONS"})[0]
            yield rule, method, names


def test_every_id_route_stops_matching_beyond_64_bits(app):
    # Before the converter, 25 staff routes passed such a number to SQLite: OverflowError.
    adapter = app.url_map.bind("localhost")
    routes = list(id_routes(app))
    assert len(routes) >= 20
    for rule, method, names in routes:
        # Other parts of the path (an API route's reference) get a plain word.
        values = dict.fromkeys(rule.arguments, "word") | {name: MAX_ID for name in names}
        path = adapter.build(rule.endpoint, values, method=method)
        assert adapter.match(path, method=method)[0] == rule.endpoint
        too_big = path.replace(str(MAX_ID), str(MAX_ID + 1))
        # 404, or 405 where a route of another method shares the path: never a match.
        with pytest.raises((NotFound, MethodNotAllowed)):
            adapter.match(too_big, method=method)


@pytest.mark.parametrize("number", [MAX_ID + 1, 2**64, 10**30])
def test_a_huge_candidate_id_is_a_404_page(admin_client, number):
    response = admin_client.get(f"/review/applications/{number}?lang=en")
    assert response.status_code == 404
    assert "Page not found" in response.text


def test_the_largest_id_is_looked_up_and_not_found(admin_client):
    response = admin_client.get(f"/review/applications/{MAX_ID}?lang=en")
    assert response.status_code == 404
    assert "Page not found" in response.text
