"""The inbox page and its bulk actions: exact rows, links that keep the filter, safety."""

from __future__ import annotations

import html
import os
import re
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from tests.applying import application_form, post
from tests.conftest import hidden_fields
from tests.sql_log import statements_sent
from tracker.applications.pipeline import set_status
from tracker.applications.ratings import CRITERIA, add_rating
from tracker.applications.teamwork import add_tag
from tracker.enums import Status
from tracker.extensions import db
from tracker.models import (
    Application,
    ApplicationLanguage,
    ApplicationTopic,
    AuditEvent,
    Document,
    StatusChange,
)
from tracker.search import index_application

XSS = "<script>alert(1)</script>"


BLOCK_BOUNDARY = re.compile(r"<br\s*/?>|</?(?:li|ul|td|th|tr|p|div|summary|details|nav)\b[^>]*>")


def text_of(markup: str) -> str:
    """Return the visible text of *markup* as a reader sees it, whitespace folded."""
    text = re.sub(r"<[^>]+>", "", BLOCK_BOUNDARY.sub(" ", markup))
    return " ".join(html.unescape(text).split())


def rows(page: str) -> dict[int, str]:
    """Return the table's rows as {application id: the row's text}, in page order."""
    found = re.findall(r'<tr data-application-id="(\d+)">(.*?)</tr>', page, re.DOTALL)
    return {int(application_id): text_of(markup) for application_id, markup in found}


def links(page: str) -> list[str]:
    return [html.unescape(href) for href in re.findall(r'href="([^"]*)"', page)]


def pagination(page: str) -> tuple[str, list[str]]:
    """Return the text and the links of the page's pagination."""
    nav = re.search(r'<nav class="pagination".*?</nav>', page, re.DOTALL).group(0)
    return text_of(nav), links(nav)


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def get(client, query: str = "") -> str:
    response = client.get(f"/review/?lang=en&{query}")
    assert response.status_code == 200
    return response.text


def flashes(page: str) -> list[str]:
    return [text_of(m) for m in re.findall(r'<div class="notice[^"]*"[^>]*>(.*?)</div>', page)]


def languages(*pairs):
    return [
        ApplicationLanguage(language=code, level=level, position=position)
        for position, (code, level) in enumerate(pairs)
    ]


def document(application, kind):
    db.session.add(
        Document(
            application_id=application.id,
            kind=kind,
            filename=f"{kind}.pdf",
            file_type="pdf",
            content_type="application/pdf",
            size=100,
            sha256="0" * 64,
            storage_key=os.urandom(16).hex(),
        )
    )


def rate(application, user, score):
    add_rating(application, by=user, scores=dict.fromkeys(CRITERIA, score), recommendation="yes")


# --- Access ----------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(app, client):
    response = client.get("/review/?status=new")
    if "auth.login" in app.view_functions:
        assert response.status_code == 302
        assert "/auth/login" in response.headers["Location"]
    else:
        assert response.status_code == 401
    assert client.post("/review/bulk", data={"action": "status"}).status_code in {302, 400, 401}


def test_the_inbox_refuses_post(editor_client):
    response = editor_client.post("/review/?lang=en")
    assert response.status_code == 405
    assert "That does not work here" in response.text


# --- The table -------------------------------------------------------------------------


def test_each_row_shows_the_application_at_a_glance(editor_client, make_application, make_user):
    ben = make_user("ben@example.org", name="Ben Berger")
    nino = make_application(
        full_name="Nino Beridze",
        languages=languages(("de", "B2"), ("ka", "native")),
        topics=[ApplicationTopic(topic="politics"), ApplicationTopic(topic="media")],
        created_at=datetime(2026, 11, 3, 9, 30),
        assignee_id=ben.id,
    )
    aram = make_application(
        full_name="Aram Petrosyan",
        email="aram@example.org",
        country="elsewhere",
        country_other="Germany",
        regions=["armenia", "karabakh"],
        city="Berlin",
        status=Status.IN_REVIEW.value,
        languages=languages(("de", "C1")),
        topics=[ApplicationTopic(topic="culture")],
        created_at=datetime(2026, 11, 4, 9, 30),
        writing_sample_url="https://example.org/sample",
    )
    document(nino, "cv")
    document(nino, "cover_letter")
    document(nino, "writing_sample")
    db.session.commit()
    add_tag(nino, "video", by=ben)
    page = get(editor_client)
    assert rows(page) == {
        aram.id: (
            f"Aram Petrosyan {aram.reference} Armenia, Karabakh Lives in: Berlin, Germany "
            "German: C1 (advanced) Culture In review not rated by you (0) nobody 4 Nov 2026 "
            "Sample link"
        ),
        nino.id: (
            f"Nino Beridze {nino.reference} video Georgia Lives in: Kutaisi, Georgia "
            "German: B2 (upper intermediate), Georgian: native Media, Politics New "
            "not rated by you (0) Ben Berger 3 Nov 2026 CV Letter Sample"
        ),
    }
    assert f'<a class="candidate-link" href="/review/applications/{nino.id}">' in page
    assert '<span class="badge badge-in_review">In review</span>' in page
    assert '<time datetime="2026-11-03">3 Nov 2026</time>' in page


