"""Forms of the candidate page: status, rating, recusal, comment, assignment, tags.

Each form validates and never persists. Status and assignment carry the version of the
application the editor saw, so a change made meanwhile by a colleague is reported instead
of silently overwritten.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    IntegerField,
    RadioField,
    StringField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import HiddenInput

from tracker.applications.teamwork import COMMENT_MAX_LENGTH, TAG_MAX_LENGTH
from tracker.apply.forms import PlainText, SingleLine, choices, strip
from tracker.enums import RubricCriterion, Status
from tracker.labels import (
    CRITERION_LABELS,
    RECOMMENDATION_LABELS,
    REJECTION_REASON_LABELS,
    STATUS_LABELS,
)
from tracker.models import User
from tracker.review.email_forms import template_choices
from tracker.web.forms_common import SiteForm
from tracker.web.widgets import PlainSelectField, PlainTextAreaField

NOTE_MAX_LENGTH = 2000
RATING_COMMENT_MAX_LENGTH = 2000
SUMMARY_MAX_LENGTH = 5000

# The same words as the inbox and its bulk actions use.
REASON_LABELS = REJECTION_REASON_LABELS


def label_of(labels: dict, value: str | None) -> str:
    """Return the label of *value* in *labels*, or the raw value if it has none."""
    if value is None:
        return ""
    try:
        return str(labels[value])
    except KeyError:
        return value


def _version_field(form_name: str) -> IntegerField:
    """The version of the application the editor saw (ids differ: two forms on one page)."""
    return IntegerField(
        widget=HiddenInput(), validators=[InputRequired()], id=f"{form_name}_expected_version"
    )


class StatusForm(SiteForm):
    """Move the candidate on: new status, a structured reason when rejecting, a note."""

    expected_version = _version_field("status")
    new_status = PlainSelectField(
        _l("New status"),
        choices=choices((status.value, label) for status, label in STATUS_LABELS.items()),
        validators=[DataRequired(_l("Please choose the new status."))],
    )
    reason = PlainSelectField(
        _l("Reason for the rejection"),
        choices=choices(
            [("", _l("Choose a reason")), *((r.value, label) for r, label in REASON_LABELS.items())]
        ),
        default="",
        # No Optional(): it would end the chain before validate_reason, which decides.
    )
    note = PlainTextAreaField(
        _l("Note (optional)"), validators=[Optional(), Length(max=NOTE_MAX_LENGTH), PlainText()]
    )
    # Decide now, notify later: the chosen email waits as a draft in the outbox.
    notify_template = PlainSelectField(
        _l("Prepare an email to the candidate (optional)"),
        choices=template_choices(blank=True),
        default="",
    )

    def offer(self, allowed: list[Status]) -> None:
        """Offer only the statuses the pipeline allows from here (for display)."""
        self.new_status.choices = choices(
            [("", _l("Choose a status"))] + [(s.value, STATUS_LABELS[s]) for s in allowed]
        )

    def validate_reason(self, field):
        if self.new_status.data == Status.REJECTED and not field.data:
            raise ValidationError(_l("Please choose why the application is rejected."))

    def rejection_reason(self) -> str | None:
        """Return the reason to record: only a rejection takes one."""
        if self.new_status.data != Status.REJECTED:
            return None
        return self.reason.data or None


# The choice beside 1–5 for a criterion the editor cannot judge yet (stored as NULL).
CANT_JUDGE = "unknown"


def _score(value):
    """Coerce a posted score: a number 1–5, or CANT_JUDGE as it is (None: nothing chosen).

    CANT_JUDGE stays a string, not None, so that a blank form shows no choice made.
    """
    if value is None or value == CANT_JUDGE:
        return value
    return int(value)


def _score_field(criterion: RubricCriterion) -> RadioField:
    return RadioField(
        CRITERION_LABELS[criterion],
        choices=choices(
            [*((score, str(score)) for score in range(1, 6)), (CANT_JUDGE, _l("Can't judge yet"))]
        ),
        coerce=_score,
        validators=[InputRequired(_l("Please give a score from 1 to 5, or “Can't judge yet”."))],
    )


def _comment_field(criterion: RubricCriterion) -> PlainTextAreaField:
    return PlainTextAreaField(
        _l("Comment on %(criterion)s (optional)", criterion=CRITERION_LABELS[criterion]),
        filters=[strip],
        validators=[Optional(), Length(max=RATING_COMMENT_MAX_LENGTH), PlainText()],
    )


class RatingForm(SiteForm):
    """The rubric: 1–5 or "can't judge yet" per criterion with an optional comment, a
    recommendation (always required), a summary.

    Fields are named ``score_<criterion>`` and ``comment_<criterion>``.
    """

    recommendation = RadioField(
        _l("Overall recommendation"),
        choices=choices((r.value, label) for r, label in RECOMMENDATION_LABELS.items()),
        validators=[InputRequired(_l("Please choose a recommendation."))],
    )
    summary = PlainTextAreaField(
        _l("Summary (optional)"),
        filters=[strip],
        validators=[Optional(), Length(max=SUMMARY_MAX_LENGTH), PlainText()],
    )
    # "save" or "save_next": which of the two submit buttons was pressed (they carry it).
    action = StringField()

    def criteria(self):
        """Yield (criterion, score field, comment field) in rubric order."""
        for criterion in RubricCriterion:
            yield criterion, self[f"score_{criterion.value}"], self[f"comment_{criterion.value}"]

    def scores(self) -> dict[str, int | None]:
        """Return the score per criterion; None where the editor cannot judge yet."""
        return {
            c.value: None if score.data == CANT_JUDGE else score.data
            for c, score, _ in self.criteria()
        }

    def comments(self) -> dict[str, str]:
        """Return the comment per criterion ("" where none was written)."""
        return {c.value: comment.data or "" for c, _, comment in self.criteria()}

    def rating(self) -> dict:
        """Return the answers as the keyword arguments of ``ratings.add_rating``."""
        return {
            "scores": self.scores(),
            "recommendation": self.recommendation.data,
            "comments": self.comments(),
            "summary": self.summary.data or None,
        }

    def fill_from(self, rating) -> None:
        """Show the editor's existing rating (on a GET, not over what they just posted)."""
        for criterion, score, comment in self.criteria():
            value = getattr(rating, criterion.value)
            score.data = CANT_JUDGE if value is None else value
            comment.data = (rating.comments or {}).get(criterion.value, "")
        self.recommendation.data = rating.recommendation
        self.summary.data = rating.summary or ""


