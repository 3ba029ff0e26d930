"""The editorial rubric: ratings, blind first pass, and conflicts of interest."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from statistics import fmean

from sqlalchemy import Select, bindparam, delete, func, select, update

from tracker.audit import record_event
from tracker.database import PREPARE, begin_write, in_bound_list, on_postgresql
from tracker.enums import Recommendation, RubricCriterion
from tracker.extensions import db
from tracker.models import Application, Rating, Recusal, User

CRITERIA = tuple(RubricCriterion)


class RatingError(ValueError):
    """The rating cannot be recorded (recused editor, score out of range …)."""


def add_rating(
    application: Application,
    *,
    by: User,
    scores: Mapping[str, int | None],
    recommendation: str,
    comments: Mapping[str, str] | None = None,
    summary: str | None = None,
) -> Rating:
    """Record *by*'s rating of *application* (replacing their earlier one) and commit.

    :param scores: 1–5 for every rubric criterion, or None for "can't judge yet" (stored
        as NULL and left out of every mean).
    :raises RatingError: *by* recused themselves, a score is missing or out of range, or
        the recommendation is unknown.
    """
    begin_write()
    try:
        _check_rating(application, by, scores, recommendation)
    except RatingError:
        # Nothing is written yet: end the write transaction the refusal opened.
        db.session.rollback()
        raise
    rating = db.session.scalar(
        select(Rating).where(Rating.application_id == application.id, Rating.user_id == by.id)
    )
    if rating is None:
        rating = Rating(application_id=application.id, user_id=by.id)
        db.session.add(rating)
    for criterion in CRITERIA:
        setattr(rating, criterion.value, scores[criterion])
    rating.comments = {c: text.strip() for c, text in (comments or {}).items() if text.strip()}
    rating.recommendation = recommendation
    rating.summary = summary or None
    db.session.flush()
    _refresh_rating_summary(application)
    record_event(
        "application.rated",
        actor=by,
        application=application,
        recommendation=recommendation,
    )
    db.session.commit()
    return rating


def _check_rating(
    application: Application, by: User, scores: Mapping[str, int | None], recommendation: str
) -> None:
    if _recusal(application, by) is not None:
        raise RatingError("you declared a conflict of interest for this candidate")
    if set(scores) != set(CRITERIA) or not all(
        scores[c] is None or (type(scores[c]) is int and 1 <= scores[c] <= 5) for c in CRITERIA
    ):
        raise RatingError('every criterion needs a score from 1 to 5 or "can\'t judge yet"')
    if recommendation not in set(Recommendation):
        raise RatingError("unknown recommendation")


def recuse(application: Application, *, by: User, reason: str | None = None) -> Recusal:
    """Declare *by*'s conflict of interest; any rating of theirs is withdrawn. Commits."""
    begin_write()
    recusal = _recusal(application, by)
    if recusal is None:
        recusal = Recusal(application_id=application.id, user_id=by.id, reason=reason or None)
        db.session.add(recusal)
    removed = db.session.execute(
        delete(Rating).where(Rating.application_id == application.id, Rating.user_id == by.id)
    ).rowcount
    if removed:
        _refresh_rating_summary(application)
    record_event("application.recused", actor=by, application=application)
    db.session.commit()
    return recusal


def is_recused(application: Application, user: User) -> bool:
    """Tell whether *user* declared a conflict of interest for *application*."""
    return _recusal(application, user) is not None


def visible_ratings(
    user: User, ratings: Iterable[Rating], recusals: Iterable[Recusal]
) -> list[Rating] | None:
    """Return which of one application's *ratings* *user* may see, by id; None while their
    first pass is blind. *recusals* are the same application's.

    An editor sees colleagues' ratings only after submitting their own, so the first
    judgement of every editor is independent. A recused editor sees none. The rows come
    from the caller (the timeline loads them anyway), so deciding costs no query.
    """
    ratings = list(ratings)
    if any(recusal.user_id == user.id for recusal in recusals) or all(
        rating.user_id != user.id for rating in ratings
    ):
        return None
    return sorted(ratings, key=lambda rating: rating.id)


def criterion_means(application_ids: Iterable[int]) -> dict[int, dict[str, float | None]]:
    """Return the mean score per criterion (None if nobody could judge it) for each
    application that has ratings."""
    ids = list(application_ids)
    if not ids:
        return {}
    columns = [func.avg(getattr(Rating, c.value)).label(c.value) for c in CRITERIA]
    rows = db.session.execute(
        select(Rating.application_id, *columns)
        .where(Rating.application_id.in_(ids))
        .group_by(Rating.application_id)
    )
    # AVG leaves out NULL ("can't judge yet"); a criterion nobody could judge has no mean.
    return {
        row.application_id: {
            c.value: None if getattr(row, c.value) is None else float(getattr(row, c.value))
            for c in CRITERIA
        }
        for row in rows
    }


@cache
def _rated_by_statement(postgresql: bool) -> Select:
    # Built once per database: the ids are bound at execution (an inbox page asks for 50).
    return (
        select(Rating.application_id)
        .where(
            Rating.user_id == bindparam("user_id"),
            in_bound_list(Rating.application_id, "ids", postgresql=postgresql),
        )
        .execution_options(**PREPARE)
    )


def rated_by(user: User, application_ids: Iterable[int]) -> set[int]:
    """Return which of *application_ids* *user* has rated."""
    ids = list(application_ids)
    if not ids:
        return set()
    statement = _rated_by_statement(on_postgresql())
    # Core rows through the session's connection: ids need none of the ORM's handling,
    # which costs more than the query (every inbox page asks).
    rows = db.session.connection().execute(statement, {"user_id": user.id, "ids": ids})
    return set(rows.scalars())


def rating_mean(rating: Rating) -> float | None:
    """Return the mean of the criteria *rating* judged; None if it judged none.

    "Can't judge yet" (NULL) counts neither as a score nor in the number of scores.
    """
    scores = [getattr(rating, c.value) for c in CRITERIA]
    known = [score for score in scores if score is not None]
    return fmean(known) if known else None


def _recusal(application: Application, user: User) -> Recusal | None:
    return db.session.scalar(
        select(Recusal).where(Recusal.application_id == application.id, Recusal.user_id == user.id)
    )


def _refresh_rating_summary(application: Application) -> None:
    """Store the count of ratings and their overall mean on the application row.

    The overall mean is the mean of each rating's own mean; a rating that could judge no
    criterion is counted, but has no mean to give.

    A Core UPDATE on purpose: a colleague's rating is not an edit of the candidate, so it
    must not bump the version that guards status changes against overwrites.
    """
    ratings = list(
        db.session.scalars(select(Rating).where(Rating.application_id == application.id))
    )
    averages = [mean for mean in map(rating_mean, ratings) if mean is not None]
    db.session.execute(
        update(Application.__table__)
        .where(Application.__table__.c.id == application.id)
        .values(
            rating_count=len(ratings),
            rating_mean=round(fmean(averages), 2) if averages else None,
        )
    )
    db.session.expire(application, ["rating_count", "rating_mean"])
