"""Writing to candidates, one or many, and the outbox where every email waits or is logged.

Every action is a POST with a CSRF token that ends in a redirect (Post/Redirect/Get). A
compose form carries a signed one-time token: a second click on "Send" finds the email
the first one queued and queues nothing.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.orm import selectinload

from tracker.enums import EmailStatus, EmailTemplateKey
from tracker.extensions import db
from tracker.inbox.query import InboxFilter, iter_filtered, selected_applications
from tracker.mail.compose import (
    OUTBOX_TABS,
    ComposeError,
    DuplicateEmail,
    OutboxActionError,
    check_compose_ticket,
    discard_draft,
    inbox_ids,
    issue_compose_ticket,
    outbox_counts,
    outbox_page,
    plan_bulk_email,
    preview_bulk_email,
    release_draft,
    release_drafts,
    render_for,
    retry_failed,
    send_bulk_email,
    send_email,
    update_draft,
    when_of,
)
from tracker.mail.templates import (
    LANGUAGE_LABELS,
    TEMPLATE_LABELS,
    TemplateValidationError,
)
from tracker.models import Application, OutboxEmail
from tracker.review import bp
from tracker.review.email_forms import BulkEmailForm, ComposeForm, DraftForm
from tracker.web.access import staff
from tracker.web.templating import has_endpoint


def _tab_labels() -> dict[EmailStatus, str]:
    return {
        EmailStatus.DRAFT: _("Drafts"),
        EmailStatus.QUEUED: _("Queued"),
        EmailStatus.SENDING: _("Sending"),
        EmailStatus.SENT: _("Sent"),
        EmailStatus.FAILED: _("Failed"),
    }


def _from_args() -> dict[str, str]:
    """Return the inbox filter the editor came from (``?from=``), to keep it in links."""
    value = request.values.get("from")
    return {"from": value} if value else {}


def _back_to_candidate(application: Application):
    if has_endpoint("review.candidate"):
        return redirect(url_for("review.candidate", application_id=application.id, **_from_args()))
    return redirect(url_for("review.outbox", tab=EmailStatus.QUEUED.value))


def _sender() -> str:
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    return sender if isinstance(sender, str) else f"{sender[0]} <{sender[1]}>"


def _reply_to() -> str:
    config = current_app.config
    return config.get("MAIL_REPLY_TO") or config.get("DESK_EMAIL") or ""


# --- one candidate ---------------------------------------------------------------------


@bp.route("/applications/<int:application_id>/email", methods=["GET", "POST"])
@staff
def compose_email(application_id: int):
    """Write to one candidate: template → text in their language → preview → send."""
    application = db.get_or_404(Application, application_id)
    user = current_user._get_current_object()
    if request.method == "GET":
        key = request.args.get("template")
        if key not in set(EmailTemplateKey):
            key = EmailTemplateKey.REQUEST_INFO.value
        form = ComposeForm(formdata=None)
        try:
            rendered = render_for(application, key, editor=user)
        except TemplateValidationError:
            rendered = None
        if rendered is not None:
            form.subject.data = rendered.subject
            form.body_text.data = rendered.body_text
            form.language.data = rendered.language
        form.template.data = key
        form.ticket.data = issue_compose_ticket()
        problem = None
        if rendered is None:
            problem = _("This template cannot be used; please ask an admin to correct it.")
        return _render_compose(application, form, problem=problem)

    form = ComposeForm()
    if not form.validate():
        return _render_compose(application, form, status_code=400)
    try:
        token = check_compose_ticket(form.ticket.data)
    except ComposeError as error:
        form.ticket.data = issue_compose_ticket()
        return _render_compose(application, form, problem=str(error), status_code=400)
    if request.form.get("action") != "send":
        return _render_compose(application, form, preview=True)
    try:
        send_email(
            application,
            subject=form.subject.data,
            body_text=form.body_text.data,
            by=user,
            token=token,
            template_key=form.template_key(),
            language=form.language_code(),
        )
    except DuplicateEmail:
        flash(_("This email was queued already; it was not queued again."), "info")
        return _back_to_candidate(application)
    except ComposeError as error:
        return _render_compose(application, form, problem=str(error), status_code=400)
    flash(
        _("Email to %(name)s queued. It will be sent in a moment.", name=application.full_name),
        "success",
    )
    return _back_to_candidate(application)


def _render_compose(
    application: Application,
    form: ComposeForm,
    *,
    preview: bool = False,
    problem: str | None = None,
    status_code: int = 200,
):
    return (
        render_template(
            "review/compose.html",
            application=application,
            form=form,
            preview=preview,
            problem=problem,
            errors=_errors(form),
            templates=[(key.value, TEMPLATE_LABELS[key]) for key in EmailTemplateKey],
            language_labels=LANGUAGE_LABELS,
            sender=_sender(),
            reply_to=_reply_to(),
            from_args=_from_args(),
        ),
        status_code,
    )


def _errors(form) -> list[tuple[str, str, str]]:
    return [
        (field.id, str(field.label.text), str(message))
        for field in form
        if field.name != "csrf_token"
        for message in field.errors
    ]


# --- many candidates -------------------------------------------------------------------


@bp.post("/email/bulk")
@staff
def bulk_email():
    """Write one template to the inbox's selection or filter, each in their language."""
    user = current_user._get_current_object()
    form = BulkEmailForm()
    inbox_filter = InboxFilter.from_query_string(form.filter.data)
    options = (selectinload(Application.call),)
    if form.uses_filter():
        targets = iter_filtered(inbox_filter, user=user, options=options)
    else:
        targets = selected_applications(form.ids.data, options=options)
    plan = plan_bulk_email(targets)
    key = form.template.data if form.template.data in set(EmailTemplateKey) else None
    problem = None
    if not form.validate():
        problem = _("Please choose a template from the list.")
    elif request.form.get("action") == "send" and key:
        try:
            token = check_compose_ticket(form.ticket.data)
            emails = send_bulk_email(plan, key, by=user, token=token)
        except DuplicateEmail:
            flash(_("These emails were queued already; they were not queued again."), "info")
            return redirect(url_for("review.outbox", tab=EmailStatus.QUEUED.value))
        except (ComposeError, TemplateValidationError) as error:
            problem = str(error)
        else:
            flash(
                ngettext(
                    "%(num)d email queued. It will be sent in a moment.",
                    "%(num)d emails queued. They will be sent in a moment.",
                    len(emails),
                ),
                "success",
            )
            return redirect(url_for("review.outbox", tab=EmailStatus.QUEUED.value))
    preview = None
    if key and problem is None:
        try:
            preview = preview_bulk_email(plan, key, by=user)
        except TemplateValidationError:
            problem = _("This template cannot be used; please ask an admin to correct it.")
    form.ticket.data = issue_compose_ticket()
    return (
        render_template(
            "review/bulk_email.html",
            form=form,
            plan=plan,
            preview=preview,
            problem=problem,
            inbox_args=inbox_filter.to_args(),
            language_labels=LANGUAGE_LABELS,
            sender=_sender(),
            reply_to=_reply_to(),
        ),
        400 if problem else 200,
    )


