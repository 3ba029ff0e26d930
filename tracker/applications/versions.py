"""One application per person and call: a repeat within a day, and later versions.

Applicants press Back after sending and send the form again, or send a corrected CV the
next week. The same address sending the same documents (the same files by kind, the same
cover-letter text and writing-sample link) to the same call within
:data:`DUPLICATE_WINDOW` is a repeat: :func:`find_duplicate` finds the application it
repeats, and nothing new is stored. Anything else from an address that already applied is
a new *version* of that person's application.

Versions are derived, not stored: the applications of one call from one address, ordered
by when they arrived (``created_at``, then ``id``). No column links them, so erasing one
version needs no fix-ups; the others simply renumber.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache

from babel import Locale
from sqlalchemy import Select, and_, bindparam, func, literal_column, or_, select, union_all

from tracker.applications.people import name_key, normalise_email, related_statement
from tracker.database import PREPARE, in_bound_list, on_postgresql
from tracker.enums import Status
from tracker.extensions import db
from tracker.inbox.scope import hidden_at_risk, scope_of
from tracker.models import Application, Call, User, utcnow

DUPLICATE_WINDOW = timedelta(hours=24)

# English ordinal suffixes by Babel's ordinal plural category (CLDR): 1st, 2nd, 3rd, 4th,
# 11th, 12th, 13th, 21st, 22nd, 101st … (the rules for 11–13 and 111 are CLDR's).
_ENGLISH_SUFFIXES = {"one": "st", "two": "nd", "few": "rd"}


# Asked at every submission: built once, and prepared on PostgreSQL.
_RECENT_ALIKE = (
    select(Application)
    .where(
        Application.call_id == bindparam("call_id"),
        Application.email == bindparam("email"),
        Application.created_at >= bindparam("since"),
        # Sending again after withdrawing is applying anew, not pressing Back.
        Application.status != Status.WITHDRAWN.value,
        Application.cover_letter.is_not_distinct_from(bindparam("cover_letter")),
        Application.writing_sample_url.is_not_distinct_from(bindparam("writing_sample_url")),
    )
    .order_by(Application.created_at.desc(), Application.id.desc())
    .execution_options(**PREPARE)
)


def find_duplicate(
    call: Call,
    email: str,
    *,
    cover_letter: str | None,
    writing_sample_url: str | None,
    documents: Mapping[str, str],
    now: datetime | None = None,
) -> Application | None:
    """Return the application from *email* to *call* in the last 24 hours with these documents.

    :param documents: the sha256 of each sent file by its kind (``{"cv": "9f86…"}``); the
        stored application must have exactly these files, no more and no fewer.
    :param cover_letter: the typed cover letter; "" and None both mean none was typed.
    :returns: the newest such application that is not withdrawn, or None when this is no
        repeat.
    """
    candidates = db.session.scalars(
        _RECENT_ALIKE,
        {
            "call_id": call.id,
            "email": normalise_email(email),
            "since": (now or utcnow()) - DUPLICATE_WINDOW,
            # "" and None both mean none was typed, and are stored as None.
            "cover_letter": cover_letter or None,
            "writing_sample_url": writing_sample_url or None,
        },
    )
    wanted = {str(kind): sha256 for kind, sha256 in documents.items()}
    for candidate in candidates:
        if {doc.kind: doc.sha256 for doc in candidate.documents} == wanted:
            return candidate
    return None


@dataclass
class Versions:
    """Where one application stands among its address's applications to the same call."""

    number: int
    earlier: list[Application] = field(default_factory=list)
    later: list[Application] = field(default_factory=list)

    @property
    def previous(self) -> Application | None:
        """Return the version just before this one, if any."""
        return self.earlier[-1] if self.earlier else None


# Built once, the call and address bound at execution: building a statement and its cache
# key costs more than running it.
_SAME_CALL_AND_ADDRESS = and_(
    Application.call_id == bindparam("call_id"), Application.email == bindparam("email")
)
_SIBLINGS = (
    select(Application)
    .where(_SAME_CALL_AND_ADDRESS)
    .order_by(Application.created_at, Application.id)
)


