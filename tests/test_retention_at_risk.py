"""Applicants at risk are erased sooner: RETENTION_DAYS_AT_RISK after a rejection or withdrawal."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.storage_backends import object_exists
from tests.test_exports import store_document
from tracker import privacy
from tracker.config import ConfigError, load_config
from tracker.enums import SafeChannel
from tracker.extensions import db
from tracker.mail.outbox import queue
from tracker.mail.placeholders import render_for
from tracker.models import (
    ApplicantSafety,
    Application,
    ApplicationNeedToKnow,
    AuditEvent,
    Document,
    OutboxEmail,
    utcnow,
)

NOW = datetime(2026, 12, 1, 12, 0)


def decided(make_application, status: str, days_ago: int, **fields) -> Application:
    return make_application(status=status, decided_at=NOW - timedelta(days=days_ago), **fields)


def remaining() -> list[tuple[str, bool]]:
    return [
        (application.status, application.at_risk)
        for application in db.session.scalars(select(Application).order_by(Application.id))
    ]


def test_a_rejected_or_withdrawn_applicant_at_risk_is_erased_after_thirty_days(make_application):
    due = [
        decided(make_application, "rejected", 31, at_risk=True).id,
        decided(make_application, "withdrawn", 31, at_risk=True).id,
    ]
    decided(make_application, "rejected", 29, at_risk=True)
    decided(make_application, "rejected", 31)  # not at risk: the normal 183 days
    decided(make_application, "withdrawn", 31)
    decided(make_application, "accepted", 400, at_risk=True)  # accepted: kept
    make_application(status="new", at_risk=True)

    report = privacy.purge_expired(now=NOW)

    assert [row[0] for row in report.applications] == due
    assert remaining() == [
        ("rejected", True),
        ("rejected", False),
        ("withdrawn", False),
        ("accepted", True),
        ("new", True),
    ]


def test_the_dry_run_lists_the_applicants_at_risk_due(runner, make_application):
    due = make_application(
        status="rejected", decided_at=utcnow() - timedelta(days=31), at_risk=True
    )
    result = runner.invoke(args=["privacy", "purge", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == (
        "Retention: rejected 183 days, withdrawn 183 days; "
        "applicants at risk, rejected or withdrawn: 30 days"
    )
    assert f"would erase application {due.id} (rejected, decided " in result.output
    assert "Would erase 1 application." in result.output


def test_the_shorter_period_wins_for_an_applicant_at_risk(app, make_application):
    app.config["RETENTION_DAYS"] = {"rejected": 10}
    app.config["RETENTION_DAYS_AT_RISK"] = 30
    decided(make_application, "rejected", 11, at_risk=True)  # the normal rule is shorter
    decided(make_application, "withdrawn", 31, at_risk=True)  # withdrawn: normally kept
    decided(make_application, "withdrawn", 400)
    assert privacy.purge_expired(now=NOW).count == 2
    assert remaining() == [("withdrawn", False)]


def test_the_period_for_applicants_at_risk_follows_the_setting(app, make_application):
    app.config["RETENTION_DAYS_AT_RISK"] = 7
    decided(make_application, "rejected", 8, at_risk=True)
    decided(make_application, "rejected", 6, at_risk=True)
    assert privacy.purge_expired(now=NOW).count == 1
    assert remaining() == [("rejected", True)]


def test_erasing_an_applicant_at_risk_leaves_no_row_and_no_file(
    storage, make_application, make_user
):
    editor = make_user()
    application = decided(make_application, "rejected", 31, at_risk=True)
    application.safety.safe_channel = SafeChannel.SIGNAL.value
    application.safety.safe_channel_handle = "@nino.safe.42"
    db.session.add(ApplicationNeedToKnow(application_id=application.id, user_id=editor.id))
    queue(
        to_address=application.email,
        subject="Your application",
        body_text="Dear Nino",
        template="custom",
        language="de",
        application=application,
    )
    db.session.commit()
    key = store_document(application, "cv", "cv.txt", b"CV of Nino Beridze").storage_key
    application_id = application.id
    assert object_exists(key)

    assert privacy.purge_expired(now=NOW).count == 1

    assert not object_exists(key)
    for table in db.metadata.sorted_tables:
        if "application_id" in table.c and table.name != "audit_events":
            left = db.session.scalar(
                select(func.count())
                .select_from(table)
                .where(table.c.application_id == application_id)
            )
            assert (table.name, left) == (table.name, 0)
    for model in (ApplicantSafety, ApplicationNeedToKnow, Document, OutboxEmail):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0
    events = db.session.execute(select(AuditEvent.action, AuditEvent.details)).all()
    assert events == [("application.erased", {"reason": "retention"})]


def test_the_withdrawal_email_tells_an_applicant_at_risk_the_shorter_period(app, make_application):
    app.config["RETENTION_DAYS"] = {"withdrawn": 183}
    normal = make_application(preferred_language="en")
    at_risk = make_application(preferred_language="en", at_risk=True)
    sentence = "We erase your application and your documents {} days after your withdrawal"
    assert sentence.format(183) in render_for(normal, "withdrawal_confirmation").body_text
    assert sentence.format(30) in render_for(at_risk, "withdrawal_confirmation").body_text
    app.config["RETENTION_DAYS"] = {}  # withdrawn applications kept: at risk, 30 days
    assert sentence.format(30) in render_for(at_risk, "withdrawal_confirmation").body_text


# --- configuration ----------------------------------------------------------------------


def test_retention_for_applicants_at_risk_defaults_to_thirty_days(monkeypatch, tmp_path):
    monkeypatch.delenv("RETENTION_DAYS_AT_RISK", raising=False)
    assert load_config(str(tmp_path))["RETENTION_DAYS_AT_RISK"] == 30
    monkeypatch.setenv("RETENTION_DAYS_AT_RISK", " 14 ")
    assert load_config(str(tmp_path))["RETENTION_DAYS_AT_RISK"] == 14


@pytest.mark.parametrize("value", ["-1", "thirty", "1.5", "", "²"])
def test_retention_for_applicants_at_risk_must_be_whole_days(monkeypatch, tmp_path, value):
    monkeypatch.setenv("RETENTION_DAYS_AT_RISK", value)
    with pytest.raises(ConfigError, match="RETENTION_DAYS_AT_RISK must be a whole number"):
        load_config(str(tmp_path))


# --- the privacy notice -----------------------------------------------------------------


def test_the_notice_states_the_period_for_applicants_at_risk(client, app):
    app.config["RETENTION_DAYS_AT_RISK"] = 21
    page = client.get("/privacy?lang=en").get_data(as_text=True)
    assert (
        '<li data-status="at-risk">If you told us that publishing under your own name, or '
        "being known to work with us, could put you at risk, we erase your application at "
        "the latest 21 days after we decide not to work with you or after you withdraw it. "
        "Our emails never name you in their subject line.</li>"
    ) in page