for _criterion in RubricCriterion:
    setattr(RatingForm, f"score_{_criterion.value}", _score_field(_criterion))
    setattr(RatingForm, f"comment_{_criterion.value}", _comment_field(_criterion))


class RecuseForm(SiteForm):
    """Declare a conflict of interest, optionally saying why (admins see it)."""

    reason = PlainTextAreaField(
        _l("Reason (optional, visible to admins)"),
        id="recusal_reason",
        filters=[strip],
        validators=[Optional(), Length(max=NOTE_MAX_LENGTH), PlainText()],
    )


class CommentForm(SiteForm):
    """A note for the team, which an editor may share with guest reviewers."""

    body = PlainTextAreaField(
        _l("Comment"),
        filters=[strip],
        validators=[
            DataRequired(_l("Please write a comment.")),
            Length(max=COMMENT_MAX_LENGTH),
            PlainText(),
        ],
    )
    shared_with_guests = BooleanField(_l("Share with guest reviewers"))


class AssignForm(SiteForm):
    """Make one editor (or nobody) responsible for the candidate."""

    expected_version = _version_field("assign")
    assignee = PlainSelectField(_l("Assigned to"), validators=[Optional()])

    def offer(self, users: list[User]) -> None:
        self.assignee.choices = choices(
            [("", _l("Nobody")), *((str(user.id), user.name) for user in users)]
        )

    def assignee_id(self) -> int | None:
        """Return the id of the chosen editor, or None for nobody."""
        return int(self.assignee.data) if self.assignee.data else None

    def chosen(self, users: list[User]) -> User | None:
        """Return the chosen editor among the *users* offered, or None for nobody."""
        assignee_id = self.assignee_id()
        return next((user for user in users if user.id == assignee_id), None)


class AddTagForm(SiteForm):
    """Add one tag (an existing one is offered as a suggestion, a new one is created)."""

    name = StringField(
        _l("Add a tag"),
        id="tag_name",
        filters=[strip],
        validators=[
            DataRequired(_l("Please write a tag.")),
            Length(max=TAG_MAX_LENGTH, message=_l("A tag may have up to 60 characters.")),
            SingleLine(),
        ],
    )


class RemoveTagForm(SiteForm):
    """Remove one tag: each tag on the page has its own small form carrying its name."""

    name = StringField(widget=HiddenInput(), filters=[strip], validators=[DataRequired()])
