"""The SQL a block of a test sends to the database: for tests that count statements."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from tracker.extensions import db


@contextmanager
def statements_sent() -> Iterator[list[str]]:
    """Collect every statement sent to the app's database while the block runs, in order
    (BEGIN and COMMIT too: a test leaves out what it does not count)."""
    sent: list[str] = []

    def record(_connection, _cursor, statement, *_args) -> None:
        sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
