"""The candidate page: every field shown safely, and every action on it."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.applying import application_form, post
from tests.conftest import hidden_fields
from tests.drawn_pdfs import pdf_with_pages, store_pdf
from tests.sql_log import statements_sent
from tests.stored import new_document
from tracker.applications.people import name_key
from tracker.applications.pipeline import set_status
from tracker.applications.ratings import add_rating
from tracker.applications.teamwork import add_comment, add_tag
from tracker.extensions import db
from tracker.jobs.runner import run_pending
from tracker.models import (
    Application,
    AuditEvent,
    Comment,
    OutboxEmail,
    Rating,
    Recusal,
    StatusChange,
    utcnow,
)
from tracker.sample_facts.job import queue_sample_facts

SCORES = {
    "regional_expertise": 5,
    "german_writing": 3,
    "sourcing": 4,
    "story_ideas": 2,
    "reliability": 4,
}


def url(application, suffix="") -> str:
    return f"/review/applications/{application.id}{suffix}"


def page(client, application, query="lang=en") -> str:
    response = client.get(f"{url(application)}?{query}")
    assert response.status_code == 200
    return response.text


def text_of(markup: str) -> str:
    """Return the visible text of *markup*, whitespace folded (for sentence assertions)."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def form_data(client, application, **fields) -> dict:
    """Return the CSRF token and expected version of the page, plus *fields*."""
    hidden = hidden_fields(page(client, application))
    data = {"csrf_token": hidden["csrf_token"], "expected_version": hidden["expected_version"]}
    data.update(fields)
    return data


def rating_data(client, application, scores=SCORES, **fields) -> dict:
    data = form_data(client, application, recommendation="yes", action="save")
    data.update({f"score_{name}": str(score) for name, score in scores.items()})
    data.update(fields)
    return data


def submitted(client, call, **overrides) -> Application:
    """Submit an application with documents through the public form."""
    response = post(client, call, application_form(client, call, **overrides))
    assert response.status_code == 302
    return db.session.scalar(select(Application).order_by(Application.id.desc()))


# --- what the page shows ---------------------------------------------------------------


def test_page_shows_every_field_of_a_submitted_application(editor_client, client, call):
    application = submitted(
        client,
        call,
        heard_about="other",
        heard_about_other="Radio Tavisupleba",
        writing_sample=None,
        writing_sample_url="https://example.org/story",
    )
    cv = application.documents[0]
    cv.flags = ["pdf_active_content"]
    cv.text = "Lebenslauf\n\nNino Beridze, Kutaisi"
    db.session.commit()

    markup = page(editor_client, application)
    text = text_of(markup)

    assert "<h1>Nino Beridze</h1>" in markup
    assert f'<span class="candidate-reference">{application.reference}</span>' in markup
    assert '<span class="badge badge-status badge-new">Status: New</span>' in markup
    assert "Not assigned" in text
    for label, value in [
        ("Call", "Local experts wanted"),
        ("Email address", "nino.beridze@example.org"),
        ("Phone number", "+995 555 123 456"),
        ("Regions covered", "Georgia"),
        ("Topics", "Environment and climate, Politics"),
        ("Writes to us in", "Deutsch"),
        ("Heard about the call", "Somewhere else: Radio Tavisupleba"),
    ]:
        assert f"<dt>{label}</dt>" in markup
        assert f"{label} {value}" in text, label
    assert "<dt>Lives in</dt>\n    <dd><bdi>Kutaisi</bdi>, <bdi>Georgia</bdi></dd>" in markup
    assert (
        "<li><bdi>German: B2 (upper intermediate)</bdi></li><li><bdi>Georgian: native</bdi></li>"
        "<li><bdi>Russian: C1 (advanced)</bdi></li>"
    ) in markup
    consent = application.consent_at.strftime("%-d %b %Y, %H:%M")
    assert f"Agreed to privacy notice 2026-11 on {consent}" in text
    assert (
        '<li>Writing sample: <a href="https://example.org/story" '
        'rel="noopener noreferrer nofollow">https://example.org/story</a></li>'
    ) in markup
    assert (
        '<li><a href="https://example.org/anaklia" rel="noopener noreferrer nofollow">'
        "https://example.org/anaklia</a></li>"
    ) in markup
    assert (
        '<div class="cover-letter" dir="auto">Ich schreibe seit zehn Jahren über Westgeorgien.</div>'
        in markup
    )
    # The document: kind, sanitised name, type, size, warning, download, escaped preview.
    assert '<h2 id="panel-cv-title" class="reader-panel-title">CV</h2>' in markup
    assert f"Lebenslauf Nino.pdf · PDF · {round(cv.size / 1024, 1)} KB · Download" in text
    assert f'<a href="/review/documents/{cv.id}">Download</a>' in markup
    assert (
        "Warning: This PDF contains active content (JavaScript/automatic actions); "
        "open it only in a safe viewer"
    ) in text
    assert '<pre class="document-preview">Lebenslauf\n\nNino Beridze, Kutaisi</pre>' in markup


