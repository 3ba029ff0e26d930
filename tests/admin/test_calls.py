"""Administering calls: create, edit, preview, open, close, reopen; and what applicants see."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from tests.applying import application_form, post
from tests.conftest import hidden_fields
from tracker import calls as domain
from tracker.extensions import db
from tracker.models import Application, AuditEvent, Call, utcnow
from tracker.web.access import Policy, policy_of

# Regions as rows: key, country, group, German, English, Russian.
REGION_ROWS = [
    ("georgia", "", "", "Georgien", "Georgia", "Грузия"),
    ("abkhazia", "georgia", "south_caucasus", "Abchasien", "Abkhazia", "Абхазия"),
    (
        "stavropol",
        "russia",
        "neighbouring",
        "Region Stawropol",
        "Stavropol krai",
        "Ставропольский край",
    ),
]
TOPIC_ROWS = [
    ("politics", "Politik", "Politics", "Политика"),
    ("media", "Medien", "Media", "СМИ"),
]


def region_rows(rows) -> dict:
    """Return the form fields of region rows, each row saved with its key (as shown)."""
    fields = {}
    for index, (key, country, group, de, en, ru) in enumerate(rows):
        prefix = f"regions-{index}-"
        fields |= {prefix + "saved_key": key, prefix + "key": key, prefix + "country": country}
        fields |= {prefix + "group": group, prefix + "label_de": de}
        fields |= {prefix + "label_en": en, prefix + "label_ru": ru}
    return fields


def topic_rows(rows) -> dict:
    """Return the form fields of topic rows."""
    fields = {}
    for index, (key, de, en, ru) in enumerate(rows):
        prefix = f"topics-{index}-"
        fields |= {prefix + "saved_key": key, prefix + "key": key, prefix + "label_de": de}
        fields |= {prefix + "label_en": en, prefix + "label_ru": ru}
    return fields


def rows_of(options, *, regions: bool) -> list[tuple]:
    """Return a call's stored regions or topics as the rows the helpers above post."""
    labels = [lambda o, code=code: o["label"].get(code, "") for code in ("de", "en", "ru")]
    if regions:
        return [
            (o["key"], o.get("country", ""), o.get("group", ""), *(f(o) for f in labels))
            for o in options
        ]
    return [(o["key"], *(f(o) for f in labels)) for o in options]


def call_form(client, url="/admin/calls/new", **overrides) -> dict:
    """Return a complete, valid call form; overrides replace or (None) remove fields.

    ``regions`` and ``topics`` are lists of rows (see REGION_ROWS); the rows the page
    showed are left out, as if the administrator had typed these instead.
    """
    regions = overrides.pop("regions", REGION_ROWS)
    topics = overrides.pop("topics", TOPIC_ROWS)
    shown = hidden_fields(client.get(url).text)
    data = {
        **{name: value for name, value in shown.items() if not name.endswith("saved_key")},
        **region_rows(regions),
        **topic_rows(topics),
        "title_de": "Fotografinnen gesucht",
        "title_en": "Photographers wanted",
        "title_ru": "Ищем фотографов",
        "slug": "photographers-2027",
        "description_de": "Wir suchen Fotografinnen.\n\nSchicken Sie Ihre Mappe.",
        "description_en": "We are looking for photographers.\n\nSend your portfolio.",
        "description_ru": "Мы ищем фотографов.",
        "targets": "georgia | 2\nabkhazia | 1",
        "opens_at": "",
        "closes_at": "2099-12-31T18:00",
        "privacy_notice_de": "",
        "privacy_notice_en": "",
        "privacy_notice_ru": "",
        "privacy_version": "",
    }
    for key, value in overrides.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def field_error(page: str, field_id: str) -> str:
    """Return the text of a field's error message."""
    match = re.search(rf'<p class="field-error" id="{field_id}-error">(.*?)</p>', page, re.S)
    assert match, f"no error for {field_id}"
    text = re.sub(r"<[^>]+>", "", match.group(1))
    return html.unescape(re.sub(r"\s+", " ", text)).replace("Error: ", "", 1).strip()


