"""Working on candidates: assignment, comments and tags, one by one or in bulk."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Boolean, ColumnElement, and_, bindparam, delete, exists, select

from tracker.applications.pipeline import BulkResult, StaleApplicationError, check_version
from tracker.audit import record_event
from tracker.database import PREPARE, begin_write
from tracker.enums import NotificationEvent
from tracker.extensions import db
from tracker.inbox.scope import NOBODY, hidden_at_risk, scope_of
from tracker.models import Application, Comment, Tag, User, application_tags
from tracker.notifications import notify
from tracker.notifications.mentions import mentioned_in

COMMENT_MAX_LENGTH = 10_000
TAG_MAX_LENGTH = 60


class CandidateError(ValueError):
    """The change cannot be made as asked (empty comment, bad tag, inactive assignee …)."""


def assign(
    application: Application,
    assignee: User | None,
    *,
    by: User,
    expected_version: int | None = None,
) -> None:
    """Make *assignee* (or nobody) responsible for *application*, and commit.

    :raises StaleApplicationError: the application changed since *expected_version*.
    :raises CandidateError: *assignee* is inactive or a guest reviewer. Either error rolls
        the change back.
    """
    begin_write()
    try:
        check_version(application, expected_version)
        _assign(application, assignee, by=by)
    except (StaleApplicationError, CandidateError):
        db.session.rollback()
        raise
    db.session.commit()


def bulk_assign(
    applications: Iterable[Application], assignee: User | None, *, by: User
) -> BulkResult:
    """Assign every application to *assignee* (or nobody) in one transaction."""
    begin_write()
    result = BulkResult()
    for application in applications:
        _assign(application, assignee, by=by)
        result.changed.append(application)
    db.session.commit()
    return result


def _assign(application: Application, assignee: User | None, *, by: User) -> None:
    if assignee is not None and not assignee.active:
        raise CandidateError("an inactive account cannot be assigned")
    if assignee is not None and assignee.is_guest:
        raise CandidateError("a guest reviewer cannot be assigned")
    changed = application.assignee_id != (assignee.id if assignee is not None else None)
    application.assignee_id = assignee.id if assignee is not None else None
    if changed:
        notify(NotificationEvent.ASSIGNED, users=[assignee], application=application, actor=by)
    record_event(
        "application.assigned",
        actor=by,
        application=application,
        assignee_id=application.assignee_id,
    )


def add_comment(application: Application, body: str, *, by: User, shared: bool = False) -> Comment:
    """Add *by*'s comment to *application*, notify the colleagues it mentions, and commit.

    *shared*: guest reviewers may read it too. A guest's own comment is never shared with
    other guests (the team reads it, labelled as a guest's).
    """
    body = (body or "").strip()
    if not body or len(body) > COMMENT_MAX_LENGTH or "\x00" in body:
        raise CandidateError(f"a comment has 1 to {COMMENT_MAX_LENGTH} characters")
    begin_write()
    shared = bool(shared) and not by.is_guest
    comment = Comment(
        application_id=application.id, author_id=by.id, body=body, shared_with_guests=shared
    )
    db.session.add(comment)
    notify(
        NotificationEvent.MENTIONED,
        users=mentioned_in(body),
        application=application,
        comment=comment,
        actor=by,
    )
    record_event("application.commented", actor=by, application=application)
    db.session.commit()
    return comment


def normalise_tag(name: str) -> str:
    """Return the stored form of a tag name: trimmed, inner whitespace folded."""
    name = " ".join((name or "").split())
    if not name or len(name) > TAG_MAX_LENGTH or any(ord(ch) < 32 for ch in name):
        raise CandidateError(f"a tag has 1 to {TAG_MAX_LENGTH} printable characters")
    return name


def add_tag(application: Application, name: str, *, by: User) -> bool:
    """Add the tag *name* to *application* (created as needed), and commit.

    An operation, not a new set: a colleague's tag added meanwhile stays.

    :returns: False if the candidate already carried the tag (nothing is written).
    """
    name = normalise_tag(name)
    begin_write()
    tag = _tag(name)
    if tag in application.tags:
        db.session.rollback()
        return False
    application.tags.append(tag)
    record_event("application.tagged", actor=by, application=application, added=name)
    db.session.commit()
    return True


def remove_tag(application: Application, name: str, *, by: User) -> bool:
    """Remove the tag *name* from *application*, and commit.

    :returns: False if the candidate no longer carries it (a colleague removed it first).
    """
    name = " ".join((name or "").split())
    begin_write()
    tag = next((tag for tag in application.tags if tag.name == name), None)
    if tag is None:
        db.session.rollback()
        return False
    application.tags.remove(tag)
    record_event("application.untagged", actor=by, application=application, removed=name)
    db.session.commit()
    return True


def bulk_add_tag(applications: Iterable[Application], name: str, *, by: User) -> BulkResult:
    """Add the tag *name* to every application that lacks it, in one transaction."""
    name = normalise_tag(name)
    begin_write()
    tag = _tag(name)
    result = BulkResult()
    for application in applications:
        if tag in application.tags:
            result.skipped.append(application)
            continue
        application.tags.append(tag)
        record_event("application.tagged", actor=by, application=application, added=name)
        result.changed.append(application)
    db.session.commit()
    return result


def all_tags() -> list[Tag]:
    """Return every tag, by name."""
    return list(db.session.scalars(select(Tag).order_by(Tag.name)))


def _only_hidden_carry(tag_id) -> ColumnElement[bool]:
    """Whether only applicants at risk hidden from the viewer bound as ``viewer_id`` carry
    the tag *tag_id*: of the few hidden applications' tags, those no other application
    carries (found by the tag's index, stopping at the first), never a pass over every
    tagged application."""
    tagged = application_tags.c
    hidden = hidden_at_risk(bindparam("viewer_id"))
    carried_by_hidden = select(tagged.tag_id).where(tagged.application_id.in_(hidden))
    carried_by_another = exists().where(
        tagged.tag_id == tag_id, tagged.application_id.not_in(hidden)
    )
    return and_(tag_id.in_(carried_by_hidden), ~carried_by_another)


# Built once (the application and viewer bound at execution) and prepared: a new
# statement's cache key costs more than running it, and planning it more again.
_TAGS_CARRIED = (
    select(
        Tag,
        exists().where(
            application_tags.c.application_id == bindparam("application_id"),
            application_tags.c.tag_id == Tag.id,
        ),
        and_(bindparam("hides", type_=Boolean), _only_hidden_carry(Tag.id)),
    )
    .order_by(Tag.name)
    .execution_options(**PREPARE)
)
_TAGS_ONLY_HIDDEN = select(Tag.name).where(_only_hidden_carry(Tag.id)).execution_options(**PREPARE)


def tags_with_carried(application: Application, viewer: User) -> tuple[list[Tag], list[Tag]]:
    """Return the tags *viewer* may be offered (see :func:`tags_hidden_from`) and those
    *application* carries, both by name, in one query."""
    scope = scope_of(viewer)
    rows = db.session.execute(
        _TAGS_CARRIED,
        {
            "application_id": application.id,
            "viewer_id": NOBODY if scope is None else scope.viewer_id,
            "hides": scope is not None,
        },
    ).all()
    known = [tag for tag, is_carried, only_hidden in rows if is_carried or not only_hidden]
    return known, [tag for tag, is_carried, _ in rows if is_carried]


def tags_hidden_from(user: User | None) -> set[str]:
    """Return the names of the tags that only applicants at risk hidden from *user* carry.

    A tag's name can name its candidate ("Ana's byline"), so those who may not see them are
    not offered it either; a tag nobody carries, or that one candidate they may see carries,
    is the team's vocabulary. None for admins (no query).
    """
    scope = scope_of(user)
    if scope is None:
        return set()
    return set(db.session.scalars(_TAGS_ONLY_HIDDEN, {"viewer_id": scope.viewer_id}))


def tags_of(application_ids: Iterable[int]) -> list[int]:
    """Return the ids of the tags any of *application_ids* carries."""
    return list(
        db.session.scalars(
            select(application_tags.c.tag_id)
            .where(application_tags.c.application_id.in_(list(application_ids)))
            .distinct()
        )
    )


def remove_unused_tags(tag_ids: Iterable[int]) -> None:
    """Delete those of *tag_ids* no application carries any more (in the session's
    transaction).

    Erasure calls this: a tag given only to the erased person ("Nino's contacts") would
    otherwise keep a trace of them in the tag list. Tags still in use are kept.
    """
    tag_ids = list(tag_ids)
    if not tag_ids:
        return
    in_use = exists().where(application_tags.c.tag_id == Tag.id)
    db.session.execute(
        delete(Tag)
        .where(Tag.id.in_(tag_ids), ~in_use)
        .execution_options(synchronize_session="fetch")
    )


def _tag(name: str) -> Tag:
    tag = db.session.scalar(select(Tag).where(Tag.name == name))
    if tag is None:
        tag = Tag(name=name)
        db.session.add(tag)
        db.session.flush()
    return tag