# --- the outbox ------------------------------------------------------------------------


def _number(value: str | None) -> int | None:
    if value and value.isascii() and value.isdigit() and len(value) < 10:
        return int(value)
    return None


def _outbox_args(source=None) -> dict[str, str]:
    """Return the outbox's own state (tab, candidate, inbox filter) from *source*."""
    source = request.values if source is None else source
    args = {}
    tab = source.get("tab")
    if tab in {status.value for status in OUTBOX_TABS}:
        args["tab"] = tab
    application_id = _number(source.get("application"))
    if application_id is not None:
        args["application"] = str(application_id)
    if source.get("from"):
        args["from"] = source.get("from")
    return args


def _back_to_outbox(**overrides):
    return redirect(url_for("review.outbox", **{**_outbox_args(), **overrides}))


def _within(args: dict[str, str]):
    if "from" not in args:
        return None
    return inbox_ids(InboxFilter.from_query_string(args["from"]), user=current_user)


@bp.get("/outbox")
@staff
def outbox():
    """Show the emails by state: drafts, queued, sending, sent, failed."""
    args = _outbox_args(request.args)
    application_id = _number(args.get("application"))
    within = _within(args)
    counts = outbox_counts(application_id=application_id, within=within)
    tab = EmailStatus(args.get("tab") or EmailStatus.DRAFT.value)
    page = outbox_page(
        tab,
        before=_number(request.args.get("before")),
        application_id=application_id,
        within=within,
    )
    candidate = db.session.get(Application, application_id) if application_id else None
    return render_template(
        "review/outbox.html",
        tab=tab,
        tabs=OUTBOX_TABS,
        tab_labels=_tab_labels(),
        counts=counts,
        page=page,
        args=args,
        candidate=candidate,
        filtered=within is not None,
        inbox_args=InboxFilter.from_query_string(args.get("from")).to_args(),
        when_of=when_of,
        template_labels=TEMPLATE_LABELS,
    )


