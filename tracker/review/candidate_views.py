"""The candidate page and its actions, document downloads, and the audit log pages.

Every action is a POST with a CSRF token that ends in a redirect back to the candidate
(Post/Redirect/Get). When an action cannot be done – invalid input, a colleague changed
the candidate meanwhile, a transition the pipeline forbids – the page is shown again with
the editor's input kept and a message saying what happened and what to do.

The inbox filter the editor came from travels in the query string, so ``j``/``k``,
"Save & next" and every redirect stay within that list.
"""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from tracker.accounts.users import all_staff, assignable_users
from tracker.admin.audit_page import audit_context
from tracker.applications.pipeline import (
    StaleApplicationError,
    TransitionError,
    set_status,
    transition_refusal,
)
from tracker.applications.ratings import RatingError, add_rating, is_recused, recuse
from tracker.applications.teamwork import (
    CandidateError,
    add_comment,
    add_tag,
    assign,
    remove_tag,
)
from tracker.audit import audit_kind, audit_page
from tracker.documents.serve import send_document, send_page_image
from tracker.enums import Status
from tracker.extensions import db
from tracker.inbox.filter import InboxFilter
from tracker.inbox.query import neighbours
from tracker.labels import status_label
from tracker.models import Application, Document, ReplyAttachment
from tracker.review import bp
from tracker.review.candidate_forms import (
    AddTagForm,
    AssignForm,
    CommentForm,
    RatingForm,
    RecuseForm,
    RemoveTagForm,
    StatusForm,
)
from tracker.review.candidate_page import (
    CANDIDATE,
    candidate_page,
    inbox_args,
    template_helpers,
)
from tracker.review.candidate_risk import risk_panels
from tracker.translation.previews import translation_panel
from tracker.web.access import admin, loads_candidate, reviewer, staff

AUDIT_ACTION_MAX_LENGTH = 60

# -- navigation within the inbox filter ------------------------------------------------------


def _inbox_filter() -> InboxFilter:
    """Return the inbox filter the editor came from (``?from=<the inbox's query string>``)."""
    return InboxFilter.from_query_string(request.args.get("from"))


def _inbox_args() -> dict[str, str]:
    """Return the query arguments that keep the editor within their inbox filter."""
    return inbox_args(_inbox_filter())


def _neighbours(application: Application) -> tuple[int | None, int | None]:
    return neighbours(_inbox_filter(), application.id, user=current_user)


def _back_to(application: Application, anchor: str | None = None) -> Response:
    return redirect(
        url_for("review.candidate", application_id=application.id, _anchor=anchor, **_inbox_args())
    )


# -- the page ------------------------------------------------------------------------------


@bp.get("/applications/<int:application_id>")
@reviewer
@loads_candidate(CANDIDATE)
def candidate(application_id: int):
    """Show everything about one candidate on one screen."""
    return _render_candidate(db.get_or_404(Application, application_id))


def _render_candidate(
    application: Application,
    *,
    status_code: int = 200,
    problem: str | None = None,
    conflict: StaleApplicationError | None = None,
    **forms,
):
    """Render the candidate page; *forms* replace the blank ones to keep the editor's input."""
    page_viewer = current_user._get_current_object()
    page = candidate_page(
        application,
        viewer=page_viewer,
        inbox_filter=_inbox_filter(),
        problem=problem,
        conflict=conflict,
        posted=forms,
    )
    translation = translation_panel(application, viewer=page_viewer, config=current_app.config)
    return render_template(
        "review/candidate.html",
        page=page,
        translation=translation,
        risk=risk_panels(application, viewer=page_viewer),
        **template_helpers(),
    ), status_code


# -- actions -------------------------------------------------------------------------------


