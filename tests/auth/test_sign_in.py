"""Staff sign-in: passwords, sessions and their revocation, resets, redirects and throttling."""

from __future__ import annotations

import html
import re
import time
from urllib.parse import quote

import pytest
from flask_login import current_user
from itsdangerous import URLSafeTimedSerializer
from itsdangerous.timed import TimestampSigner
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from tests.conftest import hidden_fields
from tracker.accounts import invitations, passwords, sessions, users
from tracker.extensions import db
from tracker.models import AuditEvent, OutboxEmail, User
from tracker.web.access import staff

PASSWORD = "a long and known password"
NEW_PASSWORD = "another password, also long"
# The one answer to an unknown address, a wrong password and an inactive account (German,
# the default page language).
SIGN_IN_FAILED = (
    "Die E-Mail-Adresse oder das Passwort stimmt nicht. Bitte versuchen Sie es noch einmal."
)
LINK_USED = (
    "This link does not work any more: it may have been used already. Please ask for a new one."
)


@pytest.fixture(autouse=True)
def quick_hashing(monkeypatch):
    """Hash with one PBKDF2 round: these tests check when passwords are hashed, not how
    hard (scrypt at full cost takes a fifth of a second a hash)."""

    def quick(password):
        return generate_password_hash(password, method="pbkdf2:sha256:1")

    for module in (passwords, sessions, invitations):
        monkeypatch.setattr(module, "generate_password_hash", quick)


@pytest.fixture
def app(app):
    """The app with a tiny @staff page (the review blueprint is being built elsewhere)."""

    @staff
    def test_staff_page():
        return f"Staff page for {current_user.email}"

    app.add_url_rule("/test/staff", view_func=test_staff_page, endpoint="test_staff")
    return app


def make_staff(
    email: str = "ana@example.org", *, role: str = "editor", change_required: bool = False
) -> User:
    """Create an account as the CLI does, then give it a known password."""
    user, _ = users.create_user(email, name=email.split("@")[0].title(), role=role)
    user.password_hash = passwords.hash_password(PASSWORD)
    user.password_change_required = change_required
    db.session.commit()
    return user


@pytest.fixture
def ana(app) -> User:
    return make_staff("ana@example.org")


def landing(app) -> str:
    return "/review/" if "review.inbox" in app.view_functions else "/"


def sign_in(client, email: str, password: str = PASSWORD, *, next_path: str | None = None):
    """Open the sign-in page (with ?next= if given) and send the form."""
    query = f"?next={quote(next_path, safe='')}" if next_path is not None else ""
    page = client.get(f"/auth/login{query}")
    return client.post(
        "/auth/login", data={**hidden_fields(page.text), "email": email, "password": password}
    )


def session_of(client) -> dict:
    with client.session_transaction() as session:
        return dict(session)


def copy_of(app, client):
    """Return a second client holding a copy of *client*'s session cookie."""
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    return other


def csrf_token(client) -> str:
    return hidden_fields(client.get("/auth/password").text)["csrf_token"]


def sign_out(client):
    return client.post("/auth/logout", data={"csrf_token": csrf_token(client)})


def flashes(page: str) -> list[str]:
    return [
        html.unescape(text)
        for text in re.findall(r'<div class="notice notice-\w+" role="status">(.*?)</div>', page)
    ]


def problem(page: str) -> str:
    box = re.search(r'<div class="error-summary".*?<p>(.*?)</p>', page, re.S)
    return html.unescape(box.group(1)) if box else ""


def summary_links(page: str) -> list[str]:
    box = re.search(r'<div class="error-summary".*?</div>', page, re.S)
    links = re.findall(r"<li><a [^>]*>(.*?)</a>", box.group(0), re.S) if box else []
    return [html.unescape(text) for text in links]


def audit_actions() -> list[tuple[str, int | None, dict]]:
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    return [(event.action, event.actor_id, event.details) for event in events]


def login_redirect(path: str) -> str:
    """Where Flask-Login sends an anonymous visitor of *path*."""
    return f"/auth/login?next={quote(path, safe='')}"


