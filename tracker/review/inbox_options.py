"""The inbox filter form's choices and the bulk actions' people: of the filtered call, or
of all calls, and for a guest reviewer only what lies in their scope."""

from __future__ import annotations

from dataclasses import dataclass, field

from tracker.app_cache import kept
from tracker.applications.teamwork import tags_hidden_from
from tracker.inbox.filter import InboxFilter
from tracker.inbox.scope import InboxScope, for_guest, scope_of
from tracker.labels import known_language_names, option_labels
from tracker.models import User
from tracker.review.inbox_page import Directory, StaffName
from tracker.sample_facts.shown import sample_language_choices
from tracker.ui_languages import localized


@dataclass
class InboxOptions:
    """The choices of the filter form and the bulk actions."""

    calls: list[tuple[int, str]] = field(default_factory=list)
    regions: list[tuple[str, str]] = field(default_factory=list)
    topics: list[tuple[str, str]] = field(default_factory=list)
    languages: list[tuple[str, str]] = field(default_factory=list)
    users: list[StaffName] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    # The languages a writing sample may be detected in (tracker.sample_facts).
    sample_languages: tuple[tuple[str, str], ...] = ()

    @property
    def user_choices(self) -> list[tuple[int, str]]:
        """Every account as (id, name), for the assignee filter (inactive ones included)."""
        return [(user.id, user.name) for user in self.users]

    @property
    def tag_choices(self) -> list[tuple[str, str]]:
        """Every tag as (name, name), for the tag filter."""
        return [(tag, tag) for tag in self.tags]

    @property
    def assignable_users(self) -> list[StaffName]:
        """The active accounts, to whom applications may be assigned."""
        return [user for user in self.users if user.active]


def inbox_options(
    f: InboxFilter,
    *,
    language: str = "de",
    directory: Directory | None = None,
    user: User | None = None,
) -> InboxOptions:
    """Return the choices for the filter form: of the filtered call, or of all calls;
    for a guest *user*, only their call and regions (their scope).

    *directory*: the calls and accounts, if the caller read them already.
    """
    directory = directory or Directory.load()
    calls = list(directory.calls.values())
    scope = scope_of(user)
    if scope is not None and scope.call_id is not None:
        calls = [call for call in calls if call.id == scope.call_id]
    chosen = [call for call in calls if call.id == f.call] or calls
    regions: dict[str, str] = {}
    topics: dict[str, str] = {}
    for call in chosen:
        for key, label in option_labels(call.regions, language).items():
            if scope is None or not scope.regions or key in scope.regions:
                regions.setdefault(key, label)
        for key, label in option_labels(call.topics, language).items():
            topics.setdefault(key, label)
    return InboxOptions(
        calls=[(call.id, localized(call.title, language)) for call in calls],
        regions=list(regions.items()),
        topics=sorted(topics.items(), key=lambda item: item[1].casefold()),
        languages=list(known_language_names(language).items()),
        users=list(directory.users.values()),
        # Tags are the team's labels: a guest sees none (nor filters by them), an editor none
        # that only applicants at risk hidden from them carry.
        tags=[] if for_guest(scope) else _tags_offered(directory, scope, user),
        sample_languages=sample_language_choices(language),
    )


def _tags_offered(directory: Directory, scope: InboxScope | None, user: User) -> list[str]:
    if scope is None:
        return directory.tags
    # Read again only when what it depends on changed (tags, applications, need to know).
    key = (scope.viewer_id, directory.changes.get("applications", 0))
    hidden = kept("tags_hidden", key, lambda: tags_hidden_from(user))
    return [tag for tag in directory.tags if tag not in hidden] if hidden else directory.tags
