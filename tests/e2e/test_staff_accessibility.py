"""axe-core on every staff page: no serious or critical violation anywhere.

The pages are found from ``app.url_map``: every GET route for staff or admins is either
visited below or skipped with a reason, so a new staff page cannot ship unchecked.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD
from tests.e2e.conftest import serious_violations, sign_in
from tests.e2e.test_staff import (  # noqa: F401 - fixtures
    ADMIN,
    application_id,
    candidates,
    smtp_server,
    url,
)
from tracker.enums import EmailStatus
from tracker.experts.records import new_expert, set_expertise
from tracker.extensions import db
from tracker.web.access import policy_of
from tracker.web.security import STAFF_POLICIES

SAMPLES = Path(__file__).resolve().parents[1] / "samples"

# Staff GET routes that are not pages: axe has nothing to check there.
SKIPPED = {
    "review.download": "sends a document as an attachment, not a page",
    "review.download_reply_attachment": "sends a reply's file as an attachment, not a page",
    "admin.subject_access": "sends a ZIP of the applicant's data, not a page",
    "review.page_image": "sends one PDF page as a PNG, not a page (the reading room shows it)",
}

# The staff GET routes the browser test visits (each with the states listed in VISITS).
VISITED = {
    "review.inbox",
    "review.candidate",
    "review.candidate_audit",
    "review.compose_email",
    "review.outbox",
    "review.edit_email",
    "review.audit_log",
    "review.notifications",
    "review.settings",
    "review.new_assignment",
    "review.assignment",
    "review.assignment_brief",
    "review.experts",
    "review.expert",
    "review.invite_preview",
    "admin.dashboard",
    "admin.calls",
    "admin.new_call",
    "admin.edit_call",
    "admin.preview_call",
    "admin.team",
    "admin.email_templates",
    "admin.edit_email_template",
    "admin.export",
    "admin.export_pool",
    "admin.import_experts",
    "admin.check_import",
    "admin.confirm_erase",
    "admin.jobs",
    "admin.translation",
    "admin.webhooks",
    "admin.webhook",
    "admin.api_tokens",
    "admin.confirm_revoke_api_token",
    "auth.change_password",
    "auth.two_factor_setup",
}


def staff_get_endpoints(app) -> set[str]:
    with app.app_context():
        return {
            rule.endpoint
            for rule in app.url_map.iter_rules()
            if "GET" in rule.methods and policy_of(rule.endpoint) in STAFF_POLICIES
        }


def test_every_staff_page_is_visited_or_skipped_with_a_reason(app):
    endpoints = staff_get_endpoints(app)
    assert VISITED.isdisjoint(SKIPPED)
    assert sorted(endpoints - VISITED - set(SKIPPED)) == [], "a staff page axe does not check"
    assert sorted((VISITED | set(SKIPPED)) - endpoints) == [], "no such staff route any more"
    assert all(reason for reason in SKIPPED.values())


def make_draft(app, reference: str) -> int:
    """Queue a draft email to the candidate and return its id."""
    from tracker.mail import outbox
    from tracker.models import Application

    with app.app_context():
        application = db.session.scalar(
            select(Application).where(Application.reference == reference)
        )
        email = outbox.queue(
            to_address=application.email,
            subject="Ihre Bewerbung",
            body_text="Hallo!\n",
            template="request_info",
            language="de",
            application=application,
            status=EmailStatus.DRAFT,
        )
        db.session.commit()
        return email.id


def make_assignment(app, reference: str) -> int:
    """Give the candidate an assignment (straight in the database) and return its id."""
    from datetime import datetime

    from tracker.models import Application, Assignment

    with app.app_context():
        application = db.session.scalar(
            select(Application).where(Application.reference == reference)
        )
        assignment = Assignment(
            reference="AS-A11Y22",
            application=application,
            title="Winter in Gudauri",
            brief="3,000 characters on the ski season.",
            fee_minor=25000,
            currency="EUR",
            deadline_at=datetime(2099, 12, 20, 14, 0),
            timezone="Asia/Tbilisi",
        )
        db.session.add(assignment)
        db.session.commit()
        return assignment.id


def make_failed_job(app) -> None:
    """Leave a failed job, so that the jobs page shows its error and its Retry button."""
    from tracker.jobs.queue import enqueue

    with app.app_context():
        job = enqueue("extract_text", application_id=0)
        job.status, job.attempts, job.last_error = "failed", 5, "OSError: disk unreadable"
        db.session.commit()


def make_webhook_log(app) -> int:
    """Register a webhook endpoint with a delivered and a failed delivery; return its id."""
    from tracker.models import WebhookDelivery, WebhookEndpoint, utcnow

    with app.app_context():
        endpoint = WebhookEndpoint(
            url="https://hooks.example.org/tracker",
            description="CMS",
            events=["application.created", "application.status_changed"],
            secret="whsec_e2e",
        )
        db.session.add(endpoint)
        db.session.flush()
        for status, answer, error in (("delivered", 200, None), ("failed", 500, "HTTP 500")):
            db.session.add(
                WebhookDelivery(
                    endpoint_id=endpoint.id,
                    event="application.created",
                    event_id=f"evt_{status}",
                    body="{}",
                    status=status,
                    attempts=1,
                    response_status=answer,
                    response_ms=42,
                    last_error=error,
                    delivered_at=utcnow() if status == "delivered" else None,
                )
            )
        db.session.commit()
        return endpoint.id


def stage_sample_import(app) -> str:
    """Keep the sample list of experts as an upload would; return its token."""
    from tracker.experts.staging import stage_upload

    with app.test_request_context(), open(SAMPLES / "experts.csv", "rb") as sample:
        return stage_upload(sample, "experts.csv")


def visits(app, candidates) -> dict[str, str]:  # noqa: F811
    """Return every page state to check, by name: its address."""
    from tracker.api_tokens import create_token
    from tracker.models import Call, User

    nino = application_id(app, candidates["nino"])
    hostile = application_id(app, candidates["hostile"])
    draft = make_draft(app, candidates["nino"])
    assignment = make_assignment(app, candidates["nino"])
    make_failed_job(app)
    with app.app_context():
        call_id = db.session.scalar(select(Call.id))
        expert = new_expert(
            full_name="Nino Beridze", email="nino.expert@example.org", source="import"
        )
        set_expertise(expert, regions=["georgia"], languages=[("ka", "native")], topics=[])
        db.session.commit()
        expert_id = expert.id
        admin = db.session.scalar(select(User).where(User.role == "admin"))
        token_id = create_token("CMS", ["experts:read"], by=admin)[0].id
    endpoint_id = make_webhook_log(app)
    pages = {
        "inbox": url(app, "review.inbox", lang="en"),
        "inbox filtered": url(app, "review.inbox", status="new", region="georgia", lang="en"),
        "inbox search": url(app, "review.inbox", q="Nino", lang="en"),
        "candidate": url(app, "review.candidate", application_id=nino, lang="en"),
        "candidate (hostile answers)": url(
            app, "review.candidate", application_id=hostile, lang="en"
        ),
        "candidate audit": url(app, "review.candidate_audit", application_id=nino, lang="en"),
        "compose email": url(app, "review.compose_email", application_id=nino, lang="en"),
        "compose email from a template": url(
            app, "review.compose_email", application_id=nino, template="request_info", lang="en"
        ),
        "email draft": url(app, "review.edit_email", email_id=draft, lang="en"),
        "new assignment": url(app, "review.new_assignment", application=nino, lang="en"),
        "assignment": url(app, "review.assignment", assignment_id=assignment, lang="en"),
        "assignment brief": url(
            app, "review.assignment_brief", assignment_id=assignment, lang="en"
        ),
        "audit log": url(app, "review.audit_log", lang="en"),
        "notifications": url(app, "review.notifications", lang="en"),
        "notification settings": url(app, "review.settings", lang="en"),
        "experts": url(app, "review.experts", region="georgia", lang="en"),
        "expert": url(app, "review.expert", expert_id=expert_id, lang="en"),
        "invite experts": url(
            app, "review.invite_preview", region="georgia", invite_to=call_id, lang="en"
        ),
        "dashboard": url(app, "admin.dashboard", lang="en"),
        "calls": url(app, "admin.calls", lang="en"),
        "new call": url(app, "admin.new_call", lang="en"),
        "edit call": url(app, "admin.edit_call", call_id=call_id, lang="en"),
        "preview call": url(app, "admin.preview_call", call_id=call_id, lang="en"),
        "team": url(app, "admin.team", lang="en"),
        "email templates": url(app, "admin.email_templates", lang="en"),
        "edit email template": url(
            app, "admin.edit_email_template", key="request_info", language="ru", lang="en"
        ),
        "export": url(app, "admin.export", lang="en"),
        "export experts and assignments": url(app, "admin.export_pool", lang="en"),
        "import experts": url(app, "admin.import_experts", lang="en"),
        "import experts: dry run": url(
            app, "admin.check_import", t=stage_sample_import(app), lang="en"
        ),
        "erase applicant": url(app, "admin.confirm_erase", application_id=nino, lang="en"),
        "background jobs": url(app, "admin.jobs", lang="en"),
        "machine translation": url(app, "admin.translation", lang="en"),
        "webhooks": url(app, "admin.webhooks", lang="en"),
        "webhook endpoint and its log": url(
            app, "admin.webhook", endpoint_id=endpoint_id, lang="en"
        ),
        "API tokens": url(app, "admin.api_tokens", lang="en"),
        "revoke an API token": url(
            app, "admin.confirm_revoke_api_token", token_id=token_id, lang="en"
        ),
        "change password": url(app, "auth.change_password", lang="en"),
        "set up two-factor sign-in": url(app, "auth.two_factor_setup", lang="en"),
    }
    for tab in ("draft", "queued", "sending", "sent", "failed"):
        pages[f"outbox: {tab}"] = url(app, "review.outbox", tab=tab, lang="en")
    return pages


def differences(found: dict[str, list[str]]) -> dict[str, list[str]]:
    """Return the pages where axe saw a serious or critical violation, with what it saw."""
    return {name: seen for name, seen in found.items() if seen}


def check(page) -> list[str]:
    """Open every disclosure (filters, per-criterion means…), then run axe."""
    page.evaluate("document.querySelectorAll('details').forEach((each) => { each.open = true; })")
    return serious_violations(page)


@pytest.mark.parametrize(
    ("language", "width"), [("en", 1400), ("de", 1400), ("en", 390)], ids=["en", "de", "phone"]
)
def test_every_staff_page_has_no_serious_accessibility_violation(
    live_app,
    candidates,  # noqa: F811
    new_page,
    language,
    width,
):
    page = new_page({"width": width, "height": 900})
    sign_in(page, live_app, ADMIN)
    found = {}
    for name, address in visits(live_app, candidates).items():
        address = address.replace("lang=en", f"lang={language}")
        response = page.goto(address)
        assert (response.status, page.url) == (200, address), name  # no redirect, no error
        found[name] = check(page)

    # Bulk email is a POST from the inbox's selection: reached as a person reaches it.
    page.goto(url(live_app, "review.inbox", lang=language))
    page.locator("input[name=ids]").first.check()
    with page.expect_navigation():
        page.locator("button[formaction$='/email/bulk']").click()
    page.wait_for_load_state()
    assert "/email/bulk" in page.url
    found["bulk email"] = check(page)

    unexpected = differences(found)
    assert not unexpected, "\n".join(f"{name}: {seen}" for name, seen in unexpected.items())


# Empties the text fields of the form *selector* and sends it, as a person pressing the
# button with nothing filled in would (the forms are novalidate: the server answers).
SUBMIT_EMPTY = """(selector) => {
  const form = document.querySelector(selector);
  form.querySelectorAll("input:not([type=hidden]):not([type=checkbox]):not([type=radio]), textarea")
    .forEach((field) => { field.value = ""; });
  form.requestSubmit();
}"""


def submit_empty(page, selector: str) -> None:
    with page.expect_navigation():
        page.evaluate(SUBMIT_EMPTY, selector)
    assert page.locator(".error-summary").count() == 1, page.url


def test_staff_forms_with_errors_previews_and_two_factor_steps_have_no_serious_violation(
    live_app,
    candidates,  # noqa: F811
    page,
):
    import pyotp

    from tracker.accounts.invitations import invite_user, make_invitation_token

    nino = application_id(live_app, candidates["nino"])
    with live_app.app_context():
        invitee = invite_user("new@example.org", name="New Editor", role="editor", by=None)
        join = url(live_app, "admin.accept_invitation", token=make_invitation_token(invitee))
    sign_in(page, live_app, ADMIN)
    found = {}

    page.goto(url(live_app, "review.compose_email", application_id=nino, template="request_info"))
    with page.expect_navigation():
        page.locator("button[name=action][value=preview]").click()
    found["compose: preview"] = check(page)
    with page.expect_navigation():
        page.locator("button[name=action][value=send]").click()
    found["compose: unfilled part refused"] = check(page)

    page.goto(url(live_app, "review.inbox", lang="en"))
    page.locator("input[name=ids]").first.check()
    with page.expect_navigation():
        page.locator("button[formaction$='/email/bulk']").click()
    page.select_option("#template", "request_info")
    with page.expect_navigation():
        page.get_by_role("button", name="Preview").click()
    found["bulk email: preview"] = check(page)

    for name, endpoint, form in (
        ("new call: errors", "admin.new_call", "form.call-form"),
        ("team: invitation errors", "admin.team", "form.invite-form"),
        ("change password: errors", "auth.change_password", "main form[method=post]"),
        ("two-factor setup: errors", "auth.two_factor_setup", "main form[method=post]"),
    ):
        page.goto(url(live_app, endpoint, lang="en"))
        submit_empty(page, form)
        found[name] = check(page)
    page.goto(url(live_app, "review.new_assignment", application=nino, lang="en"))
    submit_empty(page, "form.call-form")
    found["new assignment: errors"] = check(page)
    page.goto(url(live_app, "admin.edit_email_template", key="request_info", language="de"))
    submit_empty(page, "main form[method=post]")
    found["email template: errors"] = check(page)

    # Two-factor sign-in: turned on (the recovery codes page), then the sign-in step.
    page.goto(url(live_app, "auth.two_factor_setup", lang="en"))
    secret = page.inner_text(".totp-secret").strip()
    page.fill("#code", pyotp.TOTP(secret).now())
    with page.expect_navigation():
        page.get_by_role("button", name="Turn on two-factor sign-in").click()
    assert page.locator(".recovery-codes li").count() > 1
    found["two-factor: recovery codes"] = check(page)
    with page.expect_navigation():
        page.locator("form[action$='/auth/logout'] button").click()
    page.wait_for_load_state()
    page.goto(f"{live_app.base_url}/auth/login?lang=en")
    page.fill("#email", ADMIN)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert "/auth/two-factor" in page.url
    found["two-factor: sign-in step"] = check(page)
    page.fill("#code", "000000")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    found["two-factor: wrong code"] = check(page)

    page.goto(join)
    found["join the team"] = check(page)
    submit_empty(page, "main form[method=post]")
    found["join the team: errors"] = check(page)

    unexpected = differences(found)
    assert not unexpected, "\n".join(f"{name}: {seen}" for name, seen in unexpected.items())
