"""Two-factor sign-in: enrolment, codes used once, recovery codes, the sign-in step, the
admin requirement and throttling."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD, hidden_fields, login_as
from tracker.accounts import two_factor
from tracker.config import load_config
from tracker.extensions import db
from tracker.models import AuditEvent, RecoveryCode, User

NOW = 1_800_000_000.0  # a fixed moment (2027), at the start of a 30-second step
# When the fixtures enrolled: an hour ago, so that codes of today and of NOW are fresh.
EARLIER = time.time() - 3600


def code_at(secret: str, when: float) -> str:
    return pyotp.TOTP(secret).at(when)


@pytest.fixture
def enrolled(make_user):
    """An editor with two-factor sign-in on; `enrolled.codes` are the recovery codes."""
    user = make_user("ana@example.org")
    secret = two_factor.begin_enrolment(user)
    codes = two_factor.confirm_enrolment(user, secret, code_at(secret, EARLIER), now=EARLIER)
    user = db.session.get(User, user.id)
    user.codes = codes
    return user


def session_of(client) -> dict:
    with client.session_transaction() as session:
        return dict(session)


def sign_in(client, email="ana@example.org", password=PASSWORD, next_path=""):
    page = client.get("/auth/login")
    return client.post(
        "/auth/login?lang=en",
        data={
            **hidden_fields(page.text),
            "email": email,
            "password": password,
            "next": next_path,
        },
    )


def send_code(client, code):
    page = client.get("/auth/two-factor?lang=en")
    return client.post("/auth/two-factor?lang=en", data={**hidden_fields(page.text), "code": code})


# --- the domain -----------------------------------------------------------------------------


def test_enrolment_stores_the_secret_and_hashed_recovery_codes_only_after_a_right_code(
    make_user,
):
    user = make_user()
    secret = two_factor.begin_enrolment(user)
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)

    with pytest.raises(two_factor.TwoFactorError):
        two_factor.confirm_enrolment(
            user, secret, "000000" if code_at(secret, NOW) != "000000" else "111111", now=NOW
        )
    assert db.session.get(User, user.id).totp_secret is None
    assert db.session.scalars(select(RecoveryCode)).all() == []

    codes = two_factor.confirm_enrolment(user, secret, code_at(secret, NOW), now=NOW)

    user = db.session.get(User, user.id)
    assert user.totp_secret == secret
    assert user.totp_last_step == int(NOW) // 30
    assert len(codes) == len(set(codes)) == 10
    assert all(re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", code) for code in codes)
    stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10
    assert not set(codes) & set(stored)
    assert not any(code in hashed for code in codes for hashed in stored)
    assert db.session.scalar(select(AuditEvent.action)) == "account.two_factor_enabled"


def test_provisioning_uri_names_the_site_and_the_account(app, make_user):
    user = make_user()
    uri = two_factor.provisioning_uri(user, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    assert uri.startswith("otpauth://totp/")
    assert "secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP" in uri
    assert "editor%40example.org" in uri
    assert "issuer=Caucasus%20Watch" in uri


def test_qr_code_is_our_own_svg_without_style_or_outside_references():
    svg = two_factor.qr_svg(
        "otpauth://totp/x:ana%40example.org?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    )
    assert svg.startswith("<svg")
    assert svg.endswith("</svg>")
    assert "style" not in svg.lower()
    assert "script" not in svg.lower()
    assert "href" not in svg
    assert "ana" not in svg  # the address is in the modules, not in any text


@pytest.mark.parametrize(
    ("offset", "accepted"), [(-60, False), (-30, True), (0, True), (30, True), (60, False)]
)
def test_verify_accepts_one_step_either_side_and_no_more(enrolled, offset, accepted):
    code = code_at(enrolled.totp_secret, NOW + offset)
    assert two_factor.verify(enrolled, code, now=NOW) is accepted


def test_a_code_works_only_once(enrolled):
    code = code_at(enrolled.totp_secret, NOW)
    assert two_factor.verify(enrolled, code, now=NOW) is True
    assert two_factor.verify(enrolled, code, now=NOW) is False
    assert two_factor.verify(enrolled, code, now=NOW + 20) is False


def test_an_older_code_is_refused_after_a_newer_one(enrolled):
    assert two_factor.verify(enrolled, code_at(enrolled.totp_secret, NOW + 30), now=NOW)
    assert not two_factor.verify(enrolled, code_at(enrolled.totp_secret, NOW), now=NOW)
    assert two_factor.verify(enrolled, code_at(enrolled.totp_secret, NOW + 60), now=NOW + 60)


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", "12 34 5x", None])
def test_malformed_codes_are_refused(enrolled, code):
    assert two_factor.verify(enrolled, code, now=NOW) is False


def test_a_code_with_a_space_in_the_middle_is_accepted(enrolled):
    code = code_at(enrolled.totp_secret, NOW)
    assert two_factor.verify(enrolled, f"{code[:3]} {code[3:]}", now=NOW) is True


def test_recovery_code_works_once_in_any_case_and_spacing(enrolled):
    first, second = enrolled.codes[:2]
    assert two_factor.use_recovery_code(enrolled, first) is True
    assert two_factor.use_recovery_code(enrolled, first) is False
    assert two_factor.use_recovery_code(enrolled, second.upper().replace("-", " ")) is True
    assert two_factor.remaining_recovery_codes(enrolled) == 8
    assert two_factor.use_recovery_code(enrolled, "aaaa-bbbb-cccc") is False
    assert two_factor.use_recovery_code(enrolled, "") is False


def test_a_new_enrolment_voids_the_old_secret_and_recovery_codes(enrolled):
    old_codes = enrolled.codes
    secret = two_factor.begin_enrolment(enrolled)
    new_codes = two_factor.confirm_enrolment(enrolled, secret, code_at(secret, NOW), now=NOW)
    assert not two_factor.use_recovery_code(enrolled, old_codes[0])
    assert two_factor.use_recovery_code(enrolled, new_codes[0])
    assert db.session.scalar(select(db.func.count()).select_from(RecoveryCode)) == 10


def test_disable_removes_the_secret_and_the_codes(enrolled, make_user):
    admin = make_user("admin@example.org", "admin")
    two_factor.disable(enrolled, by=admin)
    user = db.session.get(User, enrolled.id)
    assert user.totp_secret is None
    assert user.totp_last_step is None
    assert db.session.scalars(select(RecoveryCode)).all() == []
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "account.two_factor_disabled")
    ).one()
    assert event.actor_id == admin.id


def test_admins_need_two_factor_in_production_only_by_default(monkeypatch, tmp_path):
    monkeypatch.setenv("TRACKER_ENV", "production")
    assert load_config(str(tmp_path))["REQUIRE_2FA_FOR_ADMINS"] is True
    monkeypatch.setenv("TRACKER_ENV", "development")
    assert load_config(str(tmp_path))["REQUIRE_2FA_FOR_ADMINS"] is False
    monkeypatch.setenv("REQUIRE_2FA_FOR_ADMINS", "1")
    assert load_config(str(tmp_path))["REQUIRE_2FA_FOR_ADMINS"] is True


# --- signing in ---------------------------------------------------------------------------


def test_password_alone_does_not_sign_in_an_enrolled_account(client, enrolled):
    response = sign_in(client, next_path="/review/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/two-factor"
    session = session_of(client)
    assert "_user_id" not in session
    assert session["two_factor_pending"]["user"] == enrolled.id
    staff_page = client.get("/review/")
    assert staff_page.status_code == 302
    assert staff_page.headers["Location"].startswith("/auth/login")


def test_the_right_code_signs_in_on_a_fresh_session_and_goes_to_next(client, enrolled):
    sign_in(client, next_path="/review/?sort=name")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    pending = session_of(client)

    response = send_code(client, code_at(enrolled.totp_secret, time.time()))

    assert response.status_code == 302
    assert response.headers["Location"] == "/review/?sort=name"
    session = session_of(client)
    assert session["_user_id"] == str(enrolled.id)
    assert "two_factor_pending" not in session
    assert "planted" not in session
    assert session.get("_id") != pending.get("_id")


def test_a_code_is_refused_the_second_time_through_the_form(app, enrolled):
    code = code_at(enrolled.totp_secret, time.time())
    first = app.test_client()
    sign_in(first)
    assert send_code(first, code).status_code == 302

    second = app.test_client()  # someone who saw the code over the shoulder
    sign_in(second)
    response = send_code(second, code)

    assert response.status_code == 400
    assert "This code is not right, or it has been used already." in response.text
    assert "_user_id" not in session_of(second)


def test_a_wrong_code_is_refused_and_the_form_stays(client, enrolled):
    sign_in(client)
    right = code_at(enrolled.totp_secret, time.time())
    response = send_code(client, "000000" if right != "000000" else "111111")
    assert response.status_code == 400
    assert "_user_id" not in session_of(client)
    assert 'autocomplete="one-time-code"' in response.text


def test_a_recovery_code_signs_in_once(app, enrolled):
    first = app.test_client()
    sign_in(first)
    response = send_code(first, enrolled.codes[0])
    assert response.status_code == 302
    assert session_of(first)["_user_id"] == str(enrolled.id)
    landing = first.get(response.headers["Location"] + "?lang=en", follow_redirects=True)
    assert "9 codes are left" in landing.text

    second = app.test_client()
    sign_in(second)
    assert send_code(second, enrolled.codes[0]).status_code == 400
    assert "_user_id" not in session_of(second)


def test_the_code_prompt_expires_after_five_minutes(client, enrolled):
    sign_in(client)
    with client.session_transaction() as session:
        session["two_factor_pending"] = {**session["two_factor_pending"], "at": time.time() - 301}
    response = send_code(client, code_at(enrolled.totp_secret, time.time()))
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login"
    assert "_user_id" not in session_of(client)
    assert "two_factor_pending" not in session_of(client)


def test_the_code_prompt_without_a_password_first_goes_to_sign_in(client, enrolled):
    response = client.get("/auth/two-factor")
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login"


def test_a_forged_pending_state_cannot_name_another_account(client, enrolled, make_user):
    with client.session_transaction() as session:
        # The cookie is signed: a visitor cannot write this without the secret key. Even
        # so, a state without the account's session version is not honoured.
        session["two_factor_pending"] = {"user": enrolled.id, "version": 99, "at": time.time()}
    response = send_code(client, code_at(enrolled.totp_secret, time.time()))
    assert response.headers["Location"] == "/auth/login"
    assert "_user_id" not in session_of(client)


def test_deactivation_during_the_code_prompt_refuses_the_code(client, enrolled):
    sign_in(client)
    db.session.get(User, enrolled.id).active = False
    db.session.commit()
    response = send_code(client, code_at(enrolled.totp_secret, time.time()))
    assert response.headers["Location"] == "/auth/login"
    assert "_user_id" not in session_of(client)


def test_an_account_without_two_factor_signs_in_with_its_password(client, make_user):
    make_user("ana@example.org")
    response = sign_in(client)
    assert response.status_code == 302
    assert response.headers["Location"] != "/auth/two-factor"
    assert "_user_id" in session_of(client)


@pytest.fixture
def throttled(app_config):
    app_config["RATELIMIT_ENABLED"] = True


def test_wrong_codes_use_up_the_accounts_sign_in_allowance(throttled, app, client, enrolled):
    sign_in(client)
    right = code_at(enrolled.totp_secret, time.time())
    wrong = "000000" if right != "000000" else "111111"

    answers = [send_code(client, wrong).status_code for _ in range(5)]
    locked = send_code(client, right)

    assert answers == [400] * 5
    assert locked.status_code == 429
    assert "_user_id" not in session_of(client)


# --- enrolment pages --------------------------------------------------------------------------


def test_setup_page_shows_a_qr_code_and_the_secret_and_confirms_with_a_code(editor_client):
    page = editor_client.get("/auth/two-factor/setup?lang=en")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    secret = session_of(editor_client)["two_factor_enrol_secret"]
    assert f'<code class="totp-secret">{secret}</code>' in page.text
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page.text
    assert "style=" not in page.text
    assert editor_client.get("/auth/two-factor/setup").text.count(secret) == 1  # same secret

    response = editor_client.post(
        "/auth/two-factor/setup?lang=en",
        data={**hidden_fields(page.text), "code": code_at(secret, time.time())},
    )

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    codes = re.findall(r"<li><code>([a-z2-9-]{14})</code></li>", response.text)
    assert len(codes) == 10
    assert db.session.get(User, editor_client.user.id).totp_secret == secret
    assert "two_factor_enrol_secret" not in session_of(editor_client)
    again = editor_client.get("/auth/two-factor/setup?lang=en")
    assert not any(code in again.text for code in codes)
    assert "10 recovery codes are left" in again.text


def test_setup_with_a_wrong_code_stores_nothing(editor_client):
    page = editor_client.get("/auth/two-factor/setup?lang=en")
    secret = session_of(editor_client)["two_factor_enrol_secret"]
    right = code_at(secret, time.time())
    response = editor_client.post(
        "/auth/two-factor/setup?lang=en",
        data={**hidden_fields(page.text), "code": "000000" if right != "000000" else "111111"},
    )
    assert response.status_code == 400
    assert "This code is not right." in response.text
    assert db.session.get(User, editor_client.user.id).totp_secret is None


def test_setup_needs_a_csrf_token(editor_client):
    editor_client.get("/auth/two-factor/setup")
    secret = session_of(editor_client)["two_factor_enrol_secret"]
    response = editor_client.post(
        "/auth/two-factor/setup", data={"code": code_at(secret, time.time())}
    )
    assert response.status_code == 400
    assert db.session.get(User, editor_client.user.id).totp_secret is None


def test_setup_needs_a_signed_in_user(client):
    response = client.get("/auth/two-factor/setup")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


def test_an_editor_may_turn_two_factor_off_with_a_current_code(app, make_user):
    user = make_user("ana@example.org")
    secret = two_factor.begin_enrolment(user)
    two_factor.confirm_enrolment(user, secret, code_at(secret, EARLIER), now=EARLIER)
    client = app.test_client()
    login_as(client, db.session.get(User, user.id))
    page = client.get("/auth/two-factor/setup?lang=en")
    assert "Turn two-factor sign-in off" in page.text
    token = hidden_fields(page.text)["csrf_token"]

    response = client.post(
        "/auth/two-factor/disable", data={"csrf_token": token, "code": code_at(secret, time.time())}
    )

    assert response.status_code == 302
    assert db.session.get(User, user.id).totp_secret is None


def test_turning_off_needs_a_right_code(app, enrolled):
    client = app.test_client()
    login_as(client, enrolled)
    page = client.get("/auth/two-factor/setup")
    response = client.post(
        "/auth/two-factor/disable",
        data={"csrf_token": hidden_fields(page.text)["csrf_token"], "code": "12345x"},
    )
    assert response.status_code == 302
    assert db.session.get(User, enrolled.id).totp_secret is not None


# --- admins must enrol ----------------------------------------------------------------------


@pytest.fixture
def required(app):
    app.config["REQUIRE_2FA_FOR_ADMINS"] = True


def test_an_admin_without_two_factor_is_kept_on_the_setup_page(required, admin_client):
    for path in ("/review/", "/admin/team", "/auth/two-factor/setup"):
        response = admin_client.get(path)
        if path == "/auth/two-factor/setup":
            assert response.status_code == 200
        else:
            assert response.status_code == 302, path
            assert response.headers["Location"].startswith("/auth/two-factor/setup"), path
    page = admin_client.get("/auth/two-factor/setup?lang=en")
    assert "Administrators sign in with a code" in page.text
    assert "Turn two-factor sign-in off" not in page.text
    # Signing out still works.
    token = hidden_fields(page.text)["csrf_token"]
    assert admin_client.post("/auth/logout", data={"csrf_token": token}).status_code == 302


def test_an_admin_reaches_staff_pages_once_enrolled(required, admin_client):
    page = admin_client.get("/auth/two-factor/setup")
    secret = session_of(admin_client)["two_factor_enrol_secret"]
    admin_client.post(
        "/auth/two-factor/setup",
        data={**hidden_fields(page.text), "code": code_at(secret, time.time())},
    )
    assert admin_client.get("/review/").status_code == 200


def test_an_admin_who_must_keep_two_factor_cannot_turn_it_off(required, app, make_user):
    admin = make_user("boss@example.org", "admin")
    secret = two_factor.begin_enrolment(admin)
    two_factor.confirm_enrolment(admin, secret, code_at(secret, EARLIER), now=EARLIER)
    client = app.test_client()
    login_as(client, db.session.get(User, admin.id))
    page = client.get("/auth/two-factor/setup")
    client.post(
        "/auth/two-factor/disable",
        data={
            "csrf_token": hidden_fields(page.text)["csrf_token"],
            "code": code_at(secret, time.time()),
        },
    )
    assert db.session.get(User, admin.id).totp_secret == secret


def test_an_editor_is_not_required_to_enrol(required, editor_client):
    assert editor_client.get("/review/").status_code == 200


def test_an_admin_signing_in_without_two_factor_goes_to_setup(required, client, make_user):
    make_user("boss@example.org", "admin")
    response = sign_in(client, email="boss@example.org", next_path="/admin/team")
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/two-factor/setup?next=/admin/team"
