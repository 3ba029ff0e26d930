"""The public application form: applicant fields only, so nothing else can be mass-assigned."""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from werkzeug.datastructures import FileStorage
from wtforms import (
    BooleanField,
    FieldList,
    FormField,
    HiddenField,
    SelectChoice,
    SelectMultipleField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Optional,
    StopValidation,
    ValidationError,
)
from wtforms.widgets import ListWidget

from tracker.applications.names import clean_name, name_problem
from tracker.applications.risk import retention_days_at_risk
from tracker.applications.submit import SpokenLanguage
from tracker.apply.language_rows import (
    MAX_OTHER_LANGUAGES,
    LanguageRow,
    prepare_language_rows,
    refuse_extra_languages,
    spoken_languages,
)
from tracker.apply.safety_fields import SafetyQuestions
from tracker.apply.text_checks import (
    WEB_ADDRESS,
    WEB_ADDRESS_MAX,
    MaxChars,
    WebAddressPerLine,
    lines_with_scheme,
    unix_newlines,
    with_scheme,
)
from tracker.enums import ELSEWHERE, DocumentKind
from tracker.labels import (
    COUNTRY_LABELS,
    LEVEL_LABELS,
    REGION_GROUP_LABELS,
    country_label,
    home_countries,
    region_groups,
)
from tracker.ui_languages import LANGUAGE_NAMES
from tracker.web.forms_common import SiteForm
from tracker.web.widgets import PlainCheckboxInput, PlainSelectField, PlainStringField

COVER_LETTER_MAX = 8000
MAX_LINKS = 10
# C0 controls (except TAB/LF/CR) and DEL never belong in text someone typed.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip(value):
    return value.strip() if isinstance(value, str) else value


class SingleLine:
    """Refuse line breaks and control characters: single-line values end up in headers."""

    def __call__(self, form, field):
        if field.data and ("\r" in field.data or "\n" in field.data or _CONTROL.search(field.data)):
            # Stop here: further validators (the email check) would only repeat the complaint.
            raise StopValidation(_l("Please write this on one line, without special characters."))


class PlainText:
    """Refuse control characters in multi-line text (line breaks and tabs are fine)."""

    def __call__(self, form, field):
        if field.data and _CONTROL.search(field.data):
            raise ValidationError(_l("This text contains characters we cannot store."))


class PersonName:
    """Refuse a name that could carry a message: an address, digits and signs, many words."""

    def __call__(self, form, field):
        problem = name_problem(field.data or "")
        if problem:
            raise ValidationError(problem)


class ValidEmail:
    """Check an address with email-validator and keep its normalised ASCII form.

    Only addresses our mail can reach are taken: the outbox speaks plain SMTP, so a
    local part beyond ASCII (``üñí@…``, which needs SMTPUTF8 all the way) is refused here
    with a clear message instead of failing in the outbox later. An internationalised
    domain is fine: it is kept in its ASCII (punycode) form, which every server accepts.
    """

    def __call__(self, form, field):
        try:
            result = validate_email(
                field.data or "", check_deliverability=False, allow_smtputf8=False
            )
        except EmailNotValidError as error:
            if "@" in (field.data or "") and not field.data.rpartition("@")[0].isascii():
                raise ValidationError(
                    _l(
                        "We can only write to addresses whose part before the @ uses Latin "
                        "letters, digits and . _ - + signs. Please enter another address."
                    )
                ) from error
            raise ValidationError(
                _l("Please enter an email address like name@example.org.")
            ) from error
        # Lower-cased: people use one address in any capitalisation, and finding their
        # other applications must be one indexed equality, not a scan of lower(email).
        field.data = result.ascii_email.lower()


def choices(pairs) -> list[SelectChoice]:
    """Turn (value, label) pairs into WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


def level_choices(include_none: bool) -> list[SelectChoice]:
    """Return the language levels to choose from (and "no German" where it applies)."""
    options = [("", _l("Choose a level"))]
    if include_none:
        options.append(("none", _l("I do not speak German")))
    return choices(options + [(level.value, label) for level, label in LEVEL_LABELS.items()])


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes, one per choice."""

    widget = ListWidget(prefix_label=False)
    option_widget = PlainCheckboxInput()


