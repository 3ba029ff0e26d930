"""Applications through the API: the inbox's list and filters, one application whole, its
documents, and the changes a token may make (status, tags, comments) — each through the
same domain function the staff pages call, acting as the token's admin.

No ``from __future__ import annotations``: spectree reads the views' ``query``/``json``
annotations through the wrapper in tracker.api, whose module cannot resolve their names.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from flask import g, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker.api import api_route, responses
from tracker.api.application_schemas import (
    CONTACT_FIELDS,
    ITEM_FIELDS,
    ApplicantLanguage,
    ApplicationComment,
    ApplicationComments,
    ApplicationDetail,
    ApplicationDocument,
    ApplicationItem,
    ApplicationPage,
    ApplicationQuery,
    ApplicationTags,
    CommentToAdd,
    StatusDecided,
    StatusDecision,
    StatusStep,
    TagToAdd,
    TeamMember,
)
from tracker.api.cursors import encode_cursor
from tracker.applications.pipeline import (
    StaleApplicationError,
    TransitionError,
    allowed_transitions,
    set_status,
)
from tracker.applications.teamwork import CandidateError, add_comment, add_tag, remove_tag
from tracker.applications.timeline import history_rows
from tracker.documents.serve import send_document
from tracker.documents.validate import CONTENT_TYPES
from tracker.enums import ApiScope, FileType
from tracker.extensions import db
from tracker.inbox.query import inbox_query
from tracker.models import Application, Comment, Document, StatusChange, User
from tracker.web.access import note_named_application
from tracker.web.problems import ApiProblem

READ, WRITE = ApiScope.APPLICATIONS_READ, ApiScope.APPLICATIONS_WRITE
TAGS = ("applications",)
# What an item of the list reads besides the row: one query per kind for the whole page.
ITEM_LOADING = (
    selectinload(Application.covered_regions),
    selectinload(Application.languages),
    selectinload(Application.topics),
    selectinload(Application.tags),
    selectinload(Application.assignee),
)


# -- shaping -------------------------------------------------------------------------------


def _acting_admin() -> User:
    """Return the admin the request's token acts for."""
    return g.api_token.created_by


def _member(user: User | None) -> TeamMember | None:
    return TeamMember(id=user.id, name=user.name) if user is not None else None


def item_values(application: Application) -> dict:
    """Return every field of the list's item of *application*, by name."""
    return {
        "reference": application.reference,
        "call_id": application.call_id,
        "status": application.status,
        "received": application.created_at,
        "full_name": application.full_name,
        "city": application.city,
        "country": application.country,
        "country_other": application.country_other,
        "regions": application.regions,
        "languages": [
            ApplicantLanguage(language=row.language, level=row.level)
            for row in application.languages
        ],
        "topics": sorted(row.topic for row in application.topics),
        "rating_count": application.rating_count,
        "rating_mean": application.rating_mean,
        "assignee": _member(application.assignee),
        "tags": [tag.name for tag in application.tags],
        "email": application.email,
        "phone": application.phone,
    }


def shown_fields(wanted: list[str] | None) -> tuple[str, ...]:
    """Return the item fields to show: *wanted* (all by default), contacts only for a
    token with the scope contacts:read (asking for them without it is refused)."""
    contacts = g.api_token.allows(ApiScope.CONTACTS_READ)
    if wanted is None:
        return tuple(name for name in ITEM_FIELDS if contacts or name not in CONTACT_FIELDS)
    if not contacts and set(wanted) & set(CONTACT_FIELDS):
        raise ApiProblem(403, "The fields email and phone need the scope contacts:read.")
    return tuple(name for name in ITEM_FIELDS if name in wanted)


def page_of(query: ApplicationQuery) -> ApplicationPage:
    """Return the page of applications *query* asks for: the inbox's filter and order,
    from the row after the cursor's."""
    fields = shown_fields(query.fields)
    after_id = query.after or None
    if after_id is not None and db.session.get(Application, after_id) is None:
        raise ApiProblem(
            422,
            "Invalid parameter: cursor.",
            errors=[{"parameter": "cursor", "message": "its application was erased"}],
        )
    statement = inbox_query(query.inbox_filter(), user=_acting_admin(), after_id=after_id)
    rows = db.session.scalars(statement.limit(query.limit + 1).options(*ITEM_LOADING)).all()
    values = [item_values(row) for row in rows[: query.limit]]
    items = [ApplicationItem(**{name: item[name] for name in fields}) for item in values]
    more = len(rows) > query.limit
    return ApplicationPage(items=items, next_cursor=encode_cursor(rows[-2].id) if more else None)


def application_of(reference: str) -> Application:
    """Return the application with *reference*, or answer 404."""
    application = db.session.scalar(select(Application).where(Application.reference == reference))
    if application is None:
        raise ApiProblem(404, f"No application has the reference {reference}.")
    note_named_application(application)  # audited if the applicant is at risk
    return application


def step_of(change: StatusChange) -> StatusStep:
    """Return a history row as the API shows it."""
    return StatusStep(
        from_status=change.from_status,
        to_status=change.to_status,
        at=change.created_at,
        by=_member(change.actor),
        reason=change.reason,
        note=change.note,
    )


def document_of(document: Document) -> ApplicationDocument:
    """Return a document's metadata as the API shows it, with its download URL."""
    return ApplicationDocument(
        id=document.id,
        kind=document.kind,
        filename=document.filename,
        content_type=CONTENT_TYPES[FileType(document.file_type)],
        size=document.size,
        sha256=document.sha256,
        text_extracted=document.text is not None,
        download_url=url_for(
            "api.download_document",
            reference=document.application.reference,
            document_id=document.id,
        ),
    )


