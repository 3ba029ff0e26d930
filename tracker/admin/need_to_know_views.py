"""Naming the editors who may see a call's applicants at risk (the admin's call page).

The candidate page names editors for one candidate (tracker.review.risk_views)
through :func:`change_need_to_know` too. Every change is a POST with a CSRF token that
ends in a redirect back to the list, with a message saying what happened.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tracker.admin import bp
from tracker.admin.need_to_know_forms import EditorChoiceForm
from tracker.applications.risk import NeedToKnowError, name_for_call, unname_for_call
from tracker.extensions import db
from tracker.models import Call, User
from tracker.web.access import admin


def change_need_to_know(change: Callable[[User], bool], *, done: str, unchanged: str, back):
    """Apply ``change(user)`` for the posted editor; flash *done* or *unchanged* (both may
    name them as ``%(name)s``), or the reason it was refused; answer with *back*."""
    form = EditorChoiceForm()
    user = db.session.get(User, form.user_id.data) if form.validate() else None
    if user is None:
        flash(_("Please choose an editor from the list."), "error")
        return back
    try:
        changed = change(user)
    except NeedToKnowError as error:
        flash(str(error.message), "error")
        return back
    flash((done if changed else unchanged) % {"name": user.name}, "success" if changed else "info")
    return back


def _back_to_call(call_id: int):
    return redirect(url_for("admin.edit_call", call_id=call_id, _anchor="need-to-know"))


@bp.post("/calls/<int:call_id>/need-to-know")
@admin
def name_for_call_view(call_id: int):
    """Let an editor see this call's applicants at risk."""
    call = db.get_or_404(Call, call_id)
    return change_need_to_know(
        lambda user: name_for_call(call, user, by=current_user),
        done=_("%(name)s may now see the applicants at risk of this call."),
        unchanged=_("%(name)s was on the list already."),
        back=_back_to_call(call_id),
    )


@bp.post("/calls/<int:call_id>/need-to-know/remove")
@admin
def unname_for_call_view(call_id: int):
    """Take an editor off the list of those who see this call's applicants at risk."""
    call = db.get_or_404(Call, call_id)
    return change_need_to_know(
        lambda user: unname_for_call(call, user, by=current_user),
        done=_("%(name)s no longer sees the applicants at risk of this call."),
        unchanged=_("%(name)s was not on the list."),
        back=_back_to_call(call_id),
    )
