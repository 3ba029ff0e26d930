"""Two-factor sign-in for staff: TOTP enrolment, code checks and one-time recovery codes.

A staff account with a ``totp_secret`` signs in with its password and then a six-digit
code from an authenticator app (RFC 6238), or one of ten recovery codes printed at
enrolment. A code is accepted once: the account remembers the last time step used, so a
code read over a shoulder or from a proxy log cannot be replayed, even within its
30 seconds.
"""

from __future__ import annotations

import hmac
import io
import re
import secrets
import time

import pyotp
import segno
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from werkzeug.security import check_password_hash, generate_password_hash

from tracker.accounts.common import lock_user
from tracker.audit import record_event
from tracker.database import begin_write
from tracker.extensions import db
from tracker.models import RecoveryCode, User, utcnow

RECOVERY_CODE_COUNT = 10
# Steps either side of now that still count: phones' clocks drift, and typing takes time.
VALID_WINDOW = 1
# Recovery codes carry 60 random bits (12 base32 characters), so a fast hash is as safe
# against a stolen database as a slow one – and checking ten of them with scrypt at every
# attempt would cost a second of CPU per try.
_RECOVERY_HASH_METHOD = "pbkdf2:sha256:20000"
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
_CODE_PATTERN = re.compile(r"^[0-9]{6}$")


class TwoFactorError(ValueError):
    """Two-factor sign-in cannot be set up or changed as asked."""


def begin_enrolment(user: User) -> str:
    """Return a fresh random secret for *user* to scan; nothing is stored until confirmed."""
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    """Return the ``otpauth://`` URI an authenticator app reads from the QR code."""
    issuer = current_app.config["SITE_NAME"]
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=issuer)


def qr_svg(uri: str) -> str:
    """Return SVG markup of a QR code for *uri*, made on our server.

    The secret never goes to a third-party QR service. segno's SVG has no ``style``
    attribute or element (only presentation attributes), so it passes our strict CSP.
    """
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(
        buffer, kind="svg", xmldecl=False, svgns=True, nl=False, scale=5, svgclass="qr-code"
    )
    return buffer.getvalue().decode("ascii")


def _normalise_code(code: str | None) -> str:
    return re.sub(r"[\s-]", "", code or "")


def _matching_step(secret: str, code: str | None, now: float | None = None) -> int | None:
    """Return the time step whose code is *code* within the valid window, else None."""
    code = _normalise_code(code)
    if not _CODE_PATTERN.match(code):
        return None
    totp = pyotp.TOTP(secret)
    now = time.time() if now is None else now
    current = int(now) // totp.interval
    found = None
    # Compare against every step of the window (no early exit): the time taken does not
    # tell which step matched.
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            found = step
    return found


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def _lock(user: User) -> User:
    locked = lock_user(user.id)
    if locked is None:  # pragma: no cover - the account was deleted under us
        db.session.rollback()
        raise TwoFactorError(_l("This account no longer exists."))
    return locked


def confirm_enrolment(user: User, secret: str, code: str, *, now: float | None = None) -> list[str]:
    """Store *secret* once *code* proves the app has it; return ten new recovery codes.

    The plain codes are returned this once and only their hashes are stored. Earlier
    recovery codes stop working. Commits.

    :raises TwoFactorError: if *code* is not the current code for *secret*.
    """
    step = _matching_step(secret, code, now)
    if step is None:
        raise TwoFactorError(
            _l("This code is not right. Please enter the code your app shows now.")
        )
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    hashes = [generate_password_hash(c, method=_RECOVERY_HASH_METHOD) for c in codes]
    begin_write()
    user = _lock(user)
    user.totp_secret = secret
    user.totp_last_step = step  # the confirming code is spent too
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=h) for h in hashes)
    record_event("account.two_factor_enabled", actor=user, user_id=user.id)
    db.session.commit()
    return codes


def verify(user: User, code: str | None, *, now: float | None = None) -> bool:
    """Tell whether *code* is a fresh TOTP code of *user*; a used step is refused. Commits.

    The step is checked and stored under a row lock, so two requests with one code
    cannot both pass.
    """
    if not user.totp_secret:
        return False
    step = _matching_step(user.totp_secret, code, now)
    if step is None:
        return False
    begin_write()
    user = _lock(user)
    spent = user.totp_last_step is not None and step <= user.totp_last_step
    if user.totp_secret is None or spent:
        db.session.rollback()
        return False
    user.totp_last_step = step
    db.session.commit()
    return True


def use_recovery_code(user: User, code: str | None) -> bool:
    """Tell whether *code* is an unused recovery code of *user*, and spend it. Commits."""
    code = _normalise_code(code).lower()
    if len(code) != 12:
        return False
    code = f"{code[:4]}-{code[4:8]}-{code[8:]}"
    begin_write()
    _lock(user)
    unused = db.session.scalars(
        select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ).all()
    for row in unused:
        if check_password_hash(row.code_hash, code):
            row.used_at = utcnow()
            record_event(
                "account.recovery_code_used",
                actor=user,
                user_id=user.id,
                remaining=len(unused) - 1,
            )
            db.session.commit()
            return True
    db.session.rollback()
    return False


def remaining_recovery_codes(user: User) -> int:
    """Return how many unused recovery codes *user* has."""
    return len(
        db.session.scalars(
            select(RecoveryCode.id).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
            )
        ).all()
    )


def disable(user: User, *, by: User) -> None:
    """Turn two-factor sign-in off for *user* and delete its recovery codes. Commits."""
    begin_write()
    user = _lock(user)
    user.totp_secret = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    record_event("account.two_factor_disabled", actor=by, user_id=user.id)
    db.session.commit()


def is_required(user: User) -> bool:
    """Tell whether *user* must enrol before using staff pages (admins, when configured)."""
    return (
        bool(current_app.config.get("REQUIRE_2FA_FOR_ADMINS"))
        and user.is_admin
        and not user.totp_secret
    )


def is_mandatory(user: User) -> bool:
    """Tell whether *user* must keep two-factor sign-in (admins, when configured)."""
    return user.is_admin and bool(current_app.config["REQUIRE_2FA_FOR_ADMINS"])


def is_app_code(code: str) -> bool:
    """Tell whether *code* looks like an authenticator app's code rather than a recovery code."""
    return code.replace(" ", "").isdigit()


def check_sign_in_code(user: User, code: str) -> bool:
    """Tell whether *code* is a fresh app code or an unused recovery code of *user*, and
    spend it. Commits."""
    if is_app_code(code):
        return verify(user, code)
    return use_recovery_code(user, code)