def test_dates_and_labels_follow_the_page_language(editor_client, make_application):
    make_application(created_at=datetime(2026, 11, 3, 9, 30))
    response = editor_client.get("/review/?lang=de")
    assert "3. Nov. 2026" in response.text
    assert "Georgien" in response.text


def test_the_mean_shows_only_after_you_rated(editor_client, make_application, make_user):
    ben = make_user("ben@example.org", name="Ben")
    application = make_application(created_at=datetime(2026, 11, 3))
    rate(application, ben, 2)
    before = (
        f"Nino Beridze {application.reference} Georgia Lives in: Kutaisi, Georgia "
        "German: B2 (upper intermediate) Politics New"
    )
    assert rows(get(editor_client))[application.id] == (
        f"{before} not rated by you (1) nobody 3 Nov 2026 none"
    )
    rate(application, editor_client.user, 5)
    assert rows(get(editor_client))[application.id] == (
        f"{before} 3.5 (2) Per criterion Regional expertise: 3.5 German writing: 3.5 "
        "Sourcing: 3.5 Story ideas: 3.5 Reliability: 3.5 nobody 3 Nov 2026 none"
    )


def test_no_region_reads_as_a_dash_and_a_mean_has_one_decimal(editor_client, make_application):
    application = make_application(regions=[], created_at=datetime(2026, 11, 3, 9, 30))
    # Three criteria judged (10 / 3), two left as "can't judge yet".
    scores = dict(zip(CRITERIA, (3, 3, 4, None, None), strict=True))
    add_rating(application, by=editor_client.user, scores=scores, recommendation="yes")
    row = rows(get(editor_client))[application.id]
    assert row.startswith(f"Nino Beridze {application.reference} – Lives in: Kutaisi, Georgia ")
    assert " 3.3 (1) Per criterion Regional expertise: 3.0 German writing: 3.0 Sourcing: 4.0 " in (
        row
    )
    assert "Story ideas: can't judge yet Reliability: can't judge yet nobody 3 Nov 2026" in row
    german = editor_client.get("/review/?lang=de").text
    assert '<span class="rating-mean">3,3</span>' in german
    assert re.search(r"<li>[^<>]+: 4,0</li>", german)  # Sourcing's mean, in German too


def test_applicant_text_is_escaped_everywhere(editor_client, make_application):
    application = make_application(
        full_name=XSS, city=XSS, country="elsewhere", country_other=XSS, email="x@example.org"
    )
    add_tag(application, XSS, by=editor_client.user)
    page = get(editor_client)
    assert "<script>" not in page
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 5
    assert rows(page)[application.id].count(XSS) == 4  # name, tag, city, country
    # The filter form and the links echo hostile filter values escaped as well.
    hostile = get(editor_client, f"region={XSS}&tag={XSS}&q={XSS}")
    assert "<script>" not in hostile
    assert 'value="&lt;script&gt;alert(1)&lt;/script&gt;"' in hostile


def test_the_status_tabs_count_the_current_filter(editor_client, make_application):
    for status in ("new", "new", "in_review", "rejected"):
        make_application(status=status, region="armenia")
    make_application(status="new", region="georgia")
    page = get(editor_client, "region=armenia&status=new")
    tabs = text_of(re.search(r'<nav class="status-tabs".*?</nav>', page, re.DOTALL).group(0))
    assert tabs == (
        "All 4 New 2 In review 1 Shortlisted 0 Trial 0 Accepted 0 On hold 0 Rejected 1 Withdrawn 0"
    )
    assert len(rows(page)) == 2
    tab_links = re.findall(r'<nav class="status-tabs".*?</nav>', page, re.DOTALL)[0]
    assert '<a href="/review/?region=armenia&amp;status=in_review">' in tab_links
    assert '<a href="/review/?region=armenia&amp;status=new" aria-current="page">' in tab_links
    assert '<a href="/review/?region=armenia">All' in tab_links


