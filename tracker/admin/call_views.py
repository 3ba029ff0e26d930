"""Administering calls: list, create, edit, preview, open, close and reopen."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import FieldList

from tracker import calls as domain
from tracker.admin import bp
from tracker.admin.call_forms import CallForm, ReopenForm
from tracker.admin.call_page import call_rows
from tracker.applications.risk import nameable_editors, named_for_call
from tracker.apply.forms import build_application_form
from tracker.calls import CallError, list_calls
from tracker.extensions import db
from tracker.models import Call, utcnow
from tracker.ui_languages import localized
from tracker.web.access import admin
from tracker.web.forms_common import error_summary


def _language() -> str:
    return str(get_locale())


@bp.get("/calls")
@admin
def calls():
    """List every call with its state, dates, applications and the next action."""
    rows = call_rows(language=_language(), now=utcnow())
    return render_template("admin/calls.html", rows=rows, reopen_form=ReopenForm())


def _render_form(form: CallForm, call: Call | None, **context):
    form.label_rows()
    errors = error_summary(form)
    if call is not None:
        # The editors who may see the call's applicants at risk, and those who could.
        context["named"] = named_for_call(call)
        context["nameable"] = nameable_editors(besides=[row.user for row in context["named"]])
    page = render_template("admin/call_form.html", form=form, call=call, errors=errors, **context)
    return page, 400 if errors else 200


def _attach(form: CallForm, error: CallError) -> None:
    field = form[error.field if error.field in form else "slug"]
    if isinstance(field, FieldList):
        field = field[0].key  # the rows' messages are shown by their fields
    field.errors = [*field.errors, str(error.message)]


def _source_call() -> Call | None:
    """Return the call a new call starts from: ``?from=<id>``, else the default call."""
    source_id = request.args.get("from", type=int)
    return db.get_or_404(Call, source_id) if source_id else domain.default_call()


def _render_new(form: CallForm, source: Call | None):
    language = _language()
    sources = [(call.id, localized(call.title, language), call.slug) for call in list_calls()]
    return _render_form(form, None, source=source, sources=sources)


@bp.route("/calls/new", methods=["GET", "POST"])
@admin
def new_call():
    """Create a call from a copy of another (the default call unless ``?from=`` names one).

    The call starts closed, so that it can be previewed before it opens.
    """
    form = CallForm()
    source = _source_call()
    if not form.is_submitted():
        form.fill_from(domain.starting_point(source))
    if not form.is_submitted() or form.rearrange(request.form):
        return _render_new(form, source)
    if not form.validate():
        return _render_new(form, source)
    try:
        call = domain.create_call(form.to_data(), by=current_user)
    except CallError as error:
        _attach(form, error)
        return _render_new(form, source)
    flash(_("The call is saved. Preview it, then open it when it is ready."), "success")
    return redirect(url_for("admin.calls", _anchor=f"call-{call.id}"))


@bp.route("/calls/<int:call_id>/edit", methods=["GET", "POST"])
@admin
def edit_call(call_id: int):
    """Change a call's texts, address, regions, topics, targets, dates or privacy notice."""
    call = db.get_or_404(Call, call_id)
    form = CallForm()
    form.used_regions, form.used_topics = domain.used_option_keys(call)
    if not form.is_submitted():
        form.fill_from(call)
        return _render_form(form, call)
    if form.rearrange(request.form) or not form.validate():
        return _render_form(form, call)
    try:
        changed = domain.update_call(call, form.to_data(), by=current_user)
    except CallError as error:
        _attach(form, error)
        return _render_form(form, call)
    if changed:
        flash(_("Your changes to the call are saved."), "success")
    else:
        flash(_("Nothing was changed."), "info")
    return redirect(url_for("admin.calls", _anchor=f"call-{call.id}"))


@bp.get("/calls/<int:call_id>/preview")
@admin
def preview_call(call_id: int):
    """Show the call page as an applicant sees it, with a form that sends nothing."""
    call = db.get_or_404(Call, call_id)
    language = _language()
    form = build_application_form(call, language, meta={"csrf": False})
    return render_template(
        "admin/call_preview.html",
        call=call,
        form=form,
        title=localized(call.title, language),
        description=localized(call.description, language),
        accepts=call.accepts_applications(),
    )


def _state_change(call_id: int, change, done: str):
    # CSRFProtect has checked the token before this view runs.
    call = db.get_or_404(Call, call_id)
    try:
        change(call)
    except CallError as error:
        flash(str(error.message), "error")
    else:
        flash(done, "success")
    return redirect(url_for("admin.calls", _anchor=f"call-{call_id}"))


@bp.post("/calls/<int:call_id>/open")
@admin
def open_call(call_id: int):
    """Open a call to applications."""
    return _state_change(
        call_id,
        lambda call: domain.open_call(call, by=current_user),
        _("The call is open."),
    )


@bp.post("/calls/<int:call_id>/close")
@admin
def close_call(call_id: int):
    """Close a call at once; applicants who are filling in the form are told on sending."""
    return _state_change(
        call_id,
        lambda call: domain.close_call(call, by=current_user),
        _("The call is closed. Its page now tells applicants so."),
    )


@bp.post("/calls/<int:call_id>/reopen")
@admin
def reopen_call(call_id: int):
    """Open a closed call again, with a new deadline or none."""
    form = ReopenForm()
    call = db.get_or_404(Call, call_id)
    if not form.validate_on_submit():
        message = (
            _("This page had expired. Please try again.")
            if form.csrf_token.errors
            else _("Please give the new deadline as a date and time, or leave it empty.")
        )
        flash(message, "error")
        return redirect(url_for("admin.calls", _anchor=f"call-{call_id}"))
    try:
        domain.reopen_call(call, by=current_user, closes_at=form.closes_at.data)
    except CallError as error:
        flash(str(error.message), "error")
    else:
        flash(_("The call is open again."), "success")
    return redirect(url_for("admin.calls", _anchor=f"call-{call_id}"))
