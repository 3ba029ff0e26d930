"""Templates translate through the catalogue of their render, looked up once; Python code
through the catalogue of the request's locale, looked up once per locale."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import flask_babel
from flask import render_template_string, session
from flask_babel import Domain, force_locale, get_locale, gettext, lazy_gettext, refresh

import tracker.web.templating as templating
from tracker.web.templating import babel_request_state

PAGE = (
    '{% from "macros.html" import error_summary %}'
    '{{ _("Inbox") }}|{{ gettext("Outbox") }}|{{ ngettext("%(num)s rating", "%(num)s ratings", 2) }}'
    "|{{ error_summary([], problem='p') }}"
)


def test_a_render_looks_its_catalogue_up_once_and_translates_as_flask_babel(app, monkeypatch):
    lookups = []
    looked_up = templating.get_translations

    def counting():
        lookups.append(1)
        return looked_up()

    monkeypatch.setattr(templating, "get_translations", counting)
    with app.test_request_context("/?lang=de"):
        html = render_template_string(PAGE)
    assert html.split("|")[:3] == ["Eingang", "Postausgang", "2 Bewertungen"]
    # The macro, imported without context, asks Flask-Babel itself: still German.
    assert "Es gibt ein Problem" in html.split("|")[3]
    # One lookup for the render (the context processor), one for the macro's string.
    assert len(lookups) == 2


def test_a_render_under_another_language_uses_that_language(app):
    with app.test_request_context("/?lang=de"):
        with force_locale("ru"):
            inside = render_template_string('{{ _("There is a problem") }}')
        after = render_template_string('{{ _("There is a problem") }}')
    assert (inside, after) == ("Есть проблема", "Es gibt ein Problem")


def test_a_template_rendered_outside_flask_still_translates(app):
    with app.test_request_context("/?lang=ru"):
        template = app.jinja_env.from_string('{{ _("There is a problem") }}')
        assert template.render() == "Есть проблема"


def test_python_code_finds_the_catalogue_once_per_locale_and_follows_a_forced_one(app, monkeypatch):
    """Lazy strings and gettext() in Python look the catalogue up once per locale of the
    request (tracker.extensions.RequestDomain), not once per string; force_locale still
    switches the language and leaving it switches back."""
    lookups = []
    looked_up = Domain.get_translations

    def counting(self):
        lookups.append(str(get_locale()))
        return looked_up(self)

    monkeypatch.setattr(Domain, "get_translations", counting)
    with app.test_request_context("/?lang=de"):
        inbox = lazy_gettext("Inbox")
        before = [str(inbox), gettext("Outbox"), str(inbox), gettext("There is a problem")]
        with force_locale("ru"):
            inside = [gettext("There is a problem"), gettext("There is a problem")]
        after = [gettext("There is a problem"), str(inbox)]
    assert before == ["Eingang", "Postausgang", "Eingang", "Es gibt ein Problem"]
    assert inside == ["Есть проблема", "Есть проблема"]
    assert after == ["Es gibt ein Problem", "Eingang"]
    assert lookups == ["de", "ru", "de"]


def test_a_language_changed_during_the_request_translates_after_refresh(app):
    with app.test_request_context("/"):
        session["lang"] = "de"
        before = gettext("There is a problem")
        session["lang"] = "ru"
        unchanged = gettext("There is a problem")
        refresh()
        after = gettext("There is a problem")
    assert (before, unchanged, after) == (
        "Es gibt ein Problem",
        "Es gibt ein Problem",
        "Есть проблема",
    )


def test_flask_babel_finds_its_request_state_with_one_look_up(app):
    """Flask-Babel asks tracker.web.templating.babel_request_state for its state of a request
    (one look-up of the app context instead of three through ``flask.g``'s proxy): one
    state a request, another in the next, none without an app context. A Flask-Babel
    release that renames the function it replaces fails here."""
    assert flask_babel._get_current_context is babel_request_state
    # Each in an app context of its own, as every request is served.
    with app.app_context(), app.test_request_context("/?lang=de"):
        german = babel_request_state()
        assert gettext("There is a problem") == "Es gibt ein Problem"
        assert babel_request_state() is german
    with app.app_context(), app.test_request_context("/?lang=ru"):
        assert babel_request_state() is not german
        assert gettext("There is a problem") == "Есть проблема"
    with ThreadPoolExecutor(1) as thread:  # a thread starts with no app context
        assert thread.submit(babel_request_state).result() is None
