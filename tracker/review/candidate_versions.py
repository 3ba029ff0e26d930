"""The candidate page's versions notice: "2nd application from this address" and what changed.

An address's applications to one call are versions of each other
(:mod:`tracker.applications.versions`). An editor reading a later version sees its number,
links to the earlier ones, and how it differs from the one just before: each changed answer
(old → new, shortened) and each document (new, changed, unchanged, no longer sent, compared
by content). An editor reading an earlier version sees that a later one exists.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import gettext

from tracker.applications.versions import Versions, ordinal
from tracker.labels import DOCUMENT_KIND_LABELS
from tracker.models import Application

# Long enough to recognise an answer, short enough to keep the notice one glance.
SHORT_ANSWER = 60
_KIND_ORDER = ("cv", "cover_letter", "writing_sample")


@dataclass
class AnswerChange:
    """One answer that differs from the previous version: its label, old and new text."""

    label: str
    old: str
    new: str


@dataclass
class DocumentChange:
    """One document compared with the previous version: its label and what became of it."""

    label: str
    state: str


@dataclass
class VersionsNotice:
    """What the candidate page says about an application's other versions."""

    heading: str | None
    earlier: list[Application]
    later: list[Application]
    previous: Application | None = None
    answers: list[AnswerChange] = field(default_factory=list)
    documents: list[DocumentChange] = field(default_factory=list)


def versions_notice(
    application: Application,
    versions: Versions,
    labels_of: Callable[[Application], dict],
    language: str,
) -> VersionsNotice | None:
    """Return the notice for *application*, or None when it is its address's only one.

    :param versions: *application*'s versions (``versions.versions_of``).
    :param labels_of: the candidate page's readable labels of an application's coded
        answers (regions, topics, languages …), so that both versions read alike.
    """
    if not versions.earlier and not versions.later:
        return None
    notice = VersionsNotice(heading=None, earlier=versions.earlier, later=versions.later)
    previous = versions.previous
    if previous is not None:
        notice.heading = gettext(
            "%(ordinal)s application from this address", ordinal=ordinal(versions.number, language)
        )
        notice.previous = previous
        notice.answers = answer_changes(previous, application, labels_of)
        notice.documents = document_changes(previous, application)
    return notice


def shorten(text: str) -> str:
    """Return *text* on one line, cut to :data:`SHORT_ANSWER` characters with "…"."""
    flat = " ".join(text.split())
    return flat if len(flat) <= SHORT_ANSWER else flat[: SHORT_ANSWER - 1].rstrip() + "…"


def _answers(application: Application, labels: dict) -> list[tuple[str, str]]:
    """Return (label, readable answer) for every answer a version may change."""
    languages = ", ".join(labels["languages"])
    heard_about = labels["heard_about"] if application.heard_about else ""
    if application.heard_about_other:
        heard_about = f"{heard_about}: {application.heard_about_other}"
    return [
        (gettext("Full name"), application.full_name),
        (gettext("Phone number"), application.phone or ""),
        (gettext("Lives in"), f"{application.city}, {labels['country']}"),
        (gettext("Regions covered"), ", ".join(labels["regions"])),
        (gettext("Languages"), languages),
        (gettext("Topics"), ", ".join(labels["topics"])),
        (gettext("Cover letter"), application.cover_letter or ""),
        (gettext("Writing sample link"), application.writing_sample_url or ""),
        (gettext("Published work"), ", ".join(application.links or [])),
        (gettext("Writes to us in"), str(labels["preferred_language"])),
        (gettext("Heard about the call"), str(heard_about)),
    ]


def answer_changes(
    previous: Application, current: Application, labels_of: Callable[[Application], dict]
) -> list[AnswerChange]:
    """Return the answers that differ between *previous* and *current*, in form order."""
    before = _answers(previous, labels_of(previous))
    after = _answers(current, labels_of(current))
    missing = gettext("not given")
    return [
        AnswerChange(label, shorten(old) or missing, shorten(new) or missing)
        for (label, old), (_label, new) in zip(before, after, strict=True)
        if old != new
    ]


def document_changes(previous: Application, current: Application) -> list[DocumentChange]:
    """Return each document's fate between *previous* and *current*, compared by sha256."""
    before = {document.kind: document for document in previous.documents}
    after = {document.kind: document for document in current.documents}
    changes = []
    for kind in _KIND_ORDER:
        old, new = before.get(kind), after.get(kind)
        if old is None and new is None:
            continue
        if old is None:
            state = gettext("new: %(file)s", file=new.filename)
        elif new is None:
            state = gettext("not sent this time")
        elif old.sha256 == new.sha256:
            state = gettext("unchanged")
        else:
            state = gettext("changed: %(old)s → %(new)s", old=old.filename, new=new.filename)
        changes.append(DocumentChange(str(DOCUMENT_KIND_LABELS.get(kind, kind)), state))
    return changes
