"""The brief email: the assignment written to its author from the admins' template.

The editor starts from ``EmailTemplateKey.ASSIGNMENT_BRIEF`` rendered in the recipient's
language (the fee as they write amounts, the deadline in their time zone), edits it like
any email to a candidate, and sends it through :func:`tracker.mail.compose.send_written`:
the same checks (fill-in parts, one-time ticket, subject), one outbox row.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _

from tracker.assignments.deadlines import deadline_text
from tracker.enums import EmailTemplateKey
from tracker.mail.compose import ComposeError, send_written
from tracker.mail.discretion import discretion_for
from tracker.mail.placeholders import placeholder_values
from tracker.mail.templates import (
    RenderedEmail,
    TemplateValidationError,
    load_source,
    render,
)
from tracker.models import Application, Assignment, Expert, OutboxEmail, User
from tracker.money import format_amount

BRIEF = EmailTemplateKey.ASSIGNMENT_BRIEF


@dataclass(frozen=True)
class Recipient:
    """Who an assignment's emails go to: the expert if it has one, else the candidate."""

    name: str
    address: str
    language: str
    application: Application | None
    expert: Expert | None


def recipient_of(assignment: Assignment) -> Recipient | None:
    """Return the author of *assignment*: its expert, else its candidate (None once both
    are erased)."""
    expert, application = assignment.expert, assignment.application
    person = expert or application
    if person is None:
        return None
    return Recipient(
        name=person.full_name,
        address=person.email,
        language=person.preferred_language,
        application=application,
        expert=expert,
    )


def person_values(recipient: Recipient, key: str, *, language: str, editor: User | None):
    """Return the usual placeholders for the recipient: an application's, or an expert's
    (who has no status link or call of their own: those stay empty)."""
    if recipient.application is not None:
        return placeholder_values(recipient.application, key, language=language, editor=editor)
    config = current_app.config
    words = recipient.name.split()
    return {
        "first_name": words[0] if words else recipient.name,
        "full_name": recipient.name,
        "call_title": "",
        "reference": "",
        "status_link": "",
        "editor_name": editor.name if editor is not None else "",
        "desk_email": config["DESK_EMAIL"],
        "site_name": config["SITE_NAME"],
    }


def assignment_values(assignment: Assignment, language: str) -> dict[str, str]:
    """Return the assignment's own placeholders as its author reads them."""
    return {
        "assignment_title": assignment.title,
        "assignment_brief": assignment.brief or "",
        "fee": format_amount(assignment.fee_minor, assignment.currency, locale=language),
        "deadline": deadline_text(assignment.deadline_at, assignment.timezone, language),
    }


def starting_brief(assignment: Assignment, *, by: User) -> RenderedEmail | None:
    """Return the brief as the template writes it for the author, in their language
    (German if the template lacks it); None if the template cannot be rendered."""
    recipient = recipient_of(assignment)
    if recipient is None:
        return None
    source = load_source(BRIEF, recipient.language)
    values = {
        **person_values(recipient, BRIEF.value, language=source.language, editor=by),
        **assignment_values(assignment, source.language),
    }
    try:
        return render(
            source, values, discretion=discretion_for(recipient.application, recipient.expert)
        )
    except TemplateValidationError:
        return None


def send_brief(
    assignment: Assignment,
    *,
    subject: str,
    body_text: str,
    language: str | None,
    by: User,
    token: str,
) -> OutboxEmail:
    """Queue the brief as the editor wrote it to the author, record it, and commit.

    :raises DuplicateEmail: this form was sent already; nothing new is queued.
    :raises ComposeError: a fill-in part left, an empty subject or text, nobody to write to.
    """
    recipient = recipient_of(assignment)
    if recipient is None:
        raise ComposeError(_("The author of this assignment was erased."))
    return send_written(
        to_address=recipient.address,
        subject=subject,
        body_text=body_text,
        by=by,
        token=token,
        template_key=BRIEF.value,
        language=language or recipient.language,
        application=recipient.application,
        expert=recipient.expert,
        assignment_id=assignment.id,
    )
