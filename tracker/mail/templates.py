"""The one renderer of every email: admins' templates in a sandbox, our own files in Jinja.

Two kinds of template, two entry points, one result (:class:`RenderedEmail`):

- :func:`render` renders an *editable* template (:class:`TemplateSource`: a database row
  an admin wrote, or its seed text in templates/mail/ such as ``status_link``) with
  placeholder values — applicant emails. Load it with :func:`load_source` or
  :func:`load_file_template`; the values come from ``mail.placeholders``.
- :func:`render_file` renders a *trusted* file of ours in templates/mail/ (staff emails,
  the erasure confirmation) with Flask's Jinja, ``{{ _("…") }}`` translated into the
  email's language, and any values the caller passes.

Saving, seeding and the admins' overview are in :mod:`tracker.mail.template_store`.

An editable template is text an admin may change, so it is treated as untrusted code. It
may only name placeholders from a fixed list (``{{ first_name }}``, …) and use ``{% if %}``;
attributes, item access, filters, calls, loops, assignments and includes are refused when
the template is saved, and it is rendered by Jinja's immutable sandbox with nothing but
plain strings in its context, so even a template written into the database by hand
reaches no Python object. Values the applicant typed (names) are plain text: escaped in
the HTML part, never turned into links, and single-lined wherever they reach a header.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from jinja2 import TemplateSyntaxError, nodes
from jinja2.exceptions import SecurityError, UndefinedError
from markupsafe import Markup, escape
from sqlalchemy import select

from tracker.enums import EmailTemplateKey
from tracker.extensions import db
from tracker.mail.discretion import Discretion, shield_subject, subject_values
from tracker.mail.fillins import marker_problems
from tracker.mail.sandbox import TEXT_ENV, compiled
from tracker.models import EmailTemplate

FALLBACK_LANGUAGE = "de"
SUBJECT_MAX_LENGTH = 300
BODY_MAX_LENGTH = 20_000

# The only names a template may use. Each is a plain string when rendered.
PLACEHOLDERS = (
    "first_name",
    "full_name",
    "call_title",
    "reference",
    "status_link",
    "editor_name",
    "desk_email",
    "site_name",
)
# Names only some kinds of email may use.
# retention_days: how many days a withdrawn application is kept (RETENTION_DAYS), the same
# number the privacy notice states; empty where withdrawn applications are kept.
EXTRA_PLACEHOLDERS = {
    EmailTemplateKey.REJECTION: ("rejection_reason",),
    EmailTemplateKey.ACKNOWLEDGEMENT: ("version_note",),
    EmailTemplateKey.WITHDRAWAL_CONFIRMATION: ("retention_days",),
    # The fee and deadline as the expert reads them ("250,00 EUR", the deadline in their
    # time zone), written by tracker.assignments.
    EmailTemplateKey.ASSIGNMENT_BRIEF: ("assignment_title", "assignment_brief", "fee", "deadline"),
    EmailTemplateKey.EXPERT_INVITATION: ("call_link",),
}
# Placeholders whose value the applicant typed: plain text that must never become markup
# or a link in the HTML part. They are the only applicant text any email carries, and a
# name is checked to hold no address, digits or signs (applications/names.py); every
# other value is ours, an admin's or an editor's.
APPLICANT_VALUES = frozenset({"first_name", "full_name"})
# The acknowledgement and the status-link email are the two emails anyone can have sent to
# any address (nobody has checked yet that the address is the applicant's), so their seed
# texts greet without the name: the desk's own address then repeats nothing a stranger
# typed. Emails an editor decides to send (decisions, questions) greet by name.

# Line breaks (and what some mail software treats as one) that must not reach a header.
_LINE_BREAKS = re.compile(r"[\r\n\0\x0b\x0c\x1c-\x1e\x85\u2028\u2029]+")
# "{name}" or "{ applicant.__class__ }": a placeholder in the wrong syntax, left as text
# by Jinja but certainly a mistake (or a probe).
_SINGLE_BRACES = re.compile(r"(?<!\{)\{\s*[A-Za-z_][\w.\[\]'\"]*\s*\}(?!\})")
# Nodes a template may consist of; everything else (Getattr, Filter, Call, For, Set,
# Include, Macro, Const …) is refused.
_ALLOWED_NODES = (
    nodes.Template,
    nodes.Output,
    nodes.TemplateData,
    nodes.Name,
    nodes.If,
    nodes.Not,
    nodes.And,
    nodes.Or,
)


class TemplateValidationError(ValueError):
    """A template cannot be saved or rendered; *errors* maps its fields to messages."""

    def __init__(self, errors: Mapping[str, list[str]]):
        super().__init__("; ".join(message for messages in errors.values() for message in messages))
        self.errors = {name: list(messages) for name, messages in errors.items()}


@dataclass(frozen=True)
class TemplateSource:
    """The text of one template in one language, from the database or from the seed files."""

    key: str
    language: str
    subject: str
    body_text: str
    body_html: str | None = None
    from_database: bool = False


@dataclass(frozen=True)
class RenderedEmail:
    """A template rendered for one recipient: what goes into the outbox."""

    key: str
    language: str
    subject: str
    body_text: str
    body_html: str | None = None


def placeholders_for(key: str | EmailTemplateKey) -> tuple[str, ...]:
    """Return the placeholders a template of *key* may use."""
    # Looked up by value: file-only templates such as "status_link" are no EmailTemplateKey.
    return PLACEHOLDERS + EXTRA_PLACEHOLDERS.get(str(key), ())


def single_line(value: str) -> str:
    """Return *value* with every line break replaced by a space: it may reach a header."""
    return _LINE_BREAKS.sub(" ", value)


# --- validation ------------------------------------------------------------------------


def template_problems(source: str, allowed: tuple[str, ...]) -> list[str]:
    """Return what is wrong with template *source* (empty if it may be saved)."""
    try:
        tree = TEXT_ENV.parse(source)
    except TemplateSyntaxError as error:
        return [
            _(
                "Line %(line)s cannot be read: %(error)s. Write placeholders like "
                "{{ first_name }}.",
                line=error.lineno,
                error=error.message,
            )
        ]
    problems: list[str] = []
    for node in _walk(tree):
        line = getattr(node, "lineno", 1)
        if not isinstance(node, _ALLOWED_NODES):
            problems.append(
                _(
                    "Line %(line)s: only plain placeholders such as {{ first_name }} (and "
                    "{%% if … %%}) are allowed – no attributes, filters, calls or other "
                    "expressions.",
                    line=line,
                )
            )
        elif isinstance(node, nodes.Name) and node.name not in allowed:
            problems.append(
                _(
                    "Line %(line)s: there is no placeholder {{ %(name)s }}. You can use: "
                    "%(allowed)s.",
                    line=line,
                    name=node.name,
                    allowed=", ".join(allowed),
                )
            )
        elif isinstance(node, nodes.TemplateData):
            for match in _SINGLE_BRACES.finditer(node.data):
                problems.append(
                    _(
                        "Line %(line)s: “%(text)s” looks like a placeholder. Placeholders "
                        "have double braces, e.g. {{ first_name }}.",
                        line=line + node.data.count("\n", 0, match.start()),
                        text=match.group(0),
                    )
                )
    problems.extend(marker_problems(source))
    return list(dict.fromkeys(problems))


def _walk(node: nodes.Node):
    """Yield *node* and every node below it; a refused node's children are not visited."""
    yield node
    if isinstance(node, _ALLOWED_NODES):
        for child in node.iter_child_nodes():
            yield from _walk(child)


