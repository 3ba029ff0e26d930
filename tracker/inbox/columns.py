"""The inbox's optional columns: which ones each staff member shows, kept on their account.

The name (with the reference and tags) and the checkbox for bulk actions are always shown;
every other column may be hidden. The choice lives in ``users.inbox_columns``: NULL until a
person chooses, which means :data:`DEFAULT_COLUMNS`.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l

from tracker.database import begin_write
from tracker.extensions import db
from tracker.models import User

# Every optional column, in the table's order, with the label of its header and checkbox.
OPTIONAL_COLUMNS = {
    "regions": _l("Regions covered"),
    "languages": _l("Languages"),
    "topics": _l("Topics"),
    "status": _l("Status"),
    "rating": _l("Rating"),
    "assignee": _l("Assignee"),
    "received": _l("Received"),
    "documents": _l("Documents"),
    "sample_language": _l("Sample language"),
    "possible_copy": _l("Possible copy"),
}
# What a person sees before choosing: every column, as before columns could be chosen. No
# cell keeps its text on one line, so even all of them fit 1400 px with long region and
# language lists (tests/e2e/test_inbox_layout.py).
# The writing-sample facts' columns came later and are chosen, not shown by default.
DEFAULT_COLUMNS = tuple(
    key for key in OPTIONAL_COLUMNS if key not in ("sample_language", "possible_copy")
)


class ColumnsError(ValueError):
    """The chosen columns cannot be kept (a key the inbox does not know)."""


def inbox_columns(user: User) -> tuple[str, ...]:
    """Return the optional columns *user* shows, in the table's order.

    A key that is no longer a column (a stored choice from an older version) is skipped.
    """
    chosen = user.inbox_columns
    if not isinstance(chosen, list):
        return DEFAULT_COLUMNS
    return tuple(key for key in OPTIONAL_COLUMNS if key in chosen)


def set_inbox_columns(user: User, keys: Iterable[str]) -> tuple[str, ...]:
    """Keep *keys* as the optional columns *user* shows, and commit; return them in order.

    :raises ColumnsError: a key is not an optional column; nothing is written then.
    """
    keys = set(keys)
    if not keys <= OPTIONAL_COLUMNS.keys():
        raise ColumnsError(", ".join(sorted(keys - OPTIONAL_COLUMNS.keys())))
    begin_write()
    user.inbox_columns = [key for key in OPTIONAL_COLUMNS if key in keys]
    db.session.commit()
    return tuple(user.inbox_columns)
