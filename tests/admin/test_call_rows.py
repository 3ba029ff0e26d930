"""A new call starts from another; regions and topics are rows that can be added and removed."""

from __future__ import annotations

import copy
from html.parser import HTMLParser

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from tests.admin.test_calls import field_error, make_call, rows_of, rows_shown
from tracker import calls as domain
from tracker.extensions import db
from tracker.models import Call
from tracker.ui_languages import UI_LANGUAGES


class _FormReader(HTMLParser):
    """Collect what a browser would post from the page's POST form (no button pressed)."""

    def __init__(self):
        super().__init__()
        self.fields: dict[str, str] = {}
        self.in_post_form = False
        self.select: str | None = None
        self.textarea: str | None = None
        self.textareas: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.in_post_form = attrs.get("method") == "post"
        if not self.in_post_form or "name" not in attrs and tag != "option":
            return
        if tag == "input" and attrs.get("type") != "submit":  # no button is pressed
            self.fields[attrs["name"]] = attrs.get("value") or ""
        elif tag == "select":
            self.select = attrs["name"]
            self.fields.setdefault(self.select, "")
        elif tag == "option" and self.select and "selected" in attrs:
            self.fields[self.select] = attrs.get("value") or ""
        elif tag == "textarea":
            self.textarea = attrs["name"]
            self.textareas.add(self.textarea)
            self.fields[self.textarea] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "form":
            self.in_post_form = False

    def handle_data(self, data):
        if self.textarea:
            self.fields[self.textarea] += (
                data.removeprefix("\n") if not self.fields[self.textarea] else data
            )


def page_form(page: str, **changes) -> dict:
    """Return the page's call form as a browser posts it, with *changes* applied."""
    reader = _FormReader()
    reader.feed(page)
    for name in reader.textareas:
        # WTForms starts a textarea with a line break, which browsers drop.
        reader.fields[name] = reader.fields[name].removeprefix("\r\n")
    return {**reader.fields, **changes}


@pytest.fixture
def used_call(call, make_application):
    """The default call, with one application covering Georgia and politics."""
    make_application(region="georgia")
    return call


# --- starting from another call ----------------------------------------------------------


def test_a_new_call_starts_as_a_copy_of_the_default_call(admin_client, call):
    source_regions, source_topics = copy.deepcopy(call.regions), copy.deepcopy(call.topics)
    page = admin_client.get("/admin/calls/new?lang=en").text

    assert rows_shown(page, "regions") == [
        (r["key"], r["country"], r["group"], r["label"]["de"], r["label"]["en"], r["label"]["ru"])
        for r in call.regions
    ]
    assert rows_shown(page, "topics") == rows_of(call.topics, regions=False)
    assert '<option value="">Default call</option>' in page
    assert 'value="Lokale Expertinnen und Experten gesucht"' in page
    form = page_form(page)
    assert form["slug"] == ""
    assert form["description_en"] == call.description["en"]

    response = admin_client.post("/admin/calls/new", data={**form, "slug": "experts-2027"})

    assert response.status_code == 302
    new = db.session.scalar(select(Call).where(Call.slug == "experts-2027"))
    assert (new.regions, new.topics) == (source_regions, source_topics)
    assert (new.title, new.description) == (call.title, call.description)
    assert new.is_open is False
    db.session.expire_all()
    assert (call.slug, call.regions, call.topics) == (
        "local-experts",
        source_regions,
        source_topics,
    )


def test_a_new_call_can_start_from_another_chosen_call(admin_client, call):
    other = make_call("photographers", privacy_version="p-1")
    other.targets, other.privacy_notice = {"georgia": 2}, {"de": "Eigene Hinweise."}
    db.session.commit()
    page = admin_client.get(f"/admin/calls/new?from={other.id}&lang=en").text

    assert f'<option value="{other.id}" selected>Second call (photographers)</option>' in page
    assert rows_shown(page, "regions") == [("georgia", "georgia", "", "Georgien", "", "")]
    assert rows_shown(page, "topics") == [("politics", "Politik", "", "")]
    form = page_form(page)
    assert (form["title_de"], form["targets"], form["privacy_version"]) == (
        "Zweiter Aufruf",
        "georgia | 2",
        "p-1",
    )
    # The chosen call lacks English and Russian labels: the admin completes them.
    form |= {"regions-0-label_en": "Georgia", "regions-0-label_ru": "Грузия"}
    form |= {"topics-0-label_en": "Politics", "topics-0-label_ru": "Политика"}
    response = admin_client.post("/admin/calls/new", data={**form, "slug": "photographers-2"})

    assert response.status_code == 302
    new = db.session.scalar(select(Call).where(Call.slug == "photographers-2"))
    assert new.regions == [
        {
            "key": "georgia",
            "country": "georgia",
            "label": {"de": "Georgien", "en": "Georgia", "ru": "Грузия"},
        }
    ]
    assert (new.targets, new.privacy_notice, new.privacy_version) == (
        {"georgia": 2},
        {"de": "Eigene Hinweise."},
        "p-1",
    )
    db.session.expire_all()
    assert other.regions == [{"key": "georgia", "country": "georgia", "label": {"de": "Georgien"}}]


