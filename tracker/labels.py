"""Every human label of an enum or key: statuses, languages, levels, templates, criteria.

Labels are lazy strings, translated when shown. Regions and topics belong to each call
(its JSON data holds a label per language), spoken languages to data/languages.json:
:func:`option_labels` and :func:`spoken_language_names` read them.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from flask_babel import LazyString, force_locale, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tracker.calls import load_data
from tracker.enums import (
    ELSEWHERE,
    AssignmentState,
    DocumentKind,
    EmailTemplateKey,
    LanguageLevel,
    Recommendation,
    RejectionReason,
    RubricCriterion,
    SafeChannel,
    Status,
)
from tracker.ui_languages import localized

STATUS_LABELS = {
    Status.NEW: _l("New"),
    Status.IN_REVIEW: _l("In review"),
    Status.SHORTLISTED: _l("Shortlisted"),
    Status.TRIAL: _l("Trial"),
    Status.ACCEPTED: _l("Accepted"),
    Status.ON_HOLD: _l("On hold"),
    Status.REJECTED: _l("Rejected"),
    Status.WITHDRAWN: _l("Withdrawn"),
}

ASSIGNMENT_STATE_LABELS = {
    AssignmentState.OFFERED: _l("Offered"),
    AssignmentState.ACCEPTED: _l("Accepted by the author"),
    AssignmentState.DELIVERED: _l("Delivered"),
    AssignmentState.EDITED: _l("Edited"),
    AssignmentState.PUBLISHED: _l("Published"),
    AssignmentState.PAID: _l("Paid"),
    AssignmentState.CANCELLED: _l("Cancelled"),
}
# The buttons that move an assignment on, one per next state.
ASSIGNMENT_ACTION_LABELS = {
    AssignmentState.ACCEPTED: _l("The author accepted"),
    AssignmentState.DELIVERED: _l("Piece delivered"),
    AssignmentState.EDITED: _l("Edit done"),
    AssignmentState.PUBLISHED: _l("Published"),
    AssignmentState.PAID: _l("Paid"),
    AssignmentState.CANCELLED: _l("Cancel the assignment"),
}
# The time zones of enums.EXPERT_TIMEZONES, as a deadline names them.
TIMEZONE_LABELS = {
    "Asia/Tbilisi": _l("Tbilisi time"),
    "Asia/Yerevan": _l("Yerevan time"),
    "Asia/Baku": _l("Baku time"),
    "Europe/Moscow": _l("Moscow time"),
    "Europe/Berlin": _l("Berlin time"),
}

# The languages we write in, each named in itself: never translated.

LEVEL_LABELS = {
    LanguageLevel.A1: _l("A1 – beginner"),
    LanguageLevel.A2: _l("A2 – elementary"),
    LanguageLevel.B1: _l("B1 – intermediate"),
    LanguageLevel.B2: _l("B2 – upper intermediate"),
    LanguageLevel.C1: _l("C1 – advanced"),
    LanguageLevel.C2: _l("C2 – proficient"),
    LanguageLevel.NATIVE: _l("Native speaker"),
}
# A level as staff pages, exports and the applicant's summary show it: "B2 (upper
# intermediate)", "native". The CEFR code stays, since editors think in it.
LEVEL_WORDS = {
    LanguageLevel.A1: _l("A1 (beginner)"),
    LanguageLevel.A2: _l("A2 (elementary)"),
    LanguageLevel.B1: _l("B1 (intermediate)"),
    LanguageLevel.B2: _l("B2 (upper intermediate)"),
    LanguageLevel.C1: _l("C1 (advanced)"),
    LanguageLevel.C2: _l("C2 (proficient)"),
    LanguageLevel.NATIVE: _l("native"),
}
# The code an applicant chooses for a language the list lacks, naming it in the row.
OTHER_LANGUAGE = "other"

# What editors and admins call each email template.
TEMPLATE_LABELS = {
    EmailTemplateKey.ACKNOWLEDGEMENT: _l("Acknowledgement of receipt"),
    EmailTemplateKey.REQUEST_INFO: _l("Request for information"),
    EmailTemplateKey.TRIAL_INVITATION: _l("Invitation to a trial assignment"),
    EmailTemplateKey.ACCEPTANCE: _l("Acceptance"),
    EmailTemplateKey.REJECTION: _l("Rejection"),
    EmailTemplateKey.WITHDRAWAL_CONFIRMATION: _l("Withdrawal confirmation"),
    EmailTemplateKey.ASSIGNMENT_BRIEF: _l("Assignment brief"),
    EmailTemplateKey.EXPERT_INVITATION: _l("Invitation of an expert to a new call"),
}

REJECTION_REASON_LABELS = {
    RejectionReason.REGION_COVERED: _l("We already cover the region"),
    RejectionReason.GERMAN_INSUFFICIENT: _l("German not sufficient"),
    RejectionReason.EXPERIENCE_INSUFFICIENT: _l("Not enough experience"),
    RejectionReason.SAMPLE_UNSUITABLE: _l("Writing sample unsuitable"),
    RejectionReason.NO_CAPACITY: _l("No capacity at the moment"),
    RejectionReason.OTHER: _l("Other reason"),
}

# The rubric as the candidate page and the rating form name it.
CRITERION_LABELS = {
    RubricCriterion.REGIONAL_EXPERTISE: _l("Regional expertise"),
    RubricCriterion.GERMAN_WRITING: _l("German writing"),
    RubricCriterion.SOURCING: _l("Sources and access"),
    RubricCriterion.STORY_IDEAS: _l("Story ideas"),
    RubricCriterion.RELIABILITY: _l("Reliability"),
}
# The rubric in the inbox's narrow mean column.
CRITERION_SHORT_LABELS = {
    RubricCriterion.REGIONAL_EXPERTISE: _l("Regional expertise"),
    RubricCriterion.GERMAN_WRITING: _l("German writing"),
    RubricCriterion.SOURCING: _l("Sourcing"),
    RubricCriterion.STORY_IDEAS: _l("Story ideas"),
    RubricCriterion.RELIABILITY: _l("Reliability"),
}

RECOMMENDATION_LABELS = {
    Recommendation.STRONG_YES: _l("Strong yes"),
    Recommendation.YES: _l("Yes"),
    Recommendation.MAYBE: _l("Maybe"),
    Recommendation.NO: _l("No"),
}

DOCUMENT_KIND_LABELS = {
    DocumentKind.CV: _l("CV"),
    DocumentKind.COVER_LETTER: _l("Cover letter"),
    DocumentKind.WRITING_SAMPLE: _l("Writing sample"),
}
# The safe channels an applicant at risk may prefer (tracker.applications.risk): names of
# services, the same in every language, but the last.
SAFE_CHANNEL_LABELS = {
    SafeChannel.SIGNAL: "Signal",
    SafeChannel.THREEMA: "Threema",
    SafeChannel.PROTON: "Proton Mail",
    SafeChannel.OTHER: _l("Another channel"),
}

# The documents as the inbox's markers name them.
DOCUMENT_SHORT_LABELS = {
    DocumentKind.CV: _l("CV"),
    DocumentKind.COVER_LETTER: _l("Letter"),
    DocumentKind.WRITING_SAMPLE: _l("Sample"),
}

# Warnings the upload checks attach to a document that was accepted all the same
# (tracker.documents: pdf.PDF_FLAGS, plaintext.RTF_OBJECT_FLAG). Each says what the file
# does and what the editor should do about it; the keys are stored with each document.
FLAG_LABELS = {
    "pdf_active_content": _l(
        "This PDF contains active content (JavaScript/automatic actions); "
        "open it only in a safe viewer"
    ),
    "pdf_page_action": _l(
        "This PDF runs JavaScript or other actions when a page opens or closes; "
        "open it only in a safe viewer"
    ),
    "pdf_interactive_script": _l(
        "Links, buttons or form fields in this PDF run JavaScript or start programs "
        "when used; open it only in a safe viewer and do not click them"
    ),
    "pdf_embedded_file": _l(
        "This PDF contains an embedded file (an attachment inside the PDF); "
        "do not open the attachment"
    ),
    "rtf_embedded_object": _l(
        "This RTF file contains an embedded object, the usual way RTF files attack word "
        "processors; open it only in a safe viewer"
    ),
}

# The stages of the dashboard's funnel.
FUNNEL_LABELS = {
    "received": _l("Received"),
    "reviewed": _l("Reviewed"),
    "shortlisted": _l("Shortlisted"),
    "accepted": _l("Accepted"),
}

# The countries applicants live in, by the country key of a call's regions.
COUNTRY_LABELS = {
    "georgia": _l("Georgia"),
    "armenia": _l("Armenia"),
    "azerbaijan": _l("Azerbaijan"),
    "russia": _l("Russia"),
    ELSEWHERE: _l("Another country"),
}

# The headings of a call's regions.
REGION_GROUP_LABELS = {
    "south_caucasus": _l("South Caucasus"),
    "north_caucasus": _l("North Caucasus"),
    "neighbouring": _l("Neighbouring regions"),
}

# The columns of a candidate list export.
COLUMN_LABELS = {
    "reference": _l("Reference"),
    "full_name": _l("Name"),
    "email": _l("Email"),
    "phone": _l("Phone"),
    "country": _l("Country of residence"),
    "country_other": _l("Country of residence (as written)"),
    "city": _l("City"),
    "regions": _l("Regions covered"),
    "languages": _l("Languages"),
    "topics": _l("Topics"),
    "status": _l("Status"),
    "tags": _l("Tags"),
    "assignee": _l("Assignee"),
    "rating_count": _l("Number of ratings"),
    "rating_mean": _l("Mean rating"),
    "mean_regional_expertise": _l("Mean: regional expertise"),
    "mean_german_writing": _l("Mean: German writing"),
    "mean_sourcing": _l("Mean: sourcing"),
    "mean_story_ideas": _l("Mean: story ideas"),
    "mean_reliability": _l("Mean: reliability"),
    "received": _l("Received"),
    "candidate_link": _l("Candidate page"),
    "documents": _l("Documents"),
}


def status_label(status: str | Status) -> str:
    """Return the translated name of *status*."""
    return str(STATUS_LABELS[Status(status)])


def resolved(labels: dict) -> dict:
    """Return *labels* with each lazy label translated now, in the current locale."""
    return {key: str(label) for key, label in labels.items()}


def option_labels(options: list[dict], language: str) -> dict[str, str]:
    """Return {key: label in *language*} of a call's regions or topics."""
    return {option["key"]: localized(option["label"], language) for option in options}