class ApplicationForm(SiteForm):
    """What an applicant sends: about them, where and in which languages, documents, consent."""

    # Invisible direction and zero-width characters are dropped, not refused (names.py).
    full_name = PlainStringField(
        _l("Full name"),
        filters=[strip, clean_name],
        validators=[
            DataRequired(message=_l("Enter your full name")),
            MaxChars(200),
            SingleLine(),
            PersonName(),
        ],
    )
    email = PlainStringField(
        _l("Email address"),
        filters=[strip],
        validators=[
            DataRequired(message=_l("Enter your email address")),
            MaxChars(254),
            SingleLine(),
            ValidEmail(),
        ],
    )
    phone = PlainStringField(
        _l("Phone number (optional)"),
        filters=[strip],
        validators=[Optional(), MaxChars(40), SingleLine()],
    )
    # Declared in the order of the page: the check page lists the answers in this order.
    preferred_language = PlainSelectField(
        _l("Which language should we write to you in?"),
        choices=choices(LANGUAGE_NAMES.items()),
        validators=[DataRequired(message=_l("Choose the language we should write to you in"))],
    )
    # Where they live and what they cover are two questions: a Berlin-based journalist
    # may cover Chechnya, and anyone may cover several regions.
    home_country = PlainSelectField(
        _l("Country"), validators=[DataRequired(message=_l("Choose the country you live in"))]
    )
    home_country_other = PlainStringField(
        _l("Name of the country"), filters=[strip], validators=[MaxChars(200), SingleLine()]
    )
    city = PlainStringField(
        _l("City or town where you live"),
        filters=[strip],
        validators=[
            DataRequired(message=_l("Name the city or town where you live")),
            MaxChars(120),
            SingleLine(),
        ],
    )
    # No DataRequired: it would mark every box required; validate_regions asks for one.
    regions = MultiCheckboxField(
        _l("Which regions can you cover?"), description=_l("Regions you can cover")
    )
    german_level = PlainSelectField(
        _l("Your German"), validators=[DataRequired(message=_l("Choose your level of German"))]
    )
    # One row more than allowed is read, so that an eleventh language is refused with a
    # message (language_rows) instead of dropped unsaid; anything beyond is never parsed.
    other_languages = FieldList(
        FormField(LanguageRow), min_entries=1, max_entries=MAX_OTHER_LANGUAGES + 1
    )
    max_other_languages = MAX_OTHER_LANGUAGES  # for the page's hint
    # One required group, not a required box each: validate_topics asks for one.
    topics = MultiCheckboxField(_l("Topics you know well"))
    cv = FileField(_l("CV"))
    cover_letter = TextAreaField(
        _l("Cover letter"),
        filters=[unix_newlines],
        validators=[
            MaxChars(
                COVER_LETTER_MAX,
                _l(
                    "Your cover letter has %(count)s characters. Please shorten it to "
                    "%(limit)s or attach it as a file."
                ),
            ),
            PlainText(),
        ],
    )
    cover_letter_file = FileField(_l("… or attach it as a file"))
    writing_sample = FileField(_l("Writing sample"))
    writing_sample_url = PlainStringField(
        _l("… or a link to a published piece"),
        filters=[strip, with_scheme],
        validators=[Optional(), MaxChars(WEB_ADDRESS_MAX), SingleLine()],
    )
    links = TextAreaField(
        _l("Links to other published work (optional)"),
        filters=[lines_with_scheme],
        validators=[
            Optional(),
            MaxChars(MAX_LINKS * WEB_ADDRESS_MAX),
            PlainText(),
            WebAddressPerLine(),
        ],
    )
    # Optional: could publishing put them at risk, and what they ask for if so.
    safety = FormField(SafetyQuestions)
    heard_about = PlainSelectField(
        _l("How did you hear about this call? (optional)"), validators=[Optional()]
    )
    heard_about_other = PlainStringField(
        _l("Where? (optional)"), filters=[strip], validators=[MaxChars(200), SingleLine()]
    )
    # The description is the short name the error summary uses for this long label.
    consent = BooleanField(
        _l("I agree that my data is processed as the privacy notice says."),
        description=_l("Privacy notice"),
    )
    # Bots fill every field; people never see this one (hidden by CSS, out of tab order).
    website = PlainStringField(_l("Leave this field empty"))
    form_ticket = HiddenField()
    # The language the page was shown in: a correspondence language still equal to it was
    # not changed by the applicant, so it follows a language switch.
    page_language = HiddenField()

    # Set by the view before validating: the files kept for this form's token (by kind) and
    # the messages of files refused in this post (by field name). See documents/kept.py.
    kept_documents: dict = {}  # replaced per instance, never mutated
    refused_uploads: dict = {}  # replaced per instance, never mutated

    def validate(self, extra_validators=None) -> bool:
        """Validate the fields, then check that every required document is there."""
        from tracker.applications.submit import missing_documents

        valid = super().validate(extra_validators)
        missing = missing_documents(
            self.cover_letter.data, self.writing_sample_url.data, set(self.kept_documents)
        )
        # A refused file's own message says it all: no "please attach" beside it.
        problems = {**missing, **self.refused_uploads}
        for name, message in problems.items():
            self[name].errors = [*self[name].errors, message]
        refused_languages = refuse_extra_languages(self.other_languages)
        return valid and not problems and not refused_languages

    def attached_documents(self) -> dict:
        """Return the uploaded files by document kind (only those actually chosen)."""
        files = {
            DocumentKind.CV: self.cv.data,
            DocumentKind.COVER_LETTER: self.cover_letter_file.data,
            DocumentKind.WRITING_SAMPLE: self.writing_sample.data,
        }
        return {
            kind: upload
            for kind, upload in files.items()
            if isinstance(upload, FileStorage) and upload.filename
        }

    def validate_consent(self, field):
        if not field.data:
            raise ValidationError(
                _l("Please agree to the privacy notice so that we may read your application.")
            )

    def validate_home_country_other(self, field):
        if self.home_country.data == ELSEWHERE and not field.data:
            raise ValidationError(_l("Name the country you live in"))

    def validate_regions(self, field):
        if not field.data:
            raise ValidationError(_l("Choose at least one region you can cover"))

    def validate_topics(self, field):
        if not field.data:
            raise ValidationError(_l("Choose at least one topic"))

    def validate_writing_sample_url(self, field):
        if field.data and not WEB_ADDRESS.match(field.data):
            raise ValidationError(
                _l("Enter the address of the web page, such as https://example.org/your-article")
            )

    def validate_links(self, field):
        if len(self.link_list()) > MAX_LINKS:
            raise ValidationError(_l("Please give at most %(n)s links.", n=MAX_LINKS))

    def link_list(self) -> list[str]:
        """Return the links, one per non-empty line."""
        return [line.strip() for line in (self.links.data or "").splitlines() if line.strip()]

    def other_language_rows(self) -> list[SpokenLanguage]:
        """Return each further language filled in, without German and duplicates."""
        return spoken_languages(self.other_languages)


