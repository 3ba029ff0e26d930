"""Protections every response and request gets: security headers, NUL bytes, proxies, denials.

The headers follow SecureDrop's habits and OWASP ASVS L2 (V14.4): a strict
Content-Security-Policy (the templates have no inline script or style, see
ARCHITECTURE.md §4), no MIME sniffing, no Referer towards other sites, no window or
resource sharing with other origins, HSTS on HTTPS, and staff pages that no cache keeps.
"""

from __future__ import annotations

import hashlib
import hmac
import logging

from email_validator import EmailNotValidError, validate_email
from flask import Flask, Response, abort, current_app, g, request
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from tracker.web.access import Policy, policy_of

log = logging.getLogger(__name__)

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'"
)
# Two years, the value browsers' preload lists ask for; only ever sent over HTTPS, where
# the browser accepts it (RFC 6797 §7.2).
STRICT_TRANSPORT_SECURITY = "max-age=63072000; includeSubDomains"
STAFF_POLICIES = frozenset({Policy.STAFF, Policy.REVIEWER, Policy.ADMIN})
# The blueprints whose every path is the staff's: a 404 or 405 there (no view matched, so
# no policy is known) still names candidates or searches in its URL and page.
STAFF_BLUEPRINTS = ("review", "admin", "auth")


def install(app: Flask) -> None:
    """Install the request checks, the response headers and the access-denial log on *app*."""
    app.before_request(limit_urlencoded_forms)
    app.before_request(refuse_nul_bytes)
    app.after_request(set_security_headers)
    app.after_request(log_access_denial)


def trust_proxies(app: Flask) -> None:
    """Trust X-Forwarded-For / -Proto from as many proxies as the configuration says.

    With the default of 0 nothing is trusted: the client address is the TCP peer, so a
    forged X-Forwarded-For header cannot give each request a new address and walk around
    a rate limit. Behind one reverse proxy that sets the headers, set both counts to 1.
    """
    x_for = app.config["PROXY_FIX_X_FOR"]
    x_proto = app.config["PROXY_FIX_X_PROTO"]
    if x_for or x_proto:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=x_for, x_proto=x_proto, x_host=0)


def _current_policy() -> Policy | None:
    """Return the access policy of the matched view; None for no match (404, 405)."""
    return policy_of(request.endpoint) if request.endpoint else None


def set_security_headers(response: Response) -> Response:
    """Add the security headers to *response*, whatever view or error produced it."""
    headers = response.headers
    policy = _current_policy()
    # A response that brings its own policy keeps it: document downloads send `sandbox`.
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Cross-Origin-Resource-Policy"] = "same-origin"
    if request.is_secure:
        headers["Strict-Transport-Security"] = STRICT_TRANSPORT_SECURITY
    if policy is Policy.PUBLIC and not _path_holds_a_secret():
        # Links between our own pages may carry the Referer (the language switcher, the
        # back links); nothing goes to other sites. A view may set a stricter policy.
        headers.setdefault("Referrer-Policy", "same-origin")
    else:
        # Staff URLs name candidates and searches; unknown pages may be anything; a token
        # in the path must not travel even to our own stylesheet's request log.
        headers["Referrer-Policy"] = "no-referrer"
    if policy in STAFF_POLICIES or _is_staff_path():
        # Personal data must not stay in a browser's or a proxy's cache after sign-out.
        headers["Cache-Control"] = "no-store"
        response.vary.add("Cookie")
    elif _path_holds_a_secret():
        headers.setdefault("Cache-Control", "no-store")
    return response


def _is_staff_path() -> bool:
    """Tell whether the request's path is under a staff blueprint, whatever answered it."""
    for name in STAFF_BLUEPRINTS:
        prefix = current_app.blueprints[name].url_prefix
        if request.path == prefix or request.path.startswith(prefix + "/"):
            return True
    return False


def _path_holds_a_secret() -> bool:
    """Tell whether the matched route takes a token in its path (reset, invitation, status)."""
    return "token" in (request.view_args or {})


