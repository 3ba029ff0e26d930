"""The inbox page's models: one page of rows, the status tabs, the filter form's choices.

The first pass of rating is blind (see ratings.visible_ratings): an editor sees the mean of
a candidate only after rating them. The inbox therefore never shows the mean of a candidate
the user has not rated (and inbox.query never sorts by it).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache, partial

from flask_babel import force_locale, gettext
from sqlalchemy import (
    CompoundSelect,
    Row,
    bindparam,
    literal_column,
    null,
    select,
    true,
    union_all,
)

from tracker.accounts.users import all_staff
from tracker.app_cache import kept
from tracker.applications.ratings import criterion_means, rated_by
from tracker.applications.teamwork import all_tags
from tracker.applications.versions import ordinal, version_numbers
from tracker.database import PREPARE, in_bound_list, on_postgresql
from tracker.enums import Status
from tracker.extensions import db
from tracker.inbox.columns import inbox_columns
from tracker.inbox.counts import cached_status_counts, change_counts, hides_anyone, matching
from tracker.inbox.filter import InboxFilter
from tracker.inbox.query import page_rows
from tracker.inbox.scope import InboxScope, hidden_at_risk, scope_of
from tracker.labels import country_label, language_labeller, option_labels
from tracker.models import (
    ApplicantReply,
    ApplicationLanguage,
    ApplicationRegion,
    ApplicationTopic,
    Call,
    Document,
    SampleFacts,
    SampleMatch,
    Tag,
    User,
    application_tags,
)
from tracker.quoted_search import quoted_search
from tracker.sample_facts.shown import language_name


@dataclass
class InboxRow:
    """One line of the inbox: the application and what the table shows about it."""

    # The application's inbox.query.PAGE_COLUMNS, by name (not an ORM object).
    application: Row
    # The labels of the regions the applicant covers, in their order.
    regions: list[str]
    # The country they live in (the name they gave, for "another country").
    country: str
    languages: list[str]
    topics: list[str]
    status: Status
    rating_count: int
    # None: "not rated by you" – the blind first pass hides the mean until the user rated.
    rating_mean: float | None
    rated_by_me: bool
    criterion_means: dict[str, float] | None
    assignee: str | None
    received: datetime
    documents: list[str]
    has_sample_link: bool
    tags: list[str]
    # "2nd application" for an address's later application to the same call, else None.
    version_label: str | None = None
    # The applicant replied and nobody has read it yet (tracker.replies).
    unread_reply: bool = False
    # The detected language(s) of the writing sample, named; a possible copy of another's.
    sample_languages: list[str] = field(default_factory=list)
    possible_copy: bool = False
    # The application's id (a field: a row shows it four times).
    id: int = field(init=False)

    def __post_init__(self) -> None:
        self.id = self.application.id


@dataclass
class InboxPage:
    """One page of the inbox."""

    filter: InboxFilter  # with the page clamped to the pages there are
    rows: list[InboxRow]
    total: int
    pages: int
    # Applications per status under the filter without its own status: the tabs.
    counts: dict[Status, int]
    # The optional columns the user shows (tracker.inbox.columns), in the table's order.
    columns: tuple[str, ...] = ()

    @property
    def page(self) -> int:
        """The number of this page, from 1."""
        return self.filter.page

    @property
    def has_previous(self) -> bool:
        """Whether a page comes before this one."""
        return self.page > 1

    @property
    def has_next(self) -> bool:
        """Whether a page follows this one."""
        return self.page < self.pages

    @property
    def first_number(self) -> int:
        """The position of the first row on this page, counted from 1 (0 if empty)."""
        return (self.page - 1) * self.filter.per_page + 1 if self.rows else 0

    @property
    def last_number(self) -> int:
        """The position of the last row on this page, counted from 1."""
        return (self.page - 1) * self.filter.per_page + len(self.rows)


@cache
def _details_statement(postgresql: bool, scoped: bool) -> CompoundSelect:
    """Return the one SELECT of every list a page's rows show, as rows (kind, application
    id, value, level, name, position), in each application's order of each kind.

    Built once per database: the page's ids are bound at execution (``ids``), instead of
    coercing 50 values into each of its IN lists on every request. *scoped*: the possible
    copies leave out the applicants at risk the viewer may not see (``viewer_id`` bound at
    execution; tracker.inbox.scope).
    """
    region, language, topic = (
        model.__table__.c for model in (ApplicationRegion, ApplicationLanguage, ApplicationTopic)
    )
    document, tag, tagged = Document.__table__.c, Tag.__table__.c, application_tags.c
    reply = ApplicantReply.__table__.c
    facts, match = SampleFacts.__table__.c, SampleMatch.__table__.c

    def kind(name: str, application_id, value, level=None, other=None, position=None):
        return select(
            literal_column(f"'{name}'").label("kind"),
            application_id.label("application_id"),
            value.label("value"),
            (level if level is not None else null()).label("level"),
            (other if other is not None else null()).label("name"),
            (position if position is not None else literal_column("0")).label("position"),
        ).where(in_bound_list(application_id, "ids", postgresql=postgresql))

    return (
        union_all(
            kind("regions", region.application_id, region.region, position=region.position),
            kind(
                "languages",
                language.application_id,
                language.language,
                language.level,
                language.name,
                language.position,
            ),
            kind("topics", topic.application_id, topic.topic),
            kind("tags", tagged.application_id, tag.name).join_from(
                application_tags, Tag.__table__, tag.id == tagged.tag_id
            ),
            kind("documents", document.application_id, document.kind),
            # An unread reply of the applicant (tracker.replies): one row each.
            kind("replies", reply.application_id, literal_column("'unread'")).where(
                reply.read_at.is_(None)
            ),
            # The writing samples' facts (tracker.sample_facts): languages and copies.
            kind("sample_languages", facts.application_id, facts.language).where(
                facts.language.is_not(None)
            ),
            kind("copies", match.application_id, literal_column("'yes'")).where(
                match.other_application_id.not_in(hidden_at_risk(bindparam("viewer_id")))
                if scoped
                else true()
            ),
        )
        .order_by("application_id", "kind", "position", "value")
        .execution_options(**PREPARE)
    )


@dataclass
class RowDetails:
    """The lists a page's rows show, by application id: one query for all of them, no ORM
    objects (a page of 50 rows holds some 300 of them, and building each costs more than
    its row), and the statement's cost in Python paid once rather than once per kind."""

    regions: defaultdict[int, list[str]]
    languages: defaultdict[int, list[tuple[str, str, str | None]]]
    topics: defaultdict[int, list[str]]
    tags: defaultdict[int, list[str]]
    # The kinds of the stored documents.
    documents: defaultdict[int, list[str]]
    # One entry per unread reply of the applicant.
    replies: defaultdict[int, list[str]]
    sample_languages: defaultdict[int, list[str]]
    copies: defaultdict[int, list[str]]

    @classmethod
    def of(cls, ids: list[int], scope: InboxScope | None = None) -> RowDetails:
        """Return the details of the applications *ids* (none for an empty page), as
        *scope* may see them."""
        details = cls(*(defaultdict(list) for _ in range(8)))
        if not ids:
            return details
        # Core rows through the session's connection: the ORM's handling of a statement
        # costs more than reading these few hundred rows.
        statement = _details_statement(on_postgresql(), scope is not None)
        values = {"ids": ids} if scope is None else {"ids": ids, "viewer_id": scope.viewer_id}
        rows = db.session.connection().execute(statement, values).all()
        for kind, application_id, value, level, name, _position in rows:
            item = (value, level, name) if kind == "languages" else value
            getattr(details, kind)[application_id].append(item)
        return details