def test_filters_on_the_page_list_exactly_the_matching_rows(editor_client, make_application):
    kept = make_application(
        full_name="Zaur Magomedov",
        region="dagestan",
        languages=languages(("de", "A2"), ("ru", "native")),
    )
    make_application(full_name="Zaur Other", region="dagestan")
    make_application(full_name="Nino Beridze", languages=languages(("ru", "C1")))
    index_application(kept)
    db.session.commit()
    assert list(rows(get(editor_client, "region=dagestan&language=ru"))) == [kept.id]
    assert list(rows(get(editor_client, "q=Magomedov"))) == [kept.id]


def test_sorting_links_keep_the_filter_and_toggle_the_direction(editor_client, make_application):
    older = make_application(full_name="Beta", created_at=datetime(2026, 1, 1))
    newer = make_application(full_name="Alpha", created_at=datetime(2026, 2, 1))
    page = get(editor_client, "status=new&region=georgia")
    assert list(rows(get(editor_client, "status=new"))) == [newer.id, older.id]
    sort_links = [link for link in links(page) if "sort=" in link]
    assert sort_links == [
        "/review/?region=georgia&status=new&sort=name",
        "/review/?region=georgia&status=new&sort=region",
        "/review/?region=georgia&status=new&sort=status",
        "/review/?region=georgia&status=new&sort=-rating",
        "/review/?region=georgia&status=new&sort=-ratings",
        "/review/?region=georgia&status=new&sort=assignee",
        "/review/?region=georgia&status=new&sort=received",
    ]
    assert '<th scope="col" aria-sort="descending">' in page
    by_name = get(editor_client, "status=new&sort=name")
    assert list(rows(by_name)) == [newer.id, older.id]
    assert "/review/?status=new&sort=-name" in links(by_name)
    assert '<th scope="col" aria-sort="ascending">' in by_name
    assert list(rows(get(editor_client, "status=new&sort=-name"))) == [older.id, newer.id]