# --- the page ---------------------------------------------------------------------------


def test_sign_in_page_uses_the_public_layout_in_german_and_english(client):
    german = client.get("/auth/login")
    english = client.get("/auth/login?lang=en")

    assert german.status_code == english.status_code == 200
    assert '<html lang="de">' in german.text
    assert "<h1>Anmelden</h1>" in german.text
    assert '<label class="label" for="password">Passwort</label>' in german.text
    assert '<html lang="en">' in english.text
    assert "<h1>Sign in</h1>" in english.text
    assert '<label class="label" for="email">Email address</label>' in english.text
    assert 'class="site-header"' in english.text
    assert 'href="/privacy"' in english.text
    assert 'hreflang="de"' in english.text
    assert 'hreflang="ru"' not in english.text  # staff pages: German and English only
    assert 'type="password"' in english.text
    assert 'autocomplete="current-password"' in english.text


def test_anonymous_visitor_of_a_staff_page_is_sent_to_sign_in_with_next(client):
    response = client.get("/test/staff?tab=new")

    assert response.status_code == 302
    assert response.headers["Location"] == login_redirect("/test/staff?tab=new")
    page = client.get(response.headers["Location"]).text
    assert flashes(page) == ["Bitte melden Sie sich an, um diese Seite zu öffnen."]
    assert hidden_fields(page)["next"] == "/test/staff?tab=new"


# --- signing in -------------------------------------------------------------------------


def test_sign_in_lands_on_the_start_page_and_opens_staff_pages(app, client, ana):
    response = sign_in(client, "Ana@Example.org")

    assert response.status_code == 302
    assert response.headers["Location"] == landing(app)
    session = session_of(client)
    assert session["_user_id"] == str(ana.id)
    assert session["session_version"] == 1
    assert abs(session["login_at"] - time.time()) < 60
    assert session["seen_at"] == session["login_at"]
    assert client.get("/test/staff").text == "Staff page for ana@example.org"


def test_sign_in_goes_to_the_page_asked_for(client, ana):
    response = sign_in(client, "ana@example.org", next_path="/test/staff?tab=new")

    assert response.status_code == 302
    assert response.headers["Location"] == "/test/staff?tab=new"


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "/\\evil.example",
        "%2F%2Fevil.example",
        "/%2F%2Fevil.example",
        "/%2Fevil.example",
        "/%5Cevil.example",
        "/%252F/evil.example",
        "/\t/evil.example",
        "javascript:alert(1)",
        "https://evil.example",
        "https://evil.example/test/staff",
        "evil.example",
    ],
)
def test_sign_in_ignores_a_next_that_leaves_the_site(app, client, ana, target):
    page = client.get(f"/auth/login?next={quote(target, safe='')}")
    assert hidden_fields(page.text)["next"] == ""

    # Sent straight in the form, it is ignored as well.
    data = {**hidden_fields(page.text), "email": "ana@example.org", "password": PASSWORD}
    response = client.post("/auth/login", data={**data, "next": target})

    assert response.status_code == 302
    assert response.headers["Location"] == landing(app)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/test/staff", "/test/staff"),
        ("/review/?status=new&sort=-received", "/review/?status=new&sort=-received"),
        ("/", "/"),
        ("/candidates/%C3%BC", "/candidates/%C3%BC"),
        ("", None),
        (None, None),
        ("//evil.example", None),
        ("/\\evil.example", None),
        ("%2F%2Fevil.example", None),
        ("/%2F%2Fevil.example", None),
        ("/%09/evil.example", None),
        ("/\u202e/evil", None),
        ("/x\n", None),
        ("javascript:alert(1)", None),
        ("JAVASCRIPT:alert(1)", None),
        ("https://evil.example", None),
        ("/" + "a" * 2000, None),
    ],
)
def test_safe_next_path_accepts_only_paths_on_this_site(value, expected):
    assert sessions.safe_next_path(value) == expected


def _normalised(page: str, email: str) -> str:
    page = page.replace(email, "EMAIL")
    return re.sub(r'(name="csrf_token" type="hidden" value=")[^"]*"', r'\1"', page)


