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
from markupsafe import Markup

from tracker.accounts import two_factor
from tracker.accounts import users as accounts
from tracker.auth.forms import (
    ChangePasswordForm,
    LoginForm,
    ResetPasswordForm,
    ResetRequestForm,
    TwoFactorDisableForm,
    TwoFactorForm,
    TwoFactorSetupForm,
)
from tracker.extensions import csrf, db, limiter, login_manager
from tracker.models import User
from tracker.web.access import Policy, policy_of, public, staff
from tracker.web.templating import has_endpoint

bp = Blueprint("auth", __name__, url_prefix="/auth")

# Pages a signed-in user who must choose a new password may still open.
_PASSWORD_CHANGE_EXEMPT = frozenset({"auth.change_password", "auth.logout", "static"})
# Pages an admin who must set up two-factor sign-in may still open.
_TWO_FACTOR_SETUP_EXEMPT = _PASSWORD_CHANGE_EXEMPT | {"auth.two_factor_setup"}
# The half-signed-in state between a right password and a right code: its session key,
# and how long it lasts. Short, so that a browser left at the code prompt is not a
# password-free way in for the next person at the keyboard.
_PENDING_KEY = "two_factor_pending"
PENDING_SECONDS = 5 * 60
# The secret being enrolled, between showing the QR code and the confirming code.
_ENROL_KEY = "two_factor_enrol_secret"


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


def _pending_account() -> str:
    """Return the rate-limit key of the account waiting for its second factor.

    Built like the password form's key (a keyed hash of the address, nothing else):
    wrong codes for one account are counted whichever browser or address sends them.
    """
    user = _pending_user()
    address = user.email if user is not None else ""
    key = current_app.secret_key.encode()
    return "account:" + hmac.new(key, address.encode(), hashlib.sha256).hexdigest()


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
    """Keep a user who must choose a new password on that page until they have; then keep
    an admin without two-factor sign-in on its setup page, when the configuration asks."""
    if (
        request.endpoint is None
        or request.endpoint in _PASSWORD_CHANGE_EXEMPT
        or not current_user.is_authenticated
        or policy_of(request.endpoint) is Policy.PUBLIC
    ):
        return None
    if current_user.password_change_required:
        return redirect(url_for("auth.change_password", next=_next_here()))
    if request.endpoint not in _TWO_FACTOR_SETUP_EXEMPT and two_factor.is_required(current_user):
        return redirect(url_for("auth.two_factor_setup", next=_next_here()))
    return None


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
    next_path = accounts.safe_next_path(form.next.data)
    if user.totp_secret:
        _begin_second_factor(user, next_path)
        return redirect(url_for("auth.two_factor"))
    _start_session(user)
    return redirect(_after_sign_in(next_path))


def _after_sign_in(next_path: str | None) -> str:
    if current_user.password_change_required:
        return url_for("auth.change_password", next=next_path)
    if two_factor.is_required(current_user):
        return url_for("auth.two_factor_setup", next=next_path)
    return next_path or _landing()


# --- two-factor sign-in --------------------------------------------------------------------


def _begin_second_factor(user: User, next_path: str | None) -> None:
    """Remember, for a few minutes, that *user* gave the right password on this browser.

    Nothing of a signed-in session exists yet (no ``_user_id``): the session is emptied
    as at sign-in, so a value planted before cannot ride along.
    """
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    session[_PENDING_KEY] = {
        "user": user.id,
        "version": user.session_version,
        "at": time.time(),
        "next": next_path or "",
    }