def test_120_rows_make_three_pages_whose_links_keep_the_filter(editor_client, make_application):
    for number in range(120):
        make_application(
            full_name=f"Person {number:03d}",
            region="armenia",
            created_at=datetime(2026, 1, 1, 0, number // 60, number % 60),
        )
    make_application(full_name="Elsewhere", region="georgia")
    first = get(editor_client, "region=armenia&sort=name")
    assert len(rows(first)) == 50
    assert text_of(first).count("1–50 of 120 applications") == 1
    assert pagination(first) == (
        "Page 1 of 3 Next Last",
        ["/review/?region=armenia&sort=name&page=2", "/review/?region=armenia&sort=name&page=3"],
    )
    last = get(editor_client, "region=armenia&sort=name&page=3")
    assert len(rows(last)) == 20
    assert "101–120 of 120 applications" in text_of(last)
    assert pagination(last) == (
        "First Previous Page 3 of 3",
        ["/review/?region=armenia&sort=name", "/review/?region=armenia&sort=name&page=2"],
    )
    assert pagination(get(editor_client, "region=armenia&sort=name&page=2")) == (
        "First Previous Page 2 of 3 Next Last",
        [
            "/review/?region=armenia&sort=name",
            "/review/?region=armenia&sort=name",
            "/review/?region=armenia&sort=name&page=3",
            "/review/?region=armenia&sort=name&page=3",
        ],
    )
    # Out-of-range and nonsense values are clamped, never an error.
    assert rows(get(editor_client, "region=armenia&sort=name&page=999999")) == rows(last)
    assert rows(get(editor_client, "region=armenia&sort=name&page=-1")) == rows(first)
    everything = get(editor_client, "region=armenia&per_page=100000")
    assert len(rows(everything)) == 100
    assert "Page 1 of 2" in text_of(everything)
    assert "/review/?region=armenia&page=2&per_page=100" in links(everything)


def test_nonsense_in_the_query_string_is_ignored(editor_client, make_application):
    application = make_application()
    page = get(
        editor_client,
        "page=-1&per_page=abc&status=bogus&received_from=notadate&sort=zzz&assignee=x"
        "&rated=maybe&call=none&received_to=2026-13-45",
    )
    assert list(rows(page)) == [application.id]


@pytest.mark.parametrize("value", ["' OR 1=1 --", "%", "_", '"', ";DROP TABLE applications"])
def test_sql_metacharacters_in_every_filter_match_nothing(editor_client, make_application, value):
    application = make_application()
    index_application(application)
    db.session.commit()
    for name in ("q", "region", "language", "topic", "tag", "received_from"):
        page = get(editor_client, f"{name}={value}")
        expected = [application.id] if name == "received_from" else []
        if name == "language" and len(value) > 10:
            expected = [application.id]  # longer than any language code: ignored
        assert list(rows(page)) == expected, (name, value)
    assert db.session.scalar(select(func.count(Application.id))) == 1


def test_the_empty_states_say_what_to_do(editor_client, call):
    assert "No applications yet. They appear here as soon as someone applies." in text_of(
        get(editor_client)
    )
    filtered = get(editor_client, "region=armenia&sort=name")
    assert "No application matches these filters. Show all applications" in text_of(filtered)
    assert "/review/?sort=name" in links(filtered)


def test_a_page_of_50_takes_as_many_queries_as_a_page_of_5(
    editor_client, make_application, make_user
):
    ben = make_user("ben@example.org", name="Ben")

    def add(count):
        for number in range(count):
            application = make_application(
                full_name=f"Person {number}",
                languages=languages(("de", "B2"), ("ru", "C1")),
                topics=[ApplicationTopic(topic="politics"), ApplicationTopic(topic="media")],
                assignee_id=ben.id if number % 2 else editor_client.user.id,
            )
            document(application, "cv")
            db.session.commit()
            for tag_name in ("video", f"tag {number}"):
                add_tag(application, tag_name, by=ben)
            rate(application, editor_client.user, 4)

    def statements() -> int:
        with statements_sent() as seen:
            assert editor_client.get("/review/?lang=en&sort=-rating").status_code == 200
        return len(seen)

    statements()  # the calls and accounts are read, and kept while they do not change
    add(5)
    small = statements()
    add(45)
    large = statements()
    assert small == large
    # the user; count, page and one query per related kind (see test_inbox_query); counts
    # per status; the filter form's calls, users and tags
    assert large <= 17, large


def test_the_candidate_link_carries_the_filter(editor_client, make_application):
    application = make_application()
    page = get(editor_client, "status=new&sort=name&page=1")
    assert f'href="/review/applications/{application.id}?from=status%3Dnew%26sort%3Dname"' in page


def test_the_page_has_no_inline_script_or_style(editor_client, make_application):
    make_application()
    page = get(editor_client)
    assert re.findall(r"<script(?![^>]*\bsrc=)", page) == []
    assert " style=" not in page
    assert not re.search(r"\son[a-z]+=", page)
    assert '<script src="/static/js/inbox.js" defer></script>' in page


# --- Bulk actions ----------------------------------------------------------------------


def bulk(client, query: str = "", **data):
    """Post the inbox's bulk form as shown for *query*, with *data*; follow the redirect."""
    hidden = {
        name: html.unescape(value) for name, value in hidden_fields(get(client, query)).items()
    }
    return client.post("/review/bulk", data={**hidden, **data})


def test_bulk_status_on_the_selection(editor_client, make_application):
    first, second, third = (make_application() for _ in range(3))
    accepted = make_application(status=Status.ACCEPTED.value)
    response = bulk(
        editor_client,
        "region=georgia&sort=name",
        ids=[str(first.id), str(third.id), str(accepted.id), "99999", "nonsense"],
        action="status",
        status="in_review",
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/review/?region=georgia&sort=name"
    db.session.expire_all()
    assert [a.status for a in (first, second, third, accepted)] == [
        "in_review",
        "new",
        "in_review",
        "accepted",
    ]
    changes = db.session.execute(
        select(
            StatusChange.application_id,
            StatusChange.from_status,
            StatusChange.to_status,
            StatusChange.actor_id,
        ).order_by(StatusChange.application_id)
    ).all()
    assert changes == [
        (first.id, "new", "in_review", editor_client.user.id),
        (third.id, "new", "in_review", editor_client.user.id),
    ]
    page = editor_client.get(response.headers["Location"]).text
    assert flashes(page) == [
        "Status “In review”: 2 changed, 1 skipped because the pipeline does not allow it."
    ]


def test_bulk_reject_needs_a_reason_and_records_it(editor_client, make_application):
    application = make_application()
    response = bulk(editor_client, ids=[str(application.id)], action="status", status="rejected")
    assert flashes(editor_client.get(response.headers["Location"]).text) == [
        "Choose a reason for the rejection."
    ]
    db.session.expire_all()
    assert application.status == "new"
    response = bulk(
        editor_client,
        ids=[str(application.id)],
        action="status",
        status="rejected",
        reason="region_covered",
    )
    db.session.expire_all()
    assert application.status == "rejected"
    assert db.session.scalar(select(StatusChange.reason)) == "region_covered"
    assert flashes(editor_client.get(response.headers["Location"]).text) == [
        "Status “Rejected”: 1 changed."
    ]


def test_bulk_status_on_the_whole_filter(editor_client, make_application):
    armenia = [make_application(region="armenia") for _ in range(3)]
    moved_on = make_application(region="armenia")
    set_status(moved_on, Status.IN_REVIEW, by=editor_client.user)
    georgia = make_application(region="georgia")
    response = bulk(
        editor_client,
        "region=armenia&status=new&per_page=10",
        scope="filter",
        action="status",
        status="on_hold",
    )
    assert response.headers["Location"] == "/review/?region=armenia&status=new&per_page=10"
    db.session.expire_all()
    assert [a.status for a in armenia] == ["on_hold"] * 3
    assert (moved_on.status, georgia.status) == ("in_review", "new")
    assert (
        db.session.scalar(
            select(func.count(StatusChange.id)).where(StatusChange.to_status == "on_hold")
        )
        == 3
    )
    assert flashes(editor_client.get(response.headers["Location"]).text) == [
        "Status “On hold”: 3 changed."
    ]


def test_bulk_on_the_filter_with_nothing_matching_changes_nothing(editor_client, make_application):
    application = make_application()
    hidden = {
        k: html.unescape(v) for k, v in hidden_fields(get(editor_client, "status=new")).items()
    }
    # A colleague moves the only match out of the filter before the form is sent.
    set_status(application, Status.IN_REVIEW, by=editor_client.user)
    response = editor_client.post(
        "/review/bulk", data={**hidden, "scope": "filter", "action": "status", "status": "on_hold"}
    )
    assert response.headers["Location"] == "/review/?status=new"
    db.session.expire_all()
    assert application.status == "in_review"
    assert flashes(editor_client.get(response.headers["Location"]).text) == [
        "No application matches the filter; nothing was changed."
    ]


def test_bulk_assign_to_me_to_someone_and_to_nobody(editor_client, make_application, make_user):
    ben = make_user("ben@example.org", name="Ben Berger")
    gone = make_user("gone@example.org", name="Gone", active=False)
    first, second = make_application(), make_application()
    ids = [str(first.id), str(second.id)]
    response = bulk(editor_client, ids=ids, action="assign", assignee="me")
    db.session.expire_all()
    assert (first.assignee_id, second.assignee_id) == (editor_client.user.id, editor_client.user.id)
    assert flashes(editor_client.get(response.headers["Location"]).text) == [
        "Assigned to Ana Editor: 2 changed."
    ]
    response = bulk(editor_client, ids=ids[:1], action="assign", assignee=str(ben.id))
    db.session.expire_all()
    assert (first.assignee_id, second.assignee_id) == (ben.id, editor_client.user.id)
    assert flashes(editor_client.get(response.headers["Location"]).text) == [
        "Assigned to Ben Berger: 1 changed."
    ]
    response = bulk(editor_client, ids=ids, action="assign", assignee="nobody")
    db.session.expire_all()
    assert (first.assignee_id, second.assignee_id) == (None, None)
    assert flashes(editor_client.get(response.headers["Location"]).text) == [
        "Assignment removed: 2 changed."
    ]
    # Inactive accounts are not offered, and a forged choice is refused.
    assert f'<option value="{gone.id}">' not in get(editor_client).split('id="assignee"')[1]
    response = bulk(editor_client, ids=ids, action="assign", assignee=str(gone.id))
    db.session.expire_all()
    assert (first.assignee_id, second.assignee_id) == (None, None)
    assert flashes(editor_client.get(response.headers["Location"]).text) == ["Not a valid choice."]
    assert (
        db.session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.action == "application.assigned")
        )
        == 5
    )