def test_wrong_password_and_unknown_address_get_the_same_page(client, ana):
    wrong = sign_in(client, "ana@example.org", "not the password at all")
    unknown = sign_in(client, "nobody@example.org", PASSWORD)

    assert wrong.status_code == unknown.status_code == 400
    assert problem(wrong.text) == SIGN_IN_FAILED
    assert _normalised(wrong.text, "ana@example.org") == _normalised(
        unknown.text, "nobody@example.org"
    )
    assert "_user_id" not in session_of(client)
    assert client.get("/test/staff").status_code == 302


def test_unknown_address_costs_one_hash_check_too(app, monkeypatch):
    sessions.dummy_password_hash()  # made once per process, before counting
    checks = []
    real_check = sessions.check_password_hash
    monkeypatch.setattr(
        sessions, "check_password_hash", lambda *args: checks.append(1) or real_check(*args)
    )

    assert sessions.authenticate("nobody@example.org", PASSWORD) is None
    assert sessions.authenticate("not an address", PASSWORD) is None
    assert checks == [1, 1]


@pytest.mark.parametrize(
    ("length", "hash_checks"),
    [(11, 1), (129, 0), (1_000_000, 0)],
)
def test_password_length_is_refused_before_any_overlong_hashing(
    client, ana, monkeypatch, length, hash_checks
):
    calls = {"check": 0, "generate": 0}
    real_check = sessions.check_password_hash

    def counting_check(*args):
        calls["check"] += 1
        return real_check(*args)

    def counting_generate(*args, **kwargs):
        calls["generate"] += 1
        raise AssertionError("no password is hashed when signing in")

    monkeypatch.setattr(sessions, "check_password_hash", counting_check)
    for module in (sessions, passwords):
        monkeypatch.setattr(module, "generate_password_hash", counting_generate)

    response = sign_in(client, "ana@example.org", "x" * length)

    assert response.status_code == 400
    assert problem(response.text) == SIGN_IN_FAILED
    assert calls == {"check": hash_checks, "generate": 0}
    assert "_user_id" not in session_of(client)