@bp.post("/outbox/<int:email_id>/release")
@staff
def release_email(email_id: int):
    """Release one draft: the worker sends it."""
    try:
        release_draft(email_id, by=current_user._get_current_object())
    except OutboxActionError as error:
        flash(str(error), "error")
    else:
        flash(_("The draft was released and will be sent in a moment."), "success")
    return _back_to_outbox()


@bp.post("/outbox/release-drafts")
@staff
def release_all_drafts():
    """Release every draft, or those of the inbox filter or candidate the page shows."""
    args = _outbox_args()
    count = release_drafts(
        by=current_user._get_current_object(),
        application_id=_number(args.get("application")),
        within=_within(args),
    )
    if count:
        flash(
            ngettext(
                "%(num)d draft released.",
                "%(num)d drafts released.",
                count,
            ),
            "success",
        )
    else:
        flash(_("There were no drafts to release."), "info")
    return _back_to_outbox()


@bp.route("/outbox/<int:email_id>/edit", methods=["GET", "POST"])
@staff
def edit_email(email_id: int):
    """Change the subject and text of a draft."""
    email = db.get_or_404(OutboxEmail, email_id)
    if email.application_id is None:
        abort(404)  # staff emails are nobody's to read or edit here
    if email.status != EmailStatus.DRAFT.value:
        flash(_("Only drafts can be changed; this email is no longer a draft."), "error")
        return _back_to_outbox(tab=email.status)
    if request.method == "GET":
        form = DraftForm(formdata=None, obj=email)
        return _render_draft(email, form)
    form = DraftForm()
    if not form.validate():
        return _render_draft(email, form, status_code=400)
    try:
        update_draft(
            email_id,
            subject=form.subject.data,
            body_text=form.body_text.data,
            by=current_user._get_current_object(),
        )
    except ComposeError as error:
        return _render_draft(email, form, problem=str(error), status_code=400)
    except OutboxActionError as error:
        flash(str(error), "error")
        return _back_to_outbox()
    flash(_("The draft was saved. It waits until someone releases it."), "success")
    return _back_to_outbox(tab=EmailStatus.DRAFT.value)


def _render_draft(email: OutboxEmail, form: DraftForm, *, problem=None, status_code=200):
    return (
        render_template(
            "review/compose_draft.html",
            email=email,
            form=form,
            problem=problem,
            errors=_errors(form),
            args=_outbox_args(),
            template_labels=TEMPLATE_LABELS,
        ),
        status_code,
    )


@bp.post("/outbox/<int:email_id>/discard")
@staff
def discard_email(email_id: int):
    """Delete a draft that should not go out."""
    try:
        discard_draft(email_id, by=current_user._get_current_object())
    except OutboxActionError as error:
        flash(str(error), "error")
    else:
        flash(_("The draft was discarded."), "success")
    return _back_to_outbox()


@bp.post("/outbox/<int:email_id>/retry")
@staff
def retry_email(email_id: int):
    """Queue a failed email again."""
    try:
        retry_failed(email_id, by=current_user._get_current_object())
    except OutboxActionError as error:
        flash(str(error), "error")
    else:
        flash(_("The email is queued again and will be sent in a moment."), "success")
    return _back_to_outbox()
