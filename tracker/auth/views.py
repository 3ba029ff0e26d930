"""Staff sign-in and sign-out, password change and reset, and the rules every session obeys.

Applicants never sign in; these pages are for editors and admins. Sessions live in
Flask's signed cookie, so they are ended on the server by bumping the account's session
version (see ``accounts.load_staff_user``), and limited in time by the timestamps they
carry (see :func:`end_expired_session`).
"""

from __future__ import annotations

import hashlib
import hmac
import time

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user

from .. import accounts
from ..access import Policy, policy_of, public, staff
from ..extensions import csrf, limiter, login_manager
from ..templating import has_endpoint
from .forms import ChangePasswordForm, LoginForm, ResetPasswordForm, ResetRequestForm

bp = Blueprint("auth", __name__, url_prefix="/auth")

# Pages a signed-in user who must choose a new password may still open.
_PASSWORD_CHANGE_EXEMPT = frozenset({"auth.change_password", "auth.logout", "static"})


@bp.record_once
def _configure_login_manager(state) -> None:
    """Send anonymous visitors of staff pages to the sign-in page, with a kind word."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to open this page.")
    login_manager.login_message_category = "info"
    # The message is flashed into the session, which stores plain strings only.
    login_manager.localize_callback = str


# --- rate limits --------------------------------------------------------------------------


def _login_limit_per_ip() -> str:
    return current_app.config["LOGIN_LIMIT_PER_IP"]


def _login_limit_per_account() -> str:
    return current_app.config["LOGIN_LIMIT_PER_ACCOUNT"]


def _reset_limit_per_ip() -> str:
    return current_app.config["RESET_LIMIT_PER_IP"]


def _submitted_account() -> str:
    """Return the rate-limit key of the account named in the sign-in form."""
    address = request.form.get("email", "")[: accounts.EMAIL_MAX_LENGTH + 1]
    try:
        address = accounts.normalise_staff_email(address)
    except accounts.AccountError:
        address = address.strip().lower()
    # Keyed hash: a short key of fixed length, and no addresses in the rate-limit store
    # (Redis) that a dictionary of likely addresses could recover.
    key = current_app.secret_key.encode()
    return "account:" + hmac.new(key, address.encode(), hashlib.sha256).hexdigest()


def _signed_in_account() -> str:
    return f"user:{current_user.get_id()}"


def _attempt_failed(_response) -> bool:
    """Tell whether this request checked a password and it was wrong.

    Only failures count: a colleague who signs in correctly twenty times is not locked
    out, and a request refused by a limit does not lengthen the lock.
    """
    return g.get("failed_password_check", False)


# --- sessions ------------------------------------------------------------------------------


def _start_session(user) -> None:
    """Sign *user* in on a fresh session: nothing from before the sign-in survives.

    Flask's session is a signed cookie without a server-side id, so rotating it means
    starting from an empty dict (a planted value cannot ride along into the signed-in
    session) and letting Flask-Login write a new ``_id`` and fresh marker.
    """
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    login_user(user)
    now = time.time()
    session["session_version"] = user.session_version
    session["login_at"] = now
    session["seen_at"] = now


def _end_session() -> None:
    logout_user()
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language


def _expiry(now: float) -> str | None:
    """Return "idle" or "absolute" if the signed-in session has run out, else None."""
    config = current_app.config
    idle = 60 * config["SESSION_IDLE_MINUTES"]
    absolute = 3600 * config["SESSION_ABSOLUTE_HOURS"]
    login_at, seen_at = session.get("login_at"), session.get("seen_at")
    if not _is_time(login_at) or now - login_at > absolute:
        return "absolute"
    if not _is_time(seen_at) or now - seen_at > idle:
        return "idle"
    return None


def _is_time(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _current_path() -> str:
    query = request.query_string.decode("latin-1")
    return f"{request.path}?{query}" if query else request.path


def _next_here() -> str | None:
    """Return this request's path as a `next` target; only a GET can be repeated later."""
    return accounts.safe_next_path(_current_path()) if request.method == "GET" else None


@bp.before_app_request
def end_expired_session():
    """Sign out a session that was idle too long or is older than its absolute lifetime."""
    if request.endpoint in (None, "static") or not current_user.is_authenticated:
        return None
    now = time.time()
    reason = _expiry(now)
    if reason is None:
        session["seen_at"] = now
        return None
    _end_session()
    if policy_of(request.endpoint) is Policy.PUBLIC:
        return None  # an applicant page: carry on, signed out
    config = current_app.config
    if reason == "idle":
        flash(
            _(
                "You were signed out after %(minutes)s minutes without activity. "
                "Please sign in again.",
                minutes=config["SESSION_IDLE_MINUTES"],
            ),
            "info",
        )
    else:
        flash(
            _(
                "You were signed out because you signed in more than %(hours)s hours ago. "
                "Please sign in again.",
                hours=config["SESSION_ABSOLUTE_HOURS"],
            ),
            "info",
        )
    return redirect(url_for("auth.login", next=_next_here()))


@bp.before_app_request
def require_password_change():
    """Keep a user who must choose a new password on that page until they have."""
    if (
        request.endpoint is None
        or request.endpoint in _PASSWORD_CHANGE_EXEMPT
        or not current_user.is_authenticated
        or not current_user.password_change_required
        or policy_of(request.endpoint) is Policy.PUBLIC
    ):
        return None
    return redirect(url_for("auth.change_password", next=_next_here()))


def _landing() -> str:
    """Return where a staff member goes after signing in when no page was asked for."""
    return url_for("review.inbox") if has_endpoint("review.inbox") else url_for("apply.index")