@dataclass(frozen=True)
class CallNames:
    """What the inbox names of a call: its title and its regions' and topics' labels."""

    id: int
    title: dict
    regions: list
    topics: list


@dataclass(frozen=True)
class StaffName:
    """What the inbox names of an account: who, and whether they may be assigned."""

    id: int
    name: str
    active: bool


@dataclass
class Directory:
    """The calls, accounts and tags an inbox page names (its rows, the filter form, the
    bulk actions), read once per change of them (inbox.counts), and the change counts."""

    calls: dict[int, CallNames]  # by id, in id order
    users: dict[int, StaffName]  # by id, in the order of their names
    tags: list[str]  # every tag's name, in order
    changes: dict[str, int]

    @classmethod
    def load(cls) -> Directory:
        """Read the change counts, then what changed since it was last read."""
        changes = change_counts()
        calls = kept("calls", (changes.get("calls", 0),), _read_calls)
        users = kept("staff", (changes.get("staff", 0),), _read_staff)
        tags = kept("tags", (changes.get("applications", 0),), _read_tags)
        return cls(calls, users, tags, changes)


def _read_calls() -> dict[int, CallNames]:
    calls = db.session.execute(
        select(Call.id, Call.title, Call.regions, Call.topics).order_by(Call.id)
    )
    return {call.id: CallNames(*call) for call in calls}