def test_preview_shows_only_the_first_3000_characters(editor_client, make_application, app):
    application = make_application()
    db.session.add(
        new_document(
            "writing_sample",
            application=application,
            filename="long.txt",
            size=9000,
            storage_key="a" * 32,
            text="a" * 2999 + "XYZ" + "b" * 5000,
        )
    )
    db.session.commit()
    markup = page(editor_client, application)
    assert '<pre class="document-preview">' + "a" * 2999 + "X</pre>" in markup
    assert "YZ" not in markup.split('<pre class="document-preview">')[1].split("</pre>")[0]
    assert "Only the beginning is shown. Download the file to read all of it." in markup


def test_header_says_where_they_live_and_what_they_cover(editor_client, client, call):
    application = submitted(
        client,
        call,
        home_country="elsewhere",
        home_country_other="Germany",
        city="Berlin",
        regions=["chechnya", "ingushetia"],
    )
    markup = page(editor_client, application)
    assert (
        '<p class="candidate-where">Lives in: <bdi>Berlin</bdi>, <bdi>Germany</bdi> · '
        "Covers: Chechnya, Ingushetia</p>"
    ) in markup
    assert "Regions covered Chechnya, Ingushetia" in text_of(markup)


HOSTILE = "<script>alert(1)</script>"
HOSTILE_IMG = "<img src=x onerror=alert(2)>"


def test_hostile_input_in_every_field_is_shown_escaped(editor_client, client, call):
    application = submitted(
        client,
        call,
        city=HOSTILE_IMG,
        home_country="elsewhere",
        home_country_other=HOSTILE,
        cover_letter=HOSTILE,
        heard_about="other",
        heard_about_other=HOSTILE_IMG,
        cv=(application_form(client, call)["cv"][0], "<img src=x onerror=alert(3)>.pdf"),
    )
    # The public form refuses such links and names; rows written otherwise must be safe all
    # the same.
    application.full_name = HOSTILE
    application.links = ["javascript:alert(1)", "JaVaScRiPt:alert(2)", "data:text/html,<b>x</b>"]
    application.writing_sample_url = "javascript:alert(4)"
    document = application.documents[0]
    # As the extract_text job leaves it: the text read, the two pages counted.
    document.text = HOSTILE + "\n" + HOSTILE_IMG
    document.page_count = 2
    db.session.commit()
    editor = editor_client.user
    set_status(application, "rejected", by=editor, note=HOSTILE, reason="other")
    from tracker.applications.teamwork import add_tag

    add_comment(application, HOSTILE, by=editor)
    add_tag(application, HOSTILE_IMG, by=editor)

    markup = page(editor_client, application)

    assert "<script>" not in markup
    # The only images are the CV's pages drawn on our server (the file's name is elsewhere).
    cv = application.documents[0]
    assert re.findall(r"<img[^>]*>", markup) == [
        f'<img class="pdf-page" src="/review/documents/{cv.id}/pages/1.png" alt="Page 1 of 2">',
        f'<img class="pdf-page" src="/review/documents/{cv.id}/pages/2.png" alt="Page 2 of 2" '
        'loading="lazy">',
    ]
    assert "javascript:" not in markup.lower().replace('<span class="unlinked-url">javascript:', "")
    assert 'href="javascript' not in markup.lower()
    assert 'href="data:' not in markup
    assert "<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>" in markup
    # The city and the name of the country they live in.
    assert (
        "<dd><bdi>&lt;img src=x onerror=alert(2)&gt;</bdi>, "
        "<bdi>&lt;script&gt;alert(1)&lt;/script&gt;</bdi></dd>"
    ) in markup
    assert (
        '<div class="cover-letter" dir="auto">&lt;script&gt;alert(1)&lt;/script&gt;</div>' in markup
    )
    assert "Somewhere else: <bdi>&lt;img src=x onerror=alert(2)&gt;</bdi>" in markup
    assert '<span class="unlinked-url">javascript:alert(1)</span>' in markup
    assert '<span class="unlinked-url">JaVaScRiPt:alert(2)</span>' in markup
    assert '<span class="unlinked-url">data:text/html,&lt;b&gt;x&lt;/b&gt;</span>' in markup
    assert '<span class="unlinked-url">javascript:alert(4)</span>' in markup
    assert '<span class="document-filename">&lt;img src=x onerror=alert(3)&gt;.pdf</span>' in markup
    assert (
        '<pre class="document-preview">&lt;script&gt;alert(1)&lt;/script&gt;\n'
        "&lt;img src=x onerror=alert(2)&gt;</pre>"
    ) in markup
    # …and in the timeline: the note, the comment, the tag.
    assert '<p class="pre-wrap timeline-note">&lt;script&gt;alert(1)&lt;/script&gt;</p>' in markup
    assert "Ana Editor added the tag “&lt;img src=x onerror=alert(2)&gt;”" in markup


