"""The candidate page and its actions, document downloads, and the audit log pages.

Every action is a POST with a CSRF token that ends in a redirect back to the candidate
(Post/Redirect/Get). When an action cannot be done – invalid input, a colleague changed
the candidate meanwhile, a transition the pipeline forbids – the page is shown again with
the editor's input kept and a message saying what happened and what to do.

The inbox filter the editor came from travels in the query string, so ``j``/``k``,
"Save & next" and every redirect stay within that list.
"""

from __future__ import annotations

import os
import re
import unicodedata
from functools import cache
from urllib.parse import quote

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date, format_datetime, format_decimal, get_locale, gettext
from flask_login import current_user
from werkzeug.wrappers import Response
from werkzeug.wsgi import wrap_file

from tracker.applications.people import related_applications
from tracker.applications.pipeline import (
    StaleApplicationError,
    TransitionError,
    allowed_transitions,
    set_status,
)
from tracker.applications.ratings import (
    RatingError,
    add_rating,
    is_recused,
    recusals_of,
    recuse,
    visible_ratings,
)
from tracker.applications.teamwork import CandidateError, add_comment, all_tags, assign, set_tags
from tracker.applications.timeline import audit_events_query, timeline
from tracker.apply.forms import HEARD_ABOUT, level_choices
from tracker.audit import record_event
from tracker.calls import load_data, localized
from tracker.documents.storage import open_stored
from tracker.documents.validate import CONTENT_TYPES, TYPE_NAMES
from tracker.enums import FileType, Status
from tracker.extensions import db
from tracker.inbox.query import InboxFilter, assignable_users, neighbours
from tracker.mail.compose import set_status_and_notify
from tracker.models import Application, Document, User
from tracker.review import bp
from tracker.review.candidate_forms import (
    CRITERION_LABELS,
    DOCUMENT_KIND_LABELS,
    FLAG_LABELS,
    REASON_LABELS,
    RECOMMENDATION_LABELS,
    STATUS_LABELS,
    AssignForm,
    CommentForm,
    RatingForm,
    RecuseForm,
    StatusForm,
    TagsForm,
    all_staff,
    label_of,
)
from tracker.web.access import admin, staff

PREVIEW_CHARACTERS = 3000
AUDIT_PAGE_SIZE = 100
AUDIT_ACTION_MAX_LENGTH = 60

# -- navigation within the inbox filter ------------------------------------------------------


def _inbox_filter() -> InboxFilter:
    """Return the inbox filter the editor came from (``?from=<the inbox's query string>``)."""
    return InboxFilter.from_query_string(request.args.get("from"))


def _inbox_args() -> dict[str, str]:
    """Return the query arguments that keep the editor within their inbox filter."""
    query_string = _inbox_filter().query_string(include_page=False)
    return {"from": query_string} if query_string else {}


def _neighbours(application: Application) -> tuple[int | None, int | None]:
    return neighbours(_inbox_filter(), application.id, user=current_user)


def _back_to(application: Application, anchor: str | None = None) -> Response:
    return redirect(
        url_for("review.candidate", application_id=application.id, _anchor=anchor, **_inbox_args())
    )


# -- the page ------------------------------------------------------------------------------


@bp.get("/applications/<int:application_id>")
@staff
def candidate(application_id: int):
    """Show everything about one candidate on one screen."""
    application = db.get_or_404(Application, application_id)
    return _render_candidate(application)


