"""The inbox: every application in one dense, filterable table, and bulk actions on it."""

from __future__ import annotations

from datetime import datetime

from flask import flash, redirect, render_template, request, url_for
from flask_babel import format_date, format_decimal, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from tracker.applications.pipeline import TransitionError, bulk_set_status
from tracker.applications.teamwork import CandidateError, bulk_add_tag, bulk_assign
from tracker.enums import DocumentKind, RubricCriterion, Status
from tracker.extensions import db
from tracker.inbox.query import (
    WITH_TAGS,
    InboxFilter,
    assignable_users,
    inbox_options,
    inbox_page,
    iter_filtered,
    selected_applications,
    status_counts,
    status_label,
)
from tracker.models import User
from tracker.review import bp
from tracker.review.forms import BulkForm
from tracker.web.access import staff

DOCUMENT_LABELS = {
    DocumentKind.CV: _l("CV"),
    DocumentKind.COVER_LETTER: _l("Letter"),
    DocumentKind.WRITING_SAMPLE: _l("Sample"),
}
CRITERION_LABELS = {
    RubricCriterion.REGIONAL_EXPERTISE: _l("Regional expertise"),
    RubricCriterion.GERMAN_WRITING: _l("German writing"),
    RubricCriterion.SOURCING: _l("Sourcing"),
    RubricCriterion.STORY_IDEAS: _l("Story ideas"),
    RubricCriterion.RELIABILITY: _l("Reliability"),
}

# "3 Nov 2026" in the page language (German puts a dot after the day).
_DATE_PATTERNS = {"de": "d. MMM y"}


def received_date(value: datetime) -> str:
    """Format the day an application arrived, e.g. "3 Nov 2026"."""
    return format_date(value, _DATE_PATTERNS.get(str(get_locale()), "d MMM y"))


def rating_mean(value: float) -> str:
    """Format a mean score with one decimal in the page language, e.g. "3.5"."""
    return format_decimal(value, "0.0")


@bp.get("/")
@staff
def inbox():
    """Show one page of the applications the query string's filter matches."""
    user = current_user._get_current_object()
    language = str(get_locale())
    page = inbox_page(InboxFilter.from_args(request.args), user=user, language=language)
    options = inbox_options(page.filter, language=language)
    form = BulkForm(assignees=options.assignable_users)
    form.filter.data = page.filter.query_string()
    from_filter = page.filter.query_string(include_page=False)
    return render_template(
        "review/inbox.html",
        page=page,
        inbox_filter=page.filter,
        counts=status_counts(page.filter, user=user),
        options=options,
        form=form,
        # Lets the candidate page walk the same filter (j/k, "Save & next").
        candidate_args={"from": from_filter} if from_filter else {},
        statuses=list(Status),
        status_label=status_label,
        document_labels=DOCUMENT_LABELS,
        criterion_labels=CRITERION_LABELS,
        received_date=received_date,
        rating_mean=rating_mean,
    )


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
        for messages in form.errors.values():
            for message in messages:
                flash(message, "error")
        return back
    if form.scope.data == "selected" and not form.ids.data:
        flash(
            _(
                "Nothing was selected. Tick the rows to change, or choose every "
                "application matching the filter."
            ),
            "error",
        )
        return back
    options = WITH_TAGS if form.action.data == "tag" else ()
    if form.scope.data == "filter":
        targets = iter_filtered(inbox_filter, user=user, options=options)
    else:
        targets = selected_applications(form.ids.data, options=options)
    try:
        message = _ACTIONS[form.action.data](form, targets, user)
    except (TransitionError, CandidateError) as error:
        db.session.rollback()
        flash(_("Nothing was changed: %(problem)s", problem=str(error)), "error")
    else:
        flash(message, "success")
    return back


def _nothing_matched(form: BulkForm) -> str:
    if form.scope.data == "filter":
        return _("No application matches the filter; nothing was changed.")
    return _("The selected applications no longer exist; nothing was changed.")


def _change_status(form: BulkForm, targets, user: User) -> str:
    status = Status(form.status.data)
    reason = form.reason.data if status is Status.REJECTED else None
    result = bulk_set_status(targets, status, by=user, reason=reason)
    if not result.changed and not result.skipped:
        return _nothing_matched(form)
    if result.skipped:
        return _(
            "Status “%(status)s”: %(changed)d changed, %(skipped)d skipped because the "
            "pipeline does not allow it.",
            status=status_label(status),
            changed=len(result.changed),
            skipped=len(result.skipped),
        )
    return _(
        "Status “%(status)s”: %(changed)d changed.",
        status=status_label(status),
        changed=len(result.changed),
    )


def _assign(form: BulkForm, targets, user: User) -> str:
    if form.assignee.data == "me":
        assignee = user
    elif form.assignee.data == "nobody":
        assignee = None
    else:
        assignee = db.get_or_404(User, int(form.assignee.data))
    result = bulk_assign(targets, assignee, by=user)
    if not result.changed:
        return _nothing_matched(form)
    if assignee is None:
        return _("Assignment removed: %(changed)d changed.", changed=len(result.changed))
    return _(
        "Assigned to %(name)s: %(changed)d changed.",
        name=assignee.name,
        changed=len(result.changed),
    )


def _add_tag(form: BulkForm, targets, user: User) -> str:
    result = bulk_add_tag(targets, form.tag.data, by=user)
    if not result.changed and not result.skipped:
        return _nothing_matched(form)
    tag = " ".join(form.tag.data.split())
    if result.skipped:
        return _(
            "Tag “%(tag)s”: added to %(changed)d, %(skipped)d had it already.",
            tag=tag,
            changed=len(result.changed),
            skipped=len(result.skipped),
        )
    return _("Tag “%(tag)s”: added to %(changed)d.", tag=tag, changed=len(result.changed))


_ACTIONS = {"status": _change_status, "assign": _assign, "tag": _add_tag}