def limit_urlencoded_forms() -> None:
    """Apply MAX_FORM_MEMORY_SIZE to a whole url-encoded form (413 before it is read).

    Werkzeug applies MAX_FORM_MEMORY_SIZE and MAX_FORM_PARTS to multipart bodies only; an
    url-encoded body is read into memory whole, bounded by MAX_CONTENT_LENGTH alone (tens of
    MB, sized for uploads). Its bytes are capped here; its fields are not counted, as in
    Werkzeug, because a bulk action in the inbox sends one field per selected row (up to
    inbox.SELECTION_MAX). Browsers always send such a form with its length.
    """
    if (
        request.mimetype == "application/x-www-form-urlencoded"
        and (request.content_length or 0) > current_app.config["MAX_FORM_MEMORY_SIZE"]
    ):
        abort(413)


def refuse_nul_bytes() -> None:
    """Refuse (400) a request with a NUL byte in its path, query string or form.

    No legitimate browser sends one, while NUL truncates strings in C libraries, file
    systems and some database drivers (PostgreSQL refuses it in text outright, with a
    500). Reading the form here is safe: MAX_CONTENT_LENGTH, MAX_FORM_MEMORY_SIZE and
    MAX_FORM_PARTS bound it, and a request over them is answered with a 413.
    """
    query = request.query_string
    if "\x00" in request.path or b"\x00" in query or b"%00" in query:
        abort(400)
    for name, value in request.form.items(multi=True):
        if "\x00" in name or "\x00" in value:
            abort(400)
    # File fields by name only: an upload's filename is kept as sanitised metadata at most
    # (tracker.documents.validate), and refusing a whole application for it would help nobody.
    if any("\x00" in name for name in request.files):
        abort(400)


def log_access_denial(response: Response) -> Response:
    """Log every 403 with the endpoint and the account id (never the address)."""
    if response.status_code == 403:
        user = current_user.get_id() if current_user.is_authenticated else "anonymous"
        log.warning(
            "access denied: %s %s endpoint=%s user=%s",
            request.method,
            request.path,
            request.endpoint,
            user,
        )
    return response


# -- rate limits of the public form --------------------------------------------------------
# Used by the decorators on apply.views.apply, so that the limits stand beside the route.

# Longer than any address the form accepts; such a value has no key and no email limit.
_EMAIL_MAX_LENGTH = 254


def apply_limit_per_ip() -> str:
    """Return the limit on application POSTs per client address."""
    return current_app.config["APPLY_LIMIT_PER_IP"]


def apply_limit_per_email() -> str:
    """Return the limit on stored applications per applicant address."""
    return current_app.config["APPLY_LIMIT_PER_EMAIL"]


def note_application_stored() -> None:
    """Count this request against the per-address limit: it stored an application."""
    g.application_stored = True


def application_stored(_response) -> bool:
    """Tell whether this request stored an application (and queued its acknowledgement).

    Only those count per address: the limit is there so that nobody floods someone's inbox
    with acknowledgements, and an applicant correcting a refused form, perhaps from an
    office or mobile address shared with others, must not be locked out by their mistakes.
    Every attempt still counts towards the per-IP limit.
    """
    return g.get("application_stored", False)


def _applicant_email_key() -> str | None:
    """Return the rate-limit key of the posted address, or None if there is no valid one.

    The address is normalised as the form normalises it, then lower-cased, so that
    ``Nino@Example.org`` and ``nino@example.org`` share one count. The key is an HMAC of
    the address: the rate-limit store (Redis in production) holds no addresses, and
    Flask-Limiter's log line about a breach names none.
    """
    if "applicant_email_key" not in g:
        raw = (request.form.get("email") or "").strip()
        key = None
        if raw and len(raw) <= _EMAIL_MAX_LENGTH:
            try:
                address = validate_email(raw, check_deliverability=False).normalized.lower()
            except EmailNotValidError:
                address = None
            if address:
                secret = current_app.config["SECRET_KEY"].encode()
                digest = hmac.new(secret, address.encode(), hashlib.sha256).hexdigest()
                key = f"applicant:{digest}"
        g.applicant_email_key = key
    return g.applicant_email_key


def applicant_email_key() -> str:
    """Return the key of the per-email limit (only called when there is one)."""
    return _applicant_email_key() or ""


def without_applicant_email() -> bool:
    """Tell whether the posted form has no valid address: then only the IP limit counts."""
    return _applicant_email_key() is None