def _render_candidate(
    application: Application,
    *,
    status_code: int = 200,
    problem: str | None = None,
    conflict: StaleApplicationError | None = None,
    **forms,
):
    """Render the candidate page; *forms* replace the blank ones to keep the editor's input."""
    user = current_user._get_current_object()
    users = assignable_users()
    ratings = visible_ratings(application, user)
    own_rating = next((r for r in ratings or () if r.user_id == user.id), None)

    status_form = forms.get("status_form") or StatusForm(
        formdata=None, expected_version=application.version_id
    )
    status_form.offer(allowed_transitions(application.status))
    assign_form = forms.get("assign_form") or AssignForm(
        formdata=None,
        expected_version=application.version_id,
        assignee=str(application.assignee_id or ""),
    )
    assign_form.offer(users)
    rating_form = forms.get("rating_form")
    if rating_form is None:
        rating_form = RatingForm(formdata=None)
        if own_rating is not None:
            rating_form.fill_from(own_rating)
    tags_form = forms.get("tags_form") or TagsForm(
        formdata=None, tags=", ".join(tag.name for tag in application.tags)
    )
    entries = timeline(application, viewer=user)
    previous_id, next_id = _neighbours(application)

    return (
        render_template(
            "review/candidate.html",
            application=application,
            labels=_labels(application),
            documents=sorted(application.documents, key=lambda d: _KIND_ORDER.get(d.kind, 9)),
            preview_characters=PREVIEW_CHARACTERS,
            status_form=status_form,
            assign_form=assign_form,
            rating_form=rating_form,
            recuse_form=forms.get("recuse_form") or RecuseForm(formdata=None),
            comment_form=forms.get("comment_form") or CommentForm(formdata=None),
            tags_form=tags_form,
            known_tags=all_tags(),
            ratings=ratings,
            own_rating=own_rating,
            recused=is_recused(application, user),
            recusals=recusals_of(application) if user.is_admin else [],
            entries=entries,
            comments=[entry for entry in entries if entry.kind == "comment"],
            related=related_applications(application),
            previous_id=previous_id,
            next_id=next_id,
            inbox_args=_inbox_args(),
            inbox_query=_inbox_filter().query_string(),
            problem=problem,
            conflict=_describe_conflict(conflict) if conflict else None,
            can_change_status=bool(allowed_transitions(application.status)),
            STATUS_LABELS=STATUS_LABELS,
            REASON_LABELS=REASON_LABELS,
            CRITERION_LABELS=CRITERION_LABELS,
            RECOMMENDATION_LABELS=RECOMMENDATION_LABELS,
            DOCUMENT_KIND_LABELS=DOCUMENT_KIND_LABELS,
            FLAG_LABELS=FLAG_LABELS,
            label_of=label_of,
            is_web_url=is_web_url,
            human_size=human_size,
            TYPE_NAMES=TYPE_NAMES,
            **_formatters(),
        ),
        status_code,
    )


# "3 Nov 2026" in the page language (German puts a dot after the day, as the inbox does).
_DAY_PATTERNS = {"de": "d. MMM y"}


def _formatters() -> dict:
    """Return the date formatters the staff templates use: ``day`` and ``moment``."""
    pattern = _DAY_PATTERNS.get(str(get_locale()), "d MMM y")
    return {
        "day": lambda value: format_date(value, pattern),
        "moment": lambda value: format_datetime(value, f"{pattern}, HH:mm"),
    }


_KIND_ORDER = {"cv": 0, "cover_letter": 1, "writing_sample": 2}


@cache
def _language_names() -> dict[str, dict[str, str]]:
    return {item["code"]: item["label"] for item in load_data("languages.json")}


def _labels(application: Application) -> dict:
    """Return the readable labels of the application's coded answers, in the page language."""
    language = str(get_locale())
    call = application.call
    regions = {region["key"]: region for region in call.regions}
    topics = {topic["key"]: topic["label"] for topic in call.topics}
    region = regions.get(application.region)
    levels = {choice.value: choice.label for choice in level_choices(include_none=False)}
    names = _language_names()
    return {
        "call": localized(call.title, language),
        "region": localized(region["label"], language) if region else application.region,
        "country": _country_label(application.country),
        "topics": sorted(
            (
                localized(topics[t.topic], language) if t.topic in topics else t.topic
                for t in application.topics
            ),
            key=str.casefold,
        ),
        "languages": [
            (
                localized(names[lang.language], language)
                if lang.language in names
                else lang.language,
                str(levels.get(lang.level, lang.level)),
            )
            for lang in application.languages
        ],
        "heard_about": label_of(HEARD_ABOUT, application.heard_about),
        "preferred_language": {"de": "Deutsch", "en": "English", "ru": "Русский"}.get(
            application.preferred_language, application.preferred_language
        ),
    }


def _country_label(country: str) -> str:
    labels = {
        "georgia": gettext("Georgia"),
        "armenia": gettext("Armenia"),
        "azerbaijan": gettext("Azerbaijan"),
        "north_caucasus": gettext("North Caucasus (Russia)"),
        "elsewhere": gettext("Elsewhere"),
    }
    return labels.get(country, country)


# http(s), a host without user info, an optional port, then anything but whitespace.
_WEB_URL = re.compile(r"https?://[^\s/?#\\@:]+(?::[0-9]{1,5})?(?:[/?#]\S*)?", re.IGNORECASE)


def is_web_url(url: str | None) -> bool:
    """Tell whether *url* may become a link: http(s) only, with a host, no odd characters.

    Anything else – ``javascript:``, ``data:``, a relative path – is shown as text only.
    """
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


