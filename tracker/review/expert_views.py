"""The expert pool: the directory, inviting the filtered experts to a call, one expert's
page with its edit form, and an admin's erasure of an expert."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from tracker.experts.directory import directory_page
from tracker.experts.editing import ExpertEditError, StaleExpertError, update_expert
from tracker.experts.erasure import erase_expert
from tracker.experts.filter import ExpertFilter
from tracker.experts.invitations import InvitationError, invite_experts, plan_invitations
from tracker.extensions import db
from tracker.labels import ASSIGNMENT_STATE_LABELS, LEVEL_LABELS, resolved
from tracker.models import Call, Expert
from tracker.money import format_amount
from tracker.review import bp
from tracker.review.expert_forms import EraseExpertForm, ExpertForm, InviteForm
from tracker.review.expert_page import (
    PoolLabels,
    availability_text,
    expert_details,
    rate_text,
)
from tracker.web.access import admin, staff
from tracker.web.forms_common import error_summary, flash_errors

# The query argument naming the call to invite to ("call" filters by the call applied to).
INVITE_TO = "invite_to"
STALE_MESSAGE = _l(
    "Someone else saved this expert meanwhile; nothing was changed. Please check the "
    "expert's data and make your change again."
)


def _labels() -> PoolLabels:
    return PoolLabels.load(str(get_locale() or "de"))


def _page_helpers() -> dict:
    return {
        "availability_text": availability_text,
        "rate_text": rate_text,
        "amount": format_amount,
        "state_labels": resolved(ASSIGNMENT_STATE_LABELS),
        "level_choices": [(level.value, label) for level, label in LEVEL_LABELS.items()],
    }


@bp.get("/experts")
@staff
def experts():
    """List the experts of the pool the URL's filter matches, a page at a time."""
    f = ExpertFilter.from_args(request.args)
    return render_template(
        "review/experts.html",
        page=directory_page(f, viewer=current_user._get_current_object()),
        expert_filter=f,
        labels=_labels(),
        invite_to=INVITE_TO,
        **_page_helpers(),
    )


@bp.get("/experts/invite")
@staff
def invite_preview():
    """Show who an invitation to the chosen call would reach, before anything is sent."""
    f = ExpertFilter.from_args(request.args)
    call = db.session.get(Call, request.args.get(INVITE_TO, 0, type=int))
    try:
        plan = plan_invitations(f, call, by=current_user._get_current_object())
    except InvitationError as error:
        flash(str(error), "error")
        return redirect(url_for("review.experts", **f.to_args()))
    form = InviteForm(call=call.id)
    return render_template(
        "review/expert_invite.html", plan=plan, expert_filter=f, form=form, labels=_labels()
    )


@bp.post("/experts/invite")
@staff
def invite():
    """Queue the invitations the preview showed, in one transaction."""
    f = ExpertFilter.from_args(request.args)
    form = InviteForm()
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(url_for("review.experts", **f.to_args()))
    try:
        emails = invite_experts(f, db.session.get(Call, form.call.data), by=current_user)
    except InvitationError as error:
        flash(str(error), "error")
        return redirect(url_for("review.experts", **f.to_args()))
    count = len(emails)
    flash(ngettext("%(num)d invitation queued.", "%(num)d invitations queued.", count), "success")
    return redirect(url_for("review.experts", **f.to_args()))


def _render_expert(expert: Expert, form: ExpertForm, labels: PoolLabels, status: int = 200):
    details = expert_details(expert, labels.language)
    return render_template(
        "review/expert.html",
        expert=expert,
        form=form,
        labels=labels,
        details=details,
        errors=error_summary(form),
        erase_form=EraseExpertForm(formdata=None),
        **_page_helpers(),
    ), status


@bp.get("/experts/<int:expert_id>")
@staff
def expert(expert_id: int):
    """Show everything about one expert, with the form to edit them."""
    expert = db.get_or_404(Expert, expert_id)
    labels = _labels()
    form = ExpertForm(formdata=None).offer(labels.options.regions, labels.options.topics)
    return _render_expert(expert, form.fill(expert), labels)


@bp.post("/experts/<int:expert_id>")
@staff
def update_expert_view(expert_id: int):
    """Save the expert page's form; a stale or invalid edit changes nothing."""
    expert = db.get_or_404(Expert, expert_id)
    labels = _labels()
    form = ExpertForm().offer(labels.options.regions, labels.options.topics)
    if form.validate_on_submit():
        try:
            version = form.expected_version.data
            update_expert(expert, form.changes(), by=current_user, expected_version=version)
        except StaleExpertError:
            flash(str(STALE_MESSAGE), "error")
            return redirect(url_for("review.expert", expert_id=expert_id))
        except ExpertEditError as error:
            form.show_errors(error.errors)
        else:
            flash(_("The expert's data was saved."), "success")
            return redirect(url_for("review.expert", expert_id=expert_id))
    return _render_expert(expert, form, labels, status=400)


@bp.post("/experts/<int:expert_id>/erase")
@admin
def erase_expert_view(expert_id: int):
    """Erase an expert of the pool once the admin confirmed it on the expert page."""
    expert = db.get_or_404(Expert, expert_id)
    form = EraseExpertForm()
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(url_for("review.expert", expert_id=expert_id))
    erase_expert(expert, by=current_user)
    flash(_("The expert was erased; paid assignments remain as payment records."), "success")
    return redirect(url_for("review.experts"))
