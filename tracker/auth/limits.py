"""Rate limits of the sign-in pages: their sizes, whom they count, and which tries count."""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app, g, request
from flask_login import current_user

from tracker.accounts.common import EMAIL_MAX_LENGTH, AccountError, normalise_staff_email
from tracker.auth.browser_session import pending_user
from tracker.extensions import limiter


def login_limit_per_ip() -> str:
    """Return how many failed sign-in attempts one address may make."""
    return current_app.config["LOGIN_LIMIT_PER_IP"]


def login_limit_per_account() -> str:
    """Return how many failed sign-in attempts one account may see."""
    return current_app.config["LOGIN_LIMIT_PER_ACCOUNT"]


def reset_limit_per_ip() -> str:
    """Return how many reset links one address may ask for."""
    return current_app.config["RESET_LIMIT_PER_IP"]


def _account_key(address: str) -> str:
    # Keyed hash: a short key of fixed length, and no addresses in the rate-limit store
    # (Redis) that a dictionary of likely addresses could recover.
    key = current_app.secret_key.encode()
    return "account:" + hmac.new(key, address.encode(), hashlib.sha256).hexdigest()


def submitted_account() -> str:
    """Return the rate-limit key of the account named in the sign-in form."""
    address = request.form.get("email", "")[: EMAIL_MAX_LENGTH + 1]
    try:
        address = normalise_staff_email(address)
    except AccountError:
        address = address.strip().lower()
    return _account_key(address)


def signed_in_account() -> str:
    """Return the rate-limit key of the signed-in account."""
    return f"user:{current_user.get_id()}"


def pending_account() -> str:
    """Return the rate-limit key of the account waiting for its second factor.

    Built like the password form's key (a keyed hash of the address, nothing else):
    wrong codes for one account are counted whichever browser or address sends them.
    """
    user = pending_user()
    return _account_key(user.email if user is not None else "")


def note_failed_attempt() -> None:
    """Count this request against the limits: it checked a password or code, wrongly."""
    g.failed_password_check = True


def attempt_failed(_response) -> bool:
    """Tell whether this request checked a password and it was wrong.

    Only failures count: a colleague who signs in correctly twenty times is not locked
    out, and a request refused by a limit does not lengthen the lock.
    """
    return g.get("failed_password_check", False)


def failed_tries_per_ip():
    """Limit a sign-in route's POSTs by the failed password or code checks from one address."""
    return limiter.limit(login_limit_per_ip, methods=["POST"], deduct_when=attempt_failed)


def failed_tries_per_account(key_func):
    """Limit a route's POSTs by the failed checks against one account, named by *key_func*."""
    return limiter.limit(
        login_limit_per_account, key_func=key_func, methods=["POST"], deduct_when=attempt_failed
    )