# Events that do not change the candidate's version: they cannot be what the editor missed.
_NOT_CONFLICTING = frozenset(
    {
        "application.commented",
        "application.rated",
        "application.recused",
        "application.tagged",
        "document.downloaded",
    }
)


def _describe_conflict(error: StaleApplicationError) -> list[str]:
    """Say who changed what and when, from the latest audit events of the application."""
    lines = []
    for event in error.events:
        if event.action in _NOT_CONFLICTING:
            continue
        who = event.actor.name if event.actor else gettext("Someone")
        when = _formatters()["moment"](event.created_at)
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
    change = {
        "by": current_user,
        "note": (form.note.data or "").strip() or None,
        "reason": form.rejection_reason(),
        "expected_version": form.expected_version.data,
    }
    try:
        if form.notify_template.data:
            set_status_and_notify(
                application, new_status, template_key=form.notify_template.data, **change
            )
        else:
            set_status(application, new_status, **change)
    except StaleApplicationError as error:
        db.session.rollback()
        _refresh_version(form, application)
        return _render_candidate(application, status_code=409, conflict=error, status_form=form)
    except TransitionError:
        db.session.rollback()
        form.new_status.errors = [
            gettext(
                "A candidate who is “%(current)s” cannot be moved to “%(new)s”. "
                "Please choose one of the statuses offered.",
                current=label_of(STATUS_LABELS, application.status),
                new=label_of(STATUS_LABELS, new_status),
            )
        ]
        _refresh_version(form, application)
        return _render_candidate(application, status_code=409, status_form=form)
    flash(
        gettext("Status changed to “%(status)s”.", status=label_of(STATUS_LABELS, new_status)),
        "success",
    )
    if form.notify_template.data:
        flash(gettext("The email waits as a draft in the outbox until someone releases it."))
    return _back_to(application)


@bp.post("/applications/<int:application_id>/assignee", endpoint="assign")
@staff
def assign_view(application_id: int):
    """Make an editor (or nobody) responsible for the candidate."""
    application = db.get_or_404(Application, application_id)
    form = AssignForm()
    form.offer(assignable_users())
    if not form.validate():
        return _render_candidate(application, status_code=400, assign_form=form)
    assignee_id = form.assignee_id()
    assignee = db.session.get(User, assignee_id) if assignee_id else None
    try:
        assign(application, assignee, by=current_user, expected_version=form.expected_version.data)
    except StaleApplicationError as error:
        db.session.rollback()
        _refresh_version(form, application)
        return _render_candidate(application, status_code=409, conflict=error, assign_form=form)
    except CandidateError:
        db.session.rollback()
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
@staff
def rate(application_id: int):
    """Record the editor's rating; "Save & next" then opens the next candidate."""
    application = db.get_or_404(Application, application_id)
    form = RatingForm()
    if not form.validate():
        return _render_candidate(application, status_code=400, rating_form=form)
    # Looked up before saving: a filter such as "not rated by me" drops this candidate.
    _, next_id = _neighbours(application)
    try:
        add_rating(
            application,
            by=current_user,
            scores=form.scores(),
            recommendation=form.recommendation.data,
            comments=form.comments(),
            summary=form.summary.data or None,
        )
    except RatingError:
        db.session.rollback()
        if is_recused(application, current_user):
            problem = gettext(
                "You declared a conflict of interest for this candidate, so you cannot "
                "rate them. Your rating was not saved."
            )
            return _render_candidate(application, status_code=403, problem=problem)
        problem = gettext("Please give every criterion a score from 1 to 5.")
        return _render_candidate(application, status_code=400, problem=problem, rating_form=form)
    flash(gettext("Your rating is saved."), "success")
    if form.action.data == "save_next":
        if next_id is not None:
            return redirect(url_for("review.candidate", application_id=next_id, **_inbox_args()))
        flash(gettext("That was the last candidate in this list."), "info")
    return _back_to(application, "rubric")


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
@staff
def comment(application_id: int):
    """Add a comment for the team."""
    application = db.get_or_404(Application, application_id)
    form = CommentForm()
    if not form.validate():
        return _render_candidate(application, status_code=400, comment_form=form)
    try:
        add_comment(application, form.body.data, by=current_user)
    except CandidateError:
        db.session.rollback()
        form.body.errors = [gettext("This comment cannot be saved; please shorten it.")]
        return _render_candidate(application, status_code=400, comment_form=form)
    flash(gettext("Your comment is saved."), "success")
    return _back_to(application, "comments")


