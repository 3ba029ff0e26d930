"""The form's optional question of risk, and what an applicant who says yes asks for.

"Could publishing under your own name, or being known to work with us, put you at risk?"
No answer, no or yes. Only a yes is checked and stored (tracker.applications.risk); with
another answer, whatever was ticked or typed below it is ignored, never stored. The
follow-up questions are always on the page (no JavaScript needed), marked as being for
a yes only, like the form's other conditional fields.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, Form, RadioField, SelectChoice

from tracker.applications.risk import SafetyAnswers, safety_problems
from tracker.labels import SAFE_CHANNEL_LABELS
from tracker.web.widgets import PlainCheckboxInput, PlainSelectField, PlainStringField

YES = "yes"
NO = "no"


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class SafetyQuestions(Form):
    """The question of risk (a sub-form: its fields are named ``safety-…``)."""

    at_risk = RadioField(
        _l(
            "Could publishing under your own name, or being known to work with us, put you at risk?"
        ),
        choices=[
            SelectChoice("", _l("I would rather not answer")),
            SelectChoice(NO, _l("No")),
            SelectChoice(YES, _l("Yes")),
        ],
        default="",
    )
    wants_pseudonym = BooleanField(
        _l("I would like to publish under a pseudonym"), widget=PlainCheckboxInput()
    )
    avoid_work_address = BooleanField(
        _l("Please do not write to me at a work address"), widget=PlainCheckboxInput()
    )
    safe_channel = PlainSelectField(
        _l("How can we reach you safely? (optional)"),
        choices=[
            SelectChoice("", _l("Choose a channel")),
            *(SelectChoice(key.value, label) for key, label in SAFE_CHANNEL_LABELS.items()),
        ],
        default="",
    )
    safe_channel_handle = PlainStringField(
        _l("Your number, name or address on that channel (optional)"), filters=[_strip]
    )

    def validate(self, extra_validators=None) -> bool:
        """Check the answer; with a yes, what it asks for too (the domain's rules)."""
        if self.at_risk.data != YES:
            return self.at_risk.validate(self)
        if not super().validate(extra_validators):
            return False  # a choice not offered: its message says it all
        problems = safety_problems(self.answers())
        for name, message in problems.items():
            self[name].errors = [*self[name].errors, message]
        return not problems

    def answers(self) -> SafetyAnswers | None:
        """Return what a yes asks for, or None for another answer (nothing is stored)."""
        if self.at_risk.data != YES:
            return None
        return SafetyAnswers(
            wants_pseudonym=bool(self.wants_pseudonym.data),
            avoid_work_address=bool(self.avoid_work_address.data),
            safe_channel=self.safe_channel.data or None,
            safe_channel_handle=self.safe_channel_handle.data or None,
        )

    def in_words(self) -> str | None:
        """Return the answer as the check page shows it, one wish a line; None if none."""
        if self.at_risk.data == NO:
            return _("No")
        answers = self.answers()
        if answers is None:
            return None
        lines = [_("Yes")]
        if answers.wants_pseudonym:
            lines.append(str(self.wants_pseudonym.label.text))
        if answers.avoid_work_address:
            lines.append(str(self.avoid_work_address.label.text))
        if answers.safe_channel:
            channel = str(SAFE_CHANNEL_LABELS.get(answers.safe_channel, answers.safe_channel))
            handle = answers.safe_channel_handle
            lines.append(
                _("%(channel)s: %(handle)s", channel=channel, handle=handle) if handle else channel
            )
        return "\n".join(lines)
