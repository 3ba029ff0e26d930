"""The rubric: one rating per editor, blind first pass, recusal."""

import pytest
from sqlalchemy import select

from tracker.applications.pipeline import set_status
from tracker.applications.ratings import (
    RatingError,
    add_rating,
    criterion_means,
    rated_by,
    rating_mean,
    recuse,
    visible_ratings,
)
from tracker.applications.timeline import history_rows
from tracker.extensions import db
from tracker.models import Rating

SCORES = {
    "regional_expertise": 5,
    "german_writing": 3,
    "sourcing": 4,
    "story_ideas": 4,
    "reliability": 4,
}


def test_rating_updates_count_and_mean_without_bumping_the_version(make_application, make_user):
    ana, ben = make_user("ana@example.org"), make_user("ben@example.org")
    application = make_application()
    version = application.version_id
    add_rating(
        application, by=ana, scores=SCORES, recommendation="yes", comments={"sourcing": " Careful "}
    )
    add_rating(application, by=ben, scores=dict.fromkeys(SCORES, 2), recommendation="no")

    assert (application.rating_count, application.rating_mean) == (2, 3.0)
    assert application.version_id == version
    rating = db.session.scalar(select(Rating).where(Rating.user_id == ana.id))
    assert rating.comments == {"sourcing": "Careful"}
    assert criterion_means([application.id]) == {
        application.id: {
            "regional_expertise": 3.5,
            "german_writing": 2.5,
            "sourcing": 3.0,
            "story_ideas": 3.0,
            "reliability": 3.0,
        }
    }
    # Rating again replaces the editor's own rating.
    add_rating(application, by=ana, scores=dict.fromkeys(SCORES, 4), recommendation="strong_yes")
    assert (application.rating_count, application.rating_mean) == (2, 3.0)


def test_a_status_change_after_a_colleagues_rating_is_not_stale(make_application, make_user):
    ana, ben = make_user("ana@example.org"), make_user("ben@example.org")
    application = make_application()
    seen = application.version_id
    add_rating(application, by=ana, scores=SCORES, recommendation="yes")
    set_status(application, "in_review", by=ben, expected_version=seen)
    assert application.status == "in_review"


def seen_by(user, application):
    """Return the ratings of *application* that *user* may see, as the candidate page does."""
    rows = history_rows(application)
    return visible_ratings(user, rows.ratings, rows.recusals)


def test_first_pass_is_blind_until_the_editor_rated(make_application, make_user):
    ana, ben = make_user("ana@example.org"), make_user("ben@example.org")
    application = make_application()
    add_rating(application, by=ana, scores=SCORES, recommendation="yes")
    assert seen_by(ben, application) is None
    add_rating(application, by=ben, scores=SCORES, recommendation="maybe")
    assert [r.user_id for r in seen_by(ben, application)] == [ana.id, ben.id]
    assert rated_by(ben, [application.id]) == {application.id}


@pytest.mark.parametrize(
    ("scores", "recommendation"),
    [
        ({**SCORES, "sourcing": 6}, "yes"),
        ({**SCORES, "sourcing": 0}, "yes"),
        ({k: v for k, v in SCORES.items() if k != "sourcing"}, "yes"),
        (SCORES, "hire immediately"),
    ],
)
def test_invalid_ratings_are_refused(make_application, make_user, scores, recommendation):
    application = make_application()
    with pytest.raises(RatingError):
        add_rating(application, by=make_user(), scores=scores, recommendation=recommendation)
    db.session.rollback()
    assert db.session.scalars(select(Rating)).all() == []


def test_a_recused_editor_cannot_rate_and_their_rating_is_withdrawn(make_application, make_user):
    ana, ben = make_user("ana@example.org"), make_user("ben@example.org")
    application = make_application()
    add_rating(application, by=ana, scores=SCORES, recommendation="yes")
    add_rating(application, by=ben, scores=dict.fromkeys(SCORES, 1), recommendation="no")
    recuse(application, by=ben, reason="We worked together at Netgazeti")

    assert (application.rating_count, application.rating_mean) == (1, 4.0)
    with pytest.raises(RatingError, match="conflict of interest"):
        add_rating(application, by=ben, scores=SCORES, recommendation="yes")
    db.session.rollback()
    assert seen_by(ben, application) is None
    (recusal,) = history_rows(application).recusals
    assert (recusal.user_id, recusal.reason) == (ben.id, "We worked together at Netgazeti")


def test_a_refused_rating_writes_nothing_and_leaves_the_session_usable(make_application, make_user):
    editor = make_user()
    application = make_application()
    with pytest.raises(RatingError):
        add_rating(application, by=editor, scores={"sourcing": 9}, recommendation="yes")
    # The refusal rolled its write transaction back: the next query works at once.
    assert db.session.scalar(select(Rating.id)) is None
    assert application.rating_count == 0


# --- "can't judge yet" -----------------------------------------------------------------------


def test_cant_judge_yet_is_stored_as_null_and_left_out_of_every_mean(make_application, make_user):
    ana, ben, cleo = (make_user(f"{n}@example.org") for n in ("ana", "ben", "cleo"))
    application = make_application()
    # Ana cannot judge sourcing nor reliability yet: her mean is (5 + 3 + 4) / 3 = 4.0.
    add_rating(
        application,
        by=ana,
        scores={**SCORES, "sourcing": None, "reliability": None},
        recommendation="maybe",
    )
    add_rating(application, by=ben, scores=dict.fromkeys(SCORES, 2), recommendation="no")
    # Cleo can judge nothing yet: counted as a rating, but with no mean to give.
    add_rating(application, by=cleo, scores=dict.fromkeys(SCORES), recommendation="maybe")

    stored = db.session.execute(
        select(Rating.sourcing, Rating.reliability, Rating.german_writing).order_by(Rating.id)
    ).all()
    assert [tuple(row) for row in stored] == [(None, None, 3), (2, 2, 2), (None, None, None)]
    assert [rating_mean(r) for r in db.session.scalars(select(Rating).order_by(Rating.id))] == [
        4.0,
        2.0,
        None,
    ]
    # Overall: the mean of the two ratings that have one, (4.0 + 2.0) / 2.
    assert (application.rating_count, application.rating_mean) == (3, 3.0)
    assert criterion_means([application.id]) == {
        application.id: {
            "regional_expertise": 3.5,
            "german_writing": 2.5,
            "sourcing": 2.0,
            "story_ideas": 3.0,
            "reliability": 2.0,
        }
    }


def test_a_criterion_nobody_could_judge_has_no_mean(make_application, make_user):
    application = make_application()
    add_rating(application, by=make_user(), scores=dict.fromkeys(SCORES), recommendation="yes")
    assert (application.rating_count, application.rating_mean) == (1, None)
    assert criterion_means([application.id]) == {application.id: dict.fromkeys(SCORES)}


@pytest.mark.parametrize("score", ["3", 3.0, True, "unknown"])
def test_a_score_must_be_a_whole_number_or_none(make_application, make_user, score):
    application = make_application()
    with pytest.raises(RatingError):
        add_rating(
            application, by=make_user(), scores={**SCORES, "sourcing": score}, recommendation="yes"
        )
    db.session.rollback()
    assert db.session.scalars(select(Rating)).all() == []