@pytest.mark.parametrize(
    ("link", "linked"),
    [
        ("https://example.org/a?b=c", True),
        ("http://example.org", True),
        ("javascript:alert(1)", False),
        (" javascript:alert(1)", False),
        ("java\nscript:alert(1)", False),
        ("data:text/html;base64,PHNjcmlwdD4=", False),
        ("//evil.example/x", False),
        ("https:evil.example", False),
        ("vbscript:msgbox(1)", False),
        ("ftp://example.org/file", False),
    ],
)
def test_only_http_links_become_links(editor_client, make_application, link, linked):
    application = make_application(links=[link])
    markup = page(editor_client, application)
    anchor = f'<a href="{html.escape(link)}" rel="noopener noreferrer nofollow">'
    assert (anchor in markup) is linked
    assert (f'<span class="unlinked-url">{html.escape(link, quote=False)}</span>' in markup) is (
        not linked
    )


def test_unknown_candidate_is_a_404(editor_client, call):
    assert editor_client.get("/review/applications/999999?lang=en").status_code == 404


def test_anonymous_visitor_is_sent_to_sign_in(client, make_application):
    application = make_application()
    for path in (url(application), url(application, "/audit"), "/review/audit"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/auth/login")


def test_actions_without_a_csrf_token_are_refused(editor_client, make_application):
    application = make_application()
    response = editor_client.post(url(application, "/comments"), data={"body": "Hello"})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Comment)) == 0


# --- status ------------------------------------------------------------------------------


def test_status_change_with_a_note_is_recorded_and_redirects_back(editor_client, make_application):
    application = make_application()
    data = form_data(editor_client, application, new_status="in_review", note="Strong sample")
    response = editor_client.post(url(application, "/status"), data=data)

    assert response.status_code == 302
    assert response.headers["Location"] == url(application)
    change = db.session.scalar(select(StatusChange))
    assert (change.from_status, change.to_status, change.note, change.actor_id) == (
        "new",
        "in_review",
        "Strong sample",
        editor_client.user.id,
    )
    markup = page(editor_client, application)
    assert "Status changed to “In review”." in markup
    assert "Status: In review" in markup
    assert "Ana Editor changed the status from “New” to “In review”" in markup
    assert '<p class="pre-wrap timeline-note">Strong sample</p>' in markup


def test_status_form_offers_only_allowed_transitions(editor_client, make_application):
    markup = page(editor_client, make_application())
    select_box = re.search(r'<select[^>]*id="new_status".*?</select>', markup, re.S).group(0)
    assert re.findall(r'<option value="([^"]*)"', select_box) == [
        "",
        "in_review",
        "on_hold",
        "rejected",
        "withdrawn",
    ]


def test_rejecting_needs_a_structured_reason(editor_client, make_application):
    application = make_application()
    data = form_data(editor_client, application, new_status="rejected", note="Keep this")
    response = editor_client.post(url(application, "/status?lang=en"), data=data)

    assert response.status_code == 400
    assert "Please choose why the application is rejected." in response.text
    assert "\nKeep this</textarea>" in response.text
    assert application.status == "new"

    data["reason"] = "region_covered"
    assert editor_client.post(url(application, "/status"), data=data).status_code == 302
    change = db.session.scalar(select(StatusChange))
    assert (change.to_status, change.reason) == ("rejected", "region_covered")
    assert "Reason: We already cover the region" in text_of(page(editor_client, application))


def test_the_side_columns_selects_keep_label_hint_error_and_choice(editor_client, make_application):
    """The selects are drawn by tracker.web.widgets (PlainSelect), with the attributes it
    would write in its order: the error and hint tied to the field, the choice kept."""
    application = make_application()
    data = form_data(editor_client, application, new_status="rejected", notify_template="")
    markup = editor_client.post(url(application, "/status?lang=en"), data=data).text

    selects = re.findall(r"<select[^>]*>", markup)
    assert selects == [
        '<select autocomplete="off" class="select" id="new_status" name="new_status" required>',
        '<select aria-describedby="reason-hint reason-error" aria-invalid="true" '
        'autocomplete="off" class="select" id="reason" name="reason">',
        '<select aria-describedby="notify_template-hint" autocomplete="off" class="select" '
        'id="notify_template" name="notify_template">',
        '<select autocomplete="off" class="select" id="assignee" name="assignee">',
    ]
    assert '<label class="label" for="reason">Reason for the rejection</label>' in markup
    assert (
        '<p class="field-error" id="reason-error"><span class="visually-hidden">Error:</span> '
        "Please choose why the application is rejected.</p>"
    ) in markup
    assert '<option selected value="rejected">Rejected</option>' in markup
    assert '<option selected value="">Choose a reason</option>' in markup
    assert '<option selected value="">Nobody</option>' in markup


