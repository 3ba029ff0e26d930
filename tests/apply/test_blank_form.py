"""The blank form is drawn once per call and language: the same bytes, each visit's tokens."""

from __future__ import annotations

import re

from tests.applying import application_form, post
from tests.conftest import hidden_fields
from tracker.app_cache import forget
from tracker.apply import views
from tracker.apply.blank_form import blank_page
from tracker.extensions import db
from tracker.models import Application


def _without_tokens(page: str) -> str:
    return re.sub(r'(name="(?:csrf_token|form_ticket)"[^>]*value=")[^"]*"', r'\1"', page)


def _drawn_afresh(app, client, url: str, **headers) -> str:
    with app.app_context():
        forget("blank_pages")
    return client.get(url, headers=headers).text


def test_a_blank_form_from_the_cache_is_the_page_drawn_afresh(app, client, call):
    first = _drawn_afresh(app, client, "/apply/local-experts")
    second = client.get("/apply/local-experts")
    third = client.get("/apply/local-experts")

    assert second.status_code == 200
    assert _without_tokens(second.text) == _without_tokens(first)
    assert _without_tokens(third.text) == _without_tokens(first)
    # Each visit gets a ticket of its own (a one-time token inside), and the form sends.
    tickets = [hidden_fields(page)["form_ticket"] for page in (first, second.text, third.text)]
    assert len(set(tickets)) == 3
    assert post(client, call, application_form(client, call)).status_code == 302
    assert db.session.query(Application).count() == 1


def test_a_cached_form_carries_the_tokens_of_its_own_request(app, client, call):
    client.get("/apply/local-experts")
    page = client.get("/apply/local-experts").text
    fields = hidden_fields(page)
    data = application_form(client, call)
    # The answers of a form whose tokens came from the cached page.
    data.update(csrf_token=fields["csrf_token"], form_ticket=fields["form_ticket"])
    assert post(client, call, data).status_code == 302


def test_each_language_and_an_edited_call_are_drawn_anew(app, client, call):
    german = client.get("/apply/local-experts").text
    english = client.get("/apply/local-experts?lang=en").text
    assert '<html lang="de">' in german
    assert '<html lang="en">' in english
    # The language chosen last is the visitor's from then on; back to German.
    again = client.get("/apply/local-experts?lang=de").text
    assert _without_tokens(again) == _without_tokens(german)

    call.title = {**call.title, "de": "Neue Überschrift der Ausschreibung"}
    db.session.commit()
    page = client.get("/apply/local-experts").text
    assert "<h1>Neue Überschrift der Ausschreibung</h1>" in page
    assert _without_tokens(page) == _without_tokens(
        _drawn_afresh(app, client, "/apply/local-experts")
    )


def test_a_message_flashed_to_the_visitor_is_shown_on_the_blank_form(app, client, call):
    client.get("/apply/local-experts")
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "Eine Nachricht nur für Sie")]
    assert "Eine Nachricht nur für Sie" in client.get("/apply/local-experts").text
    assert "Eine Nachricht nur für Sie" not in client.get("/apply/local-experts").text


def test_a_page_without_one_stand_in_of_each_is_drawn_every_time(app, call):
    drawings = []

    def draw_token_twice(token: str, ticket: str) -> str:
        drawings.append((token, ticket))
        return f"{token}|{token}"

    with app.test_request_context():
        pages = [
            blank_page(call, "de", token="token", ticket="ticket", draw=draw_token_twice)
            for _ in range(2)
        ]
    assert pages == ["token|token", "token|token"]
    # Drawn with stand-ins once, found unusable, then only ever drawn for real.
    assert drawings[1:] == [("token", "ticket"), ("token", "ticket")]
    assert drawings[0][0].startswith("blank-form-")
    assert drawings[0][1].startswith("blank-form-")


def test_a_blank_form_from_the_cache_builds_no_form(app, client, call, monkeypatch):
    built = []
    real_build = views.build_application_form

    def build(*args, **kwargs):
        built.append(args[1])
        return real_build(*args, **kwargs)

    monkeypatch.setattr(views, "build_application_form", build)
    first = _drawn_afresh(app, client, "/apply/local-experts")
    assert built == ["de"]  # drawn once, with stand-ins

    pages = [client.get("/apply/local-experts") for _ in range(3)]

    assert built == ["de"]
    assert [page.status_code for page in pages] == [200, 200, 200]
    assert {_without_tokens(page.text) for page in pages} == {_without_tokens(first)}
    # Each carries the visit's own CSRF token and ticket, which the form then accepts.
    fields = hidden_fields(pages[-1].text)
    data = application_form(client, call)
    assert built == ["de"]
    data.update(csrf_token=fields["csrf_token"], form_ticket=fields["form_ticket"])
    assert post(client, call, data).status_code == 302
    assert db.session.query(Application).count() == 1