def country_label(country: str, other: str | None = None, language: str | None = None) -> str:
    """Return the name of the home country *country* in *language* (default: the page's);
    for "elsewhere", the name the applicant gave."""
    if country == ELSEWHERE and other:
        return other
    label = COUNTRY_LABELS.get(country)
    if label is None:
        # A country an administrator added to a call's regions has no label of ours.
        return country.replace("_", " ").title()
    if language is None:
        return str(label)
    return _country_names(language)[country]


@cache
def _country_names(language: str) -> dict[str, str]:
    """Return every home country's label in *language*: translated once per language and
    process (the catalogues do not change while it runs), as an inbox page's rows ask for
    theirs, and each force_locale costs more than the lookup."""
    with force_locale(language):
        return {key: str(label) for key, label in COUNTRY_LABELS.items()}


def home_countries(regions: list[dict]) -> list[str]:
    """Return the distinct country keys of a call's regions, in their order of appearance."""
    return list(dict.fromkeys(region.get("country") or region["key"] for region in regions))


def region_groups(regions: list[dict]) -> list[tuple[str | None, list[dict]]]:
    """Return the call's regions under their group keys, groups in the REGION_GROUPS order.

    Regions without a (known) group come last, under None.
    """
    groups: dict[str | None, list[dict]] = {key: [] for key in REGION_GROUP_LABELS}
    groups[None] = []
    for region in regions:
        group = region.get("group")
        groups[group if group in REGION_GROUP_LABELS else None].append(region)
    return [(key, members) for key, members in groups.items() if members]


