"""Saved views of the inbox: keep the current filter under a name, delete one, choose the
start page. Each ends in a redirect back to an inbox (CSRFProtect checks every POST)."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from tracker.inbox.filter import InboxFilter
from tracker.inbox.saved_views import (
    SavedViewError,
    delete_view,
    save_view,
    set_start_view,
    usable_view,
)
from tracker.models import SavedView
from tracker.review import bp
from tracker.review.forms import SaveViewForm, ViewActionForm
from tracker.web.access import staff
from tracker.web.forms_common import flash_errors


def back_to(query_string: str | None) -> Response:
    """Return a redirect to the inbox of *query_string* (built by url_for: never open)."""
    return redirect(
        url_for("review.inbox", **InboxFilter.from_query_string(query_string).to_args())
    )


def usable_view_or_404(view_id: int) -> SavedView:
    """Return the view *view_id* if the user may use it; 404 if it is gone or private to
    someone else (which it is not said)."""
    view = usable_view(view_id, by=current_user)
    if view is None:
        abort(404)
    return view


@bp.post("/views")
@staff
def save_inbox_view():
    """Keep the inbox's current filter under a name, then show it."""
    form = SaveViewForm()
    if not form.validate():
        flash_errors(form)
        return back_to(form.filter.data)
    f = InboxFilter.from_query_string(form.filter.data)
    try:
        view = save_view(form.name.data, f, shared=form.shared.data, by=current_user)
    except SavedViewError as error:
        flash(str(error), "error")
        return back_to(form.filter.data)
    flash(_("The view “%(name)s” is saved.", name=view.name), "success")
    return back_to(view.query)


@bp.post("/views/<int:view_id>/delete")
@staff
def delete_inbox_view(view_id: int):
    """Delete one of the user's saved views (an admin: anyone's shared one)."""
    view = usable_view_or_404(view_id)
    try:
        delete_view(view, by=current_user)
    except SavedViewError as error:
        flash(str(error), "error")
    else:
        flash(_("The view “%(name)s” is deleted.", name=view.name), "success")
    return back_to(ViewActionForm().filter.data)


@bp.post("/views/<int:view_id>/start")
@staff
def choose_start_view(view_id: int):
    """Make a saved view the page the user lands on after signing in."""
    view = usable_view_or_404(view_id)
    set_start_view(view, by=current_user)
    flash(_("“%(name)s” is now your start page.", name=view.name), "success")
    return back_to(ViewActionForm().filter.data)


@bp.post("/views/start/clear")
@staff
def clear_start_view():
    """Make the whole inbox the user's start page again."""
    set_start_view(None, by=current_user)
    flash(_("The whole inbox is your start page again."), "success")
    return back_to(ViewActionForm().filter.data)