def test_the_forms_textareas_keep_label_error_and_input(editor_client, make_application):
    """Labels and textareas are drawn without WTForms' formatting (macros.plain_label,
    widgets.PlainTextArea), with the attributes it would write in its order: the error tied
    to the field, the editor's input kept after the line break WTForms puts first."""
    application = make_application()
    data = form_data(editor_client, application, body="   ")
    markup = editor_client.post(url(application, "/comments?lang=en"), data=data).text
    assert '<label class="label" for="body">Comment</label>' in markup
    assert (
        '<p class="field-error" id="body-error"><span class="visually-hidden">Error:</span> '
        "Please write a comment.</p>"
    ) in markup
    assert (
        '<textarea aria-describedby="body-hint body-error" aria-invalid="true" class="textarea" '
        'id="body" name="body" required rows="3">\r\n</textarea>'
    ) in markup

    data = form_data(editor_client, application, new_status="rejected", note="<b>Keep</b> this")
    markup = editor_client.post(url(application, "/status?lang=en"), data=data).text
    assert (
        '<textarea class="textarea" id="note" name="note" rows="2">\r\n'
        "&lt;b&gt;Keep&lt;/b&gt; this</textarea>"
    ) in markup
    # The rubric's comments keep the limit WTForms writes for them.
    assert (
        '<label class="label label-small" for="comment_sourcing">'
        "Comment on Sources and access (optional)</label>"
    ) in markup
    assert (
        '<textarea class="textarea textarea-compact" id="comment_sourcing" maxlength="2000" '
        'name="comment_sourcing" rows="1">\r\n</textarea>'
    ) in markup


def test_a_reason_is_not_recorded_for_other_statuses(editor_client, make_application):
    application = make_application()
    data = form_data(editor_client, application, new_status="on_hold", reason="other")
    assert editor_client.post(url(application, "/status"), data=data).status_code == 302
    assert db.session.scalar(select(StatusChange.reason)) is None


def test_a_forbidden_transition_is_explained_and_changes_nothing(editor_client, make_application):
    application = make_application()
    data = form_data(editor_client, application, new_status="accepted", note="Hire!")
    response = editor_client.post(url(application, "/status?lang=en"), data=data)

    assert response.status_code == 409
    assert (
        "A candidate who is “New” cannot be moved to “Accepted”. "
        "Please choose one of the statuses offered."
    ) in html.unescape(response.text)
    assert "\nHire!</textarea>" in response.text
    db.session.refresh(application)
    assert application.status == "new"
    assert db.session.scalar(select(func.count()).select_from(StatusChange)) == 0


def test_a_stale_status_form_names_the_colleague_and_overwrites_nothing(
    editor_client, colleague, make_application
):
    application = make_application()
    stale = form_data(editor_client, application, new_status="on_hold", note="Wait for July")
    assert stale["expected_version"] == "1"
    # Meanwhile Ben moves the candidate on.
    ben_form = form_data(colleague, application, new_status="in_review")
    assert colleague.post(url(application, "/status"), data=ben_form).status_code == 302
    add_comment(application, "Moved on", by=colleague.user)  # not a conflicting change

    response = editor_client.post(url(application, "/status?lang=en"), data=stale)

    assert response.status_code == 409
    text = text_of(response.text)
    assert "Someone changed this candidate while you were looking" in text
    when = db.session.scalar(select(StatusChange.created_at)).strftime("%-d %b %Y, %H:%M")
    assert f"Ben Editor changed the status from “New” to “In review” on {when}." in text
    assert "commented" not in text.split("Nothing was saved")[0]
    assert "Nothing was saved. Your input is kept below" in text
    # The editor's input is kept; the form now carries the version they have just seen.
    assert "\nWait for July</textarea>" in response.text
    assert '<option selected value="on_hold">On hold</option>' in response.text
    assert 'id="status_expected_version" name="expected_version" type="hidden" value="2"' in (
        response.text
    )
    db.session.refresh(application)
    assert application.status == "in_review"
    assert [c.to_status for c in db.session.scalars(select(StatusChange))] == ["in_review"]

    # Sending it again after seeing the conflict is a decision, and it goes through.
    again = dict(stale, expected_version="2")
    assert editor_client.post(url(application, "/status"), data=again).status_code == 302
    db.session.refresh(application)
    assert application.status == "on_hold"