def check_template(
    key: str | EmailTemplateKey, subject: str, body_text: str, body_html: str | None
) -> None:
    """Raise TemplateValidationError unless the three parts may be saved for *key*."""
    allowed = placeholders_for(key)
    errors: dict[str, list[str]] = {}
    if not subject.strip():
        errors.setdefault("subject", []).append(_("Please write a subject."))
    if "\r" in subject or "\n" in subject or "\0" in subject:
        errors.setdefault("subject", []).append(_("The subject must be one line."))
    if len(subject) > SUBJECT_MAX_LENGTH:
        errors.setdefault("subject", []).append(
            _("The subject may be at most %(max)s characters long.", max=SUBJECT_MAX_LENGTH)
        )
    if not body_text.strip():
        errors.setdefault("body_text", []).append(_("Please write the text of the email."))
    for name, source in (("subject", subject), ("body_text", body_text), ("body_html", body_html)):
        if source is None:
            continue
        if len(source) > BODY_MAX_LENGTH:
            errors.setdefault(name, []).append(
                _("This text may be at most %(max)s characters long.", max=BODY_MAX_LENGTH)
            )
            continue
        problems = template_problems(source, allowed)
        if problems:
            errors.setdefault(name, []).extend(problems)
    if errors:
        raise TemplateValidationError(errors)


def normalise_newlines(text: str | None) -> str | None:
    """Return *text* with CRLF and CR turned into LF (browsers send textareas with CRLF)."""
    if text is None:
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


# --- sources: database first, then the seed files --------------------------------------


def seed_folder() -> Path:
    """Return templates/mail/, where the seed texts live."""
    return Path(current_app.root_path, current_app.template_folder or "templates", "mail")


def file_source(key: str, language: str) -> TemplateSource | None:
    """Return the seed text of *key* in *language* from templates/mail/, if it exists.

    Files: ``<key>.<language>.subject.txt`` (one line) and ``<key>.<language>.txt``; an
    optional ``<key>.<language>.html`` is the HTML part.
    """
    folder = seed_folder()
    subject_path = folder / f"{key}.{language}.subject.txt"
    body_path = folder / f"{key}.{language}.txt"
    if not (subject_path.is_file() and body_path.is_file()):
        return None
    html_path = folder / f"{key}.{language}.html"
    return TemplateSource(
        key=key,
        language=language,
        subject=subject_path.read_text(encoding="utf-8").strip(),
        body_text=normalise_newlines(body_path.read_text(encoding="utf-8")),
        body_html=(
            normalise_newlines(html_path.read_text(encoding="utf-8"))
            if html_path.is_file()
            else None
        ),
    )