def _pending_user() -> User | None:
    """Return the account waiting for its second factor on this browser, or None.

    None when the password was given more than PENDING_SECONDS ago, when the account was
    deactivated or signed out everywhere since, or when it has no second factor any more.
    """
    pending = session.get(_PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    user_id, version, at = pending.get("user"), pending.get("version"), pending.get("at")
    if not isinstance(user_id, int) or not _is_time(at) or time.time() - at > PENDING_SECONDS:
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active or user.session_version != version or not user.totp_secret:
        return None
    return user


def _is_totp_code(code: str) -> bool:
    return code.replace(" ", "").isdigit()


# The endpoint is "auth.two_factor"; the function has another name so as not to hide the
# two_factor module.
@bp.route("/two-factor", methods=["GET", "POST"], endpoint="two_factor")
@csrf.exempt  # the form checks its token itself, to answer an expired one kindly
@limiter.limit(_login_limit_per_ip, methods=["POST"], deduct_when=_attempt_failed)
@limiter.limit(
    _login_limit_per_account,
    key_func=_pending_account,
    methods=["POST"],
    deduct_when=_attempt_failed,
)
@public  # the visitor is not signed in yet: only the pending state in the session counts
def two_factor_login():
    """Ask for the second factor after a right password; then sign in."""
    user = _pending_user()
    if user is None:
        session.pop(_PENDING_KEY, None)
        flash(_("Please sign in again: the time to enter your code has run out."), "info")
        return redirect(url_for("auth.login"))
    form = TwoFactorForm()
    if request.method == "GET" or not form.validate():
        return _render("auth/two_factor.html", form)
    code = form.code.data
    if _is_totp_code(code):
        passed = two_factor.verify(user, code)
    else:
        passed = two_factor.use_recovery_code(user, code)
    if not passed:
        g.failed_password_check = True
        form.code.errors = [_("This code is not right, or it has been used already.")]
        return _render("auth/two_factor.html", form)
    next_path = accounts.safe_next_path(session[_PENDING_KEY].get("next"))
    # A fresh session, as after a password alone: the pending key goes with the old one.
    _start_session(user)
    if not _is_totp_code(code):
        flash(
            _(
                "You signed in with a recovery code. %(count)s codes are left; "
                "set up your app again to get new ones.",
                count=two_factor.remaining_recovery_codes(user),
            ),
            "info",
        )
    return redirect(_after_sign_in(next_path))


@bp.route("/two-factor/setup", methods=["GET", "POST"])
@limiter.limit(
    _login_limit_per_account,
    key_func=_signed_in_account,
    methods=["POST"],
    deduct_when=_attempt_failed,
)
@staff
def two_factor_setup():
    """Set up an authenticator app: QR code, secret, a confirming code, recovery codes."""
    user = current_user._get_current_object()
    form = TwoFactorSetupForm()
    next_path = accounts.safe_next_path(request.values.get("next"))
    secret = session.get(_ENROL_KEY)
    if not isinstance(secret, str) or request.method == "GET" and request.args.get("new"):
        secret = None
    if secret is None:
        # Kept for the confirming POST only. The session cookie is signed, not encrypted,
        # but it travels only between this browser and us, which shows the secret anyway.
        secret = two_factor.begin_enrolment(user)
        session[_ENROL_KEY] = secret
    if request.method == "POST" and form.validate():
        try:
            codes = two_factor.confirm_enrolment(user, secret, form.code.data)
        except two_factor.TwoFactorError as error:
            g.failed_password_check = True
            form.code.errors = [str(error)]
        else:
            session.pop(_ENROL_KEY, None)
            # Shown in this answer only (no redirect): the codes are stored as hashes.
            return render_template(
                "auth/two_factor_codes.html", codes=codes, next_path=next_path or _landing()
            )
    uri = two_factor.provisioning_uri(user, secret)
    if request.method == "GET":
        form.next.data = next_path or ""
    return _render(
        "auth/two_factor_setup.html",
        form,
        secret=secret,
        # Our own markup from segno (no user text in it: the address is inside the QR
        # modules, not in any text node), so it may go into the page unescaped.
        qr_code=Markup(two_factor.qr_svg(uri)),  # noqa: S704
        enrolled=bool(user.totp_secret),
        required=two_factor.is_required(user),
        remaining=two_factor.remaining_recovery_codes(user) if user.totp_secret else 0,
        disable_form=TwoFactorDisableForm(formdata=None),
        may_disable=bool(user.totp_secret)
        and not (user.is_admin and current_app.config["REQUIRE_2FA_FOR_ADMINS"]),
    )


@bp.post("/two-factor/disable")
@limiter.limit(
    _login_limit_per_account,
    key_func=_signed_in_account,
    deduct_when=_attempt_failed,
)
@staff
def two_factor_disable():
    """Turn two-factor sign-in off, after a current code (not for admins who need it)."""
    user = current_user._get_current_object()
    form = TwoFactorDisableForm()
    if user.is_admin and current_app.config["REQUIRE_2FA_FOR_ADMINS"]:
        flash(_("Administrators must keep two-factor sign-in."), "error")
        return redirect(url_for("auth.two_factor_setup"))
    if not form.validate() or not two_factor.verify(user, form.code.data):
        g.failed_password_check = True
        flash(_("This code is not right, or it has been used already."), "error")
        return redirect(url_for("auth.two_factor_setup"))
    two_factor.disable(user, by=user)
    flash(_("Two-factor sign-in is off."), "success")
    return redirect(url_for("auth.change_password"))


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