# --- assignment --------------------------------------------------------------------------


def test_assigning_a_colleague_shows_in_header_and_timeline(
    editor_client, colleague, make_application
):
    application = make_application()
    ben = colleague.user
    data = form_data(editor_client, application, assignee=str(ben.id))
    response = editor_client.post(url(application, "/assignee"), data=data)

    assert response.status_code == 302
    assert application.assignee_id == ben.id
    text = text_of(page(editor_client, application))
    assert "Assigned to Ben Editor." in text  # the confirmation
    assert "Assigned to Ben Editor Audit" not in text  # editors see no audit link
    assert "Ana Editor assigned the candidate to Ben Editor" in text

    data = form_data(editor_client, application, assignee="")
    assert editor_client.post(url(application, "/assignee"), data=data).status_code == 302
    assert application.assignee_id is None
    text = text_of(page(editor_client, application))
    assert "Nobody is assigned now." in text
    assert "Ana Editor removed the assignment" in text


def test_a_stale_assignment_is_reported_not_applied(editor_client, colleague, make_application):
    application = make_application()
    stale = form_data(editor_client, application, assignee=str(editor_client.user.id))
    data = form_data(colleague, application, assignee=str(colleague.user.id))
    assert colleague.post(url(application, "/assignee"), data=data).status_code == 302

    response = editor_client.post(url(application, "/assignee?lang=en"), data=stale)
    assert response.status_code == 409
    assert "Ben Editor assigned the candidate to Ben Editor on" in text_of(response.text)
    assert f'<option selected value="{editor_client.user.id}">Ana Editor</option>' in (
        response.text
    )
    db.session.refresh(application)
    assert application.assignee_id == colleague.user.id


def test_an_inactive_account_cannot_be_assigned(editor_client, make_user, make_application):
    application = make_application()
    gone = make_user("gone@example.org", active=False)
    data = form_data(editor_client, application, assignee=str(gone.id))
    response = editor_client.post(url(application, "/assignee?lang=en"), data=data)
    assert response.status_code == 400
    assert application.assignee_id is None


# --- rating ------------------------------------------------------------------------------


def test_rating_is_blind_until_the_editor_has_rated(editor_client, colleague, make_application):
    application = make_application()
    data = rating_data(editor_client, application, summary="Knows the region well")
    response = editor_client.post(url(application, "/rating"), data=data)
    assert response.status_code == 302
    assert response.headers["Location"] == url(application) + "#rubric"
    rating = db.session.scalar(select(Rating))
    assert (rating.user_id, rating.recommendation, rating.summary) == (
        editor_client.user.id,
        "yes",
        "Knows the region well",
    )
    assert {name: getattr(rating, name) for name in SCORES} == SCORES

    # Ben has not rated: he sees that Ana rated, but neither her scores nor her verdict.
    blind = page(colleague, application)
    assert "Colleagues' ratings are hidden until you have given yours" in blind
    assert "Ana Editor rated (hidden until you have rated)" in text_of(blind)
    assert "Knows the region well" not in blind
    assert "ratings-table" not in blind
    assert "Regional expertise 5" not in text_of(blind)

    ben_scores = dict.fromkeys(SCORES, 2)
    response = colleague.post(
        url(application, "/rating"),
        data=rating_data(colleague, application, ben_scores, recommendation="no"),
    )
    assert response.status_code == 302

    seen = page(colleague, application)
    text = text_of(seen)
    assert "Colleagues' ratings are hidden" not in seen
    table = re.search(r'<table class="table ratings-table">.*?</table>', seen, re.S).group(0)
    rows = [text_of(row) for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)]
    assert rows == [
        "Criterion Ana Editor Ben Editor",
        "Regional expertise 5 2",
        "German writing 3 2",
        "Sources and access 4 2",
        "Story ideas 2 2",
        "Reliability 4 2",
        "Mean 3.6 2.0",
        "Recommendation Yes No",
    ]
    assert (
        '<p><strong>Ana Editor</strong>: <span class="pre-wrap">Knows the region well</span></p>'
        in seen
    )
    assert (
        "Ana Editor rated: Yes Regional expertise 5 · German writing 3 · Sources and access 4 · "
        "Story ideas 2 · Reliability 4"
    ) in text
    # Ben's own form shows his rating for editing.
    assert '<input checked class="radio" id="recommendation-3"' in seen


def test_rating_form_refuses_a_missing_score_and_keeps_the_input(editor_client, make_application):
    application = make_application()
    data = rating_data(editor_client, application, summary="Half done")
    del data["score_sourcing"]
    response = editor_client.post(url(application, "/rating?lang=en"), data=data)
    assert response.status_code == 400
    assert "Please give a score from 1 to 5, or “Can't judge yet”." in response.text
    assert "\nHalf done</textarea>" in response.text
    assert '<input checked class="radio" id="score_regional_expertise-4"' in response.text
    assert db.session.scalar(select(func.count()).select_from(Rating)) == 0