def load_source(key: str | EmailTemplateKey, language: str) -> TemplateSource:
    """Return the template *key* in *language*, falling back to German.

    The database is asked first (the language, then German); the seed files only when the
    database has neither, e.g. before `flask templates seed` ran.

    :raises LookupError: if no version exists anywhere.
    """
    key = str(key)
    languages = list(dict.fromkeys([language, FALLBACK_LANGUAGE]))
    rows = {
        row.language: row
        for row in db.session.scalars(
            select(EmailTemplate).where(
                EmailTemplate.key == key, EmailTemplate.language.in_(languages)
            )
        )
    }
    for candidate in languages:
        row = rows.get(candidate)
        if row is not None:
            return TemplateSource(
                key=key,
                language=row.language,
                subject=row.subject,
                body_text=row.body_text,
                body_html=row.body_html,
                from_database=True,
            )
    for candidate in languages:
        source = file_source(key, candidate)
        if source is not None:
            return source
    raise LookupError(f"no email template {key!r} in {language!r} or {FALLBACK_LANGUAGE!r}")


def load_file_template(name: str, language: str) -> TemplateSource:
    """Return a file-only template (e.g. ``status_link``) in *language*, or in German."""
    for candidate in dict.fromkeys([language, FALLBACK_LANGUAGE]):
        source = file_source(name, candidate)
        if source is not None:
            return source
    raise LookupError(f"no email template file {name!r}")


# --- rendering -------------------------------------------------------------------------


def _unlinkable(value: str) -> Markup:
    """Return applicant text for the HTML part: escaped, and not recognisable as a link.

    Escaping turns ``<a href=…>`` into visible text. Mail programs also turn anything that
    looks like a web address into a link on their own; a zero-width space after the scheme
    and inside "www." keeps "[x](http://evil)" in a name from becoming one.
    """
    text = str(escape(value))
    text = re.sub(r"(?i)([a-z][a-z0-9+.-]*):(?=//)", "\\1:\u200b", text)
    text = re.sub(r"(?i)\bwww\.", "www\u200b.", text)
    return Markup(text)  # noqa: S704 - built from escape() above


@lru_cache(maxsize=512)
def _check_once(key: str, subject: str, body_text: str, body_html: str | None) -> None:
    """Check the three parts like :func:`check_template`, once per process for parts that
    pass: every acknowledgement is rendered from the same few sources. A refusal is not
    kept (it raises), so its messages are always in the language of the request."""
    check_template(key, subject, body_text, body_html)


def render(
    source: TemplateSource, values: Mapping[str, str], *, discretion: Discretion | None = None
) -> RenderedEmail:
    """Render *source* with *values* (plain strings) in the sandbox.

    The subject gets every value without line breaks (never an applicant's name that
    *discretion* protects); the HTML part gets applicant values escaped and unlinkable.

    :raises TemplateValidationError: if the template uses anything beyond its placeholders.
    """
    allowed = placeholders_for(source.key)
    context = {name: str(values.get(name, "")) for name in allowed}
    _check_once(str(source.key), source.subject, source.body_text, source.body_html)
    try:
        subject = compiled(source.subject).render(
            {name: single_line(value) for name, value in subject_values(context, discretion)}
        )
        body_text = compiled(source.body_text).render(context)
        body_html = None
        if source.body_html:
            html_context = {
                name: _unlinkable(value) if name in APPLICANT_VALUES else value
                for name, value in context.items()
            }
            body_html = compiled(source.body_html, html=True).render(html_context)
    except (SecurityError, UndefinedError, TemplateSyntaxError) as error:
        # Only reachable if the checks above were bypassed; say so rather than send.
        raise TemplateValidationError({"body_text": [str(error)]}) from error
    return RenderedEmail(
        key=source.key,
        language=source.language,
        subject=shield_subject(single_line(subject).strip(), discretion)[:SUBJECT_MAX_LENGTH],
        body_text=body_text,
        body_html=body_html,
    )


def render_file(
    name: str, language: str, *, discretion: Discretion | None = None, **values
) -> RenderedEmail:
    """Render our own file template *name* from templates/mail/ in *language*.

    ``<name>.<language>.subject.txt`` and ``<name>.<language>.txt`` are used when they
    exist, else the language-neutral ``<name>.subject.txt`` and ``<name>.txt`` whose
    ``{{ _("…") }}`` calls are translated into *language*. Only for texts we write: the
    values are rendered by the app's Jinja environment, never in the sandbox.
    """
    stem = name
    if (seed_folder() / f"{name}.{language}.txt").is_file():
        stem = f"{name}.{language}"
    with force_locale(language):
        subject = render_template(f"mail/{stem}.subject.txt", **values)
        body_text = render_template(f"mail/{stem}.txt", **values)
    subject = shield_subject(single_line(subject).strip(), discretion)
    return RenderedEmail(key=name, language=language, subject=subject, body_text=body_text)
