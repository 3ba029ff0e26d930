"""What the candidate page says when a colleague changed the candidate meanwhile."""

from __future__ import annotations

from flask_babel import gettext

from tracker.applications.pipeline import StaleApplicationError
from tracker.dates import moment
from tracker.extensions import db
from tracker.labels import STATUS_LABELS
from tracker.models import User
from tracker.review.candidate_forms import label_of

# Events that do not change the candidate's version: they cannot be what the editor missed.
_NOT_CONFLICTING = frozenset(
    {
        "application.commented",
        "application.rated",
        "application.recused",
        "application.tagged",
        "application.untagged",
        "document.downloaded",
    }
)


def describe_conflict(error: StaleApplicationError) -> list[str]:
    """Say who changed what and when, from the latest audit events of the application."""
    lines = []
    for event in error.events:
        if event.action in _NOT_CONFLICTING:
            continue
        who = event.actor.name if event.actor else gettext("Someone")
        when = moment(event.created_at)
        details = event.details or {}
        if event.action == "application.status_changed":
            what = gettext(
                "%(who)s changed the status from “%(old)s” to “%(new)s” on %(when)s.",
                who=who,
                old=label_of(STATUS_LABELS, details.get("from_status")),
                new=label_of(STATUS_LABELS, details.get("to_status")),
                when=when,
            )
        elif event.action == "application.assigned":
            assignee = (
                db.session.get(User, details["assignee_id"]) if details.get("assignee_id") else None
            )
            what = (
                gettext(
                    "%(who)s assigned the candidate to %(assignee)s on %(when)s.",
                    who=who,
                    assignee=assignee.name,
                    when=when,
                )
                if assignee
                else gettext("%(who)s removed the assignment on %(when)s.", who=who, when=when)
            )
        else:
            what = gettext(
                "%(who)s: %(action)s on %(when)s.", who=who, action=event.action, when=when
            )
        lines.append(what)
    return lines or [gettext("Someone else changed this candidate meanwhile.")]