def test_bulk_tag_adds_once(editor_client, make_application):
    first, second = make_application(), make_application()
    add_tag(first, "video", by=editor_client.user)
    response = bulk(
        editor_client, ids=[str(first.id), str(second.id)], action="tag", tag="  video "
    )
    db.session.expire_all()
    assert ([t.name for t in first.tags], [t.name for t in second.tags]) == (["video"], ["video"])
    assert flashes(editor_client.get(response.headers["Location"]).text) == [
        "Tag “video”: added to 1, 1 had it already."
    ]
    response = bulk(editor_client, "tag=video", scope="filter", action="tag", tag="desk")
    db.session.expire_all()
    assert [t.name for t in first.tags] == ["desk", "video"]
    assert flashes(editor_client.get(response.headers["Location"]).text) == [
        "Tag “desk”: added to 2."
    ]
    response = bulk(editor_client, ids=[str(first.id)], action="tag", tag="   ")
    assert flashes(editor_client.get(response.headers["Location"]).text) == [
        "Write a tag of 1 to 60 characters."
    ]


def test_bulk_without_a_csrf_token_is_refused(editor_client, make_application):
    application = make_application()
    response = editor_client.post(
        "/review/bulk?lang=en",
        data={"ids": [str(application.id)], "action": "status", "status": "in_review"},
    )
    assert response.status_code == 400
    db.session.expire_all()
    assert application.status == "new"
    assert db.session.scalar(select(func.count(StatusChange.id))) == 0


