"""One email to many candidates: recipients, a text per language, previews, and queueing.

The editor starts from a template; its subject and text in each language present among the
recipients become editable fields (:func:`starting_texts`). What the editor leaves there is
itself a template: every recipient receives the edited text of their language, rendered
with their own placeholders (:func:`render_edited`). Nothing is queued while any language's
text keeps a fill-in part ([[…]], :mod:`tracker.mail.fillins`), nor to rejected or withdrawn
candidates unless the editor confirmed it; the emails enter the outbox in one transaction
with one-time message ids, so the same form sent twice queues once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from tracker.applications.people import normalise_email
from tracker.audit import record_event
from tracker.database import begin_write
from tracker.enums import EmailTemplateKey, Status
from tracker.extensions import db
from tracker.inbox.filter import InboxFilter
from tracker.inbox.query import iter_filtered, selected_applications
from tracker.mail.compose import (
    ComposeError,
    DuplicateEmail,
    check_body,
    check_subject,
    find_by_message_id,
    queue_to_applicant,
)
from tracker.mail.discretion import discretion_for
from tracker.mail.fillins import refusal, unfilled_parts
from tracker.mail.outbox import make_message_id
from tracker.mail.placeholders import placeholder_values
from tracker.mail.templates import (
    RenderedEmail,
    TemplateSource,
    TemplateValidationError,
    check_template,
    load_source,
    render,
)
from tracker.models import Application, OutboxEmail, User
from tracker.ui_languages import LANGUAGE_NAMES, UI_LANGUAGES

# Recipients of one bulk email at most: beyond that, narrow the filter.
BULK_EMAIL_MAX = 5000
# Candidates an editor rarely means to write to: a bulk email to them needs a confirmation.
INACTIVE_STATUSES = frozenset({Status.REJECTED.value, Status.WITHDRAWN.value})


@dataclass
class BulkPlan:
    """Who a bulk email goes to: one application per address, and who was left out."""

    recipients: list[Application] = field(default_factory=list)
    # Same address (ignoring case) as an earlier recipient: one email per person.
    duplicates: list[Application] = field(default_factory=list)
    # An address that cannot go into a header (CR/LF): never written to.
    unusable: list[Application] = field(default_factory=list)
    # More than BULK_EMAIL_MAX recipients: the plan was cut off there.
    too_many: bool = False

    def languages(self) -> list[str]:
        """Return the languages the recipients write in, in the order of UI_LANGUAGES."""
        present = {recipient_language(application) for application in self.recipients}
        return [language for language in UI_LANGUAGES if language in present]

    def inactive(self) -> list[Application]:
        """Return the recipients who were rejected or withdrew."""
        return [app for app in self.recipients if app.status in INACTIVE_STATUSES]


@dataclass(frozen=True)
class LanguageText:
    """The subject and text (a template: placeholders allowed) for one language."""

    language: str
    subject: str
    body_text: str


def recipient_language(application: Application) -> str:
    """Return the language *application* gets its email in (German if not one of ours)."""
    language = application.preferred_language
    return language if language in UI_LANGUAGES else "de"


def plan_bulk_email(
    applications: Iterable[Application], *, limit: int = BULK_EMAIL_MAX
) -> BulkPlan:
    """Return the recipients of a bulk email: the first application of each address."""
    plan = BulkPlan()
    seen: set[str] = set()
    for application in applications:
        address = normalise_email(application.email)
        if any(char in application.email for char in "\r\n\0"):
            plan.unusable.append(application)
        elif address in seen:
            plan.duplicates.append(application)
        else:
            if len(plan.recipients) >= limit:
                plan.too_many = True
                break
            seen.add(address)
            plan.recipients.append(application)
    return plan


def plan_for_inbox(
    *, ids: list[int], inbox_filter: InboxFilter, whole_filter: bool, user: User
) -> BulkPlan:
    """Return the bulk plan for the inbox's ticked rows, or for everyone its filter matches."""
    options = (selectinload(Application.call),)
    if whole_filter:
        return plan_bulk_email(iter_filtered(inbox_filter, user=user, options=options))
    return plan_bulk_email(selected_applications(ids, user=user, options=options))


