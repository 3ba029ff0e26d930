"""Writing to many candidates at once: the bulk email page the inbox's bulk form opens.

Each language present among the recipients gets its own subject and text, filled from the
chosen template and edited here; the first recipient per language is previewed. Sending is
a POST with a signed one-time ticket, ending in a redirect to the outbox.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from tracker.enums import CANDIDATE_TEMPLATE_KEYS, EmailStatus
from tracker.inbox.filter import InboxFilter
from tracker.labels import STATUS_LABELS
from tracker.mail.bulk_email import (
    BulkPlan,
    plan_for_inbox,
    preview_bulk_email,
    send_bulk_email,
    starting_texts,
)
from tracker.mail.compose import (
    ComposeError,
    DuplicateEmail,
    check_compose_ticket,
    issue_compose_ticket,
)
from tracker.mail.fillins import LEGACY_FILL_INS, unfilled_parts
from tracker.mail.outbox import reply_to_address, sender_text
from tracker.mail.templates import TemplateValidationError
from tracker.review import bp
from tracker.review.email_forms import BulkEmailForm
from tracker.ui_languages import LANGUAGE_NAMES
from tracker.web.access import staff


@bp.post("/email/bulk")
@staff
def bulk_email():
    """Write to the inbox's selection or filter: a text per language, previewed, then sent."""
    user = current_user._get_current_object()
    form = BulkEmailForm()
    inbox_filter = InboxFilter.from_query_string(form.filter.data)
    plan = plan_for_inbox(
        ids=form.ids.data, inbox_filter=inbox_filter, whole_filter=form.uses_filter(), user=user
    )
    key = form.template.data if form.template.data in CANDIDATE_TEMPLATE_KEYS else None
    problem = None
    if not form.validate():
        problem = _("Please check the template and the texts.")
    elif key and form.loaded.data != key:
        # A template newly chosen: its texts fill the fields, to be read before sending.
        problem = _load_bulk_texts(form, plan, key)
    elif request.form.get("action") == "send" and key:
        try:
            return _send_bulk(form, plan, key)
        except (ComposeError, TemplateValidationError) as error:
            problem = str(error)
    return _render_bulk(form, plan, inbox_filter, key=key, problem=problem)


def _load_bulk_texts(form: BulkEmailForm, plan: BulkPlan, key: str) -> str | None:
    """Fill the form's texts from template *key*; return a problem if it has none."""
    try:
        form.fill(key, starting_texts(plan, key))
    except LookupError:
        return _("This template cannot be used; please ask an admin to correct it.")
    return None


def _send_bulk(form: BulkEmailForm, plan: BulkPlan, key: str):
    """Queue the bulk email and show the outbox; raise ComposeError when it cannot go."""
    try:
        token = check_compose_ticket(form.ticket.data)
        emails = send_bulk_email(
            plan,
            key,
            form.texts(plan.languages()),
            by=current_user._get_current_object(),
            token=token,
            inactive_confirmed=form.inactive_confirmed.data,
        )
    except DuplicateEmail:
        flash(_("These emails were queued already; they were not queued again."), "info")
        return redirect(url_for("review.outbox", tab=EmailStatus.QUEUED.value))
    flash(
        ngettext(
            "%(num)d email queued. It will be sent in a moment.",
            "%(num)d emails queued. They will be sent in a moment.",
            len(emails),
        ),
        "success",
    )
    return redirect(url_for("review.outbox", tab=EmailStatus.QUEUED.value))


def _bulk_previews(form: BulkEmailForm, plan: BulkPlan, key: str | None):
    """Return the first recipient's email per language, or a problem with the texts."""
    if not key or form.loaded.data != key:
        return {}, None
    try:
        return preview_bulk_email(plan, key, form.texts(plan.languages()), by=current_user), None
    except TemplateValidationError as error:
        return {}, str(error)


def _render_bulk(form: BulkEmailForm, plan: BulkPlan, inbox_filter, *, key, problem):
    previews, preview_problem = _bulk_previews(form, plan, key)
    problem = problem or preview_problem
    texts = form.texts(plan.languages()) if previews else {}
    form.ticket.data = issue_compose_ticket()
    return (
        render_template(
            "review/bulk_email.html",
            form=form,
            plan=plan,
            previews=previews,
            unfilled={
                language: unfilled_parts(text.subject, text.body_text)
                for language, text in texts.items()
            },
            problem=problem,
            inbox_args=inbox_filter.to_args(),
            language_labels=LANGUAGE_NAMES,
            status_labels=STATUS_LABELS,
            legacy_fill_ins=LEGACY_FILL_INS,
            sender=sender_text(),
            reply_to=reply_to_address(),
        ),
        400 if problem else 200,
    )
