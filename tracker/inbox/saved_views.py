"""Saved views: an inbox filter kept under a name, its owner's own or shared with the team,
listed beside the inbox with how many applications it finds; one can be a start page.

A view keeps the filter, not its results: "Meine offenen Bewertungen" (rated=not_me) finds
for each person what they have not rated yet. Its count is the inbox's own status count of
that filter (inbox.counts), so it costs nothing until the applications change.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from flask_babel import gettext
from sqlalchemy import delete, func, insert, select

from tracker.app_cache import kept
from tracker.database import begin_write
from tracker.extensions import db
from tracker.inbox.counts import cached_status_counts, matching
from tracker.inbox.filter import InboxFilter
from tracker.models import SavedView, User, start_views

NAME_MAX_LENGTH = 80


class SavedViewError(ValueError):
    """Raised, with a message for the person, when a view cannot be saved or used."""


@dataclass(frozen=True)
class ViewEntry:
    """What the inbox shows of a saved view (plain values, kept between requests)."""

    id: int
    owner_id: int
    owner_name: str
    name: str
    query: str
    shared: bool

    @property
    def filter(self) -> InboxFilter:
        """The view's inbox filter, on its first page."""
        return InboxFilter.from_query_string(self.query)


@dataclass(frozen=True)
class TeamViews:
    """Every saved view, by name, and each person's start view."""

    views: tuple[ViewEntry, ...]
    starts: dict[int, int]  # user id → view id

    def of(self, user: User) -> list[ViewEntry]:
        """Return the views *user* may use: their own, then those others share."""
        own = [view for view in self.views if view.owner_id == user.id]
        shared = [view for view in self.views if view.shared and view.owner_id != user.id]
        return own + shared


@dataclass(frozen=True)
class SidebarView:
    """A view as the inbox lists it for one person."""

    view: ViewEntry
    count: int
    is_start: bool
    mine: bool


def team_views(changes: dict[str, int]) -> TeamViews:
    """Return the team's views, read once per change of the accounts and views (*changes*:
    inbox.counts.change_counts, read before)."""
    return kept("saved_views", (changes.get("staff", 0),), _read_team_views)


def _read_team_views() -> TeamViews:
    rows = db.session.execute(
        select(
            SavedView.id,
            SavedView.owner_id,
            User.name,
            SavedView.name,
            SavedView.query,
            SavedView.shared,
        )
        .join(User, User.id == SavedView.owner_id)
        .order_by(func.lower(SavedView.name), SavedView.id)
    )
    starts = dict(db.session.execute(select(start_views.c.user_id, start_views.c.view_id)).all())
    return TeamViews(tuple(ViewEntry(*row) for row in rows), starts)


def sidebar_views(user: User, changes: dict[str, int]) -> list[SidebarView]:
    """Return the views *user* may use with the number of applications each finds."""
    views = team_views(changes)
    start = views.starts.get(user.id)
    listed = []
    for view in views.of(user):
        f = view.filter
        counts = cached_status_counts(f, user=user, changes=changes)
        listed.append(
            SidebarView(view, matching(counts, f), view.id == start, view.owner_id == user.id)
        )
    return listed


def save_view(name: str, f: InboxFilter, *, shared: bool, by: User) -> SavedView:
    """Keep *f* (without its page) under *name* for *by*, shared with the team or not; a
    view of *by*'s of that name is given the new filter (saving again updates it).

    :raises SavedViewError: the name is empty or too long.
    """
    name = " ".join(name.split())
    if not name:
        raise SavedViewError(gettext("Give the view a name."))
    if len(name) > NAME_MAX_LENGTH:
        raise SavedViewError(
            gettext("A view's name can be at most %(num)d characters long.", num=NAME_MAX_LENGTH)
        )
    query = replace(f, page=1).query_string(include_page=False)
    begin_write()
    view = db.session.scalar(
        select(SavedView).where(SavedView.owner_id == by.id, SavedView.name == name)
    )
    if view is None:
        view = SavedView(owner_id=by.id, name=name)
        db.session.add(view)
    view.query, view.shared = query, shared
    db.session.commit()
    return view


def usable_view(view_id: int, *, by: User) -> SavedView | None:
    """Return the view *view_id* if *by* may use it (theirs, or shared), else None."""
    view = db.session.get(SavedView, view_id)
    if view is None or (view.owner_id != by.id and not view.shared):
        return None
    return view


def delete_view(view: SavedView, *, by: User) -> None:
    """Delete *view*: its owner may, and an admin (a shared view someone left behind).

    :raises SavedViewError: *by* may not.
    """
    if view.owner_id != by.id and not by.is_admin:
        raise SavedViewError(gettext("Only the person who saved this view can delete it."))
    begin_write()
    db.session.delete(view)
    db.session.commit()


def set_start_view(view: SavedView | None, *, by: User) -> None:
    """Make *view* the page *by* lands on after signing in (None: the whole inbox)."""
    begin_write()
    db.session.execute(delete(start_views).where(start_views.c.user_id == by.id))
    if view is not None:
        db.session.execute(insert(start_views).values(user_id=by.id, view_id=view.id))
    db.session.commit()


def start_filter(user: User) -> InboxFilter | None:
    """Return the filter of *user*'s start view, or None if they chose none (or it was
    unshared or deleted since)."""
    row = db.session.execute(
        select(SavedView.owner_id, SavedView.shared, SavedView.query)
        .join(start_views, start_views.c.view_id == SavedView.id)
        .where(start_views.c.user_id == user.id)
    ).one_or_none()
    if row is None or (row.owner_id != user.id and not row.shared):
        return None
    return InboxFilter.from_query_string(row.query)
