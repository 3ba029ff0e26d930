"""The admin's call page names the editors who may see the call's applicants at risk."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from tracker.extensions import db
from tracker.models import AuditEvent, CallNeedToKnow


@pytest.fixture
def people(make_user):
    return {
        "ana": make_user("ana@example.org", "editor", name="Ana Editor"),
        "ben": make_user("ben@example.org", "editor", name="Ben Editor"),
        "gia": make_user("gia@example.org", "guest", name="Gia Guest"),
        "ada": make_user("ada2@example.org", "admin", name="Ada Second"),
    }


def section(page: str) -> str:
    found = re.search(r'<section class="need-to-know".*?</section>', page, re.S)
    assert found, "no need-to-know section on the page"
    return found.group(0)


def named(page: str) -> list[str]:
    return [
        html.unescape(name)
        for name in re.findall(r"<li>\s*<span>(.*?)</span>", section(page), re.S)
    ]


def offered(page: str) -> list[str]:
    return [
        html.unescape(name)
        for name in re.findall(r"<option value=\"\d+\">(.*?)</option>", section(page))
    ]


def token(admin_client, call) -> str:
    page = admin_client.get(f"/admin/calls/{call.id}/edit?lang=en").text
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_the_call_page_adds_and_removes_editors(admin_client, call, people):
    page = admin_client.get(f"/admin/calls/{call.id}/edit?lang=en").text
    assert '<h2 id="need-to-know-title">Editors who may see applicants at risk</h2>' in page
    assert "No editor is named: only admins see this call's applicants at risk." in page
    assert offered(page) == ["Ana Editor", "Ben Editor"]

    added = admin_client.post(
        f"/admin/calls/{call.id}/need-to-know",
        data={"csrf_token": token(admin_client, call), "user_id": people["ana"].id},
    )
    assert added.status_code == 302
    assert added.headers["Location"] == f"/admin/calls/{call.id}/edit#need-to-know"
    page = admin_client.get(added.headers["Location"]).text
    assert "Ana Editor may now see the applicants at risk of this call." in page
    assert named(page) == ["Ana Editor"]
    assert offered(page) == ["Ben Editor"]

    removed = admin_client.post(
        f"/admin/calls/{call.id}/need-to-know/remove",
        data={"csrf_token": token(admin_client, call), "user_id": people["ana"].id},
    )
    page = admin_client.get(removed.headers["Location"]).text
    assert "Ana Editor no longer sees the applicants at risk of this call." in page
    assert "No editor is named" in page
    assert db.session.scalars(select(CallNeedToKnow)).all() == []
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.startswith("need_to_know."))
    ).all()
    assert actions == ["need_to_know.named_for_call", "need_to_know.unnamed_for_call"]


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("gia", "Guest reviewers never see applicants at risk; Gia Guest cannot be named."),
        ("ada", "Ada Second is an admin and sees every applicant at risk already."),
    ],
)
def test_a_guest_or_an_admin_is_refused_with_the_reason(admin_client, call, people, who, message):
    response = admin_client.post(
        f"/admin/calls/{call.id}/need-to-know",
        data={"csrf_token": token(admin_client, call), "user_id": people[who].id},
    )
    page = admin_client.get(response.headers["Location"]).text
    assert message in html.unescape(page)
    assert named(page) == []
    assert db.session.scalars(select(CallNeedToKnow)).all() == []


def test_an_unknown_account_is_refused(admin_client, call):
    response = admin_client.post(
        f"/admin/calls/{call.id}/need-to-know",
        data={"csrf_token": token(admin_client, call), "user_id": "999999"},
    )
    page = admin_client.get(response.headers["Location"]).text
    assert "Please choose an editor from the list." in page
    assert db.session.scalars(select(CallNeedToKnow)).all() == []


def test_editors_cannot_change_the_list(editor_client, call, people):
    page = editor_client.get("/review/?lang=en").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = editor_client.post(
        f"/admin/calls/{call.id}/need-to-know",
        data={"csrf_token": csrf, "user_id": editor_client.user.id},
    )
    assert response.status_code == 403
    assert db.session.scalars(select(CallNeedToKnow)).all() == []