def test_save_and_next_goes_to_the_next_candidate_of_the_filter(editor_client, make_application):
    now = utcnow()
    older = make_application(created_at=now - timedelta(days=2), region="armenia")
    newer = make_application(created_at=now - timedelta(days=1), region="armenia")
    make_application(created_at=now, region="georgia")  # outside the filter
    query = "from=region%3Darmenia"

    markup = page(editor_client, newer, query + "&lang=en")
    assert (
        f'<a href="/review/applications/{older.id}?from=region%3Darmenia" rel="next" '
        'data-nav="next">Next candidate</a>'
    ) in markup
    assert 'data-nav="previous"' not in markup
    assert f'action="/review/applications/{newer.id}/rating?from=region%3Darmenia"' in markup

    data = rating_data(editor_client, newer, action="save_next")
    response = editor_client.post(url(newer, f"/rating?{query}"), data=data)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/review/applications/{older.id}?{query}"

    markup = page(editor_client, older, query + "&lang=en")
    assert (
        f'<a href="/review/applications/{newer.id}?from=region%3Darmenia" rel="prev" '
        'data-nav="previous">Previous candidate</a>'
    ) in markup
    assert 'data-nav="next"' not in markup
    # At the end of the list "Save & next" stays and says so.
    data = rating_data(editor_client, older, action="save_next")
    response = editor_client.post(url(older, f"/rating?{query}"), data=data)
    assert response.headers["Location"] == f"/review/applications/{older.id}?{query}#rubric"
    assert "That was the last candidate in this list." in page(
        editor_client, older, query + "&lang=en"
    )


def test_page_loads_the_keyboard_script_from_our_origin(editor_client, make_application):
    markup = page(editor_client, make_application())
    assert '<script src="/static/js/candidate.js" defer></script>' in markup
    assert "onclick" not in markup
    assert "style=" not in markup


def test_recused_editor_sees_no_rating_form_and_a_rating_is_refused(
    editor_client, admin_client, make_application
):
    application = make_application()
    add_rating(application, by=editor_client.user, scores=SCORES, recommendation="yes")
    data = form_data(editor_client, application, reason="She is my cousin")
    response = editor_client.post(url(application, "/recusal"), data=data)
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Rating)) == 0  # withdrawn

    markup = page(editor_client, application)
    assert (
        "You declared a conflict of interest for this candidate, so you do not rate them." in markup
    )
    assert 'id="rating-form"' not in markup
    assert "She is my cousin" not in markup  # only admins see the reason

    response = editor_client.post(
        url(application, "/rating?lang=en"), data=rating_data(editor_client, application)
    )
    assert response.status_code == 403
    assert (
        "You declared a conflict of interest for this candidate, so you cannot rate them. "
        "Your rating was not saved."
    ) in html.unescape(response.text)
    assert db.session.scalar(select(func.count()).select_from(Rating)) == 0

    admin_page = text_of(page(admin_client, application))
    assert "Conflicts of interest" in admin_page
    assert "Ana Editor declared a conflict of interest She is my cousin" in admin_page
    assert db.session.scalar(select(Recusal.reason)) == "She is my cousin"


# --- comments and tags ----------------------------------------------------------------------


def test_comments_are_added_listed_and_refused_when_empty(editor_client, make_application):
    application = make_application()
    data = form_data(editor_client, application, body="Call her about Anaklia.\nTomorrow.")
    response = editor_client.post(url(application, "/comments"), data=data)
    assert response.status_code == 302
    assert response.headers["Location"] == url(application) + "#comments"
    markup = page(editor_client, application)
    assert '<div class="pre-wrap">Call her about Anaklia.\nTomorrow.</div>' in markup
    assert "Ana Editor commented" in markup

    data = form_data(editor_client, application, body="   ")
    response = editor_client.post(url(application, "/comments?lang=en"), data=data)
    assert response.status_code == 400
    assert "Please write a comment." in response.text
    assert db.session.scalar(select(func.count()).select_from(Comment)) == 1


# --- related applications -------------------------------------------------------------------


def test_other_applications_by_the_same_person_are_listed(editor_client, make_application):
    def person(full_name, email):
        return make_application(full_name=full_name, name_key=name_key(full_name), email=email)

    first = person("Нино Беридзе", "n.b@example.org")
    second = person("Someone Else", "nino@example.org")
    stranger = person("Ani Harutyunyan", "ani@example.org")
    current = person("Nino Beridze", "nino@example.org")

    markup = page(editor_client, current)
    section = re.search(r'<section[^>]*id="related".*?</section>', markup, re.S).group(0)
    assert f'<a href="/review/applications/{first.id}"><bdi>Нино Беридзе</bdi></a>' in section
    assert f'<a href="/review/applications/{second.id}"><bdi>Someone Else</bdi></a>' in section
    assert stranger.full_name not in section
    assert "same email address" in section
    assert "same name" in section
    assert 'id="related"' not in page(editor_client, stranger)


