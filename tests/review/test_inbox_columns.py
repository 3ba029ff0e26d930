"""The inbox page's columns: the Columns form keeps a choice per account and the table
shows only those columns; each cell carries its column's name for the phone's cards;
languages with their level in words."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from tests.conftest import hidden_fields
from tests.review.test_inbox import flashes, get, languages, rows, text_of
from tracker.extensions import db
from tracker.models import User


def headers(page: str) -> list[str]:
    """Return the texts of the table's column headers, in order."""
    head = re.search(r"<thead>(.*?)</thead>", page, re.DOTALL).group(1)
    return [text_of(cell) for cell in re.findall(r"<th\b[^>]*>(.*?)</th>", head, re.DOTALL)]


def ticked(page: str) -> list[str]:
    """Return the columns the Columns form shows ticked."""
    form = re.search(r'<form[^>]*class="columns-form".*?</form>', page, re.DOTALL).group(0)
    return re.findall(r'name="columns" value="([a-z_]+)"[^>]*checked', form)


def stored(user: User):
    db.session.expire_all()
    return db.session.scalar(select(User.inbox_columns).where(User.id == user.id))


def choose(client, query: str, columns: list[str]):
    """Post the Columns form as the inbox for *query* shows it, ticking *columns*."""
    hidden = {
        name: html.unescape(value) for name, value in hidden_fields(get(client, query)).items()
    }
    return client.post("/review/columns", data={**hidden, "columns": columns})


EVERY_HEADER = [
    "",
    "Name",
    "Regions covered",
    "Languages",
    "Topics",
    "Status",
    "Rating (n)Number of ratings",
    "Assignee",
    "Received ▼",
    "Documents",
]


def test_a_new_account_sees_every_column_and_every_box_ticked(editor_client, make_application):
    make_application()
    page = get(editor_client)
    assert headers(page) == EVERY_HEADER
    assert ticked(page) == [
        "regions",
        "languages",
        "topics",
        "status",
        "rating",
        "assignee",
        "received",
        "documents",
    ]


def test_the_chosen_columns_are_kept_on_the_account_and_shown(
    editor_client, make_application, colleague
):
    application = make_application()
    response = choose(editor_client, "status=new&sort=name", ["status", "regions"])
    # Back to the same inbox: filter and sort kept.
    assert response.status_code == 302
    assert response.headers["Location"] == "/review/?status=new&sort=name"
    assert stored(editor_client.user) == ["regions", "status"]
    assert stored(colleague.user) is None
    assert headers(get(colleague)) == EVERY_HEADER
    page = editor_client.get(response.headers["Location"]).text
    assert flashes(page) == ["Your choice of columns is kept for your account."]
    assert headers(page) == ["", "Name ▲", "Regions covered", "Status"]
    assert rows(page) == {
        application.id: f"Nino Beridze {application.reference} "
        "Georgia Lives in: Kutaisi, Georgia New"
    }
    assert ticked(page) == ["regions", "status"]


def test_an_unknown_column_is_refused_and_nothing_changes(editor_client, make_application):
    make_application()
    choose(editor_client, "", ["regions"])
    response = choose(editor_client, "status=new", ["regions", "salary"])
    assert response.headers["Location"] == "/review/?status=new"
    assert stored(editor_client.user) == ["regions"]
    page = editor_client.get(response.headers["Location"]).text
    assert flashes(page) == ["Choose columns from the list; nothing was changed."]
    assert headers(page) == ["", "Name", "Regions covered"]


def test_columns_without_a_csrf_token_are_refused(editor_client, make_application):
    response = editor_client.post("/review/columns?lang=en", data={"columns": ["status"]})
    assert response.status_code == 400
    assert stored(editor_client.user) is None


def test_every_value_cell_is_labelled_with_its_column_for_the_phones_cards(
    editor_client, make_application
):
    application = make_application()
    page = get(editor_client)
    row = re.search(rf'<tr data-application-id="{application.id}">(.*?)</tr>', page, re.S)
    assert re.findall(r'<td class="([a-z-]+)"(?: data-label="([^"]*)")?', row.group(1)) == [
        ("col-select", ""),
        ("col-name", ""),
        ("col-regions", "Regions covered"),
        ("col-languages", "Languages"),
        ("col-topics", "Topics"),
        ("col-status", "Status"),
        ("col-rating", "Rating"),
        ("col-assignee", "Assignee"),
        ("col-received", "Received"),
        ("col-documents", "Documents"),
    ]


def test_languages_show_their_level_in_words_in_the_staff_language(editor_client, make_application):
    make_application(languages=languages(("ka", "native"), ("de", "B2"), ("ru", "C1")))
    choose(editor_client, "", ["languages"])
    german = editor_client.get("/review/?lang=de").text
    assert [
        text_of(cell)
        for cell in re.findall(r'<td class="col-languages"[^>]*>(.*?)</td>', german, re.S)
    ] == [
        "Georgisch: Muttersprache, Deutsch: B2 (gute Mittelstufe), Russisch: C1 (fortgeschritten)"
    ]
    assert 'data-label="Sprachen"' in german
    english = get(editor_client)
    assert [
        text_of(cell)
        for cell in re.findall(r'<td class="col-languages"[^>]*>(.*?)</td>', english, re.S)
    ] == ["Georgian: native, German: B2 (upper intermediate), Russian: C1 (advanced)"]
