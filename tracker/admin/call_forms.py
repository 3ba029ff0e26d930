"""Forms for creating and editing calls: they parse and validate, the domain saves."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import DateTimeLocalField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from tracker.admin.option_rows import (
    RegionRow,
    TopicRow,
    add_row,
    fill_rows,
    label_rows,
    option_rows,
    options_of,
    remove_row,
)
from tracker.apply.forms import PlainText, SingleLine, strip
from tracker.call_options import OptionLinesError, format_target_lines, parse_target_lines
from tracker.calls import SLUG_MAX_LENGTH, SLUG_PATTERN, CallData
from tracker.labels import language_name
from tracker.ui_languages import MAIN_LANGUAGE, UI_LANGUAGES
from tracker.web.forms_common import SiteForm

DESCRIPTION_MAX = 20_000
PRIVACY_NOTICE_MAX = 50_000
# What a browser's datetime-local input sends and shows.
DATETIME_LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


def _lower(value):
    return value.strip().lower() if isinstance(value, str) else value


def _title(language_label, required: bool) -> StringField:
    validators = [Length(max=200), SingleLine()]
    validators.insert(
        0,
        DataRequired(message=_l("Please give the call a German title."))
        if required
        else Optional(),
    )
    return StringField(language_label, filters=[strip], validators=validators)


def _text(language_label, maximum: int, required_message=None) -> TextAreaField:
    first = DataRequired(message=required_message) if required_message else Optional()
    return TextAreaField(language_label, validators=[first, Length(max=maximum), PlainText()])


def _texts_per_language(make) -> dict[str, object]:
    """Return make(code, is_main, language name) for each page language, by code."""
    return {code: make(code == MAIN_LANGUAGE, language_name(code)) for code in UI_LANGUAGES}


# A title and description per page language (tracker/ui_languages.py); German is required,
# and a call without a version in another language shows a fallback, with a note. Made
# before CallForm, which adds them (WTForms orders fields by when they were made: the page's
# error summary lists the titles and descriptions first, as the page shows them).
_TITLES = _texts_per_language(
    lambda main, name: _title(
        _l("Title (%(language)s)", language=name)
        if main
        else _l("Title (%(language)s, optional)", language=name),
        required=main,
    )
)
_DESCRIPTIONS = _texts_per_language(
    lambda main, name: _text(
        _l("Description (%(language)s)", language=name)
        if main
        else _l("Description (%(language)s, optional)", language=name),
        DESCRIPTION_MAX,
        required_message=_l("Please describe the call in German.") if main else None,
    )
)


class CallForm(SiteForm):
    """A call's texts, address, regions, topics, targets, dates and privacy notice."""

    slug = StringField(
        _l("Address"),
        filters=[_lower],
        validators=[
            DataRequired(message=_l("Please choose an address for the call.")),
            Length(max=SLUG_MAX_LENGTH),
        ],
    )
    regions = option_rows(RegionRow)
    add_region = SubmitField(_l("Add a region"))
    topics = option_rows(TopicRow)
    add_topic = SubmitField(_l("Add a topic"))
    targets = TextAreaField(_l("Experts wanted per region (optional)"), validators=[PlainText()])
    opens_at = DateTimeLocalField(
        _l("Opens (UTC, optional)"), format=DATETIME_LOCAL_FORMAT, validators=[Optional()]
    )
    closes_at = DateTimeLocalField(
        _l("Deadline (UTC, optional)"), format=DATETIME_LOCAL_FORMAT, validators=[Optional()]
    )
    privacy_version = StringField(
        _l("Version of this privacy notice"),
        filters=[strip],
        # No Optional(): it would stop the check that a notice has a version.
        validators=[Length(max=40), SingleLine()],
    )

    # Parsed values, set by the validators below.
    parsed_regions: list[dict] | None = None
    parsed_topics: list[dict] | None = None
    parsed_targets: dict[str, int] | None = None
    # The keys applications to the edited call use: their rows stay (set by the view).
    used_regions: frozenset[str] = frozenset()
    used_topics: frozenset[str] = frozenset()

    def label_rows(self) -> None:
        """Head each region and topic row with its number, for the page and the summary."""
        label_rows(self.regions, lambda number: _("Region %(number)s", number=number))
        label_rows(self.topics, lambda number: _("Topic %(number)s", number=number))

    def rearrange(self, formdata) -> bool:
        """Add or remove a row if one of the row buttons was pressed; tell whether one was.

        Nothing is validated or saved then: the page comes back with the rows changed.
        """
        if self.add_region.data:
            add_row(self.regions)
        elif self.add_topic.data:
            add_row(self.topics)
        elif formdata.get("remove_region", "").isdigit():
            remove_row(self.regions, int(formdata["remove_region"]), self.used_regions)
        elif formdata.get("remove_topic", "").isdigit():
            remove_row(self.topics, int(formdata["remove_topic"]), self.used_topics)
        else:
            return False
        return True

    def validate_slug(self, field):
        if not SLUG_PATTERN.match(field.data or ""):
            raise ValidationError(
                _l(
                    "The address may only contain lower-case letters a–z, digits and "
                    "hyphens, such as “local-experts-2027”."
                )
            )

    def validate_regions(self, field):
        self.parsed_regions = options_of(
            field, self.used_regions, none_message=_l("Please fill in at least one region.")
        )
        if self.parsed_regions is None:
            # The rows carry the messages; this only marks the list as invalid.
            raise ValidationError("")

    def validate_topics(self, field):
        self.parsed_topics = options_of(
            field, self.used_topics, none_message=_l("Please fill in at least one topic.")
        )
        if self.parsed_topics is None:
            raise ValidationError("")

    def validate_targets(self, field):
        if self.parsed_regions is None:
            return  # the regions have their own error; targets are checked against them
        try:
            self.parsed_targets = parse_target_lines(
                field.data, (region["key"] for region in self.parsed_regions)
            )
        except OptionLinesError as error:
            raise ValidationError(error.message) from error

    def validate_closes_at(self, field):
        if field.data and self.opens_at.data and field.data <= self.opens_at.data:
            raise ValidationError(_l("The deadline must be after the opening date."))

    def validate_privacy_version(self, field):
        has_notice = any(
            (self[f"privacy_notice_{code}"].data or "").strip() for code in UI_LANGUAGES
        )
        if has_notice and not field.data:
            raise ValidationError(_l("Please give the privacy notice a version, such as 2026-11."))
        if field.data and not has_notice:
            raise ValidationError(
                _l("Please write the privacy notice, or leave its version empty.")
            )

    def to_data(self) -> CallData:
        """Return the validated answers as CallData (call validate() first)."""

        def per_language(prefix: str) -> dict[str, str]:
            return {
                code: (self[f"{prefix}_{code}"].data or "").strip()
                for code in UI_LANGUAGES
                if (self[f"{prefix}_{code}"].data or "").strip()
            }

        return CallData(
            slug=self.slug.data,
            title=per_language("title"),
            description=per_language("description"),
            regions=self.parsed_regions or [],
            topics=self.parsed_topics or [],
            targets=self.parsed_targets or {},
            privacy_notice=per_language("privacy_notice"),
            privacy_version=self.privacy_version.data or None,
            opens_at=self.opens_at.data,
            closes_at=self.closes_at.data,
        )

    def fill_from(self, call) -> None:
        """Put the values of *call* (a Call, or CallData to start from) into the fields."""
        for code in UI_LANGUAGES:
            self[f"title_{code}"].data = call.title.get(code, "")
            self[f"description_{code}"].data = call.description.get(code, "")
            self[f"privacy_notice_{code}"].data = (call.privacy_notice or {}).get(code, "")
        self.slug.data = call.slug
        fill_rows(self.regions, call.regions)
        fill_rows(self.topics, call.topics)
        self.targets.data = format_target_lines(call.targets or {}, call.regions)
        self.opens_at.data = call.opens_at
        self.closes_at.data = call.closes_at
        self.privacy_version.data = call.privacy_version or ""


class ReopenForm(SiteForm):
    """An optional new deadline for a call that is opened again."""

    closes_at = DateTimeLocalField(
        _l("New deadline (UTC, optional)"), format=DATETIME_LOCAL_FORMAT, validators=[Optional()]
    )


# The privacy notice per page language, made after the dates as the page shows it.
_PRIVACY_NOTICES = _texts_per_language(
    lambda main, name: _text(
        _l("Privacy notice (%(language)s, optional)", language=name), PRIVACY_NOTICE_MAX
    )
)
for _code in UI_LANGUAGES:
    setattr(CallForm, f"title_{_code}", _TITLES[_code])
    setattr(CallForm, f"description_{_code}", _DESCRIPTIONS[_code])
    setattr(CallForm, f"privacy_notice_{_code}", _PRIVACY_NOTICES[_code])
