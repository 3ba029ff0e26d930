"""Helpers that every page template can call."""

from __future__ import annotations

import re
from types import SimpleNamespace

import flask_babel
from babel import Locale
from flask import Flask, g, has_app_context
from flask_babel import get_locale, get_translations, ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from tracker.notifications.inbox import unread_count

# The staff menu: (endpoint, label, admins only).
STAFF_NAVIGATION = (
    ("review.inbox", _l("Inbox"), False),
    ("review.outbox", _l("Outbox"), False),
    ("review.experts", _l("Experts"), False),
    ("admin.dashboard", _l("Dashboard"), False),
    ("admin.calls", _l("Calls"), True),
    ("admin.import_experts", _l("Import experts"), True),
    ("admin.team", _l("Team"), True),
    ("admin.email_templates", _l("Email templates"), True),
    ("review.audit_log", _l("Audit log"), True),
    ("admin.jobs", _l("Background jobs"), True),
    ("admin.translation", _l("Machine translation"), True),
    ("admin.webhooks", _l("Webhooks"), True),
    ("admin.api_tokens", _l("API tokens"), True),
)


def unread_notifications() -> int:
    """Return the signed-in person's unread notifications, for every staff page's header."""
    return unread_count(current_user) if current_user.is_authenticated else 0


# The render variable that holds the catalogue of the page's language.
_CATALOGUE = "page_catalogue"


def babel_request_state() -> SimpleNamespace | None:
    """Return Flask-Babel's state of this request (its locale, its domain), or None outside one.

    Flask-Babel 4.0 finds it through ``flask.g`` three times in each call (``not g``,
    ``hasattr``, then the attribute), every time through werkzeug's LocalProxy, and each
    translation, date or number asks for it two or three times: some 400 times on the
    candidate page, 8 % of the page's instructions. Here the app context's ``g`` is found
    once a call; the state is the same object, kept where Flask-Babel keeps it.
    """
    if not has_app_context():
        return None
    request_globals = g._get_current_object()
    try:
        return request_globals._flask_babel
    except AttributeError:
        request_globals._flask_babel = SimpleNamespace()
        return request_globals._flask_babel


def install_translations(app: Flask) -> None:
    """Let templates translate through a catalogue looked up once per render.

    Flask-Babel's template callables look up its request state, the locale and the cache
    key again for every string (8 µs each; a staff page has some 80); here a context
    processor looks the catalogue up once per ``render_template`` and ``_()``, ``gettext``
    ``ngettext`` and ``pgettext`` read it from the render. Macros imported without context, and
    templates rendered outside Flask, have no such variable and ask Flask-Babel as before.

    The callables are Jinja's "newstyle" ones (the translation is markup when autoescaping,
    and always formatted with its keywords, so ``%%`` is a percent sign) written as one
    function each: Jinja's own wrap ours, and its ``_`` calls its ``gettext``, three calls
    through ``Context.call`` for each string instead of one.

    And Flask-Babel, in templates and Python alike, finds its state of the request with
    :func:`babel_request_state`.
    """
    app.context_processor(lambda: {_CATALOGUE: get_translations()})
    # Every function of Flask-Babel asks its module's _get_current_context for its state.
    flask_babel._get_current_context = babel_request_state
    # Flask-Babel added Jinja's i18n extension (the {% trans %} tag) in init_app.
    app.jinja_env.newstyle_gettext = True  # type: ignore[attr-defined]
    app.jinja_env.globals.update(
        _=_template_gettext,
        gettext=_template_gettext,
        ngettext=_template_ngettext,
        pgettext=_template_pgettext,
    )


def _catalogue(context: Context):
    catalogue = context.get(_CATALOGUE)
    return get_translations() if catalogue is None else catalogue


def _formatted(context: Context, translation: str, variables: dict) -> str:
    # As Jinja's newstyle gettext: markup when autoescaping, then always formatted.
    if context.eval_ctx.autoescape:
        translation = Markup(translation)  # noqa: S704 - our catalogue's text, not user data
    return translation % variables


@pass_context
def _template_gettext(context: Context, string: str, **variables) -> str:
    return _formatted(context, _catalogue(context).ugettext(string), variables)


@pass_context
def _template_ngettext(
    context: Context, singular: str, plural: str, number: int, **variables
) -> str:
    variables.setdefault("num", number)
    translation = _catalogue(context).ungettext(singular, plural, number)
    return _formatted(context, translation, variables)


@pass_context
def _template_pgettext(context: Context, message_context: str, string: str, **variables) -> str:
    # Where one English word needs two translations ("Open": a state, and a button).
    variables.setdefault("context", message_context)
    translation = _catalogue(context).upgettext(message_context, string)
    return _formatted(context, translation, variables)


def field_aria(field, hint: bool = False) -> dict[str, str]:
    """Return the ARIA attributes that tie *field* to its hint and error message."""
    described = []
    if hint:
        described.append(f"{field.id}-hint")
    if field.errors:
        described.append(f"{field.id}-error")
    attributes = {}
    if described:
        attributes["aria-describedby"] = " ".join(described)
    if field.errors:
        attributes["aria-invalid"] = "true"
    return attributes


def character_count_messages() -> dict[str, dict[str, str]]:
    """Return the character counter's sentences for form.js, in the page's language.

    {"left": {"one": "You have {count} character left", "other": …}, "over": {…}}, one
    sentence per plural category of the language (Russian has three), so the script picks
    the right one with Intl.PluralRules and only puts in the number.
    """
    rule = Locale.parse(str(get_locale())).plural_form
    examples: dict[str, int] = {}
    for number in range(200):
        examples.setdefault(rule(number), number)
    examples.setdefault("other", 100)
    return {
        "left": {
            category: ngettext(
                "You have %(count)s character left",
                "You have %(count)s characters left",
                number,
                count="{count}",
            )
            for category, number in examples.items()
        },
        "over": {
            category: ngettext(
                "You have %(count)s character too many",
                "You have %(count)s characters too many",
                number,
                count="{count}",
            )
            for category, number in examples.items()
        },
    }


# Marks, embeddings, overrides and isolates: the characters that change text direction.
_BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def isolate(text) -> Markup:
    """Return *text* escaped and wrapped in FSI … PDI, its own direction controls removed.

    For plain-text places where no ``<bdi>`` can go, such as a page's ``<title>``: a
    right-to-left override in an applicant's text then cannot reorder what follows it.
    """
    inner = _BIDI_CONTROLS.sub("", str(text if text is not None else ""))
    # One Markup, not three joined: the inbox calls this for each of its rows.
    return Markup(f"\u2068{escape(inner)}\u2069")  # noqa: S704 - escaped just here
