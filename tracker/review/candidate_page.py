"""The candidate page's data: everything one screen shows about one candidate.

:func:`candidate_page` assembles it for a viewer – the application's fields in readable
labels, its documents, the person's other applications, the timeline, the ratings the
viewer may see, the forms with their choices, and the neighbours in the inbox filter for
``j``/``k`` – so that the views only parse, act and render.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import url_for
from flask_babel import format_decimal, get_locale, gettext
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload, load_only

from tracker.accounts.users import all_staff
from tracker.applications.pipeline import StaleApplicationError, allowed_transitions
from tracker.applications.ratings import rating_mean, visible_ratings
from tracker.applications.teamwork import tags_with_carried
from tracker.applications.timeline import TimelineEntry, history_rows, timeline
from tracker.applications.versions import relatives_of
from tracker.apply.forms import HEARD_ABOUT
from tracker.assignments.records import assignments_of
from tracker.calls import CALL_TEXTS_DEFERRED
from tracker.database import PREPARE
from tracker.documents.extract_job import extraction_pending
from tracker.documents.pages import PagePreview
from tracker.documents.validate import TYPE_NAMES
from tracker.enums import FileType
from tracker.extensions import db
from tracker.inbox.filter import InboxFilter
from tracker.inbox.query import neighbours
from tracker.labels import (
    CRITERION_LABELS,
    DOCUMENT_KIND_LABELS,
    FLAG_LABELS,
    METADATA_KIND_LABELS,
    RECOMMENDATION_LABELS,
    STATUS_LABELS,
    country_label,
    language_with_level,
    option_labels,
)
from tracker.models import Application, Assignment, Document, Rating, Recusal, Tag, User
from tracker.replies.filing import open_replies
from tracker.review.candidate_conflict import describe_conflict
from tracker.review.candidate_forms import (
    REASON_LABELS,
    AddTagForm,
    AssignForm,
    CommentForm,
    RatingForm,
    RecuseForm,
    RemoveTagForm,
    StatusForm,
    label_of,
)
from tracker.review.candidate_versions import VersionsNotice, versions_notice
from tracker.review.guest_view import guest_entries, redactor
from tracker.sample_facts.shown import WITH_SAMPLE_FACTS, SampleFactsView, sample_facts_views
from tracker.ui_languages import LANGUAGE_NAMES, localized

PREVIEW_CHARACTERS = 3000

# The application, its call and safety row, documents, translations, sample facts: one
# statement, which the access policy runs for the candidate page (web.access.loads_candidate).
# Not the call's long texts, which the page never shows.
CANDIDATE = (
    select(Application)
    .where(Application.id == bindparam("application_id"))
    .options(
        joinedload(Application.call).options(*CALL_TEXTS_DEFERRED),
        joinedload(Application.safety),
        joinedload(Application.documents).joinedload(Document.translation_previews),
        *WITH_SAMPLE_FACTS,
    )
    .execution_options(**PREPARE)
)
# Its coded answers, a few short rows each: one statement for the three, not three (so built).
_ANSWERS = (
    select(Application)
    .where(Application.id == bindparam("application_id"))
    .options(
        load_only(Application.id),
        joinedload(Application.covered_regions),
        joinedload(Application.topics),
        joinedload(Application.languages),
    )
    .execution_options(**PREPARE)
)

_KIND_ORDER = {"cv": 0, "cover_letter": 1, "writing_sample": 2}

# http(s), a host without user info, an optional port, then anything but whitespace.
_WEB_URL = re.compile(r"https?://[^\s/?#\\@:]+(?::[0-9]{1,5})?(?:[/?#]\S*)?", re.IGNORECASE)


def is_web_url(url: str | None) -> bool:
    """Tell whether *url* may become a link: http(s), a host, no odd characters (else text)."""
    if not url or any(unicodedata.category(char)[0] in "CZ" and char != " " for char in url):
        return False
    return _WEB_URL.fullmatch(url) is not None


def human_size(size: int) -> str:
    """Return a file size as the page language writes it: "532 bytes", "1.4 MB"."""
    if size < 1024:
        return gettext("%(n)s bytes", n=format_decimal(size))
    if size < 1024 * 1024:
        return gettext("%(n)s KB", n=format_decimal(round(size / 1024, 1)))
    return gettext("%(n)s MB", n=format_decimal(round(size / (1024 * 1024), 1)))


def template_helpers() -> dict:
    """Return the labels and formatters the candidate and audit templates call."""
    return {
        "STATUS_LABELS": STATUS_LABELS,
        "REASON_LABELS": REASON_LABELS,
        "CRITERION_LABELS": CRITERION_LABELS,
        "RECOMMENDATION_LABELS": RECOMMENDATION_LABELS,
        "DOCUMENT_KIND_LABELS": DOCUMENT_KIND_LABELS,
        "FLAG_LABELS": FLAG_LABELS,
        "METADATA_KIND_LABELS": METADATA_KIND_LABELS,
        "TYPE_NAMES": TYPE_NAMES,
        "label_of": label_of,
        "rating_mean_of": rating_mean,
        # One decimal in the page language, as in the inbox ("3.5").
        "rating_mean": lambda value: format_decimal(value, "0.0"),
        "is_web_url": is_web_url,
        "human_size": human_size,
    }


def inbox_args(inbox_filter: InboxFilter) -> dict[str, str]:
    """Return the query arguments that keep the editor within their inbox filter."""
    query_string = inbox_filter.query_string(include_page=False)
    return {"from": query_string} if query_string else {}


def candidate_links(inbox_filter: InboxFilter) -> Callable[[int], str]:
    """Return a function giving the URL of a candidate's page within *inbox_filter*.

    ``url_for`` runs once per inbox page rather than once per row: the id is the last part
    of the path, so each row's link is the same URL with its own id put in.
    """
    path, question, query = url_for(
        "review.candidate", application_id=0, **inbox_args(inbox_filter)
    ).partition("?")
    prefix = path.removesuffix("0")
    return lambda application_id: f"{prefix}{application_id}{question}{query}"


@dataclass
class CandidateForms:
    """The page's forms: blank (or filled from what is saved), or the editor's posted one."""

    status: StatusForm
    assign: AssignForm
    rating: RatingForm
    recuse: RecuseForm
    comment: CommentForm
    add_tag: AddTagForm
    remove_tag: RemoveTagForm


@dataclass(frozen=True)
class ReadingTab:
    """One tab of the reading room: a kind of document, or the application's answers."""

    key: str
    label: str
    document: Document | None = None
    # Pages drawn as images, as counted on the document's row; None unless it is a PDF.
    pages: PagePreview | None = None


