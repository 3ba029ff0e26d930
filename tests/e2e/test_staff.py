"""Editors and admins in a real browser: sign in, filter, search, rate, decide, write, export."""

from __future__ import annotations

import csv
import io
import os
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from flask import url_for
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from tests.e2e.conftest import DESKTOP, PHONE, PageWatch, make_staff, screenshot, sign_in
from tests.smtp_servers import mail_settings, recording_smtp_server
from tracker.applications.submit import ApplicationData, submit_application
from tracker.extensions import db
from tracker.jobs.runner import run_pending
from tracker.mail.delivery import deliver_pending
from tracker.mail.template_store import seed_templates
from tracker.models import Application, Call, Rating, utcnow

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
EDITOR = "editor@example.org"
ADMIN = "admin@example.org"
HOSTILE_NAME = "<script>alert(1)</script>"


@pytest.fixture
def smtp_server(app_config):
    with recording_smtp_server() as server:
        app_config.update(mail_settings(server.port, MAIL_DEFAULT_SENDER="desk@example.org"))
        # Two-factor sign-in has tests of its own; here admins sign in with a password.
        app_config["REQUIRE_2FA_FOR_ADMINS"] = False
        yield server


def submit(app, call_slug, name, email, region, *, cv="cv.pdf", **answers) -> str:
    """Store an application as the form would (files checked, text extracted, indexed)."""
    with app.app_context(), app.test_request_context():
        call = db.session.scalar(select(Call).where(Call.slug == call_slug))
        data = ApplicationData(
            full_name=name,
            email=email,
            home_country=answers.pop(
                "home_country",
                next(each["country"] for each in call.regions if each["key"] == region),
            ),
            regions=answers.pop("regions", [region]),
            city=answers.pop("city", "Kutaisi"),
            german_level="B2",
            topics=["politics"],
            preferred_language="en",
            cover_letter=answers.pop("cover_letter", "I report from the west of the country."),
            writing_sample_url="https://example.org/anaklia",
            **answers,
        )
        from tracker.documents.kept import keep
        from tracker.enums import DocumentKind

        token = os.urandom(12).hex()
        # As the form does: a chosen file is checked and kept with the form's token.
        keep(token, DocumentKind.CV, FileStorage(io.BytesIO((SAMPLES / cv).read_bytes()), cv, "cv"))
        application = submit_application(call, data, form_token=token)
        return application.reference


@pytest.fixture
def candidates(smtp_server, live_app, call_slug):
    """Three applicants: one whose CV mentions "correspondents", and a hostile one."""
    with live_app.app_context():
        seed_templates()
        db.session.commit()
    make_staff(live_app, EDITOR, "editor", "Ana Editor")
    make_staff(live_app, ADMIN, "admin", "Ada Admin")
    nino = submit(live_app, call_slug, "Nino Beridze", "nino@example.org", "georgia")
    anna = submit(
        live_app,
        call_slug,
        "Anna Petrosyan",
        "anna@example.org",
        "armenia",
        cv="writing_sample.txt",
    )
    hostile = submit(
        live_app,
        call_slug,
        "Hostile Person",
        "hostile@example.org",
        "georgia",
        cv="writing_sample.txt",
        city="<img src=x onerror=alert(1)>",
        cover_letter="{{7007*1001}} <script>alert(1)</script> <img src=x onerror=alert(1)>",
        heard_about_other="{{7007*1001}}",
    )
    with live_app.app_context():
        # The worker reads the documents' text, as it does seconds after a real submission.
        assert run_pending(kinds={"extract_text"}).done == 3
        # Stored as if an older version had let them through: the pages must still be safe.
        row = db.session.scalar(select(Application).where(Application.reference == hostile))
        row.full_name = HOSTILE_NAME  # the form and submit_application refuse such names
        row.links = ["javascript:alert(1)", "https://example.org/ok"]
        row.writing_sample_url = "javascript:alert(1)"
        db.session.commit()
    return {"nino": nino, "anna": anna, "hostile": hostile}


