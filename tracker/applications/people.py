"""People behind applications: the same person applying twice, under any script.

Applicants from the Caucasus write their names in Latin, Cyrillic, Georgian or Armenian
letters, and the same person may use another script the next time. A *name key* makes
those spellings comparable: transliterated to ASCII (anyascii), lower-cased, letters only,
with the tokens sorted so that "Beridze Nino" and "Nino Beridze" agree. The key is stored
on the application at submission and indexed, so finding a person's other applications is
one indexed query however many applications there are.
"""

from __future__ import annotations

import contextlib
import re
from functools import cache

import idna
from anyascii import anyascii
from sqlalchemy import Select, bindparam, or_, select

from tracker.extensions import db
from tracker.models import Application

NAME_KEY_MAX_LENGTH = 200
RELATED_LIMIT = 50

_APOSTROPHES = re.compile(r"['`\u2019\u02bc]")
_LETTERS = re.compile(r"[a-z]+")
# Romanisations differ more than scripts do. These folds are applied to every key alike,
# so they only ever merge spellings, never split one: anyascii writes Armenian "ու" as
# "ow" where Armenians write "u" (Harutyunyan); Russian "дж" is "dzh" where Georgian "ჯ"
# is "j"; "-iy"/"-iya" endings (Georgiy, Yuliya) are commonly written "-i"/"-ia".
_FOLDS = (("dzh", "j"), ("ow", "u"), ("iy", "i"))


def normalise_email(address: str | None) -> str:
    """Return the form of *address* that identifies a person: trimmed and lower-cased."""
    return (address or "").strip().lower()


def mask_email(address: str) -> str:
    """Return *address* with its local part hidden, for pages anyone may open.

    ``nino.beridze@example.org`` becomes ``n***@example.org``; a local part of one or two
    characters is hidden whole (showing its first character would show half or all of it).
    A punycode domain is shown as its owner writes it (``xn--exmple-cua.org`` as
    ``exämple.org``), or as stored if it cannot be decoded.
    """
    local, _at, domain = (address or "").rpartition("@")
    shown = local[0] if len(local) > 2 else ""
    # Undecodable: shown as stored, which the applicant still recognises.
    with contextlib.suppress(idna.IDNAError, UnicodeError, ValueError):
        domain = idna.decode(domain)
    return f"{shown}***@{domain}"


def _fold(token: str) -> str:
    for old, new in _FOLDS:
        token = token.replace(old, new)
    return token


def name_key(full_name: str | None) -> str:
    """Return the script-independent key of *full_name* ("" when it has no letters).

    >>> name_key("Беридзе Нино") == name_key("Nino Beridze") == name_key("ნინო ბერიძე")
    True
    """
    ascii_name = _APOSTROPHES.sub("", anyascii(full_name or "").lower())
    tokens = sorted(_fold(token) for token in _LETTERS.findall(ascii_name))
    return " ".join(tokens)[:NAME_KEY_MAX_LENGTH]


def related_applications(application: Application) -> list[Application]:
    """Return other applications by the same person, newest first.

    The same person is the same email address (stored lower-cased) or the same name key.
    Both comparisons are indexed equalities, so this stays one fast query with 100,000
    applications.
    """
    key = name_key(application.full_name)
    return list(
        db.session.scalars(
            related_statement(by_name=bool(key)),
            {"id": application.id, "email": normalise_email(application.email), "key": key},
        )
    )


@cache
def related_statement(*, by_name: bool) -> Select:
    """Return the statement of :func:`related_applications` (``id``, ``email`` and, *by_name*,
    ``key`` bound at execution).

    Built once for each of the two shapes: a new statement's cache key costs more than
    running it.
    """
    same_person = Application.email == bindparam("email")
    if by_name:
        same_person = or_(same_person, Application.name_key == bindparam("key"))
    return (
        select(Application)
        .where(Application.id != bindparam("id"), same_person)
        .order_by(Application.created_at.desc(), Application.id.desc())
        .limit(RELATED_LIMIT)
    )