def reading_tabs(application: Application, documents: list[Document]) -> list[ReadingTab]:
    """Return the reader's tabs: CV, cover letter, writing sample (those sent), application.

    A cover letter typed into the form and a writing sample given as a link count as
    sent: their tab shows the text or the link.
    """
    by_kind = {document.kind: document for document in documents}
    given_otherwise = {
        "cover_letter": bool(application.cover_letter),
        "writing_sample": bool(application.writing_sample_url),
    }
    tabs = []
    for kind in _KIND_ORDER:
        document = by_kind.get(kind)
        if document is None and not given_otherwise.get(kind):
            continue
        pages = (
            PagePreview.of_count(document.page_count)
            if document is not None and document.file_type == FileType.PDF
            else None
        )
        tabs.append(ReadingTab(kind, label_of(DOCUMENT_KIND_LABELS, kind), document, pages))
    tabs.append(ReadingTab("application", gettext("Application")))
    return tabs


@dataclass
class CandidatePage:
    """Everything the candidate page shows, for one viewer."""

    application: Application
    labels: dict
    documents: list[Document]
    forms: CandidateForms
    known_tags: list[Tag]
    # The tags the application carries, by name.
    tags: list[Tag]
    # None while the viewer's first pass is blind (see ratings.visible_ratings).
    ratings: list[Rating] | None
    own_rating: Rating | None
    recused: bool
    recusals: list[Recusal]
    entries: list[TimelineEntry]
    comments: list[TimelineEntry]
    related: list[Application]
    previous_id: int | None
    next_id: int | None
    inbox_args: dict[str, str]
    inbox_query: str
    can_change_status: bool
    problem: str | None = None
    conflict: list[str] | None = None
    preview_characters: int = field(default=PREVIEW_CHARACTERS)
    tabs: list[ReadingTab] = field(default_factory=list)
    # "2nd application from this address" and what changed; None for an only application.
    versions: VersionsNotice | None = None
    # The worker has not read the documents' text yet (tracker.documents.extract_job).
    text_pending: bool = False
    # A guest reviewer looks (tracker.review.guest_view): no contact details, no team work.
    guest: bool = False
    sample_facts: dict[int, SampleFactsView] = field(default_factory=dict)
    # Blanks the contact details out of a text shown to a guest; the text as is otherwise.
    redact: Callable[[str | None], str] = field(default=lambda text: text or "")
    # Replies of the applicant nobody had read before this view (tracker.replies).
    unread_replies: int = 0
    # The active team's names, offered by the comment box's "@" (static/js/mentions.js).
    team_names: list[str] = field(default_factory=list)
    # The candidate's assignments (tracker.assignments); a guest is shown none.
    assignments: list[Assignment] = field(default_factory=list)