def test_bulk_with_only_missing_ids_changes_nothing(editor_client, make_application):
    application = make_application()
    response = bulk(editor_client, ids=["99998", "99999"], action="status", status="in_review")
    db.session.expire_all()
    assert application.status == "new"
    assert flashes(editor_client.get(response.headers["Location"]).text) == [
        "The selected applications no longer exist; nothing was changed."
    ]


def test_bulk_with_nothing_selected_says_so(editor_client, make_application):
    make_application()
    response = bulk(editor_client, "status=new", action="status", status="in_review")
    assert response.headers["Location"] == "/review/?status=new"
    assert flashes(editor_client.get(response.headers["Location"]).text) == [
        "Nothing was selected. Tick the rows to change, or choose every application "
        "matching the filter."
    ]


def test_bulk_redirects_only_into_the_inbox(editor_client, make_application):
    application = make_application()
    hidden = hidden_fields(get(editor_client))
    hidden["filter"] = "https://evil.example/?region=georgia"
    response = editor_client.post(
        "/review/bulk",
        data={**hidden, "ids": [str(application.id)], "action": "tag", "tag": "x"},
    )
    assert response.headers["Location"].startswith("/review/")
    assert query_of(response.headers["Location"]) == {}


def test_a_berlin_journalist_covering_two_regions_is_found_under_each(
    client, editor_client, call, make_application
):
    data = application_form(
        client,
        call,
        full_name="Khava Dudayeva",
        home_country="elsewhere",
        home_country_other="Germany",
        city="Berlin",
        regions=["chechnya", "ingushetia"],
    )
    assert post(client, call, data).status_code == 302
    make_application(full_name="Zaur Other", region="dagestan")
    application = db.session.scalar(select(Application).where(Application.city == "Berlin"))
    assert application.regions == ["chechnya", "ingushetia"]
    for region in ("chechnya", "ingushetia"):
        found = rows(get(editor_client, f"region={region}"))
        assert list(found) == [application.id]
        assert "Chechnya, Ingushetia Lives in: Berlin, Germany" in found[application.id]
    assert application.id not in rows(get(editor_client, "region=dagestan"))
    dashboard = editor_client.get("/admin/dashboard?lang=en").text
    by_region = dashboard.split('id="region-heading"')[1].split("</table>")[0]
    assert re.findall(r'<th scope="row">([^<]+)</th><td>(\d+)</td>', by_region) == [
        ("Chechnya", "1"),
        ("Dagestan", "1"),
        ("Ingushetia", "1"),
    ]


def test_the_inbox_forms_read_wtforms_catalogue_once_per_language(
    editor_client, make_application, monkeypatch
):
    """Flask-WTF reads WTForms' catalogue from disk on every request; every form of the site
    (forms_common.SiteForm) reads it once per language and process."""
    from flask_wtf import i18n

    make_application()
    editor_client.get("/review/?lang=de")
    loads = []
    load = i18n.support.Translations.load

    def record(dirname, locales=None, domain=None):
        loads.append(domain)
        return load(dirname, locales, domain)

    monkeypatch.setattr(i18n.support.Translations, "load", record)
    page = editor_client.get("/review/?lang=de").text
    assert page.count('name="filter" type="hidden"') == 2  # bulk actions, columns
    assert 'name="ids" value="' in page
    assert loads == []