# --- audit pages ---------------------------------------------------------------------------


def test_admin_sees_the_candidates_audit_log_escaped(admin_client, make_application):
    application = make_application()
    set_status(application, "in_review", by=admin_client.user)
    from tracker.audit import record_event

    record_event("test.payload", actor=None, application=application, note=HOSTILE)
    db.session.commit()

    response = admin_client.get(url(application, "/audit?lang=en"))
    assert response.status_code == 200
    rows = re.findall(r"<tr>(.*?)</tr>", response.text.split("<tbody>")[1], re.S)
    assert [text_of(row).split(" ", 4)[4] for row in rows] == [
        "system or applicant test.payload note <script>alert(1)</script>",
        "Ada Admin application.status_changed from_status new reason – to_status in_review",
    ]
    assert "<script>" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text


def test_editors_may_not_read_the_audit_log(editor_client, make_application):
    application = make_application()
    assert editor_client.get(url(application, "/audit")).status_code == 403
    assert editor_client.get("/review/audit").status_code == 403


def test_global_audit_log_filters_by_action_and_actor_and_pages_by_100(
    admin_client, editor_client, make_application
):
    from tracker.audit import record_event

    application = make_application()
    for number in range(120):
        record_event("test.bulk", actor=editor_client.user, application=application, n=number)
    record_event("test.other", actor=admin_client.user, application=application)
    db.session.commit()

    first = admin_client.get("/review/audit?lang=en").text
    assert "121 events" in first
    assert first.count("<tr>") == 1 + 100  # header row + one page
    assert "Page 1 of 2" in first
    assert '<a href="/review/audit?page=2" rel="next">Older</a>' in first

    second = admin_client.get("/review/audit?page=2&lang=en").text
    assert second.count("<tr>") == 1 + 21

    by_action = admin_client.get("/review/audit?action=test.other&lang=en").text
    assert "1 event" in by_action
    assert "<code>test.other</code>" in by_action
    assert "<code>test.bulk</code>" not in by_action

    by_actor = admin_client.get(f"/review/audit?actor={editor_client.user.id}&lang=en").text
    assert "120 events" in by_actor
    assert "<code>test.other</code>" not in by_actor
    assert f'<option value="{editor_client.user.id}" selected>' in by_actor


def test_every_candidate_action_is_audited(editor_client, colleague, make_application):
    application = make_application()
    editor_client.post(
        url(application, "/status"),
        data=form_data(editor_client, application, new_status="in_review"),
    )
    editor_client.post(
        url(application, "/assignee"),
        data=form_data(editor_client, application, assignee=str(colleague.user.id)),
    )
    editor_client.post(url(application, "/rating"), data=rating_data(editor_client, application))
    editor_client.post(
        url(application, "/comments"), data=form_data(editor_client, application, body="Hi")
    )
    editor_client.post(
        url(application, "/tags"), data=form_data(editor_client, application, name="photo")
    )
    colleague.post(url(application, "/recusal"), data=form_data(colleague, application))
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == [
        "application.status_changed",
        "application.assigned",
        "application.rated",
        "application.commented",
        "application.tagged",
        "application.recused",
    ]
    assert db.session.scalar(select(func.count()).select_from(OutboxEmail)) == 0


def test_email_link_appears_only_where_composing_exists(app, editor_client, make_application):
    application = make_application()
    markup = page(editor_client, application, "from=region%3Dgeorgia&lang=en")
    link = (
        f'<a href="/review/applications/{application.id}/email?from=region%3Dgeorgia">'
        "Write an email…</a>"
    )
    assert (link in markup) is ("review.compose_email" in app.view_functions)


def test_page_speaks_german_by_default(editor_client, make_application):
    application = make_application()
    with editor_client.session_transaction() as session:
        session.pop("lang")  # staff test clients read English; this one is a German newsroom
    markup = editor_client.get(url(application)).text
    assert '<html lang="de">' in markup
    day = application.created_at
    assert f"Eingegangen am {day.day}. " in markup
    for text in (
        "Bewertung speichern",
        "Speichern & weiter",
        "Befangenheit erklären",
        "Verlauf",
    ):
        assert text in markup


# --- the page model -------------------------------------------------------------------


