"""Forms of the editors' workspace: they validate, never persist."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectMultipleField,
)
from wtforms.validators import InputRequired, Length, ValidationError

from tracker.applications.teamwork import TAG_MAX_LENGTH, CandidateError, normalise_tag
from tracker.enums import Status
from tracker.inbox.bulk import BULK_ACTIONS
from tracker.inbox.columns import OPTIONAL_COLUMNS
from tracker.inbox.saved_views import NAME_MAX_LENGTH
from tracker.labels import REJECTION_REASON_LABELS, STATUS_LABELS
from tracker.web.forms_common import IdListField, SiteForm
from tracker.web.widgets import PlainSelectField, PlainStringField


class BulkForm(SiteForm):
    """One action on the ticked rows, or on every application the current filter matches."""

    ids = IdListField(default=list)
    scope = RadioField(
        _l("Apply to"),
        choices=[
            SelectChoice("selected", _l("the selected rows")),
            SelectChoice("filter", _l("every application matching the filter")),
        ],
        default="selected",
    )
    # The inbox's query string, so that the action and the redirect use the same filter.
    filter = HiddenField()
    action = PlainSelectField(choices=[SelectChoice(action, action) for action in BULK_ACTIONS])
    # No Optional() below: it would stop the chain before the validate_* methods, which
    # decide what each action requires.
    status = PlainSelectField(
        _l("New status"),
        default="",
        choices=[SelectChoice("", _l("Choose a status"))]
        + [SelectChoice(status.value, label) for status, label in STATUS_LABELS.items()],
    )
    reason = PlainSelectField(
        _l("Reason, when rejecting"),
        default="",
        choices=[SelectChoice("", _l("Choose a reason"))]
        + [SelectChoice(reason.value, label) for reason, label in REJECTION_REASON_LABELS.items()],
    )
    assignee = PlainSelectField(_l("Assign to"), default="")
    tag = PlainStringField(_l("Tag"))

    def __init__(self, *args, assignees=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.assignee.choices = [
            SelectChoice("", _l("Choose a person")),
            SelectChoice("me", _l("Me")),
            SelectChoice("nobody", _l("Nobody")),
        ] + [SelectChoice(str(user.id), user.name) for user in assignees]

    def validate_status(self, field):
        """Require a status when changing status."""
        if self.action.data == "status" and not field.data:
            raise ValidationError(_l("Choose the new status."))

    def validate_reason(self, field):
        """Require a reason when rejecting."""
        if self.action.data != "status":
            return
        if self.status.data == Status.REJECTED and not field.data:
            raise ValidationError(_l("Choose a reason for the rejection."))

    def validate_assignee(self, field):
        """Require a choice when assigning."""
        if self.action.data == "assign" and not field.data:
            raise ValidationError(_l("Choose whom to assign."))

    def validate_tag(self, field):
        """Require a tag that can be stored when adding one."""
        if self.action.data != "tag":
            return
        try:
            normalise_tag(field.data or "")
        except CandidateError:
            raise ValidationError(
                _l("Write a tag of 1 to %(max)d characters.", max=TAG_MAX_LENGTH)
            ) from None


class ColumnsForm(SiteForm):
    """The optional inbox columns a person shows: a checkbox each, none required."""

    # validate_choice off: validate_columns below refuses unknown keys in our own words.
    columns = SelectMultipleField(
        _l("Columns"),
        choices=[SelectChoice(key, label) for key, label in OPTIONAL_COLUMNS.items()],
        validate_choice=False,
    )
    # The inbox's query string: the redirect returns to the same filter and page.
    filter = HiddenField()

    def validate_columns(self, field):
        """Refuse a key that is not one of the inbox's optional columns."""
        if not set(field.data or ()) <= OPTIONAL_COLUMNS.keys():
            raise ValidationError(_l("Choose columns from the list; nothing was changed."))


class SaveViewForm(SiteForm):
    """The inbox's current filter, to be kept under a name."""

    name = PlainStringField(
        _l("Name of the view"),
        validators=[
            InputRequired(_l("Give the view a name.")),
            Length(
                max=NAME_MAX_LENGTH,
                message=_l(
                    "A view's name can be at most %(num)d characters long.", num=NAME_MAX_LENGTH
                ),
            ),
        ],
    )
    shared = BooleanField(_l("Share with the team"))
    # The inbox's query string: the filter to keep, and where to return.
    filter = HiddenField()


class ViewActionForm(SiteForm):
    """Delete a saved view, or make it (or the whole inbox) one's start page."""

    filter = HiddenField()