def starting_texts(plan: BulkPlan, key: str) -> dict[str, LanguageText]:
    """Return template *key*'s subject and text for each recipient language (German if none)."""
    texts = {}
    for language in plan.languages():
        source = load_source(key, language)
        texts[language] = LanguageText(language, source.subject, source.body_text)
    return texts


def render_edited(
    application: Application, key: str, text: LanguageText, *, by: User
) -> RenderedEmail:
    """Render the edited *text* for *application* with their own placeholder values.

    :raises TemplateValidationError: the edited text uses what a template may not.
    """
    source = TemplateSource(
        key=key, language=text.language, subject=text.subject, body_text=text.body_text
    )
    values = placeholder_values(application, key, language=text.language, editor=by)
    return render(source, values, discretion=discretion_for(application))


def preview_bulk_email(
    plan: BulkPlan, key: str, texts: Mapping[str, LanguageText], *, by: User
) -> dict[str, tuple[Application, RenderedEmail]]:
    """Return, per language, its first recipient and their email as it will be sent.

    :raises TemplateValidationError: a language's text cannot be rendered.
    """
    previews = {}
    for application in plan.recipients:
        language = recipient_language(application)
        if language not in previews and language in texts:
            previews[language] = (
                application,
                render_edited(application, key, texts[language], by=by),
            )
    return previews


def check_texts(plan: BulkPlan, key: str, texts: Mapping[str, LanguageText]) -> None:
    """Raise ComposeError unless every recipient language has a complete, valid text."""
    for language in plan.languages():
        label = LANGUAGE_NAMES.get(language, language)
        text = texts.get(language)
        if text is None:
            raise ComposeError(_("The text in %(language)s is missing.", language=label))
        check_subject(text.subject)
        check_body(text.body_text)
        try:
            check_template(key, text.subject, text.body_text, None)
        except TemplateValidationError as error:
            raise ComposeError(f"{label}: {error}") from error
        parts = unfilled_parts(text.subject, text.body_text)
        if parts:
            raise ComposeError(f"{label}: {refusal(parts)}")


def check_recipients(plan: BulkPlan, *, inactive_confirmed: bool) -> None:
    """Raise ComposeError if the plan is empty, too large, or writes unconfirmed to inactive."""
    if plan.too_many:
        raise ComposeError(
            _(
                "That is more than %(max)s recipients. Please narrow the filter.",
                max=BULK_EMAIL_MAX,
            )
        )
    if not plan.recipients:
        raise ComposeError(_("There is nobody to write to."))
    if plan.inactive() and not inactive_confirmed:
        raise ComposeError(
            _(
                "Some recipients were rejected or have withdrawn. Tick the box to confirm "
                "that they should get this email, or leave them out in the inbox."
            )
        )


def send_bulk_email(
    plan: BulkPlan,
    key: str | EmailTemplateKey,
    texts: Mapping[str, LanguageText],
    *,
    by: User,
    token: str,
    inactive_confirmed: bool = False,
) -> list[OutboxEmail]:
    """Queue the edited text of each recipient's language to every recipient of *plan*; commit.

    One transaction: every email is queued, or none.

    :raises DuplicateEmail: this form was sent already (its one-time token).
    :raises ComposeError: no, too many or unconfirmed inactive recipients; a text is
        missing, invalid or keeps a fill-in part.
    """
    key = EmailTemplateKey(key).value
    check_recipients(plan, inactive_confirmed=inactive_confirmed)
    check_texts(plan, key, texts)
    begin_write()
    if find_by_message_id(make_message_id(token, plan.recipients[0].id)) is not None:
        db.session.rollback()
        raise DuplicateEmail
    emails = []
    try:
        for application in plan.recipients:
            text = texts[recipient_language(application)]
            rendered = render_edited(application, key, text, by=by)
            message_id = make_message_id(token, application.id)
            emails.append(queue_to_applicant(application, rendered, by=by, message_id=message_id))
        db.session.flush()
        for application, email in zip(plan.recipients, emails, strict=True):
            record_event(
                "email.queued",
                actor=by,
                application=application,
                email=email.id,
                template=key,
                bulk=True,
            )
        db.session.commit()
    except IntegrityError as error:  # the same form, sent twice at the same moment
        db.session.rollback()
        raise DuplicateEmail from error
    except BaseException:
        db.session.rollback()
        raise
    return emails
