"""What a password a staff member chooses must not be: easy to guess, their own name or
address, or one of their last passwords (OWASP ASVS 4.0 level 2, V2.1).

The length rule (12 to 128 characters) is checked first, in accounts.passwords; these rules
only ever see a password of allowed length. Every check runs offline: zxcvbn carries its own
lists of common passwords, words and names.
"""

from __future__ import annotations

import re
import unicodedata

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from werkzeug.security import check_password_hash

from tracker.accounts.common import PASSWORD_HISTORY, PASSWORD_MAX_LENGTH, AccountError
from tracker.extensions import db
from tracker.models import PasswordHistoryEntry, User

# zxcvbn scores 0 to 4; 3 means more than 10^8 guesses: "safely unguessable" in its terms,
# and the level below which it explains what makes a password weak.
MIN_STRENGTH = 3
# A part of a name or address shorter than this is not looked for inside a password: "Al"
# or "Ana" would refuse many good passwords ("canal", "banana") for no gain.
MIN_PERSONAL_PART = 4

# Why zxcvbn found a password easy to guess, by the kind of its longest weak part. Our own
# sentences, translated: zxcvbn's feedback exists in English only.
TOO_EASY = {
    "passwords": _l(
        "This password is too easy to guess: it is one of the most common passwords "
        "or close to one."
    ),
    "user_inputs": _l(
        "This password is too easy to guess: it is built from your name or email address."
    ),
    "names": _l("This password is too easy to guess: it is built around a common name."),
    "words": _l("This password is too easy to guess: it is built around a common word."),
    "spatial": _l(
        "This password is too easy to guess: it follows neighbouring keys on the keyboard."
    ),
    "repeat": _l(
        "This password is too easy to guess: it repeats a character or a group of characters."
    ),
    "sequence": _l("This password is too easy to guess: it is a sequence like abcd or 9876."),
    "date": _l("This password is too easy to guess: it is built around a date or a year."),
    "other": _l(
        "This password is too easy to guess. A few unrelated words make a password that is "
        "hard to guess and easy to remember."
    ),
}
NAME_LISTS = {"female_names", "male_names", "surnames"}


class WeakPasswordError(AccountError):
    """A chosen password is easy to guess, contains the account's name or address, or was
    one of its last passwords."""


def check_new_password(user: User, password: str) -> None:
    """Raise WeakPasswordError with a message for the person if *user* may not choose
    *password*; return None if it passes every rule.

    The cheap rules come first; the history check costs one scrypt hash per remembered
    password, so call this before taking the write lock.
    """
    if contains_personal_data(password, personal_data(user)):
        raise WeakPasswordError(
            _l("Your password must not contain your name or your email address.")
        )
    weakness = guessability(password, personal_data(user))
    if weakness is not None:
        raise WeakPasswordError(TOO_EASY[weakness])
    if was_used_before(user, password):
        raise WeakPasswordError(
            _l(
                "You have used this password before. Please choose one that differs from "
                "your last %(count)s passwords.",
                count=PASSWORD_HISTORY,
            )
        )


def personal_data(user: User) -> list[str]:
    """Return what a password of *user* must not contain: the address, its local part and
    the name, each also in its pieces (words of the name, parts of the local part)."""
    local_part = user.email.rsplit("@", 1)[0]
    pieces = re.split(r"[\W_]+", f"{local_part} {user.name}")
    return [user.email, local_part, user.name, *(piece for piece in pieces if piece)]


def folded(text: str) -> str:
    """Return *text* compared loosely: case, accents and everything but letters and digits
    dropped, so that "Ana Müller" is found in "anamuller!" and "ana.muller"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if char.isalnum())


def contains_personal_data(password: str, data: list[str]) -> bool:
    """Tell whether *password* contains one of *data* of 4 characters or more."""
    haystack = folded(password)
    needles = {folded(item) for item in data}
    return any(len(needle) >= MIN_PERSONAL_PART and needle in haystack for needle in needles)


def guessability(password: str, user_inputs: list[str]) -> str | None:
    """Return why *password* is easy to guess (a key of TOO_EASY), or None if it is not."""
    from zxcvbn import zxcvbn  # its word lists take 12 MB: loaded where a password is set

    result = zxcvbn(password, user_inputs=user_inputs, max_length=PASSWORD_MAX_LENGTH)
    if result["score"] >= MIN_STRENGTH:
        return None
    # Like zxcvbn's own feedback: the longest part of the password explains its weakness.
    longest = max(result["sequence"], key=lambda match: len(match["token"]))
    pattern = longest["pattern"]
    if pattern == "dictionary":
        source = longest["dictionary_name"]
        if source in {"passwords", "user_inputs"}:
            return source
        return "names" if source in NAME_LISTS else "words"
    if pattern == "regex":  # zxcvbn's only regex finds recent years
        return "date"
    return pattern if pattern in TOO_EASY else "other"


def previous_hashes(user: User) -> list[str]:
    """Return the hashes of *user*'s remembered previous passwords, newest first."""
    return list(
        db.session.scalars(
            select(PasswordHistoryEntry.password_hash)
            .where(PasswordHistoryEntry.user_id == user.id)
            .order_by(PasswordHistoryEntry.id.desc())
            .limit(PASSWORD_HISTORY - 1)
        )
    )


def was_used_before(user: User, password: str) -> bool:
    """Tell whether *password* is *user*'s current password or one of the ones before it
    (the last PASSWORD_HISTORY in all)."""
    hashes = [user.password_hash, *previous_hashes(user)]
    return any(check_password_hash(stored, password) for stored in hashes)


def remember_password(user: User, old_hash: str) -> None:
    """Keep *old_hash*, the password *user* had until now, in the caller's transaction,
    and forget the ones older than the last PASSWORD_HISTORY."""
    db.session.add(PasswordHistoryEntry(user_id=user.id, password_hash=old_hash))
    db.session.flush()
    newest_first = db.session.scalars(
        select(PasswordHistoryEntry.id)
        .where(PasswordHistoryEntry.user_id == user.id)
        .order_by(PasswordHistoryEntry.id.desc())
    ).all()
    forgotten = newest_first[PASSWORD_HISTORY - 1 :]
    if forgotten:
        db.session.execute(
            delete(PasswordHistoryEntry).where(PasswordHistoryEntry.id.in_(forgotten))
        )
