"""What people quote to find a candidate: a reference, a phone number, an email address.

Applicants are told to quote their reference, and colleagues pass on a phone number or an
address; an editor pastes it into the inbox's search box however it was written.
:func:`quoted_search` reads a query as each of these (several, one or none may apply) and
:func:`inbox_search_ids` selects what it names together with what the full-text search
(tracker.search) finds:

- a reference in any spelling – ``CW-GPZX-P3``, ``cw gpzx p3``, ``cwgpzxp3``, ``GPZX-P3``
  (the prefix added): one equality on the unique reference column; the distinctive part
  alone, ``GPZX`` (or ``CW-GPZX``), matches the references that start with it;
- a phone number: digits only are compared, so ``+995 555 12 34 56`` and
  ``00995555123456`` are one number, and at least six digits match any contiguous run of a
  stored number's digits (``+995 555``, ``555123456``). Fewer digits are no phone search:
  they would match half the inbox. A leading ``00`` (international) or ``0`` (trunk
  prefix) is left out, since the stored number may be written either way;
- an email address, exactly and case-insensitively: addresses are stored lower-cased in
  their ASCII form, so it is one indexed equality.

What the user typed only ever reaches the database as bound parameters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import ColumnElement, CompoundSelect, Select, false, func, select, union

from tracker.extensions import db
from tracker.models import Application
from tracker.search import matching_application_ids

# A phone fragment shorter than this is no phone search (see the module's docstring).
MIN_PHONE_DIGITS = 6
# What people write between the digits of a phone number; stripped on both sides.
PHONE_SEPARATORS = (" ", "\u00a0", "+", "-", "(", ")", ".", "/")
_PHONE_QUERY = re.compile(r"[0-9 \u00a0+\-().\/]+")
# What people write between the parts of a reference.
_REFERENCE_SEPARATORS = re.compile(r"[\s\-_./]+")
_EMAIL_QUERY = re.compile(r"[^@\s]+@[^@\s]+")


@dataclass(frozen=True)
class QuotedSearch:
    """What a query names, read as a reference, a phone number and an email address."""

    # Whole references, e.g. ("CW-GPZX-P3",)
    references: tuple[str, ...] = ()
    # Starts of references, from the distinctive part alone, e.g. ("CW-GPZX-",)
    reference_starts: tuple[str, ...] = ()
    # The digits to find in a stored phone number, e.g. "995555"
    phone_digits: str | None = None
    # A lower-cased ASCII address
    email: str | None = None

    def __bool__(self) -> bool:
        return bool(self.references or self.reference_starts or self.phone_digits or self.email)

    def names(self, application: Application) -> bool:
        """Whether *application* is one this names (what :func:`quoted_matches` selects):
        a word search that happens to look like a reference ("Anna") names nobody."""
        reference = application.reference
        phone = application.phone or ""
        for separator in PHONE_SEPARATORS:
            phone = phone.replace(separator, "")
        return (
            reference in self.references
            or reference.startswith(self.reference_starts)
            or (self.phone_digits is not None and self.phone_digits in phone)
            or (self.email is not None and application.email == self.email)
        )


def quoted_search(query: str | None) -> QuotedSearch:
    """Return what *query* names as a reference, a phone number or an address."""
    query = (query or "").strip()
    if not query:
        return QuotedSearch()
    references, starts = _references(query, current_app.config["REFERENCE_PREFIX"])
    return QuotedSearch(
        references=references,
        reference_starts=starts,
        phone_digits=_phone_digits(query),
        email=_email(query),
    )


def _references(query: str, prefix: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    # Imported here: submit queues mail, and mail reads the inbox query, which imports us.
    from tracker.applications.submit import REFERENCE_ALPHABET

    compact = _REFERENCE_SEPARATORS.sub("", query).upper()
    if not (compact.isascii() and compact.isalnum()):
        return (), ()
    # "CWGPZX" may be the prefix and the distinctive part, or six characters of a reference
    # pasted without the prefix: both are looked up. The prefix is stored as configured.
    bodies = [compact]
    if compact.startswith(prefix.upper()):
        bodies.append(compact[len(prefix) :])
    references, starts = [], []
    for body in bodies:
        if not all(char in REFERENCE_ALPHABET for char in body):
            continue
        if len(body) == 6:
            references.append(f"{prefix}-{body[:4]}-{body[4:]}")
        elif len(body) == 4:
            starts.append(f"{prefix}-{body}-")
    return tuple(references), tuple(starts)


def _phone_digits(query: str) -> str | None:
    if not _PHONE_QUERY.fullmatch(query):
        return None
    digits = re.sub(r"[^0-9]", "", query)
    if len(digits) < MIN_PHONE_DIGITS:
        return None
    for international_or_trunk in ("00", "0"):
        if digits.startswith(international_or_trunk):
            shorter = digits[len(international_or_trunk) :]
            return shorter if len(shorter) >= MIN_PHONE_DIGITS else digits
    return digits


def _email(query: str) -> str | None:
    if not _EMAIL_QUERY.fullmatch(query):
        return None
    try:
        # The same normalisation as the form's (an internationalised domain in punycode).
        address = validate_email(query, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        return query.lower()
    return address.ascii_email.lower()


def phone_digits(phone: ColumnElement) -> ColumnElement:
    """Return *phone* without the separators people write, as an SQL expression."""
    for separator in PHONE_SEPARATORS:
        phone = func.replace(phone, separator, "")
    return phone


def _starting_with(start: str) -> ColumnElement[bool]:
    # The start is checked against REFERENCE_ALPHABET: no wildcard can be in it. SQLite's
    # case-sensitive GLOB walks the reference's unique index; PostgreSQL's LIKE reads the
    # short column of every row unless the database's collation is C.
    if db.session.get_bind().dialect.name == "sqlite":
        return Application.reference.op("GLOB")(start + "*")
    return Application.reference.like(start + "%")


def quoted_matches(quoted: QuotedSearch) -> list[Select]:
    """Return one SELECT of application ids per thing *quoted* names (none if nothing).

    Separate statements, not one OR: each uses its own index (the reference's, the
    address's); only the phone number, stored as typed, is compared row by row.
    """
    selects = []
    if quoted.references:
        selects.append(Application.reference.in_(quoted.references))
    selects.extend(_starting_with(start) for start in quoted.reference_starts)
    if quoted.phone_digits:
        selects.append(phone_digits(Application.phone).contains(quoted.phone_digits))
    if quoted.email:
        selects.append(Application.email == quoted.email)
    # correlate(None): inside the inbox's own SELECT FROM applications, each is a query of
    # its own, not a condition on the outer row.
    return [select(Application.id).where(condition).correlate(None) for condition in selects]


def inbox_search_ids(query: str, *, contact: bool = True) -> Select | CompoundSelect:
    """Return a SELECT of the ids of applications *query* finds, for ``Application.id.in_``:
    the full-text matches and whatever the query names as a reference, phone or address.

    Without *contact* (a guest reviewer's search) a query that reads as an email address or
    a phone number finds nothing at all – not through the full-text index either, which
    holds the address and the documents' text – and a reference is the only thing quoted.
    """
    quoted = quoted_search(query)
    if not contact:
        if quoted.email or quoted.phone_digits or "@" in query:
            return select(Application.id).where(false())
        quoted = QuotedSearch(quoted.references, quoted.reference_starts)
    words = matching_application_ids(query)
    quoted = quoted_matches(quoted)
    return union(words, *quoted) if quoted else words