@bp.post("/applications/<int:application_id>/status", endpoint="set_status")
@staff
def set_status_view(application_id: int):
    """Move the candidate to another status, with a note and (when rejecting) a reason."""
    application = db.get_or_404(Application, application_id)
    form = StatusForm()
    if not form.validate():
        return _render_candidate(application, status_code=400, status_form=form)
    new_status = Status(form.new_status.data)
    try:
        set_status(
            application,
            new_status,
            by=current_user,
            note=form.note.data,
            reason=form.rejection_reason(),
            notify=form.notify_template.data or None,
            expected_version=form.expected_version.data,
        )
    except (StaleApplicationError, TransitionError) as error:
        _refresh_version(form, application)
        if isinstance(error, TransitionError):
            form.new_status.errors = [transition_refusal(application.status, new_status)]
        conflict = error if isinstance(error, StaleApplicationError) else None
        return _render_candidate(application, status_code=409, conflict=conflict, status_form=form)
    flash(gettext("Status changed to “%(status)s”.", status=status_label(new_status)), "success")
    if form.notify_template.data:
        flash(gettext("The email waits as a draft in the outbox until someone releases it."))
    return _back_to(application)


@bp.post("/applications/<int:application_id>/assignee", endpoint="assign")
@staff
def assign_view(application_id: int):
    """Make an editor (or nobody) responsible for the candidate."""
    application = db.get_or_404(Application, application_id)
    form = AssignForm()
    users = assignable_users()
    form.offer(users)
    if not form.validate():
        return _render_candidate(application, status_code=400, assign_form=form)
    assignee = form.chosen(users)
    try:
        assign(application, assignee, by=current_user, expected_version=form.expected_version.data)
    except StaleApplicationError as error:
        _refresh_version(form, application)
        return _render_candidate(application, status_code=409, conflict=error, assign_form=form)
    except CandidateError:
        form.assignee.errors = [gettext("This account is inactive; please choose another.")]
        return _render_candidate(application, status_code=400, assign_form=form)
    if assignee is None:
        flash(gettext("Nobody is assigned now."), "success")
    else:
        flash(gettext("Assigned to %(name)s.", name=assignee.name), "success")
    return _back_to(application)


def _refresh_version(form, application: Application) -> None:
    """Show the current version in the form, so that sending it again is a decision."""
    form.expected_version.raw_data = None
    form.expected_version.data = application.version_id


@bp.post("/applications/<int:application_id>/rating")
@reviewer
def rate(application_id: int):
    """Record the editor's rating; "Save & next" then opens the next candidate."""
    application = db.get_or_404(Application, application_id)
    form = RatingForm()
    if not form.validate():
        return _render_candidate(application, status_code=400, rating_form=form)
    # Looked up before saving: a filter such as "not rated by me" drops this candidate.
    _, next_id = _neighbours(application)
    try:
        add_rating(application, by=current_user, **form.rating())
    except RatingError:
        return _rating_refused(application, form)
    flash(gettext("Your rating is saved."), "success")
    if form.action.data == "save_next":
        if next_id is not None:
            return redirect(url_for("review.candidate", application_id=next_id, **_inbox_args()))
        flash(gettext("That was the last candidate in this list."), "info")
    return _back_to(application, "rubric")


def _rating_refused(application: Application, form: RatingForm):
    """Show the page again, saying why the rating was not saved."""
    if is_recused(application, current_user):
        problem = gettext(
            "You declared a conflict of interest for this candidate, so you cannot "
            "rate them. Your rating was not saved."
        )
        return _render_candidate(application, status_code=403, problem=problem)
    problem = gettext("Please give every criterion a score from 1 to 5, or “Can't judge yet”.")
    return _render_candidate(application, status_code=400, problem=problem, rating_form=form)


@bp.post("/applications/<int:application_id>/recusal", endpoint="recuse")
@staff
def recuse_view(application_id: int):
    """Declare a conflict of interest: the editor's rating is withdrawn and none is taken."""
    application = db.get_or_404(Application, application_id)
    form = RecuseForm()
    if not form.validate():
        return _render_candidate(application, status_code=400, recuse_form=form)
    recuse(application, by=current_user, reason=form.reason.data or None)
    flash(
        gettext("You declared a conflict of interest; you will not rate this candidate."),
        "success",
    )
    return _back_to(application, "rubric")