def test_a_megabyte_password_is_never_hashed(app, ana, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("hashed a megabyte")

    monkeypatch.setattr(sessions, "check_password_hash", refuse)
    for module in (sessions, passwords):
        monkeypatch.setattr(module, "generate_password_hash", refuse)

    assert sessions.authenticate("ana@example.org", "x" * (1024 * 1024 + 1)) is None
    assert sessions.authenticate("nobody@example.org", "x" * (1024 * 1024 + 1)) is None


def test_inactive_account_cannot_sign_in(client, ana):
    ana.active = False
    db.session.commit()

    response = sign_in(client, "ana@example.org")

    assert response.status_code == 400
    assert problem(response.text) == SIGN_IN_FAILED
    assert "_user_id" not in session_of(client)


def test_empty_form_names_both_fields(client):
    page = client.get("/auth/login?lang=en")
    response = client.post("/auth/login", data=hidden_fields(page.text))

    assert response.status_code == 400
    assert summary_links(response.text) == [
        "Email address: Please enter your email address.",
        "Password: Please enter your password.",
    ]


def test_expired_form_token_is_answered_kindly(client, ana):
    client.get("/auth/login?lang=en")
    response = client.post(
        "/auth/login",
        data={"csrf_token": "stale", "email": "ana@example.org", "password": PASSWORD},
    )

    assert response.status_code == 400
    assert problem(response.text) == "This page had expired. Please try again."
    assert "_user_id" not in session_of(client)


def test_signed_in_visitor_of_the_sign_in_page_goes_on(app, client, ana):
    sign_in(client, "ana@example.org")

    response = client.get("/auth/login?next=%2Ftest%2Fstaff")

    assert response.status_code == 302
    assert response.headers["Location"] == "/test/staff"


# --- the session ------------------------------------------------------------------------


def test_sign_in_starts_a_fresh_session(client, ana):
    client.get("/auth/login?lang=en")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
        session["_user_id"] = "999"
        session["_id"] = "fixed-by-the-attacker"
    before = client.get_cookie("session").value

    sign_in(client, "ana@example.org")

    session = session_of(client)
    assert client.get_cookie("session").value != before
    assert sorted(session) == [
        "_fresh",
        "_id",
        "_user_id",
        "lang",
        "login_at",
        "seen_at",
        "session_version",
    ]
    assert session["_user_id"] == str(ana.id)
    assert session["_id"] != "fixed-by-the-attacker"
    assert session["_fresh"] is True
    assert session["lang"] == "en"  # the chosen language is all that is kept


def test_sign_out_ends_this_session_and_every_copy_of_its_cookie(app, client, ana):
    sign_in(client, "ana@example.org")
    copy = copy_of(app, client)
    assert copy.get("/test/staff").status_code == 200

    response = sign_out(client)

    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login"
    assert "_user_id" not in session_of(client)
    assert flashes(client.get("/auth/login").text) == ["Sie haben sich abgemeldet."]
    assert client.get("/test/staff").headers["Location"] == login_redirect("/test/staff")
    copied = copy.get("/test/staff")
    assert copied.status_code == 302
    assert copied.headers["Location"] == login_redirect("/test/staff")
    assert db.session.get(User, ana.id).session_version == 2
    assert audit_actions() == [("account.signed_out", ana.id, {"user_id": ana.id})]


def test_sign_out_is_a_post(client, ana):
    sign_in(client, "ana@example.org")

    assert client.get("/auth/logout").status_code == 405
    assert client.post("/auth/logout").status_code == 400  # no CSRF token
    assert client.get("/test/staff").status_code == 200


def test_deactivation_signs_out_every_session(app, client, ana):
    sign_in(client, "ana@example.org")
    copy = copy_of(app, client)

    ana.active = False
    db.session.commit()

    for browser in (client, copy):
        response = browser.get("/test/staff")
        assert response.status_code == 302
        assert response.headers["Location"] == login_redirect("/test/staff")


def test_end_all_sessions_signs_out_every_copy(app, client, ana):
    sign_in(client, "ana@example.org")
    copy = copy_of(app, client)

    sessions.end_all_sessions(ana)
    db.session.commit()

    assert ana.session_version == 2
    assert client.get("/test/staff").status_code == 302
    assert copy.get("/test/staff").status_code == 302
    assert sign_in(client, "ana@example.org").status_code == 302
    assert client.get("/test/staff").status_code == 200


def test_idle_session_is_signed_out(client, ana):
    client.get("/auth/login?lang=en")  # the message is written in English
    sign_in(client, "ana@example.org")
    with client.session_transaction() as session:
        session["seen_at"] = time.time() - 61 * 60

    response = client.get("/test/staff")

    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login?next=/test/staff"
    assert "_user_id" not in session_of(client)
    assert flashes(client.get("/auth/login?lang=en").text) == [
        "You were signed out after 60 minutes without activity. Please sign in again."
    ]


def test_activity_keeps_the_session_alive(client, ana):
    sign_in(client, "ana@example.org")
    long_ago = time.time() - 59 * 60
    with client.session_transaction() as session:
        session["seen_at"] = long_ago

    assert client.get("/test/staff").status_code == 200
    assert session_of(client)["seen_at"] > long_ago + 58 * 60


def test_the_last_use_is_written_and_the_cookie_sent_again_once_a_minute(client, ana):
    """Each change of the session re-signs and re-sends its cookie: the last use is
    written only when a minute has passed since the one recorded (SEEN_EVERY_SECONDS)."""
    sign_in(client, "ana@example.org")
    two_minutes_ago = time.time() - 120
    with client.session_transaction() as session:
        session["seen_at"] = two_minutes_ago

    renewed = client.get("/test/staff")
    seen = session_of(client)["seen_at"]
    again = client.get("/test/staff")

    assert (renewed.status_code, again.status_code) == (200, 200)
    assert renewed.headers.getlist("Set-Cookie")[0].startswith("session=")
    assert again.headers.getlist("Set-Cookie") == []
    assert two_minutes_ago + 115 < seen <= time.time()
    assert session_of(client)["seen_at"] == seen


def test_idle_limit_is_configurable(app, client, ana):
    app.config["SESSION_IDLE_MINUTES"] = 5
    sign_in(client, "ana@example.org")
    with client.session_transaction() as session:
        session["seen_at"] = time.time() - 6 * 60

    assert client.get("/test/staff").status_code == 302


def test_session_older_than_its_absolute_lifetime_is_signed_out(client, ana):
    client.get("/auth/login?lang=en")  # the message is written in English
    sign_in(client, "ana@example.org")
    with client.session_transaction() as session:
        session["login_at"] = time.time() - 12 * 3600 - 60
        session["seen_at"] = time.time()

    response = client.get("/test/staff")

    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login?next=/test/staff"
    assert "_user_id" not in session_of(client)
    assert flashes(client.get("/auth/login?lang=en").text) == [
        "You were signed out because you signed in more than 12 hours ago. Please sign in again."
    ]


def test_session_without_timestamps_is_signed_out(client, ana):
    sign_in(client, "ana@example.org")
    with client.session_transaction() as session:
        del session["login_at"]

    assert client.get("/test/staff").status_code == 302
    assert "_user_id" not in session_of(client)


def test_expired_session_on_a_public_page_just_signs_out(client, call, ana):
    sign_in(client, "ana@example.org")
    with client.session_transaction() as session:
        session["seen_at"] = time.time() - 61 * 60

    response = client.get("/apply/local-experts")

    assert response.status_code == 200
    assert "_user_id" not in session_of(client)


# --- changing the password ----------------------------------------------------------------


def change_form(client, current=PASSWORD, new=NEW_PASSWORD, confirm=None, query=""):
    page = client.get(f"/auth/password{query}")
    return {
        **hidden_fields(page.text),
        "current_password": current,
        "new_password": new,
        "confirm_password": new if confirm is None else confirm,
    }


def test_password_change_signs_out_every_other_copy_of_the_session(app, client, ana):
    sign_in(client, "ana@example.org")
    copy = copy_of(app, client)

    response = client.post("/auth/password?lang=en", data=change_form(client))

    assert response.status_code == 302
    assert response.headers["Location"] == landing(app)
    user = db.session.get(User, ana.id)
    assert check_password_hash(user.password_hash, NEW_PASSWORD)
    assert user.session_version == 2
    assert user.password_change_required is False
    assert session_of(client)["session_version"] == 2
    assert client.get("/test/staff").status_code == 200
    assert copy.get("/test/staff").headers["Location"] == login_redirect("/test/staff")
    assert audit_actions() == [("account.password_changed", ana.id, {"user_id": ana.id})]
    assert flashes(client.get("/auth/password").text) == [
        "Your new password is set. You have been signed out everywhere else."
    ]


def test_password_change_refuses_a_wrong_current_password(client, ana):
    sign_in(client, "ana@example.org")
    client.get("/auth/password?lang=en")

    response = client.post("/auth/password", data=change_form(client, current="not my password"))

    assert response.status_code == 400
    assert summary_links(response.text) == ["Current password: Your current password is not right."]
    user = db.session.get(User, ana.id)
    assert check_password_hash(user.password_hash, PASSWORD)
    assert user.session_version == 1
    assert audit_actions() == []


@pytest.mark.parametrize(
    ("new", "confirm", "errors"),
    [
        (
            "x" * 11,
            None,
            ["New password: Your password must have 12 to 128 characters."],
        ),
        (
            "x" * 129,
            None,
            ["New password: Your password must have 12 to 128 characters."],
        ),
        (
            NEW_PASSWORD,
            NEW_PASSWORD + "!",
            ["New password again: The two passwords are not the same."],
        ),
        (
            PASSWORD,
            None,
            ["New password: Please choose a new password that differs from the current one."],
        ),
    ],
)
def test_password_change_explains_what_is_wrong(client, ana, new, confirm, errors):
    sign_in(client, "ana@example.org")
    client.get("/auth/password?lang=en")

    response = client.post("/auth/password", data=change_form(client, new=new, confirm=confirm))

    assert response.status_code == 400
    assert summary_links(response.text) == errors
    assert db.session.get(User, ana.id).session_version == 1


def test_one_time_password_must_be_changed_before_anything_else(app, client):
    make_staff("new@example.org", change_required=True)

    response = sign_in(client, "new@example.org", next_path="/test/staff")

    assert response.headers["Location"] == "/auth/password?next=/test/staff"
    kept = client.get("/test/staff")
    assert kept.status_code == 302
    assert kept.headers["Location"] == "/auth/password?next=/test/staff"
    page = client.get("/auth/password?next=%2Ftest%2Fstaff&lang=en").text
    assert "Please choose a password of your own before you continue." in page
    assert hidden_fields(page)["next"] == "/test/staff"

    response = client.post(
        "/auth/password", data=change_form(client, query="?next=%2Ftest%2Fstaff")
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/test/staff"
    assert client.get("/test/staff").status_code == 200
    assert db.session.scalar(select(User.password_change_required)) is False


def test_one_time_password_still_allows_signing_out(client):
    make_staff("new@example.org", change_required=True)
    sign_in(client, "new@example.org")

    response = sign_out(client)

    assert response.headers["Location"] == "/auth/login"
    assert "_user_id" not in session_of(client)


# --- resetting a forgotten password --------------------------------------------------------


def request_reset(client, email: str, lang: str = "en"):
    page = client.get(f"/auth/reset?lang={lang}")
    return client.post("/auth/reset", data={**hidden_fields(page.text), "email": email})


def reset_link() -> str:
    (email,) = db.session.scalars(select(OutboxEmail)).all()
    return re.search(r"http://localhost(/auth/reset/\S+)", email.body_text).group(1)


def test_reset_request_answers_the_same_whether_or_not_the_account_exists(app, ana):
    answers = []
    for email in ("ana@example.org", "nobody@example.org"):
        browser = app.test_client()
        response = request_reset(browser, email)
        page = browser.get("/auth/login").text
        answers.append((response.status_code, response.headers["Location"], flashes(page)))

    sent = (
        "If this address belongs to a staff account, we have sent a link to it. "
        "The link works once, for 60 minutes."
    )
    assert answers == [(302, "/auth/login", [sent])] * 2
    (email,) = db.session.scalars(select(OutboxEmail)).all()
    assert email.to_address == "ana@example.org"
    assert email.user_id == ana.id
    assert email.application_id is None
    assert email.template == "password_reset"
    assert email.language == "en"
    assert email.status == "queued"
    assert email.subject == "Choose a new password for Caucasus Watch"
    token = re.search(r"http://localhost/auth/reset/(\S+)", email.body_text).group(1)
    assert email.body_text == (
        "Hello Ana,\n\n"
        "Someone – probably you – asked for a link to choose a new password for your staff "
        "account at Caucasus Watch.\n\n"
        "Open this link within 60 minutes to choose a new password. It works only once:\n\n"
        f"http://localhost/auth/reset/{token}\n\n"
        "If you did not ask for it, you can ignore this email: your password stays as it is.\n\n"
        "Kind regards\n"
        "The editorial team of Caucasus Watch"
    )
    assert audit_actions() == [("account.password_reset_requested", None, {"user_id": ana.id})]


def test_reset_email_is_german_from_the_german_page(client, ana):
    request_reset(client, "ana@example.org", lang="de")

    (email,) = db.session.scalars(select(OutboxEmail)).all()
    assert email.language == "de"
    assert email.subject == "Neues Passwort für Caucasus Watch"
    assert email.body_text.startswith("Hallo Ana,\n\n")


def test_reset_is_not_sent_to_an_inactive_account(client, ana):
    ana.active = False
    db.session.commit()

    response = request_reset(client, "ana@example.org")

    assert response.headers["Location"] == "/auth/login"
    assert db.session.scalars(select(OutboxEmail)).all() == []


def test_reset_link_ignores_a_forged_host_when_the_site_address_is_configured(app, client, ana):
    app.config["PUBLIC_BASE_URL"] = "https://experts.example.org/"
    # The session cookie belongs to localhost, so the form goes without its CSRF token.
    app.config["WTF_CSRF_ENABLED"] = False
    client.post("/auth/reset", data={"email": "ana@example.org"}, headers={"Host": "evil.example"})

    (email,) = db.session.scalars(select(OutboxEmail)).all()
    assert "evil.example" not in email.body_text
    assert re.search(r"^https://experts\.example\.org/auth/reset/\S+$", email.body_text, re.M)


def test_reset_link_ignores_a_forged_host_without_a_configured_site_address(app, client, ana):
    # Development: no PUBLIC_BASE_URL. The link names the configured server, never the
    # Host header an attacker sends (reset poisoning).
    app.config.update(PUBLIC_BASE_URL=None, WTF_CSRF_ENABLED=False)
    client.post("/auth/reset", data={"email": "ana@example.org"}, headers={"Host": "evil.example"})

    (email,) = db.session.scalars(select(OutboxEmail)).all()
    assert "evil.example" not in email.body_text
    assert re.search(r"^http://localhost/auth/reset/\S+$", email.body_text, re.M)


def test_reset_link_sets_a_new_password_once(app, client, ana):
    sign_in(client, "ana@example.org")
    elsewhere = copy_of(app, client)
    request_reset(app.test_client(), "ana@example.org")
    link = reset_link()
    browser = app.test_client()

    page = browser.get(link + "?lang=en")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "<h1>Choose a new password</h1>" in page.text
    response = browser.post(
        link,
        data={
            **hidden_fields(page.text),
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
        },
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login"
    assert flashes(browser.get("/auth/login").text) == [
        "Your new password is set. Please sign in with it."
    ]
    user = db.session.get(User, ana.id)
    assert check_password_hash(user.password_hash, NEW_PASSWORD)
    assert user.session_version == 2
    assert elsewhere.get("/test/staff").status_code == 302  # signed out everywhere
    assert sign_in(app.test_client(), "ana@example.org", PASSWORD).status_code == 400
    assert sign_in(app.test_client(), "ana@example.org", NEW_PASSWORD).status_code == 302
    assert [action for action, _, _ in audit_actions()] == [
        "account.password_reset_requested",
        "account.password_reset",
    ]

    again = browser.get(link)
    assert again.status_code == 400
    assert LINK_USED in html.unescape(again.text)
    with pytest.raises(passwords.PasswordResetError):
        passwords.reset_password(link.rsplit("/", 1)[1], "a third password, long enough")


def test_reset_link_dies_when_the_password_changes_otherwise(app, client, ana):
    request_reset(client, "ana@example.org")
    link = reset_link()
    sign_in(client, "ana@example.org")
    client.post("/auth/password", data=change_form(client))

    response = app.test_client().get(link + "?lang=en")

    assert response.status_code == 400
    assert LINK_USED in html.unescape(response.text)


def test_expired_reset_link_is_refused(app, client, ana, monkeypatch):
    request_reset(client, "ana@example.org")
    link = reset_link()
    issued = int(time.time())
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: issued + 3601)

    response = app.test_client().get(link + "?lang=en")

    assert response.status_code == 400
    assert "This link has expired. Please ask for a new one." in response.text
    with pytest.raises(passwords.PasswordResetError) as refused:
        passwords.reset_password(link.rsplit("/", 1)[1], NEW_PASSWORD)
    assert refused.value.expired is True
    assert check_password_hash(db.session.get(User, ana.id).password_hash, PASSWORD)


def test_forged_reset_links_are_refused(app, client, ana):
    request_reset(client, "ana@example.org")
    token = reset_link().rsplit("/", 1)[1]
    other_key = URLSafeTimedSerializer("not our secret key", salt="tracker.accounts.password-reset")
    our_key = URLSafeTimedSerializer(app.secret_key, salt="tracker.accounts.password-reset")
    forgeries = [
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # signature changed
        other_key.dumps({"user": ana.id, "fp": "0" * 64}),  # signed with another key
        our_key.dumps({"user": ana.id, "fp": "0" * 64}),  # right key, wrong fingerprint
        our_key.dumps({"user": "1", "fp": []}),  # right key, nonsense
        our_key.dumps([ana.id]),
        "nonsense",
    ]

    for forged in forgeries:
        response = app.test_client().get(f"/auth/reset/{forged}?lang=en")
        assert response.status_code == 400, forged
        assert LINK_USED in html.unescape(response.text)

    assert check_password_hash(db.session.get(User, ana.id).password_hash, PASSWORD)


def test_reset_form_explains_a_short_password(app, client, ana):
    request_reset(client, "ana@example.org")
    link = reset_link()
    page = client.get(link + "?lang=en")

    response = client.post(
        link,
        data={**hidden_fields(page.text), "new_password": "short", "confirm_password": "short"},
    )

    assert response.status_code == 400
    assert summary_links(response.text) == [
        "New password: Your password must have 12 to 128 characters."
    ]
    assert db.session.get(User, ana.id).session_version == 1


# --- throttling ---------------------------------------------------------------------------


@pytest.fixture
def throttled(app_config):
    app_config["RATELIMIT_ENABLED"] = True


def test_failed_sign_ins_lock_one_account_but_not_another(throttled, app, client):
    make_staff("ana@example.org")
    make_staff("ben@example.org")

    failures = [sign_in(client, "ana@example.org", "wrong password!").status_code for _ in range(5)]
    locked = sign_in(client, "ANA@example.org ", PASSWORD)  # right password, same account

    assert failures == [400] * 5
    assert locked.status_code == 429
    assert 0 < int(locked.headers["Retry-After"]) <= 15 * 60
    assert "Zu viele Versuche" in locked.text
    assert "_user_id" not in session_of(client)
    other = sign_in(client, "ben@example.org", PASSWORD)
    assert other.status_code == 302
    assert session_of(client)["_user_id"] == str(
        db.session.scalar(select(User.id).where(User.email == "ben@example.org"))
    )


def test_successful_sign_ins_are_not_counted(throttled, app):
    make_staff("ana@example.org")

    answers = [sign_in(app.test_client(), "ana@example.org").status_code for _ in range(7)]

    assert answers == [302] * 7


def test_failed_sign_ins_from_one_address_are_limited(throttled, app):
    app.config["LOGIN_LIMIT_PER_IP"] = "4 per 15 minutes"
    make_staff("ana@example.org")
    client = app.test_client()

    failures = [
        sign_in(client, f"guess{number}@example.org", "wrong password!").status_code
        for number in range(4)
    ]
    refused = sign_in(client, "ana@example.org", PASSWORD)
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "203.0.113.9"

    assert failures == [400] * 4
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60
    assert sign_in(elsewhere, "ana@example.org", PASSWORD).status_code == 302


def test_sign_in_page_itself_is_not_limited(throttled, app, client):
    app.config["LOGIN_LIMIT_PER_IP"] = "1 per 15 minutes"
    sign_in(client, "nobody@example.org", "wrong password!")

    assert [client.get("/auth/login").status_code for _ in range(3)] == [200] * 3


def test_reset_requests_are_limited_per_address(throttled, app, client):
    app.config["RESET_LIMIT_PER_IP"] = "2 per 15 minutes"
    make_staff("ana@example.org")

    answers = [request_reset(client, "ana@example.org").status_code for _ in range(3)]

    assert answers == [302, 302, 429]
    assert len(db.session.scalars(select(OutboxEmail)).all()) == 2


def test_guessing_the_current_password_is_limited(throttled, app, client):
    make_staff("ana@example.org")
    sign_in(client, "ana@example.org")

    answers = [
        client.post("/auth/password", data=change_form(client, current="guess " * 3)).status_code
        for _ in range(6)
    ]

    assert answers == [400] * 5 + [429]
