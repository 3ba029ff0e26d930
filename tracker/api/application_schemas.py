"""The pydantic models of the applications endpoints: the list's query, what an application
looks like through the API, and the bodies of the changes a token may make."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from tracker.api.cursors import PageQuery
from tracker.applications.teamwork import COMMENT_MAX_LENGTH, TAG_MAX_LENGTH
from tracker.enums import RejectionReason, Status
from tracker.inbox.filter import SORT_KEYS, InboxFilter
from tracker.inbox.parsing import Q_MAX_LENGTH
from tracker.review.candidate_forms import NOTE_MAX_LENGTH

# The inbox's sort keys, ascending or ("-") descending.
SORT_ORDERS = tuple(order for key in SORT_KEYS for order in (key, f"-{key}"))
ITEM_FIELDS = (
    "reference",
    "call_id",
    "status",
    "received",
    "full_name",
    "city",
    "country",
    "country_other",
    "regions",
    "languages",
    "topics",
    "rating_count",
    "rating_mean",
    "assignee",
    "tags",
    "email",
    "phone",
)
# Shown only to a token with the scope contacts:read.
CONTACT_FIELDS = ("email", "phone")

# The database keeps UTC without a zone; the API says so (RFC 3339: ...Z).
UtcDateTime = Annotated[
    datetime, AfterValidator(lambda moment: moment.replace(tzinfo=moment.tzinfo or UTC))
]


def _comma_separated(values: object) -> object:
    """Split comma-separated values of a repeatable parameter (``status=new,trial``)."""
    if isinstance(values, str):
        values = [values]
    if isinstance(values, list):
        return [part.strip() for value in values for part in str(value).split(",") if part.strip()]
    return values


def _name_the_parameter(values, handler):
    """Split comma-separated values, and name the parameter (not the position of the value
    in it) when one is unknown."""
    try:
        return handler(_comma_separated(values))
    except ValidationError as error:
        wrong = error.errors()[0]
        raise ValueError(f"{wrong['input']!r}: {wrong['msg']}") from None


# The inbox's filters, by their names in its URL (the rest: sort, page, columns).
INBOX_FILTERS = (
    *("call", "status", "region", "language", "topic", "tag", "assignee"),
    *("received_from", "received_to", "sample_language", "possible_copy", "q"),
)


class InboxFilterQuery(BaseModel):
    """The inbox's filters as query parameters, typed: the application list and the
    export of applications take them, and both hand them to the inbox's own parser."""

    call: int | None = Field(None, ge=1, description="Only applications to this call (its id).")
    status: list[Status] = Field(
        [], description="Only these statuses: repeat the parameter or separate by commas."
    )
    region: str | None = Field(None, max_length=60, description="Covers this region (its key).")
    language: str | None = Field(None, max_length=10, description="Works in this language.")
    topic: str | None = Field(None, max_length=60, description="Covers this topic (its key).")
    tag: str | None = Field(None, max_length=TAG_MAX_LENGTH, description="Carries this tag.")
    assignee: str | None = Field(
        None,
        pattern=r"^(nobody|someone|[1-9][0-9]{0,8})$",
        description="Assigned to nobody, to someone, or to this user (an id).",
    )
    received_from: date | None = Field(None, description="Received on or after this day.")
    received_to: date | None = Field(None, description="Received on or before this day.")
    sample_language: str | None = Field(
        None, max_length=10, description="The writing sample is in this language (ISO code)."
    )
    possible_copy: Literal["yes", "no"] | None = Field(
        None, description="The writing sample is (yes) or is not (no) flagged as a near copy."
    )
    q: str | None = Field(
        None,
        max_length=Q_MAX_LENGTH,
        description="Search names, cover letters, documents' text, references, contacts.",
    )

    @field_validator("status", mode="wrap")
    @classmethod
    def _known_statuses(cls, values, handler):
        return _name_the_parameter(values, handler)

    def inbox_args(self) -> dict[str, str | list[str]]:
        """Return the filters as the inbox's URL holds them."""
        args: dict[str, str | list[str]] = {"status": [status.value for status in self.status]}
        for name in INBOX_FILTERS:
            value = getattr(self, name)
            if value is not None and name != "status":
                args[name] = value.isoformat() if isinstance(value, date) else str(value)
        return args

    def inbox_filter(self) -> InboxFilter:
        """Return the inbox's filter of these parameters (parsed as the inbox parses)."""
        return InboxFilter.from_args(self.inbox_args())


class ApplicationQuery(InboxFilterQuery, PageQuery):
    """The application list's parameters: the inbox's filters and order, for an admin."""

    model_config = ConfigDict(extra="forbid")

    sort: Literal[SORT_ORDERS] = Field(  # type: ignore[valid-type]
        InboxFilter.DEFAULT_SORT,
        description="The inbox's order; '-' for descending. 'rating' orders by the token "
        "admin's own ratings (the first pass of rating is blind).",
    )
    fields: list[Literal[ITEM_FIELDS]] | None = Field(  # type: ignore[valid-type]
        None,
        description="Only these fields of each item (repeat or separate by commas). "
        "email and phone need the scope contacts:read.",
    )

    @field_validator("fields", mode="wrap")
    @classmethod
    def _known_fields(cls, values, handler):
        return _name_the_parameter(values, handler)

    def inbox_filter(self) -> InboxFilter:
        """Return the inbox's filter and order of these parameters."""
        return InboxFilter.from_args({**self.inbox_args(), "sort": self.sort})


def _absent_unless_asked(schema: dict) -> None:
    """Drop pydantic's "default": null from the fields that may be left out: a field that
    is absent is simply not in the item (fields=, contacts), never null in its place."""
    for field in schema.get("properties", {}).values():
        field.pop("default", None)