@bp.post("/applications/<int:application_id>/tags")
@staff
def tags(application_id: int):
    """Replace the candidate's tags."""
    application = db.get_or_404(Application, application_id)
    form = TagsForm()
    if not form.validate():
        return _render_candidate(application, status_code=400, tags_form=form)
    try:
        set_tags(application, form.names(), by=current_user)
    except CandidateError:
        db.session.rollback()
        form.tags.errors = [gettext("Each tag may have up to 60 characters.")]
        return _render_candidate(application, status_code=400, tags_form=form)
    flash(gettext("Tags saved."), "success")
    return _back_to(application, "candidate-tags")


# -- documents -----------------------------------------------------------------------------


@bp.get("/documents/<int:document_id>")
@staff
def download(document_id: int):
    """Send a document as an attachment that no browser will render or sniff.

    The content type is fixed to the canonical type of the format we verified at upload,
    never the applicant's; ``nosniff`` and ``CSP: sandbox`` keep a hostile file from
    running as a page of our origin, and ``no-store`` keeps it out of shared caches.
    """
    document = db.get_or_404(Document, document_id)
    try:
        handle = open_stored(document.storage_key)
    except (OSError, ValueError):
        # A missing or tampered file is "not found" for the editor; the reconcile
        # command reports it to the operators.
        abort(404)
    try:
        record_event(
            "document.downloaded",
            actor=current_user,
            application=document.application,
            document_id=document.id,
            kind=document.kind,
        )
        db.session.commit()
    except BaseException:
        handle.close()
        raise
    response = Response(
        wrap_file(request.environ, handle),
        # content_type, not mimetype: Werkzeug would add "charset=utf-8" to text/plain, a
        # claim about the applicant's bytes that we never checked.
        content_type=CONTENT_TYPES[FileType(document.file_type)],
        direct_passthrough=True,
    )
    response.headers["Content-Length"] = str(_size_of(handle))
    response.headers["Content-Disposition"] = content_disposition(
        document.filename, document.file_type
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox"
    response.headers["Cache-Control"] = "no-store"
    return response


def _size_of(handle) -> int:
    return os.fstat(handle.fileno()).st_size


_FALLBACK_UNSAFE = re.compile(r"[^A-Za-z0-9 ._()+-]")


def content_disposition(filename: str, extension: str) -> str:
    """Return an RFC 6266 ``attachment`` header value for *filename*.

    ``filename*`` carries the real name, percent-encoded as UTF-8 (RFC 8187); ``filename``
    an ASCII fallback for old clients. Control characters (CR/LF would split the header),
    quotes, backslashes and path separators never reach either form.
    """
    # Controls (CR/LF, bidi overrides …) become spaces so that words stay apart.
    name = "".join(
        " " if unicodedata.category(char)[0] == "C" else char
        for char in unicodedata.normalize("NFC", filename or "")
        if char not in '"\\/'
    )
    # Leading dots would hide the saved file on Unix.
    name = " ".join(name.split()).lstrip(". ") or f"document.{extension}"
    stem = name.rsplit(".", 1)[0] if "." in name else name
    fallback = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    fallback = " ".join(_FALLBACK_UNSAFE.sub("_", fallback).split()).strip(" ._")
    # A name in another script leaves nothing readable in ASCII: give it a plain one.
    fallback = f"{fallback or 'document'}.{extension}"
    encoded = quote(name, safe="!#$&+-.^_`|~")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"


# -- audit log ----------------------------------------------------------------------------


@bp.get("/applications/<int:application_id>/audit")
@admin
def candidate_audit(application_id: int):
    """Show an admin every audit event of one candidate."""
    application = db.get_or_404(Application, application_id)
    page = db.paginate(
        audit_events_query(application_id=application.id),
        per_page=AUDIT_PAGE_SIZE,
        max_per_page=AUDIT_PAGE_SIZE,
        error_out=False,
    )
    return render_template(
        "review/audit.html",
        application=application,
        page=page,
        users=[],
        action="",
        actor_id=None,
        **_formatters(),
    )


@bp.get("/audit")
@admin
def audit_log():
    """Show an admin the whole audit log, 100 events a page, filtered by action and actor."""
    action = (request.args.get("action") or "").strip()[:AUDIT_ACTION_MAX_LENGTH]
    actor_id = request.args.get("actor", type=int)
    page = db.paginate(
        audit_events_query(action=action or None, actor_id=actor_id),
        per_page=AUDIT_PAGE_SIZE,
        max_per_page=AUDIT_PAGE_SIZE,
        error_out=False,
    )
    return render_template(
        "review/audit.html",
        application=None,
        page=page,
        users=all_staff(),
        action=action,
        actor_id=actor_id,
        **_formatters(),
    )