def candidate_page(
    application: Application,
    *,
    viewer: User,
    inbox_filter: InboxFilter,
    problem: str | None = None,
    conflict: StaleApplicationError | None = None,
    posted: dict | None = None,
) -> CandidatePage:
    """Assemble the candidate page for *viewer*, who came from *inbox_filter*.

    :param posted: forms the editor just sent, by name (``status_form``, ``rating_form``
        …); they replace the blank ones so that the editor's input is kept.
    """
    # The timeline's rows also tell what the viewer may see of the ratings: no more queries.
    rows = history_rows(application)
    unread_replies = open_replies(application, rows.replies, by=viewer)
    ratings = visible_ratings(viewer, rows.ratings, rows.recusals)
    own_rating = next((r for r in ratings or () if r.user_id == viewer.id), None)
    # Every account, read once: whom the timeline names (a rater too) and who may be assigned.
    staff = all_staff(guests=True)
    entries = timeline(
        application, viewer=viewer, rows=rows, users={user.id: user for user in staff}
    )
    previous_id, next_id = neighbours(inbox_filter, application.id, user=viewer)
    language = str(get_locale())
    # Fills the answers' collections of the application already loaded (no new object).
    db.session.scalars(_ANSWERS, {"application_id": application.id}).unique().all()
    documents = sorted(application.documents, key=lambda d: _KIND_ORDER.get(d.kind, 9))
    known_tags, tags = tags_with_carried(application, viewer)
    relatives = relatives_of(application, viewer=viewer)
    guest = viewer.is_guest
    entries = guest_entries(entries, viewer)
    return CandidatePage(
        application=application,
        labels=candidate_labels(application, language),
        documents=documents,
        tabs=reading_tabs(application, documents),
        forms=_forms(
            application,
            own_rating,
            [user for user in staff if user.active and not user.is_guest],
            posted or {},
        ),
        known_tags=known_tags,
        tags=tags,
        ratings=ratings,
        own_rating=own_rating,
        recused=any(recusal.user_id == viewer.id for recusal in rows.recusals),
        recusals=rows.recusals if viewer.is_admin else [],
        entries=entries,
        comments=[entry for entry in entries if entry.kind == "comment"],
        # Found by email address: a guest sees none of them.
        related=[] if guest else relatives.related,
        previous_id=previous_id,
        next_id=next_id,
        inbox_args=inbox_args(inbox_filter),
        inbox_query=inbox_filter.query_string(),
        can_change_status=bool(allowed_transitions(application.status)),
        problem=problem,
        conflict=describe_conflict(conflict) if conflict else None,
        versions=None
        if guest
        else versions_notice(
            application,
            relatives.versions,
            lambda version: candidate_labels(version, language),
            language,
        ),
        # Asked only when a text is missing: the page says nothing of a pending job else.
        text_pending=any(not document.text for document in documents)
        and extraction_pending(application.id),
        guest=guest,
        sample_facts=sample_facts_views(application, documents, language, viewer=viewer),
        redact=redactor(application, viewer),
        unread_replies=unread_replies,
        # A guest is offered no names: the team's work is not theirs.
        team_names=[] if guest else [u.name for u in staff if u.active and not u.is_guest],
        assignments=[] if guest else assignments_of(application=application),
    )


# A blank form is only drawn: no formdata, and no CSRF field of its own (the templates
# write the request's one token into each form), which is half the cost of building it.
_BLANK = {"formdata": None, "meta": {"csrf": False}}


def _forms(
    application: Application, own_rating: Rating | None, assignable: list[User], posted: dict
) -> CandidateForms:
    """Return the posted forms, and blank ones (with their choices) for the others."""
    status_form = posted.get("status_form") or StatusForm(
        **_BLANK, expected_version=application.version_id
    )
    status_form.offer(allowed_transitions(application.status))
    assign_form = posted.get("assign_form") or AssignForm(
        **_BLANK,
        expected_version=application.version_id,
        assignee=str(application.assignee_id or ""),
    )
    assign_form.offer(assignable)
    rating_form = posted.get("rating_form")
    if rating_form is None:
        rating_form = RatingForm(**_BLANK)
        if own_rating is not None:
            rating_form.fill_from(own_rating)
    return CandidateForms(
        status=status_form,
        assign=assign_form,
        rating=rating_form,
        recuse=posted.get("recuse_form") or RecuseForm(**_BLANK),
        comment=posted.get("comment_form") or CommentForm(**_BLANK),
        add_tag=posted.get("add_tag_form") or AddTagForm(**_BLANK),
        remove_tag=RemoveTagForm(**_BLANK),
    )


def candidate_labels(application: Application, language: str) -> dict:
    """Return the readable labels of the application's coded answers, in *language*."""
    call = application.call
    regions = option_labels(call.regions, language)
    topics = option_labels(call.topics, language)
    return {
        "call": localized(call.title, language),
        "regions": [regions.get(key, key) for key in application.regions],
        "country": country_label(application.country, application.country_other, language),
        "topics": sorted(
            (topics.get(t.topic, t.topic) for t in application.topics), key=str.casefold
        ),
        "languages": [
            language_with_level(lang.language, lang.level, lang.name, language)
            for lang in application.languages
        ],
        "heard_about": label_of(HEARD_ABOUT, application.heard_about),
        "preferred_language": LANGUAGE_NAMES.get(
            application.preferred_language, application.preferred_language
        ),
    }
