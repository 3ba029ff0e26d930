"""URL converters: an id in a path is a positive integer the database can hold."""

from __future__ import annotations

from werkzeug.routing import IntegerConverter

# The largest id our tables hold: their keys are PostgreSQL INTEGER (32-bit), the
# narrowest backend; a larger number would overflow in the database, not find nothing.
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """Match ``<int:…>`` only up to :data:`MAX_ID`.

    A larger number would reach the database and overflow there (SQLite raises
    OverflowError: a 500); beyond the limit no row can exist, so the route does not match
    and the visitor gets the ordinary 404.
    """

    def __init__(self, map, *args, **kwargs):  # noqa: A002 - werkzeug's parameter name
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def install(app) -> None:
    """Make every ``<int:…>`` in the app's routes an :class:`IdConverter`; call before routes."""
    app.url_map.converters["int"] = IdConverter