def versions_of(application: Application) -> Versions:
    """Return *application*'s version number and its earlier and later versions, oldest first."""
    siblings = list(
        db.session.scalars(
            _SIBLINGS,
            {"call_id": application.call_id, "email": normalise_email(application.email)},
        )
    )
    return _versions(application, siblings)


def _versions(application: Application, siblings: list[Application]) -> Versions:
    """Return where *application* stands among *siblings* (its call's and address's
    applications, itself included, oldest first)."""
    position = next(
        (index for index, other in enumerate(siblings) if other.id == application.id), 0
    )
    return Versions(
        number=position + 1,
        earlier=siblings[:position],
        later=siblings[position + 1 :],
    )


@dataclass
class Relatives:
    """An application's relatives: the person's other applications and its own versions."""

    # people.related_applications: newest first, at most people.RELATED_LIMIT.
    related: list[Application]
    versions: Versions


@cache
def _relatives_statement(*, by_name: bool, scoped: bool = False) -> Select:
    # The two lookups of related_applications and versions_of as one statement (one round
    # trip for the candidate page): a UNION ALL of each one's ids, marked with its kind,
    # joined to the rows. The related part keeps its order and limit in a subquery of its
    # own. Built once for each shape, the values bound at execution.
    related = related_statement(by_name=by_name).with_only_columns(Application.id).subquery()
    relatives = union_all(
        select(literal_column("'related'").label("kind"), related.c.id),
        select(literal_column("'version'").label("kind"), Application.id).where(
            _SAME_CALL_AND_ADDRESS
        ),
    ).subquery("relatives")
    statement = select(relatives.c.kind, Application).join(
        Application, Application.id == relatives.c.id
    )
    if scoped:  # without the applicants at risk the viewer may not see (viewer_id bound)
        statement = statement.where(
            Application.id.not_in(hidden_at_risk(bindparam("viewer_id")))
            | (Application.id == bindparam("id"))
        )
    return statement.execution_options(**PREPARE)


def relatives_of(application: Application, *, viewer: User | None = None) -> Relatives:
    """Return what :func:`people.related_applications` and :func:`versions_of` return for
    *application*, read in one statement; without the applicants at risk *viewer* may
    not see (tracker.inbox.scope)."""
    key = name_key(application.full_name)
    parameters = {
        "id": application.id,
        "email": normalise_email(application.email),
        "key": key,
        "call_id": application.call_id,
    }
    related: list[Application] = []
    siblings: list[Application] = []
    scope = scope_of(viewer)
    if scope is not None:
        parameters["viewer_id"] = scope.viewer_id
    statement = _relatives_statement(by_name=bool(key), scoped=scope is not None)
    for kind, other in db.session.execute(statement, parameters):
        (related if kind == "related" else siblings).append(other)
    related.sort(key=_arrival, reverse=True)
    siblings.sort(key=_arrival)
    return Relatives(related, _versions(application, siblings))


def _arrival(application: Application) -> tuple[datetime, int]:
    return (application.created_at, application.id)


@cache
def _of_addresses(postgresql: bool, scoped: bool = False) -> Select:
    # Built once per database: the addresses are bound at execution (50 on an inbox page);
    # *scoped*: without the applicants at risk the viewer may not see (viewer_id bound).
    statement = select(Application.id, Application.call_id, Application.email).where(
        in_bound_list(Application.email, "emails", postgresql=postgresql)
    )
    if scoped:
        statement = statement.where(Application.id.not_in(hidden_at_risk(bindparam("viewer_id"))))
    return statement.order_by(Application.created_at, Application.id).execution_options(**PREPARE)


