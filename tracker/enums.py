"""Enumerations shared by models, forms and views."""

from enum import StrEnum


class Status(StrEnum):
    """Where an application stands in the editorial pipeline."""

    NEW = "new"
    IN_REVIEW = "in_review"
    SHORTLISTED = "shortlisted"
    TRIAL = "trial"
    ACCEPTED = "accepted"
    ON_HOLD = "on_hold"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class DocumentKind(StrEnum):
    """The three documents a call asks for."""

    CV = "cv"
    COVER_LETTER = "cover_letter"
    WRITING_SAMPLE = "writing_sample"


class FileType(StrEnum):
    """Document formats we accept; the value is the canonical extension."""

    PDF = "pdf"
    DOCX = "docx"
    ODT = "odt"
    RTF = "rtf"
    TXT = "txt"


class EmailStatus(StrEnum):
    """States of an outbox row: queued → sending → sent, or failed; sent → bounced when
    the applicant's mail server sent it back (a delivery status notification)."""

    DRAFT = "draft"
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    BOUNCED = "bounced"


class JobStatus(StrEnum):
    """States of a background job: queued → running → done, or failed."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Role(StrEnum):
    """What an account may do: editors and admins are the staff; a guest reviews one call."""

    EDITOR = "editor"
    ADMIN = "admin"
    GUEST = "guest"


# The roles of the team (who may be assigned, emailed, see every call).
STAFF_ROLES = (Role.EDITOR, Role.ADMIN)


class LanguageLevel(StrEnum):
    """CEFR levels, plus native speaker."""

    A1 = "A1"
    A2 = "A2"
    B1 = "B1"
    B2 = "B2"
    C1 = "C1"
    C2 = "C2"
    NATIVE = "native"


# The headings a call's regions are listed under, in this order (a region's "group" key).
REGION_GROUPS = ("south_caucasus", "north_caucasus", "neighbouring")
# The home country of an applicant who lives outside every country of the call's regions.
ELSEWHERE = "elsewhere"


# The pipeline: which status may follow which. One table, used by the one function that
# changes a status (pipeline.set_status), by the forms that offer choices, and by tests.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.NEW: frozenset({Status.IN_REVIEW, Status.ON_HOLD, Status.REJECTED, Status.WITHDRAWN}),
    Status.IN_REVIEW: frozenset(
        {Status.SHORTLISTED, Status.ON_HOLD, Status.REJECTED, Status.WITHDRAWN}
    ),
    Status.SHORTLISTED: frozenset(
        {Status.TRIAL, Status.ACCEPTED, Status.ON_HOLD, Status.REJECTED, Status.WITHDRAWN}
    ),
    Status.TRIAL: frozenset({Status.ACCEPTED, Status.ON_HOLD, Status.REJECTED, Status.WITHDRAWN}),
    Status.ON_HOLD: frozenset(
        {Status.IN_REVIEW, Status.SHORTLISTED, Status.TRIAL, Status.REJECTED, Status.WITHDRAWN}
    ),
    Status.ACCEPTED: frozenset({Status.ON_HOLD, Status.WITHDRAWN}),
    Status.REJECTED: frozenset({Status.IN_REVIEW}),
    Status.WITHDRAWN: frozenset(),
}

# Statuses that end the process for the applicant; retention applies from the decision.
FINAL_STATUSES = frozenset({Status.ACCEPTED, Status.REJECTED, Status.WITHDRAWN})


class RejectionReason(StrEnum):
    """Why an application was turned down (structured, for fair and comparable decisions)."""

    REGION_COVERED = "region_covered"
    GERMAN_INSUFFICIENT = "german_insufficient"
    EXPERIENCE_INSUFFICIENT = "experience_insufficient"
    SAMPLE_UNSUITABLE = "sample_unsuitable"
    NO_CAPACITY = "no_capacity"
    OTHER = "other"


class RubricCriterion(StrEnum):
    """What editors rate, each from 1 to 5."""

    REGIONAL_EXPERTISE = "regional_expertise"
    GERMAN_WRITING = "german_writing"
    SOURCING = "sourcing"
    STORY_IDEAS = "story_ideas"
    RELIABILITY = "reliability"


class Recommendation(StrEnum):
    """An editor's overall verdict on a candidate."""

    STRONG_YES = "strong_yes"
    YES = "yes"
    MAYBE = "maybe"
    NO = "no"


class EmailTemplateKey(StrEnum):
    """The emails editors send from ready templates (one version per UI language)."""

    ACKNOWLEDGEMENT = "acknowledgement"
    REQUEST_INFO = "request_info"
    TRIAL_INVITATION = "trial_invitation"
    ACCEPTANCE = "acceptance"
    REJECTION = "rejection"
    WITHDRAWAL_CONFIRMATION = "withdrawal_confirmation"
    # Emails to experts (tracker.experts): not offered when writing to a candidate.
    ASSIGNMENT_BRIEF = "assignment_brief"
    EXPERT_INVITATION = "expert_invitation"


# The templates an editor writes to an expert with, about an assignment or a new call.
EXPERT_TEMPLATE_KEYS = (EmailTemplateKey.ASSIGNMENT_BRIEF, EmailTemplateKey.EXPERT_INVITATION)
# The templates offered when writing to candidates.
CANDIDATE_TEMPLATE_KEYS = tuple(key for key in EmailTemplateKey if key not in EXPERT_TEMPLATE_KEYS)


