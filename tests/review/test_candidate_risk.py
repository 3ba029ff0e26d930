"""The candidate page of an applicant at risk: the Safety panel (admins always, named editors
once they have rated or recused), the Need to know panel (admins, with add and remove),
the audited requests, and the email composer's notice."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from tests.conftest import login_as
from tracker.applications.ratings import add_rating
from tracker.extensions import db
from tracker.models import ApplicantSafety, ApplicationNeedToKnow, CallNeedToKnow

SCORES = {
    "regional_expertise": 4,
    "german_writing": 3,
    "sourcing": 4,
    "story_ideas": 5,
    "reliability": 4,
}
WISHES = [
    "Asked for a pseudonymous byline.",
    "Asked not to be written to at a work address.",
    "Prefers Signal: @nino.77",
]


@pytest.fixture
def risky(make_application, call):
    application = make_application(full_name="Tamar Example", at_risk=True)
    safety = db.session.get(ApplicantSafety, application.id)
    safety.wants_pseudonym = safety.avoid_work_address = True
    safety.safe_channel, safety.safe_channel_handle = "signal", "@nino.77"
    db.session.commit()
    return application


def text_of(fragment: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))).strip()


def panel(page: str, section_id: str) -> str | None:
    found = re.search(rf'<section [^>]*id="{section_id}".*?</section>', page, re.S)
    return found.group(0) if found else None


def wishes(page: str) -> list[str] | None:
    found = panel(page, "safety")
    if found is None:
        return None
    return [text_of(item) for item in re.findall(r"<li>(.*?)</li>", found, re.S)]


def request_rows(page: str) -> list[list[str]]:
    found = panel(page, "at-risk-requests")
    rows = re.findall(r"<tr>\s*(<td>.*?)</tr>", found, re.S)
    return [[text_of(cell) for cell in re.findall(r"<td>(.*?)</td>", row, re.S)] for row in rows]


def test_an_admin_sees_safety_need_to_know_and_the_requests(admin_client, risky, make_user):
    make_user("ana@example.org", "editor", name="Ana Editor")
    url = f"/review/applications/{risky.id}?lang=en"

    first = admin_client.get(url).text
    assert wishes(first) == WISHES
    assert "No request yet: this view is the first." in first
    need = text_of(panel(first, "need-to-know"))
    assert "Admins Ada Admin" in need
    assert "Named for the call nobody" in need
    assert "Named for this candidate nobody" in need
    assert re.findall(r'<option value="\d+">(.*?)</option>', panel(first, "need-to-know")) == [
        "Ana Editor"
    ]

    second = admin_client.get(url).text
    rows = request_rows(second)
    assert [[who, page, status] for who, _when, page, status in rows] == [
        ["Ada Admin", "Candidate page", "200"]
    ]


def test_a_named_editor_sees_the_answers_only_after_rating(app, risky, call, make_user):
    ana = make_user("ana@example.org", "editor", name="Ana Editor")
    db.session.add(CallNeedToKnow(call_id=call.id, user_id=ana.id))
    db.session.commit()
    client = app.test_client()
    login_as(client, ana)
    url = f"/review/applications/{risky.id}?lang=en"

    before = client.get(url).text
    assert wishes(before) == []
    assert (
        "What they asked for is shown here once you have rated this candidate or declared a "
        "conflict of interest."
    ) in before
    assert panel(before, "need-to-know") is None  # admins only
    assert "@nino.77" not in before

    add_rating(risky, by=ana, scores=SCORES, recommendation="yes")
    after = client.get(url).text
    assert wishes(after) == WISHES
    # The request she made before rating is listed for her too.
    assert [row[0] for row in request_rows(after)] == ["Ana Editor"]


def test_an_applicant_not_at_risk_has_no_such_panels(admin_client, make_application):
    page = admin_client.get(f"/review/applications/{make_application().id}?lang=en").text
    assert panel(page, "safety") is None
    assert panel(page, "need-to-know") is None
    assert panel(page, "at-risk-requests") is None


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_an_admin_names_and_unnames_an_editor_for_the_candidate(admin_client, risky, make_user):
    ana = make_user("ana@example.org", "editor", name="Ana Editor")
    url = f"/review/applications/{risky.id}?lang=en"
    token = csrf_of(admin_client.get(url).text)

    added = admin_client.post(
        f"/review/applications/{risky.id}/need-to-know",
        data={"csrf_token": token, "user_id": ana.id},
    )
    assert added.headers["Location"] == f"/review/applications/{risky.id}#need-to-know"
    page = admin_client.get(added.headers["Location"]).text
    assert "Ana Editor may now see this candidate." in page
    assert "Named for this candidate Ana Editor" in text_of(panel(page, "need-to-know"))
    assert db.session.execute(
        select(ApplicationNeedToKnow.application_id, ApplicationNeedToKnow.user_id)
    ).all() == [(risky.id, ana.id)]

    removed = admin_client.post(
        f"/review/applications/{risky.id}/need-to-know/remove",
        data={"csrf_token": token, "user_id": ana.id},
    )
    page = admin_client.get(removed.headers["Location"]).text
    assert "Ana Editor was taken off this candidate&#39;s list." in page
    assert db.session.scalars(select(ApplicationNeedToKnow)).all() == []
    # Each of those requests named the candidate: each is in the list, by its action.
    pages = [row[2] for row in request_rows(page)]
    assert pages == [
        "Editor taken off the candidate's list",
        "Candidate page",
        "Editor named for the candidate",
        "Candidate page",
    ]


def test_naming_a_guest_for_the_candidate_is_refused(admin_client, risky, make_user):
    gia = make_user("gia@example.org", "guest", name="Gia Guest")
    token = csrf_of(admin_client.get(f"/review/applications/{risky.id}?lang=en").text)
    response = admin_client.post(
        f"/review/applications/{risky.id}/need-to-know",
        data={"csrf_token": token, "user_id": gia.id},
    )
    page = html.unescape(admin_client.get(response.headers["Location"]).text)
    assert "Guest reviewers never see applicants at risk; Gia Guest cannot be named." in page
    assert db.session.scalars(select(ApplicationNeedToKnow)).all() == []


def test_a_named_editor_cannot_name_others(app, risky, make_user):
    ana = make_user("ana@example.org", "editor", name="Ana Editor")
    ben = make_user("ben@example.org", "editor", name="Ben Editor")
    db.session.add(ApplicationNeedToKnow(application_id=risky.id, user_id=ana.id))
    db.session.commit()
    client = app.test_client()
    login_as(client, ana)
    token = csrf_of(client.get(f"/review/applications/{risky.id}?lang=en").text)
    response = client.post(
        f"/review/applications/{risky.id}/need-to-know",
        data={"csrf_token": token, "user_id": ben.id},
    )
    assert response.status_code == 403
    assert db.session.scalars(select(ApplicationNeedToKnow.user_id)).all() == [ana.id]


def test_the_composer_says_what_the_applicant_asked_for(admin_client, risky, make_application):
    page = admin_client.get(f"/review/applications/{risky.id}/email?lang=en").text
    notice = re.search(r'<div class="notice safety-notice">.*?</div>', page, re.S).group(0)
    assert text_of(notice) == "This applicant said they could be at risk. " + " ".join(WISHES)
    other = admin_client.get(f"/review/applications/{make_application().id}/email?lang=en")
    assert "safety-notice" not in other.text