@cache
def _spoken_languages() -> tuple[tuple[str, dict[str, str]], ...]:
    """Read data/languages.json once: (code, name per language) of each language."""
    return tuple((item["code"], item["label"]) for item in load_data("languages.json"))


def spoken_language_names(language: str) -> dict[str, str]:
    """Return {code: name in *language*} of every language an applicant may speak."""
    return {code: localized(labels, language) for code, labels in _spoken_languages()}


def language_name(code: str):
    """Return the name of language *code* in the language of the page that shows it: lazy,
    for form labels built once at import (the admins' call form, per page language)."""
    return LazyString(lambda: spoken_language_names(str(get_locale())).get(code, code))


@cache
def known_language_names(language: str) -> dict[str, str]:
    """Return {code: name in *language*} built once per language and process, for pages
    and exports that name many languages (an export 100,000 rows, the inbox's filter its
    detected sample languages): one dict shared by every caller, read and never changed."""
    return spoken_language_names(language)


def language_with_level(
    code: str, level: str, name: str | None = None, ui_language: str | None = None
) -> str:
    """Return a spoken language and the level in words: "Mingrelian: B2 (upper intermediate)".

    Every page, export and summary that shows a language calls this. *name* is what the
    applicant typed for a language the list lacks ("other"). The language is named in
    *ui_language* and the level in its words (the current locale by default); an unknown
    code or level is shown as stored rather than hidden.
    """
    current = str(get_locale())
    if ui_language and ui_language != current:
        with force_locale(ui_language):
            return language_with_level(code, level, name)
    known = known_language_names(current).get(code, code)
    shown = name if code == OTHER_LANGUAGE and name else known
    return _("%(language)s: %(level)s", language=shown, level=str(LEVEL_WORDS.get(level, level)))