def detail_of(application: Application) -> ApplicationDetail:
    """Return *application* whole (contacts only for a token with contacts:read)."""
    values = item_values(application)
    history = history_rows(application).changes  # the candidate page's own rows, in order
    return ApplicationDetail(
        **{name: values[name] for name in shown_fields(None)},
        version=application.version_id,
        preferred_language=application.preferred_language,
        cover_letter=application.cover_letter,
        writing_sample_url=application.writing_sample_url,
        links=application.links,
        status_history=[step_of(change) for change in history],
        documents=[document_of(document) for document in application.documents],
    )


def decide(application: Application, decision: StatusDecision) -> StatusDecided:
    """Change the status through the pipeline as the token's admin; 409 when refused."""
    current = application.status
    try:
        change = set_status(
            application,
            decision.status,
            by=_acting_admin(),
            note=decision.note,
            reason=decision.reason,
            expected_version=decision.expected_version,
        )
    except TransitionError as error:
        allowed = ", ".join(allowed_transitions(current)) or "none"
        raise ApiProblem(
            409,
            f"An application in the status {current} cannot move to {decision.status}. "
            f"It may move to: {allowed}.",
        ) from error
    except StaleApplicationError as error:
        raise ApiProblem(
            409,
            f"The application changed since version {decision.expected_version} (it is "
            f"version {application.version_id} now): read it again, then decide.",
        ) from error
    return StatusDecided(
        reference=application.reference,
        status=application.status,
        version=application.version_id,
        change=step_of(change),
    )


def tags_of(application: Application) -> ApplicationTags:
    """Return the application's tags."""
    return ApplicationTags(
        reference=application.reference, tags=[tag.name for tag in application.tags]
    )


def comment_of(comment: Comment) -> ApplicationComment:
    """Return a comment as the API shows it."""
    return ApplicationComment(
        id=comment.id,
        author=_member(comment.author),
        body=comment.body,
        shared=comment.shared_with_guests,
        created_at=comment.created_at,
    )


@contextmanager
def refused_as_invalid(parameter: str) -> Iterator[None]:
    """Answer a change teamwork refuses (a blank tag or comment) with 422 naming
    *parameter*, as a schema's refusal is answered."""
    try:
        yield
    except CandidateError as error:
        raise ApiProblem(
            422,
            f"Invalid parameter: {parameter}.",
            errors=[{"parameter": parameter, "message": str(error)}],
        ) from error


# -- routes --------------------------------------------------------------------------------


@api_route(
    "/applications",
    scope=READ,
    resp=responses(200, ApplicationPage, 422),
    tags=TAGS,
    query=ApplicationQuery,
)
def list_applications(query: ApplicationQuery):
    """List applications with the inbox's filters and order, a page at a time."""
    return page_of(query).model_dump(mode="json", exclude_unset=True)


@api_route(
    "/applications/<reference>", scope=READ, resp=responses(200, ApplicationDetail, 404), tags=TAGS
)
def get_application(reference: str):
    """Read one application whole: history, documents, contacts with contacts:read."""
    return detail_of(application_of(reference)).model_dump(mode="json", exclude_unset=True)


@api_route(
    "/applications/<reference>/documents/<int:document_id>",
    scope=READ,
    resp=responses(200, None, 404),
    tags=TAGS,
    sends_file=True,
)
def download_document(reference: str, document_id: int):
    """Download a document as staff do: an attachment, never rendered (audited)."""
    application = application_of(reference)
    document = db.session.get(Document, document_id)
    if document is None or document.application_id != application.id:
        raise ApiProblem(404, f"The application {reference} has no document {document_id}.")
    return send_document(document, by=_acting_admin())


@api_route(
    "/applications/<reference>/status",
    scope=WRITE,
    resp=responses(200, StatusDecided, 404, 409, 422),
    methods=("POST",),
    tags=TAGS,
    json=StatusDecision,
)
def change_status(reference: str, json: StatusDecision):
    """Change the status, as an editor would (the pipeline's transitions apply)."""
    return decide(application_of(reference), json)


@api_route(
    "/applications/<reference>/tags",
    scope=WRITE,
    resp=responses(200, ApplicationTags, 404, 422),
    methods=("POST",),
    tags=TAGS,
    json=TagToAdd,
)
def add_application_tag(reference: str, json: TagToAdd):
    """Add a tag (created as needed); adding one it carries changes nothing."""
    application = application_of(reference)
    with refused_as_invalid("name"):
        add_tag(application, json.name, by=_acting_admin())
    return tags_of(application)


@api_route(
    "/applications/<reference>/tags/<name>",
    scope=WRITE,
    resp=responses(200, ApplicationTags, 404),
    methods=("DELETE",),
    tags=TAGS,
)
def remove_application_tag(reference: str, name: str):
    """Remove a tag."""
    application = application_of(reference)
    if not remove_tag(application, name, by=_acting_admin()):
        raise ApiProblem(404, f"The application {reference} has no tag {name}.")
    return tags_of(application)


@api_route(
    "/applications/<reference>/comments",
    scope=READ,
    resp=responses(200, ApplicationComments, 404),
    tags=TAGS,
)
def list_comments(reference: str):
    """List the team's comments on an application, oldest first."""
    comments = history_rows(application_of(reference)).comments
    return ApplicationComments(items=[comment_of(comment) for comment in comments])


@api_route(
    "/applications/<reference>/comments",
    scope=WRITE,
    resp=responses(201, ApplicationComment, 404, 422),
    methods=("POST",),
    tags=TAGS,
    json=CommentToAdd,
)
def add_application_comment(reference: str, json: CommentToAdd):
    """Comment on an application (mentions notify colleagues, as on the staff page)."""
    application = application_of(reference)
    with refused_as_invalid("body"):
        comment = add_comment(application, json.body, by=_acting_admin(), shared=json.shared)
    return comment_of(comment), 201
