"""The inbox: every application in one dense, filterable table, and bulk actions on it."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from tracker.accounts.users import assignable_users
from tracker.applications.pipeline import BulkResult, TransitionError
from tracker.applications.teamwork import CandidateError
from tracker.dates import day_formatter
from tracker.enums import Status
from tracker.extensions import db
from tracker.inbox.bulk import BulkAction, run_bulk_action
from tracker.inbox.columns import set_inbox_columns
from tracker.inbox.filter import InboxFilter
from tracker.inbox.saved_views import sidebar_views
from tracker.labels import status_label
from tracker.models import User
from tracker.review import bp
from tracker.review.candidate_page import candidate_links, inbox_args
from tracker.review.forms import BulkForm, ColumnsForm
from tracker.review.inbox_options import InboxOptions, inbox_options
from tracker.review.inbox_page import (
    Directory,
    InboxPage,
    inbox_page,
    single_quoted_match,
)
from tracker.review.inbox_rows import RowContext, draw_rows, row_words
from tracker.web.access import reviewer, staff
from tracker.web.forms_common import flash_errors

# The search box's hidden field: the one candidate that a search by reference, phone
# number or address finds opens at once.
SEARCH_SENT = "jump"


def rating_mean(value: float) -> str:
    """Format a mean score with one decimal in the page language, e.g. "3.5"."""
    return format_decimal(value, "0.0")


def jump_to_single_match(page: InboxPage) -> Response | None:
    """Return a redirect to the one candidate a search by reference, phone number or address
    found, keeping the filter for j/k and "back to inbox" – if the search was sent from the
    search box: the link back (without SEARCH_SENT) shows the list."""
    if request.args.get(SEARCH_SENT) and (found := single_quoted_match(page)):
        return redirect(
            url_for("review.candidate", application_id=found, **inbox_args(page.filter))
        )
    return None


def inbox_helpers(page: InboxPage) -> dict:
    """Draw *page*'s rows, and return what every rendering of the inbox passes to its
    templates besides the page."""
    context = RowContext(
        words=row_words(str(get_locale())),
        # The link keeps the filter, for the candidate page's j/k and "Save & next".
        link=candidate_links(page.filter),
        day=day_formatter(),
        mean=rating_mean,
    )
    team = not current_user.is_guest
    return {
        # The status tabs' and the column headers' words: the rows' own, already escaped.
        "status_label": context.words.statuses.__getitem__,
        "column_labels": context.words.column_labels,
        "table_rows": draw_rows(page.rows, columns=page.columns, team=team, context=context),
        "search_sent": SEARCH_SENT,
        "statuses": list(Status),
    }


@bp.get("/")
@reviewer
def inbox():
    """Show one page of the applications the query string's filter matches."""
    user = current_user._get_current_object()
    language = str(get_locale())
    directory = Directory.load()  # the calls and accounts, for the rows and the filter form
    inbox_filter = InboxFilter.from_args(request.args)
    page = inbox_page(inbox_filter, user=user, language=language, directory=directory)
    if (jump := jump_to_single_match(page)) is not None:
        return jump
    options = inbox_options(page.filter, language=language, directory=directory, user=user)
    return render_template(
        "review/inbox.html",
        page=page,
        inbox_filter=page.filter,
        counts=page.counts,
        options=options,
        # Guest reviewers neither keep nor see the team's views.
        saved_views=[] if user.is_guest else sidebar_views(user, directory.changes),
        **inbox_forms(page.filter, options),
        **inbox_helpers(page),
    )


def inbox_forms(f: InboxFilter, options: InboxOptions) -> dict:
    """Return the inbox's forms (bulk actions, columns), each holding *f*."""
    query_string = f.query_string()
    forms = {
        "form": BulkForm(assignees=options.assignable_users),
        "columns_form": ColumnsForm(formdata=None),
    }
    for form in forms.values():
        form.filter.data = query_string
    return forms


