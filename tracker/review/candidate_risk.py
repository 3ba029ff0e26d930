"""The candidate page's panels about an applicant at risk, for one viewer.

- **Safety**: what the applicant asked for (a pseudonymous byline, no mail to a work
  address, a safe channel and handle). An admin always sees it; a named editor once they
  have rated the candidate or declared a conflict of interest, so that a yes never weighs
  on a first rating.
- **Need to know** (admins): who may see the candidate, with the editors to add.
- **Requests**: the audited requests about the candidate (tracker.web.access writes
  one for each), for admins and the named editors: who, when, which page, the answer.

Guests never reach an applicant at risk (404), nor do editors who are not named.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from tracker.applications.risk import NeedToKnow, has_judged, nameable_editors, need_to_know
from tracker.extensions import db
from tracker.inbox.scope import named_for
from tracker.labels import SAFE_CHANNEL_LABELS
from tracker.models import ApplicantSafety, Application, AuditEvent, User

AT_RISK_REQUEST = "candidate.at_risk_request"
# The newest requests the page lists; the candidate's audit log has them all (admins).
REQUESTS_SHOWN = 30

# The pages and actions a request about a candidate reaches, as the list names them.
ENDPOINT_LABELS = {
    "review.candidate": _l("Candidate page"),
    "review.set_status": _l("Status change"),
    "review.assign": _l("Assignment to an editor"),
    "review.rate": _l("Rating"),
    "review.recuse": _l("Conflict of interest"),
    "review.comment": _l("Comment"),
    "review.add_tag": _l("Tag added"),
    "review.remove_tag": _l("Tag removed"),
    "review.download": _l("Document download"),
    "review.page_image": _l("Page of a document shown"),
    "review.download_reply_attachment": _l("Download of a reply's attachment"),
    "review.translate_document": _l("Machine translation"),
    "review.candidate_audit": _l("Audit log of the candidate"),
    "review.compose_email": _l("Email to the candidate"),
    "review.release_email": _l("Email released"),
    "review.edit_email": _l("Email draft edited"),
    "review.discard_email": _l("Email draft discarded"),
    "review.retry_email": _l("Email sent again"),
    "review.open_notification_view": _l("Notification opened"),
    "review.name_for_candidate": _l("Editor named for the candidate"),
    "review.unname_for_candidate": _l("Editor taken off the candidate's list"),
    "review.expert": _l("Expert record"),
    "review.update_expert_view": _l("Expert record changed"),
    "review.erase_expert_view": _l("Expert record erased"),
    "review.assignment": _l("Assignment page"),
    "review.edit_assignment": _l("Assignment changed"),
    "review.advance_assignment_view": _l("Assignment moved on"),
    "review.assignment_brief": _l("Assignment brief"),
    "admin.confirm_erase": _l("Erasure page"),
    "admin.erase": _l("Erasure"),
    "admin.subject_access": _l("Subject-access export"),
}


def endpoint_label(endpoint: str | None) -> str:
    """Return the page or action *endpoint* stands for, in words (its name if unknown)."""
    if endpoint in ENDPOINT_LABELS:
        return str(ENDPOINT_LABELS[endpoint])
    if endpoint and endpoint.startswith("api."):
        return _("API (%(endpoint)s)", endpoint=endpoint.removeprefix("api."))
    return endpoint or _("unknown page")


def wishes_in_words(safety: ApplicantSafety) -> list[str]:
    """Return what the applicant at risk asked for, one sentence each (staff language)."""
    wishes = []
    if safety.wants_pseudonym:
        wishes.append(_("Asked for a pseudonymous byline."))
    if safety.avoid_work_address:
        wishes.append(_("Asked not to be written to at a work address."))
    if safety.safe_channel:
        channel = str(SAFE_CHANNEL_LABELS.get(safety.safe_channel, safety.safe_channel))
        handle = safety.safe_channel_handle
        wishes.append(
            _("Prefers %(channel)s: %(handle)s", channel=channel, handle=handle)
            if handle
            else _("Prefers %(channel)s.", channel=channel)
        )
    return wishes or [_("Asked for nothing more.")]


@dataclass(frozen=True)
class RequestRow:
    """One audited request about the candidate."""

    who: str
    at: datetime
    page: str
    method: str
    status: int | None


@dataclass
class RiskPanels:
    """The at-risk panels of the candidate page, as one viewer may see them."""

    # What the applicant asked for; empty while the viewer may not see it yet.
    wishes: list[str] = field(default_factory=list)
    # A named editor who has not rated yet: the panel says when the answers will show.
    waiting_for_rating: bool = False
    # Admins only: who may see, and the active editors who could be added.
    need_to_know: NeedToKnow | None = None
    nameable: list[User] = field(default_factory=list)
    requests: list[RequestRow] = field(default_factory=list)
    more_requests: bool = False


def risk_panels(application: Application, *, viewer: User) -> RiskPanels | None:
    """Return the at-risk panels of *application* for *viewer*, or None if it shows none
    (the applicant did not say they were at risk, or the viewer is not on the list)."""
    if not application.at_risk or viewer.is_guest:
        return None
    admin = viewer.is_admin
    if not admin and not named_for(viewer.id, application):
        return None
    panels = RiskPanels()
    if admin or has_judged(application, viewer):
        panels.wishes = wishes_in_words(application.safety)
    else:
        panels.waiting_for_rating = True
    if admin:
        panels.need_to_know = need_to_know(application)
        named = [*panels.need_to_know.editors()]
        panels.nameable = nameable_editors(besides=named)
    rows = _requests(application)
    panels.requests = rows[:REQUESTS_SHOWN]
    panels.more_requests = len(rows) > REQUESTS_SHOWN
    return panels


def _requests(application: Application) -> list[RequestRow]:
    """Return the newest audited requests about *application* (one more than shown)."""
    events = db.session.scalars(
        select(AuditEvent)
        .options(joinedload(AuditEvent.actor))
        .where(AuditEvent.application_id == application.id, AuditEvent.action == AT_RISK_REQUEST)
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .limit(REQUESTS_SHOWN + 1)
    )
    return [
        RequestRow(
            who=event.actor.name if event.actor is not None else _("nobody signed in"),
            at=event.created_at,
            page=endpoint_label(event.details.get("endpoint")),
            method=str(event.details.get("method") or ""),
            status=event.details.get("status"),
        )
        for event in events
    ]


def contact_notice(application: Application) -> list[str] | None:
    """Return what an applicant at risk asked for, for the email composer; None if not."""
    if application.safety is None:
        return None
    return wishes_in_words(application.safety)
