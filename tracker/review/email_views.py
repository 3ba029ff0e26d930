"""Writing to candidates, one or many, and the outbox where every email waits or is logged.

Every action is a POST with a CSRF token that ends in a redirect (Post/Redirect/Get). A
compose form carries a signed one-time token: a second click on "Send" finds the email
the first one queued and queues nothing.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from tracker.enums import CANDIDATE_TEMPLATE_KEYS, EmailStatus
from tracker.extensions import db
from tracker.inbox.filter import InboxFilter
from tracker.labels import TEMPLATE_LABELS
from tracker.mail.compose import (
    ComposeError,
    DuplicateEmail,
    check_compose_ticket,
    issue_compose_ticket,
    send_email,
    starting_text,
)
from tracker.mail.drafts import (
    OUTBOX_TABS,
    OutboxActionError,
    discard_draft,
    inbox_ids,
    outbox_view,
    release_draft,
    release_drafts,
    retry_failed,
    update_draft,
    when_of,
)
from tracker.mail.fillins import LEGACY_FILL_INS, unfilled_parts
from tracker.mail.outbox import reply_to_address, sender_text
from tracker.models import Application, OutboxEmail
from tracker.review import bp
from tracker.review.candidate_risk import contact_notice
from tracker.review.email_forms import ComposeForm, DraftForm
from tracker.ui_languages import LANGUAGE_NAMES
from tracker.web.access import staff
from tracker.web.forms_common import error_summary


def _tab_labels() -> dict[EmailStatus, str]:
    return {
        EmailStatus.DRAFT: _("Drafts"),
        EmailStatus.QUEUED: _("Queued"),
        EmailStatus.SENDING: _("Sending"),
        EmailStatus.SENT: _("Sent"),
        EmailStatus.FAILED: _("Failed"),
        EmailStatus.BOUNCED: _("Bounced"),
    }


def _from_args() -> dict[str, str]:
    """Return the inbox filter the editor came from (``?from=``), to keep it in links."""
    value = request.values.get("from")
    return {"from": value} if value else {}


def _back_to_candidate(application: Application):
    return redirect(url_for("review.candidate", application_id=application.id, **_from_args()))


# --- one candidate ---------------------------------------------------------------------


@bp.route("/applications/<int:application_id>/email", methods=["GET", "POST"])
@staff
def compose_email(application_id: int):
    """Write to one candidate: template → text in their language → preview → send."""
    application = db.get_or_404(Application, application_id)
    if request.method == "GET":
        return _start_compose(application, request.args.get("template"))
    return compose_post(
        lambda form, **options: _render_compose(application, form, **options),
        lambda form, token: _send_composed(application, form, token),
        sent=_(
            "Email to %(name)s queued. It will be sent in a moment.", name=application.full_name
        ),
        back=_back_to_candidate(application),
    )


def compose_post(render, send, *, sent: str, back):
    """Answer a posted compose form: shown again when invalid or expired, previewed for
    "Preview", else sent with ``send(form, token)`` (the ticket's one-time token), flashed
    *sent* and answered with *back*; a form sent twice is said to be queued already.

    *render* is ``render(form, *, preview=False, problem=None, status_code=200)``.
    """
    form = ComposeForm()
    if not form.validate():
        return render(form, status_code=400)
    try:
        token = check_compose_ticket(form.ticket.data)
    except ComposeError as error:
        form.ticket.data = issue_compose_ticket()
        return render(form, problem=str(error), status_code=400)
    if request.form.get("action") != "send":
        return render(form, preview=True)
    try:
        send(form, token)
    except DuplicateEmail:
        flash(_("This email was queued already; it was not queued again."), "info")
        return back
    except ComposeError as error:
        return render(form, problem=str(error), status_code=400)
    flash(sent, "success")
    return back


def _start_compose(application: Application, key: str | None):
    """Show the compose form filled with template *key* in the candidate's language."""
    key, rendered = starting_text(application, key, by=current_user._get_current_object())
    return compose_start(
        lambda form, **options: _render_compose(application, form, **options), key, rendered
    )


def compose_start(render, key: str, rendered):
    """Show a new compose form holding template *key* as *rendered* for the recipient;
    None says the template cannot be used."""
    form = ComposeForm.started(key, rendered, ticket=issue_compose_ticket())
    if rendered is None:
        problem = _("This template cannot be used; please ask an admin to correct it.")
        return render(form, problem=problem)
    return render(form)


def compose_page(template: str, form: ComposeForm, *, preview, problem, status_code, **values):
    """Render a compose page (*template*) with what every one shows beside *values*."""
    return (
        render_template(
            template,
            form=form,
            preview=preview,
            problem=problem,
            errors=error_summary(form),
            unfilled=unfilled_parts(form.subject.data, form.body_text.data),
            language_labels=LANGUAGE_NAMES,
            legacy_fill_ins=LEGACY_FILL_INS,
            sender=sender_text(),
            reply_to=reply_to_address(),
            **values,
        ),
        status_code,
    )


def _send_composed(application: Application, form: ComposeForm, token: str) -> None:
    """Queue the email the editor wrote to the candidate."""
    send_email(
        application,
        subject=form.subject.data,
        body_text=form.body_text.data,
        by=current_user._get_current_object(),
        token=token,
        template_key=form.template_key(),
        language=form.language_code(),
    )


def _render_compose(
    application: Application,
    form: ComposeForm,
    *,
    preview: bool = False,
    problem: str | None = None,
    status_code: int = 200,
):
    return compose_page(
        "review/compose.html",
        form,
        preview=preview,
        problem=problem,
        status_code=status_code,
        application=application,
        templates=[(key.value, TEMPLATE_LABELS[key]) for key in CANDIDATE_TEMPLATE_KEYS],
        from_args=_from_args(),
        contact_notice=contact_notice(application),
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
    """Show the emails by state: drafts, queued, sending, sent, failed, bounced."""
    args = _outbox_args(request.args)
    view = outbox_view(
        args.get("tab") or EmailStatus.DRAFT.value,
        before=_number(request.args.get("before")),
        application_id=_number(args.get("application")),
        within=_within(args),
        viewer=current_user._get_current_object(),
    )
    return render_template(
        "review/outbox.html",
        tab=view.tab,
        tabs=OUTBOX_TABS,
        tab_labels=_tab_labels(),
        counts=view.counts,
        page=view.page,
        args=args,
        candidate=view.candidate,
        filtered=view.filtered,
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
        return _render_draft(email, DraftForm(formdata=None, obj=email))
    form = DraftForm()
    if not form.validate():
        return _render_draft(email, form, status_code=400)
    try:
        user = current_user._get_current_object()
        update_draft(email_id, subject=form.subject.data, body_text=form.body_text.data, by=user)
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
            errors=error_summary(form),
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