@bp.post("/columns")
@reviewer
def set_columns():
    """Keep the optional inbox columns the user ticked, and return to the same inbox."""
    form = ColumnsForm()
    inbox_filter = InboxFilter.from_query_string(form.filter.data)
    # Built by url_for, so never an open redirect.
    back = redirect(url_for("review.inbox", **inbox_filter.to_args()))
    if not form.validate():
        flash_errors(form)
        return back
    set_inbox_columns(current_user._get_current_object(), form.columns.data)
    flash(_("Your choice of columns is kept for your account."), "success")
    return back


@bp.post("/bulk")
@staff
def bulk():
    """Change status, assignee or tags of the ticked rows or of the whole filter."""
    user = current_user._get_current_object()
    form = BulkForm(assignees=assignable_users())
    inbox_filter = InboxFilter.from_query_string(form.filter.data)
    # Back to the same filter and page; built by url_for, so never an open redirect.
    back = redirect(url_for("review.inbox", **inbox_filter.to_args()))
    if not form.validate():
        flash_errors(form)
        return back
    if form.scope.data == "selected" and not form.ids.data:
        flash(_nothing_selected(), "error")
        return back
    action = _action(form, user)
    ids = None if form.scope.data == "filter" else form.ids.data
    try:
        result = run_bulk_action(action, inbox_filter=inbox_filter, ids=ids, by=user)
    except (TransitionError, CandidateError) as error:
        flash(_("Nothing was changed: %(problem)s", problem=str(error)), "error")
    else:
        flash(_MESSAGES[action.kind](form, action, result), "success")
    return back


def _action(form: BulkForm, user: User) -> BulkAction:
    """Return the action the valid *form* asks for."""
    kind = form.action.data
    if kind == "status":
        status = Status(form.status.data)
        reason = form.reason.data if status is Status.REJECTED else None
        return BulkAction(kind, status=status, reason=reason)
    if kind == "assign":
        if form.assignee.data == "me":
            assignee = user
        elif form.assignee.data == "nobody":
            assignee = None
        else:
            assignee = db.get_or_404(User, int(form.assignee.data))
        return BulkAction(kind, assignee=assignee)
    return BulkAction(kind, tag=form.tag.data)


def _nothing_selected() -> str:
    return _(
        "Nothing was selected. Tick the rows to change, or choose every "
        "application matching the filter."
    )


def _nothing_matched(form: BulkForm) -> str:
    if form.scope.data == "filter":
        return _("No application matches the filter; nothing was changed.")
    return _("The selected applications no longer exist; nothing was changed.")


def _status_message(form: BulkForm, action: BulkAction, result: BulkResult) -> str:
    if not result.changed and not result.skipped:
        return _nothing_matched(form)
    if result.skipped:
        return _(
            "Status “%(status)s”: %(changed)d changed, %(skipped)d skipped because the "
            "pipeline does not allow it.",
            status=status_label(action.status),
            changed=len(result.changed),
            skipped=len(result.skipped),
        )
    return _(
        "Status “%(status)s”: %(changed)d changed.",
        status=status_label(action.status),
        changed=len(result.changed),
    )


def _assign_message(form: BulkForm, action: BulkAction, result: BulkResult) -> str:
    if not result.changed:
        return _nothing_matched(form)
    if action.assignee is None:
        return _("Assignment removed: %(changed)d changed.", changed=len(result.changed))
    return _(
        "Assigned to %(name)s: %(changed)d changed.",
        name=action.assignee.name,
        changed=len(result.changed),
    )


def _tag_message(form: BulkForm, action: BulkAction, result: BulkResult) -> str:
    if not result.changed and not result.skipped:
        return _nothing_matched(form)
    tag = " ".join(action.tag.split())
    if result.skipped:
        return _(
            "Tag “%(tag)s”: added to %(changed)d, %(skipped)d had it already.",
            tag=tag,
            changed=len(result.changed),
            skipped=len(result.skipped),
        )
    return _("Tag “%(tag)s”: added to %(changed)d.", tag=tag, changed=len(result.changed))


_MESSAGES = {"status": _status_message, "assign": _assign_message, "tag": _tag_message}
