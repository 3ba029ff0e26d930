"""The rubric on the candidate page: "can't judge yet" beside 1–5, shown in words."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from tests.review.test_candidate_page import SCORES, page, rating_data, text_of, url
from tracker.applications.ratings import add_rating
from tracker.extensions import db
from tracker.models import Rating
from tracker.subject_access import subject_access_data


def ratings_rows(markup: str) -> list[str]:
    table = re.search(r'<table class="table ratings-table">.*?</table>', markup, re.S).group(0)
    return [text_of(row) for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)]


def test_cant_judge_yet_is_stored_as_null_and_shown_in_words(
    editor_client, colleague, make_application
):
    application = make_application()
    blank = page(editor_client, application)
    assert 'value="unknown"' in blank
    # A blank form chooses nothing, not even "can't judge yet".
    assert 'checked class="radio" id="score_sourcing' not in blank
    scores = {**SCORES, "sourcing": "unknown", "reliability": "unknown"}
    data = rating_data(editor_client, application, scores)
    assert editor_client.post(url(application, "/rating"), data=data).status_code == 302
    rating = db.session.scalar(select(Rating))
    assert (rating.sourcing, rating.reliability, rating.regional_expertise) == (None, None, 5)
    # Ana's mean: (5 + 3 + 2) / 3; nothing else counts.
    assert (application.rating_count, application.rating_mean) == (1, 3.33)
    # Her own form shows her choice again.
    assert '<input checked class="radio" id="score_sourcing-5"' in page(editor_client, application)

    # Ben, who cannot judge anything yet, still must recommend; then the blind pass lifts.
    nothing = rating_data(colleague, application, dict.fromkeys(SCORES, "unknown"))
    del nothing["recommendation"]
    response = colleague.post(url(application, "/rating?lang=en"), data=nothing)
    assert response.status_code == 400
    assert "Please choose a recommendation." in response.text
    assert db.session.scalar(select(func.count()).select_from(Rating)) == 1
    nothing["recommendation"] = "maybe"
    assert colleague.post(url(application, "/rating"), data=nothing).status_code == 302

    seen = page(colleague, application)
    assert ratings_rows(seen) == [
        "Criterion Ana Editor Ben Editor",
        "Regional expertise 5 can't judge yet",
        "German writing 3 can't judge yet",
        "Sources and access can't judge yet can't judge yet",
        "Story ideas 2 can't judge yet",
        "Reliability can't judge yet can't judge yet",
        "Mean 3.3",
        "Recommendation Yes Maybe",
    ]
    assert (
        "Ana Editor rated: Yes Regional expertise 5 · German writing 3 · Sources and access "
        "can't judge yet · Story ideas 2 · Reliability can't judge yet"
    ) in text_of(seen)
    db.session.expire(application)
    assert (application.rating_count, application.rating_mean) == (2, 3.33)


def test_the_inbox_says_cant_judge_yet_where_there_is_no_mean(editor_client, make_application):
    application = make_application()
    add_rating(
        application, by=editor_client.user, scores=dict.fromkeys(SCORES), recommendation="no"
    )
    markup = editor_client.get("/review/?lang=en").text
    cell = re.search(r'<td class="col-rating"[^>]*>.*?</td>', markup, re.S).group(0)
    assert text_of(cell) == (
        "can't judge yet (1) Per criterion Regional expertise: can't judge yet "
        "German writing: can't judge yet Sourcing: can't judge yet "
        "Story ideas: can't judge yet Reliability: can't judge yet"
    )


def test_subject_access_shows_cant_judge_yet_as_empty(make_application, make_user):
    application = make_application()
    add_rating(
        application, by=make_user(), scores={**SCORES, "sourcing": None}, recommendation="yes"
    )
    (rating,) = subject_access_data(application)["ratings"]
    assert (rating["sourcing"], rating["german_writing"]) == (None, 3)


def test_exports_leave_means_nobody_could_give_empty(app, make_application, make_user):
    from tracker.exports import export_rows
    from tracker.inbox.filter import InboxFilter

    application = make_application()
    editor = make_user("rater@example.org")
    add_rating(
        application,
        by=editor,
        scores={**dict.fromkeys(SCORES), "german_writing": 4},
        recommendation="maybe",
    )
    columns = ["rating_count", "rating_mean", "mean_german_writing", "mean_sourcing"]
    with app.test_request_context():
        rows = list(export_rows(InboxFilter(), user=editor, columns=columns, headers="keys"))
    assert rows == [columns, [1, 4.0, 4.0, None]]  # typed: nobody could judge sourcing
