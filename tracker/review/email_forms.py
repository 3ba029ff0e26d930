"""Forms for writing to candidates and for the outbox: they validate, never persist."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from tracker.apply.forms import SingleLine
from tracker.enums import UI_LANGUAGES, EmailTemplateKey
from tracker.labels import TEMPLATE_LABELS
from tracker.mail.templates import BODY_MAX_LENGTH, SUBJECT_MAX_LENGTH
from tracker.web.forms_common import IdListField


def template_choices(*, blank: bool) -> list[SelectChoice]:
    """Return the templates as choices, optionally after a "choose" entry.

    The labels stay lazy: they are translated when the page is rendered.
    """
    choices = [SelectChoice(key.value, TEMPLATE_LABELS[key]) for key in EmailTemplateKey]
    return [SelectChoice("", _l("Choose a template")), *choices] if blank else choices


class EmailTextMixin:
    """Subject and text of an email as the editor wrote them."""

    subject = StringField(
        _l("Subject"),
        validators=[
            DataRequired(_l("Please write a subject.")),
            Length(max=SUBJECT_MAX_LENGTH),
            # A line break in a subject would start a header of the writer's choosing.
            SingleLine(),
        ],
    )
    body_text = TextAreaField(
        _l("Message"),
        validators=[
            DataRequired(_l("Please write the text of the email.")),
            Length(max=BODY_MAX_LENGTH),
        ],
    )


class ComposeForm(EmailTextMixin, FlaskForm):
    """One email to one candidate, prefilled from a template in the candidate's language."""

    template = HiddenField()
    language = HiddenField()
    # A signed one-time token: sending this form twice queues one email.
    ticket = HiddenField()

    def template_key(self) -> str | None:
        """Return the template the text came from, if it is one."""
        return self.template.data if self.template.data in set(EmailTemplateKey) else None

    def language_code(self) -> str | None:
        """Return the language of the text, if it is one we write in."""
        return self.language.data if self.language.data in UI_LANGUAGES else None


class DraftForm(EmailTextMixin, FlaskForm):
    """Change a draft before it is released."""


class BulkEmailForm(FlaskForm):
    """One template to the inbox's ticked rows, or to everyone its filter matches.

    The inbox's bulk form posts here as it is (ids, scope, filter); this page then asks
    for the template, previews, and sends.
    """

    ids = IdListField(default=list)
    scope = HiddenField(default="selected")
    # The inbox's query string: the filter the recipients come from.
    filter = HiddenField()
    template = SelectField(_l("Template"), choices=template_choices(blank=True), default="")
    ticket = HiddenField()

    def uses_filter(self) -> bool:
        """Tell whether the recipients are everyone the filter matches."""
        return self.scope.data == "filter"