def _read_staff() -> dict[int, StaffName]:
    return {user.id: StaffName(user.id, user.name, user.active) for user in all_staff()}


def _read_tags() -> list[str]:
    return [tag.name for tag in all_tags()]


def inbox_page(
    f: InboxFilter, *, user: User, language: str = "de", directory: Directory | None = None
) -> InboxPage:
    """Return the page of *f*: one query for the page, one for the rows' lists, none per row.

    *directory*: the calls and accounts, if the caller read them already.
    """
    directory = directory or Directory.load()
    # One grouped count gives both the total and the status tabs.
    counts = cached_status_counts(f, user=user, changes=directory.changes)
    total = matching(counts, f)
    pages = max(1, math.ceil(total / f.per_page))
    f = f.with_page(min(f.page, pages))
    scope = scope_of(user)
    hides = hides_anyone(scope, changes=directory.changes)
    applications = page_rows(f, user=user, hides_anyone=hides)
    ids = [application.id for application in applications]
    details = RowDetails.of(ids, scope)
    rated = rated_by(user, ids)
    means = criterion_means(rated) if rated else {}
    versions = version_numbers(applications, viewer=user)
    labels: dict[int, tuple[dict[str, str], dict[str, str]]] = {}
    # Rows repeat the same few countries and languages: each label is translated once.
    country_of = cache(partial(country_label, language=language))
    spoken = language_labeller(language)
    sample_language_of = cache(partial(language_name, ui_language=language))
    rows = []
    for application in applications:
        call = directory.calls[application.call_id]
        if call.id not in labels:
            labels[call.id] = (
                option_labels(call.regions, language),
                option_labels(call.topics, language),
            )
        region_labels, topic_labels = labels[call.id]
        visible = application.id in rated
        kinds = details.documents[application.id]
        assignee = directory.users.get(application.assignee_id)
        rows.append(
            InboxRow(
                application=application,
                regions=[region_labels.get(key, key) for key in details.regions[application.id]],
                country=country_of(application.country, application.country_other),
                languages=[spoken(*item) for item in details.languages[application.id]],
                topics=sorted(
                    (topic_labels.get(key, key) for key in details.topics[application.id]),
                    key=str.casefold,
                ),
                status=Status(application.status),
                rating_count=application.rating_count,
                rating_mean=application.rating_mean if visible else None,
                rated_by_me=visible,
                criterion_means=means.get(application.id) if visible else None,
                assignee=assignee.name if assignee else None,
                received=application.created_at,
                documents=[
                    kind for kind in ("cv", "cover_letter", "writing_sample") if kind in kinds
                ],
                has_sample_link=bool(application.writing_sample_url),
                tags=details.tags[application.id],
                version_label=version_label(versions.get(application.id, 1), language),
                unread_reply=bool(details.replies[application.id]),
                sample_languages=[
                    sample_language_of(code) for code in details.sample_languages[application.id]
                ],
                possible_copy=bool(details.copies[application.id]),
            )
        )
    return InboxPage(
        filter=f,
        rows=rows,
        total=total,
        pages=pages,
        counts=counts,
        columns=inbox_columns(user),
    )


def single_quoted_match(page: InboxPage) -> int | None:
    """Return the id of the one application a search by reference, phone number or address
    found; None when it found none or several, or found one by other words."""
    if page.total == 1 and page.rows and page.filter.q:
        application = page.rows[0].application
        if quoted_search(page.filter.q).names(application):
            return application.id
    return None


def version_label(number: int, language: str) -> str | None:
    """Return "2nd application" (in *language*) for a later version, None for a first one."""
    if number < 2:
        return None
    with force_locale(language):
        return gettext("%(ordinal)s application", ordinal=ordinal(number, language))
