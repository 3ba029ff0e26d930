"""The expert page: everything about one expert, and editing them (bad input changes nothing)."""

from __future__ import annotations

import re
from datetime import date

import pytest

from tests.conftest import hidden_fields
from tracker.extensions import db
from tracker.models import AuditEvent, Expert, utcnow
from tracker.ui_languages import localized


def day_on_page(moment) -> str:
    return f"{moment.day} {moment.strftime('%b %Y')}"


def fields_of(expert: Expert) -> tuple:
    db.session.refresh(expert)
    return (
        expert.availability,
        expert.busy_until,
        expert.rate_minor,
        expert.rate_currency,
        expert.timezone,
        expert.phone,
        expert.city,
        expert.notes,
        expert.regions,
        [(row.language, row.level) for row in expert.languages],
        sorted(row.topic for row in expert.topics),
        expert.version_id,
    )


def form_data(client, expert, **changes) -> dict:
    html = client.get(f"/review/experts/{expert.id}").get_data(as_text=True)
    data = hidden_fields(html) | {
        "availability": "available",
        "busy_until": "",
        "rate": "",
        "currency": "",
        "timezone": "Asia/Tbilisi",
        "phone": "",
        "city": "Kutaisi",
        "languages": "de:B2",
        "regions": ["georgia"],
        "topics": ["politics"],
        "notes": "",
    }
    return data | changes


@pytest.fixture
def expert(make_expert):
    return make_expert(city="Kutaisi", timezone="Asia/Tbilisi")


def test_the_page_shows_the_expert_assignments_and_invitations(
    editor_client, expert, make_assignment, call
):
    from tracker.models import ExpertInvitation

    make_assignment(
        expert=expert,
        title="The harvest in Kakheti",
        state="published",
        published_on=date(2026, 11, 3),
        published_url="https://example.com/kakheti",
    )
    db.session.add(ExpertInvitation(expert_id=expert.id, call_id=call.id))
    db.session.commit()

    html = editor_client.get(f"/review/experts/{expert.id}").get_data(as_text=True)

    assert "<h1>Nino Beridze</h1>" in html
    assert '<a href="mailto:nino@example.org">nino@example.org</a>' in html
    assert "Imported from the newsroom's list" in html
    assert re.search(
        r"<td>AS-TEST01</td>\s*<td><a href=\"/review/assignments/\d+\"><bdi>The harvest in Kakheti"
        r"</bdi></a></td>\s*<td>Published</td>\s*"
        r"<td>€250.00</td>\s*<td>3 Nov 2026 · <a href=\"https://example.com/kakheti\" "
        r"rel=\"noopener noreferrer nofollow\">",
        html,
    )
    assert f'<a href="/review/assignments/new?expert={expert.id}">New assignment…</a>' in html
    title = localized(call.title, "en")
    assert re.findall(r"<li>(\d{1,2} \w{3} \d{4}): ([^<]*)</li>", html) == [
        (day_on_page(utcnow()), title)
    ]


def test_an_edit_saves_every_field_and_is_audited(editor_client, expert):
    data = form_data(
        editor_client,
        expert,
        availability="busy",
        busy_until="2027-01-12",
        rate="1.250,50",
        currency="GEL",
        timezone="Asia/Yerevan",
        phone="+995 555 000",
        city="Batumi",
        languages="ka:native; DE:c1",
        regions=["abkhazia", "georgia"],
        topics=["economy", "politics"],
        notes="Prefers phone calls.",
    )
    response = editor_client.post(f"/review/experts/{expert.id}", data=data)

    assert response.headers["Location"] == f"/review/experts/{expert.id}"
    assert fields_of(expert) == (
        "busy",
        date(2027, 1, 12),
        125050,
        "GEL",
        "Asia/Yerevan",
        "+995 555 000",
        "Batumi",
        "Prefers phone calls.",
        ["abkhazia", "georgia"],
        [("ka", "native"), ("de", "C1")],
        ["economy", "politics"],
        2,
    )
    page = editor_client.get(f"/review/experts/{expert.id}").get_data(as_text=True)
    assert "The expert&#39;s data was saved." in page
    assert "Availability: busy until 12 Jan 2027" in page
    event = db.session.query(AuditEvent).filter_by(action="expert.updated").one()
    assert event.details == {
        "expert": expert.id,
        "fields": [
            "availability",
            "busy_until",
            "rate_minor",
            "rate_currency",
            "timezone",
            "phone",
            "city",
            "notes",
        ],
    }


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"rate": "-250", "currency": "EUR"}, "An amount cannot be negative."),
        ({"rate": "250", "currency": ""}, "Please choose the currency of the rate."),
        ({"rate": "25000", "currency": "EUR"}, "is more than a piece can cost"),
        (
            {"availability": "busy", "busy_until": ""},
            "Please give the last day the expert is busy.",
        ),
        ({"availability": "busy", "busy_until": "12.1."}, "Not a valid date value."),
        ({"timezone": "Europe/Paris"}, "Not a valid choice."),
        ({"languages": "ka:fluent"}, "“ka:fluent” is not a language with a level"),
        ({"phone": "x" * 41}, "Please shorten this to 40 characters."),
        ({"city": "Kutaisi\nBatumi"}, "Please write this on one line"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_changes_nothing(
    editor_client, expert, changes, message
):
    before = fields_of(expert)
    response = editor_client.post(
        f"/review/experts/{expert.id}", data=form_data(editor_client, expert, **changes)
    )

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "There is a problem" in html
    assert message in html.replace("&#34;", '"').replace("&#39;", "'")
    assert fields_of(expert) == before


def test_a_stale_edit_is_refused_and_says_so(editor_client, expert):
    data = form_data(editor_client, expert, city="Batumi")
    expert.notes = "Changed by a colleague."
    db.session.commit()

    response = editor_client.post(f"/review/experts/{expert.id}", data=data)

    assert response.headers["Location"] == f"/review/experts/{expert.id}"
    assert fields_of(expert)[6:8] == ("Kutaisi", "Changed by a colleague.")
    page = editor_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Someone else saved this expert meanwhile; nothing was changed." in page


def test_an_unknown_expert_is_404(editor_client):
    response = editor_client.get("/review/experts/999")
    assert response.status_code == 404
    assert (
        "Page not found" in response.get_data(as_text=True)
        or "not found" in response.get_data(as_text=True).lower()
    )