@bp.post("/applications/<int:application_id>/comments")
@reviewer
def comment(application_id: int):
    """Add a comment for the team."""
    application = db.get_or_404(Application, application_id)
    form = CommentForm()
    if not form.validate():
        return _render_candidate(application, status_code=400, comment_form=form)
    try:
        add_comment(
            application, form.body.data, by=current_user, shared=form.shared_with_guests.data
        )
    except CandidateError:
        form.body.errors = [gettext("This comment cannot be saved; please shorten it.")]
        return _render_candidate(application, status_code=400, comment_form=form)
    flash(gettext("Your comment is saved."), "success")
    return _back_to(application, "comments")


@bp.post("/applications/<int:application_id>/tags", endpoint="add_tag")
@staff
def add_tag_view(application_id: int):
    """Add one tag; the candidate's other tags, a colleague's too, stay."""
    application = db.get_or_404(Application, application_id)
    form = AddTagForm()
    if not form.validate():
        return _render_candidate(application, status_code=400, add_tag_form=form)
    try:
        added = add_tag(application, form.name.data, by=current_user)
    except CandidateError:
        form.name.errors = [gettext("A tag may have up to 60 characters.")]
        return _render_candidate(application, status_code=400, add_tag_form=form)
    if added:
        flash(gettext("Tag “%(tag)s” added.", tag=form.name.data), "success")
    else:
        flash(gettext("The candidate already has the tag “%(tag)s”.", tag=form.name.data), "info")
    return _back_to(application, "candidate-tags")


@bp.post("/applications/<int:application_id>/tags/remove", endpoint="remove_tag")
@staff
def remove_tag_view(application_id: int):
    """Remove one tag; one a colleague removed already is a notice, not an error."""
    application = db.get_or_404(Application, application_id)
    form = RemoveTagForm()
    if not form.validate():
        problem = gettext("This tag could not be removed; please try again.")
        return _render_candidate(application, status_code=400, problem=problem)
    if remove_tag(application, form.name.data, by=current_user):
        flash(gettext("Tag “%(tag)s” removed.", tag=form.name.data), "success")
    else:
        flash(gettext("The tag “%(tag)s” had already been removed.", tag=form.name.data), "info")
    return _back_to(application, "candidate-tags")


# -- documents -----------------------------------------------------------------------------


@bp.get("/documents/<int:document_id>")
@reviewer
def download(document_id: int):
    """Send a document as an attachment that no browser will render or sniff (audited)."""
    document = db.get_or_404(Document, document_id)
    return send_document(document, by=current_user)


@bp.get("/replies/attachments/<int:attachment_id>")
@staff
def download_reply_attachment(attachment_id: int):
    """Send a file an applicant attached to a reply, as a document is sent (audited)."""
    attachment = db.get_or_404(ReplyAttachment, attachment_id)
    return send_document(attachment, by=current_user)


@bp.get("/documents/<int:document_id>/pages/<int:number>.png")
@reviewer
def page_image(document_id: int, number: int):
    """Send one page of a PDF document drawn as an image on our server (never the file)."""
    document = db.get_or_404(Document, document_id)
    return send_page_image(document, number)


# -- audit log ----------------------------------------------------------------------------


def _page_number() -> int:
    """Return the page asked for (``?page=``); anything but a number is the first."""
    return request.args.get("page", 1, type=int)


@bp.get("/applications/<int:application_id>/audit")
@admin
def candidate_audit(application_id: int):
    """Show an admin the audit events of one candidate, all or of one kind."""
    application = db.get_or_404(Application, application_id)
    kind = audit_kind(request.args.get("kind"))
    page = audit_page(_page_number(), application_id=application.id, kind=kind)
    return render_template(
        "review/audit.html",
        application=application,
        users=[],
        action="",
        actor_id=None,
        **audit_context(page, kind),
    )


@bp.get("/audit")
@admin
def audit_log():
    """Show an admin the whole audit log, 100 events a page, by kind, action and actor."""
    action = (request.args.get("action") or "").strip()[:AUDIT_ACTION_MAX_LENGTH]
    actor_id = request.args.get("actor", type=int)
    kind = audit_kind(request.args.get("kind"))
    page = audit_page(_page_number(), kind=kind, action=action or None, actor_id=actor_id)
    return render_template(
        "review/audit.html",
        application=None,
        users=all_staff(guests=True),
        action=action,
        actor_id=actor_id,
        **audit_context(page, kind),
    )
