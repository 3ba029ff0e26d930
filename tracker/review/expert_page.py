"""What the expert pages show: the directory's choices and labels, one expert's details."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from tracker.calls import list_open_calls
from tracker.dates import day
from tracker.enums import Availability
from tracker.experts.directory import today
from tracker.extensions import db
from tracker.inbox.filter import InboxFilter
from tracker.labels import language_labeller
from tracker.models import Assignment, Call, Expert, ExpertInvitation
from tracker.money import format_amount
from tracker.review.inbox_options import InboxOptions, inbox_options
from tracker.ui_languages import localized


@dataclass
class PoolLabels:
    """The choices of the directory's filters and the labels of its rows, in one language."""

    options: InboxOptions
    language: str
    open_calls: list[tuple[int, str]] = field(default_factory=list)

    @classmethod
    def load(cls, language: str) -> PoolLabels:
        """Return the labels of every call's regions and topics, and the open calls."""
        return cls(
            options=inbox_options(InboxFilter(), language=language),
            language=language,
            open_calls=[(call.id, localized(call.title, language)) for call in list_open_calls()],
        )

    def regions(self, expert: Expert) -> list[str]:
        """Return the labels of the regions *expert* covers, in order."""
        labels = dict(self.options.regions)
        return [labels.get(key, key) for key in expert.regions]

    def topics(self, expert: Expert) -> list[str]:
        """Return the labels of *expert*'s topics, alphabetically."""
        labels = dict(self.options.topics)
        return sorted((labels.get(row.topic, row.topic) for row in expert.topics), key=str.casefold)

    def languages(self, expert: Expert) -> list[str]:
        """Return *expert*'s languages with levels in words, e.g. "German: B2 (…)"."""
        label = language_labeller(self.language)
        return [label(row.language, row.level) for row in expert.languages]


def availability_text(expert: Expert) -> str:
    """Return the availability in words: "available", "busy until 12 Jan 2027", "paused"."""
    if expert.availability == Availability.PAUSED.value:
        return _("paused")
    busy = expert.availability == Availability.BUSY.value and expert.busy_until is not None
    if busy and expert.busy_until >= today():
        return _("busy until %(day)s", day=day(expert.busy_until))
    return _("available")


def rate_text(expert: Expert) -> str:
    """Return the rate agreed ("250,00 €"), or "" if none was agreed."""
    if expert.rate_minor is None or not expert.rate_currency:
        return ""
    return format_amount(expert.rate_minor, expert.rate_currency)


@dataclass
class ExpertDetails:
    """Everything the expert page lists besides the expert's own fields."""

    assignments: list[Assignment]
    # (day invited, call title)
    invitations: list[tuple[date, str]]


def expert_details(expert: Expert, language: str) -> ExpertDetails:
    """Return the expert's assignments (newest first) and the calls they were invited to."""
    assignments = db.session.scalars(
        select(Assignment)
        .where(Assignment.expert_id == expert.id)
        .order_by(Assignment.created_at.desc(), Assignment.id.desc())
    ).all()
    invitations = [
        (created_at.date(), localized(title, language))
        for created_at, title in db.session.execute(
            select(ExpertInvitation.created_at, Call.title)
            .join(Call, Call.id == ExpertInvitation.call_id)
            .where(ExpertInvitation.expert_id == expert.id)
            .order_by(ExpertInvitation.created_at.desc())
        )
    ]
    return ExpertDetails(assignments=list(assignments), invitations=invitations)
