"""The inbox's search box: what people quote finds the candidate, and one match opens them.

Runs on SQLite and, in the suite's PostgreSQL run, on PostgreSQL.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from tests.conftest import hidden_fields
from tests.review.test_inbox import get, links, rows, text_of
from tracker.extensions import db
from tracker.models import Application
from tracker.search import index_application


@pytest.fixture
def app_config(app_config):
    # The spellings below quote CW-…, whatever the environment running the tests sets.
    return {**app_config, "REFERENCE_PREFIX": "CW"}


@pytest.fixture
def nino(make_application):
    """The candidate the searches look for, beside two who resemble her in parts."""
    found = make_application(
        reference="CW-GPZX-P3",
        full_name="Nino Beridze",
        email="nino@example.org",
        phone="+995 555 12 34 56",
    )
    make_application(
        reference="CW-PZXG-P3",
        full_name="Tamar Kapanadze",
        email="tamar@example.org",
        phone="+995 577 12 34 56",
    )
    make_application(reference="CW-GPZ7-P3", full_name="Nino B", email="nino.b@example.org")
    return found


def search(client, query: str, **args):
    """Send *query* from the search box, as the form does (with its hidden field)."""
    return client.get("/review/?" + urlencode({"lang": "en", "q": query, "jump": "1", **args}))


SPELLINGS = [
    "CW-GPZX-P3",
    "cw-gpzx-p3",
    "CW GPZX P3",
    "cwgpzxp3",
    "GPZX",
    "GPZX-P3",
    "+995 555",
    "555123456",
    "+995 555 12 34 56",
    "00995555123456",
    "NINO@example.org",
]


@pytest.mark.parametrize("query", SPELLINGS)
def test_each_spelling_lists_that_candidate_only(editor_client, nino, query):
    page = get(editor_client, urlencode({"q": query}))
    assert list(rows(page)) == [nino.id]


@pytest.mark.parametrize("query", SPELLINGS)
def test_each_spelling_sent_from_the_box_opens_the_candidate(editor_client, nino, query):
    response = search(editor_client, query)
    assert response.status_code == 302
    # The filter goes along: j/k and "Back to the list" stay within the search.
    assert response.headers["Location"] == (
        f"/review/applications/{nino.id}?" + urlencode({"from": urlencode({"q": query})})
    )
    page = editor_client.get(response.headers["Location"] + "&lang=en")
    assert page.status_code == 200
    assert "Nino Beridze" in text_of(page.text)
    back = "/review/?" + urlencode({"q": query})
    assert back in links(page.text)
    # The way back shows the list, it does not open the candidate again.
    assert list(rows(get(editor_client, urlencode({"q": query})))) == [nino.id]


def test_the_search_keeps_the_other_filters_and_follows_them(editor_client, nino):
    response = search(editor_client, "GPZX-P3", status="new", sort="name")
    assert response.headers["Location"] == (
        f"/review/applications/{nino.id}?from=status%3Dnew%26q%3DGPZX-P3%26sort%3Dname"
    )
    # Outside the filter the candidate is not found, and nothing opens.
    response = search(editor_client, "GPZX-P3", status="rejected")
    assert response.status_code == 200
    assert rows(response.text) == {}
    assert "No application matches these filters." in text_of(response.text)


def test_two_matches_are_listed(editor_client, nino, make_application):
    eka = make_application(
        reference="CW-GPZX-Q4", full_name="Eka Gelashvili", email="eka@example.org"
    )
    later = make_application(full_name="Nino Beridze", email="nino@example.org")
    response = search(editor_client, "gpzx")
    assert response.status_code == 200
    assert sorted(rows(response.text)) == sorted([nino.id, eka.id])
    # Both of one address's applications.
    response = search(editor_client, "nino@example.org")
    assert response.status_code == 200
    assert sorted(rows(response.text)) == sorted([nino.id, later.id])


def test_five_digits_are_no_phone_search(editor_client, nino):
    response = search(editor_client, "55512")
    assert response.status_code == 200
    assert rows(response.text) == {}


def test_a_word_search_with_one_match_lists_it(editor_client, nino, make_application):
    zaza = make_application(full_name="Zaza Tsereteli", email="zaza@example.org")
    for application in db.session.scalars(select(Application)):
        index_application(application)
    db.session.commit()
    response = search(editor_client, "Beridze")
    assert response.status_code == 200
    assert list(rows(response.text)) == [nino.id]
    # A word that could start a reference (CW-ZAZA-…) but found a name: listed, not opened.
    response = search(editor_client, "Zaza")
    assert response.status_code == 200
    assert list(rows(response.text)) == [zaza.id]


def test_the_search_box_says_what_it_finds_and_sends_the_jump(editor_client, nino):
    page = get(editor_client)
    assert (
        "Names, references, phone numbers, email addresses, cover letters and documents"
        in text_of(page)
    )
    assert hidden_fields(page)["jump"] == "1"
