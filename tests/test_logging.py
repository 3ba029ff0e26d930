"""Log records help an operator without carrying addresses, passwords or what applicants wrote."""

from __future__ import annotations

import logging
import sys

import pytest
from flask.logging import default_handler

from tests.applying import application_form, post
from tests.conftest import PASSWORD
from tracker.log_setup import LOG_FORMAT, EmailMaskingFilter, mask_emails
from tracker.web.access import admin, public


@pytest.fixture
def logs(caplog):
    """Capture every record from DEBUG up, from our loggers and everybody else's."""
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="tracker")
    return caplog


def test_mask_emails_keeps_the_first_letter_and_the_domain():
    assert mask_emails("nino.beridze@example.org") == "n***@example.org"
    assert (
        mask_emails("to <Ana@News.example.ge>, a@b.co and (x.y+tag@mail.example.am).")
        == "to <A***@News.example.ge>, a***@b.co and (x***@mail.example.am)."
    )
    assert mask_emails("no address @ here, nor user@localhost") == (
        "no address @ here, nor user@localhost"
    )


def test_filter_masks_message_args_and_traceback():
    try:
        raise ValueError("no account for nino@example.org")
    except ValueError:
        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "%s failed for %s", ("sign-in", "ana@example.ge"), None
        )
        record.exc_info = sys.exc_info()
    assert EmailMaskingFilter().filter(record) is True
    assert record.getMessage() == "sign-in failed for a***@example.ge"
    assert "n***@example.org" in record.exc_text
    assert "nino@example.org" not in record.exc_text


def test_every_logger_is_masked_and_numbers_stay_numbers(app, logs):
    logging.getLogger("tracker.mail.outbox").warning(
        "outbox email %d (%s) failed: %s", 7, "acknowledgement", "550 <nino@example.org> unknown"
    )
    logging.getLogger("flask-limiter").info("ratelimit exceeded for Nino@Example.org")
    logging.getLogger("tracker").info("%(who)s signed in", {"who": "ana@example.ge"})
    assert [record.getMessage() for record in logs.records] == [
        "outbox email 7 (acknowledgement) failed: 550 <n***@example.org> unknown",
        "ratelimit exceeded for N***@Example.org",
        "a***@example.ge signed in",
    ]
    assert logs.records[0].args[0] == 7
    assert "nino@example.org" not in logs.text.lower()


def test_traceback_of_a_server_error_is_masked(app, client, logs):
    def explode():
        raise RuntimeError("duplicate key for nino@example.org")

    app.add_url_rule("/test/explode", view_func=public(explode))
    assert client.get("/test/explode").status_code == 500
    [record] = [r for r in logs.records if r.getMessage() == "Unhandled error"]
    assert "RuntimeError: duplicate key for n***@example.org" in record.exc_text
    assert "nino@example.org" not in logs.text


def test_log_format_and_level_are_configured(app):
    assert default_handler.formatter._fmt == LOG_FORMAT
    assert app.logger.level == logging.INFO


def test_access_denial_is_logged_with_the_user_id_not_the_address(app, editor_client, logs):
    app.add_url_rule("/test/admin-only", view_func=admin(lambda: "x"), endpoint="admin_only")
    response = editor_client.get("/test/admin-only")
    assert response.status_code == 403
    denials = [r for r in logs.records if r.name == "tracker.web.security"]
    assert [(r.levelname, r.getMessage()) for r in denials] == [
        (
            "WARNING",
            f"access denied: GET /test/admin-only endpoint=admin_only user={editor_client.user.id}",
        )
    ]
    assert "editor@" not in logs.text


def test_undeclared_route_denial_is_logged_for_anonymous(app, client, logs):
    app.add_url_rule("/test/undeclared", view_func=lambda: "secret", endpoint="undeclared")
    assert client.get("/test/undeclared").status_code == 403
    assert [r.getMessage() for r in logs.records if r.name == "tracker.web.security"] == [
        "access denied: GET /test/undeclared endpoint=undeclared user=anonymous"
    ]


def test_rate_limit_breach_log_names_no_address(app_config, logs, request):
    app_config.update(RATELIMIT_ENABLED=True, APPLY_LIMIT_PER_EMAIL="1 per day")
    client = request.getfixturevalue("client")
    call = request.getfixturevalue("call")
    # Only stored applications count per address: the second is refused.
    for _ in range(2):
        response = post(client, call, application_form(client, call, email="nino@example.org"))
    assert response.status_code == 429
    [breach] = [r for r in logs.records if r.name == "flask-limiter"]
    assert "applicant:" in breach.getMessage()
    assert "n***@" not in breach.getMessage()  # not even masked: the key is an HMAC
    assert "nino" not in logs.text


def test_a_submission_logs_no_personal_data(app, client, call, logs):
    data = application_form(client, call, cover_letter="Mein geheimes Anschreiben über Kutaisi.")
    assert post(client, call, data).status_code == 302
    for secret in ("Nino", "Beridze", "geheimes Anschreiben", "+995", "Lebenslauf"):
        assert secret not in logs.text


def test_a_failed_sign_in_logs_neither_password_nor_address(app, client, make_user, logs):
    make_user("editor@example.org")
    attempts = [
        {"email": "editor@example.org", "password": "wrong " + PASSWORD},
        {"email": "nobody@example.org", "password": PASSWORD},
    ]
    # Refused (400, the form again with one message for both) – and nothing revealing logged.
    assert [client.post("/auth/login", data=data).status_code for data in attempts] == [400, 400]
    for secret in (PASSWORD, "editor@example.org", "nobody@example.org"):
        assert secret not in logs.text


def test_sign_in_failures_are_logged_by_account_id_without_address_or_password(
    app, make_user, caplog
):
    import logging

    from tracker.accounts.sessions import authenticate

    user = make_user("lela@example.org")
    with caplog.at_level(logging.WARNING, logger="tracker.accounts.sessions"):
        assert authenticate("lela@example.org", "wrong password here") is None
        assert authenticate("nobody@example.org", "wrong password here") is None
    messages = [record.getMessage() for record in caplog.records]
    assert messages == [
        f"sign-in failed: wrong password for user {user.id}",
        "sign-in failed: no such account",
    ]
    assert "lela@" not in caplog.text
    assert "wrong password here" not in caplog.text


def test_pypdf_s_warnings_about_a_broken_upload_stay_out_of_the_log(app, caplog, tmp_path):
    """A PDF whose cross-reference pointer is wrong is read all the same; pypdf's warnings
    about it (one per broken object of a hostile file) are not the operator's business."""
    from tests.drawn_pdfs import pdf_with_pages
    from tracker.documents.pdf import check_pdf

    drawn = pdf_with_pages(1)
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(drawn[: drawn.rfind(b"startxref")] + b"startxref\n12\n%%EOF\n")

    with caplog.at_level(logging.DEBUG, logger="tracker"):
        assert check_pdf(broken) == ()

    assert [record for record in caplog.records if record.name.startswith("pypdf")] == []
