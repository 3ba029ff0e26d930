"""Templates translate through the catalogue of their render, looked up once."""

from __future__ import annotations

from flask import render_template_string
from flask_babel import force_locale

import tracker.web.templating as templating

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