def test_candidate_page_assembles_what_the_viewer_may_see(app, make_application, make_user):
    from tracker.inbox.filter import InboxFilter
    from tracker.review.candidate_page import candidate_page

    ana, ben = make_user("ana@example.org", name="Ana"), make_user("ben@example.org", name="Ben")
    first, second = make_application(), make_application(full_name="Giorgi Abashidze")
    add_rating(first, by=ana, scores=SCORES, recommendation="yes")
    add_comment(first, "Call her back", by=ana)
    inbox = InboxFilter.from_query_string("sort=received")

    with app.test_request_context("/?lang=en"):
        blind = candidate_page(first, viewer=ben, inbox_filter=inbox, problem="Oops")
        seeing = candidate_page(first, viewer=ana, inbox_filter=inbox)

    assert blind.ratings is None
    assert blind.own_rating is None
    assert [r.user_id for r in seeing.ratings] == [ana.id]
    assert seeing.own_rating.user_id == ana.id
    assert seeing.forms.rating.recommendation.data == "yes"
    assert blind.forms.rating.recommendation.data is None
    assert [e.item.body for e in blind.comments] == ["Call her back"]
    assert blind.related == [second]  # the same email address
    assert (blind.previous_id, blind.next_id) == (None, second.id)
    assert blind.inbox_args == {"from": "sort=received"}
    assert blind.inbox_query == "sort=received"
    assert blind.problem == "Oops"
    assert blind.conflict is None
    assert blind.can_change_status
    assert blind.recusals == []
    assert not blind.recused
    assert [choice[0] for choice in blind.forms.assign.assignee.iter_choices()] == [
        "",
        str(ana.id),
        str(ben.id),
    ]
    assert (blind.labels["regions"], blind.labels["country"]) == (["Georgia"], "Georgia")
    assert blind.labels["topics"] == ["Politics"]


# --- statements -------------------------------------------------------------------------------


def statements_of(client, application) -> list[str]:
    """Return the statements the candidate page sends to the database, BEGIN left out."""
    address = f"{url(application)}?lang=en"
    with statements_sent() as sent:
        assert client.get(address).status_code == 200
    return [s for s in sent if s.strip().upper() not in {"BEGIN", "BEGIN IMMEDIATE"}]


def test_the_page_costs_the_same_statements_however_much_a_candidate_has(
    editor_client, colleague, make_application
):
    """No statement per document, tag, answer, rating or comment: a full candidate costs
    what a bare one does (each statement costs a round trip on PostgreSQL)."""
    # Another address: not a version of the other (that notice reads the earlier version).
    bare = make_application(email="bare@example.org", cover_letter="", writing_sample_url=None)
    full = make_application()
    set_status(bare, "in_review", by=editor_client.user)  # the timeline names a person
    for kind in ("cv", "writing_sample"):
        store_pdf(full, pdf_with_pages(1), kind=kind, text="Text")
    # Its sample measured (a copy of another's found): the facts come with the documents.
    other = make_application(email="other@example.org")
    store_pdf(other, pdf_with_pages(1), kind="writing_sample", text="Text")
    for application in (other, full):
        queue_sample_facts(application.id)
        db.session.commit()
        assert run_pending(kinds={"sample_facts"}).done == 1
    sample = next(document for document in full.documents if document.kind == "writing_sample")
    assert len(sample.sample_matches) == 1
    editor = editor_client.user
    add_tag(full, "Fotos", by=editor)
    add_tag(full, "Video", by=editor)
    add_comment(full, "Strong sample", by=colleague.user)
    add_rating(full, by=colleague.user, scores=SCORES, recommendation="yes")
    add_rating(full, by=editor, scores=SCORES, recommendation="maybe")
    set_status(full, "in_review", by=editor)

    # 8, the header's count of unread notifications, and the candidate's assignments.
    assert len(statements_of(editor_client, full)) == len(statements_of(editor_client, bare)) == 10


def test_the_candidate_is_read_once_by_the_access_policy_as_the_page_shows_it(
    editor_client, make_application
):
    """The access policy reads the candidate with the page's documents (and the safety row
    it checks), without the call's long texts it does not show: the page does not read
    the application again."""
    application = make_application()
    store_pdf(application, pdf_with_pages(1), kind="cv", text="Text")
    candidate_reads = [
        statement
        for statement in statements_of(editor_client, application)
        if re.match(
            r"SELECT applications\.id, applications\.call_id, applications\.reference,", statement
        )
    ]
    assert len(candidate_reads) == 1
    assert "JOIN documents" in candidate_reads[0]
    assert "JOIN applicant_safety" in candidate_reads[0]
    # Nor the call's long texts the page does not show (read later, they would be a statement).
    assert "calls_1.title" in candidate_reads[0]
    assert "calls_1.description" not in candidate_reads[0]
    assert "calls_1.privacy_notice" not in candidate_reads[0]