class NotificationEvent(StrEnum):
    """What a staff member can be told about (tracker.notifications)."""

    NEW_APPLICATION = "new_application"
    ASSIGNED = "assigned"
    MENTIONED = "mentioned"
    STATUS_CHANGED = "status_changed"
    WITHDREW = "withdrew"
    REPLIED = "replied"
    BOUNCED = "bounced"
    # An assignment's deadline is two days away; a delivered piece has waited three days.
    DEADLINE_NEAR = "deadline_near"
    EDIT_WAITING = "edit_waiting"


class Delivery(StrEnum):
    """How a person wants to hear of one kind of notification by email."""

    AT_ONCE = "at_once"
    DIGEST = "digest"
    NEVER = "never"


class AssignmentState(StrEnum):
    """Where a commissioned piece stands: offered → accepted → delivered → edited →
    published → paid, or cancelled."""

    OFFERED = "offered"
    ACCEPTED = "accepted"
    DELIVERED = "delivered"
    EDITED = "edited"
    PUBLISHED = "published"
    PAID = "paid"
    CANCELLED = "cancelled"


# The one transition table of assignments (tracker.assignments). A piece may be cancelled
# until it is published; a published piece can only be paid.
ASSIGNMENT_TRANSITIONS: dict[AssignmentState, frozenset[AssignmentState]] = {
    AssignmentState.OFFERED: frozenset({AssignmentState.ACCEPTED, AssignmentState.CANCELLED}),
    AssignmentState.ACCEPTED: frozenset({AssignmentState.DELIVERED, AssignmentState.CANCELLED}),
    AssignmentState.DELIVERED: frozenset({AssignmentState.EDITED, AssignmentState.CANCELLED}),
    AssignmentState.EDITED: frozenset({AssignmentState.PUBLISHED, AssignmentState.CANCELLED}),
    AssignmentState.PUBLISHED: frozenset({AssignmentState.PAID}),
    AssignmentState.PAID: frozenset(),
    AssignmentState.CANCELLED: frozenset(),
}


class Currency(StrEnum):
    """Currencies fees are agreed in."""

    EUR = "EUR"
    USD = "USD"
    GEL = "GEL"
    AMD = "AMD"
    AZN = "AZN"
    RUB = "RUB"


# Digits after the decimal point (ISO 4217): fees are stored as integers of the minor unit.
CURRENCY_MINOR_UNITS = {currency: 2 for currency in Currency}
# The highest fee one piece may carry, in major units: above it is a typo (an extra zero),
# never a fee. Roughly 20,000 EUR in each currency.
CURRENCY_MAX_FEE = {
    Currency.EUR: 20_000,
    Currency.USD: 20_000,
    Currency.GEL: 60_000,
    Currency.AMD: 9_000_000,
    Currency.AZN: 40_000,
    Currency.RUB: 2_000_000,
}

# The time zones experts work in; deadlines are entered and shown in the expert's zone.
EXPERT_TIMEZONES = ("Asia/Tbilisi", "Asia/Yerevan", "Asia/Baku", "Europe/Moscow", "Europe/Berlin")
DEFAULT_TIMEZONE = "Europe/Berlin"


class Availability(StrEnum):
    """Whether an expert can take work now."""

    AVAILABLE = "available"
    BUSY = "busy"  # until experts.busy_until
    PAUSED = "paused"


class ExpertSource(StrEnum):
    """How an expert came into the pool."""

    APPLICATION = "application"  # an accepted application
    IMPORT = "import"  # the newsroom's own list (tracker.experts.importing)


class SafeChannel(StrEnum):
    """A channel an applicant at risk prefers to be contacted on (tracker.applications.risk)."""

    SIGNAL = "signal"
    THREEMA = "threema"
    PROTON = "proton"
    OTHER = "other"


class ApiScope(StrEnum):
    """What an API token may do (tracker.api_tokens); contact details need their own scope."""

    APPLICATIONS_READ = "applications:read"
    APPLICATIONS_WRITE = "applications:write"  # status, tags, comments
    CONTACTS_READ = "contacts:read"  # email address and phone number of applicants, experts
    EXPERTS_READ = "experts:read"
    ASSIGNMENTS_READ = "assignments:read"
    EXPORTS_READ = "exports:read"


class WebhookEvent(StrEnum):
    """What a webhook endpoint may subscribe to (tracker.webhooks)."""

    APPLICATION_CREATED = "application.created"
    APPLICATION_STATUS_CHANGED = "application.status_changed"
    APPLICATION_WITHDRAWN = "application.withdrawn"
    APPLICATION_ERASED = "application.erased"
    ASSIGNMENT_CREATED = "assignment.created"
    ASSIGNMENT_STATE_CHANGED = "assignment.state_changed"


class WebhookDeliveryStatus(StrEnum):
    """States of a webhook delivery, mirroring its job: queued → sending → delivered, or failed."""

    QUEUED = "queued"
    SENDING = "sending"
    DELIVERED = "delivered"
    FAILED = "failed"