# --- pages ---------------------------------------------------------------------------------


def _error_summary(form) -> list[tuple[str, str, str]]:
    """Return (field id, label, message) for each error, in the order of the form."""
    return [
        (field.id, str(field.label.text), str(message))
        for field in form
        if field.name != "csrf_token"
        for message in field.errors
    ]


def _render(template: str, form, *, problem: str | None = None, status: int = 200, **context):
    errors = _error_summary(form)
    if getattr(form, "csrf_token", None) is not None and form.csrf_token.errors:
        # The session's token is gone (the cookie expired or was cleared): say so plainly.
        problem = _("This page had expired. Please try again.")
    if (errors or problem) and status == 200:
        status = 400
    return (
        render_template(
            template,
            form=form,
            errors=errors,
            problem=problem,
            password_min_length=accounts.PASSWORD_MIN_LENGTH,
            **context,
        ),
        status,
    )


@bp.route("/login", methods=["GET", "POST"])
# The form checks its own CSRF token, so that an expired one gets a kind message.
@csrf.exempt
@limiter.limit(_login_limit_per_ip, methods=["POST"], deduct_when=_attempt_failed)
@limiter.limit(
    _login_limit_per_account,
    key_func=_submitted_account,
    methods=["POST"],
    deduct_when=_attempt_failed,
)
@public
def login():
    """Show the sign-in form; sign a staff member in."""
    form = LoginForm()
    if current_user.is_authenticated:
        return redirect(_after_sign_in(accounts.safe_next_path(request.args.get("next"))))
    if request.method == "GET":
        form.next.data = accounts.safe_next_path(request.args.get("next")) or ""
        return _render("auth/login.html", form)
    if not form.validate():
        return _render("auth/login.html", form)
    user = accounts.authenticate(form.email.data, form.password.data)
    if user is None:
        g.failed_password_check = True
        # One message for unknown addresses, wrong passwords and inactive accounts.
        return _render(
            "auth/login.html",
            form,
            problem=_("The email address or the password is not right. Please try again."),
        )
    _start_session(user)
    return redirect(_after_sign_in(accounts.safe_next_path(form.next.data)))


def _after_sign_in(next_path: str | None) -> str:
    if current_user.password_change_required:
        return url_for("auth.change_password", next=next_path)
    return next_path or _landing()


@bp.post("/logout")
@staff
def logout():
    """Sign out: this browser, and every copy of its session cookie."""
    accounts.sign_out(current_user._get_current_object())
    _end_session()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@limiter.limit(
    _login_limit_per_account,
    key_func=_signed_in_account,
    methods=["POST"],
    deduct_when=_attempt_failed,
)
@staff
def change_password():
    """Let a signed-in staff member choose a new password (required after a one-time one)."""
    form = ChangePasswordForm()
    next_path = accounts.safe_next_path(request.values.get("next"))
    if request.method == "GET":
        form.next.data = next_path or ""
        return _render("auth/change_password.html", form)
    if not form.validate():
        return _render("auth/change_password.html", form)
    user = current_user._get_current_object()
    try:
        accounts.change_password(user, form.current_password.data, form.new_password.data, by=user)
    except accounts.WrongPasswordError as error:
        g.failed_password_check = True
        form.current_password.errors = [str(error)]
        return _render("auth/change_password.html", form)
    except accounts.AccountError as error:
        form.new_password.errors = [str(error)]
        return _render("auth/change_password.html", form)
    # Every other session ended with the old version; this one continues, renewed.
    _start_session(user)
    flash(_("Your new password is set. You have been signed out everywhere else."), "success")
    return redirect(next_path or _landing())


@bp.route("/reset", methods=["GET", "POST"])
@csrf.exempt
@limiter.limit(_reset_limit_per_ip, methods=["POST"])
@public
def request_reset():
    """Send a link to choose a new password; the answer never tells if an account exists."""
    form = ResetRequestForm()
    if request.method == "GET" or not form.validate():
        return _render("auth/request_reset.html", form)
    accounts.request_password_reset(form.email.data)
    flash(
        _(
            "If this address belongs to a staff account, we have sent a link to it. "
            "The link works once, for %(minutes)s minutes.",
            minutes=accounts.password_reset_max_age() // 60,
        ),
        "info",
    )
    return redirect(url_for("auth.login"))


@bp.route("/reset/<token>", methods=["GET", "POST"])
@csrf.exempt
@public
def reset_password(token: str):
    """Set a new password with the link from the reset email."""
    try:
        accounts.check_password_reset_token(token)
    except accounts.PasswordResetError as error:
        return _no_store(render_template("auth/reset_invalid.html", message=str(error)), 400)
    form = ResetPasswordForm()
    if request.method == "GET" or not form.validate():
        return _no_store(*_render("auth/reset_password.html", form))
    try:
        accounts.reset_password(token, form.new_password.data)
    except accounts.PasswordResetError as error:
        return _no_store(render_template("auth/reset_invalid.html", message=str(error)), 400)
    except accounts.AccountError as error:
        form.new_password.errors = [str(error)]
        return _no_store(*_render("auth/reset_password.html", form))
    # Whoever was signed in on this browser is signed out: the new password is a new start.
    _end_session()
    flash(_("Your new password is set. Please sign in with it."), "success")
    return redirect(url_for("auth.login"))


def _no_store(body: str, status: int):
    """Answer a page whose address holds a reset token: kept out of caches and Referers."""
    response = current_app.make_response((body, status))
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