class TeamMember(BaseModel):
    """A member of the team."""

    id: int
    name: str


class ApplicantLanguage(BaseModel):
    """A language the applicant works in, and their level in it."""

    language: str = Field(description="An ISO code, or 'other'.")
    level: str = Field(description="A CEFR level (A1 … C2) or 'native'.")


class ApplicationItem(BaseModel):
    """An application in the list: the fields asked for with fields= (by default all,
    email and phone only for a token with the scope contacts:read)."""

    model_config = ConfigDict(json_schema_extra=_absent_unless_asked)

    reference: str = Field(None, description="What the applicant quotes, e.g. EXP-7Q4K-2M9D.")
    call_id: int = Field(None, description="The call applied to.")
    status: Status = Field(None, description="Where the application stands in the pipeline.")
    received: UtcDateTime = Field(None, description="When it arrived (UTC).")
    full_name: str = Field(None)
    city: str = Field(None)
    country: str = Field(None, description="A country key of the call, or 'elsewhere'.")
    country_other: str | None = Field(None, description="The country, with 'elsewhere'.")
    regions: list[str] = Field(None, description="The regions covered (keys), in order.")
    languages: list[ApplicantLanguage] = Field(None)
    topics: list[str] = Field(None, description="The topics covered (keys).")
    rating_count: int = Field(None, description="How many editors rated it.")
    rating_mean: float | None = Field(None, description="The mean of the ratings, 1 to 5.")
    assignee: TeamMember | None = Field(None, description="Who on the team looks after it.")
    tags: list[str] = Field(None, description="The team's labels, by name.")
    email: str = Field(None, description="Only with the scope contacts:read.")
    phone: str | None = Field(None, description="Only with the scope contacts:read.")


class ApplicationPage(BaseModel):
    """A page of applications, and the cursor of the next page (null on the last)."""

    items: list[ApplicationItem]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page.")


class StatusStep(BaseModel):
    """One step of an application's way through the pipeline."""

    from_status: Status
    to_status: Status
    at: UtcDateTime = Field(description="When (UTC).")
    by: TeamMember | None = Field(description="Who decided (null: the applicant, or erased).")
    reason: RejectionReason | None = Field(description="Why, for a rejection.")
    note: str | None = Field(description="The editor's note.")


class ApplicationDocument(BaseModel):
    """A document the applicant sent: its metadata, and where to download it."""

    id: int
    kind: str = Field(description="cv, cover_letter or writing_sample.")
    filename: str = Field(description="The applicant's file name (sanitised).")
    content_type: str = Field(description="The type of the verified format.")
    size: int = Field(description="Bytes.")
    sha256: str
    text_extracted: bool = Field(description="Whether its text was read (for search).")
    download_url: str = Field(description="The file (scope applications:read).")


class ApplicationDetail(ApplicationItem):
    """A whole application: the list's fields, what the applicant wrote, its history and
    documents; email and phone only for a token with the scope contacts:read."""

    model_config = ConfigDict(json_schema_extra=_absent_unless_asked)

    reference: str
    call_id: int
    status: Status
    received: UtcDateTime
    full_name: str
    city: str
    country: str
    country_other: str | None
    regions: list[str]
    languages: list[ApplicantLanguage]
    topics: list[str]
    rating_count: int
    rating_mean: float | None
    assignee: TeamMember | None
    tags: list[str]
    version: int = Field(description="Send as expected_version to change the status safely.")
    preferred_language: str = Field(description="The language the applicant reads emails in.")
    cover_letter: str | None
    writing_sample_url: str | None
    links: list[str]
    status_history: list[StatusStep] = Field(description="Oldest first.")
    documents: list[ApplicationDocument]


class StatusDecision(BaseModel):
    """A decision: the new status, and why."""

    model_config = ConfigDict(extra="forbid")

    status: Status
    note: str | None = Field(None, max_length=NOTE_MAX_LENGTH, description="A note for the team.")
    reason: RejectionReason | None = Field(
        None, validate_default=True, description="Required for 'rejected', refused otherwise."
    )
    expected_version: int | None = Field(
        None, description="The version read; a different current version answers 409."
    )

    @field_validator("reason")
    @classmethod
    def _reason_with_rejection(cls, reason, info: ValidationInfo):
        rejecting = info.data.get("status") is Status.REJECTED
        if rejecting and reason is None:
            raise ValueError("a rejection needs a reason: " + ", ".join(RejectionReason))
        if reason is not None and not rejecting:
            raise ValueError("only a rejection takes a reason")
        return reason


class StatusDecided(BaseModel):
    """The application's status after the change, and the change."""

    reference: str
    status: Status
    version: int
    change: StatusStep


class TagToAdd(BaseModel):
    """A tag to add."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=TAG_MAX_LENGTH)


class ApplicationTags(BaseModel):
    """The application's tags after the change."""

    reference: str
    tags: list[str]


class CommentToAdd(BaseModel):
    """A comment for the team."""

    model_config = ConfigDict(extra="forbid")

    body: str = Field(min_length=1, max_length=COMMENT_MAX_LENGTH)
    shared: bool = Field(False, description="Guest reviewers may read it too.")


class ApplicationComment(BaseModel):
    """A comment on an application."""

    id: int
    author: TeamMember | None = Field(description="Null once the author's account is deleted.")
    body: str
    shared: bool = Field(description="Guest reviewers may read it too.")
    created_at: UtcDateTime


class ApplicationComments(BaseModel):
    """The comments on an application, oldest first."""

    items: list[ApplicationComment]