def application_id(app, reference: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Application.id).where(Application.reference == reference))


def url(app, endpoint: str, **values) -> str:
    with app.test_request_context():
        return app.base_url + url_for(endpoint, **values)


def inbox_names(page) -> list[str]:
    return [
        name.strip()
        for name in page.locator("table tbody tr td a, table tbody tr th a").all_inner_texts()
        if name.strip()
    ]


def test_editor_filters_searches_rates_decides_and_writes(smtp_server, live_app, candidates, page):
    watch = PageWatch(page)
    sign_in(page, live_app, EDITOR)
    page.goto(url(live_app, "review.inbox", lang="en"))

    # Filter by region and status.
    page.select_option("#filter-region", "georgia")
    page.check("#filter-status-new")
    with page.expect_navigation():
        page.get_by_role("button", name="Apply filters").click()
    assert "region=georgia" in page.url
    assert "status=new" in page.url
    body = page.inner_text("table tbody")
    assert "Nino Beridze" in body
    assert HOSTILE_NAME in body
    assert "Anna Petrosyan" not in body

    # A word that only the CV (a PDF) holds.
    page.fill("#filter-q", "correspondents")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    body = page.inner_text("table tbody")
    assert "Nino Beridze" in body
    assert HOSTILE_NAME not in body

    # The switcher is hidden for signed-in staff; the filter survives a language change in
    # the URL all the same (see tests/test_language_switch.py for the links themselves).
    with page.expect_navigation():
        page.get_by_role("link", name="Nino Beridze").click()
    nino_id = application_id(live_app, candidates["nino"])
    assert f"/applications/{nino_id}" in page.url
    assert page.locator("h1").inner_text().startswith("Nino Beridze")

    # Rate on the rubric: the highest score on every criterion (the last choice of the
    # recommendation; a criterion's last choice is "can't judge yet").
    criteria = page.locator("#rating-form fieldset.rubric-criterion")
    for i in range(criteria.count()):
        highest = criteria.nth(i).locator("input[type=radio][value='5']")
        (highest if highest.count() else criteria.nth(i).locator("input[type=radio]").last).check()
    with page.expect_navigation():
        page.locator("#rating-form").get_by_role("button", name="Save rating").click()
    with live_app.app_context():
        rating = db.session.scalar(select(Rating).where(Rating.application_id == nino_id))
        assert rating is not None
        assert rating.regional_expertise == rating.german_writing == 5

    # Change the status.
    page.select_option("#new_status", "in_review")
    with page.expect_navigation():
        page.locator("#status-form").get_by_role("button", name="Change status").click()
    with live_app.app_context():
        assert db.session.get(Application, nino_id).status == "in_review"

    # Write from a template: compose → preview → send, then the worker delivers it.
    with page.expect_navigation():
        page.get_by_role("link", name="Write an email…").click()
    page.select_option("#template-choice", "request_info")
    with page.expect_navigation():
        page.get_by_role("button", name="Use this template").click()
    subject = page.input_value("#subject")
    assert subject
    # The template's fill-in part must be replaced: sending refuses it.
    body = page.input_value("#body_text")
    assert "[[Please describe here what is missing.]]" in body
    page.fill("#body_text", body.replace("[[Please describe here what is missing.]]", "Your CV."))
    with page.expect_navigation():
        page.get_by_role("button", name="Preview").click()
    assert page.locator("[data-preview-subject]").inner_text() == subject
    with page.expect_navigation():
        page.get_by_role("button", name="Send", exact=True).click()
    assert "/applications/" in page.url  # back on the candidate page
    with live_app.app_context():
        # Sent emails wait a short while in the outbox (time to undo); be the worker later.
        deliver_pending(now=utcnow() + timedelta(minutes=10))
    sent = [m.message for m in smtp_server.messages if m.rcpt_tos == ["nino@example.org"]]
    requests = [message for message in sent if message["Subject"] == subject]
    assert len(requests) == 1
    assert candidates["nino"] in requests[0].get_body(("plain",)).get_content()
    assert watch.dialogs == []
    assert watch.csp_errors == []