@cache
def language_labeller(ui_language: str) -> Callable[[str, str, str | None], str]:
    """Return :func:`language_with_level` in *ui_language* for a page of rows: the words
    are translated once per language and process (the catalogues do not change while it
    runs), not twice for every language of every row."""
    with force_locale(ui_language):
        pattern = _("%(language)s: %(level)s")
        levels = resolved(LEVEL_WORDS)
    names = known_language_names(ui_language)

    def label(code: str, level: str, name: str | None = None) -> str:
        shown = name if code == OTHER_LANGUAGE and name else names.get(code, code)
        return pattern % {"language": shown, "level": levels.get(level, level)}

    return label


# What an import does with a line of the file (tracker.experts.importing outcomes).
IMPORT_OUTCOME_LABELS = {
    "create": _l("Create"),
    "update": _l("Complete"),
    "unchanged": _l("Unchanged"),
    "refused": _l("Refused"),
}

# What cleaning removed from a document before it was stored (tracker.documents.clean's
# METADATA_KINDS), shown to editors as "Metadata removed: author, company, GPS".
METADATA_KIND_LABELS = {
    "author": _l("author"),
    "company": _l("company"),
    "title": _l("title, subject and keywords"),
    "dates": _l("dates"),
    "software": _l("program used"),
    "template": _l("template"),
    "revisions": _l("revision count and editing time"),
    "custom_fields": _l("custom fields"),
    "xmp": _l("XMP metadata"),
    "comment_authors": _l("comment authors"),
    "change_authors": _l("tracked-change authors"),
    "gps": _l("GPS"),
    "exif": _l("camera data (EXIF)"),
}