HEARD_ABOUT = {
    "website": _l("Our website"),
    "social_media": _l("Social media"),
    "colleague": _l("A colleague or friend"),
    "newsletter": _l("A newsletter or mailing list"),
    "university": _l("A university or training programme"),
    "other": _l("Somewhere else"),
}


def build_application_form(
    call, language: str, *, add_language_row: bool = False, **kwargs
) -> ApplicationForm:
    """Return the form for *call*, its choices labelled in *language*.

    Further languages: the rows filled in plus an empty one, or one row more than posted
    when the applicant asked to add a language (*add_language_row*).
    """
    from tracker.ui_languages import localized

    form = ApplicationForm(**kwargs)
    form.home_country.choices = choices(
        [("", _l("Choose a country"))]
        + [(key, country_label(key)) for key in home_countries(call.regions)]
        + [(ELSEWHERE, COUNTRY_LABELS[ELSEWHERE])]
    )
    form.regions.choices = choices(
        (region["key"], localized(region["label"], language)) for region in call.regions
    )
    # The checkboxes under their headings: [(heading, {region keys})], for the template.
    form.region_groups = [
        (REGION_GROUP_LABELS.get(group, _l("Other regions")), {r["key"] for r in members})
        for group, members in region_groups(call.regions)
    ]
    form.topics.choices = choices(
        (topic["key"], localized(topic["label"], language)) for topic in call.topics
    )
    form.german_level.choices = level_choices(include_none=True)
    form.language_row_template = prepare_language_rows(
        form.other_languages, language, add_row=add_language_row
    )
    form.heard_about.choices = choices([("", _l("Please choose")), *HEARD_ABOUT.items()])
    form.retention_days_at_risk = retention_days_at_risk()  # the question's promise
    return form