def test_starting_from_an_unknown_call_is_a_404(admin_client, call):
    assert admin_client.get("/admin/calls/new?from=999").status_code == 404


def test_without_a_default_call_the_data_file_is_the_start(app):
    with app.test_request_context():
        data = domain.starting_point(None)
    assert data.slug == ""
    assert [region["key"] for region in data.regions][:3] == ["georgia", "abkhazia", "tskhinvali"]
    assert data.title["en"] == "Local experts wanted"


# --- adding and removing rows ---------------------------------------------------------------


def test_add_a_row_shows_one_more_empty_row_and_saves_nothing(admin_client, call):
    url = f"/admin/calls/{call.id}/edit?lang=en"
    form = page_form(admin_client.get(url).text)
    response = admin_client.post(url, data={**form, "add_topic": "Add a topic"})

    assert response.status_code == 200
    shown = rows_shown(response.text, "topics")
    assert shown == [*rows_of(call.topics, regions=False), ("", "", "", "")]
    assert '<input autofocus class="input input-narrow" id="topics-11-key"' in response.text
    assert "<legend>Topic 12</legend>" in response.text
    assert len(call.topics) == 11
    db.session.expire_all()
    assert len(db.session.get(Call, call.id).topics) == 11


def test_remove_an_unused_row_then_save(admin_client, used_call):
    url = f"/admin/calls/{used_call.id}/edit?lang=en"
    form = page_form(admin_client.get(url).text)
    response = admin_client.post(url, data={**form, "remove_region": "1"})

    assert response.status_code == 200
    assert [row[0] for row in rows_shown(response.text, "regions")][:3] == [
        "georgia",
        "tskhinvali",
        "armenia",
    ]
    assert len(rows_shown(response.text, "regions")) == 16
    db.session.expire_all()
    assert len(db.session.get(Call, used_call.id).regions) == 17  # nothing saved yet

    saved = admin_client.post(url, data=page_form(response.text))
    assert saved.status_code == 302
    db.session.expire_all()
    keys = [region["key"] for region in db.session.get(Call, used_call.id).regions]
    assert "abkhazia" not in keys
    assert len(keys) == 16


def test_a_row_that_applications_use_cannot_be_removed(admin_client, used_call):
    url = f"/admin/calls/{used_call.id}/edit?lang=en"
    page = admin_client.get(url).text
    assert page.count("Used by applications") == 2  # Georgia and politics
    assert ">Remove Region 1</button>" not in page
    assert ">Remove Region 2</button>" in page

    response = admin_client.post(url, data={**page_form(page), "remove_region": "0"})

    assert response.status_code == 400
    assert field_error(response.text, "regions-0-key") == (
        "Applications use the key “georgia”: this row cannot be removed (you may change "
        "its labels)."
    )
    assert len(rows_shown(response.text, "regions")) == 17


def test_a_used_key_cannot_be_changed_or_emptied_on_saving(admin_client, used_call):
    url = f"/admin/calls/{used_call.id}/edit?lang=en"
    form = page_form(admin_client.get(url).text)
    before = copy.deepcopy(used_call.regions)
    changed = {**form, "regions-0-key": "sakartvelo"}
    names = ("key", *(f"label_{code}" for code in UI_LANGUAGES))
    emptied = {**form, **{f"topics-0-{name}": "" for name in names}}

    for data, field_id, key in (
        (changed, "regions-0-key", "georgia"),
        (emptied, "topics-0-key", "politics"),
    ):
        response = admin_client.post(url, data=data)
        assert response.status_code == 400
        assert field_error(response.text, field_id) == (
            f"Applications use the key “{key}”: keep it (you may change its labels)."
        )
    db.session.expire_all()
    assert db.session.get(Call, used_call.id).regions == before


def test_the_domain_refuses_to_drop_a_used_key_whoever_calls(app, used_call):
    data = domain.CallData(
        slug=used_call.slug,
        title=used_call.title,
        description=used_call.description,
        regions=used_call.regions,
        topics=[topic for topic in used_call.topics if topic["key"] != "politics"],
    )
    with pytest.raises(domain.CallError) as caught, force_locale("en"):
        domain.update_call(used_call, data, by=None)
    with force_locale("en"):
        assert str(caught.value.message) == (
            "Applications use the key “politics”: keep it (you may change its labels)."
        )
    assert caught.value.field == "topics"
    db.session.expire_all()
    assert len(db.session.get(Call, used_call.id).topics) == 11
