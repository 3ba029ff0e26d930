"""The inbox columns a person keeps: stored on their account, unknown keys refused."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tracker.extensions import db
from tracker.inbox.columns import (
    DEFAULT_COLUMNS,
    OPTIONAL_COLUMNS,
    ColumnsError,
    inbox_columns,
    set_inbox_columns,
)
from tracker.models import User


def stored(user: User):
    """Return the account's stored choice as the database has it."""
    db.session.expire_all()
    return db.session.scalar(select(User.inbox_columns).where(User.id == user.id))


def test_an_account_that_never_chose_shows_the_default_columns(make_user):
    user = make_user()
    assert stored(user) is None
    # Every column but the writing-sample facts' two, which came later and are chosen.
    assert inbox_columns(user) == DEFAULT_COLUMNS == tuple(OPTIONAL_COLUMNS)[:-2]
    assert tuple(OPTIONAL_COLUMNS)[-2:] == ("sample_language", "possible_copy")


def test_the_choice_is_stored_in_the_tables_order_and_only_for_that_account(make_user):
    user, colleague = make_user(), make_user("giorgi@example.org")
    assert set_inbox_columns(user, ["received", "regions", "status"]) == (
        "regions",
        "status",
        "received",
    )
    assert stored(user) == ["regions", "status", "received"]
    assert inbox_columns(user) == ("regions", "status", "received")
    assert stored(colleague) is None
    assert inbox_columns(colleague) == DEFAULT_COLUMNS


def test_no_optional_column_at_all_is_a_choice_too(make_user):
    user = make_user()
    assert set_inbox_columns(user, []) == ()
    assert stored(user) == []
    assert inbox_columns(user) == ()


def test_an_unknown_key_is_refused_and_nothing_is_written(make_user):
    user = make_user()
    set_inbox_columns(user, ["regions"])
    with pytest.raises(ColumnsError, match="^email, salary$"):
        set_inbox_columns(user, ["status", "salary", "email"])
    assert stored(user) == ["regions"]


def test_a_stored_key_that_is_no_longer_a_column_is_skipped(make_user):
    user = make_user(inbox_columns=["documents", "shoe_size", "regions"])
    assert inbox_columns(user) == ("regions", "documents")