def rows_shown(page: str, name: str) -> list[tuple]:
    """Return the values of the region or topic rows a page shows, row by row."""
    fields = ("key", "country", "group", "label_de", "label_en", "label_ru")
    if name == "topics":
        fields = ("key", "label_de", "label_en", "label_ru")
    rows = []
    for index in range(len(re.findall(rf'id="{name}-\d+-key"', page))):
        values = []
        for field in fields:
            field_id = f"{name}-{index}-{field}"
            if field == "group":
                select = re.search(rf'<select[^>]*id="{field_id}".*?</select>', page, re.S)
                chosen = re.search(r'<option selected value="([^"]*)"', select.group(0))
                values.append(chosen.group(1) if chosen else "")
            else:
                tag = re.search(rf'<input[^>]*id="{field_id}"[^>]*>', page).group(0)
                value = re.search(r'value="([^"]*)"', tag)
                values.append(html.unescape(value.group(1)) if value else "")
        rows.append(tuple(values))
    return rows


def audit(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def make_call(slug="second-call", *, is_open=True, **fields) -> Call:
    call = Call(
        slug=slug,
        title={"de": "Zweiter Aufruf", "en": "Second call"},
        description={"de": "Text."},
        regions=[{"key": "georgia", "country": "georgia", "label": {"de": "Georgien"}}],
        topics=[{"key": "politics", "label": {"de": "Politik"}}],
        targets={},
        privacy_notice={},
        is_open=is_open,
        **fields,
    )
    db.session.add(call)
    db.session.commit()
    return call


# --- creating and editing ---------------------------------------------------------------


def test_create_call_saves_every_field_closed_and_records_it(admin_client):
    response = admin_client.post("/admin/calls/new?lang=en", data=call_form(admin_client))

    call = db.session.scalar(select(Call))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/calls#call-{call.id}"
    assert call.slug == "photographers-2027"
    assert call.title == {
        "de": "Fotografinnen gesucht",
        "en": "Photographers wanted",
        "ru": "Ищем фотографов",
    }
    assert call.description["en"] == "We are looking for photographers.\n\nSend your portfolio."
    assert call.regions == [
        {
            "key": "georgia",
            "country": "georgia",
            "label": {"de": "Georgien", "en": "Georgia", "ru": "Грузия"},
        },
        {
            "key": "abkhazia",
            "country": "georgia",
            "label": {"de": "Abchasien", "en": "Abkhazia", "ru": "Абхазия"},
            "group": "south_caucasus",
        },
        {
            "key": "stavropol",
            "country": "russia",
            "label": {
                "de": "Region Stawropol",
                "en": "Stavropol krai",
                "ru": "Ставропольский край",
            },
            "group": "neighbouring",
        },
    ]
    assert call.topics == [
        {"key": "politics", "label": {"de": "Politik", "en": "Politics", "ru": "Политика"}},
        {"key": "media", "label": {"de": "Medien", "en": "Media", "ru": "СМИ"}},
    ]
    assert call.targets == {"georgia": 2, "abkhazia": 1}
    assert call.closes_at.isoformat() == "2099-12-31T18:00:00"
    assert call.opens_at is None
    assert call.is_open is False
    assert (call.privacy_notice, call.privacy_version) == ({}, None)
    (event,) = audit("call.created")
    assert (event.actor_id, event.details) == (
        admin_client.user.id,
        {"call_id": call.id, "slug": "photographers-2027"},
    )
    listing = admin_client.get("/admin/calls?lang=en").text
    assert "The call is saved. Preview it, then open it when it is ready." in listing
    assert "Photographers wanted" in listing
    assert "/apply/photographers-2027" in listing


def test_edit_call_shows_saved_values_and_records_changed_fields(admin_client):
    admin_client.post("/admin/calls/new", data=call_form(admin_client))
    call = db.session.scalar(select(Call))
    url = f"/admin/calls/{call.id}/edit"

    page = admin_client.get(url + "?lang=en").text
    assert rows_shown(page, "regions") == [
        ("georgia", "georgia", "", "Georgien", "Georgia", "Грузия"),
        ("abkhazia", "georgia", "south_caucasus", "Abchasien", "Abkhazia", "Абхазия"),
        (
            "stavropol",
            "russia",
            "neighbouring",
            "Region Stawropol",
            "Stavropol krai",
            "Ставропольский край",
        ),
    ]
    assert rows_shown(page, "topics") == [
        ("politics", "Politik", "Politics", "Политика"),
        ("media", "Medien", "Media", "СМИ"),
    ]
    assert "<legend>Region 2</legend>" in page
    assert "georgia | 2\nabkhazia | 1" in html.unescape(page)
    assert 'value="2099-12-31T18:00"' in page

    response = admin_client.post(
        url,
        data=call_form(
            admin_client,
            url,
            title_en="Photographers and videographers wanted",
            targets="georgia | 3",
            closes_at="",
        ),
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert call.title["en"] == "Photographers and videographers wanted"
    assert call.targets == {"georgia": 3}
    assert call.closes_at is None
    (event,) = audit("call.updated")
    assert event.details == {
        "call_id": call.id,
        "slug": "photographers-2027",
        "changed": ["title", "targets", "closes_at"],
    }


def test_saving_an_unchanged_call_records_nothing(admin_client):
    admin_client.post("/admin/calls/new", data=call_form(admin_client))
    call = db.session.scalar(select(Call))
    url = f"/admin/calls/{call.id}/edit"
    response = admin_client.post(url, data=call_form(admin_client, url))
    assert response.status_code == 302
    assert audit("call.updated") == []
    assert "Nothing was changed." in admin_client.get("/admin/calls?lang=en").text


def test_slug_clash_is_a_validation_error_not_a_500(admin_client, call):
    response = admin_client.post(
        "/admin/calls/new?lang=en", data=call_form(admin_client, slug="local-experts")
    )
    assert response.status_code == 400
    assert field_error(response.text, "slug") == (
        "Another call already uses the address “local-experts”. Please choose another."
    )
    assert 'value="Fotografinnen gesucht"' in response.text  # the admin's answers are kept
    assert db.session.scalar(select(Call).where(Call.slug == "photographers-2027")) is None


def test_the_call_forms_error_summary_follows_the_page(admin_client, call):
    """The per-language fields come first, as the page shows them: a missing German title
    and description are named before a malformed address."""
    data = call_form(admin_client, title_de="", description_de="", slug="Not a slug")
    response = admin_client.post("/admin/calls/new?lang=en", data=data)
    assert response.status_code == 400
    summary = re.search(r'<div class="error-summary".*?</div>', response.text, re.S).group(0)
    assert re.findall(r'<a href="#([\w-]+)">', summary) == ["title_de", "description_de", "slug"]
    assert 'for="title_ka">Title (Georgian, optional)</label>' in response.text


def test_slug_clash_when_renaming_a_call(admin_client, call):
    other = make_call("second-call")
    url = f"/admin/calls/{other.id}/edit"
    response = admin_client.post(
        url + "?lang=en", data=call_form(admin_client, url, slug="local-experts")
    )
    assert response.status_code == 400
    assert "Another call already uses the address “local-experts”." in field_error(
        response.text, "slug"
    )
    db.session.expire_all()
    assert other.slug == "second-call"


def test_slug_clash_caught_by_the_unique_constraint(app, call, monkeypatch):
    # Two admins saving the same slug at once both pass the check; the constraint decides.
    monkeypatch.setattr(domain, "_slug_taken", lambda slug, other_than=None: False)
    data = domain.CallData(
        slug="local-experts",
        title={"de": "Doppelt"},
        description={"de": "Text"},
        regions=call.regions,
        topics=call.topics,
    )
    with pytest.raises(domain.SlugTakenError) as caught:
        domain.create_call(data, by=None)
    assert caught.value.field == "slug"
    assert [c.slug for c in db.session.scalars(select(Call))] == ["local-experts"]


@pytest.mark.parametrize(
    "slug", ["local_experts", "lokale-expertinnen-ü", "-local", "local--experts"]
)
def test_slug_must_be_lowercase_ascii_digits_and_hyphens(admin_client, slug):
    response = admin_client.post(
        "/admin/calls/new?lang=en", data=call_form(admin_client, slug=slug)
    )
    assert response.status_code == 400
    assert field_error(response.text, "slug") == (
        "The address may only contain lower-case letters a–z, digits and hyphens, "
        "such as “local-experts-2027”."
    )
    assert db.session.scalar(select(Call)) is None


def test_capitals_in_a_slug_are_lowered(admin_client):
    response = admin_client.post(
        "/admin/calls/new", data=call_form(admin_client, slug="Local-Experts")
    )
    assert response.status_code == 302
    assert db.session.scalar(select(Call.slug)) == "local-experts"


def test_invalid_region_rows_are_reported_row_by_row(admin_client):
    regions = [
        ("georgia", "", "", "Georgien", "Georgia", ""),  # a label missing
        ("Abkhazia region", "", "", "Abchasien", "Abkhazia", "Абхазия"),  # a space in the key
        ("", "", "", "", "", ""),  # an empty row is left out
        ("armenia", "", "", "Armenien", "Armenia", "Армения"),
        ("armenia", "", "", "Armenien", "Armenia", "Армения"),  # twice
        ("chechnya", "North Caucasus", "", "Tschetschenien", "Chechnya", "Чечня"),  # country
        ("elsewhere", "", "", "Anderswo", "Elsewhere", "Другое место"),  # not a region
        ("batumi", "", "caucasus", "Batumi", "Batumi", "Батуми"),  # unknown group
    ]
    response = admin_client.post(
        "/admin/calls/new?lang=en", data=call_form(admin_client, regions=regions, targets="")
    )
    assert response.status_code == 400
    assert field_error(response.text, "regions-0-label_ru") == "Please fill in this label."
    assert field_error(response.text, "regions-1-key") == (
        "Please write a key of lower-case letters a–z, digits and “_”, such as north_ossetia."
    )
    assert field_error(response.text, "regions-4-key") == "The key “armenia” is used twice."
    assert field_error(response.text, "regions-5-country") == (
        "The country may only contain lower-case letters a–z, digits and “_”."
    )
    assert field_error(response.text, "regions-6-key") == (
        "“elsewhere” cannot be a region or its country; applicants who live elsewhere name "
        "their country themselves."
    )
    assert field_error(response.text, "regions-7-group") == "Not a valid choice."
    summary = re.findall(r'<li><a href="#(regions-[^"]+)">(.*?)</a></li>', response.text)
    assert summary[:2] == [
        ("regions-0-label_ru", "Region 1, Russian: Please fill in this label."),
        (
            "regions-1-key",
            "Region 2, Key: Please write a key of lower-case letters a–z, digits and “_”, "
            "such as north_ossetia.",
        ),
    ]
    assert len(summary) == 6
    assert db.session.scalar(select(Call)) is None


def test_region_rows_are_stored_as_the_call_stores_them(admin_client):
    regions = [
        ("georgia", "", "south_caucasus", "Georgien", "Georgia", "Грузия"),
        ("sochi", "", "neighbouring", "Sotschi", "Sochi", "Сочи"),  # empty country: the key
        ("ingushetia", "russia", "", "Inguschetien", "Ingushetia", "Ингушетия"),
    ]
    response = admin_client.post(
        "/admin/calls/new", data=call_form(admin_client, regions=regions, targets="")
    )
    assert response.status_code == 302
    assert db.session.scalar(select(Call.regions)) == [
        {
            "key": "georgia",
            "country": "georgia",
            "label": {"de": "Georgien", "en": "Georgia", "ru": "Грузия"},
            "group": "south_caucasus",
        },
        {
            "key": "sochi",
            "country": "sochi",
            "label": {"de": "Sotschi", "en": "Sochi", "ru": "Сочи"},
            "group": "neighbouring",
        },
        {
            "key": "ingushetia",
            "country": "russia",
            "label": {"de": "Inguschetien", "en": "Ingushetia", "ru": "Ингушетия"},
        },
    ]


def test_empty_regions_and_incomplete_topics_are_refused(admin_client):
    response = admin_client.post(
        "/admin/calls/new?lang=en",
        data=call_form(
            admin_client,
            regions=[("", "", "", "", "", "")],
            topics=[("politics", "Politik", "", "")],
            targets="",
        ),
    )
    assert response.status_code == 400
    assert field_error(response.text, "regions-0-key") == "Please fill in at least one region."
    assert field_error(response.text, "topics-0-label_en") == "Please fill in this label."
    assert field_error(response.text, "topics-0-label_ru") == "Please fill in this label."


def test_targets_must_name_regions_of_the_call_with_whole_numbers(admin_client):
    response = admin_client.post(
        "/admin/calls/new?lang=en",
        data=call_form(admin_client, targets="georgia | two\narmenia | 1\ngeorgia\nabkhazia | 0"),
    )
    assert response.status_code == 400
    assert field_error(response.text, "targets") == (
        "Line 1: the target must be a whole number from 0 to 999. "
        "Line 2: “armenia” is not a region of this call. "
        "Line 3: write the region key and a number, like “georgia | 2”."
    )


def test_deadline_must_follow_opening_and_notice_needs_a_version(admin_client):
    response = admin_client.post(
        "/admin/calls/new?lang=en",
        data=call_form(
            admin_client,
            opens_at="2099-12-31T18:00",
            closes_at="2099-01-01T09:00",
            privacy_notice_de="Unser Datenschutz.",
        ),
    )
    assert response.status_code == 400
    assert field_error(response.text, "closes_at") == "The deadline must be after the opening date."
    assert field_error(response.text, "privacy_version") == (
        "Please give the privacy notice a version, such as 2026-11."
    )


def test_missing_german_title_and_description(admin_client):
    response = admin_client.post(
        "/admin/calls/new?lang=en", data=call_form(admin_client, title_de="", description_de="")
    )
    assert response.status_code == 400
    assert field_error(response.text, "title_de") == "Please give the call a German title."
    assert field_error(response.text, "description_de") == "Please describe the call in German."
    assert "There is a problem" in response.text


# --- opening, closing, reopening ----------------------------------------------------------


def test_open_close_and_reopen_are_audited(admin_client, client):
    admin_client.post("/admin/calls/new", data=call_form(admin_client))
    call = db.session.scalar(select(Call))
    token = hidden_fields(admin_client.get("/admin/calls").text)["csrf_token"]
    assert client.get("/apply/photographers-2027?lang=en").text.count("<form") == 0

    response = admin_client.post(f"/admin/calls/{call.id}/open", data={"csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/calls#call-{call.id}"
    db.session.expire_all()
    assert call.is_open is True
    assert 'action="/apply/photographers-2027"' in client.get("/apply/photographers-2027").text

    admin_client.post(f"/admin/calls/{call.id}/close", data={"csrf_token": token})
    db.session.expire_all()
    assert call.is_open is False

    admin_client.post(f"/admin/calls/{call.id}/reopen", data={"csrf_token": token})
    db.session.expire_all()
    assert call.is_open is True
    assert call.closes_at.isoformat() == "2099-12-31T18:00:00"  # a future deadline stays

    actions = [
        (event.action, event.actor_id, event.details.get("call_id"))
        for event in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))
    ]
    assert actions == [
        ("call.created", admin_client.user.id, call.id),
        ("call.opened", admin_client.user.id, call.id),
        ("call.closed", admin_client.user.id, call.id),
        ("call.reopened", admin_client.user.id, call.id),
    ]


def test_close_twice_says_so_and_records_once(admin_client, call):
    token = hidden_fields(admin_client.get("/admin/calls").text)["csrf_token"]
    admin_client.post(f"/admin/calls/{call.id}/close", data={"csrf_token": token})
    admin_client.post(f"/admin/calls/{call.id}/close", data={"csrf_token": token})
    page = admin_client.get("/admin/calls?lang=en").text
    assert "This call is closed already." in page
    assert len(audit("call.closed")) == 1


def test_a_state_change_without_csrf_token_is_refused(admin_client, call):
    response = admin_client.post(f"/admin/calls/{call.id}/close")
    assert response.status_code == 400
    db.session.expire_all()
    assert call.is_open is True
    assert audit("call.closed") == []


def test_a_call_past_its_deadline_is_reopened_with_a_new_deadline(admin_client, call):
    call.closes_at = utcnow() - timedelta(days=1)
    db.session.commit()
    listing = admin_client.get("/admin/calls?lang=en").text
    assert "Closed: the deadline has passed" in listing
    assert f'action="/admin/calls/{call.id}/reopen"' in listing
    token = hidden_fields(listing)["csrf_token"]

    response = admin_client.post(f"/admin/calls/{call.id}/open?lang=en", data={"csrf_token": token})
    assert response.status_code == 302
    assert (
        "The deadline of this call has passed. Reopen it, or set a later deadline first."
        in admin_client.get("/admin/calls?lang=en").text
    )

    admin_client.post(
        f"/admin/calls/{call.id}/reopen",
        data={"csrf_token": token, "closes_at": "2099-06-30T12:00"},
    )
    db.session.expire_all()
    assert (call.is_open, call.closes_at.isoformat()) == (True, "2099-06-30T12:00:00")
    (event,) = audit("call.reopened")
    assert event.details["closes_at"] == "2099-06-30T12:00:00"
    assert event.details["previous_closes_at"] is not None


def test_reopening_without_a_new_deadline_removes_the_passed_one(app, call):
    call.closes_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    domain.reopen_call(call, by=None)
    assert (call.is_open, call.closes_at) == (True, None)
    assert call.accepts_applications()


def test_reopen_refuses_a_new_deadline_in_the_past(app, call):
    call.is_open = False
    db.session.commit()
    with (
        force_locale("en"),
        pytest.raises(domain.CallError, match="The new deadline must lie in the future."),
    ):
        domain.reopen_call(call, by=None, closes_at=utcnow() - timedelta(days=1))
    db.session.expire_all()
    assert call.is_open is False


# --- preview ------------------------------------------------------------------------------


def test_preview_shows_the_call_as_applicants_see_it_without_a_live_form(admin_client):
    admin_client.post("/admin/calls/new", data=call_form(admin_client))
    call = db.session.scalar(select(Call))
    page = admin_client.get(f"/admin/calls/{call.id}/preview?lang=en").text
    assert "<h1>Photographers wanted</h1>" in page
    assert "<p>We are looking for photographers.</p>" in page
    assert "<p>Send your portfolio.</p>" in page
    assert '<p class="label region-group">South Caucasus</p>' in page
    assert '<label for="regions-1">Abkhazia</label>' in page
    assert '<p class="label region-group">Neighbouring regions</p>' in page
    assert "Media" in page
    assert "<form" not in page.split('<main id="main"')[1]
    assert 'action="/apply/' not in page
    assert "The form below sends nothing." in page
    assert "applicants see a notice instead of the form" in page  # it is not open yet
    russian = admin_client.get(f"/admin/calls/{call.id}/preview?lang=ru").text
    assert "<h1>Ищем фотографов</h1>" in russian


# --- what applicants see ------------------------------------------------------------------


def test_a_closed_call_shows_a_notice_instead_of_the_form(client, call):
    call.is_open = False
    db.session.commit()
    response = client.get("/apply/local-experts?lang=en")
    assert response.status_code == 200
    assert "This call has closed. Thank you for your interest." in response.text
    assert "<h1>Local experts wanted</h1>" in response.text
    assert "<form" not in response.text.split('<main id="main"')[1]


def test_a_call_past_its_deadline_shows_the_notice(client, call):
    call.closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    page = client.get("/apply/local-experts?lang=en").text
    assert "This call has closed. Thank you for your interest." in page
    assert 'name="form_ticket"' not in page


def test_a_call_that_opens_later_says_when(client, call):
    call.opens_at = utcnow().replace(microsecond=0) + timedelta(days=3)
    db.session.commit()
    page = client.get("/apply/local-experts?lang=en").text
    assert "This call opens on" in page
    assert 'name="form_ticket"' not in page


def test_a_closed_call_points_to_the_open_ones(client, call):
    make_call("second-call")
    call.is_open = False
    db.session.commit()
    page = client.get("/apply/local-experts?lang=en").text
    assert '<a href="/apply/second-call">Second call</a>' in page


def test_call_closing_while_filling_in_refuses_the_submit_and_keeps_the_answers(app, client, call):
    data = application_form(client, call, cover_letter="Zehn Jahre Reportagen aus Kutaissi.")
    call.closes_at = utcnow() - timedelta(seconds=1)
    db.session.commit()

    response = client.post(
        "/apply/local-experts?lang=en", data=data, content_type="multipart/form-data"
    )

    assert response.status_code == 400
    assert "This call has closed. Thank you for your interest." in response.text
    assert 'value="Nino Beridze"' in response.text
    assert 'value="Kutaisi"' in response.text
    assert "Zehn Jahre Reportagen aus Kutaissi.</textarea>" in response.text
    assert db.session.scalar(select(Application)) is None


def test_several_open_calls_are_listed_on_the_start_page(client, call):
    make_call("second-call")
    make_call("closed-call", is_open=False)
    make_call("later-call", opens_at=utcnow() + timedelta(days=1))
    response = client.get("/?lang=en")
    assert response.status_code == 200
    links = re.findall(r'<li><a href="(/apply/[^"]+)">', response.text)
    assert links == ["/apply/local-experts", "/apply/second-call"]


def test_a_call_with_its_own_privacy_notice(admin_client, client, call, app):
    url = f"/admin/calls/{call.id}/edit"
    form = call_form(
        admin_client,
        url,
        slug="local-experts",
        regions=rows_of(call.regions, regions=True),
        topics=rows_of(call.topics, regions=False),
        targets="",
        privacy_notice_de="Für diesen Aufruf gilt: Wir löschen nach drei Monaten.",
        privacy_notice_en="For this call: we erase after three months.\n\nAsk us anything.",
        privacy_version="call-2027-1",
    )
    assert admin_client.post(url, data=form).status_code == 302

    page = client.get("/apply/local-experts?lang=en").text
    assert '<a href="/privacy/local-experts">Read the privacy notice</a>' in page

    notice = client.get("/privacy/local-experts?lang=en")
    assert notice.status_code == 200
    assert "<p>For this call: we erase after three months.</p>" in notice.text
    assert "<p>Ask us anything.</p>" in notice.text
    assert "Version call-2027-1" in notice.text
    russian = client.get("/privacy/local-experts?lang=ru").text
    # No Russian version: the English one, marked as such, with a note in Russian.
    assert re.search(
        r'<div lang="en">\s*<p>For this call: we erase after three months.</p>', russian
    )
    assert "Этот конкурс пока не переведён на ваш язык. Здесь показан вариант: English." in russian
    german = client.get("/privacy/local-experts?lang=de").text
    assert "<p>Für diesen Aufruf gilt: Wir löschen nach drei Monaten.</p>" in german
    assert "call-language-note" not in german

    response = post(client, call, application_form(client, call))
    assert response.status_code == 302
    application = db.session.scalar(select(Application))
    assert application.privacy_version == "call-2027-1"


def test_a_call_without_its_own_notice_uses_the_site_notice(app, client, call):
    response = client.get("/privacy/local-experts")
    assert response.status_code == 302
    assert response.headers["Location"] == "/privacy"
    assert 'href="/privacy/local-experts"' not in client.get("/apply/local-experts").text
    post(client, call, application_form(client, call))
    application = db.session.scalar(select(Application))
    assert application.privacy_version == app.config["PRIVACY_NOTICE_VERSION"]


def test_privacy_notice_of_an_unknown_call_is_a_404(client, call):
    assert client.get("/privacy/no-such-call").status_code == 404


# --- who may use the admin pages ----------------------------------------------------------


def admin_urls(app) -> list[tuple[str, str]]:
    """Return (method, URL) for every admin-only route, with made-up arguments."""
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("admin.") or policy_of(rule.endpoint) is not Policy.ADMIN:
            continue
        path = re.sub(r"<int:[^>]+>", "1", rule.rule)
        path = re.sub(r"<[^>]+>", "x", path)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            urls.append((method, path))
    return urls


def test_an_editor_gets_403_on_every_admin_url(app, editor_client, call, make_user):
    app.config["WTF_CSRF_ENABLED"] = False  # the access policy answers, not the CSRF check
    make_user("other@example.org")
    urls = admin_urls(app)
    assert ("GET", "/admin/calls") in urls
    assert ("POST", "/admin/team/1/deactivate") in urls
    assert ("GET", "/admin/dashboard") not in urls  # editors may see the dashboard
    for method, url in urls:
        response = editor_client.open(url + "?lang=en", method=method)
        assert (method, url, response.status_code) == (method, url, 403)
        assert "You may not open this page" in response.text
    assert db.session.scalar(select(AuditEvent)) is None