def version_numbers(
    applications: list[Application], *, viewer: User | None = None
) -> dict[int, int]:
    """Return the version number of each of *applications* by id, in one query (the inbox),
    counting only the versions *viewer* may see (tracker.inbox.scope).

    Only the ids, calls, addresses and times of the addresses' applications are read: a
    page of 50 rows costs one indexed query, however many applications there are.
    """
    emails = {normalise_email(application.email) for application in applications}
    if not emails:
        return {}
    counters: dict[tuple[int, str], int] = {}
    numbers = {}
    # Core rows through the session's connection, as inbox_page reads its rows' details.
    scope = scope_of(viewer)
    values: dict = {"emails": list(emails)}
    if scope is not None:
        values["viewer_id"] = scope.viewer_id
    statement = _of_addresses(on_postgresql(), scope is not None)
    rows = db.session.connection().execute(statement, values)
    for application_id, call_id, email in rows:
        key = (call_id, email)
        counters[key] = counters.get(key, 0) + 1
        numbers[application_id] = counters[key]
    return {application.id: numbers.get(application.id, 1) for application in applications}


# Asked for every acknowledgement (its version note): built once, prepared on PostgreSQL.
_EARLIER_VERSIONS = (
    select(func.count())
    .select_from(Application)
    .where(
        Application.call_id == bindparam("call_id"),
        Application.email == bindparam("email"),
        or_(
            Application.created_at < bindparam("created_at"),
            and_(
                Application.created_at == bindparam("created_at"),
                Application.id < bindparam("id"),
            ),
        ),
    )
    .execution_options(**PREPARE)
)


def version_number(application: Application) -> int:
    """Return 1 for an address's first application to a call, 2 for the next, and so on."""
    # Counted, not listed (versions_of): the acknowledgement and the thanks page need only
    # the number, and reading every earlier version's row costs time inside the write. A
    # plain value through the connection: the application is flushed, nothing else counts.
    earlier = db.session.connection().scalar(
        _EARLIER_VERSIONS,
        {
            "call_id": application.call_id,
            "email": normalise_email(application.email),
            "created_at": application.created_at,
            "id": application.id,
        },
    )
    return earlier + 1


def ordinal(number: int, language: str) -> str:
    """Return *number* as an ordinal numeral for "application" in *language*.

    English "2nd", German "2.", Russian "2-я" (feminine, agreeing with «заявка»), Georgian
    "მე-2" (but "1-ლი"), Armenian "2-րդ" (but "1-ին"), Azerbaijani "2-ci" (its suffix
    follows the vowel of the number's last spoken word); the texts that use it read
    "%(ordinal)s application", so the numeral stands before the noun.
    """
    if language == "en":
        suffix = _ENGLISH_SUFFIXES.get(Locale("en").ordinal_form(number), "th")
        return f"{number}{suffix}"
    if language == "ru":
        return f"{number}-я"
    if language == "ka":
        return "1-ლი" if number == 1 else f"მე-{number}"
    if language == "hy":
        return "1-ին" if number == 1 else f"{number}-րդ"
    if language == "az":
        return f"{number}-{_azerbaijani_suffix(number)}"
    return f"{number}."


# The ordinal suffix of Azerbaijani follows the last vowel of the number's last spoken word:
# bir, iki, beş, yeddi, səkkiz, iyirmi, əlli, yetmiş, səksən, min "-ci"; üç, dörd, yüz
# "-cü"; altı, qırx, altmış, doxsan "-cı"; doqquz, on, otuz "-cu".
_AZERBAIJANI_UNITS = {
    1: "ci",
    2: "ci",
    3: "cü",
    4: "cü",
    5: "ci",
    6: "cı",
    7: "ci",
    8: "ci",
    9: "cu",
}
_AZERBAIJANI_TENS = {
    10: "cu",
    20: "ci",
    30: "cu",
    40: "cı",
    50: "ci",
    60: "cı",
    70: "ci",
    80: "ci",
    90: "cı",
}


def _azerbaijani_suffix(number: int) -> str:
    if number % 10:
        return _AZERBAIJANI_UNITS[number % 10]
    if number % 100:
        return _AZERBAIJANI_TENS[number % 100]
    return "cü" if number % 1000 else "ci"  # yüz, min
