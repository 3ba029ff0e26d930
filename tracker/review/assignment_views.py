"""The assignment pages: a new assignment, its details and edit form, its next steps, and
the brief email. Every change is a POST with CSRF that ends in a redirect; a refused one
shows the page again with the editor's input and the reason."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tracker.accounts.users import assignable_users
from tracker.assignments.brief import BRIEF, recipient_of, send_brief, starting_brief
from tracker.assignments.records import (
    AssignmentError,
    StaleAssignmentError,
    create_assignment,
    update_assignment,
)
from tracker.assignments.states import advance_assignment
from tracker.extensions import db
from tracker.labels import ASSIGNMENT_STATE_LABELS
from tracker.models import Application, Assignment, Expert
from tracker.review import bp
from tracker.review.assignment_forms import AdvanceForm, AssignmentForm
from tracker.review.assignment_page import assignment_page, new_form, place_error
from tracker.review.email_forms import ComposeForm
from tracker.review.email_views import compose_page, compose_post, compose_start
from tracker.web.access import staff
from tracker.web.forms_common import error_summary


def _owner() -> tuple[Application | None, Expert | None]:
    """Return the candidate (``?application=``) or expert (``?expert=``) the new
    assignment is for; 404 if the one named does not exist."""
    application_id = request.args.get("application", type=int)
    expert_id = request.args.get("expert", type=int)
    if application_id is not None:
        return db.get_or_404(Application, application_id), None
    if expert_id is None:
        abort(404)  # not a number
    return None, db.get_or_404(Expert, expert_id)


def _to_assignment(assignment: Assignment):
    return redirect(url_for("review.assignment", assignment_id=assignment.id))


@bp.route("/assignments/new", methods=["GET", "POST"])
@staff
def new_assignment():
    """Give a candidate on trial (or an expert) an assignment."""
    if not {"application", "expert"} & set(request.args):
        # Nobody named: the candidates on trial are where an assignment starts.
        return redirect(url_for("review.inbox", status="trial"))
    application, expert = _owner()
    user = current_user._get_current_object()
    if request.method == "GET":
        return _render_new(application, expert, new_form(application, expert, by=user))
    form = AssignmentForm()
    users = assignable_users()
    form.offer(users)
    if not form.validate():
        return _render_new(application, expert, form, status_code=400)
    try:
        assignment = create_assignment(
            application=application, expert=expert, **form.values(users), by=user
        )
    except AssignmentError as error:
        problem = place_error(form, error)
        return _render_new(application, expert, form, problem=problem, status_code=400)
    flash(_("Assignment %(reference)s created.", reference=assignment.reference), "success")
    return _to_assignment(assignment)


def _render_new(application, expert, form, *, problem=None, status_code=200):
    return (
        render_template(
            "review/assignment_new.html",
            application=application,
            expert=expert,
            form=form,
            problem=problem,
            errors=error_summary(form),
        ),
        status_code,
    )


def _assignment_or_404(assignment_id: int) -> Assignment:
    """Return the assignment, unless only an erased author's payment record is left: that
    is the accounting desk's, in the assignments export, and nothing to edit or send."""
    assignment = db.get_or_404(Assignment, assignment_id)
    if assignment.is_payment_record:
        abort(404)
    return assignment


@bp.get("/assignments/<int:assignment_id>")
@staff
def assignment(assignment_id: int):
    """Show an assignment: details, edit form, next steps, brief, history."""
    return _render_assignment(_assignment_or_404(assignment_id))


def _render_assignment(assignment: Assignment, *, status_code: int = 200, **options):
    page = assignment_page(assignment, **options)
    return (
        render_template(
            "review/assignment.html",
            page=page,
            errors=error_summary(page.form),
            state_labels=ASSIGNMENT_STATE_LABELS,
        ),
        status_code,
    )


def _refused(assignment: Assignment, error: Exception, **posted):
    """Show the page again with the *posted* form kept: a colleague's change meanwhile
    (409, with the current version in the form) or input the domain refused (400)."""
    (form,) = posted.values()
    if isinstance(error, StaleAssignmentError):
        form.expected_version.data = assignment.version_id
        return _render_assignment(assignment, status_code=409, conflict=error, **posted)
    problem = place_error(form, error)
    return _render_assignment(assignment, status_code=400, problem=problem, **posted)


@bp.post("/assignments/<int:assignment_id>/edit")
@staff
def edit_assignment(assignment_id: int):
    """Save the edit form of an assignment."""
    assignment = _assignment_or_404(assignment_id)
    form = AssignmentForm()
    users = assignable_users()
    form.offer(users)
    if not form.validate():
        return _render_assignment(assignment, status_code=400, form=form)
    try:
        changed = update_assignment(
            assignment,
            **form.values(users),
            by=current_user._get_current_object(),
            expected_version=form.expected_version.data,
        )
    except (StaleAssignmentError, AssignmentError) as error:
        return _refused(assignment, error, form=form)
    flash(_("The assignment is saved.") if changed else _("Nothing was changed."), "success")
    return _to_assignment(assignment)


@bp.post("/assignments/<int:assignment_id>/state")
@staff
def advance_assignment_view(assignment_id: int):
    """Move an assignment to its next state (publication and payment with their dates)."""
    assignment = _assignment_or_404(assignment_id)
    form = AdvanceForm()
    if not form.validate():
        return _render_assignment(assignment, status_code=400, advance_form=form)
    try:
        advance_assignment(
            assignment,
            form.new_state.data,
            by=current_user._get_current_object(),
            published_url=form.published_url.data,
            published_on=form.published_on.data,
            paid_on=form.paid_on.data,
            expected_version=form.expected_version.data,
        )
    except (StaleAssignmentError, AssignmentError) as error:
        return _refused(assignment, error, advance_form=form)
    flash(_("The assignment is now “%(state)s”.", state=ASSIGNMENT_STATE_LABELS[assignment.state]))
    return _to_assignment(assignment)


@bp.route("/assignments/<int:assignment_id>/brief", methods=["GET", "POST"])
@staff
def assignment_brief(assignment_id: int):
    """Write the brief to the author from the template, preview it, send it."""
    assignment = _assignment_or_404(assignment_id)
    if recipient_of(assignment) is None:
        abort(404)  # the author was erased: there is nobody to write to
    if request.method == "GET":
        return _start_brief(assignment)
    return compose_post(
        lambda form, **options: _render_brief(assignment, form, **options),
        lambda form, token: _send_brief(assignment, form, token),
        sent=_("The brief is queued. It will be sent in a moment."),
        back=_to_assignment(assignment),
    )


def _start_brief(assignment: Assignment):
    rendered = starting_brief(assignment, by=current_user._get_current_object())
    return compose_start(
        lambda form, **options: _render_brief(assignment, form, **options), BRIEF.value, rendered
    )


def _send_brief(assignment: Assignment, form: ComposeForm, token: str) -> None:
    send_brief(
        assignment,
        subject=form.subject.data,
        body_text=form.body_text.data,
        language=form.language_code(),
        by=current_user._get_current_object(),
        token=token,
    )


def _render_brief(assignment, form, *, preview=False, problem=None, status_code=200):
    return compose_page(
        "review/assignment_brief.html",
        form,
        preview=preview,
        problem=problem,
        status_code=status_code,
        assignment=assignment,
        recipient=recipient_of(assignment),
    )