# The export view (in progress) streams rows after the request's session closed:
def test_admin_exports_the_list_as_csv(live_app, candidates, page, tmp_path):
    sign_in(page, live_app, ADMIN)
    page.goto(url(live_app, "admin.export", lang="en", **{"from": "region=georgia"}))
    for box in page.locator("input[name=columns]").all():
        box.uncheck()
    for column in ("reference", "full_name", "email", "regions", "status"):
        page.check(f"input[name=columns][value={column}]")
    page.check("input[name=format][value=csv]")
    with page.expect_download(timeout=10_000) as download_info:
        page.get_by_role("button", name="Download").click()
    path = tmp_path / "export.csv"
    download_info.value.save_as(path)
    rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
    # Headers for people by default, in the admin's language; values stay keys.
    assert rows[0] == ["Reference", "Name", "Email", "Regions covered", "Status"]
    assert sorted(rows[1:]) == sorted(
        [
            [candidates["nino"], "Nino Beridze", "nino@example.org", "georgia", "new"],
            [candidates["hostile"], HOSTILE_NAME, "hostile@example.org", "georgia", "new"],
        ]
    )


def staff_pages(app, candidates) -> dict[str, str]:
    hostile_id = application_id(app, candidates["hostile"])
    return {
        "inbox": url(app, "review.inbox", lang="en"),
        "candidate": url(app, "review.candidate", application_id=hostile_id, lang="en"),
        "outbox": url(app, "review.outbox", lang="en"),
        "dashboard": url(app, "admin.dashboard", lang="en"),
    }


def test_hostile_answers_run_no_script_on_staff_pages(live_app, candidates, page):
    watch = PageWatch(page)
    sign_in(page, live_app, ADMIN)
    for name, address in staff_pages(live_app, candidates).items():
        page.goto(address)
        page.wait_for_load_state("load")
        # text_content, not inner_text: the candidate page's documents and answers are
        # tabs, and every panel (shown or hidden) must hold the answers as typed.
        text = page.locator("main").text_content()
        # {{7007*1001}} evaluated would read 7014007, a number no date, time,
        # reference or random link on the page holds by chance (49 did: "05:49").
        assert "7014007" not in text, name
        if name == "candidate":
            assert HOSTILE_NAME in page.inner_text("h1")
            assert "{{7007*1001}} <script>alert(1)</script> <img src=x onerror=alert(1)>" in text
            # A javascript: link is never rendered as a link.
            assert page.locator("a[href^='javascript:' i]").count() == 0
            for link in page.locator("main a[href]").all():
                assert not link.get_attribute("href").lower().startswith("javascript")
        if name == "inbox":
            assert HOSTILE_NAME in page.inner_text("table")
    assert watch.dialogs == []
    assert watch.csp_errors == []


def test_staff_pages_have_no_serious_accessibility_violations(live_app, candidates, page):
    from tests.e2e.conftest import serious_violations

    page.goto(url(live_app, "auth.login", lang="en"))
    found = {"login": serious_violations(page)}
    sign_in(page, live_app, ADMIN)
    for name, address in staff_pages(live_app, candidates).items():
        page.goto(address)
        found[name] = serious_violations(page)
    assert found == {name: [] for name in found}


@pytest.mark.parametrize(
    ("label", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)], ids=["desktop", "phone"]
)
def test_staff_pages_are_pictured(live_app, candidates, new_page, label, viewport):
    page = new_page(viewport)
    page.goto(url(live_app, "auth.login", lang="en"))
    screenshot(page, f"login-{label}")
    sign_in(page, live_app, ADMIN)
    pages = staff_pages(live_app, candidates)
    pages["candidate"] = url(
        live_app,
        "review.candidate",
        application_id=application_id(live_app, candidates["nino"]),
        lang="en",
    )
    for name, address in pages.items():
        page.goto(address)
        path = screenshot(page, f"{name}-{label}")
        if (name, label) == ("inbox", "desktop"):
            DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, DOCS_SCREENSHOTS / "inbox-desktop.png")
