"""The expert pool: the directory's filter over the API, and one expert in full.

The query parameters are the directory's (tracker.experts.filter): they are checked for
their types here, then parsed into ONE :class:`ExpertFilter` whose conditions
(tracker.experts.directory) select the experts, so the API lists exactly whom the
directory lists. Contact details (email, phone) need the scope contacts:read.
"""

from __future__ import annotations

from datetime import date

from flask import g
from pydantic import BaseModel, Field

from tracker.api import api_route, responses
from tracker.api.cursors import PageQuery, page_of
from tracker.api.schemas import Money, money_out
from tracker.enums import ApiScope, Availability, LanguageLevel
from tracker.experts.directory import assignment_summary, experts_after
from tracker.experts.filter import ExpertFilter
from tracker.extensions import db
from tracker.models import Expert
from tracker.web.problems import ApiProblem

# The query parameters that are the directory's filter (the rest page the list).
FILTER_PARAMETERS = ("region", "language", "level", "topic", "availability", "call", "q")


class ExpertQuery(PageQuery):
    """The directory's filter: every parameter optional, all of them combined with AND."""

    region: str | None = Field(default=None, max_length=60, description="A region key.")
    language: str | None = Field(default=None, max_length=10, description="A language code.")
    level: LanguageLevel | None = Field(
        default=None, description="With language: this level or a higher one."
    )
    topic: str | None = Field(default=None, max_length=60, description="A topic key.")
    availability: Availability | None = Field(
        default=None, description="available (a busy spell that ended counts), busy or paused."
    )
    call: int | None = Field(default=None, ge=1, description="Applied to this call (its id).")
    active: bool = Field(default=False, description="Published in the last 90 days.")
    q: str | None = Field(
        default=None, max_length=200, description="Search in name, email, city and notes."
    )


def directory_filter(query: ExpertQuery) -> ExpertFilter:
    """Return the directory's filter for *query*, parsed by the directory's own parser."""
    args = {
        name: str(getattr(query, name))
        for name in FILTER_PARAMETERS
        if getattr(query, name) is not None
    }
    if query.active:
        args["active"] = "1"
    return ExpertFilter.from_args(args)


class SpokenLanguage(BaseModel):
    """A language an expert works in, and how well."""

    language: str
    level: str


class Contact(BaseModel):
    """How to reach an expert (only with the scope contacts:read)."""

    email: str
    phone: str | None


class PublishedPiece(BaseModel):
    """The most recently published piece of an expert."""

    published_on: date
    url: str | None = Field(description="As the editors stored it; never fetched by tracker.")


class ExpertOut(BaseModel):
    """An expert of the pool."""

    id: int
    full_name: str
    country: str | None
    city: str | None
    timezone: str = Field(description="The IANA zone the expert's deadlines are given in.")
    preferred_language: str
    regions: list[str]
    languages: list[SpokenLanguage]
    topics: list[str]
    availability: Availability
    busy_until: date | None = Field(description="The last busy day, when busy.")
    rate: Money | None = Field(description="The rate agreed per piece, if any.")
    open_assignments: int = Field(description="Offered, accepted, delivered or edited.")
    published_assignments: int = Field(description="Published or paid.")
    last_published: PublishedPiece | None
    contact: Contact | None = Field(description="null unless the token has contacts:read.")


class ExpertPage(BaseModel):
    """A page of experts, by id; pass next_cursor as cursor for the next page."""

    items: list[ExpertOut]
    next_cursor: str | None = Field(description="null on the last page.")


def experts_out(experts: list[Expert]) -> list[ExpertOut]:
    """Return *experts* as the API shows them to the current token."""
    summary = assignment_summary([expert.id for expert in experts])
    contacts = g.api_token.allows(ApiScope.CONTACTS_READ)
    items = []
    for expert in experts:
        open_count, published_count, last = summary.get(expert.id, (0, 0, None))
        items.append(
            ExpertOut(
                id=expert.id,
                full_name=expert.full_name,
                country=expert.country,
                city=expert.city,
                timezone=expert.timezone,
                preferred_language=expert.preferred_language,
                regions=expert.regions,
                languages=[
                    SpokenLanguage(language=row.language, level=row.level)
                    for row in expert.languages
                ],
                topics=sorted(row.topic for row in expert.topics),
                availability=expert.availability,
                busy_until=expert.busy_until,
                rate=money_out(expert.rate_minor, expert.rate_currency),
                open_assignments=open_count,
                published_assignments=published_count,
                last_published=PublishedPiece(published_on=last[0], url=last[1]) if last else None,
                contact=Contact(email=expert.email, phone=expert.phone) if contacts else None,
            )
        )
    return items


@api_route(
    "/experts",
    scope=ApiScope.EXPERTS_READ,
    resp=responses(200, ExpertPage, 422),
    tags=("experts",),
    query=ExpertQuery,
)
def list_experts(query: ExpertQuery):
    """List the experts the directory's filter matches, by id."""
    experts = experts_after(directory_filter(query), query.after, query.limit + 1)
    experts, next_cursor = page_of(experts, query.limit)
    return ExpertPage(items=experts_out(experts), next_cursor=next_cursor)


@api_route(
    "/experts/<int:expert_id>",
    scope=ApiScope.EXPERTS_READ,
    resp=responses(200, ExpertOut, 404),
    tags=("experts",),
)
def show_expert(expert_id: int):
    """Show one expert."""
    expert = db.session.get(Expert, expert_id)
    if expert is None:
        raise ApiProblem(404, f"There is no expert {expert_id}.")
    return experts_out([expert])[0]
