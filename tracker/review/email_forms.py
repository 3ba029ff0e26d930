"""Forms for writing to candidates and for the outbox: they validate, never persist."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from tracker.apply.forms import SingleLine
from tracker.enums import CANDIDATE_TEMPLATE_KEYS
from tracker.labels import TEMPLATE_LABELS
from tracker.mail.bulk_email import LanguageText
from tracker.mail.templates import BODY_MAX_LENGTH, SUBJECT_MAX_LENGTH, normalise_newlines
from tracker.ui_languages import UI_LANGUAGES
from tracker.web.forms_common import IdListField, SiteForm


def template_choices(*, blank: bool) -> list[SelectChoice]:
    """Return the templates as choices, optionally after a "choose" entry.

    The labels stay lazy: they are translated when the page is rendered.
    """
    choices = [SelectChoice(key.value, TEMPLATE_LABELS[key]) for key in CANDIDATE_TEMPLATE_KEYS]
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


class ComposeForm(EmailTextMixin, SiteForm):
    """One email to one candidate, prefilled from a template in the candidate's language."""

    template = HiddenField()
    language = HiddenField()
    # A signed one-time token: sending this form twice queues one email.
    ticket = HiddenField()

    @classmethod
    def started(cls, key: str, rendered, *, ticket: str) -> ComposeForm:
        """Return a blank form with its one-time *ticket*, holding template *key* as
        rendered for the recipient (a RenderedEmail; None leaves the texts empty)."""
        form = cls(formdata=None)
        form.template.data, form.ticket.data = key, ticket
        if rendered is not None:
            form.subject.data, form.body_text.data = rendered.subject, rendered.body_text
            form.language.data = rendered.language
        return form

    def template_key(self) -> str | None:
        """Return the template the text came from, if it is one."""
        return self.template.data if self.template.data in CANDIDATE_TEMPLATE_KEYS else None

    def language_code(self) -> str | None:
        """Return the language of the text, if it is one we write in."""
        return self.language.data if self.language.data in UI_LANGUAGES else None


class DraftForm(EmailTextMixin, SiteForm):
    """Change a draft before it is released."""


class BulkEmailForm(SiteForm):
    """One template to the inbox's ticked rows, or to everyone its filter matches.

    The inbox's bulk form posts here as it is (ids, scope, filter); this page then asks
    for the template, fills a subject and text per recipient language from it (fields
    ``subject_<language>`` and ``body_text_<language>``, added below), previews, and sends.
    """

    ids = IdListField(default=list)
    scope = HiddenField(default="selected")
    # The inbox's query string: the filter the recipients come from.
    filter = HiddenField()
    template = SelectField(_l("Template"), choices=template_choices(blank=True), default="")
    # The template whose texts the fields hold: another choice fills them afresh.
    loaded = HiddenField()
    inactive_confirmed = BooleanField(
        _l("Yes, also write to the candidates who were rejected or have withdrawn.")
    )
    ticket = HiddenField()

    def uses_filter(self) -> bool:
        """Tell whether the recipients are everyone the filter matches."""
        return self.scope.data == "filter"

    def language_fields(self, language: str) -> tuple[StringField, TextAreaField]:
        """Return the subject and text fields of *language*."""
        return self[f"subject_{language}"], self[f"body_text_{language}"]

    def texts(self, languages: list[str]) -> dict[str, LanguageText]:
        """Return the edited subject and text of each of *languages*."""
        texts = {}
        for language in languages:
            subject, body_text = self.language_fields(language)
            texts[language] = LanguageText(
                language, subject.data or "", normalise_newlines(body_text.data) or ""
            )
        return texts

    def fill(self, key: str, texts: dict[str, LanguageText]) -> None:
        """Put the template *key*'s *texts* into the fields, replacing what was there."""
        self.loaded.data = key
        for language, text in texts.items():
            subject, body_text = self.language_fields(language)
            subject.data, body_text.data = text.subject, text.body_text


# One subject and one text per language; only those of the recipients' languages are shown.
for _language in UI_LANGUAGES:
    setattr(
        BulkEmailForm,
        f"subject_{_language}",
        StringField(
            _l("Subject"), validators=[Optional(), Length(max=SUBJECT_MAX_LENGTH), SingleLine()]
        ),
    )
    setattr(
        BulkEmailForm,
        f"body_text_{_language}",
        TextAreaField(_l("Message"), validators=[Optional(), Length(max=BODY_MAX_LENGTH)]),
    )
